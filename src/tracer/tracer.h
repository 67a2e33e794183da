/* tracer.h — the supervisor's state: traced processes (address spaces), their threads, and the
 * options of a tracing session. Shared by the tracer's source files; not a public API. */
#ifndef TPO_TRACER_H
#define TPO_TRACER_H

#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <glib.h>

#include "tpo/trace.h"
#include "tpo/tracer.h"
#include "ops.h"
#include "region_table.h"
#include "remote.h"

#define TPO_PTRACE_OPTIONS (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | \
                            PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC)

#define TPO_PAGE 4096ull
#define TPO_PAGE_DOWN(a) ((uint64_t)(a) & ~(TPO_PAGE - 1))
#define TPO_PAGE_UP(a) (((uint64_t)(a) + TPO_PAGE - 1) & ~(TPO_PAGE - 1))

typedef struct tpo_range {
	uint64_t start, end;
	int tid;
} tpo_range;

/* One address space: a traced process (and any vfork child sharing it). */
typedef struct tpo_proc {
	int pid;
	int memfd;
	int refs;              /* threads using it */
	bool main;             /* the process the session is about (its exit status is ours) */
	tpo_region_table regions;
	uint64_t scratch;      /* our code page in it, 0 until mapped */
	void *scratch_view;    /* the same page mapped in the tracer (scratch_share.c), or NULL */
	uint64_t brk;          /* current program break, 0 until known */
	GArray *ms;            /* the microset: pages in first-touch order */
	GHashTable *ms_set;    /* the same pages, for lookup */
	GArray *pins;          /* tpo_range: buffers made accessible for in-flight system calls */
	bool segv_tracked;     /* the program installed its own SIGSEGV action ... */
	uint8_t segv_act[32];  /* ... this one (struct kernel_sigaction) */
	struct unw_addr_space *unw_as; /* libunwind's view of it (--callchain), NULL until needed */
	uint64_t stubs_used[TPO_SCRATCH_STUB_COUNT / 64]; /* stubs in the scratch page taken by threads */
} tpo_proc;

typedef struct tpo_thread {
	int tid;
	tpo_proc *proc;
	bool in_syscall;       /* between syscall-entry and syscall-exit stops */
	bool vfork_child;      /* shares the parent's memory until it execs or exits */
	long nr;               /* current system call and its arguments */
	uint64_t args[6];
	uint8_t new_act[32];    /* rt_sigaction(SIGSEGV, act) in flight */
	bool new_act_valid;
	int restarts;          /* EFAULT restarts of the current call */
	bool pinned;           /* this thread has entries in proc->pins */
	uint64_t last_fault_rip, last_fault_page;
	struct user_regs_struct last_regs; /* at the last fault */
	int repairs;           /* consecutive repairs of the same stale fault */
	GArray *evicted;       /* pages this thread's last fault evicted from the microset */
	int pending_sig;       /* signal to deliver on next resume */
	bool parked;           /* stopped for a detach */
	int park_sig;          /* signal to deliver when detaching from that stop */
	int stub;              /* 1 + its stub's index in the scratch page, 0 if none yet */
	bool in_tail;          /* resumed in its stub (a batch's end), maybe still there ... */
	uint64_t tail_rip;     /* ... whence it jumps back to this address */
} tpo_thread;

typedef struct tpo_tracer {
	tpo_trace_options opt;
	tpo_trace_writer *w;
	GHashTable *threads;   /* tid -> tpo_thread* */
	GHashTable *procs;     /* pid -> tpo_proc* */
	GHashTable *orphans;   /* tids that stopped before their parent's clone event */
	GQueue deferred;       /* wait statuses collected while waiting for one thread */
	int main_pid;
	int main_status;
	bool main_done;
	uint64_t t0_ns;
	tpo_trace_footer tot;
	tpo_ops ops;           /* scratch batch */
	GError *error;         /* first fatal trace-writing error */
	struct {               /* flusher.c */
		bool on, stop;
		bool idle;           /* no event was waiting to be written when the lock was taken */
		pthread_t thread;
		pthread_mutex_t mu;
		pthread_cond_t cv;   /* a chunk started, or stop */
		GError *error;       /* a write of the flusher's failed */
	} flusher;
	volatile sig_atomic_t *stop_requested; /* set (by a signal handler) to detach */
	bool detaching;        /* every thread was asked to stop */
	bool attached;         /* 3po-attach: the program was running before us and must outlive us */
	bool map_limit_hit;    /* a protection change failed at vm.max_map_count (maplimit.c) */
	bool killed;           /* we killed the program after a fatal error */
	uint64_t syscall_stops, pins_made, restarts, stale_faults;
} tpo_tracer;

