// The dlopen step shared by CCurl and COpenSSL (libraries loaded on first use).
#ifndef SWST_LIBRARY_LOADER_H
#define SWST_LIBRARY_LOADER_H
#include <stddef.h>

/// dlopen(soname, RTLD_NOW | RTLD_LOCAL), then dlsym of names[0..<count] into slots. On
/// success returns the handle; on failure writes the one-line, user-facing error (naming the
/// library and the Debian `package` to install) into `error` and returns NULL, with nothing left
/// open.
void *swst_open_library(const char *soname, const char *package, const char *const *names, int count,
                        void **slots, char *error, size_t size);

/// For tests: runs swst_open_library on `soname` with at most 64 names and closes the library
/// again; NULL when it has every function, else the error (valid until the next call on this
/// thread).
const char *swst_probe_library(const char *soname, const char *package, const char *const *names, int count);

#endif
