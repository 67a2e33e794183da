/* trace.h — the .3pt trace file: the events the tracer records and the one reader/writer
 * library every tool uses. The byte layout is documented in docs/trace-format.md. */
#ifndef TPO_TRACE_H
#define TPO_TRACE_H

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

#define TPO_TRACE_VERSION 1u

/* Header flags. */
#define TPO_TRACE_F_ATTACHED 0x1u /* trace began mid-run (3po-attach) */

/* Region flags (tpo_event.map.flags). */
#define TPO_REGION_PRIVATE 0x01u
#define TPO_REGION_ANON 0x02u
#define TPO_REGION_HEAP 0x04u
#define TPO_REGION_STACK 0x08u
#define TPO_REGION_TRACED 0x10u /* the tracer protects and records this region's pages */

typedef struct tpo_trace_header {
	uint32_t version;
	uint32_t page_size;
	uint32_t microset_size;
	uint32_t flags;            /* TPO_TRACE_F_* */
	int32_t pid;
	uint64_t start_time_ns;    /* CLOCK_REALTIME when tracing began */
	char *program;             /* path of the traced executable (may be "") */
	uint32_t argc;
	char **argv;               /* argc strings */
} tpo_trace_header;

typedef enum tpo_event_type {
	TPO_EV_REGION_MAP = 1,  /* a mapping appeared (or was found at start) */
	TPO_EV_REGION_UNMAP = 2,/* [start, start+length) went away */
	TPO_EV_ACCESS = 3,      /* first touch of a page in this microset */
	TPO_EV_MICROSET_END = 4,/* the microset was flushed (its pages re-protected) */
	TPO_EV_EXEC = 5,        /* the process replaced its image: all regions are gone */
	TPO_EV_THREAD_START = 6,
	TPO_EV_THREAD_EXIT = 7,
} tpo_event_type;

typedef struct tpo_event {
	tpo_event_type type;
	uint64_t time_ns;   /* since tracing began (monotonic) */
	int32_t tid;        /* thread that caused it (0 if none) */
	union {
		struct {
			uint32_t id;       /* region id, unique within the trace */
			uint64_t start;    /* page aligned */
			uint64_t length;   /* bytes, page multiple */
			uint32_t prot;     /* PROT_* */
			uint32_t flags;    /* TPO_REGION_* */
			uint64_t offset;   /* file offset, 0 for anonymous */
			const char *name;  /* path, "[heap]", "" ... (owned by the reader/caller) */
		} map;
		struct {
			uint64_t start;
			uint64_t length;
		} unmap;
		struct {
			uint64_t page;     /* page-aligned address */
			uint64_t ip;       /* faulting instruction pointer, 0 if not recorded */
			uint32_t depth;    /* call chain length, 0 if not recorded */
			const uint64_t *chain; /* depth return addresses, innermost first */
		} access;
		struct {
			const char *path;
		} exec;
		struct {
			int32_t status;    /* wait status */
		} thread_exit;
	};
} tpo_event;

/* How tracing ended, in the footer. */
typedef enum tpo_trace_end {
	TPO_END_EXITED = 1,      /* the program exited; exit_status is its wait status */
	TPO_END_KILLED = 2,      /* the program was killed by a signal; exit_status is its wait status */
	TPO_END_DETACHED = 3,    /* the tracer detached (attach mode) */
	TPO_END_INTERRUPTED = 4, /* the tracer was interrupted */
	TPO_END_ERROR = 5,       /* the tracer hit an error and stopped */
} tpo_trace_end;

typedef struct tpo_trace_footer {
	uint32_t end_reason;     /* tpo_trace_end */
	int32_t exit_status;     /* wait status of the main process, when it ended */
	uint64_t accesses;       /* TPO_EV_ACCESS events */
	uint64_t faults;         /* SIGSEGV stops handled by the tracer */
	uint64_t microsets;      /* TPO_EV_MICROSET_END events */
	uint64_t regions;        /* TPO_EV_REGION_MAP events */
	uint64_t events;         /* all events */
	uint64_t duration_ns;    /* wall time from start to end */
} tpo_trace_footer;

/* Writer. Events are buffered into chunks; a chunk is written (with its length and CRC) when it
 * is full, on tpo_trace_writer_flush, or once old (tpo_trace_writer_set_max_age), so a killed
 * writer leaves every complete chunk readable. A failed write cuts the file back to its last
 * complete chunk. Not thread-safe: a caller that flushes from another thread locks around it. */
typedef struct tpo_trace_writer tpo_trace_writer;

tpo_trace_writer *tpo_trace_writer_open(const char *path, const tpo_trace_header *h, GError **err);
gboolean tpo_trace_writer_add(tpo_trace_writer *w, const tpo_event *ev, GError **err);
gboolean tpo_trace_writer_flush(tpo_trace_writer *w, GError **err);
/* Writes the footer, closes and frees. Returns FALSE (and still frees) on an I/O error. */
gboolean tpo_trace_writer_close(tpo_trace_writer *w, const tpo_trace_footer *f, GError **err);
/* Frees without a footer (the file stays readable up to its last complete chunk). */
void tpo_trace_writer_abandon(tpo_trace_writer *w);

/* Reader. Streams events; strings and chains in an event stay valid until the next call. */
typedef struct tpo_trace_reader tpo_trace_reader;

tpo_trace_reader *tpo_trace_reader_open(const char *path, GError **err);
const tpo_trace_header *tpo_trace_reader_header(const tpo_trace_reader *r);
/* 1: *ev filled; 0: clean end of trace (footer read); -1: error, *err says what and at which
 * byte offset (truncation, bad CRC, bad event). Events before the error were valid. */
int tpo_trace_reader_next(tpo_trace_reader *r, tpo_event *ev, GError **err);
/* The footer once tpo_trace_reader_next returned 0, else NULL (trace truncated). */
const tpo_trace_footer *tpo_trace_reader_footer(const tpo_trace_reader *r);
/* Byte offset in the file of the next unread chunk. */
uint64_t tpo_trace_reader_offset(const tpo_trace_reader *r);
void tpo_trace_reader_close(tpo_trace_reader *r);

GQuark tpo_trace_error_quark(void);
#define TPO_TRACE_ERROR tpo_trace_error_quark()
enum { TPO_TRACE_ERROR_IO, TPO_TRACE_ERROR_FORMAT, TPO_TRACE_ERROR_TRUNCATED, TPO_TRACE_ERROR_CRC };

const char *tpo_event_type_name(tpo_event_type t);

/* --- Additions (trace library) --- */

/* Fills f->accesses, f->microsets, f->regions and f->events with the counts of the events added
 * so far (leaves the other fields alone), so a caller need not count them itself. */
void tpo_trace_writer_counts(const tpo_trace_writer *w, tpo_trace_footer *f);
/* A chunk is written once its first event is ns old (checked as events are added), not only when
 * full, so a killed writer loses at most about that much; 0 (the default) turns this off. */
void tpo_trace_writer_set_max_age(tpo_trace_writer *w, uint64_t ns);
/* When (CLOCK_MONOTONIC ns) the events waiting in the current chunk are due: a caller that may go
 * idle past it calls tpo_trace_writer_flush then. 0 if none wait or no maximum age is set. */
uint64_t tpo_trace_writer_due_ns(const tpo_trace_writer *w);
/* "exited", "killed", "detached", "interrupted", "error", or "unknown". */
const char *tpo_trace_end_name(uint32_t reason);

#endif
