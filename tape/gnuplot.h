/* gnuplot.h — running gnuplot on a script to draw a PNG (pngcairo, else the libgd png
 * terminal), and the miss-ratio-curve plot of a 3po-sim run. */
#ifndef TPO_GNUPLOT_H
#define TPO_GNUPLOT_H

#include <glib.h>

#include "driver.h"

/* body: the plot commands, run after "set terminal ...; set output png_path". */
gboolean tpo_gnuplot_png(const char *png_path, unsigned width, unsigned height, const char *body,
			 GError **err);
/* Miss ratio against local memory (% of the footprint) for each policy of the run's curves. */
gboolean tpo_plot_mrc(const tpo_simrun_config *c, const tpo_simrun *r, const char *png_path,
		      GError **err);

#endif
