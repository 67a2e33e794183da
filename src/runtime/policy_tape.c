/* policy_tape.c — following a tape: fetches are issued in tape order up to `lookahead` entries
 * ahead of the program's place; each arrives mapped (no fault at all) except one *key page* per
 * `key_every` fetches, left unmapped so that its first touch is a minor fault that tells us where
 * the program is. Evictions are the tape's, applied in tape order once the program is close to
 * their place (a demand fault may take one early). A fault on a page the tape has not brought in
 * means the program ran ahead or strayed: its place is found again by looking the page up on the
 * tape, and the fault is served on demand meanwhile, so the program stays correct. */
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tpo/tape.h"

#define RESYNC_AFTER 64
#define EVICT_BATCH 256 /* evictions gathered to be applied together (see apply_due) */
#define EVICT_CHUNK 32  /* pages evicted by one call of apply_due, about */

typedef struct tentry {
	uint64_t index; /* access number of the trace */
	uint64_t page;  /* address */
	uint32_t next;  /* an eviction: the first fetch entry of its page at or after it (nf if none);
	                 * the eviction is stale once that entry is issued */
} tentry;

typedef struct tape_policy {
	rt_policy base;
	tentry *f, *e;          /* fetches, evictions */
	size_t nf, ne;
	GHashTable *first;      /* page number -> its first fetch entry + 1 */
	uint32_t *next_same;    /* fetch entry -> the next one of its page (nf: none) */
	size_t pos;             /* the program's place: fetch entries before it are done */
	size_t next;            /* next fetch entry to issue */
	size_t ev;              /* next eviction entry to apply */
	size_t since_key;
	bool debug;
	GArray *issued;         /* fetch entries issued and not yet passed by the program, in order */
	tentry *due;            /* evictions gathered, waiting to be applied together */
	size_t ndue, nsorted;   /* due[0, nsorted) is in address order */
	tentry *merged;         /* apply_due's scratch */
	guint issued_head;
	size_t strays_in_row, last_stray; /* consecutive strays found ahead on the tape, the last one */
	uint64_t gen;           /* rt->regions_gen when entries were last skipped as unmanaged */
	uint64_t L, K;
	uint64_t settle;        /* accesses an eviction waits past its place (the trace's microset) */
} tape_policy;

/* The first fetch entry >= from for page, or nf: the page's first entry, then its next ones. */
static size_t find_fetch(const tape_policy *t, uint64_t page, size_t from)
{
	size_t k = GPOINTER_TO_SIZE(g_hash_table_lookup(t->first, GSIZE_TO_POINTER(page / RT_PAGE)));
	k = k ? k - 1 : t->nf;
	while (k < from)
		k = t->next_same[k];
	return k;
}

/* Links the tape, walking it backwards once (fetches and evictions are both in access order):
 * each fetch entry to its page's next one (next_same), each page to its first (first), and each
 * eviction to its page's first fetch entry at or after it (e->next). Sorting the fetches by
 * page at load and looking up two binary searches per eviction showed in the pager's profile. */
static void link_tape(tape_policy *t)
{
	size_t fi = t->nf;
	for (size_t left = t->ne + 1; left-- > 0;) {
		tentry *e = left ? &t->e[left - 1] : NULL; /* the last round takes the fetches left */
		for (; fi > 0 && (!e || t->f[fi - 1].index >= e->index); fi--) {
			gpointer key = GSIZE_TO_POINTER(t->f[fi - 1].page / RT_PAGE);
			gsize k = GPOINTER_TO_SIZE(g_hash_table_lookup(t->first, key));
			t->next_same[fi - 1] = k ? (uint32_t)(k - 1) : (uint32_t)t->nf;
			g_hash_table_insert(t->first, key, GSIZE_TO_POINTER(fi));
		}
		if (!e)
			break;
		gsize k = GPOINTER_TO_SIZE(g_hash_table_lookup(t->first, GSIZE_TO_POINTER(e->page / RT_PAGE)));
		e->next = k ? (uint32_t)(k - 1) : (uint32_t)t->nf;
	}
}

static void moved_to(rt *r, tape_policy *t, size_t k)
{
	if (k < t->pos)
		return;
	t->pos = k;
	if (t->next <= k)
		t->next = k + 1;
	r->st.tape_position = k;
	while (t->issued_head < t->issued->len && g_array_index(t->issued, size_t, t->issued_head) <= k)
		t->issued_head++;
	if (t->issued_head > 4096 && t->issued_head * 2 > t->issued->len) {
		g_array_remove_range(t->issued, 0, t->issued_head);
		t->issued_head = 0;
	}
}

/* Fetches issued ahead of the program's place (entries whose page was already here cost none). */
static uint64_t outstanding(const tape_policy *t)
{
	return t->issued->len - t->issued_head;
}

