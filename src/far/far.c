/* far.c — the far-memory front door: tpo_far_open picks the backend from the URI ("local",
 * "tcp://HOST:PORT", "file:PATH[?keep]", "memcached://HOST:PORT,..."), the public calls check
 * for a lost store and keep the statistics, then call the backend. Also the helpers shared with
 * 3po-memserver (far_proto.h) and with the backends (loss, page checksums). */
#include "far_impl.h"
#include "far_proto.h"
#include "units.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK(tpo-far-error-quark, tpo_far_error)

/* ---- shared helpers ---- */

uint64_t tpo_far_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tpo_far_init(tpo_far *f, const tpo_far_ops *ops, const char *uri, GDestroyNotify held_free)
{
	f->ops = ops;
	f->uri = g_strdup(uri);
	f->held = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, held_free);
}

void tpo_far_fini(tpo_far *f)
{
	g_free(f->uri);
	g_hash_table_destroy(f->held);
	g_clear_error(&f->lost);
}

void tpo_far_set_lost(tpo_far *f, GError *e, GError **err)
{
	if (!f->lost)
		f->lost = e;
	else
		g_error_free(e);
	if (err)
		g_propagate_error(err, g_error_copy(f->lost));
}

void tpo_far_lose(tpo_far *f, GError **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	GError *e = g_error_new_valist(TPO_FAR_ERROR, TPO_FAR_ERROR_LOST, fmt, ap);
	va_end(ap);
	tpo_far_set_lost(f, e, err);
}

uint64_t tpo_far_page_sum(const void *page)
{
	/* Two multiply-rotate lanes over the page's 64-bit words, then mixed: fast, and any
	 * changed, moved or zeroed word changes it with near certainty. */
	const unsigned char *p = page;
	uint64_t a = 0x9e3779b97f4a7c15u, b = 0xc2b2ae3d27d4eb4fu;
	for (size_t i = 0; i < TPO_FAR_PAGE; i += 16) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		memcpy(&y, p + i + 8, 8);
		a = ((a ^ x) * 0xff51afd7ed558ccdu);
		a = (a << 31) | (a >> 33);
		b = ((b ^ y) * 0xc4ceb9fe1a85ec53u);
		b = (b << 29) | (b >> 35);
	}
	uint64_t h = a ^ (b * 0x9e3779b97f4a7c15u);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h;
}

static bool report_lost(const tpo_far *f, GError **err)
{
	if (err)
		g_propagate_error(err, g_error_copy(f->lost));
	return false;
}

void tpo_farp_hello(unsigned char *p)
{
	tpo_farp_put32(p, TPO_FARP_MAGIC);
	tpo_farp_put32(p + 4, TPO_FARP_VERSION);
	tpo_farp_put32(p + 8, TPO_FAR_PAGE);
	tpo_farp_put32(p + 12, 0);
}

const char *tpo_farp_check_hello(const unsigned char *p)
{
	if (tpo_farp_get32(p) != TPO_FARP_MAGIC)
		return "bad magic: not the 3po-memserver protocol";
	if (tpo_farp_get32(p + 4) != TPO_FARP_VERSION)
		return "unsupported protocol version";
	if (tpo_farp_get32(p + 8) != TPO_FAR_PAGE)
		return "different page size";
	return NULL;
}

void tpo_farp_header(unsigned char *p, uint32_t op, uint64_t key)
{
	tpo_farp_put32(p, op);
	tpo_farp_put32(p + 4, 0);
	tpo_farp_put64(p + 8, key);
}

const char *tpo_farp_split_hostport(const char *s, bool allow_port0, char **host, char **port)
{
	const char *h, *hend, *p;
	if (!*s)
		return "empty address (want HOST:PORT)";
	if (*s == '[') {
		h = s + 1;
		hend = strchr(h, ']');
		if (!hend)
			return "no ']' after an IPv6 address";
		if (hend[1] != ':')
			return "no ':PORT' after ']'";
		p = hend + 2;
	} else {
		h = s;
		hend = strrchr(s, ':');
		if (!hend)
			return "no port (want HOST:PORT)";
		if (memchr(h, ':', (size_t)(hend - h)))
			return "an IPv6 address needs brackets: [ADDRESS]:PORT";
		p = hend + 1;
	}
	if (hend == h)
		return "no host (want HOST:PORT)";
	size_t n = strlen(p);
	if (n == 0)
		return "no port number (want HOST:PORT)";
	uint64_t v;
	if (!tpo_parse_count(p, allow_port0 ? 0 : 1, 65535, &v, NULL))
		return allow_port0 ? "the port is not a number from 0 to 65535"
				   : "the port is not a number from 1 to 65535";
	*host = g_strndup(h, (size_t)(hend - h));
	*port = g_strdup(p);
	return NULL;
}

unsigned char *tpo_fifo_reserve(tpo_fifo *q, size_t n)
{
	if (q->cap - q->end < n) {
		size_t len = q->end - q->start;
		/* Slide the bytes to the front when at least half the buffer is already consumed:
		 * each byte moves O(1) times on average. */
		if (q->start && q->start >= len) {
			memmove(q->data, q->data + q->start, len);
			q->start = 0;
			q->end = len;
		}
		if (q->cap - q->end < n) {
			size_t cap = q->cap ? q->cap : 65536;
			while (cap - q->end < n)
				cap *= 2;
			q->data = g_realloc(q->data, cap);
			q->cap = cap;
		}
	}
	return q->data + q->end;
}

void tpo_fifo_append(tpo_fifo *q, const void *p, size_t n)
{
	memcpy(tpo_fifo_reserve(q, n), p, n);
	q->end += n;
}

