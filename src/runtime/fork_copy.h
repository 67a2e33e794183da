/* fork_copy.h — giving a forked child its own private copy of the managed memory (fork_copy.c);
 * when, is fork_lazy.c's choice. */
#ifndef TPO_RT_FORK_COPY_H
#define TPO_RT_FORK_COPY_H

#include <glib.h>
#include <stdint.h>

#include "rt.h"

/* Holds the pager still (takes rt->lock, lets every far read land, maps gathered pages) and, if
 * other threads of the program may run (others_run), write-protects its writable resident pages
 * so that their writes wait: the managed memory stays as it is until rt_fork_unhold. False if
 * the pager failed or the pages could not be protected (still held: call rt_fork_unhold). */
bool rt_fork_hold(rt *r, bool others_run, bool *frozen);
void rt_fork_unhold(rt *r, bool frozen);

/* A child (stopped, traced by us) forked from the program, with the managed regions still as
 * shared views of our memfd: its views are listed at open. scratch: the scratch page it
 * inherited; deferred: where other threads' stops seen meanwhile go. Every call below is made
 * with the pager held and the child stopped. */
typedef struct rt_fork_child rt_fork_child;
rt_fork_child *rt_fork_child_open(rt *r, int child, uint64_t scratch, GQueue *deferred);
/* Makes the child's views inaccessible (PROT_NONE: its first touch of one is a SIGSEGV) and
 * closes any fd of ours it inherited. */
bool rt_fork_child_seal(rt_fork_child *c);
/* Replaces each view by a private anonymous mapping holding the pages as they are now (local
 * ones from the memfd, far ones from the far store, never-stored ones left zero), with the
 * protections the views had at open; the child resumes with the registers it has now. */
bool rt_fork_child_copy(rt_fork_child *c);
/* Whether [addr, addr + len) of the child meets one of its views. */
bool rt_fork_child_touches(const rt_fork_child *c, uint64_t addr, uint64_t len);
/* Its /proc/PID/mem, and whether nothing failed and it is still there. */
int rt_fork_child_mem(const rt_fork_child *c);
bool rt_fork_child_ok(const rt_fork_child *c);
/* Frees c, sending again the signals that reached the child during injected calls. Returns
 * false if the child died meanwhile (*gone set, *gone_status its wait status) or on an error
 * (err set if known: the child must not run). */
bool rt_fork_child_close(rt_fork_child *c, bool *gone, int *gone_status, GError **err);

#endif
