// Spawning a job's first process: clone3 into new PID, mount, IPC and UTS namespaces, held on a
// sync socket until the parent has put it into the job's cgroups, then a fresh root filesystem,
// pivot_root, and a tiny init (pid 1 of the namespace) that forks the command, forwards signals to
// it, reaps zombies and records the command's exit status in a file the server can read even when
// it is not the init's parent any more (after a restart).
//
// Between clone and exec only async-signal-safe calls run: the server is multi-threaded, and a
// lock another thread held at clone time stays held forever in the child. So: no malloc, no stdio,
// the PATH search done by hand, and the command forked with a raw clone (no atfork handlers).
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <limits.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
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

struct joblet_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

// What the child sends back on the report socket; nothing at all means "exec succeeded".
struct report_msg {
    int stage, error, detail;
    char what[160];
};

// The init's fixed descriptors, after it has moved what it keeps into place.
enum { FD_SYNC = 3, FD_REPORT = 4, FD_LOG = 5, FD_STATUS = 6, FD_FIRST_FREE = 7 };

static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define FORWARDED_COUNT (int)(sizeof forwarded_signals / sizeof forwarded_signals[0])

static volatile sig_atomic_t command_pid = 0;

// ---- async-signal-safe helpers ----

static size_t str_len(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static void copy_str(char *dst, size_t cap, const char *src) {
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) dst[i] = src[i];
    dst[i] = 0;
}

// dst = a + "/" + b (b may be empty); returns -1 if it does not fit.
static int join_path(char *dst, size_t cap, const char *a, const char *b) {
    size_t la = str_len(a), lb = str_len(b);
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

static size_t format_int(char *dst, long v) {
    char tmp[24];
    size_t n = 0, out = 0;
    unsigned long u = v < 0 ? (unsigned long)(-v) : (unsigned long)v;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) dst[out++] = '-';
    while (n) dst[out++] = tmp[--n];
    return out;
}

static void send_report(int fd, int stage, int error, int detail, const char *what) {
    struct report_msg m;
    memset(&m, 0, sizeof m);
    m.stage = stage;
    m.error = error;
    m.detail = detail;
    copy_str(m.what, sizeof m.what, what);
    ssize_t r;
    do { r = send(fd, &m, sizeof m, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t r = write(fd, text, str_len(text));
    (void)r;
    close(fd);
}

// ---- the root filesystem ----

#define FAIL_SETUP(what) do { send_report(FD_REPORT, CJobletLinux_StageSetup, errno, __LINE__, (what)); _exit(125); } while (0)

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

static void build_root(const CJobletLinux_SpawnSpec *s) {
    static const char *const system_dirs[] = {"usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin", "etc"};
    const char *root = s->rootfs_dir;
    char p[PATH_MAX];

    // Nothing we mount may leak back to the host, nor host mounts arrive here later.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) FAIL_SETUP("make / private");
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0) FAIL_SETUP(root);
    for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++) mount_system_dir(root, system_dirs[i]);

    make_dir(root, "work", 0755, p, sizeof p);
    if (mount(s->workspace_dir, p, NULL, MS_BIND, NULL) < 0) FAIL_SETUP(s->workspace_dir);
    if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV, NULL) < 0) FAIL_SETUP(p);

    make_dir(root, "tmp", 01777, p, sizeof p);
    if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) FAIL_SETUP(p);

    // We are pid 1 of the new PID namespace, so this proc shows only the job.
    make_dir(root, "proc", 0555, p, sizeof p);
    if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) FAIL_SETUP(p);

    mount_dev(root);

    // pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only ours.
    if (chdir(root) < 0) FAIL_SETUP(root);
    if (syscall(SYS_pivot_root, ".", ".") < 0) FAIL_SETUP("pivot_root");
    if (umount2(".", MNT_DETACH) < 0) FAIL_SETUP("detach old root");
    if (chdir("/") < 0) FAIL_SETUP("chdir /");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        FAIL_SETUP("remount / read-only");
}

// ---- the command (pid 2 of the namespace) ----

static void exec_command(const CJobletLinux_SpawnSpec *s) {
    const char *file = s->argv[0];
    if (!file || !*file) { errno = ENOENT; return; }
    for (const char *c = file; *c; c++)
        if (*c == '/') { execve(file, (char *const *)s->argv, (char *const *)s->envp); return; }

    const char *path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *const *e = s->envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0) { path = *e + 5; break; }

    int saw_eacces = 0;
    char candidate[PATH_MAX];
    size_t flen = str_len(file);
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