void tpo_fifo_consume(tpo_fifo *q, size_t n)
{
	q->start += n;
	if (q->start == q->end)
		q->start = q->end = 0;
}

void tpo_fifo_free(tpo_fifo *q)
{
	g_free(q->data);
	*q = (tpo_fifo){0};
}

/* ---- the public interface ---- */

static tpo_far *bad_uri(const char *uri, const char *why, GError **err)
{
	g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_URI,
		    "bad far memory URI '%s': %s", uri, why);
	return NULL;
}

/* file:PATH or file:PATH?keep */
static tpo_far *open_file(const char *uri, GError **err)
{
	const char *path = uri + 5;
	size_t n = strlen(path);
	bool keep = n >= 5 && strcmp(path + n - 5, "?keep") == 0;
	if (keep)
		n -= 5;
	if (n == 0)
		return bad_uri(uri, "no path (want file:PATH or file:PATH?keep)", err);
	char *p = g_strndup(path, n);
	tpo_far *f = tpo_far_file_open(uri, p, keep, err);
	g_free(p);
	return f;
}

/* memcached://HOST:PORT[,HOST:PORT...][?replicas=N] */
static tpo_far *open_memcached(const char *uri, GError **err)
{
	const char *list = uri + 12, *q = strchr(list, '?');
	unsigned replicas = 0;
	if (q) {
		const char *v = q + 1;
		if (strncmp(v, "replicas=", 9) != 0)
			return bad_uri(uri, "the only option is ?replicas=N", err);
		v += 9;
		uint64_t r;
		if (!tpo_parse_count(v, 0, 99, &r, NULL))
			return bad_uri(uri, "replicas=N wants a small number", err);
		replicas = (unsigned)r;
	}
	char *hosts_s = q ? g_strndup(list, (size_t)(q - list)) : g_strdup(list);
	char **items = g_strsplit(hosts_s, ",", -1);
	unsigned n = g_strv_length(items);
	char **hosts = g_new0(char *, n + 1), **ports = g_new0(char *, n + 1);
	const char *why = n ? NULL : "empty address (want HOST:PORT)";
	for (unsigned k = 0; k < n && !why; k++)
		why = tpo_farp_split_hostport(items[k], false, &hosts[k], &ports[k]);
	if (!why && replicas >= n)
		why = "replicas=N needs more than N servers (each copy of a page on its own server)";
	tpo_far *f = why ? bad_uri(uri, why, err) : tpo_far_memcached_open(uri, hosts, ports, n, replicas, err);
	g_strfreev(hosts);
	g_strfreev(ports);
	g_strfreev(items);
	g_free(hosts_s);
	return f;
}

tpo_far *tpo_far_open(const char *uri, const tpo_far_options *opt, GError **err)
{
	if (!uri)
		uri = "";
	if (strcmp(uri, "local") == 0) {
		tpo_far_options o = opt ? *opt : (tpo_far_options){0};
		if (!isfinite(o.latency_s) || o.latency_s < 0 || o.latency_s > 10)
			return bad_uri(uri, "the latency must be from 0 to 10 s", err);
		if (!isfinite(o.bandwidth_bps) || o.bandwidth_bps < 0)
			return bad_uri(uri, "the bandwidth must be a positive number of bits/s", err);
		return tpo_far_local_open(uri, &o, err);
	}
	if (strncmp(uri, "tcp://", 6) == 0) {
		char *host, *port;
		const char *why = tpo_farp_split_hostport(uri + 6, false, &host, &port);
		if (why)
			return bad_uri(uri, why, err);
		tpo_far *f = tpo_far_tcp_open(uri, host, port, err);
		g_free(host);
		g_free(port);
		return f;
	}
	if (strncmp(uri, "file:", 5) == 0)
		return open_file(uri, err);
	if (strncmp(uri, "memcached://", 12) == 0)
		return open_memcached(uri, err);
	return bad_uri(uri, "want \"local\", tcp://HOST:PORT, file:PATH or memcached://HOST:PORT", err);
}

bool tpo_far_read_start(tpo_far *f, uint64_t key, GError **err)
{
	if (f->lost)
		return report_lost(f, err);
	if (!f->ops->read_start(f, key, err))
		return false;
	f->pending++;
	f->stats.reads++;
	return true;
}

unsigned tpo_far_reads_pending(const tpo_far *f)
{
	return f->pending;
}

int tpo_far_read_done(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err)
{
	if (f->lost) {
		report_lost(f, err);
		return -1;
	}
	if (!f->pending)
		return 0;
	int r = f->ops->read_done(f, key, page, wait, err);
	if (r == 1) {
		f->pending--;
		f->stats.bytes_in += TPO_FAR_PAGE;
	}
	return r;
}

bool tpo_far_write(tpo_far *f, uint64_t key, const void *page, GError **err)
{
	if (f->lost)
		return report_lost(f, err);
	if (!f->ops->write(f, key, page, err))
		return false;
	f->stats.writes++;
	f->stats.bytes_out += TPO_FAR_PAGE;
	return true;
}

bool tpo_far_discard(tpo_far *f, uint64_t key, GError **err)
{
	if (f->lost)
		return report_lost(f, err);
	return f->ops->discard(f, key, err);
}

bool tpo_far_holds(const tpo_far *f, uint64_t key)
{
	return g_hash_table_contains(f->held, TPO_FAR_KEY(key));
}

const tpo_far_stats *tpo_far_get_stats(const tpo_far *f)
{
	return &f->stats;
}

void tpo_far_close(tpo_far *f)
{
	if (f)
		f->ops->close(f);
}
