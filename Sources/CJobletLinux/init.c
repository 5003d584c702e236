// The job's init: the `joblet-init` executable, pid 1 of the job's PID namespace. jobletd's spawn
// (spawn.c) has already put it into the job's namespaces and cgroups and exec'd it with three
// descriptors (internal.h): it reads its spec from the control socket, builds the job's root
// filesystem and pivots into it, forks the command (pid 2), forwards signals to the command's
// process group, reaps zombies and records the command's exit status in a file the server can read
// even when it is not the init's parent any more (after a restart).
//
// This is a fresh, small, single-threaded program, so forking the command copies almost nothing --
// the reason it is its own executable rather than a clone of jobletd.
#define _GNU_SOURCE
#include "CJobletLinux.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// The spec, parsed out of one allocation that lives as long as the process.
struct job_spec {
    const char *hostname, *rootfs_dir, *workspace_dir, *work_dir;
    char **argv, **envp;
    uid_t uid;
    gid_t gid;
    uint32_t flags;
    uint64_t max_log_bytes;
    const void *filter;  // compiled by jobletd's `joblet-init --seccomp-bpf`; NULL: build here
    uint32_t filter_bytes;
    char **mounts;       // mountc triples: source, target, "ro"/"rw"
    uint32_t mountc;
    // The workspace, then each of `mounts`: detached copies of the sources jobletd made in its own
    // mount namespace (open_tree, already nosuid/nodev/read-only as asked, private), received with
    // the spec; the init attaches them (attach_job_trees).
    int trees[1 + CJobletLinux_MaxMounts];
    uint32_t treec;
    uint32_t net_address, net_gateway, net_prefix;  // network byte order; CJobletLinux_SpawnNewNetwork
    int net_fd;  // CJobletLinux_SpawnJoinNetwork: the namespace to join (the last descriptor received)
};

static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define FORWARDED_COUNT (int)(sizeof forwarded_signals / sizeof forwarded_signals[0])

static volatile sig_atomic_t command_pid = 0;

// dst = a + "/" + b (b may be empty); returns -1 if it does not fit.
static int join_path(char *dst, size_t cap, const char *a, const char *b) {
    size_t la = cj_str_len(a), lb = cj_str_len(b);
    if (la + 1 + lb + 1 > cap) return -1;
    memcpy(dst, a, la);
    size_t at = la;
    if (lb) {
        if (at == 0 || dst[at - 1] != '/') dst[at++] = '/';
        memcpy(dst + at, b, lb);
        at += lb;
    }
    dst[at] = 0;
    return 0;
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t r = write(fd, text, cj_str_len(text));
    (void)r;
    close(fd);
}

// ---- the spec ----

static int read_full(int fd, void *buf, size_t n) {
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, (char *)buf + have, n - have);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        have += (size_t)r;
    }
    return 0;
}

// Takes the next NUL-terminated string of [*at, end); NULL when there is none.
static char *next_string(char **at, char *end) {
    char *s = *at;
    char *nul = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
    if (!nul) return NULL;
    *at = nul + 1;
    return s;
}

// The first bytes of the header carry descriptors (SCM_RIGHTS): the log and status files, which
// become FD_LOG and FD_STATUS, then the workspace's and the mounts' trees (s->trees), then with
// CJobletLinux_SpawnJoinNetwork the network namespace to join (read_spec moves it to s->net_fd).
static int receive_header(struct init_spec_header *h, struct job_spec *s) {
    enum { MAX_FDS = 4 + CJobletLinux_MaxMounts };
    int fds[MAX_FDS];
    union { char buf[CMSG_SPACE(sizeof fds)]; struct cmsghdr align; } control;
    struct iovec iov = {.iov_base = h, .iov_len = sizeof *h};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t n;
    do { n = recvmsg(FD_CTL, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n <= 0) { if (n == 0) errno = EPIPE; return -1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || (msg.msg_flags & MSG_CTRUNC) ||
        c->cmsg_len < CMSG_LEN(3 * sizeof(int)) || c->cmsg_len > CMSG_LEN(sizeof fds)) {
        errno = EPROTO;
        return -1;
    }
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    memcpy(fds, CMSG_DATA(c), count * sizeof(int));
    // Every one above the numbers dup2 targets first, so that no dup2 closes another of them.
    for (size_t i = 0; i < count; i++) {
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 16);
        close(fds[i]);
        fds[i] = moved;
    }
    for (size_t i = 0; i < count; i++) if (fds[i] < 0) return -1;
    if (dup2(fds[0], FD_LOG) < 0 || dup2(fds[1], FD_STATUS) < 0) return -1;
    close(fds[0]);
    close(fds[1]);
    s->treec = (uint32_t)(count - 2);
    for (uint32_t i = 0; i < s->treec; i++) s->trees[i] = fds[2 + i];
    if ((size_t)n < sizeof *h && read_full(FD_CTL, (char *)h + n, sizeof *h - (size_t)n) < 0) return -1;
    return 0;
}

