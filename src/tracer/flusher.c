/* flusher.c — a thread that writes the trace's pending events once the first of them is half a
 * second old, so that a tracer killed by SIGKILL loses at most about the last half second, even
 * while the program runs on without faulting (the tracer then sits in waitpid and adds nothing).
 * The writer also checks the age as events are added; this thread covers the quiet spells. */
#include "tracer.h"

#include <signal.h>
#include <time.h>

#define TRACE_MAX_AGE_NS 500000000ull

static void *flusher_main(void *arg)
{
	tpo_tracer *t = arg;
	pthread_mutex_lock(&t->flusher.mu);
	while (!t->flusher.stop) {
		uint64_t due = tpo_trace_writer_due_ns(t->w); /* 0: nothing waits, or writing failed */
		if (!due) {
			pthread_cond_wait(&t->flusher.cv, &t->flusher.mu);
			continue;
		}
		if (tpo_now_ns() >= due) {
			GError *err = NULL;
			if (!tpo_trace_writer_flush(t->w, &err) && !t->flusher.error)
				t->flusher.error = err;
			else
				g_clear_error(&err);
			continue;
		}
		struct timespec at = {.tv_sec = (time_t)(due / 1000000000u), .tv_nsec = (long)(due % 1000000000u)};
		pthread_cond_timedwait(&t->flusher.cv, &t->flusher.mu, &at);
	}
	pthread_mutex_unlock(&t->flusher.mu);
	return NULL;
}

void tpo_flusher_start(tpo_tracer *t)
{
	if (!t->w || t->flusher.on)
		return;
	tpo_trace_writer_set_max_age(t->w, TRACE_MAX_AGE_NS);
	pthread_mutex_init(&t->flusher.mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* tpo_now_ns's clock */
	pthread_cond_init(&t->flusher.cv, &ca);
	pthread_condattr_destroy(&ca);
	t->flusher.stop = false;
	/* every signal (3po-run's forwarding, 3po-attach's stop and tick) stays with the tracer */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	t->flusher.on = pthread_create(&t->flusher.thread, NULL, flusher_main, t) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!t->flusher.on) {
		pthread_cond_destroy(&t->flusher.cv);
		pthread_mutex_destroy(&t->flusher.mu);
	}
}

void tpo_flusher_lock(tpo_tracer *t)
{
	if (!t->flusher.on)
		return;
	pthread_mutex_lock(&t->flusher.mu);
	t->flusher.idle = !tpo_trace_writer_due_ns(t->w);
}

void tpo_flusher_unlock(tpo_tracer *t, GError **err)
{
	if (!t->flusher.on)
		return;
	if (t->flusher.error && err) { /* the first failure says why ("an earlier write failed" not) */
		g_clear_error(err);
		*err = t->flusher.error;
		t->flusher.error = NULL;
	}
	/* a chunk has just started: the flusher waits without a time until told */
	if (t->flusher.idle && tpo_trace_writer_due_ns(t->w))
		pthread_cond_signal(&t->flusher.cv);
	pthread_mutex_unlock(&t->flusher.mu);
}

void tpo_flusher_stop(tpo_tracer *t)
{
	if (!t->flusher.on)
		return;
	pthread_mutex_lock(&t->flusher.mu);
	t->flusher.stop = true;
	pthread_cond_signal(&t->flusher.cv);
	pthread_mutex_unlock(&t->flusher.mu);
	pthread_join(t->flusher.thread, NULL);
	t->flusher.on = false;
	if (t->flusher.error && !t->error) {
		t->error = t->flusher.error;
		g_prefix_error(&t->error, "trace write failed: ");
	} else {
		g_clear_error(&t->flusher.error);
	}
	pthread_cond_destroy(&t->flusher.cv);
	pthread_mutex_destroy(&t->flusher.mu);
}
