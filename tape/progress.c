/* progress.c — the stderr progress line (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void tpo_progress_init(tpo_progress *p, int enabled)
{
	*p = (tpo_progress){.enabled = enabled, .start = now_s(), .label = "working", .span = 1};
}

void tpo_progress_step(tpo_progress *p, const char *label, double base, double span)
{
	p->label = label;
	p->base = base;
	p->span = span;
	tpo_progress_update(p, 0);
}

void tpo_progress_update(void *ctx, double fraction)
{
	tpo_progress *p = ctx;
	if (!p->enabled)
		return;
	double t = now_s();
	if (t - p->start < 2.0 || t - p->last < 0.25)
		return;
	p->last = t;
	if (fraction > 1)
		fraction = 1;
	if (fraction < 0)
		fraction = 0;
	double all = p->base + p->span * fraction;
	fprintf(stderr, "\r3po-sim: %-28s %5.1f%%  (%.0f s)", p->label, 100.0 * all, t - p->start);
	fflush(stderr);
	p->shown = 1;
}

void tpo_progress_done(tpo_progress *p)
{
	if (p->shown) {
		fprintf(stderr, "\r%70s\r", "");
		fflush(stderr);
	}
	p->shown = 0;
}
