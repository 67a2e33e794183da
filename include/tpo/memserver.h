/* tpo/memserver.h — the far-memory page server behind tcp:// far memory (the core of
 * 3po-memserver, in src/far/memserver.c; the command keeps only its command line). */
#ifndef TPO_MEMSERVER_H
#define TPO_MEMSERVER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tpo_memserver_options {
	uint64_t max_mem;        /* most page memory held for all clients together (bytes; 0: no limit) */
	const char *max_mem_arg; /* as the user wrote it, for the message when a client exceeds it */
	bool quiet;              /* no line per connection */
} tpo_memserver_options;

/* NULL if arg is a HOST:PORT the server can listen on (PORT 0 picks one), else why not. */
const char *tpo_memserver_check_listen(const char *arg);

/* Listens on listen_arg (checked with tpo_memserver_check_listen), prints "listening on
 * HOST:PORT" on standard output and serves clients until SIGINT or SIGTERM. Returns the exit
 * status: 0 when stopped by a signal, 1 (after a one-line error) if it cannot listen. */
int tpo_memserver_run(const char *listen_arg, const tpo_memserver_options *opt);

#endif
