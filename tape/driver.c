/* driver.c — one 3po-sim run (see driver.h). Passes over the trace: a first one to learn the
 * footprint, regions and timing (unless everything is known up front: --compute, sizes in
 * pages or bytes, only lru/demand), holding the id sequence when MIN or a non-LRU curve needs
 * it; then one pass feeding every online simulator at once. */
#include "driver.h"
#include "mrc.h"
#include "progress.h"

#include <tpo/tape.h>

#include <math.h>
#include <string.h>
#include <time.h>

typedef struct emit_ctx {
	tpo_tape_writer *w;
	tpo_input *in;
	GError *err;
	uint64_t n;
} emit_ctx;

static void emit_entry(void *ctx, uint64_t index, int op, uint32_t id, uint64_t page)
{
	emit_ctx *e = ctx;
	(void)id;
	if (e->err)
		return;
	tpo_tape_entry en = {index, page << e->in->shift, (tpo_tape_op)op};
	if (tpo_tape_writer_add(e->w, &en, &e->err))
		e->n++;
}

typedef struct feed_ctx {
	tpo_sim *sims[TPO_POLICY_COUNT + 1];
	int nsims;
	tpo_mrc *mrc;
	tpo_replay *replay;
} feed_ctx;

static void feed_all(void *ctx, const uint32_t *ids, const uint64_t *pages, size_t n)
{
	feed_ctx *f = ctx;
	for (int i = 0; i < f->nsims; i++)
		tpo_sim_feed(f->sims[i], ids, pages, n);
	if (f->mrc)
		tpo_mrc_feed(f->mrc, ids, n);
	if (f->replay)
		tpo_replay_feed(f->replay, ids, pages, n);
}