static _Noreturn void run_command(const CJobletLinux_SpawnSpec *s, int err_fd) {
    sigset_t none;
    sigemptyset(&none);
    for (int i = 0; i < FORWARDED_COUNT; i++) signal(forwarded_signals[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    write_file("/proc/self/oom_score_adj", "0");

    // Keep only 0, 1, 2 (set up by the init) and the exec-error pipe (CLOEXEC).
    close_range(3, (unsigned)err_fd - 1, 0);  // err_fd >= FD_FIRST_FREE
    close_range((unsigned)err_fd + 1, ~0U, 0);

    int stage = CJobletLinux_StageCredentials;
    const char *what = "setgroups/setgid/setuid";
    char wd[PATH_MAX];
    // Raw system calls, not glibc's setgroups/setgid/setuid: in a process that glibc believes is
    // multi-threaded (we were cloned from jobletd without glibc's fork), those broadcast to every
    // thread in the parent's thread list and wait on a futex for any thread that was being created
    // or was exiting at clone time -- a thread that does not exist here, so the wait never ends
    // (seen under concurrent launches: the command hung before exec and jobletd's spawn with it).
    // Credentials are per thread in the kernel, and this process has exactly one.
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setgid, s->gid) < 0 || syscall(SYS_setuid, s->uid) < 0)
        goto fail;
    stage = CJobletLinux_StageChdir;
    what = wd;
    if (join_path(wd, sizeof wd, "/work", s->work_dir ? s->work_dir : "")) { errno = ENAMETOOLONG; goto fail; }
    if (chdir(wd) < 0) goto fail;
    umask(022);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    stage = CJobletLinux_StageExec;
    what = s->argv[0];
    exec_command(s);
fail:;
    int saved = errno;
    struct report_msg m;
    memset(&m, 0, sizeof m);
    m.stage = stage;
    m.error = saved;
    copy_str(m.what, sizeof m.what, what);
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
    n += format_int(buf + n, code);
    buf[n++] = ' ';
    n += format_int(buf + n, sig);
    buf[n++] = ' ';
    n += format_int(buf + n, exec_errno);
    buf[n++] = ' ';
    n += format_int(buf + n, exec_stage);
    buf[n++] = '\n';
    if (ftruncate(FD_STATUS, 0) == 0) {
        ssize_t r = pwrite(FD_STATUS, buf, n, 0);
        (void)r;
    }
    fsync(FD_STATUS);
}

// Moves the fds the init keeps to 3..6 and closes everything else the server had open.
static int settle_fds(int sync_r, int report_w, int log_fd, int status_fd) {
    int keep[4] = {sync_r, report_w, log_fd, status_fd}, moved[4];
    int highest = FD_STATUS;
    for (int i = 0; i < 4; i++) if (keep[i] > highest) highest = keep[i];
    for (int i = 0; i < 4; i++) if ((moved[i] = fcntl(keep[i], F_DUPFD, highest + 1)) < 0) return -1;
    for (int i = 0; i < 4; i++) if (dup2(moved[i], FD_SYNC + i) < 0) return -1;
    close_range(FD_FIRST_FREE, ~0U, 0);
    return 0;
}

static _Noreturn void job_init(const CJobletLinux_SpawnSpec *s, int sync_r, int report_w) {
    if (settle_fds(sync_r, report_w, s->log_fd, s->status_fd) < 0) {
        send_report(report_w, CJobletLinux_StageSetup, errno, __LINE__, "move descriptors");
        _exit(125);
    }
    // Start from clean signal state, with the forwarded signals held until the command exists.
    sigset_t held;
    sigemptyset(&held);
    for (int sig = 1; sig < NSIG; sig++) if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    for (int i = 0; i < FORWARDED_COUNT; i++) sigaddset(&held, forwarded_signals[i]);
    sigprocmask(SIG_SETMASK, &held, NULL);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_NAME, "joblet-init", 0, 0, 0);

    // Wait until the parent has put us into every cgroup; EOF means it gave up.
    char go = 0;
    ssize_t got;
    do { got = read(FD_SYNC, &go, 1); } while (got < 0 && errno == EINTR);
    if (got != 1) _exit(124);
    close(FD_SYNC);

    if (setsid() < 0) FAIL_SETUP("setsid");
    if (sethostname(s->hostname, str_len(s->hostname)) < 0) FAIL_SETUP("sethostname");
    build_root(s);

    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(FD_LOG, 1) < 0 || dup2(FD_LOG, 2) < 0) FAIL_SETUP("stdio");
    close(null_fd);
    write_file("/proc/self/oom_score_adj", "-1000");  // never the OOM victim: it holds the exit status

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (int i = 0; i < FORWARDED_COUNT; i++) sigaction(forwarded_signals[i], &sa, NULL);

    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) < 0) FAIL_SETUP("pipe");
    long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        send_report(FD_REPORT, CJobletLinux_StageFork, errno, __LINE__, "fork");
        _exit(125);
    }
    if (pid == 0) { close(err_pipe[0]); run_command(s, err_pipe[1]); }
    command_pid = (pid_t)pid;
    setpgid((pid_t)pid, (pid_t)pid);
    close(err_pipe[1]);

    struct report_msg m;
    ssize_t n;
    int exec_errno = 0, exec_stage = 0;
    do { n = read(err_pipe[0], &m, sizeof m); } while (n < 0 && errno == EINTR);
    close(err_pipe[0]);
    if (n == (ssize_t)sizeof m) {
        exec_errno = m.error;
        exec_stage = m.stage;
        ssize_t r = send(FD_REPORT, &m, sizeof m, MSG_NOSIGNAL);
        (void)r;
    }
    close(FD_REPORT);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    // Reap everything; when the command itself ends, the job ends (the kernel kills the rest).
    for (;;) {
        int st = 0;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0) {
            if (errno == EINTR) continue;
            record_status(255, 0, exec_errno, exec_stage);
            _exit(255);
        }
        if (w != (pid_t)pid) continue;
        if (WIFEXITED(st)) {
            record_status(WEXITSTATUS(st), 0, exec_errno, exec_stage);
            _exit(WEXITSTATUS(st));
        }
        if (WIFSIGNALED(st)) {
            record_status(128 + WTERMSIG(st), WTERMSIG(st), exec_errno, exec_stage);
            _exit(128 + WTERMSIG(st));
        }
    }
}

