/* fork_lazy.h — a forked child's copy of the managed memory, made when it first needs it
 * (fork_lazy.c). */
#ifndef TPO_RT_FORK_LAZY_H
#define TPO_RT_FORK_LAZY_H

#include <glib.h>
#include <stdint.h>

#include "rt.h"

/* The child process `child`, stopped at its first stop (for signal first_sig, or 0) and traced
 * by us, was forked from the managed program and still has the managed regions as shared views
 * of our memfd. Lets it run, its parent kept waiting by the caller, until it execs or exits (no
 * copy) or needs its memory (each view replaced by a private copy of it as of the fork). Returns
 * true with the child running on; false if it died meanwhile (*gone set, *gone_status its wait
 * status) or on an error (err set; the child is stopped and must not run). scratch: the scratch
 * page it inherited; deferred: where other threads' stops seen meanwhile go; others_run: other
 * threads of the parent may be running (their writes are held back meanwhile). */
bool rt_fork_give(rt *r, int child, int first_sig, uint64_t scratch, GQueue *deferred, bool others_run,
                  bool *gone, int *gone_status, GError **err);

#endif
