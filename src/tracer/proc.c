/* proc.c — the tracer's view of one traced address space: which traced pages are accessible
 * right now (the microset, and buffers pinned for in-flight system calls), and the mprotect
 * batches that make the real protections match that view. */
#include "tracer.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

tpo_proc *tpo_proc_new(tpo_tracer *t, int pid)
{
	tpo_proc *p = g_new0(tpo_proc, 1);
	p->pid = pid;
	p->memfd = tpo_remote_open_mem(pid);
	tpo_regions_init(&p->regions, t->opt.select);
	p->ms = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	p->ms_set = g_hash_table_new(g_direct_hash, g_direct_equal);
	p->pins = g_array_new(FALSE, FALSE, sizeof(tpo_range));
	g_hash_table_insert(t->procs, GINT_TO_POINTER(pid), p);
	return p;
}

void tpo_proc_unref(tpo_tracer *t, tpo_proc *p)
{
	if (--p->refs > 0)
		return;
	if (g_hash_table_lookup(t->procs, GINT_TO_POINTER(p->pid)) == p)
		g_hash_table_remove(t->procs, GINT_TO_POINTER(p->pid));
	tpo_scratch_unshare(p);
	if (p->memfd >= 0)
		close(p->memfd);
	tpo_regions_free(&p->regions);
	g_array_free(p->ms, TRUE);
	g_hash_table_destroy(p->ms_set);
	g_array_free(p->pins, TRUE);
	tpo_callchain_free(p);
	g_free(p);
}

static bool pinned(const tpo_proc *p, uint64_t page)
{
	for (guint i = 0; i < p->pins->len; i++) {
		const tpo_range *r = &g_array_index(p->pins, tpo_range, i);
		if (page >= TPO_PAGE_DOWN(r->start) && page < r->end)
			return true;
	}
	return false;
}

static bool in_microset(const tpo_proc *p, uint64_t page)
{
	return g_hash_table_contains(p->ms_set, GSIZE_TO_POINTER(page));
}

bool tpo_proc_accessible(const tpo_proc *p, uint64_t page)
{
	return in_microset(p, page) || pinned(p, page);
}

bool tpo_proc_protected(const tpo_proc *p, uint64_t page)
{
	return tpo_regions_page_traced(&p->regions, page) && !tpo_proc_accessible(p, page);
}

