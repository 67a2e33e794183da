/* uffd.c — the userfaultfd calls the runtime makes on the program's address space (the uffd was
 * created inside the program and copied to us with pidfd_getfd, so it acts on its memory). */
#define _GNU_SOURCE
#include "rt.h"

#include <errno.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#ifndef UFFDIO_CONTINUE_MODE_WP
#define UFFDIO_CONTINUE_MODE_WP ((__u64)1 << 1) /* Linux 6.3; older headers lack it */
#endif

#define NEEDED_FEATURES (UFFD_FEATURE_MISSING_SHMEM | UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_WP_HUGETLBFS_SHMEM)

bool rt_uffd_api(rt *r, GError **err)
{
	struct uffdio_api api = {.api = UFFD_API, .features = NEEDED_FEATURES};
	if (ioctl(r->uffd, UFFDIO_API, &api) < 0 || (api.features & NEEDED_FEATURES) != NEEDED_FEATURES) {
		struct utsname u;
		uname(&u);
		g_set_error(err, TPO_RT_ERROR, 0,
		            "this kernel (Linux %s) lacks the userfaultfd features the runtime needs: faults on "
		            "missing and present shared-memory pages and write-protection of them "
		            "(Linux 5.19 or later)",
		            u.release);
		return false;
	}
	r->uffd_features = api.features;
	return true;
}

bool rt_uffd_register(rt *r, uint64_t start, uint64_t end, GError **err)
{
	struct uffdio_register reg = {
		.range = {.start = start, .len = end - start},
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_MINOR | UFFDIO_REGISTER_MODE_WP,
	};
	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg) < 0) {
		g_set_error(err, TPO_RT_ERROR, 0, "userfaultfd register of %#" G_GINT64_MODIFIER "x-%#" G_GINT64_MODIFIER "x: %s",
		            (guint64)start, (guint64)end, g_strerror(errno));
		return false;
	}
	return true;
}

/* Places src at addr (a new page of the memfd, mapped), waking a thread waiting on it. */
int rt_uffd_copy(rt *r, uint64_t addr, const void *src, bool wp)
{
	struct uffdio_copy c = {.dst = addr, .src = (uint64_t)(uintptr_t)src, .len = RT_PAGE,
	                        .mode = wp ? UFFDIO_COPY_MODE_WP : 0};
	if (ioctl(r->uffd, UFFDIO_COPY, &c) == 0)
		return 1;
	return errno == EEXIST ? 0 : -1; /* EEXIST: someone mapped it meanwhile */
}

/* Places n pages from src at addr (new pages of the memfd, mapped) in one call: 1 all done, 0 it
 * stopped early (a page mapped meanwhile, or a signal), -1 error (errno); *done: pages placed. */
int rt_uffd_copy_run(rt *r, uint64_t addr, const void *src, size_t n, bool wp, int64_t *done)
{
	struct uffdio_copy c = {.dst = addr, .src = (uint64_t)(uintptr_t)src, .len = n * RT_PAGE,
	                        .mode = wp ? UFFDIO_COPY_MODE_WP : 0};
	int rc = ioctl(r->uffd, UFFDIO_COPY, &c);
	*done = c.copy > 0 ? c.copy / (int64_t)RT_PAGE : 0;
	if (rc == 0 && *done == (int64_t)n)
		return 1;
	return rc == 0 || errno == EEXIST || errno == EAGAIN ? 0 : -1;
}

/* Maps the page already in the memfd at addr, waking whoever waits for it. */
int rt_uffd_continue(rt *r, uint64_t addr, bool wp)
{
	for (;;) {
		struct uffdio_continue c = {.range = {.start = addr, .len = RT_PAGE},
		                            .mode = wp && !r->no_continue_wp ? UFFDIO_CONTINUE_MODE_WP : 0};
		if (ioctl(r->uffd, UFFDIO_CONTINUE, &c) == 0)
			return 1;
		if (errno == EINVAL && c.mode) {
			r->no_continue_wp = true;
			continue;
		}
		if (errno == EEXIST) {
			rt_uffd_wake(r, addr);
			return 0;
		}
		return -1;
	}
}

bool rt_uffd_wp(rt *r, uint64_t addr, bool on)
{
	return rt_uffd_wp_range(r, addr, RT_PAGE, on);
}

bool rt_uffd_wp_range(rt *r, uint64_t addr, uint64_t len, bool on)
{
	struct uffdio_writeprotect w = {.range = {.start = addr, .len = len},
	                                .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
	return ioctl(r->uffd, UFFDIO_WRITEPROTECT, &w) == 0;
}

void rt_uffd_wake(rt *r, uint64_t addr)
{
	struct uffdio_range w = {.start = addr, .len = RT_PAGE};
	ioctl(r->uffd, UFFDIO_WAKE, &w);
}
