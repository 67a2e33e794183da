/* report.c — the text report and the JSON document of a 3po-sim run (see report.h). */
#include "report.h"

#include <tpo/tape.h>

#include <inttypes.h>
#include <math.h>

static const char *bytes_str(char *buf, size_t n, double b)
{
	static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
	return buf;
}

static const char *time_str(char *buf, size_t n, double ns)
{
	if (ns < 1e3)
		snprintf(buf, n, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%.2f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, n, "%.2f s", ns / 1e9);
	return buf;
}

static double coverage(const tpo_sim_stats *s)
{
	uint64_t d = s->prefetch_used + s->misses;
	return d ? (double)s->prefetch_used / (double)d : NAN;
}

static double accuracy(const tpo_sim_stats *s)
{
	return s->prefetches ? (double)s->prefetch_used / (double)s->prefetches : NAN;
}

static const char *pct_str(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f%%", 100 * v);
	return buf;
}

void tpo_report_text(FILE *f, const tpo_simrun_config *c, const tpo_simrun *r)
{
	const tpo_input *in = &r->in;
	char b1[32], b2[32], b3[32];
	fprintf(f, "trace      %s: %s%s", c->trace, *in->program ? in->program : "(no program)",
		in->pid ? "" : "\n");
	if (in->pid)
		fprintf(f, " (pid %d)\n", in->pid);
	fprintf(f, "           %" PRIu64 " accesses, %" PRIu64 " distinct pages (%s), page %u B\n",
		in->accesses, r->footprint,
		bytes_str(b1, sizeof b1, (double)r->footprint * in->page_size), in->page_size);
	if (in->warning)
		fprintf(f, "           warning: %s (its complete chunks were used)\n", in->warning);
	if (c->have_local)
		fprintf(f, "local      %" PRIu64 " pages = %s = %.1f%% of the footprint\n", r->capacity,
			bytes_str(b1, sizeof b1, (double)r->capacity * in->page_size),
			r->footprint ? 100.0 * (double)r->capacity / (double)r->footprint : 0.0);
	fprintf(f, "model      fetch latency %s, %.3g Gbit/s = %s/page, lookahead %" PRIu64
		" pages; compute %s/access\n",
		time_str(b1, sizeof b1, r->model.latency_ns), c->bandwidth_bps / 1e9,
		time_str(b2, sizeof b2, r->model.xfer_ns), r->model.lookahead,
		time_str(b3, sizeof b3, r->model.compute_ns));
	if (r->compute_from_trace)
		fprintf(f, "           (trace %s - %" PRIu64 " faults x %s tracer overhead%s)\n",
			time_str(b1, sizeof b1, r->trace_ns), r->trace_faults,
			time_str(b2, sizeof b2, c->trace_overhead_ns),
			r->compute_clamped ? " < 0: taken as 0; give --compute" : "");
	fprintf(f, "           all-local run time %s\n", time_str(b1, sizeof b1, r->local_ns));

	int any = 0;
	for (int i = 0; i < c->npolicies; i++)
		any |= r->have[c->policies[i]];
	if (any) {
		fprintf(f, "\n%-10s %12s %12s %12s %12s %12s %9s %9s %14s %11s %9s\n", "policy",
			"misses", "fetches", "prefetches", "used", "wasted", "coverage", "accuracy",
			"demand-paging", "est. time", "slowdown");
		for (int i = 0; i < c->npolicies; i++) {
			int p = c->policies[i];
			if (!r->have[p])
				continue;
			const tpo_sim_stats *s = &r->st[p];
			char slow[32];
			if (r->local_ns > 0)
				snprintf(slow, sizeof slow, "%.2fx", s->est_ns / r->local_ns);
			else
				snprintf(slow, sizeof slow, "-");
			fprintf(f,
				"%-10s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64
				" %9s %9s %14" PRIu64 " %11s %9s\n",
				tpo_policy_name(p), s->misses, s->fetches, s->prefetches, s->prefetch_used,
				s->prefetch_wasted, pct_str(b1, sizeof b1, coverage(s)),
				pct_str(b2, sizeof b2, accuracy(s)), s->demand_paging_misses,
				time_str(b3, sizeof b3, s->est_ns), slow);
		}
		fprintf(f, "\nmisses: accesses that waited for their page (a tape fetches each page before its\n"
			   "access, so lru/min have none at their own size); fetches: pages read from far\n"
			   "memory; demand-paging: misses of the same eviction without any prefetching.\n");
	}
	if (r->tape_policy >= 0)
		fprintf(f, "\ntape       %s: %s tape, %" PRIu64 " entries (%" PRIu64 " fetches, %" PRIu64
			   " evictions)\n",
			c->tape_path, tpo_policy_name(r->tape_policy), r->tape_entries,
			r->st[r->tape_policy].fetches, r->st[r->tape_policy].evictions);
	if (r->have_replay) {
		const tpo_replay_stats *s = &r->replay;
		fprintf(f, "\nreplay     %s (%s tape, %" PRIu64 " pages): %s\n", c->replay_path,
			tpo_tape_policy_name(r->replay_header.policy), r->replay_header.local_pages,
			r->replay_matches ? "made from this access sequence"
					  : "NOT made from this access sequence");
		fprintf(f, "           %" PRIu64 " accesses, %" PRIu64 " demand misses, %" PRIu64
			   " fetches, %" PRIu64 " evictions, at most %" PRIu64 " pages resident\n",
			s->accesses, s->misses, s->fetches, s->evictions, s->max_resident);
		if (s->over_capacity || s->bad_evictions || s->bad_fetches || s->entries_after_end)
			fprintf(f, "           problems: %" PRIu64 " accesses over capacity, %" PRIu64
				   " evictions of absent pages, %" PRIu64 " fetches of present pages, %" PRIu64
				   " entries past the end\n",
				s->over_capacity, s->bad_evictions, s->bad_fetches, s->entries_after_end);
	}
	if (r->nsizes) {
		fprintf(f, "\nmiss-ratio curves: misses per local-memory size (lru, min: the fetches of the tape\n"
			   "= misses under demand paging with that eviction)\n%8s %12s", "size", "pages");
		for (int i = 0; i < c->npolicies; i++)
			fprintf(f, " %12s", tpo_policy_name(c->policies[i]));
		fprintf(f, "\n");
		for (size_t k = 0; k < r->nsizes; k++) {
			fprintf(f, "%7.1f%% %12" PRIu64,
				r->footprint ? 100.0 * (double)r->sizes[k] / (double)r->footprint : 0.0,
				r->sizes[k]);
			for (int i = 0; i < c->npolicies; i++)
				fprintf(f, " %12" PRIu64, r->mrc[c->policies[i]][k]);
			fprintf(f, "\n");
		}
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

void tpo_report_json(FILE *f, const tpo_simrun_config *c, const tpo_simrun *r)
{
	const tpo_input *in = &r->in;
	fprintf(f, "{\"trace\": ");
	json_str(f, c->trace);
	fprintf(f, ", \"program\": ");
	json_str(f, in->program);
	fprintf(f, ", \"pid\": %d, \"page_size\": %u, \"accesses\": %" PRIu64
		   ", \"footprint_pages\": %" PRIu64 ", \"seq_hash\": \"%016" PRIx64 "\"",
		in->pid, in->page_size, in->accesses, r->footprint, in->hash);
	if (in->warning) {
		fprintf(f, ", \"warning\": ");
		json_str(f, in->warning);
	}
	fprintf(f, ",\n \"model\": {\"latency_ns\": ");
	json_num(f, r->model.latency_ns);
	fprintf(f, ", \"bandwidth_bps\": ");
	json_num(f, c->bandwidth_bps);
	fprintf(f, ", \"transfer_ns\": ");
	json_num(f, r->model.xfer_ns);
	fprintf(f, ", \"lookahead\": %" PRIu64 ", \"compute_ns_per_access\": ", r->model.lookahead);
	json_num(f, r->model.compute_ns);
	fprintf(f, ", \"compute_from_trace\": %s, \"trace_duration_ns\": ",
		r->compute_from_trace ? "true" : "false");
	json_num(f, r->trace_ns);
	fprintf(f, ", \"trace_faults\": %" PRIu64 ", \"trace_overhead_ns\": ", r->trace_faults);
	json_num(f, c->trace_overhead_ns);
	fprintf(f, ", \"local_time_ns\": ");
	json_num(f, r->local_ns);
	fprintf(f, "},\n \"policies\": [");
	int first = 1;
	for (int i = 0; i < c->npolicies; i++) {
		int p = c->policies[i];
		if (!r->have[p])
			continue;
		const tpo_sim_stats *s = &r->st[p];
		fprintf(f, "%s\n  {\"policy\": \"%s\", \"local_pages\": %" PRIu64 ", \"accesses\": %" PRIu64
			   ", \"misses\": %" PRIu64 ", \"fetches\": %" PRIu64 ", \"prefetches\": %" PRIu64
			   ", \"prefetch_used\": %" PRIu64 ", \"prefetch_wasted\": %" PRIu64
			   ", \"evictions\": %" PRIu64 ", \"cold_misses\": %" PRIu64
			   ", \"demand_paging_misses\": %" PRIu64 ", \"coverage\": ",
			first ? "" : ",", tpo_policy_name(p), s->capacity, s->accesses, s->misses,
			s->fetches, s->prefetches, s->prefetch_used, s->prefetch_wasted, s->evictions,
			s->cold, s->demand_paging_misses);
		first = 0;
		json_num(f, coverage(s));
		fprintf(f, ", \"accuracy\": ");
		json_num(f, accuracy(s));
		fprintf(f, ", \"est_time_ns\": ");
		json_num(f, s->est_ns);
		fprintf(f, ", \"stall_ns\": ");
		json_num(f, s->stall_ns);
		fprintf(f, ", \"slowdown\": ");
		json_num(f, r->local_ns > 0 ? s->est_ns / r->local_ns : NAN);
		fprintf(f, ", \"sim_seconds\": ");
		json_num(f, s->sim_seconds);
		fprintf(f, "}");
	}
	fprintf(f, "%s]", first ? "" : "\n ");
	if (r->tape_policy >= 0) {
		fprintf(f, ",\n \"tape\": {\"path\": ");
		json_str(f, c->tape_path);
		fprintf(f, ", \"policy\": \"%s\", \"entries\": %" PRIu64 "}",
			tpo_policy_name(r->tape_policy), r->tape_entries);
	}
	if (r->have_replay) {
		const tpo_replay_stats *s = &r->replay;
		fprintf(f, ",\n \"replay\": {\"path\": ");
		json_str(f, c->replay_path);
		fprintf(f, ", \"policy\": \"%s\", \"local_pages\": %" PRIu64 ", \"matches_trace\": %s"
			   ", \"accesses\": %" PRIu64 ", \"misses\": %" PRIu64 ", \"fetches\": %" PRIu64
			   ", \"evictions\": %" PRIu64 ", \"max_resident\": %" PRIu64
			   ", \"over_capacity\": %" PRIu64 ", \"bad_evictions\": %" PRIu64
			   ", \"bad_fetches\": %" PRIu64 ", \"entries_after_end\": %" PRIu64 "}",
			tpo_tape_policy_name(r->replay_header.policy), r->replay_header.local_pages,
			r->replay_matches ? "true" : "false", s->accesses, s->misses, s->fetches,
			s->evictions, s->max_resident, s->over_capacity, s->bad_evictions, s->bad_fetches,
			s->entries_after_end);
	}
	if (r->nsizes) {
		fprintf(f, ",\n \"mrc\": {\"local_pages\": [");
		for (size_t k = 0; k < r->nsizes; k++)
			fprintf(f, "%s%" PRIu64, k ? ", " : "", r->sizes[k]);
		fprintf(f, "], \"seconds\": ");
		json_num(f, r->mrc_seconds);
		fprintf(f, ", \"misses\": {");
		for (int i = 0; i < c->npolicies; i++) {
			int p = c->policies[i];
			fprintf(f, "%s\"%s\": [", i ? ", " : "", tpo_policy_name(p));
			for (size_t k = 0; k < r->nsizes; k++)
				fprintf(f, "%s%" PRIu64, k ? ", " : "", r->mrc[p][k]);
			fprintf(f, "]");
		}
		fprintf(f, "}}");
	}
	fprintf(f, ",\n \"passes\": %d, \"wall_seconds\": ", r->passes);
	json_num(f, r->wall_seconds);
	fprintf(f, "}\n");
}
