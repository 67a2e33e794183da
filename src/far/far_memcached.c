/* far_memcached.c — the "memcached://HOST:PORT[,HOST:PORT...][?replicas=N]" far memory: pages
 * spread over memcached servers through libmemcached. A page's server is chosen by consistent
 * hashing (libmemcached's ketama, on a handle holding every server and used only to choose);
 * its N replicas go to the next N servers of the list (as libmemcached's own replicas do). Each
 * server has its own handle, so that a failure names its server and the others go on.
 *
 * Writes and discards are sent without waiting for a reply (noreply, buffered); reads started
 * are fetched together, one pipelined multi-get per server, at the first collection (or before
 * a write of a page whose read is not fetched yet, so a read sees the writes before it only).
 * Keys are "3po-PID-RANDOM-PAGE", so runs sharing servers never meet; a run deletes its pages
 * when it ends.
 *
 * memcached is a cache: without -M it may evict a page, and with -M a full server refuses it
 * (unseen, as writes are not answered). A page stored that comes back missing from every live
 * server that should hold it, a server that goes away holding the only copy, or a page that
 * differs from the one stored (its checksum is kept here) loses the store with an error that
 * names the server: never zeros. A server that goes away is not used again; with replicas the
 * others serve its pages. */
#include "far_impl.h"
#include "units.h"

#include <libmemcached/memcached.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX 64
#define TIMEOUT_MS 10000  /* connect and I/O timeouts: a server silent this long is gone */

typedef struct {
	char *name;        /* HOST:PORT */
	memcached_st *mc;  /* a client of this server alone */
	char *dead;        /* why it is no longer used, or NULL */
} mc_server;

typedef struct {
	uint64_t key, sum;
	bool done, zero;
	unsigned server, tries;  /* the server asked (index), and how many were asked */
	int missed;              /* the first live server that did not have it, or -1 */
	unsigned char page[TPO_FAR_PAGE];
} mc_read;

typedef struct {
	tpo_far base;
	memcached_st *chooser;  /* every server, ketama: picks a key's server, never connects */
	mc_server *srv;
	unsigned n, replicas;
	char prefix[40];
	mc_read *q;             /* ring of reads in the order started */
	size_t q_cap, q_head, q_len;
	GHashTable *unfetched;  /* page key → reads of it not fetched yet (a count) */
	memcached_result_st result;
} far_mc;

static size_t key_string(const far_mc *m, uint64_t key, char *buf)
{
	return (size_t)snprintf(buf, KEY_MAX, "%s%" G_GINT64_MODIFIER "x", m->prefix, (guint64)key);
}

/* The k-th server (0: the primary) that holds copies of key. */
static unsigned server_of(const far_mc *m, uint64_t key, unsigned k)
{
	char ks[KEY_MAX];
	size_t len = key_string(m, key, ks);
	return (memcached_generate_hash(m->chooser, ks, len) + k) % m->n;
}

static void mark_dead(far_mc *m, unsigned s, memcached_return_t rc)
{
	if (!m->srv[s].dead)
		m->srv[s].dead = g_strdup(memcached_strerror(m->srv[s].mc, rc));
}

/* The store is gone because of server s: the message names it. */
static void lose(far_mc *m, unsigned s, uint64_t key, bool missing, GError **err)
{
	if (missing)
		tpo_far_lose(&m->base, err,
			     "memcached server %s lost page %#" G_GINT64_MODIFIER "x (evicted? run memcached with -M "
			     "and enough memory)", m->srv[s].name, (guint64)key);
	else if (m->replicas)
		tpo_far_lose(&m->base, err,
			     "memcached server %s went away (%s) and no other server holds page %#" G_GINT64_MODIFIER "x",
			     m->srv[s].name, m->srv[s].dead, (guint64)key);
	else
		tpo_far_lose(&m->base, err, "memcached server %s went away (%s)", m->srv[s].name, m->srv[s].dead);
}

static bool ok(memcached_return_t rc)
{
	return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_BUFFERED || rc == MEMCACHED_END;
}

/* Points read r at the next live server holding its page: false if none is left. */
static bool next_server(far_mc *m, mc_read *r)
{
	while (r->tries <= m->replicas) {
		unsigned s = server_of(m, r->key, r->tries++);
		if (!m->srv[s].dead) {
			r->server = s;
			return true;
		}
	}
	return false;
}

