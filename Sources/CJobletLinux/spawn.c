// Spawning a job's first process, from jobletd (multi-threaded, large): a vfork-style clone
// (CLONE_VM | CLONE_VFORK) into new PID, mount, IPC and UTS namespaces that joins the job's cgroups
// itself and immediately execs the small `joblet-init` executable (init.c). No copy of jobletd's
// address space is ever made: the child borrows it, on its own stack, until the exec, and the
// calling thread sleeps meanwhile. The init then reads its spec from the control socket, builds
// the job's root and execs the command; the control socket reaches EOF when that exec succeeded.
//
// Between clone and exec only async-signal-safe system calls run, on memory shared with jobletd's
// other threads: no malloc, no stdio, no locks, and every signal held, so none of jobletd's handlers
// can run in the child.
#define _GNU_SOURCE
#include "CJobletLinux.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#define CHILD_STACK_SIZE (128 * 1024)

struct child_args {
    const CJobletLinux_SpawnSpec *spec;
    int ctl;  // the child's end of the control socket
};

// ---- the child (shares jobletd's memory until it execs) ----

// Writes "0" (the writer itself) into a cgroup.procs file: v1 and v2 both move the caller.
static int join_cgroup(int dirfd, const char *path) {
    int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, "0\n", 2);
    int e = errno;
    close(fd);
    if (n != 2) { errno = n < 0 ? e : EIO; return -1; }
    return 0;
}

// Moves `fds[i]` to `3 + i` (init's layout), through numbers above all of them.
static int settle_fds(const int *fds, int count, int init_fd, int init_target) {
    int highest = init_target;
    for (int i = 0; i < count; i++) if (fds[i] > highest) highest = fds[i];
    if (init_fd > highest) highest = init_fd;
    int moved[8];
    for (int i = 0; i < count; i++) if ((moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, highest + 1)) < 0) return -1;
    int moved_init = fcntl(init_fd, F_DUPFD_CLOEXEC, highest + 1);
    if (moved_init < 0) return -1;
    for (int i = 0; i < count; i++) if (dup2(moved[i], FD_CTL + i) < 0) return -1;          // dup2: no CLOEXEC
    if (dup3(moved_init, init_target, O_CLOEXEC) < 0) return -1;                          // gone at exec
    close_range((unsigned)init_target + 1, ~0U, 0);
    return 0;
}

static int spawn_child(void *p) {
    const struct child_args *a = p;
    const CJobletLinux_SpawnSpec *s = a->spec;

    // jobletd's handlers point at code that must not run here; the mask (all held) stays until
    // the init sets its own.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL)
            sigaction(sig, &dfl, NULL);
    }

    // Into every cgroup before anything of the user's can run.
    if (s->cgroup_fd >= 0) {
        if (join_cgroup(s->cgroup_fd, "cgroup.procs") < 0) {
            cj_send_report(a->ctl, CJobletLinux_StageCgroup, errno, __LINE__, "cgroup.procs");
            _exit(125);
        }
    }
    for (const char *const *path = s->cgroup_procs; path && *path; path++) {
        if (join_cgroup(AT_FDCWD, *path) < 0) {
            cj_send_report(a->ctl, CJobletLinux_StageCgroup, errno, __LINE__, *path);
            _exit(125);
        }
    }

    // Only the control socket: the log and status descriptors follow with the spec (SCM_RIGHTS),
    // so that an init can be started ahead of its job (a warm one, InitPool.swift).
    int keep[1] = {a->ctl};
    if (settle_fds(keep, 1, s->init_fd, FD_FIRST_FREE) < 0) {
        cj_send_report(a->ctl, CJobletLinux_StageInit, errno, __LINE__, "moving descriptors");
        _exit(125);
    }
    // A builder's root needs the host's tree after the spec (init.c, build_builder_root); every
    // other init builds its root first.
    char *const argv[] = {"joblet-init", (s->flags & CJobletLinux_SpawnBuilderRoot) ? "--late-root" : NULL, NULL};
    char *const envp[] = {NULL};
    syscall(SYS_execveat, FD_FIRST_FREE, "", argv, envp, AT_EMPTY_PATH);
    cj_send_report(FD_CTL, CJobletLinux_StageInit, errno, __LINE__, "exec joblet-init");
    _exit(125);
}

