/* stats.c — the runtime's names (policies, error domain) and its end-of-run statistics, as text
 * for people or as one JSON object for scripts. */
#include "tpo/runtime.h"

#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>

G_DEFINE_QUARK(tpo-runtime-error-quark, tpo_rt_error)

static const char *const names[] = {"demand", "readahead", "leap", "tape"};

gboolean tpo_rt_parse_policy(const char *s, tpo_rt_policy *out)
{
	for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
		if (strcmp(s, names[k]) == 0) {
			*out = (tpo_rt_policy)k;
			return TRUE;
		}
	return FALSE;
}

const char *tpo_rt_policy_name(tpo_rt_policy p)
{
	return (unsigned)p < G_N_ELEMENTS(names) ? names[p] : "?";
}

void tpo_rt_stats_print(FILE *f, const tpo_rt_options *opt, const tpo_rt_result *res, bool json)
{
	const tpo_rt_stats *s = &res->stats;
	const char *pol = tpo_rt_policy_name(opt->policy);
	const char *far = opt->far ? opt->far : "local";
	if (json) {
		fprintf(f, "{\"policy\": \"%s\", \"far\": \"%s\", \"local_pages\": %" PRIu64 ", \"lookahead\": %" PRIu64
		        ", \"regions\": %" PRIu64 ", \"managed_pages\": %" PRIu64 ", \"fetches\": %" PRIu64
		        ", \"zero_fills\": %" PRIu64 ", \"prefetches\": %" PRIu64 ", \"prefetch_used\": %" PRIu64
		        ", \"prefetch_wasted\": %" PRIu64 ", \"demand_faults\": %" PRIu64 ", \"first_touches\": %" PRIu64 ", \"late_fetches\": %" PRIu64 ", \"minor_faults\": %" PRIu64 ", \"first_writes\": %" PRIu64
		        ", \"key_faults\": %" PRIu64 ", \"resyncs\": %" PRIu64 ", \"strays\": %" PRIu64
		        ", \"evictions\": %" PRIu64 ", \"tape_evictions\": %" PRIu64 ", \"writebacks\": %" PRIu64
		        ", \"bytes_in\": %" PRIu64 ", \"bytes_out\": %" PRIu64 ", \"resident_max\": %" PRIu64
		        ", \"tape_fetches\": %" PRIu64 ", \"tape_position\": %" PRIu64
		        ", \"stall_seconds\": %.6f, \"wall_seconds\": %.6f, \"exit_status\": %d, \"signal\": %d}\n",
		        pol, far, s->local_pages, s->lookahead, s->regions, s->managed_pages, s->fetches, s->zero_fills,
		        s->prefetches, s->prefetch_used, s->prefetch_wasted, s->demand_faults, s->first_touches,
		        s->late_fetches, s->minor_faults, s->first_writes, s->key_faults, s->resyncs, s->strays, s->evictions, s->tape_evictions, s->writebacks,
		        s->bytes_in, s->bytes_out, s->resident_max, s->tape_fetches_total, s->tape_position,
		        s->stall_s, s->wall_s, WIFEXITED(res->status) ? WEXITSTATUS(res->status) : -1,
		        WIFSIGNALED(res->status) ? WTERMSIG(res->status) : 0);
		return;
	}
	fprintf(f, "3po-run: runtime %s, far %s, local memory %" PRIu64 " pages; %.3f s, %.3f s of it in faults\n",
	        pol, far, s->local_pages, s->wall_s, s->stall_s);
	fprintf(f, "3po-run:   %" PRIu64 " regions (%" PRIu64 " pages) managed, at most %" PRIu64 " pages resident\n",
	        s->regions, s->managed_pages, s->resident_max);
	fprintf(f, "3po-run:   fetches %" PRIu64 " (%" PRIu64 " zero-filled), prefetches %" PRIu64 " (used %" PRIu64
	        ", wasted %" PRIu64 ")\n3po-run:   demand faults %" PRIu64 ", first touches %" PRIu64
	        ", waits for late fetches %" PRIu64 ", minor faults %" PRIu64 ", first writes %" PRIu64 "\n",
	        s->fetches, s->zero_fills, s->prefetches, s->prefetch_used, s->prefetch_wasted, s->demand_faults,
	        s->first_touches, s->late_fetches, s->minor_faults, s->first_writes);
	fprintf(f, "3po-run:   evictions %" PRIu64 " (written back %" PRIu64 "), moved %.1f MiB in, %.1f MiB out\n",
	        s->evictions, s->writebacks, (double)s->bytes_in / 1048576.0, (double)s->bytes_out / 1048576.0);
	if (opt->policy == TPO_RT_TAPE)
		fprintf(f, "3po-run:   tape: %" PRIu64 " fetches, reached %" PRIu64 ", lookahead %" PRIu64 ", key faults %"
		        PRIu64 ", resyncs %" PRIu64 ", strays %" PRIu64 ", evictions from the tape %" PRIu64 "\n",
		        s->tape_fetches_total, s->tape_position, s->lookahead, s->key_faults, s->resyncs, s->strays,
		        s->tape_evictions);
}
