// See include/CLibraryLoader.h.
#include "CLibraryLoader.h"

#include <dlfcn.h>
#include <stdio.h>

void *swst_open_library(const char *soname, const char *package, const char *const *names, int count,
                        void **slots, char *error, size_t size) {
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(error, size, "cannot load %s (needed for s3 replicas): %s; install the %s package", soname,
                 reason != NULL ? reason : "unknown dlopen error", package);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        (void)dlerror();
        slots[i] = dlsym(handle, names[i]);
        if (slots[i] == NULL) {
            snprintf(error, size,
                     "cannot load %s (needed for s3 replicas): it has no %s (too old?); install the %s package",
                     soname, names[i], package);
            dlclose(handle);
            return NULL;
        }
    }
    return handle;
}

const char *swst_probe_library(const char *soname, const char *package, const char *const *names, int count) {
    static _Thread_local char error[512];
    void *slots[64];
    if (count > 64) return "swst_probe_library: too many names";
    void *handle = swst_open_library(soname, package, names, count, slots, error, sizeof error);
    if (handle == NULL) return error;
    dlclose(handle);
    return NULL;
}
