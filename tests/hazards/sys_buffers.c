/* sys_buffers.c — system calls that read or write buffers in traced memory: read, write,
 * pread/pwrite, readv/writev, the stat family, pipes and sockets. Under the tracer these buffers
 * are protected; the program must see exactly what it sees untraced. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define N (64 * 1024)

int main(void)
{
	char path[] = "/tmp/3po-hz-XXXXXX";
	int fd = mkstemp(path);
	HZ_CHECK(fd >= 0);
	unlink(path);
	char *src = malloc(N), *dst = malloc(N), *dst2 = malloc(N);
	for (int i = 0; i < N; i++)
		src[i] = (char)(i * 7 + 3);
	HZ_CHECK(write(fd, src, N) == N);
	HZ_CHECK(pread(fd, dst, N, 0) == N);
	HZ_CHECK(!memcmp(src, dst, N));
	HZ_CHECK(pwrite(fd, src + 100, 1000, 5000) == 1000);
	HZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	HZ_CHECK(read(fd, dst2, N) == N);
	printf("read/write/pread/pwrite %016llx\n", (unsigned long long)hz_sum(dst2, N));

	struct iovec *iov = malloc(3 * sizeof *iov);
	char *a = malloc(5000), *b = malloc(9000), *c = malloc(100);
	iov[0] = (struct iovec){a, 5000};
	iov[1] = (struct iovec){b, 9000};
	iov[2] = (struct iovec){c, 100};
	HZ_CHECK(preadv(fd, iov, 3, 123) == 14100);
	HZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	HZ_CHECK(writev(fd, iov, 3) == 14100);
	printf("readv/writev %016llx %016llx\n", (unsigned long long)hz_sum(a, 5000), (unsigned long long)hz_sum(b, 9000));

	struct stat *st = malloc(sizeof *st);
	HZ_CHECK(fstat(fd, st) == 0);
	printf("fstat size %lld\n", (long long)st->st_size);
	char *name = malloc(64);
	strcpy(name, "/");
	HZ_CHECK(stat(name, st) == 0 && S_ISDIR(st->st_mode));
	HZ_CHECK(lstat(name, st) == 0);
	HZ_CHECK(fstatat(AT_FDCWD, name, st, 0) == 0);
	struct statx *sx = malloc(sizeof *sx);
	HZ_CHECK(statx(AT_FDCWD, name, 0, STATX_BASIC_STATS, sx) == 0);
	printf("stat family ok dir=%d\n", S_ISDIR(sx->stx_mode));

	int *pfd = malloc(2 * sizeof(int));
	HZ_CHECK(pipe(pfd) == 0);
	HZ_CHECK(write(pfd[1], src, 4096) == 4096);
	char *pbuf = malloc(8192);
	HZ_CHECK(read(pfd[0], pbuf, 8192) == 4096);
	printf("pipe %016llx\n", (unsigned long long)hz_sum(pbuf, 4096));

	int *sv = malloc(2 * sizeof(int));
	HZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	HZ_CHECK(send(sv[0], src + 4096, 3000, 0) == 3000);
	char *sbuf = malloc(4000);
	HZ_CHECK(recv(sv[1], sbuf, 4000, 0) == 3000);
	struct msghdr *mh = calloc(1, sizeof *mh);
	struct iovec *miov = malloc(sizeof *miov);
	char *mbuf = malloc(5000);
	miov->iov_base = src + 8000;
	miov->iov_len = 2000;
	mh->msg_iov = miov;
	mh->msg_iovlen = 1;
	HZ_CHECK(sendmsg(sv[1], mh, 0) == 2000);
	miov->iov_base = mbuf;
	miov->iov_len = 5000;
	HZ_CHECK(recvmsg(sv[0], mh, 0) == 2000);
	printf("socket %016llx %016llx\n", (unsigned long long)hz_sum(sbuf, 3000), (unsigned long long)hz_sum(mbuf, 2000));
	close(fd);
	return 0;
}
