/* replay.c — a tape followed along its access sequence (see replay.h). */
#include "replay.h"

#include <string.h>

struct tpo_replay {
	tpo_tape_reader *r;
	tpo_pagemap *map;
	unsigned shift;
	uint64_t capacity, resident, index;
	uint8_t *in;     /* id -> resident */
	size_t cap;
	tpo_tape_entry next;
	int have_next;   /* 1: next holds an unapplied entry; 0: tape ended; -1: error */
	GError *err;
	tpo_replay_stats st;
};

static void pull(tpo_replay *rp)
{
	int k = tpo_tape_reader_next(rp->r, &rp->next, &rp->err);
	rp->have_next = k > 0 ? 1 : k;
}

static void reserve(tpo_replay *rp, uint32_t id)
{
	if (id < rp->cap)
		return;
	size_t n = rp->cap ? rp->cap : 1024;
	while (n <= id)
		n *= 2;
	rp->in = g_renew(uint8_t, rp->in, n);
	memset(rp->in + rp->cap, 0, n - rp->cap);
	rp->cap = n;
}

tpo_replay *tpo_replay_new(tpo_tape_reader *r, tpo_pagemap *map, unsigned page_shift,
			   uint64_t capacity)
{
	tpo_replay *rp = g_new0(tpo_replay, 1);
	rp->r = r;
	rp->map = map;
	rp->shift = page_shift;
	rp->capacity = capacity;
	pull(rp);
	return rp;
}

static void apply(tpo_replay *rp)
{
	uint32_t id = tpo_pagemap_add(rp->map, rp->next.page >> rp->shift, NULL);
	reserve(rp, id);
	if (rp->next.op == TPO_TAPE_EVICT) {
		rp->st.evictions++;
		if (!rp->in[id]) {
			rp->st.bad_evictions++;
		} else {
			rp->in[id] = 0;
			rp->resident--;
		}
	} else {
		rp->st.fetches++;
		if (rp->in[id]) {
			rp->st.bad_fetches++;
		} else {
			rp->in[id] = 1;
			rp->resident++;
			if (rp->resident > rp->st.max_resident)
				rp->st.max_resident = rp->resident;
		}
	}
	pull(rp);
}

void tpo_replay_feed(void *ctx, const uint32_t *ids, const uint64_t *pages, size_t n)
{
	tpo_replay *rp = ctx;
	(void)pages;
	for (size_t i = 0; i < n; i++, rp->index++) {
		while (rp->have_next == 1 && rp->next.index <= rp->index)
			apply(rp);
		uint32_t id = ids[i];
		reserve(rp, id);
		if (rp->resident > rp->capacity)
			rp->st.over_capacity++;
		if (!rp->in[id])
			rp->st.misses++;
	}
	rp->st.accesses += n;
}

gboolean tpo_replay_finish(tpo_replay *rp, tpo_replay_stats *out, GError **err)
{
	while (rp->have_next == 1) {
		rp->st.entries_after_end++;
		apply(rp);
	}
	gboolean ok = rp->have_next == 0;
	if (!ok)
		g_propagate_error(err, rp->err);
	*out = rp->st;
	g_free(rp->in);
	g_free(rp);
	return ok;
}
