// Linux calls that Glibc's Swift module does not import (they need _GNU_SOURCE).
#ifndef SWST_SYSTEM_SHIMS_H
#define SWST_SYSTEM_SHIMS_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>

/// sync_file_range(SYNC_FILE_RANGE_WRITE): start writeback of a range without waiting.
static inline int swst_start_writeback(int fd, long long offset, long long count) {
#ifdef SYNC_FILE_RANGE_WRITE
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}

#endif
