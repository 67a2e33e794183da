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

/* One run as it goes: what it decided up front and what it holds between the passes. */
typedef struct simrun_state {
	const tpo_simrun_config *c;
	tpo_simrun *r;
	tpo_progress prog;
	int want_main;      /* simulate at --local-mem */
	int hold;           /* keep the id sequence (MIN, or a curve of a policy other than lru/demand) */
	int prefetchers;    /* readahead or leap among the policies */
	int scan;           /* a first pass before simulating */
	double step;        /* share of the progress bar the first pass takes */
	tpo_sim_env env;
	emit_ctx ec;        /* the tape being written */
	feed_ctx fc;        /* what the simulating pass feeds */
	int slot[TPO_POLICY_COUNT]; /* each policy's simulator in fc.sims, or -1 */
	int hidden;         /* a demand simulator for the prefetchers' baseline, or -1 */
	tpo_tape_reader *rr; /* --replay's tape */
} simrun_state;

/* Decides the passes: whether the trace is read once first (footprint, regions and timing
 * needed before simulating), whether its sequence is held, and which policy writes the tape. */
static void plan_passes(simrun_state *s)
{
	const tpo_simrun_config *c = s->c;
	s->want_main = c->have_local;
	int nonlru_curve = 0;
	for (int i = 0; i < c->npolicies; i++)
		if (c->policies[i] != TPO_POLICY_LRU && c->policies[i] != TPO_POLICY_DEMAND)
			nonlru_curve = 1;
	s->hold = (s->want_main && has(c, TPO_POLICY_MIN)) || (c->have_mrc && nonlru_curve);
	s->prefetchers = has(c, TPO_POLICY_READAHEAD) || has(c, TPO_POLICY_LEAP);
	int percent = (s->want_main && c->local.kind == TPO_SIZE_PERCENT) ||
		      (c->have_mrc && (c->mrc[0].kind == TPO_SIZE_PERCENT ||
				       c->mrc[1].kind == TPO_SIZE_PERCENT));
	s->scan = s->hold || s->prefetchers || percent || !c->have_compute;
	if (s->want_main && c->tape_path)
		for (int i = 0; i < c->npolicies && s->r->tape_policy < 0; i++)
			if (tpo_policy_is_tape(c->policies[i]))
				s->r->tape_policy = c->policies[i];
	int online = 0;
	for (int i = 0; i < c->npolicies; i++)
		online |= s->want_main && c->policies[i] != TPO_POLICY_MIN;
	online |= c->have_mrc && (has(c, TPO_POLICY_LRU) || has(c, TPO_POLICY_DEMAND));
	online |= c->replay_path != NULL;
	s->step = s->scan && online && !s->hold ? 0.5 : 1.0;
}

/* Pass 1 (if planned): footprint, regions, timing (and the held sequence); then the capacity
 * and the simulators' environment. */
static gboolean scan_trace(simrun_state *s, GError **err)
{
	const tpo_simrun_config *c = s->c;
	tpo_simrun *r = s->r;
	tpo_input *in = &r->in;
	if (s->scan) {
		tpo_progress_step(&s->prog, "reading the trace", 0, s->step);
		if (!tpo_input_pass(in, s->hold, NULL, NULL, tpo_progress_update, &s->prog, err))
			return FALSE;
		r->passes++;
	}
	r->footprint = tpo_pagemap_count(&in->map);
	if (s->scan)
		set_model(c, r);
	else
		r->model.compute_ns = c->compute_ns; /* the rest once the single pass is done */
	r->capacity = s->want_main ? tpo_size_pages(&c->local, r->footprint, in->page_size) : 0;
	s->env = (tpo_sim_env){
		.capacity = r->capacity,
		.model = r->model,
		.map = &in->map,
		.regions = &in->regions,
		.page_size = in->page_size,
		.page_cluster = c->page_cluster,
		.leap_history = 32,
	};
	if (!s->scan) {
		s->env.model.latency_ns = c->latency_ns;
		s->env.model.xfer_ns = in->page_size * 8.0 / c->bandwidth_bps * 1e9;
		s->env.model.lookahead = c->lookahead;
	}
	return TRUE;
}

/* The online simulators at --local-mem (the tape policy's emitting entries), the hidden demand
 * baseline of the prefetchers, and the one-pass LRU curve. */
