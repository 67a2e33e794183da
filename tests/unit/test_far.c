/* test_far.c — unit tests of far memory (include/tpo/far.h): URIs, the local store and its
 * emulated link (timing, pipelining, ordering), and the tcp:// client against the real
 * 3po-memserver (path in $TPO_MEMSERVER): pipelined round trips, isolation of clients,
 * --max-mem, and a server killed mid-run (the client must report it, never hang). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <tpo/far.h>

#include "far_checks.h"
#include "check_run.h"

/* ---- URIs ---- */

START_TEST(test_bad_uris)
{
	static const char *const bad[] = {
		"", "locals", "LOCAL", "http://x:1", "tcp://", "tcp://host", "tcp://host:",
		"tcp://:80", "tcp://host:0", "tcp://host:65536", "tcp://host:12ab", "tcp://::1:80",
		"tcp://[::1", "tcp://[::1]", "tcp://[::1]80", "tcp://[]:80", "tcp://host:-1", "file:", "file:?keep", "memcached://", "memcached://h", "memcached://h:1,",
		"memcached://h:1?replicas=1", "memcached://h:1,h:2?replicas=x", "memcached://h:1?foo=1",
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *err = NULL;
		tpo_far *f = tpo_far_open(bad[i], NULL, &err);
		ck_assert_msg(!f, "'%s' opened", bad[i]);
		ck_assert_msg(err && g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_URI),
			      "'%s': wrong error", bad[i]);
		ck_assert_msg(!strchr(err->message, '\n'), "'%s': not one line", bad[i]);
		ck_assert_msg(strstr(err->message, bad[i]), "'%s' not named: %s", bad[i], err->message);
		g_error_free(err);
	}
	GError *err = NULL;
	tpo_far_options opt = { .latency_s = -1 };
	ck_assert(!tpo_far_open("local", &opt, &err));
	ck_assert(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_URI));
	g_error_free(err);
}
END_TEST

START_TEST(test_connect_refused)
{
	/* A port nobody listens on: bind one, note it, close it. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	char uri[64];
	snprintf(uri, sizeof uri, "tcp://127.0.0.1:%u", ntohs(a.sin_port));
	GError *err = NULL;
	ck_assert(!tpo_far_open(uri, NULL, &err));
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT), "%s", err->message);
	ck_assert(strstr(err->message, uri));
	g_error_free(err);
}
END_TEST

/* A listener on 127.0.0.1 that is not a 3po-memserver: a child accepts one connection and,
 * if reply is not NULL, sends it and closes; else stays silent. Returns the child's pid. */
static pid_t fake_server(const char *reply, char *uri, size_t size)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	snprintf(uri, size, "tcp://127.0.0.1:%u", ntohs(a.sin_port));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int c = accept(s, NULL, NULL);
		if (reply) {
			ssize_t n = write(c, reply, strlen(reply));
			(void)n;
			close(c);
		} else {
			pause();
		}
		_exit(0);
	}
	close(s);
	return pid;
}