// ---- the parent side ----

static int fail_result(CJobletLinux_SpawnResult *r, int stage, int error, const char *what) {
    r->stage = stage;
    r->error = error;
    cj_copy_str(r->what, sizeof r->what, what);
    return -1;
}

static void kill_and_reap(int pidfd) {
    siginfo_t info;
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0 && errno == EINTR) {}
}

// The spec as the init reads it (internal.h); malloc'd, *len set. NULL when it is too large.
static char *encode_spec(const CJobletLinux_SpawnSpec *s, size_t *len) {
    const char *fixed[] = {s->hostname, s->rootfs_dir, s->workspace_dir, s->work_dir ? s->work_dir : ""};
    size_t bytes = 0;
    uint32_t argc = 0, envc = 0;
    for (int i = 0; i < 4; i++) bytes += strlen(fixed[i]) + 1;
    for (const char *const *a = s->argv; a && *a; a++, argc++) bytes += strlen(*a) + 1;
    for (const char *const *e = s->envp; e && *e; e++, envc++) bytes += strlen(*e) + 1;
    uint32_t mount_strings = 0;
    for (const char *const *m = s->mounts; m && *m; m++, mount_strings++) bytes += strlen(*m) + 1;
    if (mount_strings % 3 != 0 || mount_strings / 3 > CJobletLinux_MaxMounts) return NULL;
    uint32_t filter_bytes = s->seccomp_filter ? s->seccomp_filter_bytes : 0;
    if (bytes + filter_bytes > JOBLET_SPEC_MAX_BYTES || argc == 0) return NULL;
    struct init_spec_header h = {JOBLET_SPEC_MAGIC, (uint32_t)s->uid, (uint32_t)s->gid, argc, envc, (uint32_t)bytes, s->flags,
                              filter_bytes, s->max_log_bytes, mount_strings / 3, s->net_prefix,
                              s->net_address, s->net_gateway};
    char *buf = malloc(sizeof h + bytes + filter_bytes);
    if (!buf) return NULL;
    memcpy(buf, &h, sizeof h);
    char *at = buf + sizeof h;
    for (int i = 0; i < 4; i++) { size_t n = strlen(fixed[i]) + 1; memcpy(at, fixed[i], n); at += n; }
    for (uint32_t i = 0; i < argc; i++) { size_t n = strlen(s->argv[i]) + 1; memcpy(at, s->argv[i], n); at += n; }
    for (uint32_t i = 0; i < envc; i++) { size_t n = strlen(s->envp[i]) + 1; memcpy(at, s->envp[i], n); at += n; }
    for (uint32_t i = 0; i < mount_strings; i++) { size_t n = strlen(s->mounts[i]) + 1; memcpy(at, s->mounts[i], n); at += n; }
    if (filter_bytes) memcpy(at, s->seccomp_filter, filter_bytes);
    *len = sizeof h + bytes + filter_bytes;
    return buf;
}

static int send_all(int fd, const char *buf, size_t len) {
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        sent += (size_t)n;
    }
    return 0;
}

