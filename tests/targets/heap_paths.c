/* heap_paths.c — path strings and stat buffers in traced memory, for open/stat/readlink. */
#include "tg.h"
#include <fcntl.h>
#include <sys/stat.h>
int main(void)
{
	char *path = malloc(64), *link = calloc(1, 4096);
	struct stat *st = malloc(sizeof *st);
	tg_sync(1);
	strcpy(path, "/proc/self/exe");
	ssize_t n = readlink(path, link, 4095);
	TG_CHECK(n > 0);
	strcpy(path, "/etc/hostname");
	int fd = open(path, O_RDONLY);
	int ok = fd >= 0 && fstat(fd, st) == 0;
	if (fd >= 0)
		close(fd);
	strcpy(path, "/");
	TG_CHECK(stat(path, st) == 0 && S_ISDIR(st->st_mode));
	tg_sync(2);
	printf("readlink ends in targets: %d, open+fstat %d\n", strstr(link, "tg_") != NULL, ok);
	return 0;
}
