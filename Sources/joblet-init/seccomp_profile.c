// The job's seccomp profile (jobs.seccomp: default), built with libseccomp and loaded by the
// command's process just before its exec (init.c). Modelled on Docker/containerd's default
// profile as seen by an unprivileged process: everything is allowed except the kernel's back
// doors a job has no use for, which answer an error (EPERM; ENOSYS for clone3, so that glibc falls
// back to clone, whose flags the filter can see) instead of killing the caller, so programs that
// probe them (unshare, systemd-run, io_uring-capable runtimes) fail cleanly.
//
// Linked statically into joblet-init only: jobletd itself never links libseccomp.
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

// Answered with EPERM whatever their arguments.
static const char *const denied[] = {
    // namespaces: user namespaces are the entry point of most container escapes
    "unshare", "setns",
    // the mount family
    "mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
    "move_mount", "open_tree", "mount_setattr",
    // kernel keyrings
    "keyctl", "add_key", "request_key",
    // eBPF, perf, userfaultfd, io_uring
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    // kernel images and modules
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
    "get_kernel_syms", "query_module",
    // file handles (the shocker escape), quotas, accounting
    "open_by_handle_at", "name_to_handle_at", "quotactl", "quotactl_fd", "acct",
    // the host's clock, swap, power, console, I/O ports
    "settimeofday", "stime", "clock_settime", "clock_adjtime", "swapon", "swapoff", "reboot",
    "syslog", "vhangup", "iopl", "ioperm",
    // obsolete or information leaks
    "uselib", "ustat", "sysfs", "_sysctl", "lookup_dcookie", "nfsservctl", "kcmp",
    "process_vm_readv", "process_vm_writev",
};

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

static int deny(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned count, struct scmp_arg_cmp cmp) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return 0;  // not a system call this libseccomp knows: nothing to block
    int rc = count ? seccomp_rule_add(ctx, action, nr, 1, cmp) : seccomp_rule_add(ctx, action, nr, 0);
    // -EDOM: not present on one of the filter's architectures.
    return rc == -EDOM ? 0 : rc;
}

// Builds the filter; NULL with errno when libseccomp refused.
void *joblet_seccomp_build(void) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) { errno = ENOMEM; return NULL; }
    int rc = 0;
    // The same rules for 32-bit and x32 programs, which reach the kernel by other numbers.
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && rc != -EEXIST) goto fail;
        if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && rc != -EEXIST) goto fail;
    }
    // no_new_privs is set by init.c itself (it is wanted under `unconfined` too).
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0) goto fail;
    struct scmp_arg_cmp none = {0};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        if ((rc = deny(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0, none)) < 0) goto fail;
    if ((rc = deny(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, none)) < 0) goto fail;
    // clone's flags are its first argument on x86-64 and arm64; one rule per namespace flag.
    for (size_t i = 0; i < sizeof namespace_flags / sizeof namespace_flags[0]; i++) {
        struct scmp_arg_cmp has = SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
        if ((rc = deny(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, has)) < 0) goto fail;
    }
    // ptrace: only of the job's own processes is possible (its PID namespace shows no others),
    // so debuggers and strace keep working.
    return ctx;
fail:
    seccomp_release(ctx);
    errno = -rc;
    return NULL;
}

// Writes the profile as a BPF program (struct sock_filter[]) to `fd`: jobletd asks for it once at
// start (`joblet-init --seccomp-bpf`) and hands it to every job's init in the spec, so that no
// launch pays for building it (0.9 ms per job otherwise; docs/benchmarks.md). 0, or -1 with errno.
int joblet_seccomp_export(int fd) {
    void *ctx = joblet_seccomp_build();
    if (!ctx) return -1;
    int rc = seccomp_export_bpf((scmp_filter_ctx)ctx, fd);
    seccomp_release((scmp_filter_ctx)ctx);
    if (rc < 0) { errno = -rc; return -1; }
    return 0;
}

// Loads a filter made by joblet_seccomp_build into the calling process; -1 with errno.
int joblet_seccomp_load(void *filter) {
    int rc = seccomp_load((scmp_filter_ctx)filter);
    if (rc < 0) { errno = -rc; return -1; }
    return 0;
}
