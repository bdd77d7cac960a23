// Linux calls that Glibc's Swift module does not import (they need _GNU_SOURCE, or live in
// headers it does not include).
#ifndef SWST_SYSTEM_SHIMS_H
#define SWST_SYSTEM_SHIMS_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <malloc.h>
#include <sys/prctl.h>

/// sync_file_range(SYNC_FILE_RANGE_WRITE): start writeback of a range without waiting.
static inline int swst_start_writeback(int fd, long long offset, long long count) {
#ifdef SYNC_FILE_RANGE_WRITE
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}

/// mallopt(M_MMAP_THRESHOLD, bytes): blocks of at least `bytes` get their own mapping, returned
/// to the kernel on free (and glibc stops raising the threshold by itself). 1 on success.
static inline int swst_set_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process
/// instead of to PID 1 (Linux >= 3.4). 0 on success, -1 with errno set.
static inline int swst_become_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

#endif
