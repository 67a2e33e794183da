/* tpo_read.h — the public C API of libtpo: read 3PO traces (.3pt, written by 3po-run,
 * 3po-attach and 3po-convert) and tapes (.tape, written by 3po-sim -o). Plain C types only;
 * every handle is opaque. Build against it with `pkg-config --cflags --libs tpo`.
 *
 *   char err[TPO_ERRBUF_SIZE];
 *   tpo_trace_file *t = tpo_trace_file_open("m.3pt", err);
 *   if (!t) { fprintf(stderr, "%s\n", err); return 1; }
 *   tpo_trace_event ev;
 *   int k;
 *   while ((k = tpo_trace_file_next(t, &ev)) > 0)
 *           if (ev.type == TPO_TRACE_EVENT_ACCESS) printf("%#llx\n", (unsigned long long)ev.addr);
 *   if (k < 0) fprintf(stderr, "%s\n", tpo_trace_file_error(t));
 *   tpo_trace_file_close(t);
 *
 * Strings, argv arrays and call chains handed out stay valid until the next call on the same
 * handle that reads (next) or frees (close) it; copy what you keep. A handle is used by one thread
 * at a time; different handles are independent. docs/api.md says more; the byte layouts are in
 * docs/trace-format.md and docs/tape-format.md. */
#ifndef TPO_TPO_READ_H
#define TPO_TPO_READ_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks what the library exports (it is built with -fvisibility=hidden). */
#define TPO_API __attribute__((visibility("default")))

/* The size of the buffer an open function writes its error message into. */
#define TPO_ERRBUF_SIZE 256

/* The library's version, e.g. "0.1.0". */
TPO_API const char *tpo_version(void);

/* ---- Traces ---- */

typedef struct tpo_trace_file tpo_trace_file;

/* The trace's header: the run it records. */
typedef struct tpo_trace_info {
	uint32_t version;       /* format version */
	uint32_t page_size;     /* bytes */
	uint32_t microset_size; /* pages open at once while tracing */
	int attached;           /* 1: tracing began mid-run (3po-attach) */
	int32_t pid;            /* of the traced program */
	uint64_t start_time_ns; /* CLOCK_REALTIME when tracing began */
	const char *program;    /* path of the traced executable (may be "") */
	uint32_t argc;
	const char *const *argv; /* argc strings */
} tpo_trace_info;

/* Event types (tpo_trace_event.type). */
#define TPO_TRACE_EVENT_MAP 1          /* a mapping appeared (or was there when tracing began) */
#define TPO_TRACE_EVENT_UNMAP 2        /* [addr, addr+length) went away */
#define TPO_TRACE_EVENT_ACCESS 3       /* first touch of page addr in this microset */
#define TPO_TRACE_EVENT_MICROSET_END 4 /* the open pages were protected again */
#define TPO_TRACE_EVENT_EXEC 5         /* the process replaced its image (name: the path) */
#define TPO_TRACE_EVENT_THREAD_START 6
#define TPO_TRACE_EVENT_THREAD_EXIT 7

/* Region flags (tpo_trace_event.flags of a MAP event). */
#define TPO_TRACE_REGION_PRIVATE 0x01u
#define TPO_TRACE_REGION_ANON 0x02u
#define TPO_TRACE_REGION_HEAP 0x04u
#define TPO_TRACE_REGION_STACK 0x08u
#define TPO_TRACE_REGION_TRACED 0x10u /* the tracer recorded this region's pages */

/* One event. Fields a type does not use are 0 (NULL for pointers). */
typedef struct tpo_trace_event {
	int type;              /* TPO_TRACE_EVENT_* */
	int32_t tid;           /* thread that caused it (0 if none) */
	uint64_t time_ns;      /* since tracing began */
	uint64_t addr;         /* MAP, UNMAP: start of the range; ACCESS: the page's address */
	uint64_t length;       /* MAP, UNMAP: bytes */
	uint64_t ip;           /* ACCESS: faulting instruction pointer (0 if not recorded) */
	uint32_t depth;        /* ACCESS: call chain length (0 if not recorded) */
	const uint64_t *chain; /* ACCESS: depth return addresses, innermost first */
	uint32_t region;       /* MAP: region id, unique within the trace */
	uint32_t prot;         /* MAP: PROT_* */
	uint32_t flags;        /* MAP: TPO_TRACE_REGION_* */
	uint64_t offset;       /* MAP: file offset (0 for anonymous memory) */
	const char *name;      /* MAP: path, "[heap]", "" ...; EXEC: the new image's path */
	int32_t status;        /* THREAD_EXIT: wait status */
} tpo_trace_event;

