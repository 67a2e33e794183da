/* fuzz_file.h — shared by the fuzz targets: puts an input in a file a reader can open by path
 * (a memfd through /proc/self/fd, else a temporary file under /tmp), a sink that keeps the
 * decoded values read so that ASan checks them, and the recomputing of a container file's CRCs
 * (traces, version 3 tapes). */
#ifndef TPO_FUZZ_FILE_H
#define TPO_FUZZ_FILE_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "container.h"

static volatile uint64_t sink; /* keeps reads of the decoded values */

static int write_all(int fd, const uint8_t *data, size_t size)
{
	while (size) {
		ssize_t k = write(fd, data, size);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		data += k;
		size -= (size_t)k;
	}
	return 0;
}

/* Puts data[0, size) in a file; path names it. Returns the fd (close it; unlink path if *tmp). */
static int make_file(const uint8_t *data, size_t size, char path[64], int *tmp)
{
	*tmp = 0;
	int fd = memfd_create("tpo-fuzz", MFD_CLOEXEC);
	if (fd >= 0) {
		snprintf(path, 64, "/proc/self/fd/%d", fd);
	} else {
		snprintf(path, 64, "/tmp/tpo-fuzz-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			return -1;
		*tmp = 1;
	}
	if (write_all(fd, data, size) < 0) {
		close(fd);
		if (*tmp)
			unlink(path);
		return -1;
	}
	return fd;
}

static void touch_string(const char *s)
{
	if (s)
		sink += strlen(s);
}

/* Recomputes the CRCs of a container file's prefix, header body and every chunk, as far as the
 * lengths in the data allow, so that mutated inputs reach the decoders behind the CRCs. */
static void fix_container_crcs(uint8_t *b, size_t size)
{
	if (size < TPO_FILE_PREFIX_LEN)
		return;
	tpo_put_le32(b + 16, tpo_crc32c(0, b, 16));
	uint64_t body = tpo_get_le32(b + 12);
	uint64_t off = TPO_FILE_PREFIX_LEN + body + 4;
	if (off > size)
		return;
	tpo_put_le32(b + off - 4, tpo_crc32c(0, b + TPO_FILE_PREFIX_LEN, body));
	while (off + TPO_CHUNK_HEADER_LEN <= size) {
		uint8_t *h = b + off;
		uint64_t len = tpo_get_le32(h + 4);
		if (off + TPO_CHUNK_HEADER_LEN + len <= size)
			tpo_put_le32(h + 12, tpo_crc32c(0, h + TPO_CHUNK_HEADER_LEN, len));
		tpo_put_le32(h + 16, tpo_crc32c(0, h, 16));
		off += TPO_CHUNK_HEADER_LEN + len;
	}
}

#endif
