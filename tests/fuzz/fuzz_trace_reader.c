/* fuzz_trace_reader.c — libFuzzer target for the .3pt trace reader (src/trace/trace_reader.c).
 * The input is put in a file (a memfd opened through /proc/self/fd, or a temporary file under
 * /tmp) and streamed whole through tpo_trace_reader_open / _header / _next / _footer / _offset /
 * _close, touching every decoded string and call chain so that ASan checks them.
 *
 * Every header and chunk of a trace carries a CRC, which random mutations almost never get
 * right, so each input is read twice: as it is, and (when that changes it) with every CRC the
 * layout locates recomputed, so that the fuzzer also reaches the header, chunk and event
 * decoders. Built and run by scripts/fuzz.sh. */
#define _GNU_SOURCE
#include <tpo/trace.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace_codec.h"
#include "fuzz_file.h"

static void read_trace(const uint8_t *data, size_t size)
{
	char path[64];
	int tmp;
	int fd = make_file(data, size, path, &tmp);
	if (fd < 0)
		abort(); /* the harness itself failed: not a finding of the reader */
	GError *err = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
	if (!r) {
		if (!err)
			abort(); /* NULL without an error */
		g_clear_error(&err);
	} else {
		const tpo_trace_header *h = tpo_trace_reader_header(r);
		sink += h->version + h->page_size + h->microset_size + h->flags + (uint64_t)h->pid +
			h->start_time_ns + h->argc;
		touch_string(h->program);
		for (uint32_t i = 0; i < h->argc; i++)
			touch_string(h->argv[i]);
		if (h->argv && h->argv[h->argc])
			abort(); /* argv must be NULL-terminated */
		tpo_event ev;
		int k;
		while ((k = tpo_trace_reader_next(r, &ev, &err)) == 1) {
			sink += ev.type + ev.time_ns + (uint64_t)ev.tid + tpo_trace_reader_offset(r);
			switch (ev.type) {
			case TPO_EV_REGION_MAP:
				sink += ev.map.id + ev.map.start + ev.map.length + ev.map.prot +
					ev.map.flags + ev.map.offset;
				touch_string(ev.map.name);
				break;
			case TPO_EV_REGION_UNMAP:
				sink += ev.unmap.start + ev.unmap.length;
				break;
			case TPO_EV_ACCESS:
				sink += ev.access.page + ev.access.ip;
				for (uint32_t i = 0; i < ev.access.depth; i++)
					sink += ev.access.chain[i];
				break;
			case TPO_EV_EXEC:
				touch_string(ev.exec.path);
				break;
			case TPO_EV_THREAD_EXIT:
				sink += (uint64_t)ev.thread_exit.status;
				break;
			default:
				break;
			}
			touch_string(tpo_event_type_name(ev.type));
		}
		const tpo_trace_footer *f = tpo_trace_reader_footer(r);
		if (k == 0) {
			if (!f)
				abort(); /* clean end without a footer */
			sink += f->end_reason + (uint64_t)f->exit_status + f->accesses + f->faults +
				f->microsets + f->regions + f->events + f->duration_ns;
			touch_string(tpo_trace_end_name(f->end_reason));
		} else {
			if (k != -1 || !err || f)
				abort(); /* an error must be reported, and then no footer */
			touch_string(err->message);
			g_clear_error(&err);
			/* the error is sticky */
			if (tpo_trace_reader_next(r, &ev, &err) != -1 || !err)
				abort();
			g_clear_error(&err);
		}
		sink += tpo_trace_reader_offset(r);
		tpo_trace_reader_close(r);
	}
	close(fd);
	if (tmp)
		unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_trace(data, size);
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	fix_container_crcs(copy, size);
	if (memcmp(copy, data, size) != 0)
		read_trace(copy, size);
	free(copy);
	return 0;
}
