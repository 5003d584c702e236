// What spawn.c (in jobletd) and init.c (the joblet-init executable) share: the descriptors the
// init starts with, the spec it reads, and the report it sends back. Async-signal-safe helpers only.
#ifndef CJOBLETLINUX_INTERNAL_H
#define CJOBLETLINUX_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

// The init's descriptors at exec: the control socket (spec in, report out; EOF = the command was
// exec'd), the log (stdout and stderr), the exit-status file. Everything else is closed.
enum { FD_CTL = 3, FD_LOG = 4, FD_STATUS = 5, FD_FIRST_FREE = 6 };

// The spec on the control socket: this header, then `string_bytes` bytes of NUL-terminated strings:
// hostname, rootfs_dir, workspace_dir, work_dir, argv[0..argc), envp[0..envc), then mountc
// triples (source, target, "ro"/"rw"). The header's first bytes carry 3 + mountc descriptors:
// the log, the exit-status file, the workspace's tree, then each mount's tree (open_tree copies).
#define JOBLET_SPEC_MAGIC 0x4a424938u  // "JBI8"
struct init_spec_header {
    uint32_t magic, uid, gid, argc, envc, string_bytes;
    uint32_t flags;  // CJobletLinux_Spawn* flags (CJobletLinux.h)
    uint32_t filter_bytes;   // a compiled seccomp filter (struct sock_filter[]) after the strings, or 0
    uint64_t max_log_bytes;  // the job's output cap (0: none); log_drain.c
    uint32_t mountc;         // extra bind mounts (CJobletLinux_MaxMounts at most)
    uint32_t net_prefix;     // networks (issue 15): eth0's address and prefix, the default route's
    uint32_t net_address;    // gateway (network byte order); used with CJobletLinux_SpawnNewNetwork
    uint32_t net_gateway;
};
#define JOBLET_SPEC_MAX_BYTES (64u << 20)

// The new mount API (open_tree, mount_setattr, move_mount), for C libraries that lack it: the
// job's workspace and mounts travel with the spec as detached trees.
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
struct cj_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

// The byte the init sends as soon as it holds its spec: a launch whose init dies before that (a
// warm init killed from outside) is known to have run nothing and is retried with a fresh init.
// No report starts with it (a report starts with its stage, a small int).
#define JOBLET_SPEC_ACK ((unsigned char)0xA5)

// What the init sends back on the control socket when something failed; nothing = success.
struct report_msg {
    int stage, error, detail;
    char what[160];
};

static inline size_t cj_str_len(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static inline void cj_copy_str(char *dst, size_t cap, const char *src) {
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) dst[i] = src[i];
    dst[i] = 0;
}

static inline size_t cj_format_int(char *dst, long v) {
    char tmp[24];
    size_t n = 0, out = 0;
    unsigned long u = v < 0 ? (unsigned long)(-v) : (unsigned long)v;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) dst[out++] = '-';
    while (n) dst[out++] = tmp[--n];
    return out;
}

static inline void cj_send_report(int fd, int stage, int error, int detail, const char *what) {
    struct report_msg m;
    memset(&m, 0, sizeof m);
    m.stage = stage;
    m.error = error;
    m.detail = detail;
    cj_copy_str(m.what, sizeof m.what, what);
    ssize_t r;
    do { r = send(fd, &m, sizeof m, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
}

// The job's output pipe, drained by the init into the log file (log_drain.c).
struct log_drain {
    int pipe_fd, log_fd, null_fd;
    uint64_t cap, written;
    int truncated;
};
void cj_log_drain_init(struct log_drain *d, int pipe_fd, int log_fd, int null_fd, uint64_t cap);
/// Moves one chunk: 1 moved something, 0 nothing now (EAGAIN) or EOF, -1 error.
int cj_log_drain_step(struct log_drain *d);
/// Moves what is in the pipe now, at most `max_rounds` chunks.
void cj_log_drain_all(struct log_drain *d, unsigned max_rounds);

#endif
