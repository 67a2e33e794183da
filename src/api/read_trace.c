/* read_trace.c — the public API's trace reader (tpo_trace_file_*): the codec's streaming reader
 * behind an opaque handle, its events copied into the flat tpo_trace_event. */
#include <tpo/tpo_read.h>
#include <tpo/trace.h>

#include <string.h>

#include "api_common.h"

/* The public event numbers are the format's own. */
G_STATIC_ASSERT(TPO_TRACE_EVENT_MAP == TPO_EV_REGION_MAP);
G_STATIC_ASSERT(TPO_TRACE_EVENT_UNMAP == TPO_EV_REGION_UNMAP);
G_STATIC_ASSERT(TPO_TRACE_EVENT_ACCESS == TPO_EV_ACCESS);
G_STATIC_ASSERT(TPO_TRACE_EVENT_MICROSET_END == TPO_EV_MICROSET_END);
G_STATIC_ASSERT(TPO_TRACE_EVENT_EXEC == TPO_EV_EXEC);
G_STATIC_ASSERT(TPO_TRACE_EVENT_THREAD_START == TPO_EV_THREAD_START);
G_STATIC_ASSERT(TPO_TRACE_EVENT_THREAD_EXIT == TPO_EV_THREAD_EXIT);
G_STATIC_ASSERT(TPO_TRACE_REGION_PRIVATE == TPO_REGION_PRIVATE &&
		TPO_TRACE_REGION_ANON == TPO_REGION_ANON && TPO_TRACE_REGION_HEAP == TPO_REGION_HEAP &&
		TPO_TRACE_REGION_STACK == TPO_REGION_STACK &&
		TPO_TRACE_REGION_TRACED == TPO_REGION_TRACED);

struct tpo_trace_file {
	tpo_trace_reader *r;
	tpo_trace_info info;
	tpo_api_stream s;
};

tpo_trace_file *tpo_trace_file_open(const char *path, char *errbuf)
{
	GError *err = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
	if (!r) {
		tpo_api_errbuf(errbuf, err);
		return NULL;
	}
	tpo_trace_file *t = g_new0(tpo_trace_file, 1);
	const tpo_trace_header *h = tpo_trace_reader_header(r);
	t->r = r;
	t->info = (tpo_trace_info){
		.version = h->version,
		.page_size = h->page_size,
		.microset_size = h->microset_size,
		.attached = (h->flags & TPO_TRACE_F_ATTACHED) != 0,
		.pid = h->pid,
		.start_time_ns = h->start_time_ns,
		.program = h->program ? h->program : "",
		.argc = h->argc,
		.argv = (const char *const *)h->argv,
	};
	return t;
}

const tpo_trace_info *tpo_trace_file_info(const tpo_trace_file *t)
{
	return &t->info;
}

/* Copies the codec's event into the flat public one. */
static void flatten(const tpo_event *e, tpo_trace_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->type = (int)e->type;
	ev->tid = e->tid;
	ev->time_ns = e->time_ns;
	switch (e->type) {
	case TPO_EV_REGION_MAP:
		ev->addr = e->map.start;
		ev->length = e->map.length;
		ev->region = e->map.id;
		ev->prot = e->map.prot;
		ev->flags = e->map.flags;
		ev->offset = e->map.offset;
		ev->name = e->map.name;
		break;
	case TPO_EV_REGION_UNMAP:
		ev->addr = e->unmap.start;
		ev->length = e->unmap.length;
		break;
	case TPO_EV_ACCESS:
		ev->addr = e->access.page;
		ev->ip = e->access.ip;
		ev->depth = e->access.depth;
		ev->chain = e->access.depth ? e->access.chain : NULL;
		break;
	case TPO_EV_EXEC:
		ev->name = e->exec.path;
		break;
	case TPO_EV_THREAD_EXIT:
		ev->status = e->thread_exit.status;
		break;
	case TPO_EV_MICROSET_END:
	case TPO_EV_THREAD_START:
		break;
	}
}

int tpo_trace_file_next(tpo_trace_file *t, tpo_trace_event *ev)
{
	int over = tpo_api_stream_over(&t->s);
	if (over <= 0)
		return over;
	tpo_event e;
	int k = tpo_trace_reader_next(t->r, &e, &t->s.error);
	if (k > 0)
		flatten(&e, ev);
	return tpo_api_stream_record(&t->s, k);
}

int tpo_trace_file_totals(const tpo_trace_file *t, tpo_trace_totals *out)
{
	const tpo_trace_footer *f = tpo_trace_reader_footer(t->r);
	if (!f)
		return 0;
	*out = (tpo_trace_totals){
		.end = tpo_trace_end_name(f->end_reason),
		.exit_status = f->exit_status,
		.accesses = f->accesses,
		.faults = f->faults,
		.microsets = f->microsets,
		.regions = f->regions,
		.events = f->events,
		.duration_ns = f->duration_ns,
	};
	return 1;
}

const char *tpo_trace_file_error(const tpo_trace_file *t)
{
	return t->s.error ? t->s.error->message : NULL;
}

void tpo_trace_file_close(tpo_trace_file *t)
{
	if (!t)
		return;
	tpo_trace_reader_close(t->r);
	g_clear_error(&t->s.error);
	g_free(t);
}

const char *tpo_trace_event_name(int type)
{
	return tpo_event_type_name((tpo_event_type)type);
}
