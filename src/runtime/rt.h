/* rt.h — the runtime's shared state: the managed regions (anonymous mappings turned into views of
 * one memfd, registered with userfaultfd), the state of each of their pages, the far store, and
 * the policy. The ptrace thread (supervise.c) changes the regions; the pager thread (pager.c)
 * moves pages; both under rt->lock. Not a public API. */
#ifndef TPO_RT_H
#define TPO_RT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "tpo/far.h"
#include "tpo/runtime.h"

#define RT_PAGE 4096ull
#define RT_STAGE_PAGES 64 /* most pages one UFFDIO_COPY maps */

/* Page states. */
enum {
	RT_FAR = 0,    /* not local: in the far store, or never written (zeros) */
	RT_INFLIGHT,   /* a far read is on its way */
	RT_CACHED,     /* in the memfd, not mapped in the program: its first touch is a minor fault */
	RT_MAPPED,     /* in the memfd and mapped */
};
/* Page flags. */
#define RT_PF_PREFETCHED 0x1 /* brought in ahead of need and not yet seen used */
#define RT_PF_KEY 0x2        /* tape key page: its fault reports the program's place */
#define RT_PF_CLEAN 0x8      /* mapped write-protected and unwritten since it came: the far store
                              * (or zeros) still has it, so evicting it moves nothing */
#define RT_PF_WRITE 0x10     /* a write waits for it: map it writable */
#define RT_PF_EVICTING 0x20  /* tape: its eviction is due and gathered, not yet applied */

typedef struct rt_region {
	uint64_t start, end;  /* addresses */
	uint64_t off;         /* memfd offset of start */
	uint8_t *state, *flags;
	uint32_t *stamp;      /* FIFO residency stamp */
	uint32_t *tpos;       /* tape: the fetch entry that last brought the page in */
	uint32_t clean_maps, clean_writes; /* pages mapped clean lately, and how many were then written */
	uint32_t probe;       /* counts mappings made writable while clean ones do not pay */
} rt_region;

typedef struct rt_fifo_item {
	uint64_t key;         /* memfd page number */
	uint32_t stamp;
} rt_fifo_item;

typedef struct rt_policy rt_policy;

typedef struct rt {
	tpo_rt_options opt;
	pthread_mutex_t lock;
	GArray *regions;      /* rt_region, sorted by start */
	uint64_t next_off;    /* memfd offsets handed out so far */
	uint64_t regions_gen; /* counts regions added (a tape skips pages not yet managed) */
	int memfd;            /* the managed memory itself */
	int uffd;             /* the program's userfaultfd (a copy of it), -1 until set up */
	uint64_t uffd_features;
	bool no_continue_wp;  /* the kernel maps minor faults only writable (before Linux 6.3) */
	tpo_far *far;
	GError *far_error;    /* the far store failed: the run must end */
	volatile int stop;    /* the pager should end */
	volatile int failed;  /* the pager hit an error: the program is killed (its pages can't be trusted) */
	volatile int gone;    /* the managed address space is gone (exit, exec): failed, but no error */
	int kill_pid;
	uint64_t resident;    /* pages RT_INFLIGHT, RT_CACHED or RT_MAPPED */
	uint64_t cap;         /* most resident pages */
	rt_fifo_item *fifo;   /* ring of resident pages in arrival order */
	size_t fifo_cap, fifo_head, fifo_len;
	uint32_t stamp_next;
	rt_policy *pol;
	tpo_rt_stats st;
	struct {              /* pages arrived (or zero-filled) for contiguous addresses, to be
	                       * mapped by one UFFDIO_COPY, or cached by one pwrite of the memfd
	                       * (pages.c: rt_run_flush) */
		rt_region *g;
		size_t i, n, slot; /* pages [i, i + n) of g, data in stage slots [slot, slot + n) */
		bool cache;        /* into the memfd only (a first touch is a minor fault) */
		bool wp;
	} run;
	uint8_t zero[RT_PAGE] __attribute__((aligned(4096)));
	uint8_t stage[RT_STAGE_PAGES * RT_PAGE] __attribute__((aligned(4096)));
	uint8_t wbuf[RT_STAGE_PAGES * RT_PAGE] __attribute__((aligned(4096))); /* pages leaving */
} rt;

/* regions.c */
rt_region *rt_region_find(rt *r, uint64_t addr);
rt_region *rt_region_by_key(rt *r, uint64_t key);
/* Adds [start, end) backed by memfd offset off (the caller reserved it). */
rt_region *rt_region_add(rt *r, uint64_t start, uint64_t end, uint64_t off);
/* Forgets every managed page in [start, end): drops local copies (punches the memfd) and far
 * copies; regions are cut, split or removed. */
