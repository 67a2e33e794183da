/* far_tcp.c — the "tcp://HOST:PORT" far memory: a client of 3po-memserver over one TCP
 * connection (TCP_NODELAY), requests pipelined. The keys stored are also kept here, so
 * tpo_far_holds needs no round trip. If the server goes away every call fails with
 * TPO_FAR_ERROR_LOST ("far memory server URI went away"), never with silent zeros.
 *
 * The protocol (version 1; docs/memserver-protocol.md says the same at more length). All
 * integers are little-endian; a page is 4096 bytes.
 *   hello, sent by both sides at once when the connection opens (16 bytes):
 *     u32 magic 0x4d4f5033 (the bytes "3POM"), u32 version 1, u32 page size 4096, u32 flags 0
 *     The client waits for the server's hello and checks it; the server closes the connection
 *     on a bad one.
 *   request, client → server (16-byte header, then the page for WRITE):
 *     u32 op, u32 flags 0, u64 key
 *     op 1 READ     → one reply
 *     op 2 WRITE    + 4096 bytes: stores the page (no reply)
 *     op 3 DISCARD  forgets the page (no reply)
 *   reply, server → client, one per READ, in the order of the READs:
 *     u32 op 0x81, u32 flags 0, u64 key, 4096 bytes (zeros for a page never written)
 * The server handles requests strictly in order, so a WRITE is seen by every later READ. It
 * reports errors (unknown op, --max-mem exceeded) by closing the connection. Each connection
 * has its own pages, freed when it closes.
 *
 * Sockets are non-blocking. Requests are queued in tx and sent at once as far as the socket
 * takes them; replies are received into rx. Whenever a call must wait (tx over TX_HIGH, or
 * tpo_far_read_done(wait=true)) it polls for both directions, so a server blocked writing
 * replies never deadlocks a client blocked sending requests. Every wait is bounded. */
#include "far_impl.h"
#include "far_proto.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TX_HIGH (1u << 20)         /* requests queued beyond this make the caller wait */
#define RECV_CHUNK (256u << 10)
#define CONNECT_TIMEOUT_MS 5000
#define IO_TIMEOUT_MS 30000        /* no progress for this long: the server is gone */
#define REPLY (TPO_FARP_HEADER + TPO_FAR_PAGE)

typedef struct {
	tpo_far base;
	int fd;
	tpo_fifo tx, rx;
	tpo_fifo keys;  /* keys of the reads in flight, 8 bytes each, oldest first */
	bool timed_out; /* the loss was a wait without progress */
} far_tcp;

/* The server is gone: err_no 0 for an orderly close, else the error of the socket call. */
static int lost(far_tcp *t, int err_no, GError **err)
{
	GError *e;
	if (err_no == 0 || err_no == ECONNRESET || err_no == EPIPE)
		e = g_error_new(TPO_FAR_ERROR, TPO_FAR_ERROR_LOST, "far memory server %s went away",
				t->base.uri);
	else
		e = g_error_new(TPO_FAR_ERROR, TPO_FAR_ERROR_LOST, "far memory server %s went away (%s)",
				t->base.uri, g_strerror(err_no));
	tpo_far_set_lost(&t->base, e, err);
	return -1;
}

