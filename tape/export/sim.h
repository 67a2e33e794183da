/* sim.h — the replacement/prefetch simulators 3po-sim runs on a sequence of dense page ids:
 * their shared settings (local memory, far-memory timing model, tape output) and results. */
#ifndef TPO_SIM_H
#define TPO_SIM_H

#include <glib.h>
#include <stdint.h>
#include <stddef.h>

#include "pagemap.h"
#include "region_list.h"

typedef enum tpo_policy {
	TPO_POLICY_LRU,       /* the paper's tape: LRU, every miss fetched ahead of need */
	TPO_POLICY_MIN,       /* tape built with Belady's MIN (fetches and evictions) */
	TPO_POLICY_DEMAND,    /* LRU with demand fetch only: the no-prefetch baseline */
	TPO_POLICY_READAHEAD, /* LRU + Linux VMA swap readahead */
	TPO_POLICY_LEAP,      /* LRU + Leap's majority-trend prefetcher */
	TPO_POLICY_COUNT,
} tpo_policy;

const char *tpo_policy_name(tpo_policy p);
/* -1 if unknown. */
int tpo_policy_parse(const char *name);
/* "lru,min,demand" (duplicates dropped) or "all". */
gboolean tpo_parse_policies(const char *s, int *list, int *n, GError **err);
static inline int tpo_policy_is_tape(tpo_policy p) { return p == TPO_POLICY_LRU || p == TPO_POLICY_MIN; }

/* Far-memory timing model (docs/sim.md). Times in ns. */
typedef struct tpo_farmem_model {
	double compute_ns; /* program time per access, all memory local */
	double latency_ns; /* request -> first byte, per fetch; fetches overlap */
	double xfer_ns;    /* one page over the link; transfers serialise */
	uint64_t lookahead;/* tape fetches issued ahead of the program */
} tpo_farmem_model;

/* Tape output of the lru/min simulators: op is TPO_TAPE_FETCH or TPO_TAPE_EVICT; page is the
 * page number of id. */
typedef void (*tpo_sim_emit_fn)(void *ctx, uint64_t index, int op, uint32_t id, uint64_t page);

typedef struct tpo_sim_env {
	uint64_t capacity;        /* local memory in pages (>= 1) */
	tpo_farmem_model model;
	tpo_pagemap *map;         /* id <-> page number; readahead/leap look up neighbours */
	const tpo_region_list *regions; /* readahead's VMA bounds (NULL: one region) */
	/* Instead of regions, for regions that change while the program runs (the runtime's): the
	 * bounds [start, end) in page numbers of the region holding page; 0 if none holds it. */
	int (*region_of)(void *ctx, uint64_t page, uint64_t *start, uint64_t *end);
	void *region_ctx;
	unsigned page_size;       /* bytes (readahead keeps inside a 2 MiB PMD); 0: 4096 */
	unsigned page_cluster;    /* readahead/leap: window of at most 2^page_cluster pages */
	unsigned leap_history;    /* leap: fault deltas kept (32) */
	tpo_sim_emit_fn emit;     /* lru/min: tape entries (NULL: none) */
	void *emit_ctx;
} tpo_sim_env;

typedef struct tpo_sim_stats {
	uint64_t capacity;
	uint64_t accesses;
	uint64_t misses;          /* accesses that found their page absent (waited for a fetch) */
	uint64_t fetches;         /* pages brought in, demand + prefetch (tapes: all prefetch) */
	uint64_t prefetches;      /* fetches issued ahead of need */
	uint64_t prefetch_used;   /* prefetched pages accessed before eviction */
	uint64_t prefetch_wasted; /* prefetched pages evicted (or left at the end) unused */
	uint64_t evictions;
	uint64_t cold;            /* misses on pages never resident before (compulsory) */
	uint64_t demand_paging_misses; /* misses of the same eviction without any prefetching */
	double est_ns;            /* estimated run time under the model */
	double stall_ns;          /* of which waiting for far memory */
	double sim_seconds;       /* CPU time the simulation took */
} tpo_sim_stats;

/* An online simulator fed batches of ids (lru, demand, readahead, leap). */
typedef struct tpo_sim tpo_sim;
tpo_sim *tpo_sim_new(tpo_policy p, const tpo_sim_env *env);
/* pages: the page numbers of ids, or NULL (then looked up in env->map when needed). */
void tpo_sim_feed(tpo_sim *s, const uint32_t *ids, const uint64_t *pages, size_t n);
/* Ends the run and fills *out (prefetched pages still unused count as wasted). */
void tpo_sim_finish(tpo_sim *s, tpo_sim_stats *out);
void tpo_sim_free(tpo_sim *s);

/* Belady's MIN over a whole sequence (needs the future). Returns FALSE if n >= 2^32 - 1. */
int tpo_min_run(const tpo_sim_env *env, const uint32_t *ids, size_t n, size_t nids,
		tpo_sim_stats *out);

/* Convenience: run policy p over ids (any policy). */
int tpo_sim_run(tpo_policy p, const tpo_sim_env *env, const uint32_t *ids, size_t n, size_t nids,
		tpo_sim_stats *out);

/* CPU time of this process, in seconds. */
double tpo_cpu_seconds(void);

/* Shared by the simulators: the timing of one fetch on the link (see docs/sim.md). */
typedef struct tpo_link {
	double last_arrival; /* when the last queued transfer completes */
} tpo_link;
static inline double tpo_link_fetch(tpo_link *l, const tpo_farmem_model *m, double issue)
{
	double start = issue + m->latency_ns;
	if (start < l->last_arrival)
		start = l->last_arrival;
	return l->last_arrival = start + m->xfer_ns;
}

#endif
