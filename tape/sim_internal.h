/* sim_internal.h — what the simulators share behind tpo_sim (sim.c dispatches). */
#ifndef TPO_SIM_INTERNAL_H
#define TPO_SIM_INTERNAL_H

#include "sim.h"

struct tpo_sim {
	void (*feed)(tpo_sim *s, const uint32_t *ids, const uint64_t *pages, size_t n);
	void (*finish)(tpo_sim *s, tpo_sim_stats *out);
	void (*destroy)(tpo_sim *s);
	double cpu_seconds;
};

tpo_sim *tpo_lru_sim_new(const tpo_sim_env *env, int tape);
tpo_sim *tpo_prefetch_sim_new(const tpo_sim_env *env, tpo_policy p);

/* Program time at the tape's fetches, to issue fetch j once the program reached fetch
 * j - lookahead (docs/sim.md). */
typedef struct tpo_tape_clock {
	double *ring;   /* lookahead entries */
	uint64_t la;
	uint64_t fetches;
	uint64_t slot;  /* fetches % la */
	tpo_link link;
} tpo_tape_clock;

void tpo_tape_clock_init(tpo_tape_clock *c, uint64_t lookahead);
void tpo_tape_clock_free(tpo_tape_clock *c);
/* The program, at time now, needs the page of the next tape fetch: returns its arrival. */
double tpo_tape_clock_fetch(tpo_tape_clock *c, const tpo_farmem_model *m, double now);

#endif
