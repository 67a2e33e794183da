/* prefetcher.h — the prefetch decision of a swap-in prefetcher (Linux readahead, Leap), run
 * by prefetch.c on the page faults of an LRU-managed local memory. Pages are page numbers. */
#ifndef TPO_PREFETCHER_H
#define TPO_PREFETCHER_H

#include "sim.h"

typedef struct tpo_prefetcher tpo_prefetcher;
struct tpo_prefetcher {
	/* A fault on a page that a prefetch brought in and nothing used yet. */
	void (*on_hit)(tpo_prefetcher *p, uint64_t page);
	/* A fault on an absent page: writes the pages to read ahead (in issue order, the faulting
	 * page excluded or skipped later) into out, at most max; returns how many. */
	size_t (*on_miss)(tpo_prefetcher *p, uint64_t page, uint64_t *out, size_t max);
	void (*destroy)(tpo_prefetcher *p);
	size_t max_window; /* the most pages on_miss can return */
};

tpo_prefetcher *tpo_readahead_new(const tpo_sim_env *env);
tpo_prefetcher *tpo_leap_new(const tpo_sim_env *env);

/* Linux's __swapin_nr_pages (mm/swap_state.c): the next readahead window from the hits of the
 * last one, the previous fault offset and the previous window. */
unsigned tpo_swapin_nr_pages(uint64_t prev_offset, uint64_t offset, unsigned hits,
			     unsigned max_pages, unsigned prev_win);

#endif
