// libcrypto (OpenSSL 3), opened with dlopen on first use instead of linked, like libcurl (see
// CCurl.h): only S3 replicas hash and sign requests. Types and constants come from the -dev
// package's headers; every call goes through the swst_ functions below, which call pointers
// resolved from libcrypto.so.3 (crypto.c). libssl is not used directly (libcurl loads it).
#ifndef SWST_COPENSSL_H
#define SWST_COPENSSL_H
#include <stddef.h>
#include <openssl/evp.h>

/// Opens libcrypto.so.3 and resolves every function used here, once per process (thread-safe).
/// NULL on success, else a one-line error for the user, e.g.
/// "cannot load libcrypto.so.3 (needed for s3 replicas): ...; install the libssl3 package".
/// The other functions do nothing and return an error value (0, NULL) until this has succeeded.
const char *swst_crypto_load(void);

/// For tests: runs the loader's dlopen and dlsym steps on another soname (the handle is closed
/// afterwards); NULL if it has every function, else the error swst_crypto_load would give.
/// The result is valid until the next call on the same thread.
const char *swst_crypto_probe(const char *soname);

/// OpenSSL_version(OPENSSL_VERSION), e.g. "OpenSSL 3.0.17 1 Jul 2025", or NULL.
const char *swst_openssl_version(void);

/// EVP_Digest with EVP_sha256() / EVP_md5(); 1 on success.
int swst_sha256(const void *data, size_t count, unsigned char *md, unsigned int *size);
int swst_md5(const void *data, size_t count, unsigned char *md, unsigned int *size);
/// HMAC(EVP_sha256(), ...); 1 on success.
int swst_hmac_sha256(const void *key, int keyLength, const unsigned char *data, size_t count, unsigned char *md,
                     unsigned int *size);

/// EVP_MD_CTX_new + EVP_DigestInit_ex(EVP_sha256()); NULL on failure.
EVP_MD_CTX *swst_sha256_new(void);
int swst_digest_update(EVP_MD_CTX *context, const void *data, size_t count);
int swst_digest_final(EVP_MD_CTX *context, unsigned char *md, unsigned int *size);
void swst_digest_free(EVP_MD_CTX *context);

#endif
