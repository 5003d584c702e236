// Filesystem volumes (issue 15): an ext4 image attached to a free loop device (/dev/loop-control,
// LOOP_CONFIGURE with autoclear, so the device goes when the mount does) and mounted nosuid,nodev;
// memory volumes are a size-limited tmpfs. Every function returns 0 or -errno.
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config { uint32_t fd; uint32_t block_size; struct loop_info64 info; uint64_t __reserved[8]; };
#endif

int CJobletLinux_volume_mount_image(const char *image, const char *target) {
    int image_fd = open(image, O_RDWR | O_CLOEXEC);
    if (image_fd < 0) return -errno;
    int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) { int e = errno; close(image_fd); return -e; }
    int rc = -EBUSY;
    // Another process may take the free device between GET_FREE and CONFIGURE: a few tries.
    for (int tries = 0; tries < 8 && rc == -EBUSY; tries++) {
        int n = ioctl(control, LOOP_CTL_GET_FREE);
        if (n < 0) { rc = -errno; break; }
        char device[32];
        snprintf(device, sizeof device, "/dev/loop%d", n);
        int loop_fd = open(device, O_RDWR | O_CLOEXEC);
        if (loop_fd < 0) { rc = -errno; break; }
        struct loop_config config;
        memset(&config, 0, sizeof config);
        config.fd = (uint32_t)image_fd;
        config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
        if (ioctl(loop_fd, LOOP_CONFIGURE, &config) < 0) {
            rc = -errno;
            close(loop_fd);
            continue;
        }
        rc = mount(device, target, "ext4", MS_NOSUID | MS_NODEV, "") < 0 ? -errno : 0;
        if (rc < 0) ioctl(loop_fd, LOOP_CLR_FD, 0);
        close(loop_fd);  // autoclear: the device detaches when the mount goes
    }
    close(control);
    close(image_fd);
    return rc;
}

int CJobletLinux_volume_mount_tmpfs(const char *target, uint64_t bytes) {
    char options[64];
    snprintf(options, sizeof options, "size=%llu,mode=0777", (unsigned long long)bytes);
    return mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options) < 0 ? -errno : 0;
}

int CJobletLinux_volume_unmount(const char *target) {
    if (umount2(target, UMOUNT_NOFOLLOW) == 0) return 0;
    if (errno == EINVAL || errno == ENOENT) return 0;  // not mounted
    if (errno != EBUSY) return -errno;
    return umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
}

int CJobletLinux_volume_share_directory(const char *path, int bind) {
    if (bind && mount(path, path, NULL, MS_BIND, NULL) < 0) return -errno;
    return mount(NULL, path, NULL, MS_SHARED, NULL) < 0 ? -errno : 0;
}
