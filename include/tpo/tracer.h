/* tpo/tracer.h — the tracing engine behind 3po-run (and later 3po-attach): launch a program under
 * the ptrace supervisor and write its page-access trace. */
#ifndef TPO_TRACER_PUBLIC_H
#define TPO_TRACER_PUBLIC_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "tpo/trace.h"

/* Which kinds of mapping are traced (tpo_region_table.select). */
#define TPO_SEL_ANON 0x1u  /* private anonymous memory (malloc, mmap) */
#define TPO_SEL_HEAP 0x2u  /* the brk heap */
#define TPO_SEL_DATA 0x4u  /* private writable file mappings (.data, .bss of every object) */
#define TPO_SEL_DEFAULT (TPO_SEL_ANON | TPO_SEL_HEAP | TPO_SEL_DATA)

typedef struct tpo_trace_options {
	const char *output;      /* trace file */
	unsigned microset;       /* pages per microset, >= 1 */
	uint32_t select;         /* TPO_SEL_* kinds of memory traced */
	bool pin;                /* run the supervisor and the target on one CPU */
	int verbose;             /* 0 quiet, 1 summary, 2 detail */
	unsigned callchain_every; /* record a call chain on every Nth fault; 0 = never */
	bool aslr;               /* 3po-run: keep address-space randomisation (default: off, as rr does) */
	char *const *argv;       /* program and arguments */
} tpo_trace_options;

typedef struct tpo_trace_result {
	int status;              /* wait status of the program */
	bool launched;           /* the program was started (exec succeeded) */
	int exec_errno;          /* why exec failed, when it did */
	bool detached;           /* attach mode: we let go of a still running program */
	bool killed;             /* the tracer killed the program after a fatal error (err says which) */
	tpo_trace_footer footer;
	uint64_t syscall_stops, pins, restarts, stale_faults;
	uint64_t regions_traced;
} tpo_trace_result;

/* Launches argv under the tracer, traces until it exits, writes the trace. Returns FALSE with err
 * if tracing could not start or the trace could not be written; res is filled in either case
 * as far as known. */
gboolean tpo_trace_launch(const tpo_trace_options *opt, tpo_trace_result *res, GError **err);

/* "anon,heap,data,all" into TPO_SEL_* bits; FALSE for an unknown word or an empty list. */
gboolean tpo_parse_regions(const char *s, uint32_t *sel);
/* The exit code a shell gives for wait status st: the code, or 128 + the signal. */
int tpo_exit_code(int st);
/* --callchain[=N]: N (1 to TPO_CALLCHAIN_MAX_EVERY), or 1 when arg is NULL. */
#define TPO_CALLCHAIN_MAX_EVERY 1000000000ul
gboolean tpo_parse_callchain(const char *arg, unsigned *every);
/* The tracing options 3po-run and 3po-attach share, as getopt returns them: 'm' (--microset N),
 * 'r' (--regions LIST), 'C' (--callchain[=N]), 'q', 'v', taken into opt. Returns 0 if taken,
 * 2 (the exit code) after a one-line error that names cmd, or -1 if c is none of these. */
int tpo_trace_option(const char *cmd, int c, const char *arg, tpo_trace_options *opt);

/* Attaches to every thread of running process pid, traces until SIGINT/SIGTERM/SIGHUP, the
 * duration (seconds, 0 = none) or the process's exit, then detaches leaving nothing behind. */
gboolean tpo_trace_attach(const tpo_trace_options *opt, int pid, double duration, tpo_trace_result *res,
                          GError **err);

#endif
