// joblet-init: pid 1 of every local job's PID namespace. jobletd execs it from its spawn (see
// Sources/CJobletLinux/spawn.c and init.c); it is a program of its own so that the job's processes
// never carry a copy of jobletd. It must sit next to the jobletd executable (or be named by
// JOBLET_INIT_PATH / `local.initPath` in the config file).
#include "CJobletLinux.h"

#include <stdio.h>
#include <string.h>

void *joblet_seccomp_build(void);
int joblet_seccomp_load(void *filter);
int joblet_seccomp_export(int fd);

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--seccomp-bpf") == 0) {  // jobletd, once at start
        if (joblet_seccomp_export(1) == 0) return 0;
        perror("joblet-init: exporting the seccomp profile");
        return 1;
    }
    static const CJobletLinux_InitSandbox sandbox = {joblet_seccomp_build, joblet_seccomp_load};
    return CJobletLinux_init_main(argc, argv, &sandbox);
}