static void start_simulators(simrun_state *s)
{
	const tpo_simrun_config *c = s->c;
	tpo_simrun *r = s->r;
	feed_ctx *fc = &s->fc;
	for (int i = 0; i < TPO_POLICY_COUNT; i++)
		s->slot[i] = -1;
	if (s->want_main) {
		for (int i = 0; i < c->npolicies; i++) {
			int p = c->policies[i];
			if (p == TPO_POLICY_MIN)
				continue;
			tpo_sim_env e = s->env;
			if (p == r->tape_policy) {
				e.emit = emit_entry;
				e.emit_ctx = &s->ec;
			}
			s->slot[p] = fc->nsims;
			fc->sims[fc->nsims++] = tpo_sim_new(p, &e);
		}
		if (s->prefetchers && s->slot[TPO_POLICY_LRU] < 0 && s->slot[TPO_POLICY_DEMAND] < 0) {
			s->hidden = fc->nsims;
			fc->sims[fc->nsims++] = tpo_sim_new(TPO_POLICY_DEMAND, &s->env);
		}
	}
	if (c->have_mrc)
		r->sizes = tpo_range_pages(c->mrc, r->footprint, r->in.page_size, &r->nsizes);
	if (c->have_mrc && (has(c, TPO_POLICY_LRU) || has(c, TPO_POLICY_DEMAND))) {
		fc->mrc = tpo_mrc_new(r->footprint);
		tpo_mrc_set_sizes(fc->mrc, r->sizes, r->nsizes);
	}
}

/* --replay: opens the tape and follows it along the simulating pass. */
static gboolean start_replay(simrun_state *s, GError **err)
{
	tpo_simrun *r = s->r;
	if (!s->c->replay_path)
		return TRUE;
	s->rr = tpo_tape_reader_open(s->c->replay_path, err);
	if (!s->rr)
		return FALSE;
	const tpo_tape_header *th = tpo_tape_reader_header(s->rr);
	r->replay_header = *th;
	r->replay_header.program = NULL;
	r->replay_header.argv = NULL;
	r->replay_header.argc = 0;
	s->fc.replay = tpo_replay_new(s->rr, &r->in.map, r->in.shift, th->local_pages);
	r->have_replay = 1;
	return TRUE;
}

/* Pass 2: every online simulator, the LRU curve and the replay together. */
static gboolean simulate(simrun_state *s, GError **err)
{
	tpo_simrun *r = s->r;
	tpo_input *in = &r->in;
	if (!s->fc.nsims && !s->fc.mrc && !s->fc.replay)
		return TRUE;
	tpo_progress_step(&s->prog, "simulating", 1 - s->step, s->step);
	if (!tpo_input_pass(in, 0, feed_all, &s->fc, tpo_progress_update, &s->prog, err))
		return FALSE;
	r->passes += in->held ? 0 : 1;
	if (!s->scan) {
		r->footprint = tpo_pagemap_count(&in->map);
		set_model(s->c, r);
	}
	return TRUE;
}

/* The online simulators' numbers (the prefetchers' demand-paging baseline from the hidden
 * simulator, or from lru or demand); frees the simulators. */
static void collect_simulators(simrun_state *s)
{
	tpo_simrun *r = s->r;
	feed_ctx *fc = &s->fc;
	for (int p = 0; p < TPO_POLICY_COUNT; p++) {
		if (s->slot[p] < 0)
			continue;
		tpo_sim_finish(fc->sims[s->slot[p]], &r->st[p]);
		r->have[p] = 1;
	}
	if (s->hidden >= 0) {
		tpo_sim_stats hs;
		tpo_sim_finish(fc->sims[s->hidden], &hs);
		r->st[TPO_POLICY_READAHEAD].demand_paging_misses = hs.misses;
		r->st[TPO_POLICY_LEAP].demand_paging_misses = hs.misses;
	} else {
		int base = s->slot[TPO_POLICY_LRU] >= 0 ? TPO_POLICY_LRU : TPO_POLICY_DEMAND;
		r->st[TPO_POLICY_READAHEAD].demand_paging_misses = r->st[base].demand_paging_misses;
		r->st[TPO_POLICY_LEAP].demand_paging_misses = r->st[base].demand_paging_misses;
	}
	for (int i = 0; i < fc->nsims; i++)
		tpo_sim_free(fc->sims[i]);
	fc->nsims = 0;
}

/* The replay's numbers, and whether the tape was made from this trace. */
static gboolean finish_replay(simrun_state *s, GError **err)
{
	tpo_simrun *r = s->r;
	if (!s->fc.replay)
		return TRUE;
	gboolean ok = tpo_replay_finish(s->fc.replay, &r->replay, err);
	s->fc.replay = NULL;
	r->replay_matches = r->replay_header.accesses == r->in.accesses &&
			    r->replay_header.seq_hash == r->in.hash;
	tpo_tape_reader_close(s->rr);
	s->rr = NULL;
	return ok;
}

