// The C that Swift must not do itself: clone/exec of a job's first process, namespaces, mounts,
// and the job's init (the `joblet-init` helper executable runs CJobletLinux_init_main).
// Every symbol is prefixed CJobletLinux_. Nothing in jobletd's process allocates between clone and exec.
#ifndef CJOBLETLINUX_H
#define CJOBLETLINUX_H

#include <sys/types.h>
#include <stdint.h>

/// What the job's first process needs. All strings are NUL-terminated; arrays end with NULL.
typedef struct CJobletLinux_SpawnSpec {
    const char *const *argv;          // argv[0] is looked up in PATH from envp
    const char *const *envp;          // the job's whole environment
    int init_fd;                      // O_PATH fd of the joblet-init executable (exec'd as the job's pid 1)
    const char *hostname;             // UTS name (short job id)
    const char *rootfs_dir;           // empty host dir: a tmpfs is mounted there and pivoted into
    const char *workspace_dir;        // host dir bind-mounted read-write at /work
    const char *work_dir;             // cwd inside the job, relative to /work ("" = /work)
    const char *const *cgroup_procs;  // v1: every cgroup.procs file the pid is written to before release
    int cgroup_fd;                    // v2: the job's cgroup directory (its cgroup.procs is written), or -1
    int log_fd;                       // the log file (NOT O_APPEND: splice refuses it); the init drains
                                      // the command's stdout/stderr pipe into it (log_drain.c)
    int status_fd;                    // the init writes "<code> <signal> <errno> <stage>\n" here
    uid_t uid;
    gid_t gid;
    uint32_t flags;                   // CJobletLinux_Spawn* below
    uint64_t max_log_bytes;           // the job's output past this many bytes is discarded (0: no cap)
    const void *seccomp_filter;       // with CJobletLinux_SpawnSeccomp: the profile compiled once
    uint32_t seccomp_filter_bytes;    // (joblet-init --seccomp-bpf); 0: the init builds it itself
    const char *const *mounts;        // NULL-terminated triples: host source, target inside the job,
                                      // "ro" or "rw"; bind-mounted (nosuid, nodev) before the pivot.
                                      // Targets are created as needed and never through a symlink.
    uint32_t net_address;             // with CJobletLinux_SpawnNewNetwork: the job's IPv4 address on
    uint32_t net_gateway;             // its eth0 (network byte order; 0: loopback only), the gateway
    uint32_t net_prefix;              // (its default route) and the prefix length
    int net_fd;                       // with CJobletLinux_SpawnJoinNetwork: the namespace to join
} CJobletLinux_SpawnSpec;

/// At most this many extra mounts (volumes, runtime directories) in one job.
enum { CJobletLinux_MaxMounts = 64 };

/// Spec flags. Seccomp: the command runs under the default seccomp profile (joblet-init's).
enum { CJobletLinux_SpawnSeccomp = 1u };
/// Networks (issue 15): the init gets a network namespace of its own (CLONE_NEWNET) and brings up
/// lo, and eth0 (made by jobletd before the spec is sent) when net_address is set.
enum { CJobletLinux_SpawnNewNetwork = 2u };
/// BuilderRoot (a runtime's setup.sh, runtimes issue): the system directories and /var are
/// overlays of the host's with a throwaway upper layer on a tmpfs of the job's own; /opt, /root,
/// /home and /srv are empty; / stays writable: the command may write anywhere in its view and
/// nothing reaches the host.
enum { CJobletLinux_SpawnBuilderRoot = 4u };
/// With SpawnNewNetwork: instead of a namespace of its own made at clone, the init joins `net_fd`
/// (sent with the spec), a namespace an earlier job on the same network left (its eth0 already on
/// the bridge, no address: CJobletLinux_netns_recycle), then configures it as a new one.
enum { CJobletLinux_SpawnJoinNetwork = 8u };

/// What joblet-init links in that jobletd does not (libseccomp): builds the filter (NULL with errno
/// on failure) and loads it into the calling process (-1 with errno).
typedef struct CJobletLinux_InitSandbox {
    void *(*build_filter)(void);
    int (*load_filter)(void *filter);
} CJobletLinux_InitSandbox;

/// Where a failure happened (child side), so the message can name it.
enum {
    CJobletLinux_StageNone = 0,
    CJobletLinux_StageClone = 1,
    CJobletLinux_StageCgroup = 2,
    CJobletLinux_StageSetup = 3,       // namespaces, hostname, mounts, pivot_root
    CJobletLinux_StageFork = 4,
    CJobletLinux_StageCredentials = 5, // setgroups/setgid/setuid
    CJobletLinux_StageChdir = 6,
    CJobletLinux_StageExec = 7,
    CJobletLinux_StageSync = 8,
    CJobletLinux_StageInit = 9,        // exec of the joblet-init helper, or reading its spec
    CJobletLinux_StageLost = 10,       // the init died before it held its spec (nothing ran)
};

typedef struct CJobletLinux_SpawnResult {
    pid_t pid;         // host pid of the job's init (pid 1 in its namespace)
    int pidfd;         // CLOEXEC pidfd of that init; the caller owns it
    int stage;         // CJobletLinux_Stage*: 0 when the command was exec'd
    int error;         // errno at that stage
    int detail;        // setup: which step (line of spawn.c), for the log
    char what[160];    // the path or step that failed, when there is one
} CJobletLinux_SpawnResult;

/// Spawns the job. Returns 0 when a process exists (pid/pidfd set), even if its exec failed
/// (stage == Exec: the init records exit 127 and exits by itself); -1 when nothing is left running.
int CJobletLinux_spawn(const CJobletLinux_SpawnSpec *spec, CJobletLinux_SpawnResult *result);