static int read_spec(struct job_spec *s) {
    struct init_spec_header h;
    if (receive_header(&h, s) < 0) return -1;
    if (h.magic != JOBLET_SPEC_MAGIC || h.string_bytes > JOBLET_SPEC_MAX_BYTES || h.argc == 0 ||
        h.argc > h.string_bytes || h.envc > h.string_bytes || h.filter_bytes > JOBLET_SPEC_MAX_BYTES ||
        h.filter_bytes % 8 != 0 || h.mountc > CJobletLinux_MaxMounts ||
        s->treec != 1 + h.mountc + ((h.flags & CJobletLinux_SpawnJoinNetwork) ? 1 : 0)) { errno = EPROTO; return -1; }
    s->net_fd = (h.flags & CJobletLinux_SpawnJoinNetwork) ? s->trees[--s->treec] : -1;
    char *strings = malloc(h.string_bytes);
    s->argv = calloc((size_t)h.argc + 1, sizeof *s->argv);
    s->envp = calloc((size_t)h.envc + 1, sizeof *s->envp);
    s->mounts = calloc((size_t)h.mountc * 3 + 1, sizeof *s->mounts);
    if (!strings || !s->argv || !s->envp || !s->mounts) { errno = ENOMEM; return -1; }
    if (read_full(FD_CTL, strings, h.string_bytes) < 0) return -1;
    char *at = strings, *end = strings + h.string_bytes;
    const char **fixed[] = {&s->hostname, &s->rootfs_dir, &s->workspace_dir, &s->work_dir};
    for (size_t i = 0; i < 4; i++) if (!(*fixed[i] = next_string(&at, end))) { errno = EPROTO; return -1; }
    for (uint32_t i = 0; i < h.argc; i++) if (!(s->argv[i] = next_string(&at, end))) { errno = EPROTO; return -1; }
    for (uint32_t i = 0; i < h.envc; i++) if (!(s->envp[i] = next_string(&at, end))) { errno = EPROTO; return -1; }
    for (uint32_t i = 0; i < h.mountc * 3; i++) if (!(s->mounts[i] = next_string(&at, end))) { errno = EPROTO; return -1; }
    s->mountc = h.mountc;
    s->uid = h.uid;
    s->gid = h.gid;
    s->flags = h.flags;
    s->max_log_bytes = h.max_log_bytes;
    s->net_address = h.net_address;
    s->net_gateway = h.net_gateway;
    s->net_prefix = h.net_prefix;
    if (h.filter_bytes) {
        void *filter = malloc(h.filter_bytes);
        if (!filter) { errno = ENOMEM; return -1; }
        if (read_full(FD_CTL, filter, h.filter_bytes) < 0) return -1;
        s->filter = filter;
        s->filter_bytes = h.filter_bytes;
    }
    return 0;
}

// ---- the root filesystem ----

#define FAIL_SETUP(what) do { cj_send_report(FD_CTL, CJobletLinux_StageSetup, errno, __LINE__, (what)); _exit(125); } while (0)

// A host directory, read-only, nosuid, nodev; a host symlink (merged /usr) is copied as a symlink.
static void mount_system_dir(const char *root, const char *name) {
    char host[PATH_MAX], target[PATH_MAX], link[PATH_MAX];
    struct stat st;
    if (join_path(host, sizeof host, "/", name) || join_path(target, sizeof target, root, name))
        FAIL_SETUP(name);
    if (lstat(host, &st) < 0) {
        if (errno == ENOENT) return;
        FAIL_SETUP(host);
    }
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(host, link, sizeof link - 1);
        if (n < 0) FAIL_SETUP(host);
        link[n] = 0;
        if (symlink(link, target) < 0) FAIL_SETUP(target);
        return;
    }
    if (!S_ISDIR(st.st_mode)) return;
    if (mkdir(target, 0755) < 0 && errno != EEXIST) FAIL_SETUP(target);
    if (mount(host, target, NULL, MS_BIND | MS_REC, NULL) < 0) FAIL_SETUP(host);
    if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        FAIL_SETUP(target);
}

