/* events.c — the tracer's side of the trace file: emitting events, and waiting for the next stop
 * in a way that writes pending events within half a second even while the program runs without
 * faulting, so a SIGKILLed tracer loses at most about the last half second of its trace. */
#include "tracer/tracer.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "tracer/remote.h"

#define TRACE_MAX_AGE_NS 500000000ull

uint64_t tpo_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void tpo_tr_emit(tpo_tracer *t, const tpo_event *ev)
{
	if (!t->w || t->error)
		return;
	t->tot.events++;
	if (!tpo_trace_writer_add(t->w, ev, &t->error)) {
		g_prefix_error(&t->error, "trace write failed: "); /* the event loop stops tracing */
		return;
	}
	if (ev->type == TPO_EV_MICROSET_END)
		t->tot.microsets++;
}

void tpo_tr_emit_region(tpo_tracer *t, int tid, const tpo_region *r)
{
	uint32_t flags = 0;
	if (r->flags & TPO_RF_PRIVATE)
		flags |= TPO_REGION_PRIVATE;
	if (r->flags & TPO_RF_ANON)
		flags |= TPO_REGION_ANON;
	if (r->flags & TPO_RF_HEAP)
		flags |= TPO_REGION_HEAP;
	if (r->flags & TPO_RF_STACK)
		flags |= TPO_REGION_STACK;
	tpo_proc *p = NULL;
	tpo_thread *th = g_hash_table_lookup(t->threads, GINT_TO_POINTER(tid));
	if (th)
		p = th->proc;
	if (p && tpo_region_is_traced(&p->regions, r))
		flags |= TPO_REGION_TRACED;
	tpo_event ev = {.type = TPO_EV_REGION_MAP, .time_ns = tpo_now_ns() - t->t0_ns, .tid = tid};
	ev.map.id = r->id;
	ev.map.start = r->start;
	ev.map.length = r->end - r->start;
	ev.map.prot = r->prot;
	ev.map.flags = flags;
	ev.map.offset = r->offset;
	ev.map.name = r->name;
	t->tot.regions++;
	tpo_tr_emit(t, &ev);
}

void tpo_tr_emit_unmap(tpo_tracer *t, int tid, uint64_t s, uint64_t e)
{
	tpo_event ev = {.type = TPO_EV_REGION_UNMAP, .time_ns = tpo_now_ns() - t->t0_ns, .tid = tid};
	ev.unmap.start = s;
	ev.unmap.length = e - s;
	tpo_tr_emit(t, &ev);
}

void tpo_tr_record_access(tpo_tracer *t, tpo_thread *th, uint64_t page, uint64_t ip,
                          const uint64_t *chain, uint32_t depth)
{
	tpo_event ev = {.type = TPO_EV_ACCESS, .time_ns = tpo_now_ns() - t->t0_ns, .tid = th->tid};
	ev.access.page = page;
	ev.access.ip = ip;
	ev.access.chain = depth ? chain : NULL;
	ev.access.depth = depth;
	t->tot.accesses++;
	tpo_tr_emit(t, &ev);
}

void tpo_tr_wait_begin(tpo_tracer *t, sigset_t *saved)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	/* blocked, SIGCHLD stays pending for sigtimedwait below instead of being discarded */
	sigprocmask(SIG_BLOCK, &chld, saved);
	if (t->w)
		tpo_trace_writer_set_max_age(t->w, TRACE_MAX_AGE_NS);
}

void tpo_tr_wait_end(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
}

int tpo_tr_next_status(tpo_tracer *t, int *status)
{
	uint64_t due;
	if (t->deferred.length || !t->w || t->error || !(due = tpo_trace_writer_due_ns(t->w)))
		return tpo_remote_next_status(&t->deferred, status);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		pid_t r = waitpid(-1, status, __WALL | WNOHANG);
		if (r != 0)
			return r;
		uint64_t now = tpo_now_ns();
		if (now >= due)
			break;
		/* Every ptrace stop and exit sends us SIGCHLD: wait for one until the events are due. A
		 * SIGCHLD left pending by a stop already collected only costs one more pass. */
		struct timespec ts = {.tv_sec = (time_t)((due - now) / 1000000000u),
		                      .tv_nsec = (long)((due - now) % 1000000000u)};
		if (sigtimedwait(&chld, NULL, &ts) < 0 && errno == EINTR)
			return -1; /* another signal (3po-attach's stop or tick): the caller looks */
	}
	if (!tpo_trace_writer_flush(t->w, &t->error)) {
		g_prefix_error(&t->error, "trace write failed: ");
		errno = EINTR; /* the caller looks at t->error and stops tracing */
		return -1;
	}
	return tpo_remote_next_status(&t->deferred, status);
}
