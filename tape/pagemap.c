/* pagemap.c — the page -> dense id map (see pagemap.h). */
#include "pagemap.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1u << TPO_PAGEMAP_BLOCK_SHIFT)
#define PER_CHUNK (1u << (TPO_PAGEMAP_CHUNK_SHIFT - TPO_PAGEMAP_BLOCK_SHIFT))

static inline size_t hash_key(uint64_t key, size_t mask)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

void tpo_pagemap_init(tpo_pagemap *m)
{
	memset(m, 0, sizeof *m);
	m->mask = 63;
	m->table = g_new0(tpo_pagemap_slot, m->mask + 1);
}

void tpo_pagemap_clear(tpo_pagemap *m)
{
	if (m->table)
		for (size_t i = 0; i <= m->mask; i++)
			g_free(m->table[i].blocks);
	g_free(m->table);
	free(m->ids);
	g_free(m->pages);
	memset(m, 0, sizeof *m);
}

size_t tpo_pagemap_bytes(const tpo_pagemap *m)
{
	return (m->mask + 1) * sizeof(tpo_pagemap_slot) + m->used * PER_CHUNK * sizeof(uint32_t) +
	       m->blocks_cap * BLOCK * sizeof(uint32_t) + m->pages_cap * sizeof(uint64_t);
}

static void grow_table(tpo_pagemap *m)
{
	size_t nmask = m->mask * 2 + 1;
	tpo_pagemap_slot *t = g_new0(tpo_pagemap_slot, nmask + 1);
	for (size_t i = 0; i <= m->mask; i++) {
		if (!m->table[i].key)
			continue;
		size_t h = hash_key(m->table[i].key, nmask);
		while (t[h].key)
			h = (h + 1) & nmask;
		t[h] = m->table[i];
	}
	g_free(m->table);
	m->table = t;
	m->mask = nmask;
}

/* The block indices of chunk key (chunk number + 1), creating them when create. */
static uint32_t *find_chunk(tpo_pagemap *m, uint64_t key, int create)
{
	if (key == m->last_chunk)
		return m->last_blocks;
	size_t h = hash_key(key, m->mask);
	for (;;) {
		uint64_t k = m->table[h].key;
		if (k == key) {
			m->last_chunk = key;
			return m->last_blocks = m->table[h].blocks;
		}
		if (!k)
			break;
		h = (h + 1) & m->mask;
	}
	if (!create)
		return NULL;
	uint32_t *b = g_new(uint32_t, PER_CHUNK);
	memset(b, 0xff, PER_CHUNK * sizeof *b);
	m->table[h].key = key;
	m->table[h].blocks = b;
	if (++m->used * 2 > m->mask + 1)
		grow_table(m);
	m->last_chunk = key;
	return m->last_blocks = b;
}

static uint32_t new_block(tpo_pagemap *m)
{
	if (m->nblocks == m->blocks_cap) {
		size_t cap = m->blocks_cap ? m->blocks_cap * 2 : 256;
		void *p = NULL;
		if (posix_memalign(&p, 64, cap * BLOCK * sizeof(uint32_t)))
			g_error("pagemap: out of memory");
		if (m->ids)
			memcpy(p, m->ids, m->nblocks * BLOCK * sizeof(uint32_t));
		free(m->ids);
		m->ids = p;
		m->blocks_cap = cap;
	}
	memset(m->ids + m->nblocks * BLOCK, 0xff, BLOCK * sizeof(uint32_t));
	return (uint32_t)m->nblocks++;
}

uint32_t tpo_pagemap_add(tpo_pagemap *m, uint64_t page, int *added)
{
	uint32_t *chunk = find_chunk(m, (page >> TPO_PAGEMAP_CHUNK_SHIFT) + 1, 1);
	uint32_t *bi = &chunk[(page >> TPO_PAGEMAP_BLOCK_SHIFT) & (PER_CHUNK - 1)];
	if (*bi == TPO_NO_ID)
		*bi = new_block(m);
	uint32_t *slot = m->ids + (size_t)*bi * BLOCK + (page & (BLOCK - 1));
	if (G_LIKELY(*slot != TPO_NO_ID)) {
		if (added)
			*added = 0;
		return *slot;
	}
	if (m->npages == m->pages_cap) {
		m->pages_cap = m->pages_cap ? m->pages_cap * 2 : 1024;
		m->pages = g_renew(uint64_t, m->pages, m->pages_cap);
	}
	if (m->npages >= TPO_NO_ID - 1)
		g_error("pagemap: more than 2^32 - 2 distinct pages");
	m->pages[m->npages] = page;
	*slot = (uint32_t)m->npages++;
	if (added)
		*added = 1;
	return *slot;
}

uint32_t tpo_pagemap_find(tpo_pagemap *m, uint64_t page)
{
	uint32_t *chunk = find_chunk(m, (page >> TPO_PAGEMAP_CHUNK_SHIFT) + 1, 0);
	if (!chunk)
		return TPO_NO_ID;
	uint32_t b = chunk[(page >> TPO_PAGEMAP_BLOCK_SHIFT) & (PER_CHUNK - 1)];
	if (b == TPO_NO_ID)
		return TPO_NO_ID;
	return m->ids[(size_t)b * BLOCK + (page & (BLOCK - 1))];
}
