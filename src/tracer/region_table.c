/* region_table.c — the tracer's address-space model: a sorted array of non-overlapping
 * mappings, split and merged as the program maps, unmaps, protects and moves memory. */
#include "region_table.h"

#include <string.h>
#include <sys/mman.h>

#define R(t, i) (&g_array_index((t)->v, tpo_region, (i)))

static void region_clear(gpointer p)
{
	tpo_region *r = p;
	g_free(r->name);
	r->name = NULL;
}

void tpo_regions_init(tpo_region_table *t, uint32_t select)
{
	t->v = g_array_new(FALSE, TRUE, sizeof(tpo_region));
	g_array_set_clear_func(t->v, region_clear);
	t->next_id = 1;
	t->select = select;
}

void tpo_regions_clear(tpo_region_table *t)
{
	g_array_set_size(t->v, 0);
}

void tpo_regions_free(tpo_region_table *t)
{
	if (t->v)
		g_array_free(t->v, TRUE);
	t->v = NULL;
}

/* Index of the first entry whose end is above addr. */
static guint first_above(const tpo_region_table *t, uint64_t addr)
{
	guint lo = 0, hi = t->v->len;
	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		if (R(t, mid)->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Removes [start, end) from the table, splitting entries that straddle it. The removed pieces
 * are appended to out (with their names duplicated) when out is not NULL. */
static void carve(tpo_region_table *t, uint64_t start, uint64_t end, GArray *out)
{
	guint i = first_above(t, start);
	while (i < t->v->len && R(t, i)->start < end) {
		tpo_region *r = R(t, i);
		if (out) {
			tpo_region piece = *r;
			piece.start = MAX(r->start, start);
			piece.end = MIN(r->end, end);
			if (piece.flags & TPO_RF_FILE)
				piece.offset += piece.start - r->start;
			piece.name = g_strdup(r->name);
			g_array_append_val(out, piece);
		}
		if (r->start < start && r->end > end) { /* split in three: keep both ends */
			tpo_region tail = *r;
			tail.name = g_strdup(r->name);
			if (tail.flags & TPO_RF_FILE)
				tail.offset += end - r->start;
			tail.start = end;
			r->end = start;
			g_array_insert_val(t->v, i + 1, tail);
			return;
		}
		if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			if (r->flags & TPO_RF_FILE)
				r->offset += end - r->start;
			r->start = end;
			return;
		} else {
			g_array_remove_index(t->v, i);
		}
	}
}

static void insert_entry(tpo_region_table *t, const tpo_region *e)
{
	guint i = first_above(t, e->start);
	g_array_insert_val(t->v, i, *e);
}

void tpo_regions_map_id(tpo_region_table *t, uint64_t start, uint64_t end, uint32_t prot,
                        uint32_t flags, uint64_t offset, const char *name, uint32_t id)
{
	if (end <= start)
		return;
	carve(t, start, end, NULL);
	tpo_region e = {.start = start, .end = end, .prot = prot, .flags = flags, .id = id,
	                .offset = offset, .name = g_strdup(name ? name : "")};
	insert_entry(t, &e);
	if (id >= t->next_id)
		t->next_id = id + 1;
}

uint32_t tpo_regions_map(tpo_region_table *t, uint64_t start, uint64_t end, uint32_t prot,
                         uint32_t flags, uint64_t offset, const char *name)
{
	uint32_t id = t->next_id;
	tpo_regions_map_id(t, start, end, prot, flags, offset, name, id);
	return id;
}

void tpo_regions_unmap(tpo_region_table *t, uint64_t start, uint64_t end)
{
	carve(t, start, end, NULL);
}

/* Re-inserts carved pieces after changing them with fn. */
static void reinsert(tpo_region_table *t, GArray *pieces, void (*fn)(tpo_region *, const void *),
                     const void *arg)
{
	for (guint i = 0; i < pieces->len; i++) {
		tpo_region *p = &g_array_index(pieces, tpo_region, i);
		fn(p, arg);
		insert_entry(t, p);
	}
	g_array_free(pieces, TRUE); /* the names now belong to the table */
}

static void set_prot(tpo_region *r, const void *arg)
{
	r->prot = *(const uint32_t *)arg;
}

void tpo_regions_protect(tpo_region_table *t, uint64_t start, uint64_t end, uint32_t prot)
{
	GArray *pieces = g_array_new(FALSE, TRUE, sizeof(tpo_region));
	carve(t, start, end, pieces);
	reinsert(t, pieces, set_prot, &prot);
}

static void set_excluded(tpo_region *r, const void *arg)
{
	(void)arg;
	r->flags |= TPO_RF_EXCLUDED;
}

void tpo_regions_exclude(tpo_region_table *t, uint64_t start, uint64_t end)
{
	GArray *pieces = g_array_new(FALSE, TRUE, sizeof(tpo_region));
	carve(t, start, end, pieces);
	reinsert(t, pieces, set_excluded, NULL);
}

static void shift(tpo_region *r, const void *arg)
{
	int64_t delta = *(const int64_t *)arg;
	r->start += delta;
	r->end += delta;
}

void tpo_regions_move(tpo_region_table *t, uint64_t old, uint64_t len, uint64_t new_start)
{
	GArray *pieces = g_array_new(FALSE, TRUE, sizeof(tpo_region));
	carve(t, old, old + len, pieces);
	int64_t delta = (int64_t)(new_start - old);
	carve(t, new_start, new_start + len, NULL);
	reinsert(t, pieces, shift, &delta);
}

const tpo_region *tpo_regions_find(const tpo_region_table *t, uint64_t addr)
{
	guint i = first_above(t, addr);
	if (i < t->v->len && R(t, i)->start <= addr)
		return R(t, i);
	return NULL;
}

bool tpo_region_is_traced(const tpo_region_table *t, const tpo_region *r)
{
	if (!(r->flags & TPO_RF_PRIVATE) || (r->flags & (TPO_RF_STACK | TPO_RF_SPECIAL | TPO_RF_EXCLUDED)))
		return false;
	if (!(r->prot & PROT_WRITE))
		return false;
	if (r->flags & TPO_RF_HEAP)
		return t->select & TPO_SEL_HEAP;
	if (r->flags & TPO_RF_FILE)
		return t->select & TPO_SEL_DATA;
	return t->select & TPO_SEL_ANON;
}

bool tpo_regions_page_traced(const tpo_region_table *t, uint64_t addr)
{
	const tpo_region *r = tpo_regions_find(t, addr);
	return r && tpo_region_is_traced(t, r);
}

void tpo_regions_each_traced(const tpo_region_table *t, uint64_t start, uint64_t end,
                             void (*fn)(void *arg, uint64_t s, uint64_t e, uint32_t prot), void *arg)
{
	guint i = first_above(t, start);
	bool have = false;
	uint64_t rs = 0, re = 0;
	uint32_t rp = 0;
	for (; i < t->v->len && R(t, i)->start < end; i++) {
		const tpo_region *r = R(t, i);
		if (!tpo_region_is_traced(t, r))
			continue;
		uint64_t s = MAX(r->start, start), e = MIN(r->end, end);
		if (have && s == re && r->prot == rp) {
			re = e;
			continue;
		}
		if (have)
			fn(arg, rs, re, rp);
		have = true;
		rs = s;
		re = e;
		rp = r->prot;
	}
	if (have)
		fn(arg, rs, re, rp);
}
