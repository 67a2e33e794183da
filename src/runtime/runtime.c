/* runtime.c — tpo_runtime_run: check the request (sizes, the tape's identity), open far memory,
 * choose the policy, run the program under the supervisor, and clean up. */
#define _GNU_SOURCE
#include "rt.h"
#include "supervise.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tpo/tape.h"

#define MEMFD_SIZE (1ull << 52)

static char *real(const char *path)
{
	char buf[PATH_MAX];
	return path && realpath(path, buf) ? g_strdup(buf) : g_strdup(path ? path : "");
}

static char *joined(const char *prog, uint32_t argc, char *const *argv)
{
	GString *s = g_string_new(prog);
	for (uint32_t k = 1; k < argc; k++)
		g_string_append_printf(s, " %s", argv[k]);
	return g_string_free(s, FALSE);
}

/* The tape must come from a trace of this very program with these very arguments. */
static gboolean check_identity(const tpo_rt_options *opt, GError **err)
{
	tpo_tape_reader *rd = tpo_tape_reader_open(opt->tape, err);
	if (!rd)
		return FALSE;
	const tpo_tape_header *h = tpo_tape_reader_header(rd);
	char *found = g_find_program_in_path(opt->argv[0]);
	char *mine = real(found ? found : opt->argv[0]), *theirs = real(h->program);
	uint32_t argc = 0;
	while (opt->argv[argc])
		argc++;
	gboolean same = strcmp(mine, theirs) == 0 && argc == h->argc;
	for (uint32_t k = 1; same && k < argc; k++)
		same = strcmp(opt->argv[k], h->argv[k]) == 0;
	if (!same) {
		char *a = joined(theirs, h->argc, h->argv), *b = joined(mine, argc, opt->argv);
		g_set_error(err, TPO_RT_ERROR, 0, "tape %s was made from '%s', not '%s' (trace this run and make "
		            "its tape, or pass --no-check)", opt->tape, a, b);
		g_free(a);
		g_free(b);
	}
	g_free(found);
	g_free(mine);
	g_free(theirs);
	tpo_tape_reader_close(rd);
	return same;
}

static void rt_free(rt *r)
{
	if (r->pol)
		r->pol->destroy(r->pol);
	if (r->far)
		tpo_far_close(r->far);
	if (r->memfd >= 0)
		close(r->memfd);
	if (r->uffd >= 0)
		close(r->uffd);
	for (guint k = 0; k < r->regions->len; k++) {
		rt_region *g = &g_array_index(r->regions, rt_region, k);
		g_free(g->state);
		g_free(g->flags);
		g_free(g->stamp);
		g_free(g->tpos);
	}
	g_array_free(r->regions, TRUE);
	g_free(r->fifo);
	if (r->far_error)
		g_error_free(r->far_error);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

gboolean tpo_runtime_run(const tpo_rt_options *opt, tpo_rt_result *res, GError **err)
{
	memset(res, 0, sizeof *res);
	if (opt->local_pages < 2) {
		g_set_error(err, TPO_RT_ERROR, TPO_RT_ERROR_REQUEST, "local memory must be at least 2 pages");
		return FALSE;
	}
	if (opt->policy == TPO_RT_TAPE && !opt->tape) {
		g_set_error(err, TPO_RT_ERROR, TPO_RT_ERROR_REQUEST, "--policy tape needs --tape FILE");
		return FALSE;
	}
	if (opt->policy == TPO_RT_TAPE && opt->check_identity && !check_identity(opt, err))
		return FALSE;
	void *mem = NULL;
	if (posix_memalign(&mem, 4096, sizeof(rt)) != 0) {
		g_set_error(err, TPO_RT_ERROR, 0, "out of memory");
		return FALSE;
	}
	rt *r = memset(mem, 0, sizeof(rt));
	r->opt = *opt;
	r->uffd = -1;
	r->cap = opt->local_pages;
	r->st.local_pages = r->cap;
	pthread_mutex_init(&r->lock, NULL);
	r->regions = g_array_new(FALSE, TRUE, sizeof(rt_region));
	r->memfd = memfd_create("3po-managed-memory", MFD_CLOEXEC);
	if (r->memfd < 0 || ftruncate(r->memfd, (off_t)MEMFD_SIZE) < 0) {
		g_set_error(err, TPO_RT_ERROR, 0, "memfd: %s", g_strerror(errno));
		rt_free(r);
		return FALSE;
	}
	tpo_far_options fo = {.latency_s = opt->latency_s, .bandwidth_bps = opt->bandwidth_bps};
	r->far = tpo_far_open(opt->far ? opt->far : "local", &fo, err);
	if (r->far)
		r->pol = opt->policy == TPO_RT_TAPE ? rt_policy_tape_new(r, err) : rt_policy_swap_new(r, opt->policy);
	gboolean ok = r->far && r->pol && rt_supervise(r, res, err);
	rt_free(r);
	return ok;
}
