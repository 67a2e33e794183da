/* far_local.c — the "local" far memory: pages in an in-process hash table, reached through an
 * emulated full-duplex network link. A read started at time t departs at max(t, when the
 * inbound direction is free), holds that direction for one page's transfer time (4096*8 bits
 * / bandwidth) and arrives one latency after its transfer ends; so reads pipeline and are
 * bandwidth-bound. A read sends the page as it was when the read started (what a server
 * answering requests in order would send), copied once, into the collector's buffer (a write or
 * discard of a page a read in flight sends first keeps a copy of it for that read). Writes take
 * the outbound direction and never block the caller.
 * Collecting a read that has not arrived spins on CLOCK_MONOTONIC (sleeping is far too coarse
 * for microseconds). */
#include "far_impl.h"

#include <string.h>

#define DEFAULT_LATENCY_S 3e-6
#define DEFAULT_BANDWIDTH_BPS 25e9

typedef struct {
	uint64_t key;
	double arrival;            /* ns since the store was opened */
	const unsigned char *src;  /* the stored page it sends, or data, or NULL: zeros */
	unsigned char data[TPO_FAR_PAGE]; /* the page as it was, once a write or discard changed it */
} local_read;

typedef struct {
	tpo_far base;
	uint64_t origin_ns;          /* times below are ns since then */
	double latency, transfer;    /* ns */
	double in_free, out_free;    /* when each direction of the link is next free */
	local_read *q;               /* ring of reads in flight */
	size_t q_cap, q_head, q_len;
} far_local;

static double now(const far_local *l)
{
	return (double)(tpo_far_now_ns() - l->origin_ns);
}

static bool local_read_start(tpo_far *f, uint64_t key, GError **err)
{
	(void)err;
	far_local *l = (far_local *)f;
	if (l->q_len == l->q_cap) {
		size_t cap = l->q_cap ? 2 * l->q_cap : 16;
		local_read *q = g_new(local_read, cap);
		for (size_t i = 0; i < l->q_len; i++) {
			local_read *o = &l->q[(l->q_head + i) % l->q_cap];
			q[i] = *o;
			if (o->src == o->data) /* its own copy moves with it */
				q[i].src = q[i].data;
		}
		g_free(l->q);
		l->q = q;
		l->q_cap = cap;
		l->q_head = 0;
	}
	local_read *r = &l->q[(l->q_head + l->q_len++) % l->q_cap];
	double depart = MAX(now(l), l->in_free);
	l->in_free = depart + l->transfer;
	r->key = key;
	r->arrival = l->in_free + l->latency;
	r->src = g_hash_table_lookup(f->held, TPO_FAR_KEY(key));
	return true;
}

/* The stored page at page is about to change or go: reads in flight that send it keep a copy of
 * it as it was when they started (one copy per page read, made when the read is collected,
 * unless this happens first). */
static void keep_for_reads(far_local *l, const unsigned char *page)
{
	for (size_t i = 0; i < l->q_len; i++) {
		local_read *r = &l->q[(l->q_head + i) % l->q_cap];
		if (r->src == page) {
			memcpy(r->data, page, TPO_FAR_PAGE);
			r->src = r->data;
		}
	}
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int local_read_done(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err)
{
	(void)err;
	far_local *l = (far_local *)f;
	local_read *r = &l->q[l->q_head];
	double t = now(l);
	if (t < r->arrival) {
		if (!wait)
			return 0;
		double start = t;
		while ((t = now(l)) < r->arrival)
			cpu_relax();
		f->stats.wait_ns += (uint64_t)(t - start);
	}
	*key = r->key;
	if (!r->src)
		memset(page, 0, TPO_FAR_PAGE);
	else
		memcpy(page, r->src, TPO_FAR_PAGE);
	l->q_head = (l->q_head + 1) % l->q_cap;
	l->q_len--;
	return 1;
}

static bool local_write(tpo_far *f, uint64_t key, const void *page, GError **err)
{
	(void)err;
	far_local *l = (far_local *)f;
	l->out_free = MAX(now(l), l->out_free) + l->transfer;
	void *stored = g_hash_table_lookup(f->held, TPO_FAR_KEY(key));
	if (!stored) {
		stored = g_malloc(TPO_FAR_PAGE);
		g_hash_table_insert(f->held, TPO_FAR_KEY(key), stored);
	} else {
		keep_for_reads(l, stored);
	}
	memcpy(stored, page, TPO_FAR_PAGE);
	return true;
}

static bool local_discard(tpo_far *f, uint64_t key, GError **err)
{
	(void)err;
	const unsigned char *stored = g_hash_table_lookup(f->held, TPO_FAR_KEY(key));
	if (stored)
		keep_for_reads((far_local *)f, stored);
	g_hash_table_remove(f->held, TPO_FAR_KEY(key));
	return true;
}

static void local_close(tpo_far *f)
{
	far_local *l = (far_local *)f;
	g_free(l->q);
	tpo_far_fini(f);
	g_free(l);
}

static const tpo_far_ops local_ops = {
	.read_start = local_read_start,
	.read_done = local_read_done,
	.write = local_write,
	.discard = local_discard,
	.close = local_close,
};

tpo_far *tpo_far_local_open(const char *uri, const tpo_far_options *opt, GError **err)
{
	(void)err;
	far_local *l = g_new0(far_local, 1);
	tpo_far_init(&l->base, &local_ops, uri, g_free);
	double latency = opt->latency_s > 0 ? opt->latency_s : DEFAULT_LATENCY_S;
	double bandwidth = opt->bandwidth_bps > 0 ? opt->bandwidth_bps : DEFAULT_BANDWIDTH_BPS;
	l->origin_ns = tpo_far_now_ns();
	l->latency = latency * 1e9;
	l->transfer = TPO_FAR_PAGE * 8.0 / bandwidth * 1e9;
	return &l->base;
}
