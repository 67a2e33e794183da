/* pages.c — moving pages between far memory and the program: fetch (or zero-fill), arrival
 * (contiguous arrivals placed by one call: mapped, or cached in the memfd), eviction in runs
 * (write-protect, copy out, punch the memfd), and the FIFO of resident pages that chooses
 * victims when the policy does not. Called by the pager with rt->lock held. */
#define _GNU_SOURCE
#include "rt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RT_PF_MAP 0x4 /* map the page when its read arrives */
#define COLLECT_MOST 16 /* arrivals rt_collect(r, false) takes in one call */

void rt_fail(rt *r, GError *e)
{
	if (r->gone) { /* nothing left to protect */
		g_error_free(e);
		return;
	}
	if (!r->far_error)
		r->far_error = e;
	else
		g_error_free(e);
	if (!r->failed && r->kill_pid > 0)
		kill(r->kill_pid, SIGKILL);
	r->failed = 1;
}

void rt_op_failed(rt *r, const char *what, uint64_t addr)
{
	if (errno == ESRCH) {
		r->gone = 1;
		r->failed = 1;
		return;
	}
	rt_fail(r, g_error_new(TPO_RT_ERROR, 0, "%s of page %#" G_GINT64_MODIFIER "x failed: %s", what,
	                       (guint64)addr, g_strerror(errno)));
}

void rt_fifo_push(rt *r, rt_region *g, size_t i)
{
	if (r->fifo_len == r->fifo_cap) {
		size_t ncap = r->fifo_cap ? r->fifo_cap * 2 : 4096;
		rt_fifo_item *n = g_new(rt_fifo_item, ncap);
		for (size_t k = 0; k < r->fifo_len; k++)
			n[k] = r->fifo[(r->fifo_head + k) % r->fifo_cap];
		g_free(r->fifo);
		r->fifo = n;
		r->fifo_cap = ncap;
		r->fifo_head = 0;
	}
	uint32_t s = ++r->stamp_next;
	if (!s)
		s = ++r->stamp_next;
	g->stamp[i] = s;
	r->fifo[(r->fifo_head + r->fifo_len) % r->fifo_cap] = (rt_fifo_item){g->off / RT_PAGE + i, s};
	r->fifo_len++;
}

/* The oldest resident page that can go now (pages in flight are passed over and kept). */
static bool fifo_victim(rt *r, rt_region **gp, size_t *ip)
{
	for (size_t tries = r->fifo_len; tries > 0 && r->fifo_len; tries--) {
		rt_fifo_item it = r->fifo[r->fifo_head];
		r->fifo_head = (r->fifo_head + 1) % r->fifo_cap;
		r->fifo_len--;
		rt_region *g = rt_region_by_key(r, it.key);
		if (!g)
			continue;
		size_t i = (size_t)(it.key - g->off / RT_PAGE);
		if (g->stamp[i] != it.stamp)
			continue;
		if (g->state[i] == RT_INFLIGHT) {
			rt_fifo_push(r, g, i);
			continue;
		}
		if (g->state[i] == RT_CACHED || g->state[i] == RT_MAPPED) {
			*gp = g;
			*ip = i;
			return true;
		}
	}
	return false;
}

static bool all_zero(const uint8_t *p)
{
	static const uint8_t z[64];
	for (size_t k = 0; k < RT_PAGE; k += 64)
		if (memcmp(p + k, z, 64))
			return false;
	return true;
}

/* Write-protects pages [i, i + n) of g in one call: one TLB flush for the run. */
static bool wp_run(rt *r, rt_region *g, size_t i, size_t n)
{
	if (n == 1)
		return rt_uffd_wp(r, g->start + i * RT_PAGE, true);
	return rt_uffd_wp_range(r, g->start + i * RT_PAGE, n * RT_PAGE, true);
}

/* Stores page i of g far (data: its contents, read while it was write-protected or unmapped),
 * unless it is all zeros. */
static bool write_back(rt *r, rt_region *g, size_t i, const uint8_t *data)
{
	uint64_t key = g->off / RT_PAGE + i;
	GError *e = NULL;
	if (all_zero(data)) {
		if (tpo_far_holds(r->far, key) && !tpo_far_discard(r->far, key, &e)) {
			rt_fail(r, e);
			return false;
		}
		return true;
	}
	if (!tpo_far_write(r->far, key, data, &e)) {
		rt_fail(r, e);
		return false;
	}
	r->st.writebacks++;
	return true;
}

