// joblet-init: pid 1 of every local job's PID namespace. jobletd execs it from its spawn (see
// Sources/CJobletLinux/spawn.c and init.c); it is a program of its own so that the job's processes
// never carry a copy of jobletd. It must sit next to the jobletd executable (or be named by
// JOBLET_INIT_PATH / `local.initPath` in the config file).
#include "CJobletLinux.h"

void *joblet_seccomp_build(void);
int joblet_seccomp_load(void *filter);

int main(int argc, char **argv) {
    static const CJobletLinux_InitSandbox sandbox = {joblet_seccomp_build, joblet_seccomp_load};
    return CJobletLinux_init_main(argc, argv, &sandbox);
}
