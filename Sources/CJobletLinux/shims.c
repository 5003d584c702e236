// Functions Swift cannot import from Glibc as they are.
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <sys/eventfd.h>

int CJobletLinux_eventfd_cloexec(void) { return eventfd(0, EFD_CLOEXEC); }

#include <fcntl.h>

int CJobletLinux_open_path(const char *path) { return open(path, O_PATH | O_CLOEXEC); }
