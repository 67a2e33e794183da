/* uffd_cost.c — the machine's floor for a user-space userfaultfd pager: what the kernel takes per
 * page for each operation any such pager must do to move the pages of a program running on the
 * other CPU, measured here. A child process (the program) registers a shared-memory view of a
 * memfd with userfaultfd (missing, minor and write-protect modes, as 3po-run's program does) and
 * spins on its own buffer on one CPU; the parent (the pager) takes its uffd with pidfd_getfd and,
 * on the other CPU, places and drops pages in batches of B: UFFDIO_COPY; pwrite or memcpy into
 * the memfd's page cache then UFFDIO_CONTINUE; write-protect, pread (copy out), punch-hole of a
 * mapped run; punch of a cached, unmapped run; and a user-space 4 KiB copy (a far store's copy).
 * It prints µs per page for each (the pager's time on CPU, best round), TLB-shootdown IPIs per call (/proc/interrupts
 * TLB, all CPUs) and the program's time lost to each (its spin rate against its rate while the
 * pager idles: noisy on a shared machine), then the round trip of a minor fault answered by
 * UFFDIO_CONTINUE with the pager spinning or asleep in poll() (a tape's key fault), and the
 * floor lines scripts/bench/replicate.sh reads ("floor NAME US"). Needs root (pidfd_getfd).
 *
 * usage: uffd_cost [-n PAGES] [-r ROUNDS] [-b "1 16 64"] [-p PAGER_CPU] [-c PROGRAM_CPU] [-k FAULTS] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096ul
#define MAX_BATCHES 8
#define MAX_FAULTS 4096
#define SPIN_BUF (256u << 10) /* the program's own working buffer */

enum { OP_COPY, OP_WP, OP_READ, OP_PUNCH_MAPPED, OP_PWRITE, OP_CONT, OP_MEMCPY_FILL, OP_CONT_AFTER_MEMCPY,
       OP_PUNCH_CACHED, OP_USER_COPY, N_OPS };
static const char *op_name[N_OPS] = {
	"place: UFFDIO_COPY",
	"evict: UFFDIO_WRITEPROTECT (mapped run)",
	"evict: pread (copy out)",
	"evict: punch-hole (mapped run)",
	"place: pwrite into the memfd",
	"place: UFFDIO_CONTINUE (after pwrite)",
	"place: memcpy into the memfd (own view)",
	"place: UFFDIO_CONTINUE (after memcpy)",
	"drop: punch-hole (cached, unmapped)",
	"user-space 4 KiB copy (far store)",
};

typedef struct shared {
	volatile uint64_t iters;   /* the program's spin passes */
	volatile int phase;        /* 0 spin, 1 touch the fault pages, 2 exit */
	volatile int touched;      /* fault pages touched so far in phase 1 */
	double rtt_us[MAX_FAULTS]; /* each touch's time as the program saw it */
} shared;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The calling thread's time on CPU (user and kernel): what an operation costs, whatever else
 * shares the CPU (wall times on this shared machine include other engineers' work). */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof s, &s) < 0)
		fprintf(stderr, "uffd_cost: cannot pin to CPU %d: %s (running unpinned)\n", cpu, strerror(errno));
}

static uint64_t tlb_ipis(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	uint64_t sum = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "TLB:", 4))
			continue;
		p += 4;
		for (;;) {
			char *e;
			unsigned long long v = strtoull(p, &e, 10);
			if (e == p)
				break;
			sum += v;
			p = e;
		}
	}
	fclose(f);
	return sum;
}

/* The program: registers the view, hands its uffd's number over, and spins (or touches the fault
 * pages when asked). */
