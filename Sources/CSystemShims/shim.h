// Linux calls that Glibc's Swift module does not import (they need _GNU_SOURCE).
#ifndef SWST_SYSTEM_SHIMS_H
#define SWST_SYSTEM_SHIMS_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <malloc.h>

/// sync_file_range(SYNC_FILE_RANGE_WRITE): start writeback of a range without waiting.
static inline int swst_start_writeback(int fd, long long offset, long long count) {
#ifdef SYNC_FILE_RANGE_WRITE
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}

/// Keeps the daemon's resident memory small: two malloc arenas instead of up to eight per core
/// (each thread that allocates may otherwise get its own, and freed memory stays there).
/// A fixed mmap threshold was tried too: it cut peak RSS further but cost a third more CPU in
/// page faults on every segment buffer.
static inline void swst_tune_malloc(void) {
    mallopt(M_ARENA_MAX, 2);
}
#endif
