/* fork_copy.c — a child forked from the managed program gets its own copy of the managed memory.
 * The child inherits the managed regions as MAP_SHARED views of our memfd (without their
 * userfaultfd registration), so it would share them with its parent and could fill holes of the
 * memfd. While the pager is held still (rt->lock, every far read collected), each of the child's
 * views is replaced, by calls injected in the child, with a fresh private anonymous mapping that
 * holds the pages as of the fork: resident pages read from the memfd, far pages read from the
 * far store, never-stored pages left as the kernel's zeros (not written, so not allocated).
 * Other threads of the parent may run meanwhile: its writable resident pages are write-protected
 * for the copy, so that their writes wait (their faults reach the pager, which waits for the
 * lock) and the child gets the memory of one instant, as fork gives it. */
#define _GNU_SOURCE
#include "fork_copy.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "remote.h"

#define CHUNK_PAGES 256 /* pages read from the memfd at a time */
#define FAR_WINDOW 64   /* far reads kept in flight */

typedef struct fc {
	rt *r;
	int pid, mem;
	uint64_t scratch;
	GQueue *deferred;
	int stashed[16];
	int nstashed;
	bool gone;
	int gone_status;
	uint8_t *buf;  /* CHUNK_PAGES pages read from the memfd */
	uint8_t *page; /* one page read from the far store */
	/* the segment being filled: far pages land at tmp + (key - key0) pages */
	uint64_t tmp, key0;
	GError *err;
} fc;

/* Runs ops in the child; *ret gets the last call's result. */
static bool call(fc *c, tpo_ops *ops, uint64_t *ret)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, c->pid, 0, &regs) < 0)
		return false;
	tpo_remote_status st = {.deferred = c->deferred};
	bool ok = tpo_remote_run(c->pid, c->mem, c->scratch, TPO_SCRATCH_CODE, ops, &regs, &regs, ret, &st);
	for (int k = 0; k < st.nstashed && c->nstashed < (int)G_N_ELEMENTS(c->stashed); k++)
		c->stashed[c->nstashed++] = st.stashed[k];
	if (st.gone) {
		c->gone = true;
		c->gone_status = st.exit_status;
	}
	return ok && !st.gone;
}

static bool call1(fc *c, long nr, int nargs, const uint64_t *a, uint64_t *ret)
{
	tpo_ops ops;
	tpo_ops_init(&ops);
	tpo_ops_syscall(&ops, nr, nargs, a);
	bool ok = call(c, &ops, ret);
	tpo_ops_free(&ops);
	return ok;
}

static void fail(fc *c, const char *what, uint64_t addr, int e)
{
	if (!c->err)
		c->err = g_error_new(TPO_RT_ERROR, 0, "giving forked process %d its copy of %#" PRIx64 ": %s: %s",
		                     c->pid, addr, what, g_strerror(e));
}

static bool all_zero(const uint8_t *p)
{
	static const uint8_t z[256];
	for (size_t k = 0; k < RT_PAGE; k += sizeof z)
		if (memcmp(p + k, z, sizeof z))
			return false;
	return true;
}

/* Collects one far read (waiting for it) into the child's segment. */
static bool far_collect(fc *c)
{
	uint64_t key;
	GError *e = NULL;
	int rc = tpo_far_read_done(c->r->far, &key, c->page, true, &e);
	if (rc < 0) {
		if (!c->err)
			c->err = e;
		else
			g_error_free(e);
		return false;
	}
	if (rc == 0 || all_zero(c->page))
		return true;
	uint64_t at = c->tmp + (key - c->key0) * RT_PAGE;
	if (!tpo_remote_write(c->mem, at, c->page, RT_PAGE)) {
		fail(c, "writing a far page", at, errno);
		return false;
	}
	return true;
}

/* Writes the non-zero pages of buf (n pages, for child addresses from `at`) into the child. */
static bool write_local(fc *c, const uint8_t *buf, size_t n, uint64_t at)
{
	for (size_t k = 0; k < n;) {
		if (all_zero(buf + k * RT_PAGE)) {
			k++;
			continue;
		}
		size_t m = k + 1;
		while (m < n && !all_zero(buf + m * RT_PAGE))
			m++;
		if (!tpo_remote_write(c->mem, at + k * RT_PAGE, buf + k * RT_PAGE, (m - k) * RT_PAGE)) {
			fail(c, "writing", at + k * RT_PAGE, errno);
			return false;
		}
		k = m;
	}
	return true;
}