static void tp_on_hit(rt *r, rt_policy *p, rt_region *g, size_t i)
{
	tape_policy *t = (tape_policy *)p;
	if (g->flags[i] & RT_PF_KEY)
		r->st.key_faults++;
	if (t->debug)
		fprintf(stderr, "3po: hit %#" G_GINT64_MODIFIER "x%s at %d\n", (guint64)(g->start + i * RT_PAGE),
		        (g->flags[i] & RT_PF_KEY) ? " key" : "", (int)g->tpos[i] - 1);
	if (g->tpos[i])
		moved_to(r, t, g->tpos[i] - 1);
}

/* A fault on a page the tape has not brought in. Near the program's place on the tape it tells
 * where the program is; farther on it is a page our resident set lost (or one the tape never
 * had): a stray, served on demand. Several strays in a row that all lie ahead, close together,
 * mean the program is elsewhere on the tape: its place is found again there. */
static void tp_on_miss(rt *r, rt_policy *p, rt_region *g, size_t i)
{
	tape_policy *t = (tape_policy *)p;
	uint64_t page = g->start + i * RT_PAGE;
	size_t k = find_fetch(t, page, t->pos);
	if (k < t->nf && k < t->next + 2 * t->L) {
		if (t->debug)
			fprintf(stderr, "3po: miss %#" G_GINT64_MODIFIER "x at %zu (pos %zu, next %zu)\n", (guint64)page, k,
			        t->pos, t->next);
		t->strays_in_row = 0;
		moved_to(r, t, k);
		g->tpos[i] = (uint32_t)k + 1;
		return;
	}
	r->st.strays++;
	if (t->debug)
		fprintf(stderr, "3po: stray %#" G_GINT64_MODIFIER "x: pos %zu next %zu, on the tape at %zu\n",
		        (guint64)page, t->pos, t->next, k);
	if (k == t->nf) {
		t->strays_in_row = 0;
		return;
	}
	if (t->strays_in_row && (k < t->last_stray || k > t->last_stray + 2 * t->L))
		t->strays_in_row = 0;
	t->last_stray = k;
	if (++t->strays_in_row < RESYNC_AFTER)
		return;
	t->strays_in_row = 0;
	r->st.resyncs++;
	uint64_t at = t->f[k].index;
	while (t->ev < t->ne && t->e[t->ev].index < at)
		t->ev++;
	moved_to(r, t, k);
	g->tpos[i] = (uint32_t)k + 1;
}

static bool apply_due(rt *r, tape_policy *t, bool force);

static bool tp_advance(rt *r, rt_policy *p)
{
	tape_policy *t = (tape_policy *)p;
	bool did = apply_due(r, t, false);
	if (t->gen != r->regions_gen) { /* new memory: look again at entries skipped for want of it */
		t->gen = r->regions_gen;
		t->next = MIN(t->next, t->pos);
		g_array_set_size(t->issued, 0);
		t->issued_head = 0;
	}
	while (t->next < t->nf && outstanding(t) < t->L && !r->failed) {
		const tentry *e = &t->f[t->next];
		rt_region *g = rt_region_find(r, e->page);
		if (!g) {
			t->next++;
			continue;
		}
		size_t i = rt_idx(g, e->page);
		while (g->state[i] != RT_FAR && (g->flags[i] & RT_PF_EVICTING) && t->ndue && !r->failed)
			/* its eviction is gathered: apply it first, as the tape has it (keeping the page would
			 * keep more pages than the tape's resident set, with no room for the next fetch) */
			did |= apply_due(r, t, true);
		if (r->failed)
			break;
		if (g->state[i] != RT_FAR) { /* still here from before: this entry claims it (a key page
			                            * keeps its own entry: its fault must report that one) */
			if (!(g->flags[i] & RT_PF_KEY))
				g->tpos[i] = (uint32_t)t->next + 1;
			t->next++;
			continue;
		}
		if (r->resident >= r->cap && t->ndue) {
			/* room is needed: wait for more evictions to gather while the lookahead is more
			 * than half full, so that they leave together */
			if (outstanding(t) > t->L / 2 && t->ndue < EVICT_BATCH)
				break;
			did |= apply_due(r, t, true);
		}
		if (!rt_make_room(r, false)) {
			if (t->debug)
				fprintf(stderr, "3po: no room for %zu (pos %zu, resident %" G_GUINT64_FORMAT ", next eviction %zu at %"
				        G_GUINT64_FORMAT ", program at %" G_GUINT64_FORMAT ")\n", t->next, t->pos, (guint64)r->resident,
				        t->ev, (guint64)(t->ev < t->ne ? t->e[t->ev].index : 0), (guint64)t->f[t->pos].index);
			break;
		}
		bool key = ++t->since_key >= t->K;
		if (key)
			t->since_key = 0;
		g->tpos[i] = (uint32_t)t->next + 1;
		if (t->debug)
			fprintf(stderr, "3po: issue %zu %#" G_GINT64_MODIFIER "x%s (pos %zu)\n", t->next, (guint64)e->page,
			        key ? " key" : "", t->pos);
		rt_fetch_start(r, g, i, !key, true, key ? RT_PF_KEY : 0);
		g_array_append_val(t->issued, t->next);
		t->next++;
		did = true;
	}
	return did;
}

