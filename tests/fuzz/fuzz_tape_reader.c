/* fuzz_tape_reader.c — libFuzzer target for the .tape reader (tape/tape_reader.c). The input is
 * put in a file (a memfd opened through /proc/self/fd, or a temporary file under /tmp) and
 * streamed whole through tpo_tape_reader_open / _header / _next / _offset / _close, touching
 * every decoded string so that ASan checks them.
 *
 * The header, every chunk and the end carry a CRC, which random mutations almost never get
 * right, so each input is read twice: as it is, and (when that changes it) with every CRC the
 * layout locates recomputed (the container's for version 3, the legacy framing's for versions 1
 * and 2), so that the fuzzer also reaches the header and entry decoders.
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

/* LEGACY (versions 1, 2): recomputes the IEEE CRCs of the header, every "TPCK" chunk and the
 * "TPND" end record, as far as the lengths in the data allow. */
static void fix_legacy_crcs(uint8_t *b, size_t size)
{
	if (size < 96)
		return;
	uint64_t off = tpo_get_le32(b + 12);
	if (off < 4 || off > size)
		return;
	tpo_put_le32(b + off - 4, tpo_crc32_ieee(0, b, off - 4));
	while (off + 4 <= size) {
		uint8_t *c = b + off;
		if (tpo_get_le32(c) == 0x444e5054u) { /* "TPND" */
			if (off + 32 <= size)
				tpo_put_le32(c + 28, tpo_crc32_ieee(0, c + 4, 24));
			return;
		}
		if (off + 16 > size)
			return;
		uint64_t len = tpo_get_le32(c + 4);
		if (off + 16 + len > size)
			return;
		tpo_put_le32(c + 12, tpo_crc32_ieee(tpo_crc32_ieee(0, c + 4, 8), c + 16, len));
		off += 16 + len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_tape(data, size);
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (tpo_tape_is_legacy(copy, size))
		fix_legacy_crcs(copy, size);
	else
		fix_container_crcs(copy, size);
	if (memcmp(copy, data, size) != 0)
		read_tape(copy, size);
	free(copy);
	return 0;
}
