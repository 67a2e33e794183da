/* trace_names.c — names for trace event types and end reasons, and the trace error domain. */
#include <tpo/trace.h>

G_DEFINE_QUARK(tpo-trace-error-quark, tpo_trace_error)

const char *tpo_event_type_name(tpo_event_type t)
{
	switch (t) {
	case TPO_EV_REGION_MAP: return "map";
	case TPO_EV_REGION_UNMAP: return "unmap";
	case TPO_EV_ACCESS: return "access";
	case TPO_EV_MICROSET_END: return "microset_end";
	case TPO_EV_EXEC: return "exec";
	case TPO_EV_THREAD_START: return "thread_start";
	case TPO_EV_THREAD_EXIT: return "thread_exit";
	}
	return "unknown";
}

const char *tpo_trace_end_name(uint32_t reason)
{
	switch (reason) {
	case TPO_END_EXITED: return "exited";
	case TPO_END_KILLED: return "killed";
	case TPO_END_DETACHED: return "detached";
	case TPO_END_INTERRUPTED: return "interrupted";
	case TPO_END_ERROR: return "error";
	}
	return "unknown";
}
