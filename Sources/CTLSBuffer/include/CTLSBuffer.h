// A BIO that is just a byte queue we own: OpenSSL writes records into it (or reads records fed
// into it) and the event loop reads from / writes to the socket straight out of it. It replaces
// BIO_s_mem, whose writes zero-fill every byte before copying it in and whose reset zero-fills
// the whole buffer (both showed up as memset in profiles of a 1 GiB stream).
#ifndef CTLSBUFFER_H
#define CTLSBUFFER_H

#include <stddef.h>
#include <stdint.h>

typedef struct bio_st CTLSBuffer_BIO;

/// A new queue BIO (owned by the caller, or by the SSL after SSL_set_bio). NULL on allocation failure.
CTLSBuffer_BIO *CTLSBuffer_new(void);
/// Appends bytes (what the socket delivered, for the read side). Returns 0, or -1 when out of memory.
int CTLSBuffer_append(CTLSBuffer_BIO *bio, const void *bytes, size_t count);
/// The queued bytes, oldest first; valid until the next call on this BIO.
size_t CTLSBuffer_peek(CTLSBuffer_BIO *bio, const uint8_t **bytes);
/// Drops the first `count` queued bytes (what the socket took).
void CTLSBuffer_consume(CTLSBuffer_BIO *bio, size_t count);
/// How many bytes are queued.
size_t CTLSBuffer_count(CTLSBuffer_BIO *bio);
/// Frees the memory of an empty queue, unless its buffer is larger than `keep_above` bytes (a
/// buffer that a burst grew is kept for the next burst; a small one is cheap to allocate again).
void CTLSBuffer_release(CTLSBuffer_BIO *bio, size_t keep_above);

#endif