/* Stores pages [i, i + n) of g far, read from the memfd RT_STAGE_PAGES at a time. */
static bool write_back_run(rt *r, rt_region *g, size_t i, size_t n)
{
	for (size_t k = i; k < i + n;) {
		size_t m = MIN(n - (k - i), (size_t)RT_STAGE_PAGES);
		ssize_t len = (ssize_t)(m * RT_PAGE);
		if (pread(r->memfd, r->wbuf, (size_t)len, (off_t)(g->off + k * RT_PAGE)) != len) {
			rt_op_failed(r, "reading for eviction", g->start + k * RT_PAGE);
			return false;
		}
		for (size_t j = 0; j < m; j++)
			if (!write_back(r, g, k + j, r->wbuf + j * RT_PAGE))
				return false;
		k += m;
	}
	return true;
}

static void forget(rt *r, rt_region *g, size_t i)
{
	if (g->flags[i] & RT_PF_PREFETCHED)
		r->st.prefetch_wasted++;
	g->state[i] = RT_FAR;
	g->flags[i] = 0;
	g->stamp[i] = 0;
	r->resident--;
	r->st.evictions++;
}

/* A mapped page that may have been written since it came. */
static bool dirty(const rt_region *g, size_t i)
{
	return g->state[i] == RT_MAPPED && !(g->flags[i] & RT_PF_CLEAN);
}

/* Evicts pages [i, i + n) of g, all resident (cached or mapped) and none in flight: dirty ones
 * are write-protected first (so no write slips in between the copy and the punch), copied out,
 * and the memfd punched, one call per run. A page unmapped or clean since it arrived is as the
 * far store (or zeros) has it: it is only dropped (a write to a clean page is stopped by its
 * write-protection and finds it gone). */
static void evict_run(rt *r, rt_region *g, size_t i, size_t n)
{
	bool any = false;
	for (size_t k = i; k < i + n && !any; k++)
		any = dirty(g, k);
	/* one write-protect (one TLB flush) for the whole run: clean pages are protected already,
	 * unmapped ones only get a marker, and all of them leave now */
	if (any && !wp_run(r, g, i, n)) {
		rt_op_failed(r, "write-protecting for eviction", g->start + i * RT_PAGE);
		return;
	}
	for (size_t k = i; any && k < i + n;) {
		size_t m = k;
		while (m < i + n && dirty(g, m))
			m++;
		if (m > k && !write_back_run(r, g, k, m - k))
			return;
		k = m > k ? m : k + 1;
	}
	fallocate(r->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(g->off + i * RT_PAGE),
	          (off_t)(n * RT_PAGE));
	for (size_t k = i; k < i + n; k++)
		forget(r, g, k);
}

void rt_evict(rt *r, rt_region *g, size_t i)
{
	evict_run(r, g, i, 1);
}

