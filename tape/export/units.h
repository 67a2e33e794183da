/* units.h — the one parser of the command line's quantities, for every 3po command: whole
 * counts, byte sizes, local-memory sizes (pages, bytes with a suffix, or a percentage of the
 * footprint), size ranges, durations and bandwidths. Each refuses, with a one-line GError,
 * empty input, signs, spaces, trailing garbage and values out of range or beyond 64 bits. */
#ifndef TPO_UNITS_H
#define TPO_UNITS_H

#include <glib.h>
#include <stdint.h>

/* A whole decimal number from MIN to MAX: digits only (no sign, space, base prefix or suffix),
 * leading zeros allowed; never wraps (18446744073709551616 is refused, not read as 0). */
gboolean tpo_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, GError **err);
/* A number of bytes: "4096", "8192B", "512K", "64M", "1.5G", "2GiB", "1Ti" (binary multiples;
 * a bare number is bytes), a whole number of bytes from 1 to 2^64 - 1. */
gboolean tpo_parse_bytes(const char *s, uint64_t *bytes, GError **err);

typedef enum { TPO_SIZE_PAGES, TPO_SIZE_BYTES, TPO_SIZE_PERCENT } tpo_size_kind;

typedef struct tpo_size_spec {
	tpo_size_kind kind;
	double value; /* pages, bytes or percent */
} tpo_size_spec;

/* "4096" (pages), "64M"/"64MiB"/"1G"/"512K"/"8192B" (bytes, binary multiples), "20%". */
gboolean tpo_parse_size(const char *s, tpo_size_spec *out, GError **err);
/* In pages, at least 1. */
uint64_t tpo_size_pages(const tpo_size_spec *s, uint64_t footprint, uint32_t page_size);
/* "START:END:STEP" of sizes (e.g. "5%:100%:5%", "1000:20000:1000", "64M:1G:64M"); STEP must be of
 * the kind of START. Fills a sorted, de-duplicated list of capacities in pages (<= 1000). */
gboolean tpo_parse_range(const char *s, tpo_size_spec spec[3], GError **err);
uint64_t *tpo_range_pages(const tpo_size_spec spec[3], uint64_t footprint, uint32_t page_size,
			  size_t *n);
/* "3us" (or "3µs"), "250ns", "1.5ms", "2s"; a bare number is microseconds. Result in ns. */
gboolean tpo_parse_duration(const char *s, double *ns, GError **err);
/* The same with a bare number in units of BARE_NS (1e9: seconds, as 3po-attach --duration). */
gboolean tpo_parse_duration_bare(const char *s, double bare_ns, double *ns, GError **err);
/* "25Gbit/s", "25Gbps", "25G" (bits per second), "3GB/s", "3GiB/s" (bytes). Result in bit/s. */
gboolean tpo_parse_bandwidth(const char *s, double *bps, GError **err);

#endif
