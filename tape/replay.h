/* replay.h — follows a tape along an access sequence as a runtime would (at access i, apply
 * the entries for i, then touch the page) and counts what went wrong: accesses that found their
 * page absent (demand misses), more pages resident than the tape's local memory, evictions of
 * absent pages, fetches of present ones. */
#ifndef TPO_REPLAY_H
#define TPO_REPLAY_H

#include <glib.h>
#include <stdint.h>
#include <tpo/tape.h>

#include "pagemap.h"

typedef struct tpo_replay_stats {
	uint64_t accesses;
	uint64_t misses;          /* accesses to a page the tape had not brought in */
	uint64_t fetches, evictions;
	uint64_t max_resident;
	uint64_t over_capacity;   /* accesses at which more than local_pages were resident */
	uint64_t bad_evictions;   /* evictions of pages not resident */
	uint64_t bad_fetches;     /* fetches of pages already resident */
	uint64_t entries_after_end; /* entries for accesses past the end of the sequence */
} tpo_replay_stats;

typedef struct tpo_replay tpo_replay;

/* Reads entries from r (not owned); pages are named by map (ids added for unknown pages). */
tpo_replay *tpo_replay_new(tpo_tape_reader *r, tpo_pagemap *map, unsigned page_shift,
			   uint64_t capacity);
/* A tpo_batch_fn: the next ids of the sequence. */
void tpo_replay_feed(void *rp, const uint32_t *ids, const uint64_t *pages, size_t n);
/* Reads the rest of the tape; FALSE with *err on a tape read error. Frees rp. */
gboolean tpo_replay_finish(tpo_replay *rp, tpo_replay_stats *out, GError **err);

#endif
