// A size-limited workspace: a btrfs subvolume per job with a qgroup limit on what it references
// (jobs.defaultWorkspaceMB). Writes past the limit fail with EDQUOT ("Disk quota exceeded") and
// the data directory's filesystem does not grow. Needs the jobs directory on btrfs with quotas
// enabled (`btrfs quota enable <mount>`); this kernel has no CONFIG_QUOTA for ext4/XFS project
// quotas. Removal is an rmdir of the emptied subvolume (remove_tree.c), allowed to root since 4.18.
#define _GNU_SOURCE
#include "CJobletLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef BTRFS_SUPER_MAGIC
#define BTRFS_SUPER_MAGIC 0x9123683E
#endif

int CJobletLinux_make_limited_workspace(int parent_fd, const char *name, uint64_t max_bytes) {
    struct statfs fs;
    if (fstatfs(parent_fd, &fs) < 0) return -1;
    if ((unsigned long)fs.f_type != (unsigned long)BTRFS_SUPER_MAGIC) { errno = EOPNOTSUPP; return -1; }
    struct btrfs_ioctl_vol_args create;
    memset(&create, 0, sizeof create);
    if (strlen(name) >= sizeof create.name) { errno = ENAMETOOLONG; return -1; }
    strcpy(create.name, name);
    if (ioctl(parent_fd, BTRFS_IOC_SUBVOL_CREATE, &create) < 0) return -1;
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct btrfs_ioctl_qgroup_limit_args limit;
    memset(&limit, 0, sizeof limit);
    limit.qgroupid = 0;  // the subvolume `fd` is in
    limit.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    limit.lim.max_rfer = max_bytes;
    int rc = ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &limit);
    int e = errno;
    close(fd);
    if (rc < 0) {
        unlinkat(parent_fd, name, AT_REMOVEDIR);  // nothing half-made: an unlimited workspace is not what was asked
        errno = e;
        return -1;
    }
    return 0;
}