/* Fills the child's fresh mapping at tmp with the pages of g's [a, b). */
static bool fill(fc *c, rt_region *g, uint64_t a, uint64_t b)
{
	rt *r = c->r;
	c->key0 = rt_key(g, a);
	for (uint64_t x = a; x < b; x += CHUNK_PAGES * RT_PAGE) {
		size_t n = (size_t)MIN((uint64_t)CHUNK_PAGES, (b - x) / RT_PAGE);
		off_t off = (off_t)(g->off + (x - g->start));
		ssize_t got = pread(r->memfd, c->buf, n * RT_PAGE, off);
		if (got != (ssize_t)(n * RT_PAGE)) {
			fail(c, "reading the memfd", x, got < 0 ? errno : EIO);
			return false;
		}
		for (size_t k = 0; k < n; k++) {
			size_t i = rt_idx(g, x + k * RT_PAGE);
			if (g->state[i] == RT_INFLIGHT) { /* cannot be, after the drain: never copy a guess */
				fail(c, "a page still on its way", x + k * RT_PAGE, EBUSY);
				return false;
			}
			if (g->state[i] != RT_FAR)
				continue;
			/* not local: the memfd has a hole there (zeros); the far store may hold it */
			uint64_t key = rt_key(g, x + k * RT_PAGE);
			if (!tpo_far_holds(r->far, key))
				continue;
			while (tpo_far_reads_pending(r->far) >= FAR_WINDOW)
				if (!far_collect(c))
					return false;
			GError *e = NULL;
			if (!tpo_far_read_start(r->far, key, &e)) {
				if (!c->err)
					c->err = e;
				else
					g_error_free(e);
				return false;
			}
		}
		if (!write_local(c, c->buf, n, c->tmp + (x - a)))
			return false;
	}
	while (tpo_far_reads_pending(r->far))
		if (!far_collect(c))
			return false;
	return true;
}

/* Replaces the child's view [a, b) of region g (protection prot) by a private copy. */
static bool copy_segment(fc *c, rt_region *g, uint64_t a, uint64_t b, int prot)
{
	uint64_t len = b - a, tmp = 0;
	uint64_t a_map[6] = {0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0};
	if (!call1(c, SYS_mmap, 6, a_map, &tmp))
		return false;
	if (tmp > (uint64_t)-4096) {
		fail(c, "mmap", a, -(int)(int64_t)tmp);
		return false;
	}
	c->tmp = tmp;
	if (!fill(c, g, a, b))
		return false;
	tpo_ops ops;
	tpo_ops_init(&ops);
	if (prot != (PROT_READ | PROT_WRITE))
		tpo_ops_protect(&ops, tmp, tmp + len, (uint32_t)prot);
	uint64_t a_move[5] = {tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, a}, got = 0;
	tpo_ops_syscall(&ops, SYS_mremap, 5, a_move);
	bool ok = call(c, &ops, &got);
	tpo_ops_free(&ops);
	if (ok && got != a) {
		fail(c, "mremap", a, got > (uint64_t)-4096 ? -(int)(int64_t)got : EFAULT);
		return false;
	}
	return ok;
}

static int parse_prot(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* Every mapping of the child that lies in a managed region, one segment per VMA (the program may
 * have changed protections of parts, or kept parts from the child with MADV_DONTFORK). */
static bool copy_regions(fc *c)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", c->pid);
	FILE *f = fopen(path, "re");
	if (!f) {
		fail(c, "reading its maps", 0, errno);
		return false;
	}
	typedef struct seg_t {
		uint64_t start, end;
		int prot;
	} seg_t;
	GArray *segs = g_array_new(FALSE, FALSE, sizeof(seg_t));
	char line[512];
	while (fgets(line, sizeof line, f)) {
		uint64_t s, e;
		char perms[8];
		/* only shared views: a private mapping there is the child's own already */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &s, &e, perms) != 3 || perms[3] != 's')
			continue;
		seg_t seg = {s, e, parse_prot(perms)};
		g_array_append_val(segs, seg);
	}
	fclose(f);
	bool ok = true;
	for (guint k = 0; ok && k < segs->len; k++) {
		seg_t *seg = &g_array_index(segs, seg_t, k);
		for (guint j = 0; ok && j < c->r->regions->len; j++) {
			rt_region *g = &g_array_index(c->r->regions, rt_region, j);
			uint64_t a = MAX(seg->start, g->start), b = MIN(seg->end, g->end);
			if (a < b)
				ok = copy_segment(c, g, a, b, seg->prot);
		}
	}
	g_array_free(segs, TRUE);
	return ok;
}

