/* dump_top.c — 3po-dump --top [N]: the functions that caused the most recorded faults. Each
 * access is charged to its innermost frame (its ip); the ip is placed in the region that the
 * trace's map events put there, turned into a file offset, and named from the object's ELF
 * symbols (tpo/symbols.h). With call chains, the frame above (chain[1]) names the callers. */
#include "dump.h"

#include <inttypes.h>
#include <string.h>

#include "tpo/symbols.h"
#include "tpo/trace.h"

typedef struct map {
	uint64_t start, end, offset;
	const char *name;
} map;

typedef struct func {
	char *key;          /* "name\tobject base name" */
	uint64_t count;
	GHashTable *callers; /* key (owned by the function table) -> count */
} func;

typedef struct top {
	GArray *maps;        /* map, current address space */
	GStringChunk *strs;
	tpo_symbolizer *sym;
	GHashTable *ip_key;  /* ip -> key, for the current maps */
	GHashTable *funcs;   /* key -> func* */
} top;

static void unmap(top *t, uint64_t s, uint64_t e)
{
	for (guint i = t->maps->len; i-- > 0;) {
		map *m = &g_array_index(t->maps, map, i);
		if (m->end <= s || m->start >= e)
			continue;
		if (m->start < s && m->end > e) { /* split */
			map tail = {e, m->end, m->offset + (e - m->start), m->name};
			m->end = s;
			g_array_append_val(t->maps, tail);
		} else if (m->start < s) {
			m->end = s;
		} else if (m->end > e) {
			m->offset += e - m->start;
			m->start = e;
		} else {
			g_array_remove_index(t->maps, i);
		}
	}
	g_hash_table_remove_all(t->ip_key);
}

/* The key naming the function at ip; return addresses (caller) are looked up at ip - 1. */
static const char *key_of(top *t, uint64_t ip)
{
	const char *k = g_hash_table_lookup(t->ip_key, GSIZE_TO_POINTER(ip));
	if (k)
		return k;
	char buf[4096];
	const map *m = NULL;
	for (guint i = 0; i < t->maps->len && !m; i++) {
		const map *x = &g_array_index(t->maps, map, i);
		if (ip >= x->start && ip < x->end)
			m = x;
	}
	const char *fn = NULL, *obj = "?";
	if (!ip) {
		fn = "[no ip: system call]";
		obj = "-";
	} else if (m) {
		fn = tpo_symbolize(t->sym, m->name, ip - m->start + m->offset, NULL);
		const char *slash = strrchr(m->name, '/');
		obj = *m->name ? (slash ? slash + 1 : m->name) : "[anon]";
	}
	if (fn)
		snprintf(buf, sizeof buf, "%s\t%s", fn, obj);
	else
		snprintf(buf, sizeof buf, "0x%" PRIx64 "\t%s", ip, obj);
	k = g_string_chunk_insert_const(t->strs, buf);
	g_hash_table_insert(t->ip_key, GSIZE_TO_POINTER(ip), (gpointer)k);
	return k;
}

static func *func_of(top *t, const char *key)
{
	func *f = g_hash_table_lookup(t->funcs, key);
	if (!f) {
		f = g_new0(func, 1);
		f->key = (char *)key;
		f->callers = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(t->funcs, f->key, f);
	}
	return f;
}

static void func_free(gpointer p)
{
	func *f = p;
	g_hash_table_destroy(f->callers);
	g_free(f);
}

