/* memserver.c — the core of 3po-memserver (src/cmd/3po-memserver.c keeps only its command
 * line): holds far memory pages for 3PO runtimes on other hosts (or processes), the server end
 * of the tcp:// far memory (protocol: far_tcp.c, docs/memserver-protocol.md). One poll loop
 * serves every client; each connection has its own pages, freed when it closes. Out of
 * descriptors, it stops accepting until a client leaves. */
#define _GNU_SOURCE
#include "far_proto.h"

#include <tpo/far.h>
#include <tpo/memserver.h>

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define KEY(k) ((gpointer)(uintptr_t)(k)) /* a page key as a hash-table key (64-bit) */
#define TX_LIMIT (4u << 20) /* replies queued for one client before its requests wait */
#define RECV_CHUNK (256u << 10)

typedef struct {
	int fd;
	unsigned id;
	char peer[80];
	bool hello;        /* its hello has been received and checked */
	bool dead;
	tpo_fifo rx, tx;
	GHashTable *pages; /* key → page */
} client;

static struct {
	bool quiet;
	uint64_t max_mem;     /* 0: no limit */
	const char *max_mem_arg;
	uint64_t used;        /* bytes of pages held, all clients */
	volatile sig_atomic_t stop;
} S;

static void on_signal(int sig)
{
	S.stop = sig;
}

