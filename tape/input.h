/* input.h — the access sequence of a trace as dense page ids (tpo_pagemap), read in passes over
 * the .3pt file (or from a held array), with what the report needs to know about the trace. */
#ifndef TPO_INPUT_H
#define TPO_INPUT_H

#include <glib.h>
#include <stdint.h>

#include "pagemap.h"
#include "region_list.h"

/* ids: the next accesses as dense ids; pages: their page numbers, or NULL (held sequences). */
typedef void (*tpo_batch_fn)(void *ctx, const uint32_t *ids, const uint64_t *pages, size_t n);
typedef void (*tpo_progress_fn)(void *ctx, double fraction);

typedef struct tpo_input {
	char *path;              /* NULL for an in-memory sequence */
	/* From the trace header. */
	char *program;
	char **argv;
	uint32_t argc;
	int32_t pid;
	uint32_t microset;
	uint64_t start_time_ns;
	uint32_t page_size;
	unsigned shift;
	/* Gathered by each pass. */
	tpo_pagemap map;
	tpo_region_list regions;
	uint64_t accesses;
	uint64_t hash;           /* tpo_tape_hash of the page addresses */
	uint64_t first_ns, last_ns, max_ns;
	int has_footer;
	uint64_t footer_faults, footer_duration_ns;
	int passes;              /* complete passes made */
	char *warning;           /* e.g. the trace was truncated (its complete chunks were used) */
	/* The sequence, when held. */
	uint32_t *seq;
	size_t nseq, seqcap;
	int held;
} tpo_input;

/* Opens a trace (reads its header). */
gboolean tpo_input_open(tpo_input *in, const char *path, GError **err);
/* An in-memory sequence of page addresses (tests, lists). */
void tpo_input_from_pages(tpo_input *in, const uint64_t *pages, size_t n, uint32_t page_size);
/* One pass over the sequence: batches of ids to fn (may be NULL). hold: keep the ids so later
 * passes read memory instead of the file. */
gboolean tpo_input_pass(tpo_input *in, int hold, tpo_batch_fn fn, void *ctx,
			tpo_progress_fn progress, void *pctx, GError **err);
void tpo_input_clear(tpo_input *in);

#endif