static int has(const tpo_simrun_config *c, tpo_policy p)
{
	for (int i = 0; i < c->npolicies; i++)
		if (c->policies[i] == (int)p)
			return 1;
	return 0;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void set_model(const tpo_simrun_config *c, tpo_simrun *r)
{
	tpo_input *in = &r->in;
	r->model.latency_ns = c->latency_ns;
	r->model.xfer_ns = in->page_size * 8.0 / c->bandwidth_bps * 1e9;
	r->model.lookahead = c->lookahead;
	r->trace_ns = in->has_footer && in->footer_duration_ns ? (double)in->footer_duration_ns
							       : (double)in->max_ns;
	r->trace_faults = in->has_footer && in->footer_faults ? in->footer_faults : in->accesses;
	if (c->have_compute) {
		r->model.compute_ns = c->compute_ns;
	} else {
		r->compute_from_trace = 1;
		double net = r->trace_ns - (double)r->trace_faults * c->trace_overhead_ns;
		if (net < 0) {
			net = 0;
			r->compute_clamped = 1;
		}
		r->model.compute_ns = in->accesses ? net / (double)in->accesses : 0;
	}
	r->local_ns = r->model.compute_ns * (double)in->accesses;
}

static gboolean open_tape(const tpo_simrun_config *c, tpo_simrun *r, emit_ctx *e, GError **err)
{
	tpo_input *in = &r->in;
	tpo_tape_header h = {
		.policy = r->tape_policy == TPO_POLICY_MIN ? TPO_TAPE_POLICY_MIN : TPO_TAPE_POLICY_LRU,
		.flags = TPO_TAPE_F_EVICTIONS,
		.page_size = in->page_size,
		.local_pages = r->capacity,
		.lookahead = c->lookahead,
		.trace_start_time_ns = in->start_time_ns,
		.trace_pid = in->pid,
		.microset = in->microset,
		.program = in->program,
		.argc = in->argc,
		.argv = in->argv,
	};
	e->in = in;
	e->w = tpo_tape_writer_open(c->tape_path, &h, err);
	return e->w != NULL;
}

static gboolean close_tape(tpo_simrun *r, emit_ctx *e, GError **err)
{
	if (!e->w)
		return TRUE;
	if (e->err) {
		tpo_tape_writer_abandon(e->w);
		e->w = NULL;
		g_propagate_error(err, e->err);
		e->err = NULL;
		return FALSE;
	}
	r->tape_entries = e->n;
	gboolean ok = tpo_tape_writer_close(e->w, r->in.accesses, r->in.hash, err);
	e->w = NULL;
	return ok;
}

gboolean tpo_simrun_go(const tpo_simrun_config *c, tpo_simrun *r, GError **err)
{
	memset(r, 0, sizeof *r);
	r->tape_policy = -1;
	double t0 = wall();
	tpo_progress prog;
	tpo_progress_init(&prog, c->progress);
	if (!c->trace) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no trace given");
		return FALSE;
	}
	tpo_input *in = &r->in;
	if (!tpo_input_open(in, c->trace, err))
		return FALSE;

	int want_main = c->have_local;
	int nonlru_curve = 0;
	for (int i = 0; i < c->npolicies; i++)
		if (c->policies[i] != TPO_POLICY_LRU && c->policies[i] != TPO_POLICY_DEMAND)
			nonlru_curve = 1;
	int hold = (want_main && has(c, TPO_POLICY_MIN)) || (c->have_mrc && nonlru_curve);
	int prefetchers = has(c, TPO_POLICY_READAHEAD) || has(c, TPO_POLICY_LEAP);
	int percent = (want_main && c->local.kind == TPO_SIZE_PERCENT) ||
		      (c->have_mrc && (c->mrc[0].kind == TPO_SIZE_PERCENT ||
				       c->mrc[1].kind == TPO_SIZE_PERCENT));
	int scan = hold || prefetchers || percent || !c->have_compute;
	if (want_main && c->tape_path)
		for (int i = 0; i < c->npolicies && r->tape_policy < 0; i++)
			if (tpo_policy_is_tape(c->policies[i]))
				r->tape_policy = c->policies[i];

	/* Pass 1: footprint, regions, timing (and the held sequence). */
	int online = 0;
	for (int i = 0; i < c->npolicies; i++)
		online |= want_main && c->policies[i] != TPO_POLICY_MIN;
	online |= c->have_mrc && (has(c, TPO_POLICY_LRU) || has(c, TPO_POLICY_DEMAND));
	online |= c->replay_path != NULL;
	double step = scan && online && !hold ? 0.5 : 1.0;
	if (scan) {
		tpo_progress_step(&prog, "reading the trace", 0, step);
		if (!tpo_input_pass(in, hold, NULL, NULL, tpo_progress_update, &prog, err))
			goto fail;
		r->passes++;
	}
	r->footprint = tpo_pagemap_count(&in->map);
	if (scan)
		set_model(c, r);
	else
		r->model.compute_ns = c->compute_ns; /* the rest once the single pass is done */
	r->capacity = want_main ? tpo_size_pages(&c->local, r->footprint, in->page_size) : 0;

	tpo_sim_env env = {
		.capacity = r->capacity,
		.model = r->model,
		.map = &in->map,
		.regions = &in->regions,
		.page_size = in->page_size,
		.page_cluster = c->page_cluster,
		.leap_history = 32,
	};
	if (!scan) {
		env.model.latency_ns = c->latency_ns;
		env.model.xfer_ns = in->page_size * 8.0 / c->bandwidth_bps * 1e9;
		env.model.lookahead = c->lookahead;
	}
	emit_ctx ec = {0};
	if (r->tape_policy >= 0 && !open_tape(c, r, &ec, err))
		goto fail;

	/* Pass 2: every online simulator together. */
	feed_ctx fc = {0};
	int slot[TPO_POLICY_COUNT];
	int hidden = -1;
	for (int i = 0; i < TPO_POLICY_COUNT; i++)
		slot[i] = -1;
	if (want_main) {
		for (int i = 0; i < c->npolicies; i++) {
			int p = c->policies[i];
			if (p == TPO_POLICY_MIN)
				continue;
			tpo_sim_env e = env;
			if (p == r->tape_policy) {
				e.emit = emit_entry;
				e.emit_ctx = &ec;
			}
			slot[p] = fc.nsims;
			fc.sims[fc.nsims++] = tpo_sim_new(p, &e);
		}
		if (prefetchers && slot[TPO_POLICY_LRU] < 0 && slot[TPO_POLICY_DEMAND] < 0) {
			hidden = fc.nsims;
			fc.sims[fc.nsims++] = tpo_sim_new(TPO_POLICY_DEMAND, &env);
		}
	}
	if (c->have_mrc)
		r->sizes = tpo_range_pages(c->mrc, r->footprint, in->page_size, &r->nsizes);
	if (c->have_mrc && (has(c, TPO_POLICY_LRU) || has(c, TPO_POLICY_DEMAND))) {
		fc.mrc = tpo_mrc_new(r->footprint);
		tpo_mrc_set_sizes(fc.mrc, r->sizes, r->nsizes);
	}
	tpo_tape_reader *rr = NULL;
	if (c->replay_path) {
		rr = tpo_tape_reader_open(c->replay_path, err);
		if (!rr)
			goto fail_sims;
		const tpo_tape_header *th = tpo_tape_reader_header(rr);
		r->replay_header = *th;
		r->replay_header.program = NULL;
		r->replay_header.argv = NULL;
		r->replay_header.argc = 0;
		fc.replay = tpo_replay_new(rr, &in->map, in->shift, th->local_pages);
		r->have_replay = 1;
	}
	if (fc.nsims || fc.mrc || fc.replay) {
		tpo_progress_step(&prog, "simulating", 1 - step, step);
		if (!tpo_input_pass(in, 0, feed_all, &fc, tpo_progress_update, &prog, err))
			goto fail_sims;
		r->passes += in->held ? 0 : 1;
		if (!scan) {
			r->footprint = tpo_pagemap_count(&in->map);
			set_model(c, r);
		}
	}
	for (int p = 0; p < TPO_POLICY_COUNT; p++) {
		if (slot[p] < 0)
			continue;
		tpo_sim_finish(fc.sims[slot[p]], &r->st[p]);
		r->have[p] = 1;
	}
	if (hidden >= 0) {
		tpo_sim_stats hs;
		tpo_sim_finish(fc.sims[hidden], &hs);
		r->st[TPO_POLICY_READAHEAD].demand_paging_misses = hs.misses;
		r->st[TPO_POLICY_LEAP].demand_paging_misses = hs.misses;
	} else {
		int base = slot[TPO_POLICY_LRU] >= 0 ? TPO_POLICY_LRU : TPO_POLICY_DEMAND;
		r->st[TPO_POLICY_READAHEAD].demand_paging_misses = r->st[base].demand_paging_misses;
		r->st[TPO_POLICY_LEAP].demand_paging_misses = r->st[base].demand_paging_misses;
	}
	for (int i = 0; i < fc.nsims; i++)
		tpo_sim_free(fc.sims[i]);
	fc.nsims = 0;
	if (fc.replay) {
		gboolean ok = tpo_replay_finish(fc.replay, &r->replay, err);
		fc.replay = NULL;
		r->replay_matches = r->replay_header.accesses == in->accesses &&
				    r->replay_header.seq_hash == in->hash;
		tpo_tape_reader_close(rr);
		rr = NULL;
		if (!ok)
			goto fail_sims;
	}

	/* MIN on the held sequence. */
	if (want_main && has(c, TPO_POLICY_MIN)) {
		tpo_sim_env e = env;
		if (r->tape_policy == TPO_POLICY_MIN) {
			e.emit = emit_entry;
			e.emit_ctx = &ec;
		}
		if (!tpo_min_run(&e, in->seq, in->nseq, r->footprint, &r->st[TPO_POLICY_MIN])) {
			g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				    "min: the trace has too many accesses (at most 2^32 - 2)");
			goto fail_sims;
		}
		r->have[TPO_POLICY_MIN] = 1;
	}
	if (!close_tape(r, &ec, err))
		goto fail_sims;

	/* Miss-ratio curves. */
	if (c->have_mrc) {
		double t1 = tpo_cpu_seconds();
		size_t total = 0, done = 0;
		for (int i = 0; i < c->npolicies; i++)
			total += fc.mrc && (c->policies[i] == TPO_POLICY_LRU ||
					    c->policies[i] == TPO_POLICY_DEMAND) ? 0 : r->nsizes;
		for (int i = 0; i < c->npolicies; i++) {
			int p = c->policies[i];
			r->mrc[p] = g_new0(uint64_t, r->nsizes);
			for (size_t k = 0; k < r->nsizes; k++) {
				if (fc.mrc && (p == TPO_POLICY_LRU || p == TPO_POLICY_DEMAND)) {
					r->mrc[p][k] = tpo_mrc_misses(fc.mrc, r->sizes[k]);
					continue;
				}
				tpo_sim_env e = env;
				e.capacity = r->sizes[k];
				tpo_sim_stats s;
				tpo_progress_step(&prog, "miss-ratio curves",
						  (double)done / (double)MAX(total, (size_t)1), 0);
				tpo_sim_run(p, &e, in->seq, in->nseq, r->footprint, &s);
				r->mrc[p][k] = tpo_policy_is_tape(p) ? s.fetches : s.misses;
				done++;
			}
		}
		r->mrc_seconds = tpo_cpu_seconds() - t1 + (fc.mrc ? tpo_mrc_cpu_seconds(fc.mrc) : 0);
	}
	tpo_mrc_free(fc.mrc);
	tpo_progress_done(&prog);
	r->wall_seconds = wall() - t0;
	return TRUE;

fail_sims:
	for (int i = 0; i < fc.nsims; i++)
		tpo_sim_free(fc.sims[i]);
	tpo_mrc_free(fc.mrc);
	if (fc.replay) {
		tpo_replay_stats dummy;
		tpo_replay_finish(fc.replay, &dummy, NULL);
	}
	tpo_tape_reader_close(rr);
	if (ec.w) {
		tpo_tape_writer_abandon(ec.w);
		g_clear_error(&ec.err);
	}
fail:
	tpo_progress_done(&prog);
	return FALSE;
}

void tpo_simrun_clear(tpo_simrun *r)
{
	tpo_input_clear(&r->in);
	g_free(r->sizes);
	for (int p = 0; p < TPO_POLICY_COUNT; p++)
		g_free(r->mrc[p]);
	memset(r, 0, sizeof *r);
}
