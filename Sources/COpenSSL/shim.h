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
#include <stdint.h>

// SSL_CTX_ctrl wrappers: these are macros in ssl.h.
static inline int CJOpenSSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int CJOpenSSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long CJOpenSSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline int CJOpenSSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// SSL_OP_* are SSL_OP_BIT(n) expressions with casts, which Swift does not import.
static inline uint64_t CJOpenSSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t CJOpenSSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t CJOpenSSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }

// BIO_ctrl wrappers.
static inline long CJOpenSSL_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

// XN_FLAG_RFC2253 ORs casted constants.
static inline unsigned long CJOpenSSL_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }

static inline void CJOpenSSL_free(void *pointer) { OPENSSL_free(pointer); }

// Certificate extensions from their openssl.cnf text (X509V3_CTX is filled by a macro-ish API);
// used to make the development PKI in-process. Returns 1 on success.
static inline int CJOpenSSL_add_extension(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL) return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}
#endif
