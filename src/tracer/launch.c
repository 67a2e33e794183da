/* launch.c — 3po-run's tracing session: start the program with the launcher (src/launch/),
 * open the trace with its header, follow the program to its end, and finish the trace. */
#define _GNU_SOURCE
#include "tracer.h"
#include "launch.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The trace's header for the program launched as pid. */
static tpo_trace_writer *open_trace(const tpo_trace_options *opt, int pid, GError **err)
{
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	char *found = g_find_program_in_path(opt->argv[0]);
	tpo_trace_header h = {.version = TPO_TRACE_VERSION, .page_size = (uint32_t)sysconf(_SC_PAGESIZE),
	                      .microset_size = opt->microset, .pid = pid,
	                      .start_time_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec,
	                      .program = found ? found : (char *)opt->argv[0]};
	h.argc = 0;
	while (opt->argv[h.argc])
		h.argc++;
	h.argv = (char **)opt->argv;
	tpo_trace_writer *w = tpo_trace_writer_open(opt->output, &h, err);
	g_free(found);
	return w;
}

/* The event loop returned with threads left: the trace could not be written, so the program
 * runs on untraced, as it would have without us, and we wait for it (still passing signals
 * on); or, killed because tracing could not go on (maplimit.c), it is dying. */
static void run_on_untraced(tpo_tracer *t, tpo_launch *l, tpo_trace_result *res)
{
	tpo_tr_detach_all(t);
	if (!t->killed)
		tpo_launch_unpin(l);
	res->detached = !t->killed;
	int st = 0;
	pid_t r = 0;
	while (!t->main_done && (r = waitpid(l->pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (!t->main_done && r == l->pid)
		t->main_status = st;
}

/* The result and the footer from the ended session. */
static void fill_result(tpo_tracer *t, tpo_trace_result *res)
{
	res->killed = t->killed;
	tpo_tr_end_result(t, res, t->error                        ? TPO_END_ERROR
	                          : WIFSIGNALED(t->main_status) ? TPO_END_KILLED
	                                                        : TPO_END_EXITED);
}

/* Closes the trace (or abandons it after a write error); FALSE with err if it is not whole. */
static gboolean finish_trace(tpo_tracer *t, GError **err)
{
	if (t->error) {
		g_propagate_error(err, t->error);
		t->error = NULL;
		tpo_trace_writer_abandon(t->w);
		return FALSE;
	}
	return tpo_trace_writer_close(t->w, &t->tot, err);
}

gboolean tpo_trace_launch(const tpo_trace_options *opt, tpo_trace_result *res, GError **err)
{
	memset(res, 0, sizeof *res);
	tpo_launch_options lo = {.argv = opt->argv, .aslr = opt->aslr, .pin = opt->pin,
	                         .ptrace_options = TPO_PTRACE_OPTIONS};
	tpo_launch l;
	if (!tpo_launch_start(&l, &lo, err))
		return FALSE;
	tpo_tracer t;
	tpo_tr_init(&t, opt);
	t.main_pid = l.pid;
	t.w = open_trace(opt, l.pid, err);
	if (!t.w) {
		tpo_launch_kill(&l);
		tpo_tr_free(&t);
		return FALSE;
	}
	tpo_proc *p = tpo_proc_new(&t, l.pid);
	p->main = true;
	tpo_tr_thread_new(&t, l.pid, p);
	t.t0_ns = tpo_now_ns();
	tpo_launch_go(&l);
	tpo_tr_event_loop(&t);
	if (g_hash_table_size(t.threads))
		run_on_untraced(&t, &l, res);
	GError *exec_err = NULL;
	res->launched = tpo_launch_end(&l, &res->exec_errno, &exec_err);
	fill_result(&t, res);
	gboolean ok = finish_trace(&t, err);
	if (!res->launched) {
		unlink(opt->output); /* nothing ran: no trace */
		if (ok) {
			g_propagate_error(err, exec_err);
			exec_err = NULL;
		}
		ok = FALSE;
	}
	g_clear_error(&exec_err);
	tpo_tr_free(&t);
	return ok;
}