/* Sends what the socket takes without blocking: 0, or -1 if the server is gone. */
static int send_some(far_tcp *t, GError **err)
{
	while (tpo_fifo_len(&t->tx)) {
		ssize_t n = send(t->fd, tpo_fifo_head(&t->tx), tpo_fifo_len(&t->tx),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			tpo_fifo_consume(&t->tx, (size_t)n);
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		else
			return lost(t, n < 0 ? errno : 0, err);
	}
	return 0;
}

/* Receives what has arrived without blocking: 1 if anything, 0 if nothing, -1 if gone. */
static int recv_some(far_tcp *t, GError **err)
{
	unsigned char *p = tpo_fifo_reserve(&t->rx, RECV_CHUNK);
	for (;;) {
		ssize_t n = recv(t->fd, p, tpo_fifo_room(&t->rx), MSG_DONTWAIT);
		if (n > 0) {
			tpo_fifo_commit(&t->rx, (size_t)n);
			return 1;
		}
		if (n == 0)
			return lost(t, 0, err);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return lost(t, errno, err);
	}
}

/* Moves bytes both ways until rx holds need_rx bytes and tx at most max_tx: 1 when so, 0 if
 * not yet and timeout_ms is 0, -1 if the server is gone or made no progress for timeout_ms. */
static int pump(far_tcp *t, size_t need_rx, size_t max_tx, int timeout_ms, GError **err)
{
	uint64_t deadline = tpo_far_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		if (send_some(t, err) < 0)
			return -1;
		while (tpo_fifo_len(&t->rx) < need_rx) {
			int r = recv_some(t, err);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
		}
		if (tpo_fifo_len(&t->rx) >= need_rx && tpo_fifo_len(&t->tx) <= max_tx)
			return 1;
		if (timeout_ms == 0)
			return 0;
		uint64_t now = tpo_far_now_ns();
		if (now >= deadline) {
			t->timed_out = true;
			GError *e = g_error_new(TPO_FAR_ERROR, TPO_FAR_ERROR_LOST,
						"far memory server %s went away (no answer for %d s)",
						t->base.uri, timeout_ms / 1000);
			tpo_far_set_lost(&t->base, e, err);
			return -1;
		}
		size_t rx = tpo_fifo_len(&t->rx), tx = tpo_fifo_len(&t->tx);
		struct pollfd p = { .fd = t->fd, .events = POLLIN | (tx ? POLLOUT : 0) };
		int r = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
		if (r < 0 && errno != EINTR)
			return lost(t, errno, err);
		if (r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) && recv_some(t, err) < 0)
			return -1;
		if (r > 0 && (p.revents & POLLOUT) && send_some(t, err) < 0)
			return -1;
		if (tpo_fifo_len(&t->rx) != rx || tpo_fifo_len(&t->tx) != tx)
			deadline = tpo_far_now_ns() + (uint64_t)timeout_ms * 1000000u;
	}
}

/* Queues a request and sends it; waits only while more than TX_HIGH bytes are queued. */
static bool request(far_tcp *t, uint32_t op, uint64_t key, const void *page, GError **err)
{
	unsigned char *h = tpo_fifo_reserve(&t->tx, TPO_FARP_HEADER);
	tpo_farp_header(h, op, key);
	tpo_fifo_commit(&t->tx, TPO_FARP_HEADER);
	if (page)
		tpo_fifo_append(&t->tx, page, TPO_FAR_PAGE);
	return pump(t, 0, TX_HIGH, IO_TIMEOUT_MS, err) > 0;
}

static bool tcp_read_start(tpo_far *f, uint64_t key, GError **err)
{
	far_tcp *t = (far_tcp *)f;
	unsigned char k[8];
	tpo_farp_put64(k, key);
	tpo_fifo_append(&t->keys, k, sizeof k);
	return request(t, TPO_FARP_READ, key, NULL, err);
}

static int tcp_read_done(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err)
{
	far_tcp *t = (far_tcp *)f;
	if (tpo_fifo_len(&t->rx) < REPLY) {
		uint64_t start = tpo_far_now_ns();
		int r = pump(t, REPLY, SIZE_MAX, wait ? IO_TIMEOUT_MS : 0, err);
		if (wait)
			f->stats.wait_ns += tpo_far_now_ns() - start;
		if (r <= 0)
			return r;
	}
	const unsigned char *h = tpo_fifo_head(&t->rx);
	uint32_t op = tpo_farp_get32(h);
	uint64_t got = tpo_farp_get64(h + 8), want = tpo_farp_get64(tpo_fifo_head(&t->keys));
	if (op != TPO_FARP_PAGE || got != want) {
		GError *e = g_error_new(TPO_FAR_ERROR, TPO_FAR_ERROR_PROTOCOL,
					"far memory server %s sent a bad reply (op %u, page %#" G_GINT64_MODIFIER
					"x; wanted op %u, page %#" G_GINT64_MODIFIER "x)",
					f->uri, op, got, TPO_FARP_PAGE, want);
		tpo_far_set_lost(f, e, err);
		return -1;
	}
	*key = got;
	memcpy(page, h + TPO_FARP_HEADER, TPO_FAR_PAGE);
	tpo_fifo_consume(&t->rx, REPLY);
	tpo_fifo_consume(&t->keys, 8);
	return 1;
}

