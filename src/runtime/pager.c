/* pager.c — the pager thread: answers the program's page faults (userfaultfd), collects pages
 * arriving from far memory, and lets the policy prefetch (see placement for where it runs). It
 * spins while there is work or a recent fault (waking a thread on another CPU costs tens of
 * microseconds here), then sleeps in poll() until the next fault. */
#define _GNU_SOURCE
#include "rt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPIN_NS 2000000ull /* keep spinning this long after the last piece of work */

uint64_t rt_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The program touches a page that arrived (or is arriving) ahead of need, for the first time. */
static void first_use(rt *r, rt_region *g, size_t i)
{
	if (g->flags[i] & RT_PF_PREFETCHED)
		r->st.prefetch_used++;
	g->flags[i] &= (uint8_t)~RT_PF_PREFETCHED;
	if (r->pol->on_hit)
		r->pol->on_hit(r, r->pol, g, i);
	g->flags[i] &= (uint8_t)~RT_PF_KEY;
}

static void on_fault(rt *r, uint64_t address, uint64_t fl)
{
	uint64_t t0 = rt_now_ns();
	uint64_t addr = address & ~(RT_PAGE - 1);
	rt_run_flush(r); /* pages gathered by the last fault's prefetches: placed before this one looks */
	rt_region *g = rt_region_find(r, addr);
	if (!g) { /* being unmapped right now: let the thread go on as the kernel decides */
		rt_uffd_copy(r, addr, r->zero, false);
		rt_uffd_wake(r, addr);
		return;
	}
	size_t i = rt_idx(g, addr);
	bool write = (fl & UFFD_PAGEFAULT_FLAG_WRITE) != 0;
	if (fl & UFFD_PAGEFAULT_FLAG_WP) {
		/* the first write to a clean page, or a write that met an eviction in progress (the
		 * page is gone now, or back) */
		if (g->state[i] == RT_MAPPED) {
			if (g->flags[i] & RT_PF_CLEAN) {
				r->st.first_writes++;
				g->clean_writes++;
			}
			g->flags[i] &= (uint8_t)~RT_PF_CLEAN;
			if (!rt_uffd_wp(r, addr, false))
				rt_op_failed(r, "write-enabling", addr);
		} else {
			rt_uffd_wake(r, addr);
		}
		r->st.stall_s += (double)(rt_now_ns() - t0) / 1e9;
		return;
	}
	switch (g->state[i]) {
	case RT_MAPPED:
		rt_uffd_wake(r, addr);
		return;
	case RT_CACHED:
		if (!rt_map_cached(r, g, i, write))
			return;
		r->st.minor_faults++;
		first_use(r, g, i);
		return;
	case RT_INFLIGHT:
		/* the program caught up with a prefetch: wait for it, then map it */
		r->st.late_fetches++;
		first_use(r, g, i);
		if (write)
			g->flags[i] |= RT_PF_WRITE;
		if (!rt_wait_page(r, g, i))
			return;
		if (g->state[i] == RT_CACHED)
			rt_map_cached(r, g, i, write);
		else
			rt_uffd_wake(r, addr);
		break;
	default: /* RT_FAR */
		/* a page never stored far is a first touch, zero-filled as the kernel would */
		if (tpo_far_holds(r->far, rt_key(g, addr)))
			r->st.demand_faults++;
		else
			r->st.first_touches++;
		if (r->pol->on_miss)
			r->pol->on_miss(r, r->pol, g, i);
		if (!rt_make_room(r, true)) {
			if (!r->failed)
				rt_fail(r, g_error_new(TPO_RT_ERROR, 0, "no local page can be freed for a fault at %#"
				                       G_GINT64_MODIFIER "x", (guint64)addr));
			return;
		}
		if (!rt_fetch_start(r, g, i, true, false, write ? RT_PF_WRITE : 0))
			return;
		if (r->pol->after_miss)
			r->pol->after_miss(r, r->pol, g, i);
		rt_wait_page(r, g, i);
		break;
	}
	r->st.stall_s += (double)(rt_now_ns() - t0) / 1e9;
}

