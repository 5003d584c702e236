// epoll and eventfd for the RPC event loops (Glibc's Swift module does not export them).
#ifndef CEVENTLOOP_H
#define CEVENTLOOP_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <stdint.h>

static const uint32_t CEventLoop_EPOLLIN = EPOLLIN;
static const uint32_t CEventLoop_EPOLLOUT = EPOLLOUT;
static const uint32_t CEventLoop_EPOLLERR = EPOLLERR;
static const uint32_t CEventLoop_EPOLLHUP = EPOLLHUP;
static const uint32_t CEventLoop_EPOLLRDHUP = EPOLLRDHUP;
static const int CEventLoop_EFD_FLAGS = EFD_NONBLOCK | EFD_CLOEXEC;
static const int CEventLoop_EPOLL_CLOEXEC = EPOLL_CLOEXEC;

static inline int CEventLoop_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event ev = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epfd, op, fd, &ev);
}

/// accept4 is a GNU extension that Glibc's Swift module hides.
static inline int CEventLoop_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

/// Waits; writes ready fds and their event masks into two plain arrays (epoll_event is packed).
static inline int CEventLoop_wait(int epfd, int *fds, uint32_t *events, int max, int timeout) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout);
    for (int i = 0; i < n; i++) { fds[i] = evs[i].data.fd; events[i] = evs[i].events; }
    return n;
}
#endif
