/* 3po-memserver — the command line of the far-memory page server: parses the options and runs
 * the server (src/far/memserver.c, tpo/memserver.h; protocol: docs/memserver-protocol.md). */
#include <tpo/far.h>
#include <tpo/memserver.h>
#include "units.h"

#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
"Usage: 3po-memserver [-l HOST:PORT] [--max-mem SIZE] [-q]\n"
"\n"
"Holds far memory pages for 3PO runtimes: they reach it with the far memory URI\n"
"tcp://HOST:PORT. Each connection has its own pages; they are freed when it closes. Prints\n"
"\"listening on HOST:PORT\" on standard output once ready, and one line per connection on\n"
"standard error. Out of file descriptors, it says so once and leaves new connections\n"
"waiting until a client leaves. Stops cleanly on SIGINT or SIGTERM.\n"
"\n"
"Options:\n"
"  -l, --listen HOST:PORT  address to listen on (default 127.0.0.1:7077); HOST is a name or\n"
"                          an IP address, an IPv6 one in brackets ([::1]:7077); 0.0.0.0 or\n"
"                          [::] listens on every interface; PORT 0 picks a free port\n"
"      --max-mem SIZE      most page memory held for all clients together (bytes, or with a\n"
"                          K, M, G or T suffix: powers of 1024; at least 4K). A write that\n"
"                          would need more closes that client's connection.\n"
"  -q, --quiet             no line per connection\n"
"  -h, --help              this help\n"
"\n"
"Exit status: 0 when stopped by a signal, 1 if it cannot listen, 2 for a bad command line.\n"
"\n"
"Examples:\n"
"  3po-memserver --listen 0.0.0.0:7077 --max-mem 16G\n"
"  3po-memserver -l 127.0.0.1:0      # prints the port it picked\n";

static G_GNUC_PRINTF(1, 2) int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("3po-memserver: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (see 3po-memserver --help)\n", stderr);
	va_end(ap);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "max-mem", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *listen_arg = "127.0.0.1:7077";
	tpo_memserver_options mo = { 0 };
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":l:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_arg = optarg; break;
		case 'M':
			if (!tpo_parse_bytes(optarg, &mo.max_mem, NULL))
				return usage_error("--max-mem: '%s' is not a size like 4096, 512M or 16G",
						   optarg);
			if (mo.max_mem < TPO_FAR_PAGE)
				return usage_error("--max-mem: '%s' is less than one page (4K)", optarg);
			mo.max_mem_arg = optarg;
			break;
		case 'q': mo.quiet = true; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case ':': return usage_error("%s wants an argument", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	const char *why = tpo_memserver_check_listen(listen_arg);
	if (why)
		return usage_error("--listen '%s': %s", listen_arg, why);
	return tpo_memserver_run(listen_arg, &mo);
}