uint64_t tpo_now_ns(void);

/* The end of a session (events.c): the footer's end reason, exit status and duration, and res's
 * status, footer and counters, from t. */
void tpo_tr_end_result(tpo_tracer *t, tpo_trace_result *res, uint32_t end_reason);

/* trace events (tracer.c) */
void tpo_tr_emit(tpo_tracer *t, const tpo_event *ev);
void tpo_tr_emit_region(tpo_tracer *t, int tid, const tpo_region *r);
void tpo_tr_emit_unmap(tpo_tracer *t, int tid, uint64_t s, uint64_t e);
void tpo_tr_record_access(tpo_tracer *t, tpo_thread *th, uint64_t page, uint64_t ip,
                          const uint64_t *chain, uint32_t depth);
/* The flusher (flusher.c): a thread that writes the trace's pending events once they are half a
 * second old, so a SIGKILLed tracer loses at most that much even while the program runs without
 * faulting. Between start and stop, the writer is used only between lock and unlock; unlock
 * hands over (into *err, replacing what is there) the error of a write the flusher made. */
void tpo_flusher_start(tpo_tracer *t);
void tpo_flusher_lock(tpo_tracer *t);
void tpo_flusher_unlock(tpo_tracer *t, GError **err);
void tpo_flusher_stop(tpo_tracer *t);

/* the address-space model (proc.c) */
tpo_proc *tpo_proc_new(tpo_tracer *t, int pid);
void tpo_proc_unref(tpo_tracer *t, tpo_proc *p);
bool tpo_proc_accessible(const tpo_proc *p, uint64_t page);
bool tpo_proc_protected(const tpo_proc *p, uint64_t page); /* traced and PROT_NONE by us */
void tpo_proc_resync(tpo_proc *p, uint64_t start, uint64_t end, tpo_ops *ops);
void tpo_proc_flush_microset(tpo_tracer *t, tpo_proc *p, tpo_ops *ops, GArray *evicted);
void tpo_proc_forget(tpo_proc *p, uint64_t start, uint64_t end); /* munmap: drop microset/pins */
void tpo_proc_move_pages(tpo_proc *p, uint64_t old, uint64_t len, uint64_t new_start);
void tpo_proc_unpin(tpo_proc *p, int tid, tpo_ops *ops);
/* Restores the program's own protections everywhere (fork child, detach). */
void tpo_proc_untrace_ops(tpo_proc *p, tpo_ops *ops);
/* Loads /proc/PID/maps, maps the scratch page, emits regions, protects every traced page. */
bool tpo_proc_setup(tpo_tracer *t, tpo_proc *p, tpo_thread *th);
/* The two halves of tpo_proc_setup: maps + scratch page; then regions logged and protected. */
bool tpo_proc_prepare(tpo_tracer *t, tpo_proc *p, tpo_thread *th);
bool tpo_proc_protect_all(tpo_tracer *t, tpo_proc *p, tpo_thread *th);

/* the supervisor's core (tracer.c) */
void tpo_tr_init(tpo_tracer *t, const tpo_trace_options *opt);
void tpo_tr_free(tpo_tracer *t);
tpo_thread *tpo_tr_thread_new(tpo_tracer *t, int tid, tpo_proc *p);
void tpo_tr_thread_free(tpo_tracer *t, tpo_thread *th);
void tpo_tr_thread_gone(tpo_tracer *t, tpo_thread *th, int status);
void tpo_tr_resume(tpo_thread *th, int sig);
/* Runs until no thread is left, or (after *stop_requested, or a trace write error in t->error)
 * until every thread is parked. */
