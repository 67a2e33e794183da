/* far_impl.h — inside tpo_far: what a far-memory backend provides (far_local.c, far_tcp.c,
 * far_file.c, far_memcached.c) and the state far.c keeps for every backend (statistics, reads
 * pending, keys held, loss). */
#ifndef TPO_FAR_IMPL_H
#define TPO_FAR_IMPL_H

#include <tpo/far.h>

/* A backend's operations. far.c checks for loss, counts, and calls read_done only with a read
 * pending; the backend keeps base.held current (write adds the key, discard removes it). */
typedef struct tpo_far_ops {
	bool (*read_start)(tpo_far *f, uint64_t key, GError **err);
	int (*read_done)(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err);
	bool (*write)(tpo_far *f, uint64_t key, const void *page, GError **err);
	bool (*discard)(tpo_far *f, uint64_t key, GError **err);
	void (*close)(tpo_far *f); /* frees the backend's state and f (tpo_far_fini included) */
} tpo_far_ops;

/* The first member of every backend's own struct. */
struct tpo_far {
	const tpo_far_ops *ops;
	char *uri;
	tpo_far_stats stats;
	unsigned pending;  /* reads started, not yet collected */
	GHashTable *held;  /* TPO_FAR_KEY(key) → backend value (a page for local, none for tcp) */
	GError *lost;      /* once set, the store is gone: every later call fails with a copy */
};

/* A key as a hash-table key (keys are 64-bit, and so are pointers here). */
#define TPO_FAR_KEY(k) ((gpointer)(uintptr_t)(k))
G_STATIC_ASSERT(sizeof(gpointer) >= sizeof(uint64_t));

void tpo_far_init(tpo_far *f, const tpo_far_ops *ops, const char *uri, GDestroyNotify held_free);
void tpo_far_fini(tpo_far *f);
/* Marks the store as gone with e (taken over) and reports a copy of it in err. */
void tpo_far_set_lost(tpo_far *f, GError *e, GError **err);
/* The same, with a new TPO_FAR_ERROR_LOST error made from the format. */
void tpo_far_lose(tpo_far *f, GError **err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tpo_far_now_ns(void);
/* A 64-bit checksum of a page: what a backend that keeps pages outside this process compares a
 * page read back with, so that a page changed behind its back is an error, never wrong data. */
uint64_t tpo_far_page_sum(const void *page);

tpo_far *tpo_far_local_open(const char *uri, const tpo_far_options *opt, GError **err);
tpo_far *tpo_far_tcp_open(const char *uri, const char *host, const char *port, GError **err);
/* file:PATH[?keep]: keep uses an existing file or block device as it is, and leaves it. */
tpo_far *tpo_far_file_open(const char *uri, const char *path, bool keep, GError **err);
/* memcached://HOST:PORT[,HOST:PORT...][?replicas=N]: hosts[k] and ports[k], n of them. */
tpo_far *tpo_far_memcached_open(const char *uri, char **hosts, char **ports, unsigned n,
				unsigned replicas, GError **err);

#endif
