/* pagemap.h — page number -> dense id (0, 1, 2, ... in order of first sight), and back.
 * Three levels shaped for the region-dense address use of real programs: an open-addressing
 * hash of 4096-page chunks (few, so it stays in cache), per chunk 256 block indices, per block
 * one cache line of 16 ids. Runs of nearby pages cost one memory miss or none; memory grows with
 * the distinct pages (at worst ~1 KiB per page when every page lies in its own 16 MiB chunk). */
#ifndef TPO_PAGEMAP_H
#define TPO_PAGEMAP_H

#include <stdint.h>
#include <stddef.h>

#define TPO_NO_ID UINT32_MAX
#define TPO_PAGEMAP_BLOCK_SHIFT 4 /* 16 pages per block */
#define TPO_PAGEMAP_CHUNK_SHIFT 12 /* 4096 pages (256 blocks) per chunk */

typedef struct tpo_pagemap_slot {
	uint64_t key;        /* chunk number + 1 (0: empty) */
	uint32_t *blocks;    /* 256 block indices, TPO_NO_ID where absent */
} tpo_pagemap_slot;

typedef struct tpo_pagemap {
	tpo_pagemap_slot *table;
	size_t mask, used;
	uint32_t *ids;       /* blocks of 16 ids (64-byte aligned), TPO_NO_ID where absent */
	size_t nblocks, blocks_cap;
	uint64_t *pages;     /* id -> page number */
	size_t npages, pages_cap;
	uint64_t last_chunk; /* cache of the last chunk looked up (key, 0: none) */
	uint32_t *last_blocks;
} tpo_pagemap;

void tpo_pagemap_init(tpo_pagemap *m);
void tpo_pagemap_clear(tpo_pagemap *m);
/* The id of page (page number, not address), adding it if new (*added set to 1 then). */
uint32_t tpo_pagemap_add(tpo_pagemap *m, uint64_t page, int *added);
/* The id of page, or TPO_NO_ID. */
uint32_t tpo_pagemap_find(tpo_pagemap *m, uint64_t page);
static inline size_t tpo_pagemap_count(const tpo_pagemap *m) { return m->npages; }
static inline uint64_t tpo_pagemap_page(const tpo_pagemap *m, uint32_t id) { return m->pages[id]; }
/* Bytes held. */
size_t tpo_pagemap_bytes(const tpo_pagemap *m);

#endif
