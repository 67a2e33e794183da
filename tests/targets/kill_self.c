/* kill_self.c — dies by SIGKILL from itself mid-run (status 137 from a shell). */
#include "tg.h"
#include <signal.h>
int main(void)
{
	char *a = calloc(64, 4096);
	tg_sync(1);
	tg_touch(a, 64, 1);
	tg_sync(2);
	printf("about to die\n");
	fflush(stdout);
	kill(getpid(), SIGKILL);
	return 0;
}