static mc_read *read_at(far_mc *m, size_t i)
{
	return &m->q[(m->q_head + i) % m->q_cap];
}

static void fetched(far_mc *m, mc_read *r)
{
	r->done = true;
	gpointer v = g_hash_table_lookup(m->unfetched, TPO_FAR_KEY(r->key));
	if (GPOINTER_TO_UINT(v) <= 1)
		g_hash_table_remove(m->unfetched, TPO_FAR_KEY(r->key));
	else
		g_hash_table_insert(m->unfetched, TPO_FAR_KEY(r->key), GUINT_TO_POINTER(GPOINTER_TO_UINT(v) - 1));
}

/* One multi-get per server of the reads not fetched (sent to every server before any answer
 * is read), answers matched by key. Reads whose server failed or missed stay not done. */
static void fetch_round(far_mc *m, GError **err)
{
	GPtrArray **keys = g_new0(GPtrArray *, m->n);
	GHashTable **waiting = g_new0(GHashTable *, m->n); /* page key → its reads (GSList) */
	for (size_t i = 0; i < m->q_len; i++) {
		mc_read *r = read_at(m, i);
		if (r->done)
			continue;
		unsigned s = r->server;
		if (!keys[s]) {
			keys[s] = g_ptr_array_new_with_free_func(g_free);
			waiting[s] = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
							   (GDestroyNotify)g_slist_free);
		}
		GSList *l = g_hash_table_lookup(waiting[s], TPO_FAR_KEY(r->key));
		if (l) { /* the key is asked for once */
			l->next = g_slist_prepend(l->next, r);
			continue;
		}
		g_hash_table_insert(waiting[s], TPO_FAR_KEY(r->key), g_slist_prepend(NULL, r));
		char ks[KEY_MAX];
		key_string(m, r->key, ks);
		g_ptr_array_add(keys[s], g_strdup(ks));
	}
	for (unsigned s = 0; s < m->n; s++) {
		if (!keys[s])
			continue;
		size_t *lens = g_new(size_t, keys[s]->len);
		for (guint k = 0; k < keys[s]->len; k++)
			lens[k] = strlen(keys[s]->pdata[k]);
		memcached_return_t rc = memcached_mget(m->srv[s].mc, (const char *const *)keys[s]->pdata, lens,
						       keys[s]->len);
		g_free(lens);
		if (!ok(rc)) {
			mark_dead(m, s, rc);
			g_ptr_array_free(keys[s], TRUE);
			keys[s] = NULL;
		}
	}
	for (unsigned s = 0; s < m->n; s++) {
		if (!keys[s])
			continue;
		memcached_return_t rc;
		memcached_result_st *res;
		memcached_result_create(m->srv[s].mc, &m->result);
		while ((res = memcached_fetch_result(m->srv[s].mc, &m->result, &rc))) {
			const char *k = memcached_result_key_value(res);
			size_t plen = strlen(m->prefix), klen = memcached_result_key_length(res);
			if (klen <= plen || memcmp(k, m->prefix, plen) != 0)
				continue;
			char hex[24] = { 0 };
			memcpy(hex, k + plen, MIN(klen - plen, sizeof hex - 1));
			uint64_t key = g_ascii_strtoull(hex, NULL, 16);
			const char *val = memcached_result_value(res);
			bool whole = memcached_result_length(res) == TPO_FAR_PAGE;
			for (GSList *l = g_hash_table_lookup(waiting[s], TPO_FAR_KEY(key)); l; l = l->next) {
				mc_read *r = l->data;
				if (r->done)
					continue;
				if (!whole || tpo_far_page_sum(val) != r->sum) {
					tpo_far_lose(&m->base, err,
						     "memcached server %s returned page %#" G_GINT64_MODIFIER "x other "
						     "than it was stored (another client using the same keys?)",
						     m->srv[s].name, (guint64)key);
					memcached_result_free(&m->result);
					goto out;
				}
				memcpy(r->page, val, TPO_FAR_PAGE);
				fetched(m, r);
			}
		}
		memcached_result_free(&m->result);
		if (!ok(rc) && rc != MEMCACHED_NOTFOUND)
			mark_dead(m, s, rc);
	}
