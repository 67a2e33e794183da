/* readahead.c — Linux's VMA-based swap readahead (mm/swap_state.c: swap_vma_ra_win,
 * swap_vma_readahead, swap_update_readahead, __swapin_nr_pages), on virtual page numbers. Each
 * region (VMA) keeps its own (previous fault page, window, hits), initially (0, 0, 0) as a new
 * VMA's swap_readahead_info is (the global hits counter that starts at 4 belongs to the
 * non-VMA cluster readahead). A fault on a page that readahead brought in and nothing used yet
 * counts a hit and records the page. A fault on an absent page sizes the window from the hits
 * (then zeroed), places it after the page for a forward stream, before it for a backward one,
 * else around it, and clips it to the VMA and to the 2 MiB PMD of the page. Regions come from
 * the trace (env->regions) or, in the runtime, from its managed regions (env->region_of); a
 * region's state is found by its first page, so one mapped again at the same place goes on
 * with the state of the one before. */
#include "prefetcher.h"

#include <glib.h>

#define SWAP_RA_ORDER_CEILING 5
#define SWAP_RA_HITS_MAX 63 /* SWAP_RA_HITS_MASK with PAGE_SHIFT 12 */

typedef struct ra_state {
	uint64_t prev; /* page of the last fault in this VMA */
	unsigned win, hits;
} ra_state;

typedef struct readahead {
	tpo_prefetcher base;
	const tpo_region_list *regions;
	int (*region_of)(void *ctx, uint64_t page, uint64_t *start, uint64_t *end);
	void *region_ctx;
	GHashTable *st; /* region's first page -> ra_state (UINT64_MAX: pages outside every region) */
	unsigned max_win;
	uint64_t pmd_pages;
} readahead;

unsigned tpo_swapin_nr_pages(uint64_t prev_offset, uint64_t offset, unsigned hits,
			     unsigned max_pages, unsigned prev_win)
{
	unsigned pages = hits + 2;
	if (pages == 2) {
		/* No hits to judge by: an adjacent offset still counts as a stream. */
		if (offset != prev_offset + 1 && offset != prev_offset - 1)
			pages = 1;
	} else {
		unsigned roundup = 4;
		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	unsigned last_ra = prev_win / 2; /* don't shrink too fast */
	if (pages < last_ra)
		pages = last_ra;
	return pages;
}

static ra_state *state_of(readahead *r, uint64_t page, uint64_t *vstart, uint64_t *vend)
{
	*vstart = 0;
	*vend = UINT64_MAX;
	if (r->region_of) {
		if (!r->region_of(r->region_ctx, page, vstart, vend)) {
			*vstart = 0;
			*vend = UINT64_MAX;
		}
	} else if (r->regions) {
		long i = tpo_region_list_find(r->regions, page);
		if (i >= 0) {
			*vstart = r->regions->v[i].start;
			*vend = r->regions->v[i].end;
		}
	}
	uint64_t key = *vend == UINT64_MAX && *vstart == 0 ? UINT64_MAX : *vstart;
	ra_state *st = g_hash_table_lookup(r->st, (gconstpointer)(uintptr_t)key);
	if (!st) {
		st = g_new0(ra_state, 1);
		g_hash_table_insert(r->st, (gpointer)(uintptr_t)key, st);
	}
	return st;
}

static void ra_hit(tpo_prefetcher *p, uint64_t page)
{
	readahead *r = (readahead *)p;
	uint64_t vs, ve;
	ra_state *st = state_of(r, page, &vs, &ve);
	if (st->hits < SWAP_RA_HITS_MAX)
		st->hits++;
	st->prev = page;
}

static size_t ra_miss(tpo_prefetcher *p, uint64_t page, uint64_t *out, size_t max)
{
	readahead *r = (readahead *)p;
	if (r->max_win == 1)
		return 0;
	uint64_t vs, ve;
	ra_state *st = state_of(r, page, &vs, &ve);
	unsigned win = tpo_swapin_nr_pages(st->prev, page, st->hits, r->max_win, st->win);
	uint64_t prev = st->prev;
	st->prev = page;
	st->win = win;
	st->hits = 0;
	if (win == 1)
		return 0;
	int64_t left;
	if (page == prev + 1)
		left = (int64_t)page;
	else if (prev == page + 1)
		left = (int64_t)page - win + 1;
	else
		left = (int64_t)page - (win - 1) / 2;
	int64_t right = left + win;
	if (left < 0)
		left = 0;
	uint64_t pmd = page / r->pmd_pages * r->pmd_pages;
	uint64_t start = MAX(MAX((uint64_t)left, vs), pmd);
	uint64_t end = MIN(MIN((uint64_t)right, ve), pmd + r->pmd_pages);
	size_t n = 0;
	for (uint64_t q = start; q < end && n < max; q++)
		if (q != page)
			out[n++] = q;
	return n;
}

static void ra_destroy(tpo_prefetcher *p)
{
	readahead *r = (readahead *)p;
	g_hash_table_destroy(r->st);
	g_free(r);
}

tpo_prefetcher *tpo_readahead_new(const tpo_sim_env *env)
{
	readahead *r = g_new0(readahead, 1);
	r->base.on_hit = ra_hit;
	r->base.on_miss = ra_miss;
	r->base.destroy = ra_destroy;
	r->regions = env->regions && env->regions->n ? env->regions : NULL;
	r->region_of = env->region_of;
	r->region_ctx = env->region_ctx;
	r->st = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	unsigned order = MIN(env->page_cluster, SWAP_RA_ORDER_CEILING);
	r->max_win = 1u << order;
	r->base.max_window = r->max_win;
	unsigned ps = env->page_size ? env->page_size : 4096;
	r->pmd_pages = ps >= (2u << 20) ? 1 : (2u << 20) / ps;
	return &r->base;
}
