/* policy_swap.c — the runtime's swap-like policies: demand paging, Linux's swap readahead and
 * Leap, deciding on each fault with the same prefetchers 3po-sim simulates (tape/export/prefetcher.h).
 * Readahead keeps its window and hits per managed region, as Linux does per VMA (and 3po-sim
 * per region of the trace); Leap's history is one for the process, as in Leap. Prefetched pages
 * wait unmapped in the memfd, as Linux's wait in the swap cache: their first touch is a minor
 * fault, which is how a hit is seen. Eviction is FIFO (user space cannot see the accesses to
 * mapped pages that an LRU would need). */
#include "rt.h"

#include "prefetcher.h"

typedef struct swap_policy {
	rt_policy base;
	tpo_prefetcher *pf; /* NULL for demand */
	uint64_t *out;
} swap_policy;

/* Readahead's VMA: the managed region holding page (called with rt->lock held). */
static int region_of(void *ctx, uint64_t page, uint64_t *start, uint64_t *end)
{
	rt_region *g = rt_region_find(ctx, page * RT_PAGE);
	if (!g)
		return 0;
	*start = g->start / RT_PAGE;
	*end = g->end / RT_PAGE;
	return 1;
}

static void sp_after_miss(rt *r, rt_policy *p, rt_region *g, size_t i)
{
	swap_policy *s = (swap_policy *)p;
	if (!s->pf)
		return;
	uint64_t page = (g->start / RT_PAGE) + i;
	size_t n = s->pf->on_miss(s->pf, page, s->out, s->pf->max_window);
	for (size_t k = 0; k < n && !r->failed; k++) {
		uint64_t addr = s->out[k] * RT_PAGE;
		rt_region *h = rt_region_find(r, addr);
		if (!h)
			continue;
		size_t j = rt_idx(h, addr);
		if (h->state[j] != RT_FAR)
			continue;
		if (!rt_make_room(r, false))
			return;
		rt_fetch_start(r, h, j, false, true, 0);
	}
}

static void sp_on_hit(rt *r, rt_policy *p, rt_region *g, size_t i)
{
	(void)r;
	swap_policy *s = (swap_policy *)p;
	if (s->pf)
		s->pf->on_hit(s->pf, g->start / RT_PAGE + i);
}

static void sp_destroy(rt_policy *p)
{
	swap_policy *s = (swap_policy *)p;
	if (s->pf)
		s->pf->destroy(s->pf);
	g_free(s->out);
	g_free(s);
}

rt_policy *rt_policy_swap_new(rt *r, tpo_rt_policy kind)
{
	swap_policy *s = g_new0(swap_policy, 1);
	tpo_sim_env env = {.capacity = r->cap, .page_size = RT_PAGE, .page_cluster = 3, .leap_history = 32,
	                   .region_of = region_of, .region_ctx = r};
	if (kind == TPO_RT_READAHEAD)
		s->pf = tpo_readahead_new(&env);
	else if (kind == TPO_RT_LEAP)
		s->pf = tpo_leap_new(&env);
	s->out = g_new(uint64_t, s->pf ? s->pf->max_window + 1 : 1);
	s->base.after_miss = sp_after_miss;
	s->base.on_hit = sp_on_hit;
	s->base.destroy = sp_destroy;
	return &s->base;
}