/* Evictions may be applied up to this access index: the trace hides the re-accesses to a page
 * within its microset, so a page last recorded at j may be touched until the microset of j
 * ends, j + settle - 1 at the latest; an eviction at I (> j) is safe once the program is at
 * I + settle - 1. */
static uint64_t evict_bound(const tape_policy *t)
{
	uint64_t at = t->nf ? t->f[MIN(t->pos, t->nf - 1)].index : 0;
	return at + 1 > t->settle ? at + 1 - t->settle : 0;
}

/* The next tape eviction due by bound that still applies (its page resident, and not claimed
 * again by a later fetch entry: then the eviction is stale). 1 found, 0 tape done, -1 the next
 * one is not due yet. */
static int next_due(rt *r, tape_policy *t, uint64_t bound, rt_region **gp, size_t *ip)
{
	while (t->ev < t->ne) {
		const tentry *e = &t->e[t->ev];
		if (e->index > bound)
			return -1;
		t->ev++;
		rt_region *g = rt_region_find(r, e->page);
		if (!g)
			continue;
		size_t i = rt_idx(g, e->page);
		if (g->state[i] != RT_CACHED && g->state[i] != RT_MAPPED)
			continue;
		if (e->next < t->next)
			continue; /* stale: a later fetch entry, already issued, wants the page kept */
		r->st.tape_evictions++;
		*gp = g;
		*ip = i;
		return 1;
	}
	return 0;
}

/* A gathered eviction that still applies: its page resident, not claimed again meanwhile by a
 * fetch entry issued since (the page stays for it). Either way the page is no longer marked. */
static bool still_due(rt *r, tape_policy *t, const tentry *e, rt_region **gp, size_t *ip)
{
	rt_region *g = rt_region_find(r, e->page);
	if (!g)
		return false;
	size_t i = rt_idx(g, e->page);
	g->flags[i] &= (uint8_t)~RT_PF_EVICTING;
	if (g->state[i] != RT_CACHED && g->state[i] != RT_MAPPED)
		return false;
	if (e->next < t->next)
		return false;
	*gp = g;
	*ip = i;
	return true;
}

static int tp_victim(rt *r, rt_policy *p, bool demand, rt_region **gp, size_t *ip)
{
	tape_policy *t = (tape_policy *)p;
	while (t->ndue) { /* the gathered ones first, oldest last: they are due already */
		tentry e = t->due[--t->ndue];
		t->nsorted = MIN(t->nsorted, t->ndue);
		if (still_due(r, t, &e, gp, ip))
			return 1;
		r->st.tape_evictions--;
	}
	int v = next_due(r, t, evict_bound(t), gp, ip);
	if (v < 0 && demand)
		return 0; /* not due: a fault takes the oldest page instead (FIFO) */
	return v;
}

static int cmp_page(const void *a, const void *b)
{
	const tentry *x = a, *y = b;
	return x->page < y->page ? -1 : x->page > y->page;
}

/* Puts the gathered evictions in address order: those gathered since the last time are sorted
 * and merged with the rest, already in order (sorting all EVICT_BATCH each time, for the
 * EVICT_CHUNK that leave, showed in the pager's profile). */
static void sort_due(tape_policy *t)
{
	size_t a = t->nsorted, n = t->ndue;
	if (a >= n)
		return;
	qsort(t->due + a, n - a, sizeof *t->due, cmp_page);
	if (a && t->due[a - 1].page > t->due[a].page) {
		size_t x = 0, y = a, m = 0;
		while (x < a || y < n)
			t->merged[m++] = y == n || (x < a && t->due[x].page <= t->due[y].page) ? t->due[x++] : t->due[y++];
		memcpy(t->due, t->merged, n * sizeof *t->due);
	}
	t->nsorted = n;
}

/* Gathers the evictions the program has passed, and applies them together once EVICT_BATCH are
 * due, or when force (room is needed now): a lookbehind, so that adjacent pages leave in one
 * run (one write-protect, one punch, one TLB flush of the program's CPU) rather than one by one.
 * Applies them in address order, EVICT_CHUNK pages or so per call (whole runs), so that the
 * pager answers the program's faults in between. Keeps the resident set the tape's, a batch
 * late at most. */
