/* far_bench.c — one far store's speed through the tpo_far interface, as the runtime uses it:
 * stores N pages, then reads them back in a random order, first one at a time (latency: µs
 * per page, median and 99th percentile) and then with W reads in flight (pages/s), checking
 * every page. Prints one line: URI  lat_median_us  lat_p99_us  pages_per_s  write_pages_per_s.
 * usage: far_bench URI [PAGES [WINDOW [LATENCY_SAMPLES]]]   (run by scripts/bench/far.sh) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tpo/far.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(unsigned char *p, uint64_t key)
{
	for (unsigned i = 0; i < TPO_FAR_PAGE; i += 8) {
		uint64_t v = key * 0x9e3779b97f4a7c15u + i;
		memcpy(p + i, &v, 8);
	}
}

static void die(const char *what, GError *err)
{
	fprintf(stderr, "far_bench: %s: %s\n", what, err ? err->message : "failed");
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t collect(tpo_far *f, unsigned char *page, unsigned char *want)
{
	uint64_t key;
	GError *err = NULL;
	if (tpo_far_read_done(f, &key, page, true, &err) != 1)
		die("read", err);
	fill(want, key);
	if (memcmp(page, want, TPO_FAR_PAGE) != 0) {
		fprintf(stderr, "far_bench: page %llu came back wrong\n", (unsigned long long)key);
		exit(1);
	}
	return key;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: far_bench URI [PAGES [WINDOW [LATENCY_SAMPLES]]]\n");
		return 2;
	}
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 16384;
	unsigned window = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 64;
	unsigned samples = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 2000;
	if (n < 1 || window < 1 || samples < 1) {
		fprintf(stderr, "far_bench: PAGES, WINDOW and LATENCY_SAMPLES must be positive\n");
		return 2;
	}
	GError *err = NULL;
	tpo_far *f = tpo_far_open(argv[1], NULL, &err);
	if (!f)
		die("open", err);
	static unsigned char page[TPO_FAR_PAGE], want[TPO_FAR_PAGE];

	/* writes, then one read of the last page: the writes before it are done or on their way */
	double t0 = now_s();
	for (uint64_t k = 0; k < n; k++) {
		fill(page, k);
		if (!tpo_far_write(f, k, page, &err))
			die("write", err);
	}
	if (!tpo_far_read_start(f, n - 1, &err))
		die("read", err);
	collect(f, page, want);
	double write_s = now_s() - t0;

	uint64_t *order = malloc(n * sizeof *order);
	for (uint64_t k = 0; k < n; k++)
		order[k] = k;
	srand(1);
	for (uint64_t k = n - 1; k > 0; k--) {
		uint64_t j = (uint64_t)rand() % (k + 1), t = order[k];
		order[k] = order[j];
		order[j] = t;
	}

	/* latency: one read in flight */
	double *lat = malloc(samples * sizeof *lat);
	for (unsigned s = 0; s < samples; s++) {
		double a = now_s();
		if (!tpo_far_read_start(f, order[s % n], &err))
			die("read", err);
		collect(f, page, want);
		lat[s] = (now_s() - a) * 1e6;
	}
	qsort(lat, samples, sizeof *lat, cmp_double);

	/* throughput: window reads in flight */
	t0 = now_s();
	uint64_t started = 0, done = 0;
	while (done < n) {
		while (started < n && started - done < window) {
			if (!tpo_far_read_start(f, order[started++], &err))
				die("read", err);
		}
		collect(f, page, want);
		done++;
	}
	double read_s = now_s() - t0;
	printf("%s\t%.1f\t%.1f\t%.0f\t%.0f\n", argv[1], lat[samples / 2], lat[samples * 99 / 100], n / read_s,
	       n / write_s);
	free(lat);
	free(order);
	tpo_far_close(f);
	return 0;
}
