/* tape_common.c — names, the error domain, and checking a tape against a trace. */
#include <tpo/tape.h>
#include <tpo/trace.h>

#include <string.h>

G_DEFINE_QUARK(tpo-tape-error-quark, tpo_tape_error)

const char *tpo_tape_policy_name(uint32_t policy)
{
	switch (policy) {
	case TPO_TAPE_POLICY_LRU:
		return "lru";
	case TPO_TAPE_POLICY_MIN:
		return "min";
	default:
		return "?";
	}
}

const char *tpo_tape_op_name(tpo_tape_op op)
{
	return op == TPO_TAPE_FETCH ? "fetch" : op == TPO_TAPE_EVICT ? "evict" : "?";
}

void tpo_tape_header_clear(tpo_tape_header *h)
{
	if (h->argv)
		for (uint32_t i = 0; i < h->argc; i++)
			g_free(h->argv[i]);
	g_free(h->argv);
	g_free(h->program);
	h->argv = NULL;
	h->program = NULL;
	h->argc = 0;
}

gboolean tpo_tape_check_trace(const tpo_tape_header *h, const char *trace_path, GError **err)
{
	tpo_trace_reader *r = tpo_trace_reader_open(trace_path, err);
	if (!r)
		return FALSE;
	const tpo_trace_header *th = tpo_trace_reader_header(r);
	gboolean ok = TRUE;
	if (g_strcmp0(th->program ? th->program : "", h->program ? h->program : "") ||
	    th->start_time_ns != h->trace_start_time_ns || th->pid != h->trace_pid) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_MISMATCH,
			    "tape was made from a trace of %s (pid %d), not %s (pid %d)",
			    h->program && *h->program ? h->program : "?", h->trace_pid,
			    th->program && *th->program ? th->program : "?", th->pid);
		ok = FALSE;
	}
	uint64_t n = 0, hash = TPO_TAPE_HASH_INIT;
	tpo_event ev;
	int k = 0;
	while (ok && (k = tpo_trace_reader_next(r, &ev, err)) > 0) {
		if (ev.type == TPO_EV_ACCESS) {
			hash = tpo_tape_hash_add(hash, ev.access.page);
			n++;
		}
	}
	if (ok && k < 0)
		ok = FALSE;
	if (ok && (n != h->accesses || hash != h->seq_hash)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_MISMATCH,
			    "tape was made from another access sequence (%" G_GUINT64_FORMAT
			    " accesses, hash %016" G_GINT64_MODIFIER "x; trace has %" G_GUINT64_FORMAT
			    ", %016" G_GINT64_MODIFIER "x)",
			    h->accesses, h->seq_hash, n, hash);
		ok = FALSE;
	}
	tpo_trace_reader_close(r);
	return ok;
}
