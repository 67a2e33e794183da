/* far_proto.h — the 3po-memserver wire protocol (described in far_tcp.c and
 * docs/memserver-protocol.md) and the helpers its two ends share: little-endian fields,
 * HOST:PORT parsing and a byte FIFO for socket buffers (implemented in far.c). */
#ifndef TPO_FAR_PROTO_H
#define TPO_FAR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPO_FARP_MAGIC 0x4d4f5033u /* the bytes "3POM" */
#define TPO_FARP_VERSION 1u
#define TPO_FARP_HELLO 16u         /* magic, version, page size, flags: 4 x u32 */
#define TPO_FARP_HEADER 16u        /* op u32, flags u32, key u64 */
enum {
	TPO_FARP_READ = 1,     /* → one TPO_FARP_PAGE reply */
	TPO_FARP_WRITE = 2,    /* followed by the page */
	TPO_FARP_DISCARD = 3,
	TPO_FARP_PAGE = 0x81,  /* reply to READ: header then the page */
};

static inline void tpo_farp_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline void tpo_farp_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t tpo_farp_get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static inline uint64_t tpo_farp_get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Writes a hello (our magic, version and page size) into p[TPO_FARP_HELLO]. */
void tpo_farp_hello(unsigned char *p);
/* Checks a received hello: NULL if it matches ours, else why not (a static string). */
const char *tpo_farp_check_hello(const unsigned char *p);
/* Writes a request header (op, key) into p[TPO_FARP_HEADER]. */
void tpo_farp_header(unsigned char *p, uint32_t op, uint64_t key);

/* Splits "HOST:PORT" or "[V6]:PORT" into newly allocated host and port (g_free them). The port
 * is decimal, 1-65535 (0 too if allow_port0). Returns NULL on success, else why not. */
const char *tpo_farp_split_hostport(const char *s, bool allow_port0, char **host, char **port);

/* A byte FIFO: bytes are appended at the tail and consumed at the head. */
typedef struct tpo_fifo {
	unsigned char *data;
	size_t start, end, cap;
} tpo_fifo;

static inline size_t tpo_fifo_len(const tpo_fifo *q) { return q->end - q->start; }
/* The oldest byte; only when tpo_fifo_len > 0. */
static inline unsigned char *tpo_fifo_head(const tpo_fifo *q) { return q->data + q->start; }
/* Makes room for at least n more bytes and returns the tail; tpo_fifo_room says how many fit. */
unsigned char *tpo_fifo_reserve(tpo_fifo *q, size_t n);
static inline size_t tpo_fifo_room(const tpo_fifo *q) { return q->cap - q->end; }
/* Adds n bytes written at the tail returned by tpo_fifo_reserve. */
static inline void tpo_fifo_commit(tpo_fifo *q, size_t n) { q->end += n; }
void tpo_fifo_append(tpo_fifo *q, const void *p, size_t n);
void tpo_fifo_consume(tpo_fifo *q, size_t n);
void tpo_fifo_free(tpo_fifo *q);

#endif
