#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "CEventLoop.h"

const uint32_t CEventLoop_EPOLLIN = EPOLLIN;
const uint32_t CEventLoop_EPOLLOUT = EPOLLOUT;
const uint32_t CEventLoop_EPOLLERR = EPOLLERR;
const uint32_t CEventLoop_EPOLLHUP = EPOLLHUP;
const uint32_t CEventLoop_EPOLLRDHUP = EPOLLRDHUP;
const int CEventLoop_CTL_ADD = EPOLL_CTL_ADD;
const int CEventLoop_CTL_MOD = EPOLL_CTL_MOD;
const int CEventLoop_CTL_DEL = EPOLL_CTL_DEL;

int CEventLoop_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int CEventLoop_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int CEventLoop_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event ev = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epfd, op, fd, &ev);
}

int CEventLoop_wait(int epfd, int *fds, uint32_t *events, int max, int timeout) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout);
    for (int i = 0; i < n; i++) { fds[i] = evs[i].data.fd; events[i] = evs[i].events; }
    return n;
}

int CEventLoop_accept(int fd, void *addr, uint32_t *len) {
    socklen_t l = *len;
    int rc = accept4(fd, (struct sockaddr *)addr, &l, SOCK_NONBLOCK | SOCK_CLOEXEC);
    *len = l;
    return rc;
}

#include <malloc.h>
int CEventLoop_malloc_trim(void) { return malloc_trim(0); }

int CEventLoop_set_thread_name(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = 0;
    return pthread_setname_np(pthread_self(), shortened);
}
