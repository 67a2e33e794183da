/* read_tape.c — the public API's tape reader (tpo_tape_file_*): the tape format's reader behind
 * an opaque handle. */
#include <tpo/tpo_read.h>
#include <tpo/tape.h>

#include "api_common.h"

G_STATIC_ASSERT(TPO_TAPE_STEP_FETCH == TPO_TAPE_FETCH && TPO_TAPE_STEP_EVICT == TPO_TAPE_EVICT);

struct tpo_tape_file {
	tpo_tape_reader *r;
	tpo_tape_info info;
	tpo_api_stream s;
};

tpo_tape_file *tpo_tape_file_open(const char *path, char *errbuf)
{
	GError *err = NULL;
	tpo_tape_reader *r = tpo_tape_reader_open(path, &err);
	if (!r) {
		tpo_api_errbuf(errbuf, err);
		return NULL;
	}
	tpo_tape_file *t = g_new0(tpo_tape_file, 1);
	const tpo_tape_header *h = tpo_tape_reader_header(r);
	t->r = r;
	t->info = (tpo_tape_info){
		.version = h->version,
		.policy = tpo_tape_policy_name(h->policy),
		.has_evictions = (h->flags & TPO_TAPE_F_EVICTIONS) != 0,
		.complete = (h->flags & TPO_TAPE_F_COMPLETE) != 0,
		.page_size = h->page_size,
		.local_pages = h->local_pages,
		.lookahead = h->lookahead,
		.accesses = h->accesses,
		.seq_hash = h->seq_hash,
		.fetches = h->fetches,
		.evictions = h->evictions,
		.trace_start_time_ns = h->trace_start_time_ns,
		.trace_pid = h->trace_pid,
		.microset = h->microset,
		.program = h->program ? h->program : "",
		.argc = h->argc,
		.argv = (const char *const *)h->argv,
	};
	return t;
}

const tpo_tape_info *tpo_tape_file_info(const tpo_tape_file *t)
{
	return &t->info;
}

int tpo_tape_file_next(tpo_tape_file *t, tpo_tape_step *step)
{
	int over = tpo_api_stream_over(&t->s);
	if (over <= 0)
		return over;
	tpo_tape_entry e;
	int k = tpo_tape_reader_next(t->r, &e, &t->s.error);
	if (k > 0)
		*step = (tpo_tape_step){ .index = e.index, .page = e.page, .op = (int)e.op };
	return tpo_api_stream_record(&t->s, k);
}

const char *tpo_tape_file_error(const tpo_tape_file *t)
{
	return t->s.error ? t->s.error->message : NULL;
}

void tpo_tape_file_close(tpo_tape_file *t)
{
	if (!t)
		return;
	tpo_tape_reader_close(t->r);
	g_clear_error(&t->s.error);
	g_free(t);
}