static void make_dir(const char *root, const char *name, mode_t mode, char *out, size_t cap) {
    if (join_path(out, cap, root, name)) FAIL_SETUP(name);
    if (mkdir(out, mode) < 0 && errno != EEXIST) FAIL_SETUP(out);
    if (chmod(out, mode) < 0) FAIL_SETUP(out);
}

// The builder's view of a host directory (runtimes): an overlay whose upper layer lives on
// `scratch` (a tmpfs only this mount namespace has), so writes land there and vanish with the
// job. A host symlink is copied as a symlink; a directory the host lacks is an empty one.
static void mount_overlay_dir(const char *root, const char *scratch, const char *name) {
    char host[PATH_MAX], target[PATH_MAX], link[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], opts[3 * PATH_MAX + 64];
    struct stat st;
    if (join_path(host, sizeof host, "/", name) || join_path(target, sizeof target, root, name) ||
        join_path(upper, sizeof upper, scratch, name) || join_path(work, sizeof work, scratch, "work-") ||
        cj_str_len(work) + cj_str_len(name) + 1 > sizeof work)
        FAIL_SETUP(name);
    memcpy(work + cj_str_len(work), name, cj_str_len(name) + 1);
    int absent = lstat(host, &st) < 0;
    if (absent && errno != ENOENT) FAIL_SETUP(host);
    if (absent || (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))) {
        if (mkdir(target, 0755) < 0 && errno != EEXIST) FAIL_SETUP(target);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(host, link, sizeof link - 1);
        if (n < 0) FAIL_SETUP(host);
        link[n] = 0;
        if (symlink(link, target) < 0) FAIL_SETUP(target);
        return;
    }
    if (mkdir(target, 0755) < 0 && errno != EEXIST) FAIL_SETUP(target);
    if (mkdir(upper, 0755) < 0 && errno != EEXIST) FAIL_SETUP(upper);
    if (mkdir(work, 0700) < 0 && errno != EEXIST) FAIL_SETUP(work);
    size_t at = 0;
    const char *parts[] = {"lowerdir=", host, ",upperdir=", upper, ",workdir=", work};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t n = cj_str_len(parts[i]);
        if (at + n + 1 > sizeof opts) FAIL_SETUP(name);
        memcpy(opts + at, parts[i], n);
        at += n;
    }
    opts[at] = 0;
    if (mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) FAIL_SETUP(target);
}

static void mount_dev(const char *root) {
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}};
    char dev[PATH_MAX], p[PATH_MAX], host[PATH_MAX];
    make_dir(root, "dev", 0755, dev, sizeof dev);
    if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0) FAIL_SETUP(dev);
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        if (join_path(p, sizeof p, dev, nodes[i]) || join_path(host, sizeof host, "/dev", nodes[i]))
            FAIL_SETUP(nodes[i]);
        int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0) FAIL_SETUP(p);
        close(fd);
        if (mount(host, p, NULL, MS_BIND, NULL) < 0) FAIL_SETUP(host);
    }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (join_path(p, sizeof p, dev, links[i][0])) FAIL_SETUP(links[i][0]);
        if (symlink(links[i][1], p) < 0) FAIL_SETUP(p);
    }
    make_dir(dev, "shm", 01777, p, sizeof p);
    if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) FAIL_SETUP(p);
}

// /proc as runc leaves it: files that leak kernel state or addresses read as /dev/null,
// directories of host hardware are empty, and the kernel's knobs are read-only (even for a
// process that somehow regained privileges). Entries this kernel lacks are skipped.
static void mask_proc(const char *proc) {
    static const char *const masked_files[] = {"kcore", "keys", "timer_list", "timer_stats", "sched_debug",
                                               "latency_stats"};
    static const char *const masked_dirs[] = {"acpi", "scsi"};
    static const char *const read_only[] = {"sys", "sysrq-trigger", "irq", "bus", "fs"};
    char p[PATH_MAX];
    struct stat st;
    for (size_t i = 0; i < sizeof masked_files / sizeof masked_files[0]; i++) {
        if (join_path(p, sizeof p, proc, masked_files[i])) FAIL_SETUP(masked_files[i]);
        if (lstat(p, &st) < 0) continue;
        if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) FAIL_SETUP(p);
    }
    for (size_t i = 0; i < sizeof masked_dirs / sizeof masked_dirs[0]; i++) {
        if (join_path(p, sizeof p, proc, masked_dirs[i])) FAIL_SETUP(masked_dirs[i]);
        if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
        if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0) FAIL_SETUP(p);
    }
    for (size_t i = 0; i < sizeof read_only / sizeof read_only[0]; i++) {
        if (join_path(p, sizeof p, proc, read_only[i])) FAIL_SETUP(read_only[i]);
        if (lstat(p, &st) < 0) continue;
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) FAIL_SETUP(p);
        if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            FAIL_SETUP(p);
    }
}

