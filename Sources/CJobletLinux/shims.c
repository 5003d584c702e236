// Functions Swift cannot import from Glibc as they are.
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <sys/eventfd.h>

int CJobletLinux_eventfd_cloexec(void) { return eventfd(0, EFD_CLOEXEC); }

#include <fcntl.h>

int CJobletLinux_open_path(const char *path) { return open(path, O_PATH | O_CLOEXEC); }

#include <sys/syscall.h>
#include <unistd.h>

// Swaps two paths in one step (renameat2 RENAME_EXCHANGE): a runtime's reinstall (runtimes).
int CJobletLinux_rename_exchange(const char *a, const char *b) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
}
