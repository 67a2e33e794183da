/* min.c — Belady's MIN: on a miss with memory full, evict the resident page whose next use is
 * farthest in the future (never used again counts as infinitely far). The next uses come from
 * one backward pass; the resident set is a max-heap on next use, indexed by id. Emits the
 * tape's fetches and evictions; timing as for the lru tape. */
#include "sim_internal.h"

#include <glib.h>
#include <string.h>
#include <tpo/tape.h>

#define NONE UINT32_MAX

typedef struct hent {
	uint32_t key, id;
} hent;

typedef struct heap {
	hent *h;
	uint32_t *pos; /* id -> heap slot, NONE if not resident */
	size_t n;
} heap;

static inline void place(heap *hp, size_t i, hent e)
{
	hp->h[i] = e;
	hp->pos[e.id] = (uint32_t)i;
}

static void sift_up(heap *hp, size_t i)
{
	hent e = hp->h[i];
	while (i) {
		size_t p = (i - 1) / 2;
		if (hp->h[p].key >= e.key)
			break;
		place(hp, i, hp->h[p]);
		i = p;
	}
	place(hp, i, e);
}

static void sift_down(heap *hp, size_t i)
{
	hent e = hp->h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && hp->h[c + 1].key > hp->h[c].key)
			c++;
		if (hp->h[c].key <= e.key)
			break;
		place(hp, i, hp->h[c]);
		i = c;
	}
	place(hp, i, e);
}

int tpo_min_run(const tpo_sim_env *env, const uint32_t *ids, size_t n, size_t nids,
		tpo_sim_stats *o)
{
	if (n >= UINT32_MAX)
		return 0;
	double t0 = tpo_cpu_seconds();
	for (size_t i = 0; i < n; i++)
		if (ids[i] >= nids)
			nids = ids[i] + 1;
	/* Next use of each position. */
	uint32_t *nu = g_new(uint32_t, n ? n : 1);
	uint32_t *last = g_new(uint32_t, nids ? nids : 1);
	memset(last, 0xff, nids * sizeof *last);
	for (size_t i = n; i-- > 0;) {
		nu[i] = last[ids[i]];
		last[ids[i]] = (uint32_t)i;
	}
	/* last[] becomes "seen" (0: never accessed yet). */
	memset(last, 0, nids * sizeof *last);

	uint64_t cap = env->capacity ? env->capacity : 1;
	heap hp = {0};
	size_t hcap = cap < nids ? cap : nids;
	hp.h = g_new(hent, hcap ? hcap : 1);
	hp.pos = g_new(uint32_t, nids ? nids : 1);
	memset(hp.pos, 0xff, nids * sizeof *hp.pos);

	const tpo_farmem_model *m = &env->model;
	tpo_tape_clock clock;
	tpo_tape_clock_init(&clock, m->lookahead);
	double now = 0, stall = 0;
	uint64_t misses = 0, evictions = 0, cold = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		uint32_t p = hp.pos[id];
		if (p != NONE) {
			hp.h[p].key = nu[i];
			sift_up(&hp, p);
			now += m->compute_ns;
			continue;
		}
		misses++;
		if (!last[id]) {
			last[id] = 1;
			cold++;
		}
		if (hp.n >= cap) {
			uint32_t victim = hp.h[0].id;
			hp.pos[victim] = NONE;
			evictions++;
			if (env->emit)
				env->emit(env->emit_ctx, i, TPO_TAPE_EVICT, victim,
					  tpo_pagemap_page(env->map, victim));
			place(&hp, 0, (hent){nu[i], id});
			sift_down(&hp, 0);
		} else {
			place(&hp, hp.n++, (hent){nu[i], id});
			sift_up(&hp, hp.n - 1);
		}
		if (env->emit)
			env->emit(env->emit_ctx, i, TPO_TAPE_FETCH, id, tpo_pagemap_page(env->map, id));
		double arrival = tpo_tape_clock_fetch(&clock, m, now);
		if (arrival > now) {
			stall += arrival - now;
			now = arrival;
		}
		now += m->compute_ns;
	}
	tpo_tape_clock_free(&clock);
	g_free(hp.h);
	g_free(hp.pos);
	g_free(nu);
	g_free(last);

	memset(o, 0, sizeof *o);
	o->capacity = cap;
	o->accesses = n;
	o->fetches = o->prefetches = o->prefetch_used = misses;
	o->demand_paging_misses = misses;
	o->evictions = evictions;
	o->cold = cold;
	o->est_ns = now;
	o->stall_ns = stall;
	o->sim_seconds = tpo_cpu_seconds() - t0;
	return 1;
}
