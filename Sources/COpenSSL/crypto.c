// libcrypto through dlopen: see include/COpenSSL.h.
#include "COpenSSL.h"

#include "CLibraryLoader.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>

#define SONAME "libcrypto.so.3"
#define PACKAGE "libssl3"

// Every libcrypto function we call; each gets a pointer p_<name> of the header's type.
#define SWST_CRYPTO_FUNCTIONS(X)                                                                   \
    X(OpenSSL_version)                                                                             \
    X(EVP_sha256)                                                                                  \
    X(EVP_md5)                                                                                     \
    X(EVP_Digest)                                                                                  \
    X(HMAC)                                                                                        \
    X(EVP_MD_CTX_new)                                                                              \
    X(EVP_MD_CTX_free)                                                                             \
    X(EVP_DigestInit_ex)                                                                           \
    X(EVP_DigestUpdate)                                                                            \
    X(EVP_DigestFinal_ex)

enum {
#define SWST_INDEX(name) index_##name,
    SWST_CRYPTO_FUNCTIONS(SWST_INDEX)
#undef SWST_INDEX
    function_count
};

static const char *const function_names[function_count] = {
#define SWST_NAME(name) #name,
    SWST_CRYPTO_FUNCTIONS(SWST_NAME)
#undef SWST_NAME
};

// Written once inside pthread_once, read-only afterwards (pthread_once orders the writes
// before every return from it).
#define SWST_POINTER(name) static __typeof__(name) *p_##name;
SWST_CRYPTO_FUNCTIONS(SWST_POINTER)
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
    SWST_CRYPTO_FUNCTIONS(SWST_ASSIGN)
#undef SWST_ASSIGN
    loaded = 1;
}

static int ready(void) {
    pthread_once(&load_once, load);
    return loaded;
}

const char *swst_crypto_load(void) { return ready() ? NULL : load_error; }

const char *swst_crypto_probe(const char *soname) {
    return swst_probe_library(soname, PACKAGE, function_names, function_count);
}

const char *swst_openssl_version(void) { return ready() ? p_OpenSSL_version(OPENSSL_VERSION) : NULL; }

int swst_sha256(const void *data, size_t count, unsigned char *md, unsigned int *size) {
    return ready() ? p_EVP_Digest(data, count, md, size, p_EVP_sha256(), NULL) : 0;
}

int swst_md5(const void *data, size_t count, unsigned char *md, unsigned int *size) {
    return ready() ? p_EVP_Digest(data, count, md, size, p_EVP_md5(), NULL) : 0;
}

int swst_hmac_sha256(const void *key, int keyLength, const unsigned char *data, size_t count, unsigned char *md,
                     unsigned int *size) {
    return ready() && p_HMAC(p_EVP_sha256(), key, keyLength, data, count, md, size) != NULL;
}

EVP_MD_CTX *swst_sha256_new(void) {
    if (!ready()) return NULL;
    EVP_MD_CTX *context = p_EVP_MD_CTX_new();
    if (context == NULL) return NULL;
    if (p_EVP_DigestInit_ex(context, p_EVP_sha256(), NULL) != 1) {
        p_EVP_MD_CTX_free(context);
        return NULL;
    }
    return context;
}

int swst_digest_update(EVP_MD_CTX *context, const void *data, size_t count) {
    return ready() ? p_EVP_DigestUpdate(context, data, count) : 0;
}

int swst_digest_final(EVP_MD_CTX *context, unsigned char *md, unsigned int *size) {
    return ready() ? p_EVP_DigestFinal_ex(context, md, size) : 0;
}

void swst_digest_free(EVP_MD_CTX *context) {
    if (ready()) p_EVP_MD_CTX_free(context);
}