// root + target, its missing directories made (and, for a file source, the last component made
// as an empty file), walked one component at a time and never through a symlink: a target cannot
// lead out of the job's root. An O_PATH descriptor of the target, or -1 with errno.
static int open_mount_target(const char *root, const char *target, int is_dir) {
    int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -1;
    const char *p = target;
    for (;;) {
        while (*p == '/') p++;
        const char *end = p;
        while (*end && *end != '/') end++;
        size_t n = (size_t)(end - p);
        char name[NAME_MAX + 1];
        if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            close(dir);
            errno = EINVAL;
            return -1;
        }
        memcpy(name, p, n);
        name[n] = 0;
        const char *rest = end;
        while (*rest == '/') rest++;
        int last = !*rest, want_dir = !last || is_dir;
        int next = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (want_dir) {
                if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) { close(dir); return -1; }
            } else {
                int fd = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0 && errno != EEXIST) { close(dir); return -1; }
                if (fd >= 0) close(fd);
            }
            next = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        close(dir);
        if (next < 0) return -1;
        struct stat st;
        if (fstat(next, &st) < 0) { close(next); return -1; }
        if (S_ISLNK(st.st_mode) || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
            close(next);
            errno = S_ISLNK(st.st_mode) ? ELOOP : (want_dir ? ENOTDIR : EISDIR);
            return -1;
        }
        if (last) return next;
        dir = next;
        p = end;
    }
}

// The workspace on <root>/work, then volumes and runtime directories: the detached copies jobletd
// made of their sources (spawn.c, open_job_tree: nosuid, nodev, read-only unless asked, private),
// each attached on the descriptor open_mount_target returned, so it is never writable in the job
// even for an instant, and no target leads out of the root.
static void attach_job_trees(const struct job_spec *s, const char *root) {
    char work[PATH_MAX];
    if (join_path(work, sizeof work, root, "work")) FAIL_SETUP("work");
    if (syscall(SYS_move_mount, s->trees[0], "", AT_FDCWD, work, MOVE_MOUNT_F_EMPTY_PATH) < 0) FAIL_SETUP(s->workspace_dir);
    close(s->trees[0]);
    for (uint32_t i = 0; i < s->mountc; i++) {
        const char *source = s->mounts[3 * i], *target = s->mounts[3 * i + 1];
        int tree = s->trees[1 + i];
        struct stat st;
        if (fstat(tree, &st) < 0) FAIL_SETUP(source);
        int at = open_mount_target(root, target, S_ISDIR(st.st_mode));
        if (at < 0) FAIL_SETUP(target);
        if (syscall(SYS_move_mount, tree, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            FAIL_SETUP(target);
        close(at);
        close(tree);
    }
}

// What every root has: an empty /work (the workspace is attached there), a private /tmp, the
// job's /proc (masked) and a minimal /dev.
static void mount_base(const char *root) {
    char p[PATH_MAX];
    make_dir(root, "work", 0755, p, sizeof p);
    make_dir(root, "tmp", 01777, p, sizeof p);
    if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) FAIL_SETUP(p);
    // We are pid 1 of the new PID namespace, so this proc shows only the job.
    make_dir(root, "proc", 0555, p, sizeof p);
    if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) FAIL_SETUP(p);
    mask_proc(p);
    mount_dev(root);
}

// pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only ours.
static void pivot_into(const char *root) {
    if (chdir(root) < 0) FAIL_SETUP(root);
    if (syscall(SYS_pivot_root, ".", ".") < 0) FAIL_SETUP("pivot_root");
    if (umount2(".", MNT_DETACH) < 0) FAIL_SETUP("detach old root");
    if (chdir("/") < 0) FAIL_SETUP("chdir /");
}