out:
	for (unsigned s = 0; s < m->n; s++) {
		if (keys[s])
			g_ptr_array_free(keys[s], TRUE);
		if (waiting[s])
			g_hash_table_destroy(waiting[s]);
	}
	g_free(keys);
	g_free(waiting);
}

/* Fetches every read started and not yet fetched: false if the store is lost. */
static bool fetch_all(far_mc *m, GError **err)
{
	for (;;) {
		fetch_round(m, err);
		if (m->base.lost)
			return false;
		bool again = false;
		for (size_t i = 0; i < m->q_len; i++) {
			mc_read *r = read_at(m, i);
			if (r->done)
				continue;
			if (r->missed < 0 && !m->srv[r->server].dead)
				r->missed = (int)r->server;
			if (!next_server(m, r)) {
				/* a live server that should have it and does not is the culprit */
				if (r->missed >= 0)
					lose(m, (unsigned)r->missed, r->key, true, err);
				else
					lose(m, server_of(m, r->key, 0), r->key, false, err);
				return false;
			}
			again = true;
		}
		if (!again)
			return true;
	}
}

static bool mc_read_start(tpo_far *f, uint64_t key, GError **err)
{
	far_mc *m = (far_mc *)f;
	if (m->q_len == m->q_cap) {
		size_t cap = m->q_cap ? 2 * m->q_cap : 64;
		mc_read *q = g_new(mc_read, cap);
		for (size_t i = 0; i < m->q_len; i++)
			q[i] = *read_at(m, i);
		g_free(m->q);
		m->q = q;
		m->q_cap = cap;
		m->q_head = 0;
	}
	mc_read *r = read_at(m, m->q_len++);
	r->key = key;
	r->tries = 0;
	r->missed = -1;
	gpointer v;
	r->zero = !g_hash_table_lookup_extended(f->held, TPO_FAR_KEY(key), NULL, &v);
	r->done = r->zero;
	if (r->zero)
		return true;
	memcpy(&r->sum, &v, sizeof r->sum);
	gpointer c = g_hash_table_lookup(m->unfetched, TPO_FAR_KEY(key));
	g_hash_table_insert(m->unfetched, TPO_FAR_KEY(key), GUINT_TO_POINTER(GPOINTER_TO_UINT(c) + 1));
	if (!next_server(m, r)) {
		lose(m, server_of(m, key, 0), key, false, err);
		return false;
	}
	return true;
}

static int mc_read_done(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err)
{
	far_mc *m = (far_mc *)f;
	mc_read *r = read_at(m, 0);
	if (!r->done) {
		/* one round trip for everything started: not worth returning without it */
		uint64_t start = tpo_far_now_ns();
		if (!fetch_all(m, err))
			return -1;
		if (wait)
			f->stats.wait_ns += tpo_far_now_ns() - start;
	}
	*key = r->key;
	if (r->zero)
		memset(page, 0, TPO_FAR_PAGE);
	else
		memcpy(page, r->page, TPO_FAR_PAGE);
	m->q_head = (m->q_head + 1) % m->q_cap;
	m->q_len--;
	return 1;
}

static bool mc_write(tpo_far *f, uint64_t key, const void *page, GError **err)
{
	far_mc *m = (far_mc *)f;
	if (g_hash_table_contains(m->unfetched, TPO_FAR_KEY(key)) && !fetch_all(m, err))
		return false; /* reads of it started before: they get the page as it was */
	uint64_t sum = tpo_far_page_sum(page);
	gpointer v;
	memcpy(&v, &sum, sizeof v);
	g_hash_table_insert(f->held, TPO_FAR_KEY(key), v);
	char ks[KEY_MAX];
	size_t len = key_string(m, key, ks);
	unsigned stored = 0;
	for (unsigned k = 0; k <= m->replicas; k++) {
		unsigned s = server_of(m, key, k);
		if (m->srv[s].dead)
			continue;
		memcached_return_t rc = memcached_set(m->srv[s].mc, ks, len, page, TPO_FAR_PAGE, 0, 0);
		if (ok(rc))
			stored++;
		else
			mark_dead(m, s, rc);
	}
	if (!stored) {
		lose(m, server_of(m, key, 0), key, false, err);
		return false;
	}
	return true;
}

