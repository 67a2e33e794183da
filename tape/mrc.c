/* mrc.c — one-pass LRU stack distances (see mrc.h). Each page keeps a mark at the time slot of
 * its last access; the stack distance of an access is 1 + the marks after the page's previous
 * slot. The marks live in a wide Fenwick-style counting tree: a bitmap of slots (64 per word),
 * then levels of 32-bit counts, each node the sum of 16 children, up to a top of at most 16
 * nodes. "Marks after p" and "clear p" walk the same path (one cache line per level: the node's
 * 16 siblings), so an access costs ~log16(slots / 64) + 1 lines, and the whole tree is ~1/6 of a
 * byte per slot: it stays in cache where a binary Fenwick tree (4 bytes per slot) would not.
 * When the slots run out, the live marks are renumbered 1..live in order (compaction), so memory
 * stays proportional to the distinct pages. */
#include "mrc.h"
#include "sim.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define MAXLVL 12

struct tpo_mrc {
	uint64_t *bits;      /* slot s is marked: bit s & 63 of word s >> 6 */
	uint32_t *cnt[MAXLVL]; /* cnt[1][g]: marks in words 8g..8g+7; cnt[L][i]: sum of cnt[L-1][16i..] */
	size_t len[MAXLVL];
	int nlvl;            /* levels 1..nlvl-1 exist; nlvl-1 is the top (len <= 16) */
	size_t M, t;         /* slots (a multiple of 64), last slot used */
	uint32_t *owner;     /* slot -> id accessed then */
	uint32_t *last;      /* id -> slot of its last access + 1, 0 if no mark */
	size_t ncap;
	uint64_t *hist;      /* stack distance -> accesses */
	size_t hcap;
	uint64_t live, accesses;
	uint64_t *suffix;    /* hist summed from d upwards (built on query) */
	uint64_t *sizes;     /* bucketed mode: the sizes, ascending (NULL: one entry per distance) */
	size_t nsizes;
	uint64_t *bucket;    /* bucket[b]: reuses at a distance above exactly b of the sizes */
	int suffix_ok;
	double cpu;
};

static void free_tree(tpo_mrc *m)
{
	free(m->bits);
	for (int l = 1; l < m->nlvl; l++)
		g_free(m->cnt[l]);
	m->bits = NULL;
	m->nlvl = 0;
}

/* A tree of M slots with the first k marked. */
static void build_tree(tpo_mrc *m, size_t M, size_t k)
{
	free_tree(m);
	M = (M + 511) & ~(size_t)511;
	m->M = M;
	size_t words = M >> 6;
	void *bits = NULL;
	if (posix_memalign(&bits, 64, words * sizeof(uint64_t)))
		g_error("mrc: out of memory");
	m->bits = bits;
	memset(m->bits, 0, words * sizeof(uint64_t));
	for (size_t s = 0; s < k; s++)
		m->bits[s >> 6] |= 1ull << (s & 63);
	m->len[1] = words / 8;
	m->cnt[1] = g_new0(uint32_t, m->len[1]);
	for (size_t w = 0; w < words; w++)
		m->cnt[1][w >> 3] += (uint32_t)__builtin_popcountll(m->bits[w]);
	int l = 1;
	while (m->len[l] > 16 && l + 1 < MAXLVL) {
		size_t n = (m->len[l] + 15) / 16;
		m->cnt[l + 1] = g_new0(uint32_t, n);
		for (size_t i = 0; i < m->len[l]; i++)
			m->cnt[l + 1][i >> 4] += m->cnt[l][i];
		m->len[l + 1] = n;
		l++;
	}
	m->nlvl = l + 1;
}

tpo_mrc *tpo_mrc_new(size_t nids_hint)
{
	tpo_mrc *m = g_new0(tpo_mrc, 1);
	m->ncap = nids_hint ? nids_hint : 1024;
	m->last = g_new0(uint32_t, m->ncap);
	m->hcap = m->ncap + 2;
	m->hist = g_new0(uint64_t, m->hcap);
	build_tree(m, MAX((size_t)4096, 2 * m->ncap), 0);
	m->owner = g_new(uint32_t, m->M);
	return m;
}

