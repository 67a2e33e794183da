/* symbols.c — ELF symbolization for 3po-dump --top: each object (by path) is opened once with
 * libelf; its PT_LOAD headers and function symbols (.symtab, else .dynsym) are kept sorted by
 * address, so a lookup is a binary search. Objects that cannot be read are remembered as empty. */
#include "tpo/symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <glib.h>
#include <libelf.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct sym {
	uint64_t start, size;
	const char *name;
} sym;

typedef struct seg {
	uint64_t offset, vaddr, filesz;
} seg;

typedef struct object {
	GArray *syms; /* sym, sorted by start */
	GArray *segs; /* seg, PT_LOAD */
} object;

struct tpo_symbolizer {
	GHashTable *objects; /* path -> object* */
	GStringChunk *names;
};

static int cmp_sym(const void *a, const void *b)
{
	const sym *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void object_free(gpointer p)
{
	object *o = p;
	g_array_free(o->syms, TRUE);
	g_array_free(o->segs, TRUE);
	g_free(o);
}

/* Adds the function symbols of section scn (a SYMTAB or DYNSYM); returns how many. */
static guint load_symtab(tpo_symbolizer *s, object *o, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !sh->sh_entsize)
		return 0;
	guint n = 0;
	size_t count = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym gs;
		if (!gelf_getsym(d, (int)i, &gs))
			break;
		int type = GELF_ST_TYPE(gs.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || gs.st_shndx == SHN_UNDEF || !gs.st_value)
			continue;
		const char *name = elf_strptr(e, sh->sh_link, gs.st_name);
		if (!name || !*name)
			continue;
		sym y = {gs.st_value, gs.st_size, g_string_chunk_insert_const(s->names, name)};
		g_array_append_val(o->syms, y);
		n++;
	}
	return n;
}

static void load(tpo_symbolizer *s, object *o, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t nph = 0;
	if (e && elf_kind(e) == ELF_K_ELF && elf_getphdrnum(e, &nph) == 0) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
				seg g = {ph.p_offset, ph.p_vaddr, ph.p_filesz};
				g_array_append_val(o->segs, g);
			}
		}
		/* .symtab when present (it includes static functions), else .dynsym */
		for (int want = SHT_SYMTAB; want; want = want == SHT_SYMTAB ? SHT_DYNSYM : 0) {
			guint found = 0;
			for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
				GElf_Shdr sh;
				if (gelf_getshdr(scn, &sh) && sh.sh_type == (GElf_Word)want)
					found += load_symtab(s, o, e, scn, &sh);
			}
			if (found)
				break;
		}
		g_array_sort(o->syms, cmp_sym);
	}
	if (e)
		elf_end(e);
	close(fd);
}

tpo_symbolizer *tpo_symbolizer_new(void)
{
	elf_version(EV_CURRENT);
	tpo_symbolizer *s = g_new0(tpo_symbolizer, 1);
	s->objects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, object_free);
	s->names = g_string_chunk_new(4096);
	return s;
}

void tpo_symbolizer_free(tpo_symbolizer *s)
{
	if (!s)
		return;
	g_hash_table_destroy(s->objects);
	g_string_chunk_free(s->names);
	g_free(s);
}

const char *tpo_symbolize(tpo_symbolizer *s, const char *path, uint64_t off, uint64_t *delta)
{
	if (!path || !*path)
		return NULL;
	object *o = g_hash_table_lookup(s->objects, path);
	if (!o) {
		o = g_new0(object, 1);
		o->syms = g_array_new(FALSE, FALSE, sizeof(sym));
		o->segs = g_array_new(FALSE, FALSE, sizeof(seg));
		load(s, o, path);
		g_hash_table_insert(s->objects, g_strdup(path), o);
	}
	/* file offset -> virtual address through the PT_LOAD segment holding it */
	uint64_t addr = 0;
	gboolean mapped = FALSE;
	for (guint i = 0; i < o->segs->len && !mapped; i++) {
		const seg *g = &g_array_index(o->segs, seg, i);
		if (off >= g->offset && off < g->offset + g->filesz) {
			addr = off - g->offset + g->vaddr;
			mapped = TRUE;
		}
	}
	if (!mapped || !o->syms->len)
		return NULL;
	/* the last symbol starting at or before addr */
	guint lo = 0, hi = o->syms->len;
	while (hi - lo > 1) {
		guint mid = lo + (hi - lo) / 2;
		if (g_array_index(o->syms, sym, mid).start <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* among symbols at the same start (aliases), any with a size covering addr will do */
	uint64_t base = g_array_index(o->syms, sym, lo).start;
	for (guint i = lo + 1; i-- > 0 && base <= addr;) {
		const sym *y = &g_array_index(o->syms, sym, i);
		if (y->start != base)
			break;
		if (addr < y->start + (y->size ? y->size : 1)) {
			if (delta)
				*delta = addr - y->start;
			return y->name;
		}
	}
	return NULL;
}