/// An init started ahead of its job: in its namespaces and cgroups (the migration done), waiting
/// for its spec on `ctl`. The caller owns pidfd and ctl.
typedef struct CJobletLinux_Prepared {
    pid_t pid;
    int pidfd;
    int ctl;
} CJobletLinux_Prepared;

/// The first half of CJobletLinux_spawn: uses only init_fd, cgroup_procs and cgroup_fd of `spec`.
/// 0 with `prepared` set; -1 with `result` saying why (nothing left running).
int CJobletLinux_spawn_prepare(const CJobletLinux_SpawnSpec *spec, CJobletLinux_Prepared *prepared,
                               CJobletLinux_SpawnResult *result);
/// The second half: sends the spec (log and status descriptors attached) and waits for the exec,
/// as CJobletLinux_spawn. Takes ownership of prepared->ctl (closed) and, on failure, of the pidfd.
int CJobletLinux_spawn_start(const CJobletLinux_Prepared *prepared, const CJobletLinux_SpawnSpec *spec,
                             CJobletLinux_SpawnResult *result);
/// Kills, reaps and closes an init nobody will use.
void CJobletLinux_prepared_discard(CJobletLinux_Prepared *prepared);

int CJobletLinux_pidfd_open(pid_t pid);
int CJobletLinux_pidfd_send_signal(int pidfd, int sig);
/// Reaps a child through its pidfd. Returns 0 and fills code/signal; -1 with errno (ECHILD if not ours).
int CJobletLinux_pidfd_reap(int pidfd, int *exit_code, int *signal, int nohang);
/// Blocks until the pidfd is readable (the process exited) or timeout_ms passes (-1 = forever).
/// Returns 1 exited, 0 timeout, -1 error.
int CJobletLinux_pidfd_wait(int pidfd, int timeout_ms);

/// An eventfd (CLOEXEC), for waking poll() from another thread.
int CJobletLinux_eventfd_cloexec(void);

/// open(path, O_PATH | O_CLOEXEC): a descriptor to exec by (execveat), not to read.
int CJobletLinux_open_path(const char *path);

/// epoll for the exit watcher (Glibc's Swift module does not export it): an epoll fd (CLOEXEC);
/// add/remove an fd for EPOLLIN with a 64-bit tag; wait for up to `max` tags (-1 on error, EINTR retried).
int CJobletLinux_epoll_create(void);
int CJobletLinux_epoll_add(int epfd, int fd, uint64_t tag);
int CJobletLinux_epoll_remove(int epfd, int fd);
int CJobletLinux_epoll_wait(int epfd, uint64_t *tags, int max, int timeout_ms);

/// Removes `name` under the directory `parent_fd` and everything in it without following any
/// symlink inside (a link is removed, its target untouched). 0, or -1 with errno. remove_tree.c.
int CJobletLinux_remove_tree(int parent_fd, const char *name);

/// Creates `name` under `parent_fd` as a btrfs subvolume limited to `max_bytes` (qgroup, referenced
/// bytes). -1 with errno: EOPNOTSUPP not btrfs; from the qgroup ioctl (ENOTCONN/EINVAL: quotas not
/// enabled) after removing the subvolume again. btrfs_workspace.c.
int CJobletLinux_make_limited_workspace(int parent_fd, const char *name, uint64_t max_bytes);

/// rtnetlink (netlink.c); 0 or -errno. A bridge (created when missing, brought up); an address
/// (EEXIST is success); a link's index or -errno; a link deleted (a missing one is success); a
/// veth pair whose host end joins `master_index` (up; bridge-port isolated when asked) and whose
/// peer is made inside the network namespace of `peer_pid`; lo/eth0 up; a default route.
int CJobletLinux_net_bridge_add(const char *name);
int CJobletLinux_net_address_add(int index, uint32_t address_be, int prefix);
int CJobletLinux_net_link_index(const char *name);
int CJobletLinux_net_link_delete(const char *name);
int CJobletLinux_net_link_up(int index);
int CJobletLinux_net_veth_add(const char *host_name, const char *peer_name, pid_t peer_pid, int master_index, int isolated);
int CJobletLinux_net_default_route(uint32_t gateway_be);
/// A job's namespace, after every process of the job is gone, made ready for the next job on the
/// same network: refused (-EBUSY) while any socket lives in it (a descriptor passed out of the
/// job), else eth0's address is removed (its routes go with it). The calling thread enters the
/// namespace and comes back to `home_fd` (jobletd's own). 0 or -errno.
int CJobletLinux_netns_recycle(int netns_fd, int home_fd, uint32_t address_be, int prefix);

/// Volumes (loop_volume.c); 0 or -errno. An ext4 image on a free loop device (autoclear) mounted
/// nosuid,nodev at `target`; a tmpfs of `bytes` (mode 0777); an unmount (not mounted: success;
/// busy: detached).
int CJobletLinux_volume_mount_image(const char *image, const char *target);
int CJobletLinux_volume_mount_tmpfs(const char *target, uint64_t bytes);
int CJobletLinux_volume_unmount(const char *target);
/// Makes `path` a mount point (a bind onto itself, when `bind`) with shared propagation: a volume
/// mounted under it later also appears in the mount namespaces of job inits started before.
int CJobletLinux_volume_share_directory(const char *path, int bind);

/// Swaps `a` and `b` atomically (renameat2 RENAME_EXCHANGE). 0, or -1 with errno.
int CJobletLinux_rename_exchange(const char *a, const char *b);

/// The body of the `joblet-init` executable: reads its spec from fd 3 (written by
/// CJobletLinux_spawn), builds the job's root filesystem, forks and execs the command, forwards
/// signals, reaps, records the exit status and exits with the command's code.
int CJobletLinux_init_main(int argc, char **argv, const CJobletLinux_InitSandbox *sandbox);

#endif
