/* fuzz_file.h — shared by the fuzz targets: puts an input in a file a reader can open by path
 * (a memfd through /proc/self/fd, else a temporary file under /tmp), and a sink that keeps the
 * decoded values read so that ASan checks them. */
#ifndef TPO_FUZZ_FILE_H
#define TPO_FUZZ_FILE_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

#endif
