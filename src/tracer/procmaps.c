/* procmaps.c — reads /proc/PID/maps into the region table (at exec and at attach). */
#include "region_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

gboolean tpo_regions_parse_maps_line(const char *line, uint64_t *start, uint64_t *end, uint32_t *prot,
                                     bool *shared, uint64_t *offset, uint64_t *inode, char **name)
{
	char perms[8];
	unsigned maj, min;
	int consumed = 0;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 "%n", start, end, perms,
	           offset, &maj, &min, inode, &consumed) != 7 || strlen(perms) != 4)
		return FALSE;
	*prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	        (perms[2] == 'x' ? PROT_EXEC : 0);
	*shared = perms[3] == 's';
	const char *p = line + consumed;
	while (*p == ' ' || *p == '\t')
		p++;
	*name = g_strchomp(g_strdup(p));
	return TRUE;
}

gboolean tpo_regions_load_maps(tpo_region_table *t, int pid, GError **err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
		return FALSE;
	}
	tpo_regions_clear(t);
	char line[4096 + 256];
	while (fgets(line, sizeof line, f)) {
		uint64_t s, e, off, ino;
		uint32_t prot;
		bool shared;
		char *name;
		if (!tpo_regions_parse_maps_line(line, &s, &e, &prot, &shared, &off, &ino, &name))
			continue;
		uint32_t flags = shared ? 0 : TPO_RF_PRIVATE;
		if (ino != 0)
			flags |= TPO_RF_FILE;
		else
			flags |= TPO_RF_ANON;
		if (!strcmp(name, "[heap]"))
			flags |= TPO_RF_HEAP;
		else if (g_str_has_prefix(name, "[stack"))
			flags |= TPO_RF_STACK;
		else if (!strcmp(name, "[vdso]") || !strcmp(name, "[vvar]") || !strcmp(name, "[vsyscall]") ||
		         !strcmp(name, "[vvar_vclock]") || g_str_has_prefix(name, "[uprobes"))
			flags |= TPO_RF_SPECIAL;
		if (shared)
			flags &= ~TPO_RF_ANON;
		tpo_regions_map(t, s, e, prot, flags, off, name);
		g_free(name);
	}
	fclose(f);
	return TRUE;
}
