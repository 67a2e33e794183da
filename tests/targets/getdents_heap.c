/* getdents_heap.c — directory listing into a traced buffer (getdents64 via readdir). */
#include "tg.h"
#include <dirent.h>
int main(void)
{
	tg_sync(1);
	int n = 0;
	for (int k = 0; k < 20; k++) {
		DIR *d = opendir("/usr/lib/x86_64-linux-gnu");
		TG_CHECK(d != NULL);
		while (readdir(d))
			n++;
		closedir(d);
		if (k == 10)
			tg_sync(2);
	}
	printf("entries>100 %d\n", n > 100);
	return 0;
}