static bool apply_due(rt *r, tape_policy *t, bool force)
{
	uint64_t bound = evict_bound(t);
	bool did = false;
	rt_region *g;
	size_t i;
	while (!r->failed && t->ndue < EVICT_BATCH && next_due(r, t, bound, &g, &i) == 1) {
		t->due[t->ndue++] = t->e[t->ev - 1];
		g->flags[i] |= RT_PF_EVICTING;
		did = true;
	}
	if (!t->ndue || (t->ndue < EVICT_BATCH && !force))
		return did;
	sort_due(t);
	rt_victim v[EVICT_BATCH];
	size_t n = 0, k = 0;
	for (; k < t->ndue; k++) {
		if (n >= EVICT_CHUNK && t->due[k].page != t->due[k - 1].page + RT_PAGE)
			break; /* the rest next time, from a run's start */
		/* the tape may evict a page twice (fetched in between): once is enough */
		bool ok = !(k && t->due[k].page == t->due[k - 1].page) && still_due(r, t, &t->due[k], &g, &i);
		if (ok)
			v[n++] = (rt_victim){g, i};
		else
			r->st.tape_evictions--;
	}
	memmove(t->due, t->due + k, (t->ndue - k) * sizeof *t->due);
	t->ndue -= k;
	t->nsorted = t->ndue;
	if (n)
		rt_evict_many(r, v, n);
	return true;
}

static void tp_destroy(rt_policy *p)
{
	tape_policy *t = (tape_policy *)p;
	g_free(t->f);
	g_free(t->e);
	g_hash_table_destroy(t->first);
	g_free(t->next_same);
	g_array_free(t->issued, TRUE);
	g_free(t->due);
	g_free(t->merged);
	g_free(t);
}

rt_policy *rt_policy_tape_new(rt *r, GError **err)
{
	tpo_tape_reader *rd = tpo_tape_reader_open(r->opt.tape, err);
	if (!rd)
		return NULL;
	const tpo_tape_header *h = tpo_tape_reader_header(rd);
	GArray *f = g_array_new(FALSE, FALSE, sizeof(tentry)), *e = g_array_new(FALSE, FALSE, sizeof(tentry));
	tpo_tape_entry te;
	int rc;
	while ((rc = tpo_tape_reader_next(rd, &te, err)) == 1) {
		tentry x = {te.index, te.page, 0};
		g_array_append_val(te.op == TPO_TAPE_FETCH ? f : e, x);
	}
	uint64_t advice = h->lookahead, h_local = h->local_pages;
	tpo_tape_reader_close(rd);
	if (rc < 0 || f->len >= UINT32_MAX - 1) {
		if (rc >= 0)
			g_set_error(err, TPO_RT_ERROR, 0, "%s: too many fetches for the runtime", r->opt.tape);
		g_array_free(f, TRUE);
		g_array_free(e, TRUE);
		return NULL;
	}
	tape_policy *t = g_new0(tape_policy, 1);
	t->nf = f->len;
	t->ne = e->len;
	t->f = (tentry *)g_array_free(f, FALSE);
	t->e = (tentry *)g_array_free(e, FALSE);
	t->first = g_hash_table_new(g_direct_hash, g_direct_equal);
	t->next_same = g_new(uint32_t, t->nf ? t->nf : 1);
	t->issued = g_array_new(FALSE, FALSE, sizeof(size_t));
	t->due = g_new(tentry, EVICT_BATCH);
	t->merged = g_new(tentry, EVICT_BATCH);
	t->debug = getenv("TPO_DEBUG") != NULL;
	link_tape(t);
	/* The tape's own resident set needs its local_pages; fetching L entries ahead needs L more.
	 * Evictions are applied once the program reaches them, so L is what local memory leaves
	 * over the tape's size and the pages of one microset (a tape made for all of local memory
	 * gets a small L and prefetches little: make tapes for local memory minus the lookahead
	 * and the microset). */
	t->L = r->opt.lookahead ? r->opt.lookahead : advice ? advice : 256;
	t->settle = r->opt.settle;
	uint64_t need = h_local + t->settle;
	uint64_t spare = r->cap > need ? r->cap - need : r->cap / 8;
	/* the program's place is known only at key pages, up to K = L/4 fetches late: L + K <= spare */
	if (!r->opt.lookahead && t->L > spare * 4 / 5)
		t->L = spare * 4 / 5;
	t->L = MAX(MIN(t->L, r->cap / 2), 1);
	t->K = r->opt.key_every ? r->opt.key_every : MAX(t->L / 4, 1);
	r->st.lookahead = t->L;
	r->st.tape_fetches_total = t->nf;
	t->base.on_hit = tp_on_hit;
	t->base.on_miss = tp_on_miss;
	t->base.advance = tp_advance;
	t->base.victim = tp_victim;
	t->base.destroy = tp_destroy;
	return &t->base;
}