void tpo_tr_event_loop(tpo_tracer *t);
/* Every thread is parked (the event loop returned with threads left): restores the program's
 * protections, removes the scratch page, and detaches from every thread (attach.c). */
void tpo_tr_detach_all(tpo_tracer *t);
/* The scratch page shared with the tracer (scratch_share.c): maps it in thread tid's process and
 * sets p->scratch and p->scratch_view; false (nothing left behind) if the kernel refuses. */
bool tpo_scratch_share(int tid, tpo_proc *p, tpo_remote_status *st);
/* Drops the tracer's view of it (the program's mapping is gone or going). */
void tpo_scratch_unshare(tpo_proc *p);
/* Unmaps the scratch page, running the munmap from bytes borrowed at the thread's rip. */
void tpo_tr_remove_scratch(int tid, tpo_proc *p, const struct user_regs_struct *regs, tpo_remote_status *st);

/* running a batch in a stopped thread, then leaving it stopped with regs (tracer.c) */
bool tpo_tr_run_ops(tpo_tracer *t, tpo_thread *th, const tpo_ops *ops,
                    const struct user_regs_struct *regs, const struct user_regs_struct *resume);

/* The same for a batch run where the program's registers are *regs and stay so: the batch puts
 * them back itself (tpo_remote_run_tail) when it can, which saves a register write per fault. */
bool tpo_tr_run_ops_tail(tpo_tracer *t, tpo_thread *th, const tpo_ops *ops, const struct user_regs_struct *regs);
/* A thread stopped (other than at a fault or system call) right after such a batch may still be
 * in its stub: put it back at the program's instruction, where a signal handler or a detach can
 * take it. Any stop will do; a no-op unless th->in_tail. */
void tpo_tr_leave_tail(tpo_thread *th);

/* maplimit.c: one of our mprotects failed with err at addr; at vm.max_map_count, the run ends
 * (t->error set; 3po-run kills the program, 3po-attach detaches). */
void tpo_tr_protect_failed(tpo_tracer *t, tpo_proc *p, int err, uint64_t addr);

/* the program's own SIGSEGV action (sigsegv.c) */
void tpo_segv_syscall_entry(tpo_thread *th);
void tpo_segv_syscall_exit(tpo_thread *th, bool failed);
void tpo_segv_add_probe(tpo_proc *p, tpo_ops *ops);
void tpo_segv_repair(tpo_tracer *t, tpo_thread *th);
void tpo_segv_delivered(tpo_proc *p);

/* faults (fault.c): returns true if the SIGSEGV was ours (handled), false to deliver it */
bool tpo_fault_handle(tpo_tracer *t, tpo_thread *th, const siginfo_t *si);
/* Is a SIGSEGV of a fault on a page we trace queued for th, not yet dequeued (th is stopped)? */
bool tpo_fault_queued(tpo_thread *th);

/* call chains (callchain.c): unwinds stopped thread tid of p into ips (innermost first, the
 * faulting ip at [0]); returns how many (0 on any failure). */
#define TPO_CHAIN_MAX 64
unsigned tpo_callchain(tpo_proc *p, int tid, uint64_t *ips, unsigned max);
void tpo_callchain_flush(tpo_proc *p); /* the mappings changed (exec, munmap) */
void tpo_callchain_free(tpo_proc *p);

/* system calls (syscalls.c): handle a syscall stop; may run ops; returns false if th died */
bool tpo_syscall_stop(tpo_tracer *t, tpo_thread *th);

/* which user memory a system call touches (sysbufs.c) */
typedef struct tpo_sysbuf {
	uint64_t start, end;
	bool by_result;   /* only [start, start + result - skip) is really touched */
	uint64_t skip;    /* with by_result: the bytes of the result that went to earlier iovecs */
} tpo_sysbuf;
/* Appends the buffers of syscall nr(args) to out (tpo_sysbuf); reads nested structures via memfd.
 * Returns false for a call we have no description of. */
bool tpo_sysbufs(long nr, const uint64_t *args, int memfd, GArray *out);
/* Ranges the kernel writes asynchronously after this call (rseq, robust lists, ...). */
bool tpo_sys_excluded(long nr, const uint64_t *args, int memfd, uint64_t *start, uint64_t *end);

#endif
