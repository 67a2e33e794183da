/* scratch_share.c — the scratch page as a memfd mapped both in the program and in the tracer, so
 * writing a fault's batch is a memory copy into the tracer's view (remote.c's windows) instead of a
 * pwrite to /proc/PID/mem: a system call and a walk of the program's page tables less per fault.
 * The memfd's descriptor lives in the program only during the setup stop (it is closed before the
 * program runs again). When the kernel refuses any step, or the program runs under a seccomp
 * filter (which might kill it for a memfd_create), the caller maps a private page instead. */
#include "tracer.h"

#include <linux/memfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BORROWED 128   /* bytes at the thread's rip lent to the setup calls, then put back */
#define CODE_CAP 96    /* of which code; the memfd's name after it */

static bool call(int tid, int memfd, uint64_t at, const struct user_regs_struct *regs, long nr, int nargs,
                 const uint64_t *a, uint64_t *result, tpo_remote_status *st)
{
	tpo_ops ops;
	tpo_ops_init(&ops);
	tpo_ops_syscall(&ops, nr, nargs, a);
	bool ok = tpo_remote_run(tid, memfd, at, CODE_CAP, &ops, regs, regs, result, st);
	tpo_ops_free(&ops);
	return ok && *result < (uint64_t)-4095;
}

/* The tracer's own descriptor for the program's descriptor fd. */
static int fd_of_program(int pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	int ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	return ours;
}

/* Does the process run under a seccomp filter (or is its status unreadable)? */
static bool filtered(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return true;
	bool yes = true;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Seccomp:", 8)) {
			yes = strtol(line + 8, NULL, 10) != 0;
			break;
		}
	fclose(f);
	return yes;
}

bool tpo_scratch_share(int tid, tpo_proc *p, tpo_remote_status *st)
{
	if (filtered(p->pid))
		return false;
	struct user_regs_struct regs;
	uint8_t saved[BORROWED];
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0 || !tpo_remote_read(p->memfd, regs.rip, saved, sizeof saved))
		return false;
	static const char name[] = "3po-scratch";
	_Static_assert(CODE_CAP + sizeof name <= BORROWED, "the name fits in the borrowed bytes");
	uint64_t at = regs.rip, name_at = at + CODE_CAP, fd = (uint64_t)-1, addr = (uint64_t)-1, r;
	void *view = MAP_FAILED;
	if (tpo_remote_write(p->memfd, name_at, name, sizeof name) &&
	    call(tid, p->memfd, at, &regs, SYS_memfd_create, 2, (uint64_t[]){name_at, MFD_CLOEXEC}, &fd, st)) {
		int ours = -1;
		if (call(tid, p->memfd, at, &regs, SYS_ftruncate, 2, (uint64_t[]){fd, TPO_SCRATCH_SIZE}, &r, st) &&
		    call(tid, p->memfd, at, &regs, SYS_mmap, 6,
		         (uint64_t[]){0, TPO_SCRATCH_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, fd, 0}, &addr, st) &&
		    (ours = fd_of_program(p->pid, (int)fd)) >= 0)
			view = mmap(NULL, TPO_SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ours, 0);
		if (ours >= 0)
			close(ours);
		if (!st->gone)
			call(tid, p->memfd, at, &regs, SYS_close, 1, (uint64_t[]){fd}, &r, st);
		if (view == MAP_FAILED && addr < (uint64_t)-4095 && !st->gone)
			call(tid, p->memfd, at, &regs, SYS_munmap, 2, (uint64_t[]){addr, TPO_SCRATCH_SIZE}, &r, st);
	}
	if (!st->gone)
		tpo_remote_write(p->memfd, at, saved, sizeof saved);
	if (view == MAP_FAILED)
		return false;
	p->scratch = addr;
	p->scratch_view = view;
	tpo_remote_window(p->memfd, addr, view, TPO_SCRATCH_SIZE);
	return true;
}

void tpo_scratch_unshare(tpo_proc *p)
{
	if (!p->scratch_view)
		return;
	tpo_remote_window(p->memfd, p->scratch, NULL, 0);
	munmap(p->scratch_view, TPO_SCRATCH_SIZE);
	p->scratch_view = NULL;
}
