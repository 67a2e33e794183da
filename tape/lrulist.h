/* lrulist.h — the resident set as an intrusive doubly-linked LRU list over dense ids: node
 * id + 1 in arrays prev/next, node 0 the sentinel (next[0] most recent, prev[0] least). A node
 * not in the list has prev = TPO_LRU_NEVER (never resident) or TPO_LRU_OUT (evicted). */
#ifndef TPO_LRULIST_H
#define TPO_LRULIST_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <glib.h>

#define TPO_LRU_NEVER UINT32_MAX
#define TPO_LRU_OUT (UINT32_MAX - 1)

typedef struct tpo_lru_node {
	uint32_t prev, next;
	uint64_t page; /* page number, when the simulator records it */
} tpo_lru_node;

typedef struct tpo_lrulist {
	tpo_lru_node *node; /* cap + 1 nodes */
	size_t cap;         /* ids that fit */
	uint64_t size;      /* resident pages */
} tpo_lrulist;

static inline void tpo_lru_init(tpo_lrulist *l, size_t ids)
{
	l->cap = ids ? ids : 1024;
	l->node = g_new(tpo_lru_node, l->cap + 1);
	memset(l->node + 1, 0xff, l->cap * sizeof(tpo_lru_node));
	l->node[0].prev = l->node[0].next = 0;
	l->size = 0;
}

static inline void tpo_lru_free(tpo_lrulist *l)
{
	g_free(l->node);
	l->node = NULL;
}

/* Makes room for id (called before touching id's node). */
static inline void tpo_lru_reserve(tpo_lrulist *l, uint32_t id)
{
	if (G_LIKELY(id < l->cap))
		return;
	size_t ncap = l->cap;
	while (ncap <= id)
		ncap *= 2;
	l->node = g_renew(tpo_lru_node, l->node, ncap + 1);
	memset(l->node + l->cap + 1, 0xff, (ncap - l->cap) * sizeof(tpo_lru_node));
	l->cap = ncap;
}

static inline int tpo_lru_resident(const tpo_lrulist *l, uint32_t id)
{
	return l->node[id + 1].prev < TPO_LRU_OUT;
}

static inline int tpo_lru_never(const tpo_lrulist *l, uint32_t id)
{
	return l->node[id + 1].prev == TPO_LRU_NEVER;
}

static inline void tpo_lru_push(tpo_lrulist *l, uint32_t id, uint64_t page)
{
	tpo_lru_node *nd = l->node;
	uint32_t n = id + 1, first = nd[0].next;
	nd[n].page = page;
	nd[n].prev = 0;
	nd[n].next = first;
	nd[first].prev = n;
	nd[0].next = n;
	l->size++;
}

static inline void tpo_lru_unlink(tpo_lrulist *l, uint32_t n)
{
	tpo_lru_node *nd = l->node;
	uint32_t p = nd[n].prev, x = nd[n].next;
	nd[p].next = x;
	nd[x].prev = p;
}

/* id is resident: make it the most recent. */
static inline void tpo_lru_touch(tpo_lrulist *l, uint32_t id)
{
	tpo_lru_node *nd = l->node;
	uint32_t n = id + 1;
	if (nd[0].next == n)
		return;
	tpo_lru_unlink(l, n);
	uint32_t first = nd[0].next;
	nd[n].prev = 0;
	nd[n].next = first;
	nd[first].prev = n;
	nd[0].next = n;
}

/* Removes and returns the least recent id (list not empty), and its page in *page. */
static inline uint32_t tpo_lru_pop(tpo_lrulist *l, uint64_t *page)
{
	uint32_t n = l->node[0].prev;
	*page = l->node[n].page;
	tpo_lru_unlink(l, n);
	l->node[n].prev = TPO_LRU_OUT;
	l->size--;
	return n - 1;
}

#endif
