#include <curl/curl.h>
// Typed, non-variadic wrappers: Swift cannot call curl_easy_setopt/getinfo (C variadics).
static inline CURLcode swst_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode swst_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode swst_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode swst_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode swst_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode swst_getinfo_long(CURL *h, CURLINFO i, long *out) { return curl_easy_getinfo(h, i, out); }
static inline const char *swst_curl_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }
// Callback setters: one per callback signature, so Swift passes a typed @convention(c) function.
static inline CURLcode swst_setopt_write_function(CURL *h, curl_write_callback cb) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
static inline CURLcode swst_setopt_header_function(CURL *h, curl_write_callback cb) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
static inline CURLcode swst_setopt_read_function(CURL *h, curl_read_callback cb) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb); }
static inline CURLcode swst_setopt_seek_function(CURL *h, curl_seek_callback cb) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, cb); }
static inline CURLcode swst_setopt_xferinfo_function(CURL *h, curl_xferinfo_callback cb) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb); }
static inline CURLcode swst_getinfo_off(CURL *h, CURLINFO i, curl_off_t *out) { return curl_easy_getinfo(h, i, out); }
static inline CURLcode swst_share_setopt_long(CURLSH *s, CURLSHoption o, long v) { return curl_share_setopt(s, o, v); }
// Values that are macros or need a cast in C.
static inline size_t swst_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
static inline int swst_curl_seekfunc_ok(void) { return CURL_SEEKFUNC_OK; }
static inline int swst_curl_seekfunc_cantseek(void) { return CURL_SEEKFUNC_CANTSEEK; }
