// rtnetlink for job networks (issue 15): bridges at network creation and start, a veth pair per
// job at launch (jobletd), and the job's own side (lo, eth0, default route) inside its namespace
// (joblet-init). One short-lived NETLINK_ROUTE socket per call, each request acknowledged; no
// `ip` process anywhere. Every function returns 0 or -errno.
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <net/if.h>  // before the linux/ headers, which then skip their copy of it

#include <errno.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IFLA_BRPORT_ISOLATED
#define IFLA_BRPORT_ISOLATED 33
#endif

struct nl_request {
    struct nlmsghdr h;
    char body[2048];
};

static void *nl_tail(struct nlmsghdr *h) { return (char *)h + NLMSG_ALIGN(h->nlmsg_len); }

static struct rtattr *nl_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len) {
    struct rtattr *a = nl_tail(h);
    if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) > sizeof(struct nl_request)) return NULL;
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = (uint32_t)(NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len));
    return a;
}

static struct rtattr *nl_nest(struct nlmsghdr *h, unsigned short type) { return nl_attr(h, type | NLA_F_NESTED, NULL, 0); }
static void nl_end(struct nlmsghdr *h, struct rtattr *nest) { nest->rta_len = (unsigned short)((char *)nl_tail(h) - (char *)nest); }

static void *nl_payload(struct nlmsghdr *h, size_t len) {
    void *p = nl_tail(h);
    memset(p, 0, len);
    h->nlmsg_len = (uint32_t)(NLMSG_ALIGN(h->nlmsg_len) + NLMSG_ALIGN(len));
    return p;
}

static void nl_start(struct nl_request *r, unsigned short type, unsigned short flags) {
    memset(r, 0, sizeof *r);
    r->h.nlmsg_len = NLMSG_HDRLEN;
    r->h.nlmsg_type = type;
    r->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
    r->h.nlmsg_seq = 1;
}

// Sends the request and reads its acknowledgement: 0 or -errno.
static int nl_talk(struct nl_request *r) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t n;
    do { n = sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel); } while (n < 0 && errno == EINTR);
    if (n < 0) { int e = errno; close(fd); return -e; }
    char buf[4096];
    for (int tries = 0; tries < 16; tries++) {
        do { n = recv(fd, buf, sizeof buf, 0); } while (n < 0 && errno == EINTR);
        if (n < 0) { int e = errno; close(fd); return -e; }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                close(fd);
                return e->error;  // 0 is the acknowledgement
            }
        }
    }
    close(fd);
    return -EPROTO;
}

int CJobletLinux_net_link_index(const char *name) {
    unsigned idx = if_nametoindex(name);
    return idx ? (int)idx : -errno;
}

int CJobletLinux_net_link_up(int index) {
    struct nl_request r;
    nl_start(&r, RTM_NEWLINK, 0);
    struct ifinfomsg *i = nl_payload(&r.h, sizeof *i);
    i->ifi_family = AF_UNSPEC;
    i->ifi_index = index;
    i->ifi_flags = IFF_UP;
    i->ifi_change = IFF_UP;
    return nl_talk(&r);
}

