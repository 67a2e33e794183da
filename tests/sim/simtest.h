/* simtest.h — helpers of the sim_* tests: run a policy on a list of page numbers. */
#ifndef TPO_SIMTEST_H
#define TPO_SIMTEST_H

#include <check.h>
#include <string.h>

#include "input.h"
#include "sim.h"

/* A sequence of page numbers (4 KiB pages), its input and an environment for capacity pages. */
typedef struct simtest {
	tpo_input in;
	tpo_sim_env env;
} simtest;

static inline void simtest_init(simtest *t, const uint64_t *pagenos, size_t n, uint64_t capacity)
{
	uint64_t *addr = g_new(uint64_t, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		addr[i] = pagenos[i] << 12;
	tpo_input_from_pages(&t->in, addr, n, 4096);
	g_free(addr);
	memset(&t->env, 0, sizeof t->env);
	t->env.capacity = capacity;
	t->env.map = &t->in.map;
	t->env.regions = &t->in.regions;
	t->env.page_size = 4096;
	t->env.page_cluster = 3;
	t->env.leap_history = 32;
	t->env.model.latency_ns = 3000;
	t->env.model.xfer_ns = 1000;
	t->env.model.lookahead = 400;
}

static inline tpo_sim_stats simtest_run(simtest *t, tpo_policy p)
{
	tpo_sim_stats s;
	ck_assert(tpo_sim_run(p, &t->env, t->in.seq, t->in.nseq, tpo_pagemap_count(&t->in.map), &s));
	return s;
}

static inline void simtest_clear(simtest *t) { tpo_input_clear(&t->in); }

#endif
