/* region_list.c — the tape's region list: sorted, merged address ranges (see region_list.h). */
#include "region_list.h"

#include <glib.h>
#include <string.h>

void tpo_region_list_init(tpo_region_list *r) { memset(r, 0, sizeof *r); }

void tpo_region_list_clear(tpo_region_list *r)
{
	g_free(r->v);
	memset(r, 0, sizeof *r);
}

void tpo_region_list_add(tpo_region_list *r, uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = g_renew(tpo_page_range, r->v, r->cap);
	}
	r->v[r->n++] = (tpo_page_range){start, end};
	r->sorted = 0;
}

static int cmp_region(const void *a, const void *b)
{
	const tpo_page_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void tpo_region_list_finish(tpo_region_list *r)
{
	if (r->n)
		qsort(r->v, r->n, sizeof *r->v, cmp_region);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (k && r->v[i].start < r->v[k - 1].end) {
			if (r->v[i].end > r->v[k - 1].end)
				r->v[k - 1].end = r->v[i].end;
		} else {
			r->v[k++] = r->v[i];
		}
	}
	r->n = k;
	r->sorted = 1;
}

long tpo_region_list_find(const tpo_region_list *r, uint64_t page)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->v[mid].end <= page)
			lo = mid + 1;
		else if (r->v[mid].start > page)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}