int CJobletLinux_net_bridge_add(const char *name) {
    struct nl_request r;
    nl_start(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    struct ifinfomsg *i = nl_payload(&r.h, sizeof *i);
    i->ifi_family = AF_UNSPEC;
    if (!nl_attr(&r.h, IFLA_IFNAME, name, strlen(name) + 1)) return -ENAMETOOLONG;
    struct rtattr *info = nl_nest(&r.h, IFLA_LINKINFO);
    nl_attr(&r.h, IFLA_INFO_KIND, "bridge", 6);
    nl_end(&r.h, info);
    int rc = nl_talk(&r);
    if (rc == -EEXIST) rc = 0;
    if (rc < 0) return rc;
    int index = CJobletLinux_net_link_index(name);
    return index < 0 ? index : CJobletLinux_net_link_up(index);
}

int CJobletLinux_net_link_delete(const char *name) {
    int index = CJobletLinux_net_link_index(name);
    if (index < 0) return index == -ENODEV ? 0 : index;
    struct nl_request r;
    nl_start(&r, RTM_DELLINK, 0);
    struct ifinfomsg *i = nl_payload(&r.h, sizeof *i);
    i->ifi_family = AF_UNSPEC;
    i->ifi_index = index;
    int rc = nl_talk(&r);
    return rc == -ENODEV ? 0 : rc;
}

int CJobletLinux_net_address_add(int index, uint32_t address_be, int prefix) {
    struct nl_request r;
    nl_start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    struct ifaddrmsg *a = nl_payload(&r.h, sizeof *a);
    a->ifa_family = AF_INET;
    a->ifa_prefixlen = (unsigned char)prefix;
    a->ifa_index = (unsigned)index;
    a->ifa_scope = RT_SCOPE_UNIVERSE;
    nl_attr(&r.h, IFA_LOCAL, &address_be, 4);
    nl_attr(&r.h, IFA_ADDRESS, &address_be, 4);
    int rc = nl_talk(&r);
    return rc == -EEXIST ? 0 : rc;
}

int CJobletLinux_net_default_route(uint32_t gateway_be) {
    struct nl_request r;
    nl_start(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    struct rtmsg *m = nl_payload(&r.h, sizeof *m);
    m->rtm_family = AF_INET;
    m->rtm_table = RT_TABLE_MAIN;
    m->rtm_protocol = RTPROT_BOOT;
    m->rtm_scope = RT_SCOPE_UNIVERSE;
    m->rtm_type = RTN_UNICAST;
    nl_attr(&r.h, RTA_GATEWAY, &gateway_be, 4);
    return nl_talk(&r);
}

// A bridge port that may talk only to non-isolated ports (the bridge itself, the way out): jobs
// on the `isolated` network never reach one another.
static int set_port_isolated(int index) {
    struct nl_request r;
    nl_start(&r, RTM_SETLINK, 0);
    struct ifinfomsg *i = nl_payload(&r.h, sizeof *i);
    i->ifi_family = AF_BRIDGE;
    i->ifi_index = index;
    struct rtattr *p = nl_nest(&r.h, IFLA_PROTINFO);
    unsigned char on = 1;
    nl_attr(&r.h, IFLA_BRPORT_ISOLATED, &on, 1);
    nl_end(&r.h, p);
    return nl_talk(&r);
}

int CJobletLinux_net_veth_add(const char *host_name, const char *peer_name, pid_t peer_pid, int master_index, int isolated) {
    struct nl_request r;
    nl_start(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    struct ifinfomsg *i = nl_payload(&r.h, sizeof *i);
    i->ifi_family = AF_UNSPEC;
    i->ifi_flags = IFF_UP;
    i->ifi_change = IFF_UP;
    if (!nl_attr(&r.h, IFLA_IFNAME, host_name, strlen(host_name) + 1)) return -ENAMETOOLONG;
    uint32_t master = (uint32_t)master_index;
    nl_attr(&r.h, IFLA_MASTER, &master, 4);
    struct rtattr *info = nl_nest(&r.h, IFLA_LINKINFO);
    nl_attr(&r.h, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = nl_nest(&r.h, IFLA_INFO_DATA);
    struct rtattr *peer = nl_nest(&r.h, VETH_INFO_PEER);
    struct ifinfomsg *pi = nl_payload(&r.h, sizeof *pi);
    pi->ifi_family = AF_UNSPEC;
    nl_attr(&r.h, IFLA_IFNAME, peer_name, strlen(peer_name) + 1);
    uint32_t pid = (uint32_t)peer_pid;
    if (!nl_attr(&r.h, IFLA_NET_NS_PID, &pid, 4)) return -ENOSPC;
    nl_end(&r.h, peer);
    nl_end(&r.h, data);
    nl_end(&r.h, info);
    int rc = nl_talk(&r);
    if (rc < 0 || !isolated) return rc;
    int index = CJobletLinux_net_link_index(host_name);
    rc = index < 0 ? index : set_port_isolated(index);
    if (rc < 0) CJobletLinux_net_link_delete(host_name);
    return rc;
}

static int address_delete(int index, uint32_t address_be, int prefix) {
    struct nl_request r;
    nl_start(&r, RTM_DELADDR, 0);
    struct ifaddrmsg *a = nl_payload(&r.h, sizeof *a);
    a->ifa_family = AF_INET;
    a->ifa_prefixlen = (unsigned char)prefix;
    a->ifa_index = (unsigned)index;
    nl_attr(&r.h, IFA_LOCAL, &address_be, 4);
    int rc = nl_talk(&r);
    return rc == -EADDRNOTAVAIL ? 0 : rc;
}

// "sockets: used N" of the calling thread's network namespace (/proc/thread-self/net follows the
// thread's namespace): every socket of the namespace, of any family. -errno if unreadable.
static int sockets_in_use(void) {
    int fd = open("/proc/thread-self/net/sockstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int e = errno;
    close(fd);
    if (n <= 0) return n < 0 ? -e : -EPROTO;
    buf[n] = 0;
    const char *key = "sockets: used ";
    if (strncmp(buf, key, strlen(key)) != 0) return -EPROTO;
    return atoi(buf + strlen(key));
}

int CJobletLinux_netns_recycle(int netns_fd, int home_fd, uint32_t address_be, int prefix) {
    if (setns(netns_fd, CLONE_NEWNET) < 0) return -errno;
    int rc = sockets_in_use();
    if (rc > 0) rc = -EBUSY;
    if (rc == 0) {
        unsigned eth = if_nametoindex("eth0");
        rc = eth ? address_delete((int)eth, address_be, prefix) : -ENODEV;
    }
    // A thread of jobletd must never stay in a job's namespace.
    if (setns(home_fd, CLONE_NEWNET) < 0) abort();
    return rc;
}