static void program(shared *sh, uint8_t *view, size_t npages, int cpu, int fd_out, int nfaults)
{
	pin(cpu);
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = {.api = UFFD_API,
	                         .features = UFFD_FEATURE_MISSING_SHMEM | UFFD_FEATURE_MINOR_SHMEM |
	                                     UFFD_FEATURE_WP_HUGETLBFS_SHMEM};
	struct uffdio_register reg = {.range = {(uintptr_t)view, npages * PG},
	                              .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_MINOR |
	                                      UFFDIO_REGISTER_MODE_WP};
	int msg = uffd;
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0 || ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		msg = -errno;
	if (write(fd_out, &msg, sizeof msg) != sizeof msg || msg < 0)
		_exit(1);
	uint8_t *buf = malloc(SPIN_BUF);
	memset(buf, 1, SPIN_BUF);
	uint64_t sum = 0;
	while (sh->phase != 2) {
		if (sh->phase == 1 && sh->touched < nfaults) {
			int k = sh->touched;
			double t0 = now_s();
			sum += *(volatile uint8_t *)(view + (size_t)k * PG);
			sh->rtt_us[k] = (now_s() - t0) * 1e6;
			sh->touched = k + 1;
		}
		for (size_t i = 0; i < SPIN_BUF; i += 64)
			sum += buf[i];
		__atomic_add_fetch(&sh->iters, 1, __ATOMIC_RELAXED);
	}
	_exit(sum == 1 ? 3 : 0);
}

typedef struct acc {
	double best[N_OPS];  /* µs per page, best round */
	double lost[N_OPS];  /* program's µs lost per page, summed over rounds */
	uint64_t ipis[N_OPS], calls[N_OPS];
} acc;

static int memfd, uffd;
static uint8_t *view, *own, *src, *dst;
static shared *sh;

static void die(const char *what)
{
	fprintf(stderr, "uffd_cost: %s: %s\n", what, strerror(errno));
	if (sh)
		sh->phase = 2;
	exit(1);
}

static void punch(size_t off, size_t len)
{
	if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) < 0)
		die("fallocate");
}

