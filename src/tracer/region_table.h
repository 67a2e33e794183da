/* region_table.h — the tracer's model of one address space: every mapping with the protection the
 * program asked for, and which pages the tracer traces (protects and records). */
#ifndef TPO_REGION_TABLE_H
#define TPO_REGION_TABLE_H

#include <stdint.h>
#include <stdbool.h>
#include <glib.h>
#include "tpo/tracer.h"

/* Entry flags (a superset of the TPO_REGION_* trace flags). */
#define TPO_RF_PRIVATE 0x01u
#define TPO_RF_ANON 0x02u
#define TPO_RF_HEAP 0x04u
#define TPO_RF_STACK 0x08u
#define TPO_RF_SPECIAL 0x20u  /* vdso, vvar, vsyscall, our scratch: never traced */
#define TPO_RF_EXCLUDED 0x40u /* pages the kernel writes behind the program's back (rseq, ...) */
#define TPO_RF_FILE 0x80u

typedef struct tpo_region {
	uint64_t start, end; /* [start, end), page aligned */
	uint32_t prot;       /* what the program asked for */
	uint32_t flags;      /* TPO_RF_* */
	uint32_t id;         /* trace region id (kept across splits) */
	uint64_t offset;     /* file offset of start */
	char *name;          /* owned */
} tpo_region;

typedef struct tpo_region_table {
	GArray *v;        /* tpo_region sorted by start, non-overlapping */
	uint32_t next_id;
	uint32_t select;  /* TPO_SEL_* */
} tpo_region_table;

void tpo_regions_init(tpo_region_table *t, uint32_t select);
void tpo_regions_clear(tpo_region_table *t);
void tpo_regions_free(tpo_region_table *t);

/* Adds a mapping, replacing whatever overlapped it (as mmap MAP_FIXED does). Returns its id. */
uint32_t tpo_regions_map(tpo_region_table *t, uint64_t start, uint64_t end, uint32_t prot,
                         uint32_t flags, uint64_t offset, const char *name);
/* Adds a mapping with a given id (used for heap growth, which keeps the heap's id). */
void tpo_regions_map_id(tpo_region_table *t, uint64_t start, uint64_t end, uint32_t prot,
                        uint32_t flags, uint64_t offset, const char *name, uint32_t id);
void tpo_regions_unmap(tpo_region_table *t, uint64_t start, uint64_t end);
/* Changes the program's protection of the mapped parts of [start, end). */
void tpo_regions_protect(tpo_region_table *t, uint64_t start, uint64_t end, uint32_t prot);
/* Marks [start, end) never traced (the kernel writes there asynchronously). */
void tpo_regions_exclude(tpo_region_table *t, uint64_t start, uint64_t end);

/* The entry holding addr, or NULL. */
const tpo_region *tpo_regions_find(const tpo_region_table *t, uint64_t addr);
bool tpo_region_is_traced(const tpo_region_table *t, const tpo_region *r);
/* Is the page at addr traced (mapped, selected, writable, not excluded)? */
bool tpo_regions_page_traced(const tpo_region_table *t, uint64_t addr);
/* Calls fn for each maximal traced run [s, e) intersecting [start, end) (clipped). */
void tpo_regions_each_traced(const tpo_region_table *t, uint64_t start, uint64_t end,
                             void (*fn)(void *arg, uint64_t s, uint64_t e, uint32_t prot), void *arg);
/* Moves [old, old+len) to new (mremap); the moved entries keep ids and protections. */
void tpo_regions_move(tpo_region_table *t, uint64_t old, uint64_t len, uint64_t new_start);

/* Parses /proc/PID/maps into t (which is cleared first). FALSE with err on failure. */
gboolean tpo_regions_load_maps(tpo_region_table *t, int pid, GError **err);
/* Parses one line of /proc/PID/maps. FALSE if malformed. */
gboolean tpo_regions_parse_maps_line(const char *line, uint64_t *start, uint64_t *end, uint32_t *prot,
                                     bool *shared, uint64_t *offset, uint64_t *inode, char **name);

#endif