// Everything of the job's root that does not depend on the job, built on a tmpfs at `staging` and
// pivoted into; the host's tree is detached. A warm init (InitPool.swift) does this before its
// spec arrives: detaching the copy of the host's mounts is the slowest step of a launch (~2 ms,
// more on a busy host). /work is an empty directory here, and / stays writable until the job's
// own trees are attached (finish_root).
static void prepare_root(const char *staging) {
    static const char *const system_dirs[] = {"usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin", "etc"};
    // Nothing we mount may leak back to the host, nor host mounts arrive here later.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) FAIL_SETUP("make / private");
    if (mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0) FAIL_SETUP(staging);
    for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++) mount_system_dir(staging, system_dirs[i]);
    mount_base(staging);
    pivot_into(staging);
}

// The job's part of a prepared root: its workspace and mounts; then / becomes read-only.
static void finish_root(const struct job_spec *s) {
    attach_job_trees(s, "/");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        FAIL_SETUP("remount / read-only");
}

// A runtime's builder (CJobletLinux_SpawnBuilderRoot; joblet-init --late-root): overlays of the
// host's system directories, which need the host's tree, so its root is built after the spec,
// on the job's rootfs directory, and stays writable.
static void build_builder_root(const struct job_spec *s) {
    static const char *const builder_dirs[] = {"usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin", "etc", "var"};
    static const char *const empty_dirs[] = {"opt", "root", "home", "srv"};
    const char *root = s->rootfs_dir;
    char p[PATH_MAX];

    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) FAIL_SETUP("make / private");
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=50%") < 0) FAIL_SETUP(root);
    // Software and its package databases; /opt, /root, /home and /srv start empty (what the host
    // keeps there is not the builder's to read), on the root's tmpfs.
    for (size_t i = 0; i < sizeof empty_dirs / sizeof empty_dirs[0]; i++) make_dir(root, empty_dirs[i], 0755, p, sizeof p);
    // The upper layers' tmpfs sits in the new root only until the pivot, then is detached (the
    // overlays keep it alive, out of every path's reach).
    make_dir(root, ".builder-upper", 0700, p, sizeof p);
    if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=50%") < 0) FAIL_SETUP(p);
    for (size_t i = 0; i < sizeof builder_dirs / sizeof builder_dirs[0]; i++) mount_overlay_dir(root, p, builder_dirs[i]);
    mount_base(root);
    attach_job_trees(s, root);  // no target is under /proc or /dev (JobMount.problem)
    pivot_into(root);
    if (umount2("/.builder-upper", MNT_DETACH) < 0) FAIL_SETUP("detach the overlays' upper layers");
    if (rmdir("/.builder-upper") < 0) FAIL_SETUP("/.builder-upper");
}

// ---- the job's network namespace (issue 15) ----

// lo up; with an address, eth0 (jobletd made it, the peer of a veth on the network's bridge)
// gets it and comes up, and the gateway becomes the default route.
static void configure_network(const struct job_spec *s) {
    int rc, lo = CJobletLinux_net_link_index("lo");
    if (lo < 0 || (rc = CJobletLinux_net_link_up(lo)) < 0) { errno = lo < 0 ? -lo : -rc; FAIL_SETUP("bringing up lo"); }
    if (!s->net_address) return;
    int eth = CJobletLinux_net_link_index("eth0");
    if (eth < 0) { errno = -eth; FAIL_SETUP("eth0 (the job's end of its veth pair)"); }
    if ((rc = CJobletLinux_net_address_add(eth, s->net_address, (int)s->net_prefix)) < 0) { errno = -rc; FAIL_SETUP("eth0 address"); }
    if ((rc = CJobletLinux_net_link_up(eth)) < 0) { errno = -rc; FAIL_SETUP("bringing up eth0"); }
    if (s->net_gateway && (rc = CJobletLinux_net_default_route(s->net_gateway)) < 0) { errno = -rc; FAIL_SETUP("default route"); }
}

// ---- the command (pid 2 of the namespace) ----

