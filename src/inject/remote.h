/* remote.h — acting inside a stopped tracee: reading and writing its memory (even PROT_NONE
 * pages, through /proc/PID/mem) and running batches of system calls in it (ops.h). */
#ifndef TPO_REMOTE_H
#define TPO_REMOTE_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/user.h>
#include <glib.h>
#include "ops.h"

#define TPO_SCRATCH_SIZE (64 * 1024)
/* The last bytes of the scratch page are data the injected calls read and write. */
#define TPO_SCRATCH_DATA 256
#define TPO_SCRATCH_CODE (TPO_SCRATCH_SIZE - TPO_SCRATCH_DATA)
/* Before the data, one 16-byte stub per thread (tpo_remote_run_tail); code goes below them. */
#define TPO_SCRATCH_STUB_COUNT 512
#define TPO_SCRATCH_STUBS (TPO_SCRATCH_CODE - TPO_SCRATCH_STUB_COUNT * TPO_OPS_STUB_SIZE)

int tpo_remote_open_mem(int pid);
bool tpo_remote_read(int memfd, uint64_t addr, void *buf, size_t len);
bool tpo_remote_write(int memfd, uint64_t addr, const void *buf, size_t len);
/* From now on reads and writes of [addr, addr + len) through memfd are memory copies from and to
 * view, the tracer's own mapping of the same pages (scratch_share.c); view NULL: no longer. */
void tpo_remote_window(int memfd, uint64_t addr, void *view, size_t len);
/* Reads a NUL-terminated string of at most max bytes; returns its length or -1. */
long tpo_remote_strlen(int memfd, uint64_t addr, size_t max);

/* A wait status of another thread, collected while waiting for one. */
typedef struct tpo_deferred {
	int tid;
	int status;
} tpo_deferred;

/* The next wait status of any traced thread: one collected earlier (deferred) first, else
 * waitpid(-1, __WALL). Returns the tid, or -1 (errno set; EINTR: try again). */
int tpo_remote_next_status(GQueue *deferred, int *status);

/* What happened while a tracee ran injected code. */
typedef struct tpo_remote_status {
	int stashed[8];    /* signals that arrived meanwhile, to redeliver (0-terminated) */
	int nstashed;
	bool gone;         /* the tracee died; *exit_status holds its wait status */
	int exit_status;
	bool interrupted;  /* a PTRACE_INTERRUPT stop was passed over meanwhile */
	int prot_errno;    /* an mprotect of the batch failed with this errno (the last one), or 0 */
	uint64_t prot_addr; /* ... at this address */
	GQueue *deferred;  /* where stops of other threads seen meanwhile go (tpo_deferred), or NULL */
} tpo_remote_status;

/* Runs ops in thread tid, which is stopped with registers *regs, using code written at `code`
 * (the scratch page, or any executable address whose bytes may be clobbered: the caller restores
 * them). On success the thread is left stopped (at the trampoline's int3) with its registers set
 * to *resume, and *last_rax holds the result of the last call. Returns false if the thread died
 * or ptrace failed (st says which). */
bool tpo_remote_run(int tid, int memfd, uint64_t code, size_t code_cap, const tpo_ops *ops,
                    const struct user_regs_struct *regs, const struct user_regs_struct *resume,
                    uint64_t *last_rax, tpo_remote_status *st);

/* Runs ops in thread tid, stopped with registers *regs, as a batch with a tail (ops.h) that
 * returns through the thread's stub at `stub` to regs->rip: one register write instead of two,
 * and at the final stop only %rip is read. Returns 2 when the thread is left stopped in its stub
 * (resuming it returns to the program: nothing to restore); 1 when it is left stopped with *regs
 * (a protection change failed, st says which, or a signal arrived meanwhile); 0 when the batch is
 * too long for one run (nothing done: use tpo_remote_run); -1 when the thread died or ptrace
 * failed. */
int tpo_remote_run_tail(int tid, int memfd, uint64_t code, size_t code_cap, const tpo_ops *ops,
                        const struct user_regs_struct *regs, uint64_t stub, tpo_remote_status *st);
/* Writes the stubs into a newly mapped scratch page. */
bool tpo_remote_init_stubs(int memfd, uint64_t scratch);

/* Maps the scratch page in a thread's process by borrowing the bytes at its rip for a
 * `syscall; int3` gadget (restored afterwards). Returns the address or 0. */
uint64_t tpo_remote_map_scratch(int tid, int memfd, tpo_remote_status *st);

#endif