static gint by_count(gconstpointer a, gconstpointer b)
{
	const func *x = *(func *const *)a, *y = *(func *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

typedef struct caller {
	const char *key;
	uint64_t count;
} caller;

static gint by_caller_count(gconstpointer a, gconstpointer b)
{
	const caller *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void print_callers(const func *f)
{
	GArray *v = g_array_new(FALSE, FALSE, sizeof(caller));
	uint64_t total = 0;
	GHashTableIter it;
	gpointer k, n;
	g_hash_table_iter_init(&it, f->callers);
	while (g_hash_table_iter_next(&it, &k, &n)) {
		caller c = {k, GPOINTER_TO_SIZE(n)};
		total += c.count;
		g_array_append_val(v, c);
	}
	g_array_sort(v, by_caller_count);
	if (v->len)
		printf("%24s", "called from:");
	for (guint i = 0; i < v->len && i < 3; i++) {
		const caller *c = &g_array_index(v, caller, i);
		printf("%s %.*s (%.0f%%)", i ? "," : "", (int)strcspn(c->key, "\t"), c->key,
		       100.0 * (double)c->count / (double)total);
	}
	if (v->len)
		printf("%s\n", v->len > 3 ? ", ..." : "");
	g_array_free(v, TRUE);
}

static void print_top(top *t, unsigned n, uint64_t accesses, uint64_t chained)
{
	GPtrArray *v = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, f;
	g_hash_table_iter_init(&it, t->funcs);
	while (g_hash_table_iter_next(&it, &k, &f))
		g_ptr_array_add(v, f);
	g_ptr_array_sort(v, by_count);
	printf("%" PRIu64 " accesses, %" PRIu64 " with a call chain; top %u functions:\n", accesses, chained, n);
	printf("%10s %7s  %-40s %s\n", "faults", "%", "function", "object");
	for (guint i = 0; i < v->len && i < n; i++) {
		const func *x = g_ptr_array_index(v, i);
		int len = (int)strcspn(x->key, "\t");
		printf("%10" PRIu64 " %6.2f%%  %-40.*s %s\n", x->count, 100.0 * (double)x->count / (double)accesses,
		       len, x->key, x->key + len + 1);
		print_callers(x);
	}
	g_ptr_array_free(v, TRUE);
}

int dump_top(const char *file, unsigned n)
{
	GError *err = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(file, &err);
	if (!r) {
		fprintf(stderr, "3po-dump: %s: %s\n", file, err->message);
		g_error_free(err);
		return 1;
	}
	top t = {
		.maps = g_array_new(FALSE, FALSE, sizeof(map)),
		.strs = g_string_chunk_new(4096),
		.sym = tpo_symbolizer_new(),
		.ip_key = g_hash_table_new(g_direct_hash, g_direct_equal),
		.funcs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, func_free),
	};
	uint64_t accesses = 0, chained = 0;
	tpo_event ev;
	int rc;
	while ((rc = tpo_trace_reader_next(r, &ev, &err)) == 1) {
		switch (ev.type) {
		case TPO_EV_REGION_MAP: {
			unmap(&t, ev.map.start, ev.map.start + ev.map.length);
			map m = {ev.map.start, ev.map.start + ev.map.length, ev.map.offset,
			         g_string_chunk_insert_const(t.strs, ev.map.name ? ev.map.name : "")};
			g_array_append_val(t.maps, m);
			break;
		}
		case TPO_EV_REGION_UNMAP:
			unmap(&t, ev.unmap.start, ev.unmap.start + ev.unmap.length);
			break;
		case TPO_EV_EXEC:
			unmap(&t, 0, UINT64_MAX);
			break;
		case TPO_EV_ACCESS: {
			accesses++;
			uint64_t ip = ev.access.ip ? ev.access.ip : ev.access.depth ? ev.access.chain[0] : 0;
			func *f = func_of(&t, key_of(&t, ip));
			f->count++;
			if (ev.access.depth) {
				chained++;
				if (ev.access.depth > 1 && ev.access.chain[1]) {
					const char *ck = key_of(&t, ev.access.chain[1] - 1);
					gpointer old = g_hash_table_lookup(f->callers, ck);
					g_hash_table_insert(f->callers, (gpointer)ck, GSIZE_TO_POINTER(GPOINTER_TO_SIZE(old) + 1));
				}
			}
			break;
		}
		default:
			break;
		}
	}
	print_top(&t, n, accesses, chained);
	tpo_trace_reader_close(r);
	g_hash_table_destroy(t.funcs);
	g_hash_table_destroy(t.ip_key);
	tpo_symbolizer_free(t.sym);
	g_string_chunk_free(t.strs);
	g_array_free(t.maps, TRUE);
	if (rc < 0) {
		fprintf(stderr, "3po-dump: %s: %s\n", file, err->message);
		g_error_free(err);
		return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