// Reads a report the child or init sent before it died; fills `result`.
static void read_report(int ctl, CJobletLinux_SpawnResult *result) {
    struct report_msg m;
    size_t have = 0;
    while (have < sizeof m) {
        ssize_t n = recv(ctl, (char *)&m + have, sizeof m - have, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
    }
    if (have < sizeof m) { fail_result(result, CJobletLinux_StageInit, ECHILD, "the job's init exited before its spec"); return; }
    result->stage = m.stage;
    result->error = m.error;
    result->detail = m.detail;
    cj_copy_str(result->what, sizeof result->what, m.what);
}

int CJobletLinux_spawn_prepare(const CJobletLinux_SpawnSpec *spec, CJobletLinux_Prepared *prepared,
                               CJobletLinux_SpawnResult *result) {
    memset(result, 0, sizeof *result);
    result->pid = -1;
    result->pidfd = -1;
    prepared->pid = -1;
    prepared->pidfd = -1;
    prepared->ctl = -1;

    int ctl[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0)
        return fail_result(result, CJobletLinux_StageSync, errno, "socketpair");
    void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        int e = errno;
        close(ctl[0]); close(ctl[1]);
        return fail_result(result, CJobletLinux_StageClone, e, "child stack");
    }

    struct child_args args = {spec, ctl[1]};
    int pidfd = -1;
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t pid = clone(spawn_child, (char *)stack + CHILD_STACK_SIZE,
                      CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
                          CLONE_PIDFD | SIGCHLD |
                          ((spec->flags & (CJobletLinux_SpawnNewNetwork | CJobletLinux_SpawnJoinNetwork)) == CJobletLinux_SpawnNewNetwork ? CLONE_NEWNET : 0),
                      &args, &pidfd, NULL, NULL);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    // Here the child has exec'd the init or exited: its stack is ours again.
    munmap(stack, CHILD_STACK_SIZE);
    close(ctl[1]);
    if (pid < 0) {
        close(ctl[0]);
        return fail_result(result, CJobletLinux_StageClone, clone_errno, "clone");
    }
    // vfork semantics: the child has exec'd the init (which now waits for its spec) or died
    // after writing its report.
    struct pollfd dead = {.fd = pidfd, .events = POLLIN};
    if (poll(&dead, 1, 0) > 0) {
        read_report(ctl[0], result);
        kill_and_reap(pidfd);
        close(pidfd);
        close(ctl[0]);
        return -1;
    }
    prepared->pid = pid;
    prepared->pidfd = pidfd;
    prepared->ctl = ctl[0];
    return 0;
}

// A detached copy of `path` (open_tree in jobletd's mount namespace) for the init to attach in
// the job's root: nosuid, nodev, read-only unless `writable`, and private, so that nothing mounted
// later on the host under it (or in the job) propagates either way. -1 with errno.
static int open_job_tree(const char *path, int writable) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC);
    if (tree < 0) return -1;
    struct cj_mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY),
                                 .propagation = MS_PRIVATE};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
        int e = errno;
        close(tree);
        errno = e;
        return -1;
    }
    return tree;
}

