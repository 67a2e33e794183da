/* test_far_memcached.c — unit tests of the memcached:// far memory (src/far/far_memcached.c)
 * against real memcached servers ($TPO_MEMCACHED) this test starts on free loopback ports:
 * round trips over one and three servers, pages spread over them and deleted at close (seen
 * in the servers' own "stats"), a server killed with and without replicas, and pages a server
 * evicts (no -M) or refuses (-M, full): a stored page that comes back missing is an error
 * naming the server, never zeros. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tpo/far.h>

#include "far_checks.h"
#include "check_run.h"

typedef struct {
	pid_t pid;
	unsigned port;
} mc;

/* A port nobody listens on now. */
static unsigned free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

static int connect_port(unsigned port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)port) };
	if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
		return s;
	close(s);
	return -1;
}

/* Starts memcached on a free loopback port with -m MB (and -M if no_evict); waits until it
 * accepts connections (10 s at most; another port if it could not listen). */
static void mc_start(mc *m, const char *mb, bool no_evict)
{
	const char *bin = getenv("TPO_MEMCACHED");
	ck_assert_msg(bin, "TPO_MEMCACHED is not set (the path of memcached)");
	struct passwd *pw = getpwuid(geteuid());
	for (int attempt = 0; attempt < 5; attempt++) {
		m->port = free_port();
		char port[16];
		snprintf(port, sizeof port, "%u", m->port);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* -u: memcached refuses to run as root without it */
			execl(bin, bin, "-l", "127.0.0.1", "-p", port, "-U", "0", "-u", pw ? pw->pw_name : "root",
			      "-m", mb, "-t", "1", no_evict ? "-M" : (char *)NULL, (char *)NULL);
			_exit(127);
		}
		m->pid = pid;
		for (double end = now_s() + 10; now_s() < end; usleep(2000)) {
			int s = connect_port(m->port);
			if (s >= 0) {
				close(s);
				return;
			}
			if (waitpid(pid, NULL, WNOHANG) == pid)
				break; /* could not listen (the port was taken meanwhile) */
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	ck_abort_msg("memcached did not start");
}

static void mc_kill(mc *m)
{
	kill(m->pid, SIGKILL);
	waitpid(m->pid, NULL, 0);
	m->pid = 0;
}

/* A number from the server's own "stats" (e.g. curr_items), asked over a socket of our own. */
static long long mc_stat(const mc *m, const char *name)
{
	int s = connect_port(m->port);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(write(s, "stats\r\n", 7), 7);
	GString *buf = g_string_new(NULL);
	char chunk[4096];
	while (!strstr(buf->str, "END\r\n")) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ck_assert_msg(poll(&p, 1, 10000) == 1, "no answer to stats");
		ssize_t n = read(s, chunk, sizeof chunk);
		ck_assert_int_gt(n, 0);
		g_string_append_len(buf, chunk, n);
	}
	close(s);
	char *key = g_strdup_printf("STAT %s ", name);
	char *at = strstr(buf->str, key);
	ck_assert_msg(at, "no %s in stats", name);
	long long v = strtoll(at + strlen(key), NULL, 10);
	g_free(key);
	g_string_free(buf, TRUE);
	return v;
}

/* "memcached://127.0.0.1:P1,...[SUFFIX]" for servers[0..n) */
static char *uri_of(const mc *servers, unsigned n, const char *suffix)
{
	GString *s = g_string_new("memcached://");
	for (unsigned k = 0; k < n; k++)
		g_string_append_printf(s, "%s127.0.0.1:%u", k ? "," : "", servers[k].port);
	g_string_append(s, suffix ? suffix : "");
	return g_string_free(s, FALSE);
}

static mc srv[3];

static void three_setup(void)
{
	for (unsigned k = 0; k < 3; k++)
		mc_start(&srv[k], "64", true);
}

static void three_teardown(void)
{
	for (unsigned k = 0; k < 3; k++)
		if (srv[k].pid)
			mc_kill(&srv[k]);
}