static bool tcp_write(tpo_far *f, uint64_t key, const void *page, GError **err)
{
	g_hash_table_add(f->held, TPO_FAR_KEY(key));
	return request((far_tcp *)f, TPO_FARP_WRITE, key, page, err);
}

static bool tcp_discard(tpo_far *f, uint64_t key, GError **err)
{
	g_hash_table_remove(f->held, TPO_FAR_KEY(key));
	return request((far_tcp *)f, TPO_FARP_DISCARD, key, NULL, err);
}

static void tcp_close(tpo_far *f)
{
	far_tcp *t = (far_tcp *)f;
	if (t->fd >= 0)
		close(t->fd);
	tpo_fifo_free(&t->tx);
	tpo_fifo_free(&t->rx);
	tpo_fifo_free(&t->keys);
	tpo_far_fini(f);
	g_free(t);
}

static const tpo_far_ops tcp_ops = {
	.read_start = tcp_read_start,
	.read_done = tcp_read_done,
	.write = tcp_write,
	.discard = tcp_discard,
	.close = tcp_close,
};

/* A connected non-blocking socket to one of host:port's addresses, or -1 with errno set. */
static int connect_any(const struct addrinfo *list)
{
	int saved = ECONNREFUSED;
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int e = 0;
			socklen_t len = sizeof e;
			do
				r = poll(&p, 1, CONNECT_TIMEOUT_MS);
			while (r < 0 && errno == EINTR);
			if (r == 0)
				e = ETIMEDOUT;
			else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
			errno = e;
			r = e ? -1 : 0;
		}
		if (r == 0)
			return fd;
		saved = errno;
		close(fd);
	}
	errno = saved;
	return -1;
}

tpo_far *tpo_far_tcp_open(const char *uri, const char *host, const char *port, GError **err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV }, *list;
	int gai = getaddrinfo(host, port, &hints, &list);
	if (gai) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
			    "cannot connect to far memory server %s: %s", uri,
			    gai == EAI_SYSTEM ? g_strerror(errno) : gai_strerror(gai));
		return NULL;
	}
	int fd = connect_any(list);
	freeaddrinfo(list);
	if (fd < 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
			    "cannot connect to far memory server %s: %s", uri, g_strerror(errno));
		return NULL;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	far_tcp *t = g_new0(far_tcp, 1);
	tpo_far_init(&t->base, &tcp_ops, uri, NULL);
	t->fd = fd;
	tpo_farp_hello(tpo_fifo_reserve(&t->tx, TPO_FARP_HELLO));
	tpo_fifo_commit(&t->tx, TPO_FARP_HELLO);
	if (pump(t, TPO_FARP_HELLO, 0, CONNECT_TIMEOUT_MS, NULL) < 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
			    "cannot connect to far memory server %s: %s (is it a 3po-memserver?)", uri,
			    t->timed_out ? "no hello from it within 5 s" : "it closed the connection");
		tcp_close(&t->base);
		return NULL;
	}
	const char *why = tpo_farp_check_hello(tpo_fifo_head(&t->rx));
	if (why) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_PROTOCOL,
			    "far memory server %s: bad hello (%s)", uri, why);
		tcp_close(&t->base);
		return NULL;
	}
	tpo_fifo_consume(&t->rx, TPO_FARP_HELLO);
	return &t->base;
}
