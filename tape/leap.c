/* leap.c — Leap's majority-trend prefetcher (Al Maruf & Chowdhury, ATC'20; the authors'
 * mm/swap_state.c), on virtual page numbers. Every fault (on an absent page, or on a prefetched
 * page not yet used) logs its delta from the previous fault in a ring of 32. On a fault on an
 * absent page: the window is hits + 2 rounded up to a power of two, at least 4, at most
 * 2^page-cluster, and not below half the last window (hits: prefetched pages used since the
 * last window, initially 4); the trend is the Boyer-Moore majority delta of the last 8 faults,
 * else of the last 16, else 32 (a majority: more than half). With a trend the window's pages
 * are page + k * delta (k = 1 .. window - 1); without one, the aligned block of window pages
 * around the page, as Linux's cluster readahead does. */
#include "prefetcher.h"

#include <glib.h>

typedef struct leap_entry {
	int64_t delta;
	uint64_t page;
} leap_entry;

typedef struct leap {
	tpo_prefetcher base;
	leap_entry *hist; /* ring, zero-initialised like the kernel's kzalloc'd history */
	unsigned hsize, head, size;
	unsigned hits, last_win, max_pages;
} leap;

static void log_fault(leap *l, uint64_t page)
{
	leap_entry e = {0, page};
	if (l->size) {
		unsigned prev = l->head ? l->head - 1 : l->hsize - 1;
		e.delta = (int64_t)(page - l->hist[prev].page);
	}
	l->hist[l->head] = e;
	l->head = (l->head + 1) % l->hsize;
	if (l->size < l->hsize)
		l->size++;
}

static unsigned prev_index(const leap *l, unsigned i) { return i ? i - 1 : l->hsize - 1; }

/* Boyer-Moore majority over the `size` most recent deltas. */
static int trend_in(const leap *l, unsigned size, int64_t *delta)
{
	unsigned maj = prev_index(l, l->head), i = prev_index(l, maj);
	int count = 1;
	for (unsigned j = 1; j < size; j++, i = prev_index(l, i)) {
		if (l->hist[maj].delta == l->hist[i].delta)
			count++;
		else
			count--;
		if (count == 0) {
			maj = i;
			count = 1;
		}
	}
	int64_t cand = l->hist[maj].delta;
	unsigned votes = 0;
	i = prev_index(l, l->head);
	for (unsigned j = 0; j < size; j++, i = prev_index(l, i))
		votes += l->hist[i].delta == cand;
	*delta = cand;
	return votes > size / 2;
}

static int find_trend(const leap *l, int64_t *delta)
{
	for (unsigned size = l->hsize / 4 ? l->hsize / 4 : 1; size <= l->hsize; size *= 2)
		if (trend_in(l, size, delta))
			return 1;
	return 0;
}

static void leap_hit(tpo_prefetcher *p, uint64_t page)
{
	leap *l = (leap *)p;
	log_fault(l, page);
	l->hits++;
}

static size_t leap_miss(tpo_prefetcher *p, uint64_t page, uint64_t *out, size_t max)
{
	leap *l = (leap *)p;
	log_fault(l, page);
	unsigned pages = 1;
	if (l->max_pages > 1) {
		pages = l->hits + 2;
		unsigned roundup = 4;
		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
		if (pages > l->max_pages)
			pages = l->max_pages;
		if (pages < l->last_win / 2)
			pages = l->last_win / 2;
		l->last_win = pages;
	}
	l->hits = 0;
	uint64_t mask = pages - 1;
	int64_t delta;
	size_t n = 0;
	if (find_trend(l, &delta)) {
		if (!delta)
			return 0;
		for (uint64_t k = 1; k <= mask && n < max; k++)
			out[n++] = page + (uint64_t)((int64_t)k * delta);
		return n;
	}
	if (!mask)
		return 0;
	for (uint64_t q = page & ~mask; q <= (page | mask) && n < max; q++)
		if (q != page)
			out[n++] = q;
	return n;
}

static void leap_destroy(tpo_prefetcher *p)
{
	leap *l = (leap *)p;
	g_free(l->hist);
	g_free(l);
}

tpo_prefetcher *tpo_leap_new(const tpo_sim_env *env)
{
	leap *l = g_new0(leap, 1);
	l->base.on_hit = leap_hit;
	l->base.on_miss = leap_miss;
	l->base.destroy = leap_destroy;
	l->hsize = env->leap_history ? env->leap_history : 32;
	l->hist = g_new0(leap_entry, l->hsize);
	l->hits = 4; /* swapin_readahead_hits starts at 4 */
	l->max_pages = 1u << MIN(env->page_cluster, 16u);
	l->base.max_window = l->max_pages;
	return &l->base;
}
