/* tpo/far.h — far memory: the store that holds a program's pages that are not in local memory.
 * Kinds behind one interface: "local" (an in-process store behind an emulated network link
 * with a latency and a bandwidth), "tcp://HOST:PORT" (a 3po-memserver process) and
 * "file:PATH[?keep]" (a file or block device on flash, O_DIRECT through io_uring) and
 * "memcached://HOST:PORT,..." (memcached servers, libmemcached, ketama, replicas). Pages are
 * named by a 64-bit key (the runtime uses the page number). Reads are pipelined: start many,
 * collect them in the order they were started. A page never stored reads as zeros. */
#ifndef TPO_FAR_H
#define TPO_FAR_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define TPO_FAR_PAGE 4096u

#define TPO_FAR_ERROR (tpo_far_error_quark())
GQuark tpo_far_error_quark(void);
enum { TPO_FAR_ERROR_URI, TPO_FAR_ERROR_CONNECT, TPO_FAR_ERROR_LOST, TPO_FAR_ERROR_PROTOCOL };

typedef struct tpo_far_options {
	double latency_s;      /* local: one-way fetch latency (default 3e-6) */
	double bandwidth_bps;  /* local: link bandwidth in bits per second (default 25e9) */
} tpo_far_options;

typedef struct tpo_far_stats {
	uint64_t reads, writes;          /* pages */
	uint64_t bytes_in, bytes_out;    /* payload bytes moved each way */
	uint64_t wait_ns;                /* time spent blocked in tpo_far_read_done(wait=true) */
} tpo_far_stats;

typedef struct tpo_far tpo_far;

/* "local", "tcp://HOST:PORT" (HOST a name or an IPv4/IPv6 literal, [v6]:port accepted) or
 * "file:PATH" (created, grown and removed here; PATH must not exist) or "file:PATH?keep" (an
 * existing file or block device, used as it is and left in place) or
 * "memcached://HOST:PORT[,HOST:PORT...][?replicas=N]" (each page also on the N next servers). */
tpo_far *tpo_far_open(const char *uri, const tpo_far_options *opt, GError **err);
/* Starts a read of page key. Never blocks on the network for long (may block to send). */
bool tpo_far_read_start(tpo_far *f, uint64_t key, GError **err);
/* Reads started but not yet collected. */
unsigned tpo_far_reads_pending(const tpo_far *f);
/* Collects the oldest started read: 1 with *key and page (TPO_FAR_PAGE bytes) filled, 0 when it
 * has not arrived yet and wait is false (or none is pending), -1 on error (the store is gone). */
int tpo_far_read_done(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err);
/* Stores page key (TPO_FAR_PAGE bytes). Ordered before any read of key started after it. */
bool tpo_far_write(tpo_far *f, uint64_t key, const void *page, GError **err);
/* Forgets page key (it reads as zeros again). */
bool tpo_far_discard(tpo_far *f, uint64_t key, GError **err);
/* True if key has been stored (and not discarded): a fetch of it moves data; otherwise the page is
 * all zeros and need not be fetched. Known locally, without a round trip. */
bool tpo_far_holds(const tpo_far *f, uint64_t key);
const tpo_far_stats *tpo_far_get_stats(const tpo_far *f);
void tpo_far_close(tpo_far *f);

#endif