static int cmp_range(const void *a, const void *b)
{
	const tpo_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

typedef struct resync_ctx {
	const tpo_proc *p;
	tpo_ops *ops;
	GArray *open; /* accessible intervals, sorted */
} resync_ctx;

/* One traced run [s, e) with program protection prot: PROT_NONE but for the accessible pages. */
static void resync_run(void *arg, uint64_t s, uint64_t e, uint32_t prot)
{
	resync_ctx *c = arg;
	uint64_t at = s;
	for (guint i = 0; i < c->open->len && at < e; i++) {
		const tpo_range *r = &g_array_index(c->open, tpo_range, i);
		uint64_t os = MAX(r->start, at), oe = MIN(r->end, e);
		if (oe <= os)
			continue;
		tpo_ops_protect(c->ops, at, os, PROT_NONE);
		tpo_ops_protect(c->ops, os, oe, prot);
		at = oe;
	}
	tpo_ops_protect(c->ops, at, e, PROT_NONE);
}

void tpo_proc_resync(tpo_proc *p, uint64_t start, uint64_t end, tpo_ops *ops)
{
	start = TPO_PAGE_DOWN(start);
	end = TPO_PAGE_UP(end);
	GArray *open = g_array_new(FALSE, FALSE, sizeof(tpo_range));
	for (guint i = 0; i < p->ms->len; i++) {
		uint64_t pg = g_array_index(p->ms, uint64_t, i);
		if (pg >= start && pg < end) {
			tpo_range r = {pg, pg + TPO_PAGE, 0};
			g_array_append_val(open, r);
		}
	}
	for (guint i = 0; i < p->pins->len; i++) {
		tpo_range r = g_array_index(p->pins, tpo_range, i);
		r.start = MAX(TPO_PAGE_DOWN(r.start), start);
		r.end = MIN(r.end, end);
		if (r.start < r.end)
			g_array_append_val(open, r);
	}
	g_array_sort(open, cmp_range);
	/* merge overlaps so resync_run sees disjoint sorted intervals */
	guint k = 0;
	for (guint i = 0; i < open->len; i++) {
		tpo_range r = g_array_index(open, tpo_range, i);
		if (k && g_array_index(open, tpo_range, k - 1).end >= r.start) {
			tpo_range *last = &g_array_index(open, tpo_range, k - 1);
			last->end = MAX(last->end, r.end);
		} else {
			g_array_index(open, tpo_range, k++) = r;
		}
	}
	g_array_set_size(open, k);
	resync_ctx c = {p, ops, open};
	tpo_regions_each_traced(&p->regions, start, end, resync_run, &c);
	g_array_free(open, TRUE);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void tpo_proc_flush_microset(tpo_tracer *t, tpo_proc *p, tpo_ops *ops, GArray *evicted)
{
	if (!p->ms->len)
		return;
	if (evicted)
		g_array_set_size(evicted, 0);
	g_array_sort(p->ms, cmp_u64);
	for (guint i = 0; i < p->ms->len; i++) {
		uint64_t pg = g_array_index(p->ms, uint64_t, i);
		if (evicted)
			g_array_append_val(evicted, pg);
		if (!pinned(p, pg) && tpo_regions_page_traced(&p->regions, pg))
			tpo_ops_protect(ops, pg, pg + TPO_PAGE, PROT_NONE);
	}
	g_array_set_size(p->ms, 0);
	g_hash_table_remove_all(p->ms_set);
	tpo_event ev = {.type = TPO_EV_MICROSET_END, .time_ns = tpo_now_ns() - t->t0_ns};
	tpo_tr_emit(t, &ev);
}

static void microset_remove_range(tpo_proc *p, uint64_t start, uint64_t end)
{
	guint k = 0;
	for (guint i = 0; i < p->ms->len; i++) {
		uint64_t pg = g_array_index(p->ms, uint64_t, i);
		if (pg >= start && pg < end)
			g_hash_table_remove(p->ms_set, GSIZE_TO_POINTER(pg));
		else
			g_array_index(p->ms, uint64_t, k++) = pg;
	}
	g_array_set_size(p->ms, k);
}

void tpo_proc_forget(tpo_proc *p, uint64_t start, uint64_t end)
{
	microset_remove_range(p, TPO_PAGE_DOWN(start), TPO_PAGE_UP(end));
}

void tpo_proc_move_pages(tpo_proc *p, uint64_t old, uint64_t len, uint64_t new_start)
{
	for (guint i = 0; i < p->ms->len; i++) {
		uint64_t *pg = &g_array_index(p->ms, uint64_t, i);
		if (*pg >= old && *pg < old + len)
			*pg = *pg - old + new_start;
	}
	g_hash_table_remove_all(p->ms_set);
	for (guint i = 0; i < p->ms->len; i++)
		g_hash_table_add(p->ms_set, GSIZE_TO_POINTER(g_array_index(p->ms, uint64_t, i)));
}

void tpo_proc_unpin(tpo_proc *p, int tid, tpo_ops *ops)
{
	GArray *mine = g_array_new(FALSE, FALSE, sizeof(tpo_range));
	guint k = 0;
	for (guint i = 0; i < p->pins->len; i++) {
		tpo_range r = g_array_index(p->pins, tpo_range, i);
		if (r.tid == tid)
			g_array_append_val(mine, r);
		else
			g_array_index(p->pins, tpo_range, k++) = r;
	}
	g_array_set_size(p->pins, k);
	for (guint i = 0; i < mine->len; i++) {
		tpo_range r = g_array_index(mine, tpo_range, i);
		tpo_proc_resync(p, r.start, r.end, ops);
	}
	g_array_free(mine, TRUE);
}

static void untrace_run(void *arg, uint64_t s, uint64_t e, uint32_t prot)
{
	tpo_ops_protect(arg, s, e, prot);
}

void tpo_proc_untrace_ops(tpo_proc *p, tpo_ops *ops)
{
	tpo_regions_each_traced(&p->regions, 0, UINT64_MAX, untrace_run, ops);
}
