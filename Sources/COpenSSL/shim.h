#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/err.h>
static inline const char *swst_openssl_version(void) { return OpenSSL_version(OPENSSL_VERSION); }