static void exec_command(const struct job_spec *s) {
    const char *file = s->argv[0];
    if (!file || !*file) { errno = ENOENT; return; }
    for (const char *c = file; *c; c++)
        if (*c == '/') { execve(file, (char *const *)s->argv, (char *const *)s->envp); return; }

    const char *path = "/usr/local/bin:/usr/bin:/bin";
    for (char *const *e = s->envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0) { path = *e + 5; break; }

    int saw_eacces = 0;
    char candidate[PATH_MAX];
    size_t flen = cj_str_len(file);
    for (const char *p = path;; ) {
        const char *end = p;
        while (*end && *end != ':') end++;
        size_t dlen = (size_t)(end - p);
        if (dlen + 1 + flen + 1 <= sizeof candidate) {
            if (dlen == 0) { candidate[0] = '.'; dlen = 1; } else memcpy(candidate, p, dlen);
            candidate[dlen] = '/';
            memcpy(candidate + dlen + 1, file, flen + 1);
            execve(candidate, (char *const *)s->argv, (char *const *)s->envp);
            if (errno == EACCES) saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV &&
                     errno != ETIMEDOUT && errno != ELOOP && errno != ENAMETOOLONG) return;
        }
        if (!*end) break;
        p = end + 1;
    }
    errno = saw_eacces ? EACCES : ENOENT;
}

// What a runtime's setup.sh keeps (it runs as uid 0 in the builder's throwaway view): the file
// and identity capabilities apt and dpkg need (chown and modes of what they unpack, apt's switch
// to its _apt user) -- Docker's default set for a root container, less raw sockets, mknod, chroot,
// SETPCAP and audit. Writes still reach only the overlays' throwaway layer, the staging
// directory and the workspace; mounts, namespaces and the rest stay denied (no CAP_SYS_ADMIN, the
// seccomp profile).
static int builder_keeps(int cap) {
    switch (cap) {
    case CAP_CHOWN: case CAP_DAC_OVERRIDE: case CAP_FOWNER: case CAP_FSETID: case CAP_KILL:
    case CAP_SETGID: case CAP_SETUID: case CAP_NET_BIND_SERVICE: case CAP_SETFCAP:
        return 1;
    default:
        return 0;
    }
}

// Empties the capability bounding set (needs CAP_SETPCAP, so before setuid) and the ambient set:
// nothing the job execs, setuid-root binaries included (no_new_privs covers those too), can gain
// a capability back. A builder (uid 0) keeps `builder_keeps`' set, which its exec then holds.
static int drop_capabilities(int builder) {
    for (int cap = 0; cap <= 63; cap++) {
        if (builder && builder_keeps(cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL) break;  // past the kernel's last capability
            return -1;
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
    return 0;
}

static _Noreturn void run_command(const struct job_spec *s, int err_fd, int out_fd,
                                  const CJobletLinux_InitSandbox *sandbox, void *filter) {
    sigset_t none;
    sigemptyset(&none);
    for (int i = 0; i < FORWARDED_COUNT; i++) signal(forwarded_signals[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    write_file("/proc/self/oom_score_adj", "0");

    // stdout and stderr: the pipe the init drains into the log (log_drain.c); stdin /dev/null.
    if (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
        struct report_msg m;
        memset(&m, 0, sizeof m);
        m.stage = CJobletLinux_StageSetup;
        m.error = errno;
        cj_copy_str(m.what, sizeof m.what, "stdout/stderr pipe");
        ssize_t r = write(err_fd, &m, sizeof m);
        (void)r;
        _exit(127);
    }
    // Keep only 0, 1, 2 and the exec-error pipe (CLOEXEC).
    close_range(3, (unsigned)err_fd - 1, 0);  // err_fd >= FD_FIRST_FREE
    close_range((unsigned)err_fd + 1, ~0U, 0);

    int stage = CJobletLinux_StageCredentials;
    const char *what = "dropping capabilities (bounding and ambient sets)";
    char wd[PATH_MAX];
    if (drop_capabilities((s->flags & CJobletLinux_SpawnBuilderRoot) != 0) < 0) goto fail;
    what = "setgroups/setgid/setuid";
    // Raw system calls: credentials are per thread in the kernel and this process has one thread;
    // glibc's wrappers would broadcast to a thread list (harmless here, where the init is a fresh
    // single-threaded program, but they hung when this code still ran in a clone of jobletd).
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setgid, s->gid) < 0 || syscall(SYS_setuid, s->uid) < 0)
        goto fail;
    stage = CJobletLinux_StageChdir;
    what = wd;
    if (join_path(wd, sizeof wd, "/work", s->work_dir ? s->work_dir : "")) { errno = ENAMETOOLONG; goto fail; }
    if (chdir(wd) < 0) goto fail;
    umask(022);
    stage = CJobletLinux_StageSetup;
    what = "no_new_privs";
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) goto fail;
    // Last before exec: the filter also applies to everything the init would still do here.
    what = "loading the seccomp profile";
    if ((s->flags & CJobletLinux_SpawnSeccomp) && s->filter_bytes) {
        struct sock_fprog prog = {.len = (unsigned short)(s->filter_bytes / sizeof(struct sock_filter)),
                                  .filter = (struct sock_filter *)s->filter};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) goto fail;
    } else if (filter && sandbox->load_filter(filter) < 0) goto fail;
    stage = CJobletLinux_StageExec;
    what = s->argv[0];
    exec_command(s);
fail:;
    int saved = errno;
    struct report_msg m;
    memset(&m, 0, sizeof m);
    m.stage = stage;
    m.error = saved;
    cj_copy_str(m.what, sizeof m.what, what);
    ssize_t r = write(err_fd, &m, sizeof m);
    (void)r;
    _exit(127);
}

