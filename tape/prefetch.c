/* prefetch.c — an LRU local memory whose page faults run a prefetcher (readahead, leap):
 * counts misses, prefetches issued/used/wasted, and times fetches on the far-memory link. */
#include "sim_internal.h"
#include "lrulist.h"
#include "prefetcher.h"

enum { PF_UNUSED = 1 }; /* prefetched, not yet accessed */

typedef struct pf_sim {
	tpo_sim base;
	tpo_sim_env env;
	tpo_prefetcher *pf;
	tpo_lrulist l;
	uint8_t *flags;
	double *arrival;
	size_t fcap;
	uint64_t *cand;
	uint64_t index, misses, fetches, prefetches, used, wasted, evictions, cold;
	double now, stall;
	tpo_link link;
} pf_sim;

static void reserve(pf_sim *s, uint32_t id)
{
	tpo_lru_reserve(&s->l, id);
	if (G_LIKELY(id < s->fcap))
		return;
	size_t ncap = s->fcap ? s->fcap : 1024;
	while (ncap <= id)
		ncap *= 2;
	s->flags = g_renew(uint8_t, s->flags, ncap);
	memset(s->flags + s->fcap, 0, ncap - s->fcap);
	s->arrival = g_renew(double, s->arrival, ncap);
	s->fcap = ncap;
}

static void make_room(pf_sim *s)
{
	if (s->l.size < s->env.capacity)
		return;
	uint64_t vpage;
	uint32_t victim = tpo_lru_pop(&s->l, &vpage);
	s->evictions++;
	if (s->flags[victim] & PF_UNUSED) {
		s->flags[victim] &= ~PF_UNUSED;
		s->wasted++;
	}
}

static void fault(pf_sim *s, uint32_t id, uint64_t page)
{
	const tpo_farmem_model *m = &s->env.model;
	s->misses++;
	s->fetches++;
	if (tpo_lru_never(&s->l, id))
		s->cold++;
	/* The demand read goes first on the link, then the readahead. */
	double arrival = tpo_link_fetch(&s->link, m, s->now);
	size_t n = s->pf->on_miss(s->pf, page, s->cand, s->pf->max_window);
	uint64_t issued = 0;
	for (size_t k = 0; k < n && issued + 1 < s->env.capacity; k++) {
		if (s->cand[k] == page)
			continue;
		uint32_t q = tpo_pagemap_find(s->env.map, s->cand[k]);
		if (q == TPO_NO_ID)
			continue; /* never used by the program: nothing in far memory to read */
		reserve(s, q);
		if (tpo_lru_resident(&s->l, q))
			continue;
		make_room(s);
		tpo_lru_push(&s->l, q, s->cand[k]);
		s->flags[q] |= PF_UNUSED;
		s->arrival[q] = tpo_link_fetch(&s->link, m, s->now);
		s->prefetches++;
		s->fetches++;
		issued++;
	}
	make_room(s);
	tpo_lru_push(&s->l, id, page);
	if (arrival > s->now) {
		s->stall += arrival - s->now;
		s->now = arrival;
	}
}

static void pf_feed(tpo_sim *base, const uint32_t *ids, const uint64_t *pages, size_t n)
{
	pf_sim *s = (pf_sim *)base;
	const double c = s->env.model.compute_ns;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		reserve(s, id);
		if (tpo_lru_resident(&s->l, id)) {
			if (s->flags[id] & PF_UNUSED) {
				/* A minor fault on a page the readahead brought: a prefetch hit. */
				s->flags[id] &= ~PF_UNUSED;
				s->used++;
				s->pf->on_hit(s->pf, s->l.node[id + 1].page);
				if (s->arrival[id] > s->now) {
					s->stall += s->arrival[id] - s->now;
					s->now = s->arrival[id];
				}
			}
			tpo_lru_touch(&s->l, id);
		} else {
			fault(s, id, pages ? pages[i] : tpo_pagemap_page(s->env.map, id));
		}
		s->now += c;
	}
	s->index += n;
}

static void pf_finish(tpo_sim *base, tpo_sim_stats *o)
{
	pf_sim *s = (pf_sim *)base;
	memset(o, 0, sizeof *o);
	o->capacity = s->env.capacity;
	o->accesses = s->index;
	o->misses = s->misses;
	o->fetches = s->fetches;
	o->prefetches = s->prefetches;
	o->prefetch_used = s->used;
	o->prefetch_wasted = s->prefetches - s->used; /* evicted unused, or still unused */
	o->evictions = s->evictions;
	o->cold = s->cold;
	o->est_ns = s->now;
	o->stall_ns = s->stall;
}

static void pf_destroy(tpo_sim *base)
{
	pf_sim *s = (pf_sim *)base;
	s->pf->destroy(s->pf);
	tpo_lru_free(&s->l);
	g_free(s->flags);
	g_free(s->arrival);
	g_free(s->cand);
	g_free(s);
}

tpo_sim *tpo_prefetch_sim_new(const tpo_sim_env *env, tpo_policy p)
{
	pf_sim *s = g_new0(pf_sim, 1);
	s->base.feed = pf_feed;
	s->base.finish = pf_finish;
	s->base.destroy = pf_destroy;
	s->env = *env;
	s->env.emit = NULL;
	if (!s->env.capacity)
		s->env.capacity = 1;
	s->pf = p == TPO_POLICY_LEAP ? tpo_leap_new(&s->env) : tpo_readahead_new(&s->env);
	s->cand = g_new(uint64_t, s->pf->max_window + 1);
	tpo_lru_init(&s->l, tpo_pagemap_count(env->map));
	reserve(s, (uint32_t)(tpo_pagemap_count(env->map) ? tpo_pagemap_count(env->map) - 1 : 0));
	return &s->base;
}
