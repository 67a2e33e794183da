/* units.c — the one parser of counts, sizes, ranges, durations and bandwidths (see units.h). */
#include "units.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Sizes beyond any address space are refused, not clamped: 2^64 bytes, 2^52 pages of 4 KiB. */
#define MAX_BYTES 18446744073709551616.0
#define MAX_PAGES 4503599627370496.0

#define ERR(...) (g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, __VA_ARGS__), FALSE)

static gboolean parse_number(const char *s, double *v, const char **rest)
{
	char *end;
	if (!*s || g_ascii_isspace(*s) || *s == '-' || *s == '+')
		return FALSE;
	*v = g_ascii_strtod(s, &end);
	if (end == s || !isfinite(*v) || *v < 0)
		return FALSE;
	*rest = end;
	return TRUE;
}

/* The N decimal digits at S as a number; FALSE if it does not fit in 64 bits. */
static gboolean digits_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return FALSE;
		x = x * 10 + d;
	}
	*v = x;
	return TRUE;
}

gboolean tpo_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, GError **err)
{
	size_t n = strspn(s, "0123456789");
	uint64_t v;
	if (!n || s[n])
		return ERR("'%s' is not a whole number", s);
	if (!digits_u64(s, n, &v) || v < min || v > max)
		return ERR("'%s' is not a whole number from %" PRIu64 " to %" PRIu64, s, min, max);
	*out = v;
	return TRUE;
}

/* The binary multiple a unit after a number of bytes means: B, K, M, G, T (any case), the
 * prefixes optionally followed by i, iB or B. Returns the power of two, or -1 if unknown. */
static int byte_shift(const char *u)
{
	static const char units[] = "BKMGT";
	const char *k = *u ? strchr(units, g_ascii_toupper(*u)) : NULL;
	if (!k)
		return -1;
	const char *t = u + 1;
	if (k != units && (!g_ascii_strcasecmp(t, "iB") || !strcmp(t, "B") ||
			   ((*t == 'i' || *t == 'I') && !t[1])))
		t = "";
	return *t ? -1 : 10 * (int)(k - units);
}

gboolean tpo_parse_bytes(const char *s, uint64_t *bytes, GError **err)
{
	size_t n = strspn(s, "0123456789");
	const char *u = s + n;
	if (n && *u != '.' && *u != 'e' && *u != 'E') { /* whole: exact to the last byte */
		uint64_t v;
		int shift = *u ? byte_shift(u) : 0;
		if (shift < 0)
			return ERR("size '%s': unknown unit '%s' (B, K, M, G, T)", s, u);
		if (!digits_u64(s, n, &v) || v > (UINT64_MAX >> shift))
			return ERR("size '%s' is too large (below 16 EiB)", s);
		if (!v)
			return ERR("size '%s' is less than a byte", s);
		*bytes = v << shift;
		return TRUE;
	}
	double v;
	if (!parse_number(s, &v, &u))
		return ERR("bad size '%s' (want bytes, optionally with K, M, G or T)", s);
	int shift = *u ? byte_shift(u) : 0;
	if (shift < 0)
		return ERR("size '%s': unknown unit '%s' (B, K, M, G, T)", s, u);
	v = ldexp(v, shift);
	if (v != floor(v))
		return ERR("size '%s' is not a whole number of bytes", s);
	if (v < 1)
		return ERR("size '%s' is less than a byte", s);
	if (v >= MAX_BYTES)
		return ERR("size '%s' is too large (below 16 EiB)", s);
	*bytes = (uint64_t)v;
	return TRUE;
}

gboolean tpo_parse_size(const char *s, tpo_size_spec *out, GError **err)
{
	double v;
	const char *u;
	if (!parse_number(s, &v, &u))
		return ERR("bad size '%s' (want pages, bytes with K/M/G/T, or a percentage)", s);
	if (!strcmp(u, "%")) {
		if (v <= 0 || v > 100)
			return ERR("size '%s': a percentage must be in (0, 100]", s);
		*out = (tpo_size_spec){TPO_SIZE_PERCENT, v};
		return TRUE;
	}
	if (!*u || !g_ascii_strcasecmp(u, "p") || !g_ascii_strcasecmp(u, "pages")) {
		if (v < 1 || v != floor(v))
			return ERR("size '%s': a page count must be a whole number >= 1", s);
		if (v > MAX_PAGES)
			return ERR("size '%s' is too large (at most 2^52 pages)", s);
		*out = (tpo_size_spec){TPO_SIZE_PAGES, v};
		return TRUE;
	}
	int shift = byte_shift(u);
	if (shift < 0)
		return ERR("size '%s': unknown unit '%s'", s, u);
	double mult = ldexp(1.0, shift);
	if (v * mult < 1)
		return ERR("size '%s' is less than a byte", s);
	if (v * mult > MAX_BYTES)
		return ERR("size '%s' is too large (at most 16 EiB)", s);
	*out = (tpo_size_spec){TPO_SIZE_BYTES, v * mult};
	return TRUE;
}