// ---- the init (pid 1 of the namespace) ----

static void forward_signal(int sig) {
    pid_t pid = command_pid;
    if (pid > 0) kill(-pid, sig);
}

static void record_status(int code, int sig, int exec_errno, int exec_stage) {
    char buf[96];
    size_t n = 0;
    n += cj_format_int(buf + n, code);
    buf[n++] = ' ';
    n += cj_format_int(buf + n, sig);
    buf[n++] = ' ';
    n += cj_format_int(buf + n, exec_errno);
    buf[n++] = ' ';
    n += cj_format_int(buf + n, exec_stage);
    buf[n++] = '\n';
    if (ftruncate(FD_STATUS, 0) == 0) {
        ssize_t r = pwrite(FD_STATUS, buf, n, 0);
        (void)r;
    }
    fsync(FD_STATUS);
}

static _Noreturn void job_init(const struct job_spec *s, const CJobletLinux_InitSandbox *sandbox) {
    // Dispositions are default after exec; the mask (all blocked by spawn) is narrowed to the
    // forwarded signals, held until the command exists.
    sigset_t held;
    sigemptyset(&held);
    for (int i = 0; i < FORWARDED_COUNT; i++) sigaddset(&held, forwarded_signals[i]);
    sigaddset(&held, SIGCHLD);  // always: the main loop takes it from a signalfd
    sigprocmask(SIG_SETMASK, &held, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (setsid() < 0) FAIL_SETUP("setsid");
    if (sethostname(s->hostname, cj_str_len(s->hostname)) < 0) FAIL_SETUP("sethostname");
    if (s->flags & CJobletLinux_SpawnJoinNetwork) {
        if (setns(s->net_fd, CLONE_NEWNET) < 0) FAIL_SETUP("joining the job's network namespace");
        close(s->net_fd);
    }
    if (s->flags & CJobletLinux_SpawnNewNetwork) configure_network(s);
    if (s->flags & CJobletLinux_SpawnBuilderRoot) build_builder_root(s);
    else finish_root(s);

    // The init's own stdio is /dev/null; null_fd stays open to discard output past the cap.
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0) FAIL_SETUP("stdio");
    int out_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) < 0) FAIL_SETUP("output pipe");
    (void)fcntl(out_pipe[0], F_SETPIPE_SZ, 1 << 20);  // fewer wake-ups; the default 64 KiB if refused
    if (fcntl(out_pipe[0], F_SETFL, O_NONBLOCK) < 0) FAIL_SETUP("output pipe");
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0) FAIL_SETUP("signalfd");
    write_file("/proc/self/oom_score_adj", "-1000");  // never the OOM victim: it holds the exit status

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (int i = 0; i < FORWARDED_COUNT; i++) sigaction(forwarded_signals[i], &sa, NULL);

    // Built here, loaded by the command's process: the init itself stays unfiltered.
    void *filter = NULL;
    if ((s->flags & CJobletLinux_SpawnSeccomp) && !s->filter_bytes) {
        if (!sandbox || !sandbox->build_filter) { errno = ENOSYS; FAIL_SETUP("seccomp: this joblet-init has no profile"); }
        if (!(filter = sandbox->build_filter())) FAIL_SETUP("building the seccomp profile (libseccomp)");
    }

    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) < 0) FAIL_SETUP("pipe");
    long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        cj_send_report(FD_CTL, CJobletLinux_StageFork, errno, __LINE__, "fork");
        _exit(125);
    }
    if (pid == 0) { close(err_pipe[0]); close(out_pipe[0]); run_command(s, err_pipe[1], out_pipe[1], sandbox, filter); }
    command_pid = (pid_t)pid;
    setpgid((pid_t)pid, (pid_t)pid);
    close(err_pipe[1]);
    close(out_pipe[1]);

    struct report_msg m;
    ssize_t n;
    int exec_errno = 0, exec_stage = 0;
    do { n = read(err_pipe[0], &m, sizeof m); } while (n < 0 && errno == EINTR);
    close(err_pipe[0]);
    if (n == (ssize_t)sizeof m) {
        exec_errno = m.error;
        exec_stage = m.stage;
        ssize_t r = send(FD_CTL, &m, sizeof m, MSG_NOSIGNAL);
        (void)r;
    }
    close(FD_CTL);
    sigprocmask(SIG_SETMASK, &chld, NULL);  // forwarded signals run their handler; SIGCHLD stays for sig_fd

    // Move output into the log and reap everything; when the command itself ends, what it left in
    // the pipe goes to the log, then its status is recorded and the job ends (the kernel kills
    // the rest with us).
    struct log_drain drain;
    cj_log_drain_init(&drain, out_pipe[0], FD_LOG, null_fd, s->max_log_bytes);
    int pipe_open = 1;
    for (;;) {
        struct pollfd p[2] = {{.fd = sig_fd, .events = POLLIN}, {.fd = pipe_open ? out_pipe[0] : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) {
            record_status(255, 0, exec_errno, exec_stage);
            _exit(255);
        }
        if (p[1].revents) {
            int r = 1;
            for (int i = 0; i < 64 && r > 0; i++) r = cj_log_drain_step(&drain);  // bounded: exits are noticed in time
            // EOF (every writer gone) or an error: stop polling the pipe, it would only spin.
            if (r < 0 || (r == 0 && (p[1].revents & (POLLHUP | POLLERR)))) pipe_open = 0;
        }
        if (!p[0].revents) continue;
        struct signalfd_siginfo info;
        while (read(sig_fd, &info, sizeof info) == (ssize_t)sizeof info) {}
        for (;;) {
            int st = 0;
            pid_t w = waitpid(-1, &st, WNOHANG);
            if (w <= 0) {
                if (w < 0 && errno == EINTR) continue;
                if (w < 0 && errno != ECHILD) {
                    record_status(255, 0, exec_errno, exec_stage);
                    _exit(255);
                }
                break;
            }
            if (w != (pid_t)pid || !(WIFEXITED(st) || WIFSIGNALED(st))) continue;
            if (pipe_open) cj_log_drain_all(&drain, 4096);  // what is already in the pipe: at most 4 GiB
            if (WIFEXITED(st)) {
                record_status(WEXITSTATUS(st), 0, exec_errno, exec_stage);
                _exit(WEXITSTATUS(st));
            }
            record_status(128 + WTERMSIG(st), WTERMSIG(st), exec_errno, exec_stage);
            _exit(128 + WTERMSIG(st));
        }
    }
}


