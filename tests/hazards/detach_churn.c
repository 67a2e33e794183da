/* detach_churn.c — a target for attaching and detaching again and again (attach_churn.sh):
 * THREADS threads run for SECS seconds, each either making system calls and checking what they
 * return (`syscalls`: a detach must not skip or fail a call in flight) or sweeping its own array
 * page by page (`faults`: a detach must not hand over a fault on a page the tracer protected).
 * Prints "ok" and exits 0 unless something went wrong. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGES 4096
static double secs;
static int faults;
static pid_t me;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	char *a = faults ? mmap(NULL, PAGES * 4096L, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
	HZ_CHECK(a != MAP_FAILED);
	double end = now() + secs;
	for (long n = 1;; n++) {
		if (faults) {
			a[(n % PAGES) * 4096]++;
		} else {
			long r = syscall(SYS_getpid);
			if (r != me) {
				printf("FAILED: getpid returned %ld (%s) after %ld calls\n", r, strerror(errno), n);
				exit(1);
			}
		}
		if (!(n & 255) && now() > end)
			break;
	}
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "syscalls") && strcmp(argv[1], "faults"))) {
		fprintf(stderr, "usage: %s syscalls|faults SECS THREADS\n", argv[0]);
		return 2;
	}
	faults = !strcmp(argv[1], "faults");
	secs = atof(argv[2]);
	int nt = atoi(argv[3]);
	HZ_CHECK(nt >= 1 && nt <= 64);
	me = getpid();
	pthread_t th[64];
	for (int i = 1; i < nt; i++)
		HZ_CHECK(pthread_create(&th[i], NULL, run, NULL) == 0);
	run(NULL);
	for (int i = 1; i < nt; i++)
		pthread_join(th[i], NULL);
	printf("ok\n");
	return 0; /* exit_group: skipped, it would fall through to glibc's hlt (SIGSEGV) */
}