static void check_three(void (*check)(tpo_far *), unsigned n, const char *suffix)
{
	char *uri = uri_of(srv, n, suffix);
	tpo_far *f = open_ok(uri, 0, 0);
	check(f);
	tpo_far_close(f);
	g_free(uri);
}

START_TEST(test_mc_round_trip)
{
	check_three(check_round_trip, 1, NULL);
	check_three(check_round_trip, 3, NULL);
	check_three(check_round_trip, 3, "?replicas=2");
}
END_TEST

START_TEST(test_mc_zeros_holds_discard)
{
	check_three(check_zeros_holds_discard, 1, NULL);
	check_three(check_zeros_holds_discard, 3, "?replicas=1");
}
END_TEST

START_TEST(test_mc_ordering)
{
	check_three(check_ordering, 1, NULL);
	check_three(check_ordering, 3, "?replicas=1");
}
END_TEST

static long long items(unsigned n)
{
	long long sum = 0;
	for (unsigned k = 0; k < n; k++)
		sum += mc_stat(&srv[k], "curr_items");
	return sum;
}

/* Pages spread over the three servers (each holds a fair share, in its own stats), copies on
 * replicas+1 of them; many reads pipelined; the pages deleted when the store closes. */
static void check_spread(unsigned replicas)
{
	enum { N = 3000 };
	char suffix[32];
	snprintf(suffix, sizeof suffix, "?replicas=%u", replicas);
	char *uri = uri_of(srv, 3, suffix);
	tpo_far *f = open_ok(uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < N; k++)
		write_ok(f, k, 1);
	for (uint64_t k = 0; k < N; k++)
		start_ok(f, k);
	for (uint64_t k = 0; k < N; k++) {
		done_ok(f, k, p);
		ck_assert_msg(filled(p, k, 1), "page %u", (unsigned)k);
	}
	ck_assert_int_eq(items(3), (long long)N * (replicas + 1));
	for (unsigned k = 0; k < 3; k++) {
		long long n = mc_stat(&srv[k], "curr_items");
		ck_assert_msg(n > N * (replicas + 1) / 3 / 2, "server %u holds only %lld of %u pages", k, n, N);
	}
	tpo_far_close(f);
	ck_assert_int_eq(items(3), 0);
	g_free(uri);
}

START_TEST(test_mc_spread)
{
	check_spread(0);
	check_spread(1);
}
END_TEST

/* The pages read back while a server dies: with replicas, all of them, right. */
START_TEST(test_mc_killed_with_replicas)
{
	enum { N = 2000 };
	char *uri = uri_of(srv, 3, "?replicas=1");
	tpo_far *f = open_ok(uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < N; k++)
		write_ok(f, k, 1);
	for (uint64_t k = 0; k < N / 2; k++)
		start_ok(f, k);
	mc_kill(&srv[1]);
	for (uint64_t k = N / 2; k < N; k++)
		start_ok(f, k);
	for (uint64_t k = 0; k < N; k++) {
		done_ok(f, k, p);
		ck_assert_msg(filled(p, k, 1), "page %u", (unsigned)k);
	}
	/* and it goes on: new pages stored on the servers left */
	for (uint64_t k = 0; k < N; k++)
		write_ok(f, k, 2);
	for (uint64_t k = 0; k < N; k++) {
		start_ok(f, k);
		done_ok(f, k, p);
		ck_assert_msg(filled(p, k, 2), "page %u", (unsigned)k);
	}
	tpo_far_close(f);
	g_free(uri);
}
END_TEST