void rt_region_cut(rt *r, uint64_t start, uint64_t end);
/* The program moved or resized a whole region (mremap); false for a part of one. */
bool rt_region_move(rt *r, uint64_t old, uint64_t oldlen, uint64_t new_addr, uint64_t newlen);
/* Turns every managed page in [start, end) back to zeros (madvise DONTNEED semantics). */
void rt_region_zero(rt *r, uint64_t start, uint64_t end);
static inline uint64_t rt_key(const rt_region *g, uint64_t addr)
{
	return (g->off + (addr - g->start)) / RT_PAGE;
}
static inline size_t rt_idx(const rt_region *g, uint64_t addr)
{
	return (size_t)((addr - g->start) / RT_PAGE);
}

/* pages.c: moving single pages (called with the lock held, from the pager). */
/* Makes room for one more resident page, evicting by the policy; false if nothing can go. */
bool rt_make_room(rt *r, bool demand);
void rt_evict(rt *r, rt_region *g, size_t i);
/* Evicts several resident pages (none twice), contiguous runs together: fewer TLB flushes. */
typedef struct rt_victim {
	rt_region *g;
	size_t i;
} rt_victim;
void rt_evict_many(rt *r, rt_victim *v, size_t n);
/* Starts bringing page addr in (resident++). mapped: map it in the program when it arrives (no
 * fault then); otherwise leave it in the memfd for a minor fault. */
bool rt_fetch_start(rt *r, rt_region *g, size_t i, bool mapped, bool prefetch, uint8_t flags);
/* Places the pages gathered for one UFFDIO_COPY or pwrite (they stay RT_INFLIGHT until then). The pager
 * calls it before it lets go of the lock; rt_collect and rt_wait_page call it themselves. */
void rt_run_flush(rt *r);
/* Collects arrived reads; wait: block for at least one. Returns how many, -1 on error. */
int rt_collect(rt *r, bool wait);
/* Collects reads until page (g,i) is no longer in flight. */
bool rt_wait_page(rt *r, rt_region *g, size_t i);
/* Whether to map a page of g write-protected (clean, so that it leaves without moving data),
 * as long as most such pages of g stay unwritten (each first write costs a fault). */
bool rt_map_clean(rt_region *g);
/* Maps cached page i of g for a fault (write-protected, so clean, unless write). */
bool rt_map_cached(rt *r, rt_region *g, size_t i, bool write);
void rt_fifo_push(rt *r, rt_region *g, size_t i);
/* Sets r->failed with a message (the first one wins). */
void rt_fail(rt *r, GError *e);
/* After a call on the program's memory failed (errno set): ESRCH from userfaultfd means the
 * program's address space is gone (it exited or exec'd while the pager worked), which ends the
 * pager quietly; anything else is rt_fail(what). */
void rt_op_failed(rt *r, const char *what, uint64_t addr);

/* policies: the prefetching decision. */
struct rt_policy {
	/* A fault on an absent page (before its demand fetch): may start prefetches (after it). */
	void (*on_miss)(rt *r, rt_policy *p, rt_region *g, size_t i);
	/* Called after the demand fetch started, to issue prefetches behind it. */
	void (*after_miss)(rt *r, rt_policy *p, rt_region *g, size_t i);
	/* A first touch of a page that arrived ahead of need (minor fault). */
	void (*on_hit)(rt *r, rt_policy *p, rt_region *g, size_t i);
	/* Idle time: issue more prefetches. Returns true if it did something. */
	bool (*advance)(rt *r, rt_policy *p);
	/* A victim to make room: 1 found, 0 let FIFO choose, -1 nothing may go now. demand: a
	 * fault waits for the room. */
	int (*victim)(rt *r, rt_policy *p, bool demand, rt_region **g, size_t *i);
	void (*destroy)(rt_policy *p);
};
rt_policy *rt_policy_swap_new(rt *r, tpo_rt_policy kind);     /* demand, readahead, leap */
rt_policy *rt_policy_tape_new(rt *r, GError **err);           /* tape */

/* uffd.c */
/* Map a page: 1 done (write-protected if wp), 0 it was mapped already, -1 error (errno). */
int rt_uffd_copy(rt *r, uint64_t addr, const void *src, bool wp);
int rt_uffd_copy_run(rt *r, uint64_t addr, const void *src, size_t n, bool wp, int64_t *done);
int rt_uffd_continue(rt *r, uint64_t addr, bool wp);
bool rt_uffd_wp(rt *r, uint64_t addr, bool on);
bool rt_uffd_wp_range(rt *r, uint64_t addr, uint64_t len, bool on);
void rt_uffd_wake(rt *r, uint64_t addr);
bool rt_uffd_register(rt *r, uint64_t start, uint64_t end, GError **err);
/* The features this runtime needs, checked on the kernel's answer to UFFDIO_API. */
bool rt_uffd_api(rt *r, GError **err);

/* pager.c */
bool rt_pager_start(rt *r, pthread_t *th);
void rt_pager_stop(rt *r, pthread_t th);

uint64_t rt_now_ns(void);

#endif