/* Where the pager runs: where the scheduler puts it, unless TPO_PAGER_CPU says otherwise: N
 * pins it to CPU N; "apart" keeps it on a CPU other than the program's (it looks every
 * KEEP_APART_NS at the CPU the program's main thread last ran on, /proc/PID/stat, and moves
 * away from it), so that it never shares the program's CPU. On this shared 2-CPU machine both
 * pinnings made tape runs slower under load (the pager stuck behind other work on its CPU
 * while the program waited on it), so neither is the default. */
#define KEEP_APART_NS 10000000ull

typedef struct placement {
	cpu_set_t allowed;   /* the CPUs the pager may use */
	int cpu;             /* where it is pinned, -1 nowhere */
	bool follow;         /* keep away from the program's CPU */
	uint64_t checked;    /* when it last looked */
} placement;

static void pin_to(placement *pl, int cpu)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) == 0)
		pl->cpu = cpu;
}

/* The CPU the program's main thread last ran on, or -1. */
static int program_cpu(const rt *r)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", r->kill_pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the name may hold anything; the fields follow its ')' */
	for (int field = 2; p && field < 39; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

static void place_init(placement *pl)
{
	pl->cpu = -1;
	pl->follow = false;
	pl->checked = 0;
	if (sched_getaffinity(0, sizeof pl->allowed, &pl->allowed) < 0 || CPU_COUNT(&pl->allowed) < 2)
		return;
	const char *env = getenv("TPO_PAGER_CPU");
	if (!env)
		return;
	if (strcmp(env, "apart") != 0) {
		int cpu = atoi(env);
		if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &pl->allowed))
			pin_to(pl, cpu);
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++) /* the last one, to begin with */
		if (CPU_ISSET(c, &pl->allowed))
			pl->cpu = c;
	pin_to(pl, pl->cpu);
	pl->follow = true;
}

static void keep_apart(const rt *r, placement *pl, uint64_t now)
{
	if (!pl->follow || now - pl->checked < KEEP_APART_NS)
		return;
	pl->checked = now;
	int theirs = program_cpu(r);
	if (theirs < 0 || theirs != pl->cpu)
		return;
	for (int k = 1; k < CPU_SETSIZE; k++) { /* the next allowed CPU after theirs */
		int c = (theirs + k) % CPU_SETSIZE;
		if (CPU_ISSET(c, &pl->allowed)) {
			pin_to(pl, c);
			return;
		}
	}
}

static void *pager_main(void *arg)
{
	rt *r = arg;
	struct uffd_msg msgs[64];
	uint64_t last_work = rt_now_ns();
	placement pl;
	place_init(&pl);
	while (!r->stop && !r->failed) {
		bool did = false;
		ssize_t n = read(r->uffd, msgs, sizeof msgs);
		pthread_mutex_lock(&r->lock);
		for (ssize_t k = 0; n > 0 && k < n / (ssize_t)sizeof msgs[0]; k++)
			if (msgs[k].event == UFFD_EVENT_PAGEFAULT)
				on_fault(r, msgs[k].arg.pagefault.address, msgs[k].arg.pagefault.flags);
		did = n > 0;
		if (!r->failed && tpo_far_reads_pending(r->far) && rt_collect(r, false) > 0)
			did = true;
		if (!r->failed && r->pol->advance && r->pol->advance(r, r->pol))
			did = true;
		rt_run_flush(r);
		bool pending = tpo_far_reads_pending(r->far) > 0;
		pthread_mutex_unlock(&r->lock);
		uint64_t now = rt_now_ns();
		keep_apart(r, &pl, now);
		if (did) {
			last_work = now;
		} else if (!pending && now - last_work > SPIN_NS) {
			struct pollfd p = {.fd = r->uffd, .events = POLLIN};
			poll(&p, 1, 5);
		}
	}
	return NULL;
}

bool rt_pager_start(rt *r, pthread_t *th)
{
	return pthread_create(th, NULL, pager_main, r) == 0;
}

void rt_pager_stop(rt *r, pthread_t th)
{
	r->stop = 1;
	pthread_join(th, NULL);
}
