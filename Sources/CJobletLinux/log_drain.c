// The job's output, owned by the init: the command's stdout and stderr are the write end of a
// pipe, and joblet-init (pid 1, root, outside the job's reach) moves what arrives into the log
// file with splice(2), without copying it through user space. The job never holds the file, so it
// cannot truncate it or write over earlier lines; past `cap` bytes one line says the log was cut
// and the rest is read and dropped, so a job that keeps writing is never blocked.
//
// splice refuses O_APPEND files; jobletd opens the log without it and writes nothing to it while
// the init runs (its warnings go in before the spawn). Each splice starts at the file's current
// end, so output of a previous run of the same file (none today) would not be overwritten.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define SPLICE_CHUNK (1 << 20)

void cj_log_drain_init(struct log_drain *d, int pipe_fd, int log_fd, int null_fd, uint64_t cap) {
    d->pipe_fd = pipe_fd;
    d->log_fd = log_fd;
    d->null_fd = null_fd;
    d->cap = cap;
    d->written = 0;
    d->truncated = 0;
}

static void note_truncated(struct log_drain *d) {
    char line[160];
    size_t n = 0;
    const char *a = "\njoblet-init: the log reached its limit of ";
    const char *b = " bytes (jobs.maxLogBytes); further output is discarded\n";
    for (const char *c = a; *c; c++) line[n++] = *c;
    n += cj_format_int(line + n, (long)d->cap);
    for (const char *c = b; *c && n < sizeof line; c++) line[n++] = *c;
    if (lseek(d->log_fd, 0, SEEK_END) >= 0) {
        ssize_t r = write(d->log_fd, line, n);
        (void)r;
    }
    d->truncated = 1;
}

// Throws away up to one chunk of what is in the pipe; 1 moved, 0 empty/EOF, -1 error.
static int discard(struct log_drain *d) {
    ssize_t n = d->null_fd >= 0 ? splice(d->pipe_fd, NULL, d->null_fd, NULL, SPLICE_CHUNK, SPLICE_F_NONBLOCK) : -1;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        static char sink[65536];
        n = read(d->pipe_fd, sink, sizeof sink);
    }
    if (n > 0) return 1;
    if (n == 0) return 0;
    return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

int cj_log_drain_step(struct log_drain *d) {
    if (d->truncated) return discard(d);
    size_t want = SPLICE_CHUNK;
    if (d->cap) {
        if (d->written >= d->cap) { note_truncated(d); return discard(d); }
        if (d->cap - d->written < want) want = (size_t)(d->cap - d->written);
    }
    if (lseek(d->log_fd, 0, SEEK_END) < 0) return discard(d);
    ssize_t n = splice(d->pipe_fd, NULL, d->log_fd, NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) { d->written += (uint64_t)n; return 1; }
    if (n == 0) return 0;  // EOF: every writer closed its end
    if (errno == EAGAIN || errno == EINTR) return 0;
    // The file refused (ENOSPC, EFBIG, EIO): the output is lost, not the job blocked.
    return discard(d) < 0 ? -1 : 1;
}

void cj_log_drain_all(struct log_drain *d, unsigned max_rounds) {
    for (unsigned i = 0; i < max_rounds; i++)
        if (cj_log_drain_step(d) <= 0) return;
}
