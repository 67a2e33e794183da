/* fuzz_tape_reader.c — libFuzzer target for the .tape reader (tape/tape_reader.c). The input is
 * put in a file (a memfd opened through /proc/self/fd, or a temporary file under /tmp) and
 * streamed whole through tpo_tape_reader_open / _header / _next / _offset / _close, touching
 * every decoded string so that ASan checks them.
 *
 * The header, every chunk and the end record carry a CRC, which random mutations almost never
 * get right, so each input is read twice: as it is, and (when that changes it) with every CRC
 * the layout locates recomputed, so that the fuzzer also reaches the header and entry decoders.
 * Built and run by scripts/fuzz.sh. */
#define _GNU_SOURCE
#include <tpo/tape.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tape_codec.h"
#include "fuzz_file.h"

static void read_tape(const uint8_t *data, size_t size)
{
	char path[64];
	int tmp;
	int fd = make_file(data, size, path, &tmp);
	if (fd < 0)
		abort(); /* the harness itself failed: not a finding of the reader */
	GError *err = NULL;
	tpo_tape_reader *r = tpo_tape_reader_open(path, &err);
	if (!r) {
		if (!err)
			abort(); /* NULL without an error */
		g_clear_error(&err);
	} else {
		const tpo_tape_header *h = tpo_tape_reader_header(r);
		sink += h->version + h->policy + h->flags + h->page_size + h->local_pages +
			h->lookahead + h->accesses + h->seq_hash + h->fetches + h->evictions +
			h->trace_start_time_ns + (uint64_t)h->trace_pid + h->argc;
		touch_string(h->program);
		for (uint32_t i = 0; i < h->argc; i++)
			touch_string(h->argv[i]);
		if (h->argv && h->argv[h->argc])
			abort(); /* argv must be NULL-terminated */
		touch_string(tpo_tape_policy_name(h->policy));
		tpo_tape_entry e;
		int k;
		uint64_t prev = 0;
		while ((k = tpo_tape_reader_next(r, &e, &err)) == 1) {
			if (e.index < prev || (e.op != TPO_TAPE_FETCH && e.op != TPO_TAPE_EVICT) ||
			    (e.page & (h->page_size - 1)))
				abort(); /* the reader promises ordered, page-aligned entries */
			prev = e.index;
			sink += e.index + e.page + tpo_tape_reader_offset(r);
			touch_string(tpo_tape_op_name(e.op));
		}
		if (k != 0) {
			if (k != -1 || !err)
				abort(); /* an error must be reported */
			touch_string(err->message);
			g_clear_error(&err);
			if (tpo_tape_reader_next(r, &e, &err) != -1 || !err)
				abort(); /* and stays reported */
			g_clear_error(&err);
		}
		sink += tpo_tape_reader_offset(r);
		tpo_tape_reader_close(r);
	}
	close(fd);
	if (tmp)
		unlink(path);
}

/* Recomputes the CRCs of the header, every chunk and the end record, as far as the lengths in
 * the data allow. */
static void fix_crcs(uint8_t *b, size_t size)
{
	if (size < TPO_TAPE_FIXED_HEADER)
		return;
	uint64_t off = tpo_tape_get32(b + 12);
	if (off < 4 || off > size)
		return;
	tpo_tape_put32(b + off - 4, tpo_tape_crc32(0, b, off - 4));
	while (off + 4 <= size) {
		uint8_t *c = b + off;
		uint32_t magic = tpo_tape_get32(c);
		if (magic == TPO_TAPE_END_MAGIC) {
			if (off + TPO_TAPE_END_SIZE <= size)
				tpo_tape_put32(c + 28, tpo_tape_crc32(0, c + 4, 24));
			return;
		}
		if (off + TPO_TAPE_CHUNK_HEADER > size)
			return;
		uint64_t len = tpo_tape_get32(c + 4);
		if (off + TPO_TAPE_CHUNK_HEADER + len > size)
			return;
		tpo_tape_put32(c + 12, tpo_tape_crc32(tpo_tape_crc32(0, c + 4, 8),
						      c + TPO_TAPE_CHUNK_HEADER, len));
		off += TPO_TAPE_CHUNK_HEADER + len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_tape(data, size);
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	if (memcmp(copy, data, size) != 0)
		read_tape(copy, size);
	free(copy);
	return 0;
}