void tpo_mrc_free(tpo_mrc *m)
{
	if (!m)
		return;
	free_tree(m);
	g_free(m->owner);
	g_free(m->last);
	g_free(m->hist);
	g_free(m->suffix);
	g_free(m->sizes);
	g_free(m->bucket);
	g_free(m);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void tpo_mrc_set_sizes(tpo_mrc *m, const uint64_t *sizes, size_t n)
{
	g_free(m->sizes);
	g_free(m->bucket);
	m->sizes = g_new(uint64_t, n ? n : 1);
	memcpy(m->sizes, sizes, n * sizeof *sizes);
	qsort(m->sizes, n, sizeof *m->sizes, cmp_u64);
	m->nsizes = n;
	m->bucket = g_new0(uint64_t, n + 1);
}

/* Reuse at stack distance d, bucketed: how many sizes it misses in. */
static inline void count_bucketed(tpo_mrc *m, uint64_t d)
{
	size_t b = 0;
	for (size_t k = 0; k < m->nsizes; k++)
		b += m->sizes[k] < d;
	m->bucket[b]++;
}

/* Renumbers the marked slots 0..live-1 in order and rebuilds the tree, sized for growth. */
static void compact(tpo_mrc *m)
{
	size_t k = 0;
	for (size_t s = 0; s < m->t; s++) {
		uint32_t id = m->owner[s];
		if (m->last[id] == s + 1) {
			m->owner[k] = id;
			m->last[id] = (uint32_t)(++k);
		}
	}
	size_t M = m->M;
	if (2 * k + 4096 > M) {
		M = MAX(2 * M, 2 * k + 4096);
		m->owner = g_renew(uint32_t, m->owner, M);
	}
	build_tree(m, M, k);
	m->t = k;
}

static void reserve(tpo_mrc *m, uint32_t id)
{
	if (G_LIKELY(id < m->ncap))
		return;
	size_t n = m->ncap;
	while (n <= id)
		n *= 2;
	m->last = g_renew(uint32_t, m->last, n);
	memset(m->last + m->ncap, 0, (n - m->ncap) * sizeof *m->last);
	m->ncap = n;
}

/* Clears the mark at slot p; returns the marks after it. */
static inline uint64_t take(tpo_mrc *m, size_t p)
{
	size_t w = p >> 6;
	uint64_t word = m->bits[w];
	uint64_t after = (uint64_t)__builtin_popcountll((word >> (p & 63)) >> 1);
	m->bits[w] = word & ~(1ull << (p & 63));
	for (size_t x = w + 1; x & 7; x++) /* the rest of its cache line of words */
		after += (uint64_t)__builtin_popcountll(m->bits[x]);
	size_t i = w >> 3;
	for (int l = 1; l < m->nlvl; l++) {
		uint32_t *c = m->cnt[l];
		size_t end = MIN((i | 15) + 1, m->len[l]);
		uint32_t sum = 0;
		for (size_t j = i + 1; j < end; j++)
			sum += c[j];
		after += sum;
		c[i]--;
		i >>= 4;
	}
	return after;
}

static inline void put(tpo_mrc *m, size_t s)
{
	m->bits[s >> 6] |= 1ull << (s & 63);
	size_t i = s >> 9;
	for (int l = 1; l < m->nlvl; l++) {
		m->cnt[l][i]++;
		i >>= 4;
	}
}

__attribute__((target_clones("popcnt", "default")))
void tpo_mrc_feed(tpo_mrc *m, const uint32_t *ids, size_t n)
{
	double t0 = tpo_cpu_seconds();
	m->suffix_ok = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		reserve(m, id);
		uint32_t p = m->last[id];
		if (p) {
			/* Pages accessed since: the marks after its previous slot. */
			uint64_t d = take(m, p - 1) + 1;
			if (m->sizes)
				count_bucketed(m, d);
			else
				m->hist[d]++;
			m->last[id] = 0;
		} else {
			m->live++;
			if (m->live + 1 >= m->hcap) {
				size_t h = m->hcap * 2;
				m->hist = g_renew(uint64_t, m->hist, h);
				memset(m->hist + m->hcap, 0, (h - m->hcap) * sizeof *m->hist);
				m->hcap = h;
			}
		}
		if (m->t == m->M)
			compact(m);
		size_t s = m->t++;
		put(m, s);
		m->owner[s] = id;
		m->last[id] = (uint32_t)(s + 1);
	}
	m->accesses += n;
	m->cpu += tpo_cpu_seconds() - t0;
}

uint64_t tpo_mrc_accesses(const tpo_mrc *m) { return m->accesses; }
uint64_t tpo_mrc_distinct(const tpo_mrc *m) { return m->live; }
double tpo_mrc_cpu_seconds(const tpo_mrc *m) { return m->cpu; }

uint64_t tpo_mrc_histogram(const tpo_mrc *m, uint64_t d)
{
	return d >= 1 && d < m->hcap ? m->hist[d] : 0;
}

uint64_t tpo_mrc_misses(tpo_mrc *m, uint64_t capacity)
{
	if (m->sizes) {
		/* Reuses that miss at size k: those above more than k of the sizes. */
		size_t k = 0;
		while (k < m->nsizes && m->sizes[k] < capacity)
			k++;
		uint64_t misses = m->live;
		for (size_t b = k + 1; b <= m->nsizes; b++)
			misses += m->bucket[b];
		return misses;
	}
	if (!m->suffix_ok) {
		g_free(m->suffix);
		m->suffix = g_new0(uint64_t, m->live + 2);
		for (size_t d = m->live; d >= 1; d--)
			m->suffix[d] = m->suffix[d + 1] + m->hist[d];
		m->suffix_ok = 1;
	}
	/* Misses: cold ones (one per distinct page) plus reuses at distance > capacity. */
	return m->live + (capacity + 1 <= m->live ? m->suffix[capacity + 1] : 0);
}
