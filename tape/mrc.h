/* mrc.h — LRU miss-ratio curve in one pass: Mattson stack distances, each found with a wide
 * Fenwick-style counting tree over last-access times (O(log n) per access); the tree's time axis
 * is compacted when it fills, so memory stays proportional to the distinct pages. */
#ifndef TPO_MRC_H
#define TPO_MRC_H

#include <stdint.h>
#include <stddef.h>

typedef struct tpo_mrc tpo_mrc;

tpo_mrc *tpo_mrc_new(size_t nids_hint);
/* Counts only what the given sizes need (a histogram of n + 1 buckets instead of one entry per
 * distance: much faster on large footprints). Call before feeding; tpo_mrc_misses then answers
 * for those sizes only (others: the next listed size above, or cold misses). */
void tpo_mrc_set_sizes(tpo_mrc *m, const uint64_t *sizes, size_t n);
void tpo_mrc_feed(tpo_mrc *m, const uint32_t *ids, size_t n);
/* LRU misses with `capacity` pages of local memory (cold misses included). */
uint64_t tpo_mrc_misses(tpo_mrc *m, uint64_t capacity);
uint64_t tpo_mrc_accesses(const tpo_mrc *m);
uint64_t tpo_mrc_distinct(const tpo_mrc *m);
/* Accesses with stack distance d (1: the page accessed just before), d >= 1 (without sizes). */
uint64_t tpo_mrc_histogram(const tpo_mrc *m, uint64_t d);
double tpo_mrc_cpu_seconds(const tpo_mrc *m);
void tpo_mrc_free(tpo_mrc *m);

#endif
