/* events.c — the tracer's side of the trace file: emitting events (to the writer shared with the
 * flusher thread of flusher.c, which writes them within half a second), the first write error,
 * which stops tracing, and the footer and result at a session's end (3po-run and 3po-attach). */
#include "tracer.h"

#include <time.h>

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
	GError *err = NULL;
	tpo_flusher_lock(t);
	bool ok = tpo_trace_writer_add(t->w, ev, &err);
	tpo_flusher_unlock(t, &err);
	if (!ok || err) {
		t->error = err;
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

void tpo_tr_end_result(tpo_tracer *t, tpo_trace_result *res, uint32_t end_reason)
{
	t->tot.end_reason = end_reason;
	t->tot.exit_status = t->main_status;
	t->tot.duration_ns = tpo_now_ns() - t->t0_ns;
	res->status = t->main_status;
	res->footer = t->tot;
	res->syscall_stops = t->syscall_stops;
	res->pins = t->pins_made;
	res->restarts = t->restarts;
	res->stale_faults = t->stale_faults;
}
