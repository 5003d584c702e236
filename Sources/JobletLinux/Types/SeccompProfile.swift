/// Which seccomp filter a job's command runs under (`jobs.seccomp` in the config file).
/// `default` is joblet-init's profile (Sources/joblet-init/seccomp_profile.c, modelled on
/// Docker's): no namespaces, mounts, keyrings, bpf, perf, userfaultfd, io_uring, kexec, modules.
/// `unconfined` loads no filter; the capability sets are emptied and no_new_privs set either way.
public enum SeccompProfile: String, Sendable, CaseIterable {
    case `default`
    case unconfined
}
