/* read_tape.c — the public API's tape reader (tpo_tape_file_*): the tape format's reader behind
 * an opaque handle. */
#include <tpo/tpo_read.h>
#include <tpo/tape.h>

#include "api_common.h"

G_STATIC_ASSERT(TPO_TAPE_STEP_FETCH == TPO_TAPE_FETCH && TPO_TAPE_STEP_EVICT == TPO_TAPE_EVICT);

struct tpo_tape_file {
	tpo_tape_reader *r;
	tpo_tape_info info;
	int done;
	GError *error;
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
	if (t->done || t->error)
		return t->error ? -1 : 0;
	tpo_tape_entry e;
	int k = tpo_tape_reader_next(t->r, &e, &t->error);
	if (k > 0)
		*step = (tpo_tape_step){ .index = e.index, .page = e.page, .op = (int)e.op };
	else if (k == 0)
		t->done = 1;
	else if (!t->error)
		t->error = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_FAILED, "read failed");
	return k;
}

const char *tpo_tape_file_error(const tpo_tape_file *t)
{
	return t->error ? t->error->message : NULL;
}

void tpo_tape_file_close(tpo_tape_file *t)
{
	if (!t)
		return;
	tpo_tape_reader_close(t->r);
	g_clear_error(&t->error);
	g_free(t);
}
