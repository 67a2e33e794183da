/* test_sysbufs_uapi.c — sizeof of the kernel's own (UAPI) types by name, for test_sysbufs.c:
 * a file of its own because the UAPI headers clash with glibc's (struct stat, sigset_t). */
#include <asm/poll.h>
#include <asm/siginfo.h>
#include <asm/signal.h>
#include <asm/stat.h>
#include <asm/statfs.h>
#include <linux/eventpoll.h>
#include <linux/resource.h>
#include <linux/stat.h>
#include <linux/sysinfo.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/times.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <string.h>

#include "test_sysbufs.h"

#define T(x) {#x, sizeof(x)}
static const struct {
	const char *name;
	size_t size;
} types[] = {
	T(struct stat), T(struct statx), T(struct statfs), T(struct __kernel_timespec),
	T(struct __kernel_old_timeval), T(struct timezone), T(__kernel_old_time_t), T(__u32),
	T(struct pollfd), T(sigset_t), T(struct epoll_event), T(int), T(int[2]), T(struct rusage),
	T(siginfo_t), T(struct sigaction), T(stack_t), T(struct new_utsname), T(struct sysinfo),
	T(struct tms), T(struct rlimit), T(struct rlimit64), T(unsigned long), T(__kernel_loff_t),
	T(__kernel_uid32_t), T(__kernel_gid32_t), T(struct iovec),
};

long uapi_sizeof(const char *type)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(types[i].name, type))
			return (long)types[i].size;
	return -1;
}
