/* supervise.h — the runtime's ptrace side (supervise.c): launch, set up, follow the program. */
#ifndef TPO_RT_SUPERVISE_H
#define TPO_RT_SUPERVISE_H

#include "rt.h"

/* Runs r->opt.argv to its end under the runtime; res gets the status and statistics. */
gboolean rt_supervise(rt *r, tpo_rt_result *res, GError **err);

#endif
