#include "CTLSBuffer.h"

#include <openssl/bio.h>
#include <stdlib.h>
#include <string.h>

struct queue {
    uint8_t *data;
    size_t start, end, cap;
};

static int queue_reserve(struct queue *q, size_t more) {
    if (q->cap - q->end >= more) return 0;
    size_t live = q->end - q->start;
    if (q->start > 0 && q->cap - live >= more && q->start >= live) {
        // Enough room once the live bytes move to the front (cheap: at most half the buffer).
        memmove(q->data, q->data + q->start, live);
        q->start = 0;
        q->end = live;
        return 0;
    }
    size_t want = live + more, cap = q->cap ? q->cap : 16 * 1024;
    while (cap < want) cap *= 2;
    uint8_t *grown = malloc(cap);
    if (!grown) return -1;
    if (live) memcpy(grown, q->data + q->start, live);
    free(q->data);
    q->data = grown;
    q->start = 0;
    q->end = live;
    q->cap = cap;
    return 0;
}

static int q_write(BIO *b, const char *in, int len) {
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    if (queue_reserve(BIO_get_data(b), (size_t)len) < 0) return -1;
    struct queue *q = BIO_get_data(b);
    memcpy(q->data + q->end, in, (size_t)len);
    q->end += (size_t)len;
    return len;
}

static int q_read(BIO *b, char *out, int len) {
    struct queue *q = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    size_t live = q->end - q->start;
    if (live == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    size_t n = live < (size_t)len ? live : (size_t)len;
    memcpy(out, q->data + q->start, n);
    q->start += n;
    if (q->start == q->end) q->start = q->end = 0;
    return (int)n;
}

static int q_puts(BIO *b, const char *s) { return q_write(b, s, (int)strlen(s)); }

static long q_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)num;
    (void)ptr;
    struct queue *q = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_PENDING: return (long)(q->end - q->start);
    case BIO_CTRL_WPENDING: return 0;
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_EOF: return q->end == q->start;
    case BIO_CTRL_RESET: q->start = q->end = 0; return 1;
    default: return 0;
    }
}

static int q_create(BIO *b) {
    struct queue *q = calloc(1, sizeof *q);
    if (!q) return 0;
    BIO_set_data(b, q);
    BIO_set_init(b, 1);
    return 1;
}

static int q_destroy(BIO *b) {
    struct queue *q = BIO_get_data(b);
    if (q) {
        free(q->data);
        free(q);
    }
    BIO_set_data(b, NULL);
    return 1;
}

static BIO_METHOD *method(void) {
    static BIO_METHOD *m = NULL;
    static int once = 0;
    if (!__atomic_load_n(&once, __ATOMIC_ACQUIRE)) {
        BIO_METHOD *made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "jobletd queue");
        if (!made) return NULL;
        BIO_meth_set_write(made, q_write);
        BIO_meth_set_read(made, q_read);
        BIO_meth_set_puts(made, q_puts);
        BIO_meth_set_ctrl(made, q_ctrl);
        BIO_meth_set_create(made, q_create);
        BIO_meth_set_destroy(made, q_destroy);
        BIO_METHOD *expected = NULL;
        if (!__atomic_compare_exchange_n(&m, &expected, made, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            BIO_meth_free(made);  // another thread won the race
        __atomic_store_n(&once, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&m, __ATOMIC_ACQUIRE);
}

CTLSBuffer_BIO *CTLSBuffer_new(void) {
    BIO_METHOD *m = method();
    return m ? BIO_new(m) : NULL;
}

int CTLSBuffer_append(CTLSBuffer_BIO *bio, const void *bytes, size_t count) {
    if (count == 0) return 0;
    struct queue *q = BIO_get_data(bio);
    if (queue_reserve(q, count) < 0) return -1;
    memcpy(q->data + q->end, bytes, count);
    q->end += count;
    return 0;
}

size_t CTLSBuffer_peek(CTLSBuffer_BIO *bio, const uint8_t **bytes) {
    struct queue *q = BIO_get_data(bio);
    *bytes = q->data + q->start;
    return q->end - q->start;
}

void CTLSBuffer_consume(CTLSBuffer_BIO *bio, size_t count) {
    struct queue *q = BIO_get_data(bio);
    size_t live = q->end - q->start;
    q->start += count < live ? count : live;
    if (q->start == q->end) q->start = q->end = 0;
}

size_t CTLSBuffer_count(CTLSBuffer_BIO *bio) {
    struct queue *q = BIO_get_data(bio);
    return q->end - q->start;
}

void CTLSBuffer_release(CTLSBuffer_BIO *bio, size_t keep_above) {
    struct queue *q = BIO_get_data(bio);
    if (q->end == q->start && q->cap > 0 && q->cap <= keep_above) {
        free(q->data);
        q->data = NULL;
        q->start = q->end = q->cap = 0;
    }
}
