/* dgram.c — datagrams sent and received from traced buffers (sendto/recvfrom, sendmsg/recvmsg). */
#include "tg.h"
#include <sys/socket.h>
int main(void)
{
	int sv[2];
	TG_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	char *out = malloc(3000), *in = calloc(1, 4096);
	for (int i = 0; i < 3000; i++)
		out[i] = (char)(i * 3);
	tg_sync(1);
	long s = 0;
	for (int k = 0; k < 50; k++) {
		TG_CHECK(sendto(sv[0], out, 1000 + (size_t)k, 0, NULL, 0) == 1000 + k);
		TG_CHECK(recvfrom(sv[1], in, 4096, 0, NULL, NULL) == 1000 + k);
		s += (long)tg_sum(in, 1000 + (size_t)k) & 0xffff;
		if (k == 25)
			tg_sync(2);
	}
	printf("sum %ld\n", s);
	return 0;
}
