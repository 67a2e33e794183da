/* poll_heap.c — poll() on a pollfd array in traced memory, woken by a child's write. */
#include "tg.h"
#include <poll.h>
#include <sys/wait.h>
int main(void)
{
	int p[2];
	TG_CHECK(pipe(p) == 0);
	struct pollfd *fds = calloc(1, sizeof *fds);
	char *buf = calloc(1, 4096);
	tg_sync(1);
	int ready = 0;
	for (int k = 0; k < 5; k++) {
		pid_t c = fork();
		if (c == 0) {
			usleep(20000);
			_exit(write(p[1], "ping", 4) == 4 ? 0 : 1);
		}
		fds->fd = p[0];
		fds->events = POLLIN;
		ready += poll(fds, 1, 5000);
		TG_CHECK(read(p[0], buf, 4) == 4);
		waitpid(c, NULL, 0);
		if (k == 2)
			tg_sync(2);
	}
	printf("ready %d last %.4s\n", ready, buf);
	return 0;
}
