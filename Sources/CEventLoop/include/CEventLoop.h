// epoll, eventfd and accept4 for the RPC event loops. Glibc's Swift module does not export
// them, and the header stays free of system includes so it cannot clash with Glibc's module.
#ifndef CEVENTLOOP_H
#define CEVENTLOOP_H
#include <stdint.h>

extern const uint32_t CEventLoop_EPOLLIN;
extern const uint32_t CEventLoop_EPOLLOUT;
extern const uint32_t CEventLoop_EPOLLERR;
extern const uint32_t CEventLoop_EPOLLHUP;
extern const uint32_t CEventLoop_EPOLLRDHUP;
extern const int CEventLoop_CTL_ADD;
extern const int CEventLoop_CTL_MOD;
extern const int CEventLoop_CTL_DEL;

int CEventLoop_epoll_create(void);
int CEventLoop_eventfd(void);
int CEventLoop_ctl(int epfd, int op, int fd, uint32_t events);
/// Waits; writes ready fds and their event masks into two plain arrays (epoll_event is packed).
int CEventLoop_wait(int epfd, int *fds, uint32_t *events, int max, int timeout);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; the peer address lands in `addr` (sockaddr_storage).
int CEventLoop_accept(int fd, void *addr, uint32_t *len);
/// Returns freed heap memory of every malloc arena to the kernel.
int CEventLoop_malloc_trim(void);
/// Names the calling thread (at most 15 bytes are kept), as ps, top and perf show it.
int CEventLoop_set_thread_name(const char *name);
#endif
