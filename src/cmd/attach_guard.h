/* attach_guard.h — 3po-attach's guardian (attach_guard.c): the process the user starts waits
 * while a child of its own traces, so a SIGKILL to it cannot leave the program's pages shut. */
#ifndef TPO_ATTACH_GUARD_H
#define TPO_ATTACH_GUARD_H

/* Forks the tracing child (not when target is this very process, which the tracer refuses). Returns -1 in the child (which goes on to trace, with SIGINT, SIGTERM
 * and SIGHUP blocked until tpo_trace_attach takes them; the death of the parent sends it
 * SIGTERM); in the parent, once the child has ended, the exit code to end with. */
int attach_guard(int target);

#endif
