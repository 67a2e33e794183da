/* progress.h — a one-line progress report on stderr for long runs: shown once a run has taken
 * two seconds, updated in place with \r, erased when done. */
#ifndef TPO_PROGRESS_H
#define TPO_PROGRESS_H

typedef struct tpo_progress {
	int enabled;
	double start;      /* when the run began (monotonic seconds) */
	double last;       /* last update shown */
	int shown;         /* a line is on screen */
	const char *label; /* current step */
	double base, span; /* this step covers [base, base + span) of the whole */
} tpo_progress;

void tpo_progress_init(tpo_progress *p, int enabled);
/* The step that covers the fraction [base, base + span) of the run. */
void tpo_progress_step(tpo_progress *p, const char *label, double base, double span);
/* fraction done of the current step; a tpo_progress_fn. */
void tpo_progress_update(void *p, double fraction);
void tpo_progress_done(tpo_progress *p);

#endif
