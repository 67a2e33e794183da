/* regions.h — the address ranges (in page numbers) the traced program had mapped: readahead
 * keeps its window inside the region of the faulting page, as Linux keeps it inside the VMA. */
#ifndef TPO_REGIONS_H
#define TPO_REGIONS_H

#include <stdint.h>
#include <stddef.h>

typedef struct tpo_region {
	uint64_t start, end; /* page numbers, [start, end) */
} tpo_region;

typedef struct tpo_regions {
	tpo_region *v;
	size_t n, cap;
	int sorted;
} tpo_regions;

void tpo_regions_init(tpo_regions *r);
void tpo_regions_clear(tpo_regions *r);
void tpo_regions_add(tpo_regions *r, uint64_t start, uint64_t end);
/* Sorts and merges overlapping ranges (call once all are added). */
void tpo_regions_finish(tpo_regions *r);
/* The index of the region holding page, or -1. */
long tpo_regions_find(const tpo_regions *r, uint64_t page);

#endif