START_TEST(test_not_a_memserver)
{
	char uri[64];
	GError *err = NULL;
	pid_t pid = fake_server("HTTP/1.0 400 Bad Request\r\n\r\n", uri, sizeof uri);
	ck_assert(!tpo_far_open(uri, NULL, &err));
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_PROTOCOL), "%s", err->message);
	ck_assert(strstr(err->message, uri) && strstr(err->message, "hello"));
	g_clear_error(&err);
	waitpid(pid, NULL, 0);

	pid = fake_server("", uri, sizeof uri); /* closes at once */
	ck_assert(!tpo_far_open(uri, NULL, &err));
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT), "%s", err->message);
	g_clear_error(&err);
	waitpid(pid, NULL, 0);

	pid = fake_server(NULL, uri, sizeof uri); /* silent: given up at the 5 s hello timeout */
	double t0 = now_s();
	ck_assert(!tpo_far_open(uri, NULL, &err));
	double t = now_s() - t0;
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT), "%s", err->message);
	ck_assert_msg(strstr(err->message, "within 5 s"), "%s", err->message);
	ck_assert_msg(t >= 5 && t < 7, "open took %g s, not the 5 s hello timeout", t);
	g_clear_error(&err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

/* ---- local ---- */

START_TEST(test_local_round_trip)
{
	tpo_far *f = open_ok("local", 0, 0);
	check_round_trip(f);
	tpo_far_close(f);
}
END_TEST

START_TEST(test_local_zeros_holds_discard)
{
	tpo_far *f = open_ok("local", 0, 0);
	check_zeros_holds_discard(f);
	tpo_far_close(f);
}
END_TEST

/* Starts reads of pages 0..99, then collects them: the seconds it all took. */
static double read_hundred(tpo_far *f)
{
	unsigned char p[TPO_FAR_PAGE];
	double t0 = now_s();
	for (uint64_t k = 0; k < 100; k++)
		start_ok(f, k);
	for (uint64_t k = 0; k < 100; k++)
		done_ok(f, k, p);
	return now_s() - t0;
}

START_TEST(test_local_ordering)
{
	tpo_far *f = open_ok("local", 0, 0);
	check_ordering(f);
	tpo_far_close(f);
}
END_TEST

/* Checks a time t (and the time waited) against the link's model: t at least `model` seconds
 * (the reads cannot arrive sooner), under twice that (a link counting any page or latency twice
 * would take that long; twice 0.3 s leaves room for a busy machine's scheduling), and most of
 * it spent waiting for the link. */
static void check_link_time(tpo_far *f, double t, double model)
{
	uint64_t wait = tpo_far_get_stats(f)->wait_ns;
	ck_assert_msg(t >= model && t < 2 * model, "took %g s, the link's model %g s", t, model);
	ck_assert_msg(wait >= (uint64_t)(model / 2 * 1e9) && wait <= (uint64_t)(t * 1e9) + 1,
		      "waited %g s of %g s", wait / 1e9, t);
}

/* 100 reads at 10 Mbit/s are bandwidth-bound: 100 page transfers (0.33 s) and the latency. */
START_TEST(test_local_bandwidth)
{
	tpo_far *f = open_ok("local", 1e-6, 10e6);
	double t = read_hundred(f);
	check_link_time(f, t, 100 * TPO_FAR_PAGE * 8 / 10e6 + 1e-6);
	tpo_far_close(f);
}
END_TEST

/* One read at 300 ms latency takes 300 ms; read_done(wait=false) does not wait for it. */
START_TEST(test_local_latency)
{
	tpo_far *f = open_ok("local", 0.3, 100e9);
	unsigned char p[TPO_FAR_PAGE];
	uint64_t key;
	double t0 = now_s();
	start_ok(f, 5);
	ck_assert_int_eq(tpo_far_read_done(f, &key, p, false, NULL), 0); /* not arrived yet */
	ck_assert_uint_eq(tpo_far_reads_pending(f), 1);
	done_ok(f, 5, p);
	double t = now_s() - t0;
	check_link_time(f, t, 0.3 + TPO_FAR_PAGE * 8 / 100e9);
	tpo_far_close(f);
}
END_TEST

/* 100 reads at 300 ms latency pipeline: 300 ms in all (and 100 transfers of 0.33 us), where
 * one after the other they would take 30 s. */
START_TEST(test_local_pipelined)
{
	tpo_far *f = open_ok("local", 0.3, 100e9);
	double t = read_hundred(f);
	check_link_time(f, t, 0.3 + 100 * TPO_FAR_PAGE * 8 / 100e9);
	tpo_far_close(f);
}
END_TEST

/* Writes do not block and use the other direction of the link: 100 writes on a 100 kbit/s link
 * (33 s of link time) return in less than one page's transfer (0.33 s), and a read after them
 * takes one page's transfer and the latency, as if no write were in flight. */
START_TEST(test_local_writes_do_not_block)
{
	tpo_far *f = open_ok("local", 1e-3, 100e3);
	unsigned char p[TPO_FAR_PAGE];
	double t0 = now_s();
	for (uint64_t k = 0; k < 100; k++)
		write_ok(f, k, 1);
	double t = now_s() - t0;
	ck_assert_msg(t < TPO_FAR_PAGE * 8 / 100e3, "100 writes took %g s", t);
	ck_assert_uint_eq(tpo_far_get_stats(f)->wait_ns, 0);
	ck_assert_uint_eq(tpo_far_get_stats(f)->bytes_out, 100 * TPO_FAR_PAGE);
	t0 = now_s();
	start_ok(f, 99);
	done_ok(f, 99, p);
	ck_assert(filled(p, 99, 1));
	t = now_s() - t0;
	check_link_time(f, t, 1e-3 + TPO_FAR_PAGE * 8 / 100e3);
	tpo_far_close(f);
}
END_TEST

/* ---- tcp: against the real 3po-memserver ---- */

typedef struct {
	pid_t pid;
	char uri[160];
} server;

/* Starts 3po-memserver -q -l LISTEN [EXTRA] and reads its "listening on" line (10 s at most).
 * False if it exits first (e.g. no IPv6). */
static bool server_start(server *s, const char *listen, const char *extra1, const char *extra2)
{
	const char *bin = getenv("TPO_MEMSERVER");
	ck_assert_msg(bin, "TPO_MEMSERVER is not set (the path of 3po-memserver)");
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(bin, bin, "-q", "--listen", listen, extra1, extra2, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	char line[128];
	size_t n = 0;
	double deadline = now_s() + 10;
	while (n < sizeof line - 1 && (n == 0 || line[n - 1] != '\n')) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)((deadline - now_s()) * 1000);
		ck_assert_msg(left > 0 && poll(&p, 1, left) == 1, "3po-memserver did not start");
		ssize_t r = read(pfd[0], line + n, 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(pfd[0]);
	line[n] = 0;
	if (strncmp(line, "listening on ", 13) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return false;
	}
	line[strcspn(line, "\n")] = 0;
	s->pid = pid;
	snprintf(s->uri, sizeof s->uri, "tcp://%s", line + 13);
	return true;
}

/* Sends sig and waits (5 s at most); returns the wait status. */
static int server_stop(server *s, int sig)
{
	int status = 0;
	kill(s->pid, sig);
	double deadline = now_s() + 5;
	while (waitpid(s->pid, &status, WNOHANG) == 0) {
		if (now_s() > deadline) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			ck_abort_msg("3po-memserver did not stop on signal %d", sig);
		}
		usleep(1000);
	}
	return status;
}

static server srv;

static void srv_setup(void)
{
	ck_assert(server_start(&srv, "127.0.0.1:0", NULL, NULL));
}

static void srv_teardown(void)
{
	int status = server_stop(&srv, SIGTERM);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

START_TEST(test_tcp_round_trip)
{
	tpo_far *f = open_ok(srv.uri, 0, 0);
	check_round_trip(f);
	tpo_far_close(f);
}
END_TEST

START_TEST(test_tcp_zeros_holds_discard)
{
	tpo_far *f = open_ok(srv.uri, 0, 0);
	check_zeros_holds_discard(f);
	tpo_far_close(f);
}
END_TEST

START_TEST(test_tcp_ordering)
{
	tpo_far *f = open_ok(srv.uri, 0, 0);
	check_ordering(f);
	tpo_far_close(f);
}
END_TEST

/* Many pages, all reads started before any is collected (32 MiB of replies in flight: the
 * client must keep receiving while it sends), then a sliding window of reads and writes. */
START_TEST(test_tcp_many_pipelined)
{
	enum { N = 8192 };
	tpo_far *f = open_ok(srv.uri, 0, 0);
	check_many(f, N);
	tpo_far_close(f);
}
END_TEST

/* read_done(wait=false) never blocks, even with the server stopped. */
START_TEST(test_tcp_no_wait)
{
	tpo_far *f = open_ok(srv.uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	uint64_t key;
	write_ok(f, 1, 1);
	kill(srv.pid, SIGSTOP);
	start_ok(f, 1);
	double t0 = now_s();
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(tpo_far_read_done(f, &key, p, false, NULL), 0);
	ck_assert_msg(now_s() - t0 < 0.5, "read_done(wait=false) blocked");
	kill(srv.pid, SIGCONT);
	done_ok(f, 1, p);
	ck_assert(filled(p, 1, 1));
	/* And it does collect a read that has arrived. */
	start_ok(f, 1);
	int r = 0;
	for (double end = now_s() + 5; r == 0 && now_s() < end;)
		r = tpo_far_read_done(f, &key, p, false, NULL);
	ck_assert_int_eq(r, 1);
	ck_assert(filled(p, 1, 1));
	tpo_far_close(f);
}
END_TEST

/* Two clients have separate pages; a page space goes with its connection. */
START_TEST(test_tcp_clients_isolated)
{
	tpo_far *a = open_ok(srv.uri, 0, 0), *b = open_ok(srv.uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	write_ok(a, 1, 1);
	start_ok(b, 1);
	done_ok(b, 1, p);
	ck_assert(zeros(p));
	ck_assert(!tpo_far_holds(b, 1));
	write_ok(b, 1, 2);
	start_ok(a, 1);
	start_ok(b, 1);
	done_ok(a, 1, p);
	ck_assert(filled(p, 1, 1));
	done_ok(b, 1, p);
	ck_assert(filled(p, 1, 2));
	tpo_far_close(a);
	a = open_ok(srv.uri, 0, 0);
	start_ok(a, 1);
	done_ok(a, 1, p);
	ck_assert(zeros(p));
	tpo_far_close(a);
	tpo_far_close(b);
}
END_TEST

static void check_lost(tpo_far *f, const char *uri)
{
	unsigned char p[TPO_FAR_PAGE] = { 0 };
	uint64_t key;
	GError *err = NULL;
	ck_assert(!tpo_far_write(f, 1, p, &err));
	ck_assert(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST));
	g_clear_error(&err);
	ck_assert(!tpo_far_read_start(f, 1, &err));
	ck_assert(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST));
	g_clear_error(&err);
	ck_assert(!tpo_far_discard(f, 1, &err));
	g_clear_error(&err);
	ck_assert_int_eq(tpo_far_read_done(f, &key, p, false, &err), -1);
	ck_assert(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST));
	char *want = g_strdup_printf("far memory server %s went away", uri);
	ck_assert_msg(strstr(err->message, want), "message: %s", err->message);
	g_free(want);
	g_clear_error(&err);
}

/* Collects reads until one fails (each wait is bounded); returns the error. */
static GError *collect_until_error(tpo_far *f, unsigned max)
{
	unsigned char p[TPO_FAR_PAGE];
	uint64_t key;
	GError *err = NULL;
	for (unsigned i = 0; i < max; i++) {
		if (!tpo_far_reads_pending(f) && !tpo_far_read_start(f, 7, &err))
			return err;
		int r = tpo_far_read_done(f, &key, p, true, &err);
		if (r < 0)
			return err;
		ck_assert_int_eq(r, 1);
	}
	ck_abort_msg("no error after %u reads", max);
	return NULL;
}

/* The server is killed with reads in flight: the client reports it, by name, promptly. */
START_TEST(test_tcp_server_killed)
{
	server s;
	ck_assert(server_start(&s, "127.0.0.1:0", NULL, NULL));
	tpo_far *f = open_ok(s.uri, 0, 0);
	for (uint64_t k = 0; k < 256; k++)
		write_ok(f, k, 1);
	for (uint64_t k = 0; k < 256; k++)
		start_ok(f, k);
	int status = server_stop(&s, SIGKILL);
	ck_assert(WIFSIGNALED(status));
	double t0 = now_s();
	GError *err = collect_until_error(f, 1000);
	/* the kernel closes a killed process's sockets: the client sees it at once, not at its
	 * 30 s no-progress timeout */
	ck_assert_msg(now_s() - t0 < 2, "took %g s to notice", now_s() - t0);
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST), "%s", err->message);
	ck_assert_msg(strstr(err->message, "went away"), "%s", err->message);
	ck_assert_msg(strstr(err->message, s.uri), "%s", err->message);
	g_error_free(err);
	check_lost(f, s.uri);
	tpo_far_close(f);
}
END_TEST