// Where the job's root is built before the pivot: a directory every host has, covered by the
// root's tmpfs in this mount namespace only (the host's /tmp is untouched).
#define ROOT_STAGING "/tmp"

int CJobletLinux_init_main(int argc, char **argv, const CJobletLinux_InitSandbox *sandbox) {
    struct stat st;
    if (fstat(FD_CTL, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "joblet-init: this is the init of jobletd's local jobs; jobletd starts it, with its "
                        "control socket on fd 3 (the spec, with the log and exit-status files attached)\n");
        return 2;
    }
    // The root first, unless this is a builder's init (spawn.c passes --late-root): a warm init
    // waits for its spec with its root ready.
    int late_root = argc > 1 && strcmp(argv[1], "--late-root") == 0;
    if (!late_root) prepare_root(ROOT_STAGING);
    struct job_spec spec;
    memset(&spec, 0, sizeof spec);
    if (read_spec(&spec) < 0) {
        cj_send_report(FD_CTL, CJobletLinux_StageInit, errno, __LINE__, "reading the job spec");
        _exit(125);
    }
    unsigned char ack = JOBLET_SPEC_ACK;
    ssize_t sent;
    do { sent = send(FD_CTL, &ack, 1, MSG_NOSIGNAL); } while (sent < 0 && errno == EINTR);
    job_init(&spec, sandbox);
}
