/* input.c — passes over a trace's access sequence as dense ids (see input.h). */
#include "input.h"

#include <tpo/tape.h>
#include <tpo/trace.h>

#include <string.h>
#include <sys/stat.h>

#define BATCH 65536

static void reset_stats(tpo_input *in)
{
	in->accesses = 0;
	in->hash = TPO_TAPE_HASH_INIT;
	in->first_ns = in->last_ns = in->max_ns = 0;
}

gboolean tpo_input_open(tpo_input *in, const char *path, GError **err)
{
	memset(in, 0, sizeof *in);
	tpo_trace_reader *r = tpo_trace_reader_open(path, err);
	if (!r) {
		g_prefix_error(err, "%s: ", path); /* the reader's messages do not name the file */
		return FALSE;
	}
	const tpo_trace_header *h = tpo_trace_reader_header(r);
	in->path = g_strdup(path);
	in->program = g_strdup(h->program ? h->program : "");
	in->argc = h->argc;
	in->argv = g_new0(char *, h->argc + 1);
	for (uint32_t i = 0; i < h->argc; i++)
		in->argv[i] = g_strdup(h->argv[i] ? h->argv[i] : "");
	in->pid = h->pid;
	in->microset = h->microset_size;
	in->start_time_ns = h->start_time_ns;
	in->page_size = h->page_size;
	tpo_trace_reader_close(r);
	if (!in->page_size || (in->page_size & (in->page_size - 1))) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: page size %u in the trace header is not a power of two", path,
			    in->page_size);
		tpo_input_clear(in);
		return FALSE;
	}
	in->shift = (unsigned)__builtin_ctz(in->page_size);
	tpo_pagemap_init(&in->map);
	tpo_region_list_init(&in->regions);
	reset_stats(in);
	return TRUE;
}

void tpo_input_from_pages(tpo_input *in, const uint64_t *pages, size_t n, uint32_t page_size)
{
	memset(in, 0, sizeof *in);
	in->program = g_strdup("");
	in->argv = g_new0(char *, 1);
	in->page_size = page_size ? page_size : 4096;
	in->shift = (unsigned)__builtin_ctz(in->page_size);
	tpo_pagemap_init(&in->map);
	tpo_region_list_init(&in->regions);
	reset_stats(in);
	in->seq = g_new(uint32_t, n ? n : 1);
	in->seqcap = n ? n : 1;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t pn = pages[i] >> in->shift;
		in->seq[i] = tpo_pagemap_add(&in->map, pn, NULL);
		in->hash = tpo_tape_hash_add(in->hash, pn << in->shift);
		lo = MIN(lo, pn);
		hi = MAX(hi, pn);
	}
	if (n)
		tpo_region_list_add(&in->regions, lo, hi + 1);
	tpo_region_list_finish(&in->regions);
	in->nseq = in->accesses = n;
	in->first_ns = 0;
	in->last_ns = in->max_ns = n ? n - 1 : 0;
	in->held = 1;
	in->passes = 1;
}

void tpo_input_clear(tpo_input *in)
{
	g_free(in->path);
	g_free(in->program);
	if (in->argv)
		for (uint32_t i = 0; i < in->argc; i++)
			g_free(in->argv[i]);
	g_free(in->argv);
	g_free(in->seq);
	g_free(in->warning);
	tpo_pagemap_clear(&in->map);
	tpo_region_list_clear(&in->regions);
	memset(in, 0, sizeof *in);
}

static void hold_ids(tpo_input *in, const uint32_t *ids, size_t n)
{
	if (in->nseq + n > in->seqcap) {
		size_t cap = in->seqcap ? in->seqcap : BATCH;
		while (cap < in->nseq + n)
			cap *= 2;
		in->seq = g_renew(uint32_t, in->seq, cap);
		in->seqcap = cap;
	}
	memcpy(in->seq + in->nseq, ids, n * sizeof *ids);
	in->nseq += n;
}

gboolean tpo_input_pass(tpo_input *in, int hold, tpo_batch_fn fn, void *ctx,
			tpo_progress_fn progress, void *pctx, GError **err)
{
	if (in->held) {
		for (size_t i = 0; i < in->nseq; i += BATCH) {
			if (fn)
				fn(ctx, in->seq + i, NULL, MIN((size_t)BATCH, in->nseq - i));
			if (progress)
				progress(pctx, (double)(i + BATCH) / (double)(in->nseq ? in->nseq : 1));
		}
		in->passes++;
		return TRUE;
	}
	tpo_trace_reader *r = tpo_trace_reader_open(in->path, err);
	if (!r) {
		g_prefix_error(err, "%s: ", in->path);
		return FALSE;
	}
	struct stat st;
	double size = stat(in->path, &st) == 0 && st.st_size > 0 ? (double)st.st_size : 1.0;
	int first_pass = in->passes == 0;
	reset_stats(in);
	if (hold) {
		in->nseq = 0;
	}
	uint32_t *batch = g_new(uint32_t, BATCH);
	uint64_t *pbatch = g_new(uint64_t, BATCH);
	size_t nb = 0;
	tpo_event ev;
	int k;
	uint64_t events = 0;
	const unsigned shift = in->shift;
	while ((k = tpo_trace_reader_next(r, &ev, err)) > 0) {
		if (ev.time_ns > in->max_ns)
			in->max_ns = ev.time_ns;
		if (ev.type == TPO_EV_ACCESS) {
			uint64_t pn = ev.access.page >> shift;
			if (!in->accesses)
				in->first_ns = ev.time_ns;
			in->last_ns = ev.time_ns;
			in->accesses++;
			in->hash = tpo_tape_hash_add(in->hash, ev.access.page);
			pbatch[nb] = pn;
			batch[nb++] = tpo_pagemap_add(&in->map, pn, NULL);
			if (nb == BATCH) {
				if (hold)
					hold_ids(in, batch, nb);
				if (fn)
					fn(ctx, batch, pbatch, nb);
				nb = 0;
			}
		} else if (ev.type == TPO_EV_REGION_MAP && first_pass) {
			tpo_region_list_add(&in->regions, ev.map.start >> shift,
					(ev.map.start + ev.map.length + in->page_size - 1) >> shift);
		}
		if (progress && !(++events & 0xfffff))
			progress(pctx, (double)tpo_trace_reader_offset(r) / size);
	}
	if (k < 0 && err && *err && (*err)->domain == TPO_TRACE_ERROR &&
	    (*err)->code == TPO_TRACE_ERROR_TRUNCATED) {
		/* A killed tracer leaves every complete chunk readable: use them. */
		if (!in->warning)
			in->warning = g_strdup((*err)->message);
		g_clear_error(err);
		k = 0;
	}
	if (k < 0)
		g_prefix_error(err, "%s: ", in->path);
	if (k == 0 && nb) {
		if (hold)
			hold_ids(in, batch, nb);
		if (fn)
			fn(ctx, batch, pbatch, nb);
	}
	g_free(batch);
	g_free(pbatch);
	if (k == 0) {
		const tpo_trace_footer *f = tpo_trace_reader_footer(r);
		in->has_footer = f != NULL;
		if (f) {
			in->footer_faults = f->faults;
			in->footer_duration_ns = f->duration_ns;
		}
		if (first_pass)
			tpo_region_list_finish(&in->regions);
		if (hold)
			in->held = 1;
		in->passes++;
	}
	tpo_trace_reader_close(r);
	if (progress)
		progress(pctx, 1.0);
	return k == 0;
}