// ---- the parent side ----

static int fail_result(CJobletLinux_SpawnResult *r, int stage, int error, const char *what) {
    r->stage = stage;
    r->error = error;
    copy_str(r->what, sizeof r->what, what);
    return -1;
}

static void kill_and_reap(int pidfd) {
    siginfo_t info;
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0 && errno == EINTR) {}
}

int CJobletLinux_spawn(const CJobletLinux_SpawnSpec *spec, CJobletLinux_SpawnResult *result) {
    memset(result, 0, sizeof *result);
    result->pid = -1;
    result->pidfd = -1;

    int sync_sock[2], report_sock[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync_sock) < 0)
        return fail_result(result, CJobletLinux_StageSync, errno, "socketpair");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, report_sock) < 0) {
        int e = errno;
        close(sync_sock[0]); close(sync_sock[1]);
        return fail_result(result, CJobletLinux_StageSync, e, "socketpair");
    }

    int pidfd = -1;
    struct joblet_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    if (spec->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)spec->cgroup_fd;
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        close(sync_sock[1]);
        close(report_sock[0]);
        job_init(spec, sync_sock[0], report_sock[1]);
    }
    int clone_errno = errno;
    close(sync_sock[0]);
    close(report_sock[1]);
    if (pid < 0) {
        close(sync_sock[1]); close(report_sock[0]);
        return fail_result(result, CJobletLinux_StageClone, clone_errno, "clone3");
    }
    result->pid = (pid_t)pid;
    result->pidfd = pidfd;

    // Into every v1 hierarchy before the child may run anything of the user's.
    char digits[24];
    size_t dn = format_int(digits, pid);
    digits[dn++] = '\n';
    for (const char *const *path = spec->cgroup_procs; path && *path; path++) {
        int fd = open(*path, O_WRONLY | O_CLOEXEC);
        int ok = fd >= 0 && write(fd, digits, dn) == (ssize_t)dn;
        int e = errno;
        if (fd >= 0) close(fd);
        if (!ok) {
            close(sync_sock[1]); close(report_sock[0]);
            kill_and_reap(pidfd);
            close(pidfd);
            result->pid = -1;
            result->pidfd = -1;
            return fail_result(result, CJobletLinux_StageCgroup, e, *path);
        }
    }

    ssize_t sent;
    do { sent = send(sync_sock[1], "g", 1, MSG_NOSIGNAL); } while (sent < 0 && errno == EINTR);
    close(sync_sock[1]);

    struct report_msg m;
    size_t have = 0;
    while (have < sizeof m) {
        ssize_t n = recv(report_sock[0], (char *)&m + have, sizeof m - have, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
    }
    close(report_sock[0]);
    if (have < sizeof m) return 0;  // EOF: the command was exec'd

    result->stage = m.stage;
    result->error = m.error;
    result->detail = m.detail;
    copy_str(result->what, sizeof result->what, m.what);
    if (m.stage == CJobletLinux_StageExec || m.stage == CJobletLinux_StageChdir ||
        m.stage == CJobletLinux_StageCredentials)
        return 0;  // the init records 127 and exits by itself; the caller waits as usual
    kill_and_reap(pidfd);
    close(pidfd);
    result->pid = -1;
    result->pidfd = -1;
    return -1;
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