/* --max-mem: a write beyond it closes the connection, which the client reports as LOST;
 * other clients go on; memory discarded or freed at disconnect counts no more. */
START_TEST(test_tcp_max_mem)
{
	server s;
	ck_assert(server_start(&s, "127.0.0.1:0", "--max-mem", "8K"));
	tpo_far *f = open_ok(s.uri, 0, 0), *g = open_ok(s.uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	write_ok(f, 1, 1);
	write_ok(f, 1, 2); /* overwrite: no new memory */
	write_ok(f, 2, 1);
	ck_assert(tpo_far_discard(f, 2, NULL));
	write_ok(f, 3, 1);
	start_ok(f, 3);
	done_ok(f, 3, p);
	ck_assert(filled(p, 3, 1));
	write_ok(f, 4, 1); /* the third page: refused */
	GError *err = collect_until_error(f, 10);
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST), "%s", err->message);
	g_error_free(err);
	tpo_far_close(f);
	/* f's pages were freed with its connection: g may store two. */
	for (double end = now_s() + 5;;) {
		tpo_far *h = open_ok(s.uri, 0, 0);
		write_ok(h, 10, 1);
		write_ok(h, 11, 1);
		start_ok(h, 11);
		GError *e = NULL;
		uint64_t key;
		int r = tpo_far_read_done(h, &key, p, true, &e);
		tpo_far_close(h);
		if (r == 1)
			break;
		g_error_free(e); /* the server may not have seen f go yet */
		ck_assert_msg(now_s() < end, "memory of a closed client not freed");
		usleep(10000);
	}
	start_ok(g, 1);
	done_ok(g, 1, p);
	ck_assert(zeros(p));
	tpo_far_close(g);
	int status = server_stop(&s, SIGTERM);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* Can this host listen on the IPv6 loopback (a kernel without IPv6, or with it disabled on lo,
 * cannot)? Asked of the kernel directly, not of the server under test. */
