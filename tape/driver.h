/* driver.h — one 3po-sim run: reads the trace in as few passes as the request allows, runs
 * every policy at the local-memory size (and the miss-ratio curve sizes), writes the tape,
 * replays a tape, and collects the numbers the report prints. */
#ifndef TPO_DRIVER_H
#define TPO_DRIVER_H

#include "input.h"
#include "replay.h"
#include "sim.h"
#include "units.h"

typedef struct tpo_simrun_config {
	const char *trace;
	int have_local;
	tpo_size_spec local;
	int policies[TPO_POLICY_COUNT];
	int npolicies;
	const char *tape_path;     /* -o */
	int have_mrc;
	tpo_size_spec mrc[3];
	double latency_ns, bandwidth_bps, trace_overhead_ns;
	int have_compute;
	double compute_ns;         /* --compute, per access */
	uint64_t lookahead;
	unsigned page_cluster;
	const char *replay_path;   /* --replay TAPE */
	int progress;
} tpo_simrun_config;

typedef struct tpo_simrun {
	tpo_input in;
	uint64_t footprint, capacity;
	tpo_farmem_model model;
	double trace_ns;           /* trace duration used for the compute time */
	uint64_t trace_faults;
	int compute_from_trace, compute_clamped;
	double local_ns;           /* estimated run time with all memory local */
	int have[TPO_POLICY_COUNT];
	tpo_sim_stats st[TPO_POLICY_COUNT];
	int tape_policy;           /* -1: no tape written */
	uint64_t tape_entries;
	size_t nsizes;
	uint64_t *sizes;
	uint64_t *mrc[TPO_POLICY_COUNT]; /* misses per size (lru/min: the tape's fetches) */
	double mrc_seconds;
	int have_replay;
	tpo_replay_stats replay;
	tpo_tape_header replay_header; /* copy of the replayed tape's header (strings not kept) */
	int replay_matches;        /* the tape's hash and length match the trace */
	int passes;
	double wall_seconds;
} tpo_simrun;

gboolean tpo_simrun_go(const tpo_simrun_config *cfg, tpo_simrun *out, GError **err);
void tpo_simrun_clear(tpo_simrun *r);

#endif
