/* lru.c — LRU replacement with demand fetch: the `lru` tape (every miss is a fetch the tape
 * makes ahead of need, with the LRU victim as its eviction) and the `demand` baseline. */
#include "sim_internal.h"
#include "lrulist.h"

#include <tpo/tape.h>

typedef struct lru_sim {
	tpo_sim base;
	tpo_sim_env env;
	int tape;
	tpo_lrulist l;
	uint64_t index, misses, evictions, cold;
	double now, stall;
	tpo_tape_clock clock;
} lru_sim;

static void lru_feed(tpo_sim *base, const uint32_t *ids, const uint64_t *pages, size_t n)
{
	lru_sim *s = (lru_sim *)base;
	tpo_lrulist *l = &s->l;
	const uint64_t cap = s->env.capacity;
	const double c = s->env.model.compute_ns;
	const tpo_farmem_model *m = &s->env.model;
	tpo_sim_emit_fn emit = s->env.emit;
	uint64_t index = s->index;
	double now = s->now;

	for (size_t i = 0; i < n; i++, index++) {
		uint32_t id = ids[i];
		tpo_lru_reserve(l, id);
		if (G_LIKELY(tpo_lru_resident(l, id))) {
			tpo_lru_touch(l, id);
			now += c;
			continue;
		}
		s->misses++;
		if (tpo_lru_never(l, id))
			s->cold++;
		if (l->size >= cap) {
			uint64_t vpage;
			uint32_t victim = tpo_lru_pop(l, &vpage);
			s->evictions++;
			if (emit)
				emit(s->env.emit_ctx, index, TPO_TAPE_EVICT, victim, vpage);
		}
		/* The node keeps the page number, so the eviction needs no lookup. */
		uint64_t page = 0;
		if (emit) {
			page = pages ? pages[i] : tpo_pagemap_page(s->env.map, id);
			emit(s->env.emit_ctx, index, TPO_TAPE_FETCH, id, page);
		}
		tpo_lru_push(l, id, page);
		double arrival = s->tape ? tpo_tape_clock_fetch(&s->clock, m, now)
					 : tpo_link_fetch(&s->clock.link, m, now);
		if (arrival > now) {
			s->stall += arrival - now;
			now = arrival;
		}
		now += c;
	}
	s->index = index;
	s->now = now;
}

static void lru_finish(tpo_sim *base, tpo_sim_stats *o)
{
	lru_sim *s = (lru_sim *)base;
	memset(o, 0, sizeof *o);
	o->capacity = s->env.capacity;
	o->accesses = s->index;
	o->fetches = s->misses;
	o->evictions = s->evictions;
	o->cold = s->cold;
	o->demand_paging_misses = s->misses;
	if (s->tape) {
		/* Every fetch is made ahead of need and used by the access that needed it. */
		o->misses = 0;
		o->prefetches = o->prefetch_used = s->misses;
	} else {
		o->misses = s->misses;
	}
	o->est_ns = s->now;
	o->stall_ns = s->stall;
}

static void lru_destroy(tpo_sim *base)
{
	lru_sim *s = (lru_sim *)base;
	tpo_lru_free(&s->l);
	tpo_tape_clock_free(&s->clock);
	g_free(s);
}

tpo_sim *tpo_lru_sim_new(const tpo_sim_env *env, int tape)
{
	lru_sim *s = g_new0(lru_sim, 1);
	s->base.feed = lru_feed;
	s->base.finish = lru_finish;
	s->base.destroy = lru_destroy;
	s->env = *env;
	if (!s->env.capacity)
		s->env.capacity = 1;
	s->tape = tape;
	if (!tape)
		s->env.emit = NULL;
	tpo_lru_init(&s->l, env->map ? tpo_pagemap_count(env->map) : 0);
	tpo_tape_clock_init(&s->clock, tape ? env->model.lookahead : 0);
	return &s->base;
}