/* Without replicas the dead server's pages are gone: an error naming it. */
START_TEST(test_mc_killed)
{
	enum { N = 2000 };
	char *uri = uri_of(srv, 3, NULL);
	tpo_far *f = open_ok(uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < N; k++)
		write_ok(f, k, 1);
	mc_kill(&srv[2]);
	for (uint64_t k = 0; k < N; k++)
		start_ok(f, k);
	GError *err = NULL;
	int r = 1;
	uint64_t key;
	for (uint64_t k = 0; k < N && r == 1; k++) {
		r = tpo_far_read_done(f, &key, p, true, &err);
		ck_assert_msg(r != 1 || filled(p, k, 1), "page %u came back wrong", (unsigned)k);
	}
	ck_assert_int_eq(r, -1);
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST), "%s", err->message);
	char want[64];
	snprintf(want, sizeof want, "127.0.0.1:%u went away", srv[2].port);
	ck_assert_msg(strstr(err->message, want), "no '%s' in: %s", want, err->message);
	ck_assert(!strchr(err->message, '\n'));
	g_clear_error(&err);
	ck_assert(!tpo_far_write(f, 1, p, &err)); /* lost for good */
	g_clear_error(&err);
	tpo_far_close(f);
	g_free(uri);
}
END_TEST

START_TEST(test_mc_refused)
{
	char uri[64];
	unsigned port = free_port();
	snprintf(uri, sizeof uri, "memcached://127.0.0.1:%u", port);
	GError *err = NULL;
	ck_assert(!tpo_far_open(uri, NULL, &err));
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT), "%s", err->message);
	char want[32];
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	ck_assert_msg(strstr(err->message, want), "%s", err->message);
	g_clear_error(&err);
}
END_TEST

/* Stores more than a small server holds, then reads everything back: the first page missing
 * is an error naming the server and saying -M; every page before it is right. */
static void check_lost_pages(const mc *m)
{
	enum { N = 4000 }; /* 16 MiB of pages */
	char *uri = uri_of(m, 1, NULL);
	tpo_far *f = open_ok(uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < N; k++)
		write_ok(f, k, 1);
	GError *err = NULL;
	uint64_t key;
	int r = 1;
	for (uint64_t k = 0; k < N && r == 1; k++) {
		start_ok(f, k);
		r = tpo_far_read_done(f, &key, p, true, &err);
		ck_assert_msg(r != 1 || filled(p, k, 1), "page %u came back wrong", (unsigned)k);
	}
	ck_assert_msg(r == -1, "a 2 MB memcached gave back all %u pages", N);
	char want[48];
	snprintf(want, sizeof want, "memcached server 127.0.0.1:%u lost page", m->port);
	ck_assert_msg(strstr(err->message, want) && strstr(err->message, "-M"), "%s", err->message);
	g_clear_error(&err);
	tpo_far_close(f);
	g_free(uri);
}

START_TEST(test_mc_evicted)
{
	mc m;
	mc_start(&m, "2", false);
	check_lost_pages(&m);
	ck_assert_int_gt(mc_stat(&m, "evictions"), 0); /* the server says it evicted */
	mc_kill(&m);
}
END_TEST

START_TEST(test_mc_full)
{
	mc m;
	mc_start(&m, "2", true);
	check_lost_pages(&m);
	ck_assert_int_eq(mc_stat(&m, "evictions"), 0); /* -M: refused, not evicted */
	mc_kill(&m);
}
END_TEST

static Suite *far_mc_suite(void)
{
	Suite *s = suite_create("far_memcached");
	TCase *tc = tcase_create("three");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, three_setup, three_teardown);
	tcase_add_test(tc, test_mc_round_trip);
	tcase_add_test(tc, test_mc_zeros_holds_discard);
	tcase_add_test(tc, test_mc_ordering);
	tcase_add_test(tc, test_mc_spread);
	tcase_add_test(tc, test_mc_killed_with_replicas);
	tcase_add_test(tc, test_mc_killed);
	suite_add_tcase(s, tc);
	tc = tcase_create("own");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mc_refused);
	tcase_add_test(tc, test_mc_evicted);
	tcase_add_test(tc, test_mc_full);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tpo_check_run(far_mc_suite());
}
