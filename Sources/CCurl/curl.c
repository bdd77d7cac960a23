// libcurl through dlopen: see include/CCurl.h.
#include "CCurl.h"

#include "CLibraryLoader.h"

#include <pthread.h>
#include <stdio.h>

#define SONAME "libcurl.so.4"
#define PACKAGE "libcurl4"

// Every libcurl function we call; each gets a pointer p_<name> of the header's type.
#define SWST_CURL_FUNCTIONS(X)                                                                     \
    X(curl_global_init)                                                                            \
    X(curl_easy_init)                                                                              \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_reset)                                                                             \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_strerror)                                                                          \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_getinfo)                                                                           \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)                                                                         \
    X(curl_version_info)

enum {
#define SWST_INDEX(name) index_##name,
    SWST_CURL_FUNCTIONS(SWST_INDEX)
#undef SWST_INDEX
    function_count
};

static const char *const function_names[function_count] = {
#define SWST_NAME(name) #name,
    SWST_CURL_FUNCTIONS(SWST_NAME)
#undef SWST_NAME
};

// Written once inside pthread_once, read-only afterwards (pthread_once orders the writes
// before every return from it).
#define SWST_POINTER(name) static __typeof__(name) *p_##name;
SWST_CURL_FUNCTIONS(SWST_POINTER)
#undef SWST_POINTER

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[512];

static void load(void) {
    void *slots[function_count];
    if (swst_open_library(SONAME, PACKAGE, function_names, function_count, slots, load_error,
                          sizeof load_error) == NULL) {
        return;
    }
    // POSIX guarantees a data pointer from dlsym converts to a function pointer this way.
#define SWST_ASSIGN(name) *(void **)(&p_##name) = slots[index_##name];
    SWST_CURL_FUNCTIONS(SWST_ASSIGN)
#undef SWST_ASSIGN
    // curl_global_init is not thread-safe in every libcurl version; here it runs once, under
    // pthread_once, before any handle exists.
    CURLcode rc = p_curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed: %s", p_curl_easy_strerror(rc));
        return;
    }
    loaded = 1;
}

static int ready(void) {
    pthread_once(&load_once, load);
    return loaded;
}

const char *swst_curl_load(void) { return ready() ? NULL : load_error; }

const char *swst_curl_probe(const char *soname) {
    return swst_probe_library(soname, PACKAGE, function_names, function_count);
}

CURL *swst_curl_easy_init(void) { return ready() ? p_curl_easy_init() : NULL; }

void swst_curl_easy_cleanup(CURL *h) {
    if (ready()) p_curl_easy_cleanup(h);
}

void swst_curl_easy_reset(CURL *h) {
    if (ready()) p_curl_easy_reset(h);
}

CURLcode swst_curl_easy_perform(CURL *h) { return ready() ? p_curl_easy_perform(h) : CURLE_FAILED_INIT; }

const char *swst_curl_easy_strerror(CURLcode code) {
    return ready() ? p_curl_easy_strerror(code) : "libcurl is not loaded";
}

struct curl_slist *swst_curl_slist_append(struct curl_slist *list, const char *line) {
    return ready() ? p_curl_slist_append(list, line) : NULL;
}

void swst_curl_slist_free_all(struct curl_slist *list) {
    if (ready()) p_curl_slist_free_all(list);
}

const char *swst_curl_version(void) {
    if (!ready()) return NULL;
    curl_version_info_data *info = p_curl_version_info(CURLVERSION_NOW);
    return info != NULL ? info->version : NULL;
}

CURLcode swst_setopt_long(CURL *h, CURLoption o, long v) {
    return ready() ? p_curl_easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_off(CURL *h, CURLoption o, curl_off_t v) {
    return ready() ? p_curl_easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_string(CURL *h, CURLoption o, const char *v) {
    return ready() ? p_curl_easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return ready() ? p_curl_easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return ready() ? p_curl_easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}

CURLcode swst_getinfo_long(CURL *h, CURLINFO i, long *out) {
    return ready() ? p_curl_easy_getinfo(h, i, out) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_write_function(CURL *h, curl_write_callback cb) {
    return ready() ? p_curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_header_function(CURL *h, curl_write_callback cb) {
    return ready() ? p_curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_read_function(CURL *h, curl_read_callback cb) {
    return ready() ? p_curl_easy_setopt(h, CURLOPT_READFUNCTION, cb) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_seek_function(CURL *h, curl_seek_callback cb) {
    return ready() ? p_curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, cb) : CURLE_FAILED_INIT;
}

CURLcode swst_setopt_xferinfo_function(CURL *h, curl_xferinfo_callback cb) {
    return ready() ? p_curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb) : CURLE_FAILED_INIT;
}
