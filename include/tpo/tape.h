/* tape.h — the .tape file 3po-sim writes and the runtime follows: which page to fetch (and
 * which to evict) before which access of the traced program; plus the heat-map plot the
 * tools share. The byte layout is documented in docs/tape-format.md. */
#ifndef TPO_TAPE_H
#define TPO_TAPE_H

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

#define TPO_TAPE_VERSION 3u /* versions 1 and 2 (the legacy framing) are still read */

/* The replacement policy the tape was simulated with (tpo_tape_header.policy). */
typedef enum tpo_tape_policy {
	TPO_TAPE_POLICY_LRU = 1, /* the paper's tape: LRU at local_pages, every miss a fetch */
	TPO_TAPE_POLICY_MIN = 2, /* Belady's MIN: evicts the page used farthest in the future */
} tpo_tape_policy;

/* Header flags. */
#define TPO_TAPE_F_EVICTIONS 0x1u /* the tape carries evictions as well as fetches */
#define TPO_TAPE_F_COMPLETE 0x2u  /* the writer closed the tape: totals and hash are final */

typedef struct tpo_tape_header {
	uint32_t version;
	uint32_t policy;            /* tpo_tape_policy */
	uint32_t flags;             /* TPO_TAPE_F_* */
	uint32_t page_size;
	uint64_t local_pages;       /* local memory the tape was simulated with, in pages */
	uint64_t lookahead;         /* fetches the runtime should keep ahead (advice) */
	uint64_t accesses;          /* length of the access sequence (set at close) */
	uint64_t seq_hash;          /* tpo_tape_hash of the access sequence (set at close) */
	uint64_t fetches;           /* fetch entries (set at close) */
	uint64_t evictions;         /* evict entries (set at close) */
	/* Identity of the trace (and so of the program run) the tape was made from. */
	uint64_t trace_start_time_ns;
	int32_t trace_pid;
	uint32_t microset;          /* the trace's microset size (0: unknown, a version 1 tape) */
	char *program;              /* path of the traced executable (may be "") */
	uint32_t argc;
	char **argv;                /* argc strings */
} tpo_tape_header;

typedef enum tpo_tape_op {
	TPO_TAPE_FETCH = 0, /* bring page in */
	TPO_TAPE_EVICT = 1, /* send page out */
} tpo_tape_op;

/* "Before access number `index` (0-based, counting TPO_EV_ACCESS events of the trace) is
 * performed, apply op to page". Entries come in index order; at one index, evictions come
 * before the fetch they make room for. */
typedef struct tpo_tape_entry {
	uint64_t index;
	uint64_t page;   /* page-aligned address */
	tpo_tape_op op;
} tpo_tape_entry;

/* The access-sequence hash: h = TPO_TAPE_HASH_INIT; for each access page address p in trace
 * order, h = tpo_tape_hash_add(h, p). */
#define TPO_TAPE_HASH_INIT 0x3350305441504531ull
static inline uint64_t tpo_tape_hash_add(uint64_t h, uint64_t page)
{
	h = ((h << 23) | (h >> 41)) ^ page;
	return h * 0x9e3779b97f4a7c15ull;
}

/* Writer. Entries are buffered into CRC-protected chunks. The file must be seekable: the
 * header's totals and hash are written at close. */
typedef struct tpo_tape_writer tpo_tape_writer;

/* h->version, flags (other than TPO_TAPE_F_EVICTIONS) and totals are ignored. */
tpo_tape_writer *tpo_tape_writer_open(const char *path, const tpo_tape_header *h, GError **err);
gboolean tpo_tape_writer_add(tpo_tape_writer *w, const tpo_tape_entry *e, GError **err);
/* Finishes the tape (end record, final header with accesses and seq_hash), closes and frees.
 * Returns FALSE (and still frees) on an I/O error. */
gboolean tpo_tape_writer_close(tpo_tape_writer *w, uint64_t accesses, uint64_t seq_hash,
			       GError **err);
/* Closes and frees without finishing: the tape stays marked incomplete. */
void tpo_tape_writer_abandon(tpo_tape_writer *w);

/* Reader. */
typedef struct tpo_tape_reader tpo_tape_reader;

/* Fails on a bad header. An incomplete tape (writer killed) opens; its entries read up to the
 * last complete chunk, then tpo_tape_reader_next reports the truncation. */
tpo_tape_reader *tpo_tape_reader_open(const char *path, GError **err);
const tpo_tape_header *tpo_tape_reader_header(const tpo_tape_reader *r);
/* 1: *e filled; 0: clean end (end record read and totals checked); -1: error, *err says what and
 * at which byte offset (truncation, bad CRC, bad entry). Entries before the error were valid. */
int tpo_tape_reader_next(tpo_tape_reader *r, tpo_tape_entry *e, GError **err);
/* Byte offset in the file of the next unread chunk. */
uint64_t tpo_tape_reader_offset(const tpo_tape_reader *r);
void tpo_tape_reader_close(tpo_tape_reader *r);

/* Frees the strings of a header filled by hand (not one owned by a reader). */
void tpo_tape_header_clear(tpo_tape_header *h);

GQuark tpo_tape_error_quark(void);
#define TPO_TAPE_ERROR tpo_tape_error_quark()
enum {
	TPO_TAPE_ERROR_IO,
	TPO_TAPE_ERROR_FORMAT,
	TPO_TAPE_ERROR_TRUNCATED,
	TPO_TAPE_ERROR_CRC,
	TPO_TAPE_ERROR_MISMATCH, /* the tape was not made from this trace */
};

const char *tpo_tape_policy_name(uint32_t policy); /* "lru", "min" or "?" */
const char *tpo_tape_op_name(tpo_tape_op op);        /* "fetch", "evict" */

/* Checks that the tape was made from the trace at trace_path (same access count and sequence
 * hash, and the same program and start time). */
gboolean tpo_tape_check_trace(const tpo_tape_header *h, const char *trace_path, GError **err);

/* Heat map: a PNG of page accesses over time (x: access number, y: distinct pages sorted by
 * address, so the gaps between regions take no room), darker where more accesses fall, drawn
 * with gnuplot. width/height: image size in pixels (0: 1000x700). */
gboolean tpo_heatmap_png(const char *trace_path, const char *png_path, unsigned width,
			 unsigned height, GError **err);

#endif
