/* fork_copy.h — giving a forked child its own private copy of the managed memory (fork_copy.c). */
#ifndef TPO_RT_FORK_COPY_H
#define TPO_RT_FORK_COPY_H

#include <glib.h>
#include <stdint.h>

#include "rt.h"

/* The child process `child` (stopped at its first stop, traced by us) was forked from the
 * managed program and still has the managed regions as shared views of our memfd. With the pager
 * held quiescent (rt->lock, no read in flight), replaces each of them in the child by a private
 * anonymous mapping holding the pages as they are now (local ones from the memfd, far ones from
 * the far store, never-stored ones left zero), with the child's protections, and closes any fd
 * of ours the child inherited. scratch: the scratch page the child inherited; deferred: where
 * other threads' stops seen meanwhile go. Returns false if the child died meanwhile (*gone_status
 * gets its wait status, *gone set) or on an error (err set: the child must not run). Signals
 * that reached the child meanwhile are sent to it again. others_run: other threads of the parent
 * may be running (their writes are held back during the copy). */
bool rt_fork_copy(rt *r, int child, uint64_t scratch, GQueue *deferred, bool others_run, bool *gone,
                  int *gone_status, GError **err);

#endif
