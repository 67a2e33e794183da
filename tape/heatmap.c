/* heatmap.c — tpo_heatmap_png: accesses over time x pages (distinct pages sorted by address),
 * binned into the image's pixels, log-scaled colour (light: few, dark: many; white: none),
 * drawn by gnuplot. Two streaming passes
 * over the trace; memory grows with the distinct pages and the image only. */
#include <tpo/tape.h>

#include "gnuplot.h"
#include "input.h"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

typedef struct heat {
	uint32_t *rank; /* id -> row */
	uint32_t *cells;
	unsigned w, h;
	uint64_t n, index;
} heat;

static void bin(void *ctx, const uint32_t *ids, const uint64_t *pages, size_t n)
{
	heat *hm = ctx;
	(void)pages;
	for (size_t i = 0; i < n; i++, hm->index++) {
		uint64_t x = hm->index * hm->w / hm->n;
		hm->cells[(size_t)hm->rank[ids[i]] * hm->w + x]++;
	}
}

static int cmp_page(const void *a, const void *b, void *pages)
{
	uint64_t x = ((uint64_t *)pages)[*(const uint32_t *)a];
	uint64_t y = ((uint64_t *)pages)[*(const uint32_t *)b];
	return x < y ? -1 : x > y;
}

gboolean tpo_heatmap_png(const char *trace_path, const char *png_path, unsigned width,
			 unsigned height, GError **err)
{
	if (!width || !height) {
		width = 1000;
		height = 700;
	}
	tpo_input in;
	if (!tpo_input_open(&in, trace_path, err))
		return FALSE;
	gboolean ok = tpo_input_pass(&in, 0, NULL, NULL, NULL, NULL, err);
	size_t d = tpo_pagemap_count(&in.map);
	if (ok && (!in.accesses || !d)) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no page accesses to draw",
			    trace_path);
		ok = FALSE;
	}
	if (!ok) {
		tpo_input_clear(&in);
		return FALSE;
	}
	/* Plot area in cells: at most one per access / page. */
	unsigned w = (unsigned)MIN((uint64_t)width, in.accesses);
	unsigned h = (unsigned)MIN((size_t)height, d);
	heat hm = {.w = w, .h = h, .n = in.accesses};
	uint32_t *order = g_new(uint32_t, d);
	for (size_t i = 0; i < d; i++)
		order[i] = (uint32_t)i;
	g_qsort_with_data(order, (gint)d, sizeof *order, cmp_page, in.map.pages);
	hm.rank = g_new(uint32_t, d);
	for (size_t r = 0; r < d; r++)
		hm.rank[order[r]] = (uint32_t)((uint64_t)r * h / d);
	uint64_t lo = in.map.pages[order[0]], hi = in.map.pages[order[d - 1]];
	g_free(order);
	hm.cells = g_new0(uint32_t, (size_t)w * h);
	ok = tpo_input_pass(&in, 0, bin, &hm, NULL, NULL, err);

	char *data = NULL;
	uint32_t most = 2; /* colour range [1:most]; a one-value range would draw nothing */
	int fd = ok ? g_file_open_tmp("3po-heat-XXXXXX.bin", &data, err) : -1;
	if (fd >= 0) {
		FILE *f = fdopen(fd, "wb");
		for (size_t i = 0; i < (size_t)w * h; i++) {
			float v = hm.cells[i] ? (float)hm.cells[i] : NAN;
			most = MAX(most, hm.cells[i]);
			fwrite(&v, sizeof v, 1, f);
		}
		ok = fclose(f) == 0;
		if (!ok)
			g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_IO, "writing the heat-map data failed");
	} else {
		ok = FALSE;
	}
	if (ok) {
		double dx = (double)in.accesses / w, dy = (double)d / h;
		char *title = g_strescape(*in.program ? in.program : trace_path, NULL);
		char *dq = g_strescape(data, NULL);
		char *body = g_strdup_printf(
			"set title \"page accesses: %s (%" PRIu64 " accesses, %zu pages, 0x%" PRIx64
			"-0x%" PRIx64 ")\"\n"
			"set xlabel \"access number\"\nset ylabel \"distinct pages, sorted by address\"\n"
			"set logscale cb\nset cbrange [1:%u]\nset cblabel \"accesses per cell\"\nset palette defined (0 \"#fde725\", 0.35 \"#35b779\", 0.7 \"#31688e\", 1 \"#440154\")\n"
			"set xrange [0:%" PRIu64 "]\nset yrange [0:%zu]\nset format x \"%%.0s%%c\"\n"
			"plot \"%s\" binary array=(%u,%u) dx=%.17g dy=%.17g origin=(0,0) format=\"%%float\" "
			"with image notitle\n",
			title, in.accesses, d, lo << in.shift, (hi + 1) << in.shift, most, in.accesses, d, dq,
			w, h, dx, dy);
		ok = tpo_gnuplot_png(png_path, width, height, body, err);
		g_free(body);
		g_free(dq);
		g_free(title);
	}
	if (data) {
		g_unlink(data);
		g_free(data);
	}
	g_free(hm.cells);
	g_free(hm.rank);
	tpo_input_clear(&in);
	return ok;
}
