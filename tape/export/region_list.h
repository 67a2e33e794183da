/* region_list.h — the tape's region list: the address ranges (in page numbers) the traced
 * program had mapped; readahead keeps its window inside the region of the faulting page, as
 * Linux keeps it inside the VMA. */
#ifndef TPO_REGION_LIST_H
#define TPO_REGION_LIST_H

#include <stdint.h>
#include <stddef.h>

typedef struct tpo_page_range {
	uint64_t start, end; /* page numbers, [start, end) */
} tpo_page_range;

typedef struct tpo_region_list {
	tpo_page_range *v;
	size_t n, cap;
	int sorted;
} tpo_region_list;

void tpo_region_list_init(tpo_region_list *r);
void tpo_region_list_clear(tpo_region_list *r);
void tpo_region_list_add(tpo_region_list *r, uint64_t start, uint64_t end);
/* Sorts and merges overlapping ranges (call once all are added). */
void tpo_region_list_finish(tpo_region_list *r);
/* The index of the region holding page, or -1. */
long tpo_region_list_find(const tpo_region_list *r, uint64_t page);

#endif
