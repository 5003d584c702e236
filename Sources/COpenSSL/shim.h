// OpenSSL 3 (libssl-dev). Macros that Swift cannot import become static inline shims,
// every symbol prefixed CJOpenSSL_.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#endif