static int cmp_victim(const void *a, const void *b)
{
	const rt_victim *x = a, *y = b;
	if (x->g != y->g)
		return x->g->start < y->g->start ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void rt_evict_many(rt *r, rt_victim *v, size_t n)
{
	size_t s = 1;
	while (s < n && cmp_victim(&v[s - 1], &v[s]) < 0)
		s++;
	if (s < n) /* the tape's come in address order already */
		qsort(v, n, sizeof *v, cmp_victim);
	for (size_t k = 0; k < n && !r->failed;) {
		size_t m = k + 1;
		while (m < n && v[m].g == v[k].g && v[m].i == v[m - 1].i + 1)
			m++;
		evict_run(r, v[k].g, v[k].i, m - k);
		k = m;
	}
}

/* Pages a FIFO eviction takes at once when the policy never chooses victims (demand, readahead,
 * Leap): a few percent of local memory, at most 32 (Linux reclaims SWAP_CLUSTER_MAX = 32 pages
 * per pass), so that adjacent old pages leave in one run (one write-protect, one punch, one TLB
 * flush) instead of one by one, as the tape's evictions do. */
static size_t fifo_batch(const rt *r)
{
	size_t b = (size_t)(r->cap / 32);
	return b < 1 ? 1 : b > 32 ? 32 : b;
}

bool rt_make_room(rt *r, bool demand)
{
	while (r->resident >= r->cap) {
		rt_region *g = NULL;
		size_t i = 0;
		int v = r->pol->victim ? r->pol->victim(r, r->pol, demand, &g, &i) : 0;
		if (v < 0 && !demand)
			return false;
		if (v <= 0 && !fifo_victim(r, &g, &i)) {
			/* everything resident is still in flight */
			if (!demand || !tpo_far_reads_pending(r->far))
				return false;
			if (rt_collect(r, true) < 0)
				return false;
			continue;
		}
		static int debug = -1;
		if (debug < 0)
			debug = getenv("TPO_DEBUG") != NULL;
		if (v <= 0 && debug)
			fprintf(stderr, "3po: fifo evicts %#" G_GINT64_MODIFIER "x (%s)\n", (guint64)(g->start + i * RT_PAGE),
			        demand ? "demand" : "prefetch");
		if (!r->pol->victim) {
			rt_victim vs[32];
			size_t n = 0, want = MIN(fifo_batch(r), (size_t)r->resident);
			vs[n++] = (rt_victim){g, i};
			while (n < want && fifo_victim(r, &vs[n].g, &vs[n].i))
				n++;
			rt_evict_many(r, vs, n);
		} else {
			rt_evict(r, g, i);
		}
		if (r->failed)
			return false;
	}
	return true;
}

/* Bookkeeping of page i of g, just mapped (rc 1) or found mapped already (rc 0). */
static void mapped_now(rt_region *g, size_t i, int rc, bool wp)
{
	g->state[i] = RT_MAPPED;
	if (rc == 1 && wp) {
		g->flags[i] |= RT_PF_CLEAN;
		g->clean_maps++;
	}
	g->flags[i] &= (uint8_t)~(RT_PF_MAP | RT_PF_WRITE);
}

void rt_run_flush(rt *r)
{
	size_t n = r->run.n;
	if (!n)
		return;
	rt_region *g = r->run.g;
	size_t i = r->run.i;
	bool wp = r->run.wp;
	r->run.n = 0;
	uint64_t addr = g->start + i * RT_PAGE;
	const uint8_t *src = r->stage + r->run.slot * RT_PAGE;
	if (r->run.cache) { /* into the memfd only, by one write: their first touch is a minor fault */
		ssize_t len = (ssize_t)(n * RT_PAGE);
		if (pwrite(r->memfd, src, (size_t)len, (off_t)(g->off + i * RT_PAGE)) != len) {
			rt_op_failed(r, "caching", addr);
			return;
		}
		for (size_t k = i; k < i + n; k++) {
			if (g->state[k] != RT_INFLIGHT)
				continue;
			g->state[k] = RT_CACHED;
			g->flags[k] &= (uint8_t)~(RT_PF_MAP | RT_PF_WRITE);
		}
		return;
	}
	int64_t done = 0;
	int rc = rt_uffd_copy_run(r, addr, src, n, wp, &done);
	size_t k = 0;
	for (; k < (size_t)done; k++) /* mapped by this call */
		if (g->state[i + k] == RT_INFLIGHT)
			mapped_now(g, i + k, 1, wp);
	if (rc == 1)
		return;
	for (; k < n; k++) { /* the call stopped (a page mapped meanwhile, say): one by one */
		if (g->state[i + k] != RT_INFLIGHT)
			continue;
		int one = rt_uffd_copy(r, addr + k * RT_PAGE, src + k * RT_PAGE, wp);
		if (one < 0) {
			rt_op_failed(r, "placing", addr + k * RT_PAGE);
			return;
		}
		mapped_now(g, i + k, one, wp);
	}
}

/* The stage slot the next page to map goes to (after the open run, or the first one). */
static uint8_t *next_slot(rt *r)
{
	if (r->run.n && r->run.slot + r->run.n == RT_STAGE_PAGES)
		rt_run_flush(r);
	size_t slot = r->run.n ? r->run.slot + r->run.n : 0;
	return r->stage + slot * RT_PAGE;
}

/* Page i of g, whose data is in the next slot, joins the open run (or starts a new one): mapped
 * into the program (write-protected if wp), or cached (into the memfd only). */
static void run_add(rt *r, rt_region *g, size_t i, bool cache, bool wp)
{
	size_t slot = r->run.n ? r->run.slot + r->run.n : 0;
	if (r->run.n && r->run.g == g && r->run.i + r->run.n == i && r->run.cache == cache && r->run.wp == wp) {
		r->run.n++;
		return;
	}
	rt_run_flush(r); /* not contiguous: place the open run; the new one starts at this slot */
	r->run.g = g;
	r->run.i = i;
	r->run.n = 1;
	r->run.slot = slot;
	r->run.cache = cache;
	r->run.wp = wp;
}

/* Places page i of g, whose data is in the next stage slot, by the open run (so the page stays
 * RT_INFLIGHT until rt_run_flush): mapped into the program, or (not mapped) into the memfd only. */
static void install(rt *r, rt_region *g, size_t i, bool mapped)
{
	/* write-protected unless a write waits: unwritten, it leaves without moving data */
	bool wp = mapped && !(g->flags[i] & RT_PF_WRITE) && rt_map_clean(g);
	g->state[i] = RT_INFLIGHT;
	run_add(r, g, i, !mapped, wp);
}

bool rt_map_clean(rt_region *g)
{
	if (g->clean_maps >= 512) { /* forget slowly: the program's phases change */
		g->clean_maps /= 2;
		g->clean_writes /= 2;
	}
	if (g->clean_maps < 32 || g->clean_writes * 2 < g->clean_maps)
		return true;
	return ++g->probe % 32 == 0; /* keep sampling, to see a change */
}

bool rt_map_cached(rt *r, rt_region *g, size_t i, bool write)
{
	uint64_t addr = g->start + i * RT_PAGE;
	bool wp = !write && !r->no_continue_wp && rt_map_clean(g);
	int rc = rt_uffd_continue(r, addr, wp);
	if (rc < 0) {
		rt_op_failed(r, "mapping", addr);
		return false;
	}
	g->state[i] = RT_MAPPED;
	if (rc == 1 && wp && !r->no_continue_wp) {
		g->flags[i] |= RT_PF_CLEAN;
		g->clean_maps++;
	}
	return true;
}

bool rt_fetch_start(rt *r, rt_region *g, size_t i, bool mapped, bool prefetch, uint8_t flags)
{
	uint64_t key = g->off / RT_PAGE + i;
	g->flags[i] = flags;
	if (prefetch) {
		r->st.prefetches++;
		if (!mapped)
			g->flags[i] |= RT_PF_PREFETCHED;
	}
	r->resident++;
	if (r->resident > r->st.resident_max)
		r->st.resident_max = r->resident;
	r->st.fetches++;
	rt_fifo_push(r, g, i);
	if (!tpo_far_holds(r->far, key)) { /* never stored far: zeros, nothing to move */
		r->st.zero_fills++;
		g->flags[i] |= RT_PF_WRITE; /* a fresh page is there to be written: map it writable */
		memset(next_slot(r), 0, RT_PAGE);
		install(r, g, i, mapped);
		return !r->failed;
	}
	GError *e = NULL;
	if (!tpo_far_read_start(r->far, key, &e)) {
		rt_fail(r, e);
		return false;
	}
	g->state[i] = RT_INFLIGHT;
	if (mapped)
		g->flags[i] |= RT_PF_MAP;
	return true;
}

int rt_collect(rt *r, bool wait)
{
	int n = 0;
	/* a few at a time, unless waiting: the pager looks at the program's faults in between */
	while (wait || n < COLLECT_MOST) {
		uint64_t key;
		GError *e = NULL;
		uint8_t *slot = next_slot(r); /* read straight into the stage: no copy on the way */
		int rc = tpo_far_read_done(r->far, &key, slot, wait && n == 0, &e);
		if (rc < 0) {
			rt_fail(r, e);
			rt_run_flush(r);
			return -1;
		}
		if (rc == 0)
			break;
		n++;
		rt_region *g = rt_region_by_key(r, key);
		if (!g)
			continue; /* unmapped meanwhile */
		size_t i = (size_t)(key - g->off / RT_PAGE);
		if (g->state[i] != RT_INFLIGHT)
			continue;
		install(r, g, i, (g->flags[i] & RT_PF_MAP) != 0);
		if (r->failed)
			break;
	}
	rt_run_flush(r);
	return r->failed ? -1 : n;
}

bool rt_wait_page(rt *r, rt_region *g, size_t i)
{
	rt_run_flush(r);
	while (g->state[i] == RT_INFLIGHT) {
		if (!tpo_far_reads_pending(r->far))
			return false;
		if (rt_collect(r, true) < 0)
			return false;
	}
	return true;
}