/* One operation over all pages in chunks of b; returns the seconds it took on this CPU. */
static double run_op(int op, size_t npages, size_t b)
{
	double t0 = cpu_s();
	for (size_t p = 0; p < npages; p += b) {
		size_t n = b < npages - p ? b : npages - p, off = p * PG, len = n * PG;
		uint64_t addr = (uintptr_t)view + off;
		switch (op) {
		case OP_COPY: {
			struct uffdio_copy c = {.dst = addr, .src = (uintptr_t)src, .len = len};
			if (ioctl(uffd, UFFDIO_COPY, &c) < 0)
				die("UFFDIO_COPY");
			break;
		}
		case OP_WP: {
			struct uffdio_writeprotect w = {.range = {addr, len}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
			if (ioctl(uffd, UFFDIO_WRITEPROTECT, &w) < 0)
				die("UFFDIO_WRITEPROTECT");
			break;
		}
		case OP_READ:
			if (pread(memfd, dst, len, (off_t)off) != (ssize_t)len)
				die("pread");
			break;
		case OP_PUNCH_MAPPED:
		case OP_PUNCH_CACHED:
			punch(off, len);
			break;
		case OP_PWRITE:
			if (pwrite(memfd, src, len, (off_t)off) != (ssize_t)len)
				die("pwrite");
			break;
		case OP_MEMCPY_FILL:
			memcpy(own + off, src, len);
			break;
		case OP_CONT:
		case OP_CONT_AFTER_MEMCPY: {
			struct uffdio_continue c = {.range = {addr, len}};
			if (ioctl(uffd, UFFDIO_CONTINUE, &c) < 0)
				die("UFFDIO_CONTINUE");
			break;
		}
		case OP_USER_COPY:
			for (size_t k = 0; k < n; k++)
				memcpy(dst + k * PG, src + k * PG, PG);
			break;
		}
	}
	return cpu_s() - t0;
}

/* The program's spin passes per second while the pager only watches the clock. */
static double idle_rate(void)
{
	uint64_t i0 = sh->iters;
	double t0 = now_s(), t;
	while ((t = now_s()) - t0 < 0.01)
		;
	return (double)(sh->iters - i0) / (t - t0);
}

static void timed(acc *a, int op, size_t npages, size_t b, double rate, bool first)
{
	uint64_t ipi0 = tlb_ipis(), it0 = sh->iters;
	double w0 = now_s();
	double t = run_op(op, npages, b);
	double wall = now_s() - w0;
	uint64_t its = sh->iters - it0;
	a->ipis[op] += tlb_ipis() - ipi0;
	a->calls[op] += (npages + b - 1) / b;
	double us = t * 1e6 / (double)npages;
	if (first || us < a->best[op])
		a->best[op] = us;
	double lost = wall - (double)its / rate;
	a->lost[op] += (lost > 0 ? lost : 0) * 1e6 / (double)npages;
}

/* One round at batch b: every operation once, the memory left empty. */
static void round_at(acc *a, size_t npages, size_t b, bool first)
{
	double rate = idle_rate();
	timed(a, OP_COPY, npages, b, rate, first);
	timed(a, OP_WP, npages, b, rate, first);
	timed(a, OP_READ, npages, b, rate, first);
	timed(a, OP_PUNCH_MAPPED, npages, b, rate, first);
	timed(a, OP_PWRITE, npages, b, rate, first);
	timed(a, OP_CONT, npages, b, rate, first);
	punch(0, npages * PG);
	timed(a, OP_MEMCPY_FILL, npages, b, rate, first);
	timed(a, OP_CONT_AFTER_MEMCPY, npages, b, rate, first);
	punch(0, npages * PG);
	run_op(OP_PWRITE, npages, b);
	timed(a, OP_PUNCH_CACHED, npages, b, rate, first);
	timed(a, OP_USER_COPY, npages, b, rate, first);
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* Minor faults answered by UFFDIO_CONTINUE: median and 90th percentile µs as the program saw
 * them; poll: the pager sleeps in poll() between faults instead of spinning on read(). */
static void fault_round_trip(int nfaults, bool use_poll, double *med, double *p90)
{
	if (pwrite(memfd, src, (size_t)nfaults * PG, 0) != (ssize_t)((size_t)nfaults * PG))
		die("pwrite");
	sh->touched = 0;
	sh->phase = 1;
	int answered = 0;
	double start = now_s();
	while (answered < nfaults) {
		struct uffd_msg m;
		if (now_s() - start > 60) { /* the program should fault within microseconds */
			errno = ETIMEDOUT;
			die("waiting for the program's faults");
		}
		if (use_poll) {
			struct pollfd p = {.fd = uffd, .events = POLLIN};
			poll(&p, 1, 1000);
		}
		if (read(uffd, &m, sizeof m) != sizeof m) {
			if (errno == EAGAIN)
				continue;
			die("read of the uffd");
		}
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		struct uffdio_continue c = {.range = {m.arg.pagefault.address & ~(PG - 1), PG}};
		if (ioctl(uffd, UFFDIO_CONTINUE, &c) < 0 && errno != EEXIST)
			die("UFFDIO_CONTINUE");
		answered++;
	}
	while (sh->touched < nfaults && now_s() - start < 60)
		;
	sh->phase = 0;
	punch(0, (size_t)nfaults * PG);
	double *v = malloc((size_t)nfaults * sizeof *v);
	memcpy(v, sh->rtt_us, (size_t)nfaults * sizeof *v);
	qsort(v, (size_t)nfaults, sizeof *v, cmp_d);
	*med = v[nfaults / 2];
	*p90 = v[nfaults * 9 / 10];
	free(v);
}

int main(int argc, char **argv)
{
	size_t npages = 4096, rounds = 5, batches[MAX_BATCHES] = {1, 16, 64}, nb = 3;
	int pager_cpu = 0, prog_cpu = 1, nfaults = 1000, o;
	while ((o = getopt(argc, argv, "n:r:b:p:c:k:h")) != -1) {
		switch (o) {
		case 'n': npages = strtoul(optarg, NULL, 10); break;
		case 'r': rounds = strtoul(optarg, NULL, 10); break;
		case 'p': pager_cpu = atoi(optarg); break;
		case 'c': prog_cpu = atoi(optarg); break;
		case 'k': nfaults = atoi(optarg); break;
		case 'b': {
			nb = 0;
			for (char *t = strtok(optarg, " ,"); t && nb < MAX_BATCHES; t = strtok(NULL, " ,"))
				batches[nb++] = strtoul(t, NULL, 10);
			break;
		}
		default:
			fprintf(stderr, "usage: uffd_cost [-n PAGES] [-r ROUNDS] [-b \"1 16 64\"] [-p PAGER_CPU] [-c PROGRAM_CPU] [-k FAULTS]\n");
			return o == 'h' ? 0 : 2;
		}
	}
	bool bad = npages < 1 || rounds < 1 || nb < 1 || nfaults < 1 || nfaults > MAX_FAULTS || (size_t)nfaults > npages;
	for (size_t k = 0; k < nb; k++)
		bad |= batches[k] < 1 || batches[k] > npages;
	if (bad) {
		fprintf(stderr, "uffd_cost: bad arguments (PAGES >= 1, ROUNDS >= 1, 1 <= each batch <= PAGES, 1 <= FAULTS <= min(PAGES, %d))\n",
		        MAX_FAULTS);
		return 2;
	}
	memfd = memfd_create("uffd_cost", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, (off_t)(npages * PG)) < 0)
		die("memfd");
	view = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (view == MAP_FAILED || sh == MAP_FAILED)
		die("mmap");
	int pfd[2];
	if (pipe(pfd) < 0)
		die("pipe");
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		close(pfd[0]);
		program(sh, view, npages, prog_cpu, pfd[1], nfaults);
	}
	close(pfd[1]);
	pin(pager_cpu);
	int theirs = 0;
	if (read(pfd[0], &theirs, sizeof theirs) != sizeof theirs || theirs < 0) {
		errno = theirs < 0 ? -theirs : EIO;
		die("the program's userfaultfd");
	}
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	uffd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, theirs, 0);
	if (uffd < 0)
		die("pidfd_getfd of the program's uffd");
	/* the pager's own view of the memfd (not registered), for the memcpy fill */
	own = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	size_t maxb = 0;
	for (size_t k = 0; k < nb; k++)
		maxb = batches[k] > maxb ? batches[k] : maxb;
	if (own == MAP_FAILED || posix_memalign((void **)&src, PG, maxb * PG) || posix_memalign((void **)&dst, PG, maxb * PG))
		die("buffers");
	memset(src, 0x5a, maxb * PG);
	memset(dst, 0, maxb * PG);

	printf("uffd_cost: %zu pages x %zu rounds (best round), pager on CPU %d, program on CPU %d spinning in its "
	       "own address space\n", npages, rounds, pager_cpu, prog_cpu);
	printf("%-44s %6s %9s %10s %12s\n", "operation", "batch", "us/page", "TLB IPIs", "program lost");
	printf("%-44s %6s %9s %10s %12s\n", "", "", "", "per call", "us/page");
	acc a[MAX_BATCHES];
	memset(a, 0, sizeof a);
	for (size_t r = 0; r < rounds; r++) /* batches interleaved, round by round */
		for (size_t k = 0; k < nb; k++)
			round_at(&a[k], npages, batches[k], r == 0);
	for (int op = 0; op < N_OPS; op++)
		for (size_t k = 0; k < nb; k++)
			printf("%-44s %6zu %9.3f %10.2f %12.3f\n", op_name[op], batches[k], a[k].best[op],
			       a[k].calls[op] ? (double)a[k].ipis[op] / (double)a[k].calls[op] : 0.0,
			       a[k].lost[op] / (double)rounds);
	double spin_med, spin_p90, poll_med, poll_p90;
	fault_round_trip(nfaults, false, &spin_med, &spin_p90);
	fault_round_trip(nfaults, true, &poll_med, &poll_p90);
	printf("minor fault answered by UFFDIO_CONTINUE, as the program sees it (%d faults): pager spinning: median "
	       "%.1f us, 90%% %.1f us; pager in poll(): median %.1f us, 90%% %.1f us\n",
	       nfaults, spin_med, spin_p90, poll_med, poll_p90);
	/* the floor at the largest batch: the cheapest way to place a page, to drop one, and what a
	 * dirty page adds (write-protect and copy out) */
	acc *big = &a[nb - 1];
	for (size_t k = 0; k < nb; k++)
		if (batches[k] == maxb)
			big = &a[k];
	double cont = big->best[OP_PWRITE] + big->best[OP_CONT];
	double place = big->best[OP_COPY] < cont ? big->best[OP_COPY] : cont;
	printf("floor place_us %.3f (batch %zu: UFFDIO_COPY %.3f, pwrite + UFFDIO_CONTINUE %.3f)\n", place, maxb,
	       big->best[OP_COPY], cont);
	printf("floor drop_us %.3f (punch-hole of a mapped run)\n", big->best[OP_PUNCH_MAPPED]);
	printf("floor writeback_us %.3f (write-protect + pread, for each dirty page leaving)\n",
	       big->best[OP_WP] + big->best[OP_READ]);
	printf("floor copy_us %.3f (a far store's copy, each page in and each written back)\n", big->best[OP_USER_COPY]);
	printf("floor fault_us %.1f (a minor fault's round trip, pager spinning)\n", spin_med);
	sh->phase = 2;
	int st;
	waitpid(child, &st, 0);
	return 0;
}