static bool host_has_ipv6_loopback(void)
{
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0)
		return false;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
	close(s);
	return ok;
}

/* IPv6 literal in brackets. Only a host that cannot listen on [::1] at all may have a server that
 * does not start there (and then it must not). */
START_TEST(test_tcp_ipv6)
{
	server s;
	bool v6 = host_has_ipv6_loopback();
	bool started = server_start(&s, "[::1]:0", NULL, NULL);
	if (!v6) {
		ck_assert_msg(!started, "3po-memserver listens on [::1] where the kernel cannot");
		fprintf(stderr, "test_tcp_ipv6: no IPv6 loopback on this host: nothing more to test\n");
		return;
	}
	ck_assert_msg(started, "3po-memserver did not start on [::1]:0 (the host can listen there)");
	ck_assert(strncmp(s.uri, "tcp://[::1]:", 12) == 0);
	tpo_far *f = open_ok(s.uri, 0, 0);
	check_round_trip(f);
	tpo_far_close(f);
	int status = server_stop(&s, SIGINT);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

static Suite *far_suite(void)
{
	Suite *s = suite_create("far");
	TCase *tc = tcase_create("uri");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bad_uris);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_not_a_memserver);
	suite_add_tcase(s, tc);

	tc = tcase_create("local");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_local_round_trip);
	tcase_add_test(tc, test_local_zeros_holds_discard);
	tcase_add_test(tc, test_local_ordering);
	tcase_add_test(tc, test_local_bandwidth);
	tcase_add_test(tc, test_local_latency);
	tcase_add_test(tc, test_local_pipelined);
	tcase_add_test(tc, test_local_writes_do_not_block);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_add_test(tc, test_tcp_round_trip);
	tcase_add_test(tc, test_tcp_zeros_holds_discard);
	tcase_add_test(tc, test_tcp_ordering);
	tcase_add_test(tc, test_tcp_many_pipelined);
	tcase_add_test(tc, test_tcp_no_wait);
	tcase_add_test(tc, test_tcp_clients_isolated);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp_own_server");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tcp_server_killed);
	tcase_add_test(tc, test_tcp_max_mem);
	tcase_add_test(tc, test_tcp_ipv6);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tpo_check_run(far_suite());
}
