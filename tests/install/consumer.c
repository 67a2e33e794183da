/* consumer.c — the install test's user of libtpo, built against the installed tpo.pc: prints the
 * page of every access in TRACE (0x-hex, one a line), then "events N". */
#include <stdio.h>
#include <tpo/tpo_read.h>

int main(int argc, char **argv)
{
	char err[TPO_ERRBUF_SIZE];
	tpo_trace_file *t = argc == 2 ? tpo_trace_file_open(argv[1], err) : NULL;
	if (!t)
		return fprintf(stderr, "consumer: %s\n", argc == 2 ? err : "usage: consumer TRACE"), 2;
	tpo_trace_event ev;
	unsigned long long n = 0;
	int k;
	while ((k = tpo_trace_file_next(t, &ev)) > 0)
		if (++n, ev.type == TPO_TRACE_EVENT_ACCESS)
			printf("0x%llx\n", (unsigned long long)ev.addr);
	printf("events %llu\n", n);
	if (k < 0)
		fprintf(stderr, "consumer: %s\n", tpo_trace_file_error(t));
	tpo_trace_file_close(t);
	return k < 0;
}