/* "HOST:PORT" of a socket address ("[V6]:PORT" for IPv6). */
static void format_addr(const struct sockaddr *sa, socklen_t len, char *out, size_t size)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getnameinfo(sa, len, host, sizeof host, port, sizeof port,
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(out, size, "?");
		return;
	}
	snprintf(out, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

/* ---- clients ---- */

static void client_log(const client *c, const char *what)
{
	fprintf(stderr, "3po-memserver: client %u (%s) %s\n", c->id, c->peer, what);
}

static void client_free(client *c)
{
	if (!S.quiet) {
		char *what = g_strdup_printf("left, %u pages freed", g_hash_table_size(c->pages));
		client_log(c, what);
		g_free(what);
	}
	S.used -= (uint64_t)g_hash_table_size(c->pages) * TPO_FAR_PAGE;
	g_hash_table_destroy(c->pages);
	tpo_fifo_free(&c->rx);
	tpo_fifo_free(&c->tx);
	close(c->fd);
	g_free(c);
}

/* Drops a client for a reason, always logged. */
static void client_drop(client *c, const char *why)
{
	client_log(c, why);
	c->dead = true;
}

static void client_send(client *c)
{
	while (!c->dead && tpo_fifo_len(&c->tx)) {
		ssize_t n = send(c->fd, tpo_fifo_head(&c->tx), tpo_fifo_len(&c->tx),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			tpo_fifo_consume(&c->tx, (size_t)n);
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		else
			c->dead = true; /* gone: reported when freed */
	}
}

static void client_recv(client *c)
{
	unsigned char *p = tpo_fifo_reserve(&c->rx, RECV_CHUNK);
	ssize_t n = recv(c->fd, p, tpo_fifo_room(&c->rx), MSG_DONTWAIT);
	if (n > 0)
		tpo_fifo_commit(&c->rx, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		c->dead = true;
}

/* Stores a page; false (and the client is dropped) if --max-mem does not allow it. */
static bool client_write(client *c, uint64_t key, const unsigned char *data)
{
	unsigned char *page = g_hash_table_lookup(c->pages, KEY(key));
	if (!page) {
		if (S.max_mem && S.used + TPO_FAR_PAGE > S.max_mem) {
			char *why = g_strdup_printf("refused: a write would exceed --max-mem %s "
						    "(%" PRIu64 " bytes held), closing the connection",
						    S.max_mem_arg, S.used);
			client_drop(c, why);
			g_free(why);
			return false;
		}
		page = g_malloc(TPO_FAR_PAGE);
		g_hash_table_insert(c->pages, KEY(key), page);
		S.used += TPO_FAR_PAGE;
	}
	memcpy(page, data, TPO_FAR_PAGE);
	return true;
}

/* Handles the complete requests in rx while the replies queued stay under TX_LIMIT; true if it
 * stopped at that limit with requests left. */
static bool client_serve(client *c)
{
	while (!c->dead) {
		size_t len = tpo_fifo_len(&c->rx);
		if (!c->hello) {
			if (len < TPO_FARP_HELLO)
				return false;
			const char *why = tpo_farp_check_hello(tpo_fifo_head(&c->rx));
			if (why) {
				char *msg = g_strdup_printf("sent a bad hello (%s), closing", why);
				client_drop(c, msg);
				g_free(msg);
				return false;
			}
			tpo_fifo_consume(&c->rx, TPO_FARP_HELLO);
			c->hello = true;
			continue;
		}
		if (len < TPO_FARP_HEADER)
			return false;
		if (tpo_fifo_len(&c->tx) >= TX_LIMIT)
			return true;
		const unsigned char *h = tpo_fifo_head(&c->rx);
		uint32_t op = tpo_farp_get32(h);
		uint64_t key = tpo_farp_get64(h + 8);
		if (op == TPO_FARP_READ) {
			unsigned char *out = tpo_fifo_reserve(&c->tx, TPO_FARP_HEADER + TPO_FAR_PAGE);
			const unsigned char *page = g_hash_table_lookup(c->pages, KEY(key));
			tpo_farp_header(out, TPO_FARP_PAGE, key);
			if (page)
				memcpy(out + TPO_FARP_HEADER, page, TPO_FAR_PAGE);
			else
				memset(out + TPO_FARP_HEADER, 0, TPO_FAR_PAGE);
			tpo_fifo_commit(&c->tx, TPO_FARP_HEADER + TPO_FAR_PAGE);
			tpo_fifo_consume(&c->rx, TPO_FARP_HEADER);
		} else if (op == TPO_FARP_WRITE) {
			if (len < TPO_FARP_HEADER + TPO_FAR_PAGE)
				return false;
			if (!client_write(c, key, h + TPO_FARP_HEADER))
				return false;
			tpo_fifo_consume(&c->rx, TPO_FARP_HEADER + TPO_FAR_PAGE);
		} else if (op == TPO_FARP_DISCARD) {
			if (g_hash_table_remove(c->pages, KEY(key)))
				S.used -= TPO_FAR_PAGE;
			tpo_fifo_consume(&c->rx, TPO_FARP_HEADER);
		} else {
			char *msg = g_strdup_printf("sent an unknown request (op %u), closing", op);
			client_drop(c, msg);
			g_free(msg);
			return false;
		}
	}
	return false;
}

/* Serves and sends until the requests received are done or the replies wait for the client
 * (then POLLOUT brings it back here): requests left in rx would get no other wake-up. */
static void client_run(client *c)
{
	for (;;) {
		bool more = client_serve(c);
		client_send(c);
		if (!more || c->dead || tpo_fifo_len(&c->tx) >= TX_LIMIT)
			return;
	}
}

/* Out of descriptors or memory for a new connection: accept cannot succeed until something is
 * freed, and the listening socket stays readable meanwhile. */
static bool accept_starved(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* Logs, once per shortage, why new connections wait. */
static void log_starved(int err)
{
	struct rlimit rl;
	if (err == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		fprintf(stderr, "3po-memserver: cannot accept connections: %s (ulimit -n %llu); new "
			"connections wait until a client leaves\n", g_strerror(err),
			(unsigned long long)rl.rlim_cur);
	else
		fprintf(stderr, "3po-memserver: cannot accept connections: %s; new connections wait "
			"until a client leaves\n", g_strerror(err));
}

/* Accepts every connection waiting. Returns false when it ran out of descriptors or memory
 * (the caller stops polling the listening socket for a while), true otherwise. */
static bool accept_clients(int lfd, GPtrArray *clients, bool *starved_logged)
{
	static unsigned next_id = 1;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (accept_starved(errno)) {
				if (!*starved_logged)
					log_starved(errno);
				*starved_logged = true;
				return false;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fprintf(stderr, "3po-memserver: accept: %s\n", g_strerror(errno));
			return true;
		}
		if (*starved_logged)
			fprintf(stderr, "3po-memserver: accepting connections again\n");
		*starved_logged = false;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		client *c = g_new0(client, 1);
		c->fd = fd;
		c->id = next_id++;
		format_addr((struct sockaddr *)&ss, len, c->peer, sizeof c->peer);
		c->pages = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
		tpo_farp_hello(tpo_fifo_reserve(&c->tx, TPO_FARP_HELLO));
		tpo_fifo_commit(&c->tx, TPO_FARP_HELLO);
		client_send(c);
		if (!S.quiet)
			client_log(c, "connected");
		g_ptr_array_add(clients, c);
	}
}

/* ---- listening and the loop ---- */

/* The listening socket for HOST:PORT, or -1 after a one-line error. */
static int listen_on(const char *host, const char *port, const char *arg)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *list;
	int gai = getaddrinfo(host, port, &hints, &list);
	if (gai) {
		fprintf(stderr, "3po-memserver: cannot listen on %s: %s\n", arg,
			gai == EAI_SYSTEM ? g_strerror(errno) : gai_strerror(gai));
		return -1;
	}
	int fd = -1, saved = 0;
	for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(list);
	if (fd < 0)
		fprintf(stderr, "3po-memserver: cannot listen on %s: %s\n", arg, g_strerror(saved));
	return fd;
}

/* While accept is starved the listening socket is left out of the poll until a client leaves,
 * or for this long (the shortage may be the system's, not ours). */
#define ACCEPT_BACKOFF_MS 500

static void serve(int lfd, const sigset_t *unblocked)
{
	GPtrArray *clients = g_ptr_array_new();
	GArray *fds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));
	bool accepting = true, starved_logged = false;
	while (!S.stop) {
		g_array_set_size(fds, 0);
		struct pollfd p = { .fd = lfd, .events = accepting ? POLLIN : 0 };
		g_array_append_val(fds, p);
		for (guint i = 0; i < clients->len; i++) {
			client *c = clients->pdata[i];
			p.fd = c->fd;
			p.events = (tpo_fifo_len(&c->tx) < TX_LIMIT ? POLLIN : 0) |
				   (tpo_fifo_len(&c->tx) ? POLLOUT : 0);
			g_array_append_val(fds, p);
		}
		struct timespec backoff = { 0, ACCEPT_BACKOFF_MS * 1000000L };
		int n = ppoll((struct pollfd *)fds->data, fds->len, accepting ? NULL : &backoff, unblocked);
		if (n == 0)
			accepting = true; /* the back-off is over: try again */
		if (n < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "3po-memserver: poll: %s\n", g_strerror(errno));
				break;
			}
			continue;
		}
		guint polled = clients->len;
		for (guint i = 0; i < polled; i++) {
			client *c = clients->pdata[i];
			short ev = g_array_index(fds, struct pollfd, i + 1).revents;
			if (ev & POLLOUT)
				client_send(c);
			if (ev & (POLLIN | POLLHUP | POLLERR))
				client_recv(c);
			client_run(c);
		}
		if (g_array_index(fds, struct pollfd, 0).revents & POLLIN)
			accepting = accept_clients(lfd, clients, &starved_logged);
		for (guint i = clients->len; i-- > 0;) {
			client *c = clients->pdata[i];
			if (c->dead) {
				client_free(c);
				g_ptr_array_remove_index(clients, i);
				accepting = true; /* a descriptor is free again */
			}
		}
	}
	if (S.stop && !S.quiet)
		fprintf(stderr, "3po-memserver: stopping on %s\n", S.stop == SIGINT ? "SIGINT" : "SIGTERM");
	for (guint i = 0; i < clients->len; i++)
		client_free(clients->pdata[i]);
	g_ptr_array_free(clients, TRUE);
	g_array_free(fds, TRUE);
}

const char *tpo_memserver_check_listen(const char *arg)
{
	char *host, *port;
	const char *why = tpo_farp_split_hostport(arg, true, &host, &port);
	if (!why) {
		g_free(host);
		g_free(port);
	}
	return why;
}

int tpo_memserver_run(const char *listen_arg, const tpo_memserver_options *opt)
{
	S.quiet = opt->quiet;
	S.max_mem = opt->max_mem;
	S.max_mem_arg = opt->max_mem_arg;
	char *host, *port;
	if (tpo_farp_split_hostport(listen_arg, true, &host, &port))
		return 2; /* tpo_memserver_check_listen said why */

	sigset_t block, unblocked;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lfd = listen_on(host, port, listen_arg);
	g_free(host);
	g_free(port);
	if (lfd < 0)
		return 1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char addr[NI_MAXHOST + NI_MAXSERV + 4];
	getsockname(lfd, (struct sockaddr *)&ss, &len);
	format_addr((struct sockaddr *)&ss, len, addr, sizeof addr);
	printf("listening on %s\n", addr);
	fflush(stdout);
	serve(lfd, &unblocked);
	close(lfd);
	return 0;
}