// The header with the descriptors attached (the log, the status file, `trees`, then the network
// namespace to join, if any), then the rest.
static int send_spec(int ctl, const char *encoded, size_t len, int log_fd, int status_fd, const int *trees, int treec,
                     int net_fd) {
    int fds[4 + CJobletLinux_MaxMounts];
    fds[0] = log_fd;
    fds[1] = status_fd;
    for (int i = 0; i < treec; i++) fds[2 + i] = trees[i];
    int count = 2 + treec;
    if (net_fd >= 0) fds[count++] = net_fd;
    size_t fd_bytes = (size_t)count * sizeof(int);
    union { char buf[CMSG_SPACE(sizeof fds)]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)encoded, .iov_len = sizeof(struct init_spec_header)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = CMSG_SPACE(fd_bytes)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fd_bytes);
    memcpy(CMSG_DATA(c), fds, fd_bytes);
    ssize_t n;
    do { n = sendmsg(ctl, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    return send_all(ctl, encoded + n, len - (size_t)n);
}

int CJobletLinux_spawn_start(const CJobletLinux_Prepared *prepared, const CJobletLinux_SpawnSpec *spec,
                             CJobletLinux_SpawnResult *result) {
    memset(result, 0, sizeof *result);
    int pidfd = prepared->pidfd, ctl = prepared->ctl;
    result->pid = prepared->pid;
    result->pidfd = pidfd;
    size_t spec_len = 0;
    char *encoded = encode_spec(spec, &spec_len);
    if (!encoded) {
        kill_and_reap(pidfd);
        close(pidfd);
        close(ctl);
        result->pid = -1;
        result->pidfd = -1;
        return fail_result(result, CJobletLinux_StageInit, E2BIG, "the command, its arguments and environment");
    }
    // The workspace and each mount as a detached tree: the init's root was built before its spec
    // (a warm init's long before), and no longer sees the host's paths.
    int trees[1 + CJobletLinux_MaxMounts], treec = 0;
    const char *failed = NULL;
    if ((trees[treec] = open_job_tree(spec->workspace_dir, 1)) >= 0) treec++;
    else failed = spec->workspace_dir;
    for (const char *const *m = spec->mounts; !failed && m && m[0] && m[1] && m[2]; m += 3) {
        if ((trees[treec] = open_job_tree(m[0], strcmp(m[2], "rw") == 0)) >= 0) treec++;
        else failed = m[0];
    }
    if (failed) {
        int e = errno;
        for (int i = 0; i < treec; i++) close(trees[i]);
        free(encoded);
        kill_and_reap(pidfd);
        close(pidfd);
        close(ctl);
        result->pid = -1;
        result->pidfd = -1;
        return fail_result(result, CJobletLinux_StageSetup, e, failed);
    }
    // An init that died meanwhile: the send fails, and its report (if any) is read below.
    (void)send_spec(ctl, encoded, spec_len, spec->log_fd, spec->status_fd, trees, treec,
                    (spec->flags & CJobletLinux_SpawnJoinNetwork) ? spec->net_fd : -1);
    for (int i = 0; i < treec; i++) close(trees[i]);
    free(encoded);
    shutdown(ctl, SHUT_WR);


    // First the init's acknowledgement (or the first byte of a report); EOF here: it died unfed.
    struct report_msg m;
    size_t have = 0;
    unsigned char first = 0;
    ssize_t got;
    do { got = recv(ctl, &first, 1, 0); } while (got < 0 && errno == EINTR);
    if (got <= 0) {
        close(ctl);
        kill_and_reap(pidfd);
        close(pidfd);
        result->pid = -1;
        result->pidfd = -1;
        return fail_result(result, CJobletLinux_StageLost, got < 0 ? errno : ECHILD, "the job's init exited before it read its spec");
    }
    if (first != JOBLET_SPEC_ACK) { memcpy(&m, &first, 1); have = 1; }
    while (have < sizeof m) {
        ssize_t n = recv(ctl, (char *)&m + have, sizeof m - have, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
    }
    close(ctl);
    if (have < sizeof m) return 0;  // EOF: the command was exec'd

    result->stage = m.stage;
    result->error = m.error;
    result->detail = m.detail;
    cj_copy_str(result->what, sizeof result->what, m.what);
    if (m.stage == CJobletLinux_StageExec || m.stage == CJobletLinux_StageChdir ||
        m.stage == CJobletLinux_StageCredentials)
        return 0;  // the init records 127 and exits by itself; the caller waits as usual
    kill_and_reap(pidfd);
    close(pidfd);
    result->pid = -1;
    result->pidfd = -1;
    return -1;
}

int CJobletLinux_spawn(const CJobletLinux_SpawnSpec *spec, CJobletLinux_SpawnResult *result) {
    CJobletLinux_Prepared prepared;
    if (CJobletLinux_spawn_prepare(spec, &prepared, result) < 0) return -1;
    return CJobletLinux_spawn_start(&prepared, spec, result);
}

void CJobletLinux_prepared_discard(CJobletLinux_Prepared *prepared) {
    if (prepared->pidfd >= 0) { kill_and_reap(prepared->pidfd); close(prepared->pidfd); }
    if (prepared->ctl >= 0) close(prepared->ctl);
    prepared->pidfd = prepared->ctl = prepared->pid = -1;
}

int CJobletLinux_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int CJobletLinux_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int CJobletLinux_pidfd_reap(int pidfd, int *exit_code, int *sig, int nohang) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r;
    do { r = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | (nohang ? WNOHANG : 0)); } while (r < 0 && errno == EINTR);
    if (r < 0) return -1;
    if (info.si_pid == 0) { errno = EAGAIN; return -1; }
    *exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    *sig = info.si_code == CLD_EXITED ? 0 : info.si_status;
    return 0;
}

int CJobletLinux_pidfd_wait(int pidfd, int timeout_ms) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r;
    do { r = poll(&p, 1, timeout_ms); } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
}

// ---- epoll, for the exit watcher ----

int CJobletLinux_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int CJobletLinux_epoll_add(int epfd, int fd, uint64_t tag) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int CJobletLinux_epoll_remove(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int CJobletLinux_epoll_wait(int epfd, uint64_t *tags, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n;
    do { n = epoll_wait(epfd, events, max, timeout_ms); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) tags[i] = events[i].data.u64;
    return n;
}
