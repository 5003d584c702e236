// Removing a finished job's directory, which the job itself filled: it may have planted symlinks
// (to /etc, to another job's workspace) or renamed things. The walk holds one directory descriptor
// at a time and reaches every entry by name relative to it (openat/unlinkat with O_NOFOLLOW /
// AT_SYMLINK_NOFOLLOW semantics): a symlink is unlinked as the link itself, never followed, and
// no path string is resolved across the tree. Climbing back uses "..", which is never a link.
// The job is over (its cgroup emptied) when this runs, so nothing races the walk.
#define _GNU_SOURCE
#include "CJobletLinux.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPEN_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct name_stack {
    char **names;
    size_t count, cap;
};

static int push(struct name_stack *s, const char *name) {
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **grown = realloc(s->names, cap * sizeof *grown);
        if (!grown) return -1;
        s->names = grown;
        s->cap = cap;
    }
    if (!(s->names[s->count] = strdup(name))) return -1;
    s->count++;
    return 0;
}

// Removes one entry that is not a directory, or opens it when it is one (*opened >= 0).
static int remove_entry(int dirfd, const char *name, int *opened) {
    *opened = -1;
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;  // EPERM: some filesystems say so for directories
    int fd = openat(dirfd, name, OPEN_DIR_FLAGS);
    if (fd < 0) return -1;
    *opened = fd;
    return 0;
}

int CJobletLinux_remove_tree(int parent_fd, const char *name) {
    int cur = openat(parent_fd, name, OPEN_DIR_FLAGS);
    if (cur < 0) {
        if (errno == ENOENT) return 0;
        if (errno == ENOTDIR || errno == ELOOP) return unlinkat(parent_fd, name, 0);  // a file or a link
        return -1;
    }
    struct name_stack stack = {0};
    int rc = -1, err = 0;
    // Bounded: every round either removes an entry, descends one level, or removes a directory.
    for (unsigned long rounds = 0; rounds < 100000000UL; rounds++) {
        int dupfd = fcntl(cur, F_DUPFD_CLOEXEC, 0);
        DIR *dir = dupfd >= 0 ? fdopendir(dupfd) : NULL;
        if (!dir) { err = errno; if (dupfd >= 0) close(dupfd); goto out; }
        int child = -1;
        char child_name[256];
        struct dirent *e;
        errno = 0;
        while ((e = readdir(dir))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (remove_entry(cur, e->d_name, &child) < 0) { err = errno; closedir(dir); goto out; }
            if (child >= 0) { cj_copy_str(child_name, sizeof child_name, e->d_name); break; }
        }
        closedir(dir);
        if (child >= 0) {
            if (push(&stack, child_name) < 0) { err = ENOMEM; close(child); goto out; }
            close(cur);
            cur = child;
            continue;
        }
        // `cur` is empty: remove it from its parent.
        if (stack.count == 0) {
            close(cur);
            cur = -1;
            if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) { err = errno; goto out; }
            rc = 0;
            goto out;
        }
        int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (up < 0) { err = errno; goto out; }
        close(cur);
        cur = up;
        char *done = stack.names[--stack.count];
        int r = unlinkat(cur, done, AT_REMOVEDIR);
        int e2 = errno;
        free(done);
        if (r < 0 && e2 != ENOENT) { err = e2; goto out; }
    }
    err = ELOOP;
out:
    if (cur >= 0) close(cur);
    for (size_t i = 0; i < stack.count; i++) free(stack.names[i]);
    free(stack.names);
    if (rc < 0) errno = err;
    return rc;
}