static bool mc_discard(tpo_far *f, uint64_t key, GError **err)
{
	(void)err;
	far_mc *m = (far_mc *)f;
	g_hash_table_remove(f->held, TPO_FAR_KEY(key));
	char ks[KEY_MAX];
	size_t len = key_string(m, key, ks);
	for (unsigned k = 0; k <= m->replicas; k++) {
		unsigned s = server_of(m, key, k);
		if (!m->srv[s].dead) {
			memcached_return_t rc = memcached_delete(m->srv[s].mc, ks, len, 0);
			if (!ok(rc) && rc != MEMCACHED_NOTFOUND)
				mark_dead(m, s, rc);
		}
	}
	return true; /* a page not deleted is only memory not given back */
}

static void mc_close(tpo_far *f)
{
	far_mc *m = (far_mc *)f;
	/* give the servers their memory back (without -M nothing else would) */
	if (m->srv && !f->lost) {
		GList *keys = g_hash_table_get_keys(f->held);
		for (GList *l = keys; l; l = l->next)
			mc_discard(f, (uint64_t)(uintptr_t)l->data, NULL);
		g_list_free(keys);
	}
	for (unsigned s = 0; m->srv && s < m->n; s++) {
		if (m->srv[s].mc) {
			if (!m->srv[s].dead)
				memcached_flush_buffers(m->srv[s].mc);
			memcached_free(m->srv[s].mc);
		}
		g_free(m->srv[s].name);
		g_free(m->srv[s].dead);
	}
	g_free(m->srv);
	if (m->chooser)
		memcached_free(m->chooser);
	g_free(m->q);
	if (m->unfetched)
		g_hash_table_destroy(m->unfetched);
	tpo_far_fini(f);
	g_free(m);
}

static const tpo_far_ops mc_ops = {
	.read_start = mc_read_start,
	.read_done = mc_read_done,
	.write = mc_write,
	.discard = mc_discard,
	.close = mc_close,
};

static memcached_st *new_handle(bool io)
{
	memcached_st *mc = memcached_create(NULL);
	if (!mc)
		return NULL;
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
	if (io) {
		memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
		memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, TIMEOUT_MS);
		memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, TIMEOUT_MS);
		memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, TIMEOUT_MS * 1000);
		memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, TIMEOUT_MS * 1000);
	}
	return mc;
}

tpo_far *tpo_far_memcached_open(const char *uri, char **hosts, char **ports, unsigned n, unsigned replicas,
				GError **err)
{
	far_mc *m = g_new0(far_mc, 1);
	tpo_far_init(&m->base, &mc_ops, uri, NULL);
	m->n = n;
	m->replicas = replicas;
	m->unfetched = g_hash_table_new(g_direct_hash, g_direct_equal);
	snprintf(m->prefix, sizeof m->prefix, "3po-%d-%08x-", (int)getpid(), g_random_int());
	m->chooser = new_handle(false);
	m->srv = g_new0(mc_server, n);
	for (unsigned s = 0; s < n; s++) {
		uint64_t number = 0; /* checked by tpo_farp_split_hostport */
		tpo_parse_count(ports[s], 1, 65535, &number, NULL);
		in_port_t port = (in_port_t)number;
		m->srv[s].name = strchr(hosts[s], ':') ? g_strdup_printf("[%s]:%s", hosts[s], ports[s])
						       : g_strdup_printf("%s:%s", hosts[s], ports[s]);
		m->srv[s].mc = new_handle(true);
		memcached_return_t rc = MEMCACHED_FAILURE;
		if (m->chooser && m->srv[s].mc) {
			rc = memcached_server_add(m->chooser, hosts[s], port);
			if (ok(rc))
				rc = memcached_server_add(m->srv[s].mc, hosts[s], port);
			if (ok(rc))
				rc = memcached_version(m->srv[s].mc); /* is it there? */
		}
		if (ok(rc)) { /* from now on writes are not answered, and sent in batches */
			memcached_behavior_set(m->srv[s].mc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
			memcached_behavior_set(m->srv[s].mc, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 1);
		}
		if (!ok(rc)) {
			g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT, "cannot connect to memcached server %s: %s",
				    m->srv[s].name,
				    m->srv[s].mc ? memcached_last_error_message(m->srv[s].mc) : "out of memory");
			mc_close(&m->base);
			return NULL;
		}
	}
	return &m->base;
}
