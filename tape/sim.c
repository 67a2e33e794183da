/* sim.c — policy names (and lists of them), the dispatch of tpo_sim to the simulators; the tape clock. */
#include "sim_internal.h"

#include <glib.h>
#include <string.h>
#include <time.h>

static const char *const policy_names[TPO_POLICY_COUNT] = {
	[TPO_POLICY_LRU] = "lru",
	[TPO_POLICY_MIN] = "min",
	[TPO_POLICY_DEMAND] = "demand",
	[TPO_POLICY_READAHEAD] = "readahead",
	[TPO_POLICY_LEAP] = "leap",
};

const char *tpo_policy_name(tpo_policy p)
{
	return (unsigned)p < TPO_POLICY_COUNT ? policy_names[p] : "?";
}

int tpo_policy_parse(const char *name)
{
	for (int i = 0; i < TPO_POLICY_COUNT; i++)
		if (!strcmp(name, policy_names[i]))
			return i;
	return -1;
}

gboolean tpo_parse_policies(const char *s, int *list, int *n, GError **err)
{
	*n = 0;
	if (!strcmp(s, "all")) {
		for (int i = 0; i < TPO_POLICY_COUNT; i++)
			list[(*n)++] = i;
		return TRUE;
	}
	gchar **parts = g_strsplit(s, ",", -1);
	gboolean ok = TRUE;
	int seen[TPO_POLICY_COUNT] = {0};
	for (int i = 0; ok && parts[i]; i++) {
		int p = tpo_policy_parse(g_strstrip(parts[i]));
		if (p < 0) {
			g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "unknown policy '%s' (lru, min, demand, readahead, leap, all)", parts[i]);
			ok = FALSE;
		} else if (!seen[p]) {
			seen[p] = 1;
			list[(*n)++] = p;
		}
	}
	g_strfreev(parts);
	if (ok && !*n) {
		g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "empty policy list");
		ok = FALSE;
	}
	return ok;
}

double tpo_cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

tpo_sim *tpo_sim_new(tpo_policy p, const tpo_sim_env *env)
{
	switch (p) {
	case TPO_POLICY_LRU:
		return tpo_lru_sim_new(env, 1);
	case TPO_POLICY_DEMAND:
		return tpo_lru_sim_new(env, 0);
	case TPO_POLICY_READAHEAD:
	case TPO_POLICY_LEAP:
		return tpo_prefetch_sim_new(env, p);
	default:
		return NULL; /* MIN needs the whole sequence: tpo_min_run */
	}
}

void tpo_sim_feed(tpo_sim *s, const uint32_t *ids, const uint64_t *pages, size_t n)
{
	double t0 = tpo_cpu_seconds();
	s->feed(s, ids, pages, n);
	s->cpu_seconds += tpo_cpu_seconds() - t0;
}

void tpo_sim_finish(tpo_sim *s, tpo_sim_stats *out)
{
	double t0 = tpo_cpu_seconds();
	s->finish(s, out);
	s->cpu_seconds += tpo_cpu_seconds() - t0;
	out->sim_seconds = s->cpu_seconds;
}

void tpo_sim_free(tpo_sim *s)
{
	if (s)
		s->destroy(s);
}

int tpo_sim_run(tpo_policy p, const tpo_sim_env *env, const uint32_t *ids, size_t n, size_t nids,
		tpo_sim_stats *out)
{
	if (p == TPO_POLICY_MIN)
		return tpo_min_run(env, ids, n, nids, out);
	tpo_sim *s = tpo_sim_new(p, env);
	if (!s)
		return 0;
	tpo_sim_feed(s, ids, NULL, n);
	tpo_sim_finish(s, out);
	tpo_sim_free(s);
	return 1;
}

void tpo_tape_clock_init(tpo_tape_clock *c, uint64_t lookahead)
{
	memset(c, 0, sizeof *c);
	c->la = lookahead;
	if (lookahead)
		c->ring = g_new0(double, lookahead);
}

void tpo_tape_clock_free(tpo_tape_clock *c)
{
	g_free(c->ring);
	c->ring = NULL;
}

double tpo_tape_clock_fetch(tpo_tape_clock *c, const tpo_farmem_model *m, double now)
{
	double issue;
	if (!c->la) {
		issue = now; /* no lookahead: a demand fetch */
	} else {
		/* Fetch j goes out once the program reached fetch j - lookahead (time 0 for the
		 * first lookahead fetches); the ring slot still holds that time. */
		issue = c->fetches < c->la ? 0.0 : c->ring[c->slot];
		c->ring[c->slot] = now;
		if (++c->slot == c->la)
			c->slot = 0;
	}
	c->fetches++;
	return tpo_link_fetch(&c->link, m, issue);
}
