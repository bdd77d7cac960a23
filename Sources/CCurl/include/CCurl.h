// libcurl, opened with dlopen on first use instead of linked: loading libcurl (OpenSSL flavour)
// maps gnutls, krb5, ldap, ssh2, nghttp2, ... and costs about 5.5 MB of resident memory in every
// process, while only S3 replicas need it. The types and constants come from the -dev package's
// <curl/curl.h>; every call goes through the swst_ functions below, which call pointers resolved
// from libcurl.so.4 (curl.c). Calling a curl_ function directly would fail to link: the binary
// has no libcurl to link against.
#ifndef SWST_CCURL_H
#define SWST_CCURL_H
#include <curl/curl.h>

/// Opens libcurl.so.4, resolves every function used here and runs curl_global_init, once per
/// process (thread-safe). NULL on success, else a one-line error for the user, e.g.
/// "cannot load libcurl.so.4 (needed for s3 replicas): ...; install the libcurl4 package".
/// The other functions do nothing and return an error value (CURLE_FAILED_INIT, NULL) until
/// this has succeeded.
const char *swst_curl_load(void);

/// For tests: runs the loader's dlopen and dlsym steps on another soname (the handle is closed
/// afterwards); NULL if it has every function, else the error swst_curl_load would give.
/// The result is valid until the next call on the same thread.
const char *swst_curl_probe(const char *soname);

CURL *swst_curl_easy_init(void);
void swst_curl_easy_cleanup(CURL *h);
void swst_curl_easy_reset(CURL *h);
CURLcode swst_curl_easy_perform(CURL *h);
const char *swst_curl_easy_strerror(CURLcode code);
struct curl_slist *swst_curl_slist_append(struct curl_slist *list, const char *line);
void swst_curl_slist_free_all(struct curl_slist *list);
/// curl_version_info(CURLVERSION_NOW)->version, or NULL.
const char *swst_curl_version(void);

// Typed, non-variadic wrappers: Swift cannot call curl_easy_setopt/getinfo (C variadics).
CURLcode swst_setopt_long(CURL *h, CURLoption o, long v);
CURLcode swst_setopt_off(CURL *h, CURLoption o, curl_off_t v);
CURLcode swst_setopt_string(CURL *h, CURLoption o, const char *v);
CURLcode swst_setopt_pointer(CURL *h, CURLoption o, void *v);
CURLcode swst_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v);
CURLcode swst_getinfo_long(CURL *h, CURLINFO i, long *out);
// Callback setters: one per callback signature, so Swift passes a typed @convention(c) function.
CURLcode swst_setopt_write_function(CURL *h, curl_write_callback cb);
CURLcode swst_setopt_header_function(CURL *h, curl_write_callback cb);
CURLcode swst_setopt_read_function(CURL *h, curl_read_callback cb);
CURLcode swst_setopt_seek_function(CURL *h, curl_seek_callback cb);
CURLcode swst_setopt_xferinfo_function(CURL *h, curl_xferinfo_callback cb);

// Values that are macros or need a cast in C.
static inline size_t swst_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
static inline int swst_curl_seekfunc_ok(void) { return CURL_SEEKFUNC_OK; }
static inline int swst_curl_seekfunc_cantseek(void) { return CURL_SEEKFUNC_CANTSEEK; }

#endif
