/* sys_pages.c — system calls that transfer fewer bytes than their buffers hold: read() of 5000
 * bytes into a 32 KiB buffer at offset 100 (its pages 0 and 1 written), readv() of 9000 bytes
 * into a 3-page and a 2-page iovec (pages 0-2 of the first written, the second untouched). It
 * prints where its buffers are, touches a marker page, then reads every buffer back, so a test
 * can check the trace records exactly the written pages before the marker. */
#include "hz_common.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define PG 4096

static const char src[9000] = {1, 2, 3, [4999] = 5, [8999] = 9};

static char *map(size_t pages)
{
	char *p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HZ_CHECK(p != MAP_FAILED);
	return p;
}

int main(void)
{
	char *buf = map(8), *buf2 = map(8), *marker = map(1);
	printf("buf %#lx buf2 %#lx marker %#lx\n", (unsigned long)(uintptr_t)buf, (unsigned long)(uintptr_t)buf2,
	       (unsigned long)(uintptr_t)marker);
	fflush(stdout);
	int p[2];
	HZ_CHECK(pipe(p) == 0);
	HZ_CHECK(write(p[1], src, 5000) == 5000);
	ssize_t got = read(p[0], buf + 100, 8 * PG - 100);
	HZ_CHECK(write(p[1], src, 9000) == 9000);
	struct iovec iov[2] = {{buf2, 3 * PG}, {buf2 + 5 * PG, 2 * PG}};
	ssize_t got2 = readv(p[0], iov, 2);
	marker[0] = 1;
	printf("read %zd sum %016llx\nreadv %zd sum %016llx\n", got, (unsigned long long)hz_sum(buf, 8 * PG), got2,
	       (unsigned long long)hz_sum(buf2, 8 * PG));
	return 0;
}