uint64_t tpo_size_pages(const tpo_size_spec *s, uint64_t footprint, uint32_t page_size)
{
	double p;
	switch (s->kind) {
	case TPO_SIZE_PERCENT:
		p = floor((double)footprint * s->value / 100.0 + 1e-9);
		break;
	case TPO_SIZE_BYTES:
		p = floor(s->value / (page_size ? page_size : 4096));
		break;
	default:
		p = s->value;
	}
	if (p < 1)
		p = 1;
	if (p > 1e18)
		p = 1e18;
	return (uint64_t)p;
}

gboolean tpo_parse_range(const char *s, tpo_size_spec spec[3], GError **err)
{
	gchar **parts = g_strsplit(s, ":", -1);
	gboolean ok = g_strv_length(parts) == 3;
	if (!ok)
		g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "bad range '%s' (want START:END:STEP, e.g. 5%%:100%%:5%%)", s);
	for (int i = 0; ok && i < 3; i++)
		ok = tpo_parse_size(parts[i], &spec[i], err);
	if (ok && spec[2].kind != spec[0].kind && !(spec[0].kind != TPO_SIZE_PERCENT &&
						    spec[2].kind != TPO_SIZE_PERCENT))
		ok = ERR("range '%s': STEP must be of the same kind as START", s);
	if (ok && spec[0].kind == spec[1].kind && spec[0].value > spec[1].value)
		ok = ERR("range '%s': START is above END", s);
	g_strfreev(parts);
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t *tpo_range_pages(const tpo_size_spec spec[3], uint64_t footprint, uint32_t page_size,
			  size_t *n)
{
	/* sized: never a NULL array, even for a range that holds no size (END below START) */
	GArray *a = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), 32);
	uint64_t end = tpo_size_pages(&spec[1], footprint, page_size);
	if (spec[2].kind == TPO_SIZE_PERCENT) {
		for (double v = spec[0].value; v <= spec[1].value + 1e-9 && a->len < 1000;
		     v += spec[2].value) {
			tpo_size_spec x = {TPO_SIZE_PERCENT, MIN(v, 100.0)};
			uint64_t p = tpo_size_pages(&x, footprint, page_size);
			g_array_append_val(a, p);
		}
	} else {
		uint64_t start = tpo_size_pages(&spec[0], footprint, page_size);
		uint64_t step = tpo_size_pages(&spec[2], footprint, page_size);
		for (uint64_t p = start; p <= end && a->len < 1000; p += step)
			g_array_append_val(a, p);
	}
	qsort(a->data, a->len, sizeof(uint64_t), cmp_u64);
	uint64_t *v = (uint64_t *)a->data;
	size_t k = 0;
	for (size_t i = 0; i < a->len; i++)
		if (!k || v[i] != v[k - 1])
			v[k++] = v[i];
	*n = k;
	return (uint64_t *)g_array_free(a, FALSE);
}

gboolean tpo_parse_duration(const char *s, double *ns, GError **err)
{
	return tpo_parse_duration_bare(s, 1e3, ns, err);
}

gboolean tpo_parse_duration_bare(const char *s, double bare_ns, double *ns, GError **err)
{
	double v;
	const char *u;
	if (!parse_number(s, &v, &u))
		return ERR("bad duration '%s' (e.g. 3us, 250ns, 1.5ms)", s);
	double mult;
	if (!*u)
		mult = bare_ns;
	else if (!strcmp(u, "us") || !strcmp(u, "µs"))
		mult = 1e3;
	else if (!strcmp(u, "ns"))
		mult = 1;
	else if (!strcmp(u, "ms"))
		mult = 1e6;
	else if (!strcmp(u, "s"))
		mult = 1e9;
	else
		return ERR("duration '%s': unknown unit '%s' (ns, us, ms, s)", s, u);
	if (!isfinite(v * mult))
		return ERR("duration '%s' is too long", s);
	*ns = v * mult;
	return TRUE;
}

gboolean tpo_parse_bandwidth(const char *s, double *bps, GError **err)
{
	double v;
	const char *u;
	if (!parse_number(s, &v, &u) || v <= 0)
		return ERR("bad bandwidth '%s' (e.g. 25Gbit/s, 3GB/s)", s);
	double mult = 1;
	int binary = 0;
	static const char prefixes[] = "KMGT";
	const char *k = *u ? strchr(prefixes, g_ascii_toupper(*u)) : NULL;
	if (k) {
		u++;
		if (*u == 'i') {
			binary = 1;
			u++;
		}
		mult = binary ? ldexp(1.0, 10 * (int)(k - prefixes + 1))
			      : pow(1000.0, (double)(k - prefixes + 1));
	}
	if (!*u || !strcmp(u, "bit/s") || !strcmp(u, "bps") || !strcmp(u, "b/s") ||
	    !strcmp(u, "bit"))
		v *= mult;
	else if (!strcmp(u, "B/s") || !strcmp(u, "Bps") || !strcmp(u, "B"))
		v *= mult * 8;
	else
		return ERR("bandwidth '%s': unknown unit '%s' (bit/s, bps, B/s)", s, u);
	if (!isfinite(v))
		return ERR("bandwidth '%s' is too high", s);
	*bps = v;
	return TRUE;
}
