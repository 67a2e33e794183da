/* gnuplot.c — drawing PNGs with gnuplot (see gnuplot.h). */
#include "gnuplot.h"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* gnuplot's error output on one line: lines stripped and joined with "; ", the "^" marker
 * lines left out. */
static char *one_line(const char *text)
{
	GString *out = g_string_new(NULL);
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		char *t = g_strstrip(*l);
		if (!*t || !strcmp(t, "^"))
			continue;
		g_string_append_printf(out, "%s%s", out->len ? "; " : "", t);
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

static gboolean run(const char *terminal, const char *png_path, unsigned w, unsigned h,
		    const char *body, char **errout, GError **err)
{
	char *esc = g_strescape(png_path, NULL);
	char *script = g_strdup_printf("set terminal %s size %u,%u\nset output \"%s\"\n%s\nunset output\n",
				       terminal, w, h, esc, body);
	g_free(esc);
	char *path = NULL;
	int fd = g_file_open_tmp("3po-plot-XXXXXX.gp", &path, err);
	if (fd < 0) {
		g_free(script);
		return FALSE;
	}
	gboolean ok = write(fd, script, strlen(script)) == (ssize_t)strlen(script);
	close(fd);
	g_free(script);
	if (!ok) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: write failed", path);
	} else {
		char *argv[] = {"gnuplot", path, NULL};
		int status = 0;
		ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
				  NULL, NULL, NULL, errout, &status, err);
		if (ok && !g_spawn_check_wait_status(status, NULL)) {
			char *msg = one_line(*errout);
			g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "gnuplot failed: %s",
				    *msg ? msg : "(no message)");
			g_free(msg);
			ok = FALSE;
		}
	}
	g_unlink(path);
	g_free(path);
	return ok;
}

gboolean tpo_gnuplot_png(const char *png_path, unsigned width, unsigned height, const char *body,
			 GError **err)
{
	char *errout = NULL;
	GError *e = NULL;
	gboolean ok = run("pngcairo noenhanced", png_path, width, height, body, &errout, &e);
	g_free(errout);
	errout = NULL;
	if (!ok && e && e->domain == G_SPAWN_ERROR && e->code == G_SPAWN_ERROR_FAILED &&
	    g_strrstr(e->message, "terminal")) {
		g_clear_error(&e);
		ok = run("png noenhanced", png_path, width, height, body, &errout, &e);
		g_free(errout);
	}
	if (!ok) {
		if (e && e->domain == G_SPAWN_ERROR && e->code == G_SPAWN_ERROR_NOENT)
			g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
				    "gnuplot is not installed (apt-get install gnuplot-nox)");
		else
			g_propagate_error(err, e), e = NULL;
		g_clear_error(&e);
	}
	return ok;
}

gboolean tpo_plot_mrc(const tpo_simrun_config *c, const tpo_simrun *r, const char *png_path,
		      GError **err)
{
	char *data = NULL;
	int fd = g_file_open_tmp("3po-mrc-XXXXXX.dat", &data, err);
	if (fd < 0)
		return FALSE;
	FILE *f = fdopen(fd, "w");
	double n = r->in.accesses ? (double)r->in.accesses : 1;
	for (size_t k = 0; k < r->nsizes; k++) {
		fprintf(f, "%g %" PRIu64, r->footprint ? 100.0 * (double)r->sizes[k] / (double)r->footprint : 0.0,
			r->sizes[k]);
		for (int i = 0; i < c->npolicies; i++)
			fprintf(f, " %g", (double)r->mrc[c->policies[i]][k] / n);
		fprintf(f, "\n");
	}
	fclose(f);
	GString *b = g_string_new(NULL);
	char *title = g_strescape(*r->in.program ? r->in.program : c->trace, NULL);
	char *dq = g_strescape(data, NULL);
	g_string_append_printf(b,
			       "set title \"miss-ratio curves: %s (%" PRIu64 " accesses, %" PRIu64
			       " pages)\"\nset xlabel \"local memory (%% of the footprint)\"\n"
			       "set ylabel \"misses / accesses\"\nset grid\nset key top right\n"
			       "set yrange [0:*]\nplot ",
			       title, r->in.accesses, r->footprint);
	for (int i = 0; i < c->npolicies; i++)
		g_string_append_printf(b, "%s\"%s\" using 1:%d with linespoints title \"%s%s\"",
				       i ? ", " : "", dq, i + 3, tpo_policy_name(c->policies[i]),
				       tpo_policy_is_tape(c->policies[i]) ? " (tape fetches)" : "");
	g_string_append(b, "\n");
	gboolean ok = tpo_gnuplot_png(png_path, 900, 600, b->str, err);
	g_unlink(data);
	g_free(data);
	g_free(dq);
	g_free(title);
	g_string_free(b, TRUE);
	return ok;
}
