/* tpo/runtime.h — the 3PO runtime: run an unmodified program with a bounded local memory and
 * far memory behind it (userfaultfd), prefetching by its tape or by a swap-like policy. */
#ifndef TPO_RUNTIME_PUBLIC_H
#define TPO_RUNTIME_PUBLIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

#define TPO_RT_ERROR (tpo_rt_error_quark())
GQuark tpo_rt_error_quark(void);
/* TPO_RT_ERROR codes: the run failed, or the request itself cannot be met (a command-line error). */
enum { TPO_RT_ERROR_FAILED = 0, TPO_RT_ERROR_REQUEST = 1 };

typedef enum tpo_rt_policy {
	TPO_RT_DEMAND,    /* fetch the faulting page only */
	TPO_RT_READAHEAD, /* Linux's VMA swap readahead on each fault */
	TPO_RT_LEAP,      /* Leap's majority-trend prefetcher on each fault */
	TPO_RT_TAPE,      /* follow the tape */
} tpo_rt_policy;

typedef struct tpo_rt_options {
	tpo_rt_policy policy;
	const char *tape;          /* tape file (required for TPO_RT_TAPE) */
	uint64_t local_pages;      /* most managed pages resident at once */
	uint64_t lookahead;        /* tape: fetches kept ahead of the program (0: the tape's advice) */
	uint64_t settle;           /* tape: accesses an eviction waits past its place (>= the trace's microset) */
	uint64_t key_every;        /* tape: one key page (left unmapped, reports progress) per this many fetches (0: lookahead/4) */
	const char *far;           /* far-memory URI: "local" or "tcp://HOST:PORT" */
	double latency_s, bandwidth_bps; /* the local store's emulated link (0: defaults) */
	uint64_t min_region;       /* anonymous mappings at least this large are managed (bytes) */
	bool aslr;                 /* keep address-space randomisation (tapes then rarely match) */
	bool check_identity;       /* refuse a tape made from another program or arguments */
	int verbose;               /* 0 quiet, 1 summary, 2 detail */
	char *const *argv;         /* program and arguments */
} tpo_rt_options;

typedef struct tpo_rt_stats {
	uint64_t local_pages, lookahead;
	uint64_t regions, managed_pages;     /* regions managed, their pages (most at once) */
	uint64_t fetches;                    /* pages brought from far memory (or zero-filled) */
	uint64_t zero_fills;                 /* of which never stored far: no data moved */
	uint64_t prefetches, prefetch_used, prefetch_wasted;
	uint64_t demand_faults;              /* faults that waited for far memory nothing had asked for */
	uint64_t first_touches;              /* faults on pages never stored far: zero-filled, no wait */
	uint64_t late_fetches;               /* faults that waited for a fetch already on its way */
	uint64_t minor_faults;               /* faults on pages already local (key pages, readahead hits) */
	uint64_t first_writes;               /* write-protect faults: first writes to pages mapped clean */
	uint64_t key_faults;                 /* tape: progress reports */
	uint64_t resyncs, strays;            /* tape: places found again; faults on pages not on the tape */
	uint64_t evictions, writebacks;
	uint64_t tape_evictions;             /* evictions the tape chose */
	uint64_t bytes_in, bytes_out;
	uint64_t resident_max;
	uint64_t tape_fetches_total, tape_position;
	double stall_s;                      /* the program's threads waiting on faults */
	double wall_s;
} tpo_rt_stats;

typedef struct tpo_rt_result {
	int status;         /* wait status of the program */
	bool launched;
	int exec_errno;
	tpo_rt_stats stats;
} tpo_rt_result;

/* Runs argv under the runtime until it exits. FALSE with err if the run could not start or the far
 * store failed (the program is then killed: its pages cannot be trusted). */
gboolean tpo_runtime_run(const tpo_rt_options *opt, tpo_rt_result *res, GError **err);

/* "demand", "readahead", "leap", "tape". */
gboolean tpo_rt_parse_policy(const char *s, tpo_rt_policy *out);
const char *tpo_rt_policy_name(tpo_rt_policy p);
/* The statistics as text (several lines) or one JSON object, to f. */
void tpo_rt_stats_print(FILE *f, const tpo_rt_options *opt, const tpo_rt_result *res, bool json);

#endif