/* MIN on the held sequence (writing the tape if MIN is the tape's policy). */
static gboolean run_min(simrun_state *s, GError **err)
{
	tpo_simrun *r = s->r;
	if (!s->want_main || !has(s->c, TPO_POLICY_MIN))
		return TRUE;
	tpo_sim_env e = s->env;
	if (r->tape_policy == TPO_POLICY_MIN) {
		e.emit = emit_entry;
		e.emit_ctx = &s->ec;
	}
	if (!tpo_min_run(&e, r->in.seq, r->in.nseq, r->footprint, &r->st[TPO_POLICY_MIN])) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "min: the trace has too many accesses (at most 2^32 - 2)");
		return FALSE;
	}
	r->have[TPO_POLICY_MIN] = 1;
	return TRUE;
}

/* Miss-ratio curves: lru and demand from the one-pass curve, the others a run per size on the
 * held sequence. */
static void miss_ratio_curves(simrun_state *s)
{
	const tpo_simrun_config *c = s->c;
	tpo_simrun *r = s->r;
	tpo_mrc *one_pass = s->fc.mrc;
	if (!c->have_mrc)
		return;
	double t1 = tpo_cpu_seconds();
	size_t total = 0, done = 0;
	for (int i = 0; i < c->npolicies; i++)
		total += one_pass && (c->policies[i] == TPO_POLICY_LRU ||
				      c->policies[i] == TPO_POLICY_DEMAND) ? 0 : r->nsizes;
	for (int i = 0; i < c->npolicies; i++) {
		int p = c->policies[i];
		r->mrc[p] = g_new0(uint64_t, r->nsizes);
		for (size_t k = 0; k < r->nsizes; k++) {
			if (one_pass && (p == TPO_POLICY_LRU || p == TPO_POLICY_DEMAND)) {
				r->mrc[p][k] = tpo_mrc_misses(one_pass, r->sizes[k]);
				continue;
			}
			tpo_sim_env e = s->env;
			e.capacity = r->sizes[k];
			tpo_sim_stats st;
			tpo_progress_step(&s->prog, "miss-ratio curves",
					  (double)done / (double)MAX(total, (size_t)1), 0);
			tpo_sim_run(p, &e, r->in.seq, r->in.nseq, r->footprint, &st);
			r->mrc[p][k] = tpo_policy_is_tape(p) ? st.fetches : st.misses;
			done++;
		}
	}
	r->mrc_seconds = tpo_cpu_seconds() - t1 + (one_pass ? tpo_mrc_cpu_seconds(one_pass) : 0);
}

/* After a failure: frees what the run still holds and abandons the tape. */
static void abandon_run(simrun_state *s)
{
	for (int i = 0; i < s->fc.nsims; i++)
		tpo_sim_free(s->fc.sims[i]);
	s->fc.nsims = 0;
	if (s->fc.replay) {
		tpo_replay_stats dummy;
		tpo_replay_finish(s->fc.replay, &dummy, NULL);
		s->fc.replay = NULL;
	}
	tpo_tape_reader_close(s->rr);
	s->rr = NULL;
	if (s->ec.w) {
		tpo_tape_writer_abandon(s->ec.w);
		s->ec.w = NULL;
		g_clear_error(&s->ec.err);
	}
}

gboolean tpo_simrun_go(const tpo_simrun_config *c, tpo_simrun *r, GError **err)
{
	memset(r, 0, sizeof *r);
	r->tape_policy = -1;
	double t0 = wall();
	simrun_state s = {.c = c, .r = r, .hidden = -1};
	tpo_progress_init(&s.prog, c->progress);
	if (!c->trace) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no trace given");
		return FALSE;
	}
	if (!tpo_input_open(&r->in, c->trace, err))
		return FALSE;
	plan_passes(&s);
	gboolean ok = scan_trace(&s, err) &&
		      (r->tape_policy < 0 || open_tape(c, r, &s.ec, err));
	if (ok) {
		start_simulators(&s);
		ok = start_replay(&s, err) && simulate(&s, err);
	}
	if (ok) {
		collect_simulators(&s);
		ok = finish_replay(&s, err) && run_min(&s, err) && close_tape(r, &s.ec, err);
	}
	if (ok)
		miss_ratio_curves(&s);
	else
		abandon_run(&s);
	tpo_mrc_free(s.fc.mrc);
	tpo_progress_done(&s.prog);
	if (ok)
		r->wall_seconds = wall() - t0;
	return ok;
}

void tpo_simrun_clear(tpo_simrun *r)
{
	tpo_input_clear(&r->in);
	g_free(r->sizes);
	for (int p = 0; p < TPO_POLICY_COUNT; p++)
		g_free(r->mrc[p]);
	memset(r, 0, sizeof *r);
}
