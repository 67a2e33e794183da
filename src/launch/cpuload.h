/* cpuload.h — choosing the CPU 3po-run pins itself and the program to: the least busy one it may
 * run on, judged by each CPU's idle time over a short interval (/proc/stat). */
#ifndef TPO_CPULOAD_H
#define TPO_CPULOAD_H

#include <sched.h> /* cpu_set_t: include first, or define _GNU_SOURCE */
#include <stdbool.h>
#include <stdint.h>

/* Idle time (idle + iowait, in clock ticks) of each CPU from the text of /proc/stat: idle[c] for
 * every "cpuN" line with N < max; CPUs not listed get UINT64_MAX. Returns the number of lines. */
int tpo_cpuload_parse(const char *stat, uint64_t *idle, int max);

/* Of the CPUs in allowed, the one that was idle the longest between the two samples (ticks,
 * as parsed above); on a tie, prefer `current` (if allowed), then the lowest. -1 if none. */
int tpo_cpuload_pick(const uint64_t *before, const uint64_t *after, int n, const cpu_set_t *allowed, int current);
/* The same with runnable-task counts per CPU (NULL: none) compared first, fewest wins. */
int tpo_cpuload_pick_queued(const unsigned *runnable, const uint64_t *before, const uint64_t *after, int n,
                            const cpu_set_t *allowed, int current);

/* Adds to runnable[c], for each CPU c < max, the number of tasks (other than ours) running or
 * waiting to run there now, from /proc/PID/task/TID/stat. Returns false if /proc cannot be read. */
bool tpo_cpuload_runnable(unsigned *runnable, int max);

/* Samples /proc/stat twice `ms` milliseconds apart and picks as above among the CPUs this process
 * may run on, except that a CPU with fewer tasks waiting to run (counted at five moments in
 * between) wins first: on a saturated machine no CPU is idle, but one has the shorter queue. Without /proc/stat, the CPU it runs on now. -1 if it cannot tell. */
int tpo_cpuload_least_busy(int ms);

#endif
