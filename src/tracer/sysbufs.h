/* sysbufs.h — the tracer's knowledge of which user memory each system call reads or writes,
 * kept as data (the way strace keeps it): per call, what each argument points to. The table is
 * sysbufs.c; sysbufs_ranges.c turns a call's arguments into the buffer ranges it touches. */
#ifndef TPO_TRACER_SYSBUFS_H
#define TPO_TRACER_SYSBUFS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum tpo_sysarg_kind {
	TPO_SA_NONE = 0,   /* not a pointer the call reads or writes */
	TPO_SA_STR,        /* a NUL-terminated string (a path) */
	TPO_SA_STRV,       /* a NULL-terminated array of strings (argv, envp) */
	TPO_SA_FIXED,      /* one object of .size bytes (a kernel struct) */
	TPO_SA_LEN,        /* .len_arg's value in bytes */
	TPO_SA_LEN_RESULT, /* the same, of which the kernel touches what the call returns */
	TPO_SA_ARRAY,      /* .len_arg's value times .size bytes */
	TPO_SA_IOVEC,      /* an array of .len_arg iovecs; their data touched up to the result */
	TPO_SA_MSGHDR,     /* a struct msghdr: its name, control and iovecs (recvmsg, sendmsg) */
	TPO_SA_LENPTR,     /* as many bytes as the socklen_t at .len_arg holds (which is touched) */
	TPO_SA_FDSET,      /* an fd_set of as many bits as .len_arg (select's nfds) */
	TPO_SA_FUTEX,      /* .size bytes, for the futex ops that use this argument (futex_ops) */
	TPO_SA_KINDS
} tpo_sysarg_kind;

typedef struct tpo_sysarg {
	uint8_t kind;      /* tpo_sysarg_kind */
	uint8_t len_arg;   /* the argument holding the length or count */
	uint16_t size;     /* bytes of one object: sizeof the kernel's type */
	const char *type;  /* that type's name, for the unit test and messages */
} tpo_sysarg;

typedef struct tpo_syscall_bufs {
	int nr;            /* 0 in the table's empty slots (nr 0, read, is described) */
	const char *name;
	tpo_sysarg arg[6];
} tpo_syscall_bufs;

/* Indexed by system-call number; slots of calls not described have name NULL. */
extern const tpo_syscall_bufs tpo_syscall_table[];
extern const unsigned tpo_syscall_table_len;

/* The futex ops whose timeout (argument 3) or second futex word (argument 4) is a pointer. */
typedef struct tpo_futex_op {
	int op;            /* FUTEX_WAIT, ... (op & FUTEX_CMD_MASK) */
	const char *name;
	bool timeout, uaddr2;
} tpo_futex_op;
extern const tpo_futex_op tpo_futex_ops[];
extern const unsigned tpo_futex_ops_len;
extern const int tpo_futex_cmd_mask;

/* The table's entry for nr, or NULL. */
const tpo_syscall_bufs *tpo_syscall_lookup(long nr);
/* The futex op table's entry for a futex call's op argument, or NULL. */
const tpo_futex_op *tpo_futex_op_lookup(uint64_t op);

#endif
