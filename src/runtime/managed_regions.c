/* managed_regions.c — the runtime's managed regions: lookup by address and by memfd page, and the
 * changes the program's munmap, mremap and madvise make to them. */
#define _GNU_SOURCE
#include "rt.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rt_region *at(rt *r, guint k)
{
	return &g_array_index(r->regions, rt_region, k);
}

rt_region *rt_region_find(rt *r, uint64_t addr)
{
	guint lo = 0, hi = r->regions->len;
	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		rt_region *g = at(r, mid);
		if (addr < g->start)
			hi = mid;
		else if (addr >= g->end)
			lo = mid + 1;
		else
			return g;
	}
	return NULL;
}

rt_region *rt_region_by_key(rt *r, uint64_t key)
{
	uint64_t off = key * RT_PAGE;
	for (guint k = 0; k < r->regions->len; k++) {
		rt_region *g = at(r, k);
		if (off >= g->off && off < g->off + (g->end - g->start))
			return g;
	}
	return NULL;
}

static void alloc_arrays(rt_region *g)
{
	size_t n = (size_t)((g->end - g->start) / RT_PAGE);
	g->state = g_malloc0(n ? n : 1);
	g->flags = g_malloc0(n ? n : 1);
	g->stamp = g_malloc0((n ? n : 1) * sizeof(uint32_t));
	g->tpos = g_malloc0((n ? n : 1) * sizeof(uint32_t));
}

static void free_arrays(rt_region *g)
{
	g_free(g->state);
	g_free(g->flags);
	g_free(g->stamp);
	g_free(g->tpos);
}

rt_region *rt_region_add(rt *r, uint64_t start, uint64_t end, uint64_t off)
{
	rt_region g = {.start = start, .end = end, .off = off};
	alloc_arrays(&g);
	guint k = 0;
	while (k < r->regions->len && at(r, k)->start < start)
		k++;
	g_array_insert_val(r->regions, k, g);
	r->st.regions++;
	r->regions_gen++;
	uint64_t pages = 0;
	for (guint j = 0; j < r->regions->len; j++)
		pages += (at(r, j)->end - at(r, j)->start) / RT_PAGE;
	if (pages > r->st.managed_pages)
		r->st.managed_pages = pages;
	return at(r, k);
}

/* Drops page i of g wherever it is: local copy, far copy, FIFO (by stamp). In-flight reads of it
 * find the page RT_FAR when they arrive and are dropped. */
static void drop_page(rt *r, rt_region *g, size_t i)
{
	uint64_t key = g->off / RT_PAGE + i;
	if (g->state[i] != RT_FAR) {
		r->resident--;
		if ((g->flags[i] & RT_PF_PREFETCHED))
			r->st.prefetch_wasted++;
	}
	g->state[i] = RT_FAR;
	g->flags[i] = 0;
	g->stamp[i] = 0;
	if (r->far && tpo_far_holds(r->far, key)) {
		GError *e = NULL;
		if (!tpo_far_discard(r->far, key, &e))
			rt_fail(r, e);
	}
}

static void punch(rt *r, uint64_t off, uint64_t len)
{
	if (len)
		fallocate(r->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

void rt_region_zero(rt *r, uint64_t start, uint64_t end)
{
	for (guint k = 0; k < r->regions->len; k++) {
		rt_region *g = at(r, k);
		uint64_t s = MAX(start, g->start), e = MIN(end, g->end);
		if (s >= e)
			continue;
		for (uint64_t a = s; a < e; a += RT_PAGE)
			drop_page(r, g, rt_idx(g, a));
		punch(r, g->off + (s - g->start), e - s);
	}
}

/* A copy of pages [from, to) of g's arrays as a new region over addresses starting at start. */
static rt_region slice(const rt_region *g, size_t from, size_t to, uint64_t start)
{
	rt_region n = {.start = start, .end = start + (to - from) * RT_PAGE, .off = g->off + from * RT_PAGE};
	alloc_arrays(&n);
	size_t cnt = to - from;
	memcpy(n.state, g->state + from, cnt);
	memcpy(n.flags, g->flags + from, cnt);
	memcpy(n.stamp, g->stamp + from, cnt * sizeof(uint32_t));
	memcpy(n.tpos, g->tpos + from, cnt * sizeof(uint32_t));
	return n;
}

void rt_region_cut(rt *r, uint64_t start, uint64_t end)
{
	rt_region_zero(r, start, end);
	for (guint k = 0; k < r->regions->len;) {
		rt_region *g = at(r, k);
		if (end <= g->start || start >= g->end) {
			k++;
			continue;
		}
		rt_region old = *g;
		g_array_remove_index(r->regions, k);
		size_t n = (size_t)((old.end - old.start) / RT_PAGE);
		guint ins = k;
		if (start > old.start) {
			rt_region left = slice(&old, 0, rt_idx(&old, start), old.start);
			g_array_insert_val(r->regions, ins, left);
			ins++;
		}
		if (end < old.end) {
			rt_region right = slice(&old, rt_idx(&old, end), n, end);
			g_array_insert_val(r->regions, ins, right);
			ins++;
		}
		free_arrays(&old);
		k = ins;
	}
}

bool rt_region_move(rt *r, uint64_t old, uint64_t oldlen, uint64_t new_addr, uint64_t newlen)
{
	rt_region *g = rt_region_find(r, old);
	if (!g)
		return true;
	if (old != g->start || old + oldlen != g->end)
		return false;
	if (newlen < oldlen)
		rt_region_zero(r, old + newlen, old + oldlen);
	guint k = (guint)(g - at(r, 0));
	rt_region n = slice(g, 0, (size_t)(MIN(oldlen, newlen) / RT_PAGE), new_addr);
	/* the kernel moved the pages without their write-protection (our registration does not
	 * follow an mremap): a page mapped clean can now be written unseen, so none is clean */
	for (size_t i = 0; i < (size_t)(MIN(oldlen, newlen) / RT_PAGE); i++)
		n.flags[i] &= (uint8_t)~RT_PF_CLEAN;
	free_arrays(g);
	g_array_remove_index(r->regions, k);
	if (newlen > oldlen) {
		size_t was = (size_t)(oldlen / RT_PAGE), now = (size_t)(newlen / RT_PAGE);
		n.end = new_addr + newlen;
		n.state = g_realloc(n.state, now);
		n.flags = g_realloc(n.flags, now);
		n.stamp = g_realloc(n.stamp, now * sizeof(uint32_t));
		n.tpos = g_realloc(n.tpos, now * sizeof(uint32_t));
		memset(n.state + was, 0, now - was);
		memset(n.flags + was, 0, now - was);
		memset(n.stamp + was, 0, (now - was) * sizeof(uint32_t));
		memset(n.tpos + was, 0, (now - was) * sizeof(uint32_t));
	}
	guint ins = 0;
	while (ins < r->regions->len && at(r, ins)->start < new_addr)
		ins++;
	g_array_insert_val(r->regions, ins, n);
	return true;
}