/* Closes the child's copies of our memfd and userfaultfd (inherited if it forked while one was
 * open in the program, between an injected open and its close). */
static bool close_ours(fc *c)
{
	struct stat m, u;
	bool have_m = fstat(c->r->memfd, &m) == 0, have_u = c->r->uffd >= 0 && fstat(c->r->uffd, &u) == 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", c->pid);
	DIR *d = opendir(path);
	if (!d)
		return true;
	GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		char link[64] = "";
		if (have_u && st.st_dev == u.st_dev && st.st_ino == u.st_ino)
			readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
		/* (anon inodes may be one for many files: the uffd is known by its name too) */
		if ((have_m && st.st_dev == m.st_dev && st.st_ino == m.st_ino) || strstr(link, "userfaultfd")) {
			int fd = atoi(de->d_name);
			g_array_append_val(fds, fd);
		}
	}
	closedir(d);
	bool ok = true;
	for (guint k = 0; ok && k < fds->len; k++) {
		uint64_t a[1] = {(uint64_t)g_array_index(fds, int, k)};
		ok = call1(c, SYS_close, 1, a, NULL);
	}
	g_array_free(fds, TRUE);
	return ok;
}

/* A mapped page that may be written without a fault (not write-protected). */
static bool writable(const rt_region *g, size_t i)
{
	return g->state[i] == RT_MAPPED && !(g->flags[i] & RT_PF_CLEAN);
}

/* Write-protects (on) or write-enables (off) every writable mapped page of the parent, a run at
 * a time; their states do not change meanwhile (the lock is held). */
static bool freeze(rt *r, bool on)
{
	for (guint j = 0; j < r->regions->len; j++) {
		rt_region *g = &g_array_index(r->regions, rt_region, j);
		size_t n = rt_idx(g, g->end);
		for (size_t i = 0; i < n;) {
			if (!writable(g, i)) {
				i++;
				continue;
			}
			size_t m = i + 1;
			while (m < n && writable(g, m))
				m++;
			if (!rt_uffd_wp_range(r, g->start + i * RT_PAGE, (m - i) * RT_PAGE, on) && on) {
				rt_op_failed(r, "write-protecting for a fork", g->start + i * RT_PAGE);
				return false;
			}
			i = m;
		}
	}
	return true;
}

bool rt_fork_copy(rt *r, int child, uint64_t scratch, GQueue *deferred, bool others_run, bool *gone,
                  int *gone_status, GError **err)
{
	fc c = {.r = r, .pid = child, .scratch = scratch, .deferred = deferred};
	*gone = false;
	c.mem = tpo_remote_open_mem(child);
	if (c.mem < 0) {
		g_set_error(err, TPO_RT_ERROR, 0, "cannot open the memory of forked process %d: %s", child, g_strerror(errno));
		return false;
	}
	c.buf = g_malloc(CHUNK_PAGES * RT_PAGE);
	c.page = g_malloc(RT_PAGE);
	pthread_mutex_lock(&r->lock);
	/* the pager is between two pieces of work; let every far read it started land first, so
	 * that each page is either local (in the memfd) or far (in the store), never on its way */
	while (!r->failed && tpo_far_reads_pending(r->far))
		if (rt_collect(r, true) < 0)
			break;
	if (!r->failed)
		rt_run_flush(r); /* pages gathered for one UFFDIO_COPY: in the memfd from then on */
	bool frozen = others_run && !r->failed && freeze(r, true);
	bool ok = !r->failed && (frozen || !others_run) && copy_regions(&c) && close_ours(&c);
	if (frozen)
		freeze(r, false);
	pthread_mutex_unlock(&r->lock);
	close(c.mem);
	g_free(c.buf);
	g_free(c.page);
	for (int k = 0; k < c.nstashed && !c.gone; k++)
		syscall(SYS_tgkill, child, child, c.stashed[k]);
	if (c.gone) {
		*gone = true;
		*gone_status = c.gone_status;
		g_clear_error(&c.err);
		return false;
	}
	if (!ok) {
		if (c.err)
			g_propagate_error(err, c.err);
		else if (r->failed && r->far_error)
			g_set_error(err, TPO_RT_ERROR, 0, "%s", r->far_error->message);
		else
			g_set_error(err, TPO_RT_ERROR, 0, "cannot give forked process %d its copy of the managed memory", child);
		return false;
	}
	return true;
}
