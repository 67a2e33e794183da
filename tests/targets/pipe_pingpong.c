/* pipe_pingpong.c — parent and child exchange buffers held in traced memory over two pipes. */
#include "tg.h"
#include <sys/wait.h>
int main(void)
{
	int up[2], down[2];
	TG_CHECK(pipe(up) == 0 && pipe(down) == 0);
	char *buf = calloc(2, 4096);
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 200; i++) {
			if (read(down[0], buf, 1000) != 1000)
				_exit(1);
			buf[0]++;
			if (write(up[1], buf, 1000) != 1000)
				_exit(1);
		}
		_exit(0);
	}
	tg_sync(1);
	for (int i = 0; i < 200; i++) {
		buf[1] = (char)i;
		TG_CHECK(write(down[1], buf, 1000) == 1000);
		TG_CHECK(read(up[0], buf, 1000) == 1000);
		if (i == 100)
			tg_sync(2);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child %d sum %016llx\n", WEXITSTATUS(st), (unsigned long long)tg_sum(buf, 1000));
	return 0;
}