/* The footer's totals: how tracing ended and what it recorded. */
typedef struct tpo_trace_totals {
	const char *end;      /* "exited", "killed", "detached", "interrupted", "error" or "unknown" */
	int32_t exit_status;  /* wait status of the main process, when it ended */
	uint64_t accesses, faults, microsets, regions, events;
	uint64_t duration_ns; /* wall time from start to end */
} tpo_trace_totals;

/* Opens a trace and reads its header. NULL on failure, with a one-line message in errbuf
 * (TPO_ERRBUF_SIZE bytes; may be NULL). */
TPO_API tpo_trace_file *tpo_trace_file_open(const char *path, char *errbuf);
TPO_API const tpo_trace_info *tpo_trace_file_info(const tpo_trace_file *t);
/* 1: *ev filled; 0: clean end (footer read); -1: truncated or corrupt (tpo_trace_file_error
 * says what and where; the events before were intact). After 0 or -1 it returns the same. */
TPO_API int tpo_trace_file_next(tpo_trace_file *t, tpo_trace_event *ev);
/* 1 and *out filled once next returned 0; 0 before that or for a trace without footer. */
TPO_API int tpo_trace_file_totals(const tpo_trace_file *t, tpo_trace_totals *out);
/* The message of the error next returned -1 for, else NULL. */
TPO_API const char *tpo_trace_file_error(const tpo_trace_file *t);
TPO_API void tpo_trace_file_close(tpo_trace_file *t);
/* "map", "unmap", "access", "microset_end", "exec", "thread_start", "thread_exit" or
 * "unknown". */
TPO_API const char *tpo_trace_event_name(int type);

/* ---- Tapes ---- */

typedef struct tpo_tape_file tpo_tape_file;

/* The tape's header: how it was made, and from which trace. */
typedef struct tpo_tape_info {
	uint32_t version;      /* format version */
	const char *policy;    /* "lru" or "min": the replacement it was simulated with */
	int has_evictions;     /* 1: evictions as well as fetches */
	int complete;          /* 1: the writer finished it (the totals below are final) */
	uint32_t page_size;
	uint64_t local_pages;  /* local memory the tape was made for, in pages */
	uint64_t lookahead;    /* fetches a runtime should keep ahead (advice) */
	uint64_t accesses;     /* accesses of the trace it follows */
	uint64_t seq_hash;     /* hash of their page sequence (docs/tape-format.md) */
	uint64_t fetches, evictions;
	/* The trace (and so the run) it was made from. */
	uint64_t trace_start_time_ns;
	int32_t trace_pid;
	uint32_t microset;     /* the trace's microset size (0: not recorded) */
	const char *program;
	uint32_t argc;
	const char *const *argv;
} tpo_tape_info;

#define TPO_TAPE_STEP_FETCH 0 /* bring the page in */
#define TPO_TAPE_STEP_EVICT 1 /* send the page out */

/* "Before access number index (0-based, counting the trace's ACCESS events), do op to page."
 * Steps come in index order; at one index, evictions come before the fetch they make room for. */
typedef struct tpo_tape_step {
	uint64_t index;
	uint64_t page;
	int op; /* TPO_TAPE_STEP_* */
} tpo_tape_step;

/* As for traces: open (NULL and errbuf on failure), info, next (1, 0 at the end record, -1 on
 * truncation or corruption), error, close. */
TPO_API tpo_tape_file *tpo_tape_file_open(const char *path, char *errbuf);
TPO_API const tpo_tape_info *tpo_tape_file_info(const tpo_tape_file *t);
TPO_API int tpo_tape_file_next(tpo_tape_file *t, tpo_tape_step *step);
TPO_API const char *tpo_tape_file_error(const tpo_tape_file *t);
TPO_API void tpo_tape_file_close(tpo_tape_file *t);

#ifdef __cplusplus
}
#endif

#endif
