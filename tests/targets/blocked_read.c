/* blocked_read.c — blocked in read() on a pipe (buffer in traced memory) while the tracer
 * attaches; a child writes after a while. */
#include "tg.h"
#include <sys/wait.h>
int main(void)
{
	int p[2];
	TG_CHECK(pipe(p) == 0);
	char *buf = calloc(4, 4096);
	pid_t c = fork();
	if (c == 0) {
		usleep(300000);
		char msg[8192];
		memset(msg, 'x', sizeof msg);
		if (write(p[1], msg, sizeof msg) != (ssize_t)sizeof msg)
			_exit(1);
		_exit(0);
	}
	tg_sync(1);
	size_t got = 0;
	while (got < 8192) {
		ssize_t n = read(p[0], buf + got, 8192 - got);
		TG_CHECK(n > 0);
		got += (size_t)n;
	}
	tg_sync(2);
	int st;
	waitpid(c, &st, 0);
	printf("read %zu sum %016llx child %d\n", got, (unsigned long long)tg_sum(buf, 4 * 4096), WEXITSTATUS(st));
	return 0;
}
