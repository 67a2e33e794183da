/* far_file.c — the "file:PATH[?keep]" far memory: pages in a file (or a block device) on local
 * flash, read and written with O_DIRECT through io_uring, many operations in flight and their
 * submissions batched (one io_uring_enter for up to BATCH of them, or at the next collection).
 *
 * Without keep the runtime creates PATH (it must not exist), grows it GROW_PAGES at a time with
 * fallocate (in smaller steps when the disk is nearly full, to use it to the last page) and
 * removes it at the end; with keep PATH must exist and is used as it is: its size is the
 * capacity, and it is left in place.
 *
 * Every write goes to a free slot of the file (the key's old slot is freed once no read of it
 * is in flight), so reads started before a write still read the old page, and no two writes
 * in flight ever share a slot. A read of a page whose write is still in flight is served from
 * that write's buffer. Each slot's checksum is kept here: a page read back is compared with it.
 * A full disk, a removed or truncated file, a failed or short read or write, or a page that
 * reads back other than written loses the store (TPO_FAR_ERROR_LOST, naming PATH): never wrong
 * data. */
#define _GNU_SOURCE
#include "far_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define QD 256                  /* ring entries: operations in the kernel at once */
#define BATCH 32                /* operations prepared before a submission is forced */
#define GROW_PAGES 4096u        /* the file grows 16 MiB at a time */
#define WAIT_TIMEOUT_S 30       /* no completion for this long: the device is gone */
#define CHECK_NS 10000000u      /* fstat the file (removed? truncated?) at most every 10 ms */

enum { OP_READ, OP_WRITE, OP_ZERO };

typedef struct file_op {
	uint8_t kind;
	bool done;
	int res;
	uint32_t slot;
	uint64_t key, sum;     /* sum: the page's checksum when it was written */
	unsigned char *buf;    /* one page, aligned for O_DIRECT */
	struct file_op *next;  /* in the queue of operations waiting for a ring entry */
} file_op;

typedef struct {
	uint64_t sum;
	uint32_t refs;      /* reads of it not yet completed */
	bool live;          /* holds a key's current page */
	file_op *writing;   /* its write, until completed */
} file_slot;

typedef struct {
	tpo_far base;
	char *path;
	bool keep, blk;
	int fd;
	struct io_uring ring;
	bool ring_ok;
	unsigned in_kernel, prepared;      /* submitted and not completed; prepared, not submitted */
	file_op *wait_head, *wait_tail;    /* waiting for room in the ring */
	file_op **reads;                   /* ring of reads in the order started */
	size_t r_cap, r_head, r_len;
	file_slot *slots;                  /* nslots of them, room for slots_cap */
	uint32_t nslots, slots_cap, cap;   /* cap: the slots the file has room for */
	GArray *free_slots;                /* uint32_t */
	GPtrArray *free_bufs;
	uint64_t last_check;
} far_file;

#define SLOT_OF(v) ((uint32_t)(GPOINTER_TO_SIZE(v) - 1))
#define SLOT_VALUE(s) GSIZE_TO_POINTER((gsize)(s) + 1)

static unsigned char *buf_get(far_file *ff)
{
	if (ff->free_bufs->len)
		return g_ptr_array_steal_index_fast(ff->free_bufs, ff->free_bufs->len - 1);
	void *p = NULL;
	if (posix_memalign(&p, TPO_FAR_PAGE, TPO_FAR_PAGE) != 0)
		g_error("out of memory");
	return p;
}

static void buf_put(far_file *ff, unsigned char *b)
{
	if (b)
		g_ptr_array_add(ff->free_bufs, b);
}

static void op_free(far_file *ff, file_op *op)
{
	buf_put(ff, op->buf);
	g_free(op);
}

/* A slot no key holds and no operation uses is free again. */
static void slot_maybe_free(far_file *ff, uint32_t s)
{
	file_slot *sl = &ff->slots[s];
	if (!sl->live && !sl->refs && !sl->writing)
		g_array_append_val(ff->free_slots, s);
}

static void slot_release(far_file *ff, uint32_t s)
{
	ff->slots[s].live = false;
	slot_maybe_free(ff, s);
}

/* Is the file still ours and whole? (fstat, at most every CHECK_NS unless force) */
static bool check_file_now(far_file *ff, bool force, GError **err)
{
	uint64_t now = tpo_far_now_ns();
	if (ff->blk || (!force && now - ff->last_check < CHECK_NS))
		return true;
	ff->last_check = now;
	struct stat st;
	if (fstat(ff->fd, &st) < 0) {
		tpo_far_lose(&ff->base, err, "far file %s: %s", ff->path, g_strerror(errno));
		return false;
	}
	if (st.st_nlink == 0) {
		tpo_far_lose(&ff->base, err, "far file %s was removed while in use", ff->path);
		return false;
	}
	if ((uint64_t)st.st_size < (uint64_t)ff->cap * TPO_FAR_PAGE) {
		tpo_far_lose(&ff->base, err, "far file %s was truncated while in use (to %lld bytes; %llu expected)",
			     ff->path, (long long)st.st_size, (unsigned long long)ff->cap * TPO_FAR_PAGE);
		return false;
	}
	return true;
}

static bool check_file(far_file *ff, GError **err)
{
	return check_file_now(ff, false, err);
}

/* Submits what is prepared: false (the store lost) on an error. */
static bool submit(far_file *ff, GError **err)
{
	while (ff->prepared) {
		int r = io_uring_submit(&ff->ring);
		if (r == -EINTR || r == -EAGAIN || r == -EBUSY)
			continue;
		if (r < 0) {
			tpo_far_lose(&ff->base, err, "far file %s: io_uring submission failed: %s", ff->path,
				     g_strerror(-r));
			return false;
		}
		ff->in_kernel += (unsigned)r;
		ff->prepared -= (unsigned)r;
	}
	return true;
}

/* Gives op a ring entry (there is room: in_kernel + prepared < QD). */
static bool prep(far_file *ff, file_op *op, GError **err)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ff->ring);
	if (!sqe) {
		if (!submit(ff, err))
			return false;
		sqe = io_uring_get_sqe(&ff->ring);
	}
	off_t off = (off_t)op->slot * TPO_FAR_PAGE;
	if (op->kind == OP_READ)
		io_uring_prep_read(sqe, ff->fd, op->buf, TPO_FAR_PAGE, (uint64_t)off);
	else
		io_uring_prep_write(sqe, ff->fd, op->buf, TPO_FAR_PAGE, (uint64_t)off);
	io_uring_sqe_set_data(sqe, op);
	ff->prepared++;
	return ff->prepared < BATCH || submit(ff, err);
}

/* Gives op a ring entry, or queues it (after those waiting) until one is free. */
static bool push(far_file *ff, file_op *op, GError **err)
{
	if (ff->wait_head || ff->in_kernel + ff->prepared >= QD) {
		op->next = NULL;
		if (ff->wait_tail)
			ff->wait_tail->next = op;
		else
			ff->wait_head = op;
		ff->wait_tail = op;
		return true;
	}
	return prep(ff, op, err);
}

static void complete(far_file *ff, file_op *op, GError **err)
{
	file_slot *sl = &ff->slots[op->slot];
	if (op->kind == OP_READ) {
		op->done = true;
		sl->refs--;
		slot_maybe_free(ff, op->slot);
		return;
	}
	if (op->res != (int)TPO_FAR_PAGE) {
		if (op->res == -ENOSPC)
			tpo_far_lose(&ff->base, err, "far file %s: no space left on device", ff->path);
		else if (op->res < 0)
			tpo_far_lose(&ff->base, err, "far file %s: writing a page failed: %s", ff->path,
				     g_strerror(-op->res));
		else
			tpo_far_lose(&ff->base, err, "far file %s: a page write stopped after %d bytes",
				     ff->path, op->res);
	}
	sl->writing = NULL;
	slot_maybe_free(ff, op->slot);
	op_free(ff, op);
}

/* Takes the completions there are (no system call), then gives waiting operations the ring
 * entries freed. False if the store is lost. */
static bool drain(far_file *ff, GError **err)
{
	struct io_uring_cqe *cqe;
	while (io_uring_peek_cqe(&ff->ring, &cqe) == 0) {
		file_op *op = io_uring_cqe_get_data(cqe);
		op->res = cqe->res;
		io_uring_cqe_seen(&ff->ring, cqe);
		ff->in_kernel--;
		complete(ff, op, err);
		if (ff->base.lost)
			return false;
	}
	while (ff->wait_head && ff->in_kernel + ff->prepared < QD) {
		file_op *op = ff->wait_head;
		ff->wait_head = op->next;
		if (!ff->wait_head)
			ff->wait_tail = NULL;
		if (!prep(ff, op, err))
			return false;
	}
	return true;
}

/* Submits what is prepared, waits up to WAIT_TIMEOUT_S for a completion if wait, and drains
 * (submitting what draining let in). False if the store is lost. */
static bool reap(far_file *ff, bool wait, GError **err)
{
	if (!submit(ff, err))
		return false;
	struct io_uring_cqe *cqe;
	if (wait && ff->in_kernel) {
		struct __kernel_timespec ts = { .tv_sec = WAIT_TIMEOUT_S };
		int r;
		do
			r = io_uring_wait_cqe_timeout(&ff->ring, &cqe, &ts);
		while (r == -EINTR);
		if (r == -ETIME) {
			tpo_far_lose(&ff->base, err, "far file %s: no answer from the device for %d s", ff->path,
				     WAIT_TIMEOUT_S);
			return false;
		}
		if (r < 0) {
			tpo_far_lose(&ff->base, err, "far file %s: waiting for io_uring: %s", ff->path,
				     g_strerror(-r));
			return false;
		}
	}
	return drain(ff, err) && submit(ff, err);
}

/* A free slot, the file grown if need be. */
static bool slot_alloc(far_file *ff, uint32_t *s, GError **err)
{
	/* full: writes in flight may free slots (of pages rewritten or discarded since) */
	while (!ff->free_slots->len && ff->nslots == ff->cap && ff->keep &&
	       (ff->in_kernel || ff->prepared || ff->wait_head))
		if (!reap(ff, true, err))
			return false;
	if (ff->free_slots->len) {
		*s = g_array_index(ff->free_slots, uint32_t, ff->free_slots->len - 1);
		g_array_set_size(ff->free_slots, ff->free_slots->len - 1);
		return true;
	}
	if (ff->nslots == ff->cap) {
		if (ff->keep || ff->cap > UINT32_MAX - GROW_PAGES) {
			tpo_far_lose(&ff->base, err, "far file %s is full (%u pages; use a larger one)", ff->path,
				     ff->cap);
			return false;
		}
		/* a nearly full disk is used to its last page: smaller steps until one fits */
		uint32_t step = GROW_PAGES;
		int r;
		while ((r = fallocate(ff->fd, 0, (off_t)ff->cap * TPO_FAR_PAGE, (off_t)step * TPO_FAR_PAGE)) < 0 &&
		       errno == ENOSPC && step > 1)
			step /= 2;
		if (r < 0 && errno == ENOSPC) {
			tpo_far_lose(&ff->base, err, "far file %s: no space left on device (%u pages stored)",
				     ff->path, ff->cap);
			return false;
		}
		if (r < 0) {
			tpo_far_lose(&ff->base, err, "far file %s: cannot grow beyond %u pages: %s", ff->path,
				     ff->cap, g_strerror(errno));
			return false;
		}
		ff->cap += step;
	}
	if (ff->nslots == ff->slots_cap) {
		ff->slots_cap = ff->slots_cap ? MIN(2 * (uint64_t)ff->slots_cap, ff->cap) : MIN(GROW_PAGES, ff->cap);
		ff->slots = g_renew(file_slot, ff->slots, ff->slots_cap);
	}
	*s = ff->nslots++;
	return true;
}

static void reads_push(far_file *ff, file_op *op)
{
	if (ff->r_len == ff->r_cap) {
		size_t cap = ff->r_cap ? 2 * ff->r_cap : 64;
		file_op **q = g_new(file_op *, cap);
		for (size_t i = 0; i < ff->r_len; i++)
			q[i] = ff->reads[(ff->r_head + i) % ff->r_cap];
		g_free(ff->reads);
		ff->reads = q;
		ff->r_cap = cap;
		ff->r_head = 0;
	}
	ff->reads[(ff->r_head + ff->r_len++) % ff->r_cap] = op;
}

static bool file_read_start(tpo_far *f, uint64_t key, GError **err)
{
	far_file *ff = (far_file *)f;
	if (!check_file(ff, err) || !drain(ff, err))
		return false;
	file_op *op = g_new0(file_op, 1);
	op->key = key;
	gpointer v;
	if (!g_hash_table_lookup_extended(f->held, TPO_FAR_KEY(key), NULL, &v)) {
		op->kind = OP_ZERO; /* never stored: zeros */
		op->done = true;
		reads_push(ff, op);
		return true;
	}
	op->kind = OP_READ;
	op->slot = SLOT_OF(v);
	file_slot *sl = &ff->slots[op->slot];
	op->sum = sl->sum;
	op->buf = buf_get(ff);
	reads_push(ff, op);
	if (sl->writing) { /* still on its way to the file: the write's copy is the page */
		memcpy(op->buf, sl->writing->buf, TPO_FAR_PAGE);
		op->res = TPO_FAR_PAGE;
		op->done = true;
		return true;
	}
	sl->refs++;
	return push(ff, op, err);
}

static int file_read_done(tpo_far *f, uint64_t *key, void *page, bool wait, GError **err)
{
	far_file *ff = (far_file *)f;
	file_op *op = ff->reads[ff->r_head];
	if (!check_file(ff, err))
		return -1;
	if (!op->done) {
		uint64_t start = wait ? tpo_far_now_ns() : 0;
		if (!reap(ff, false, err))
			return -1;
		while (wait && !op->done) {
			if (!ff->in_kernel && !ff->prepared && !ff->wait_head) { /* cannot happen: never spin */
				tpo_far_lose(f, err, "far file %s: a read was lost", ff->path);
				return -1;
			}
			if (!reap(ff, true, err))
				return -1;
		}
		if (wait)
			f->stats.wait_ns += tpo_far_now_ns() - start;
		if (!op->done)
			return 0;
	}
	off_t off = (off_t)op->slot * TPO_FAR_PAGE;
	bool bad = op->kind == OP_READ && (op->res != (int)TPO_FAR_PAGE || tpo_far_page_sum(op->buf) != op->sum);
	if (bad && !check_file_now(ff, true, err)) /* the likely cause, named */
		return -1;
	if (op->kind == OP_READ && op->res < 0) {
		tpo_far_lose(f, err, "far file %s: reading a page failed: %s", ff->path, g_strerror(-op->res));
		return -1;
	}
	if (op->kind == OP_READ && op->res != (int)TPO_FAR_PAGE) {
		tpo_far_lose(f, err, "far file %s was truncated while in use (a read at offset %lld got %d bytes)",
			     ff->path, (long long)off, op->res);
		return -1;
	}
	if (op->kind == OP_READ && tpo_far_page_sum(op->buf) != op->sum) {
		tpo_far_lose(f, err, "far file %s: the page at offset %lld is not what was written there "
			     "(was the file truncated or written by another program?)", ff->path, (long long)off);
		return -1;
	}
	*key = op->key;
	if (op->kind == OP_ZERO)
		memset(page, 0, TPO_FAR_PAGE);
	else
		memcpy(page, op->buf, TPO_FAR_PAGE);
	ff->r_head = (ff->r_head + 1) % ff->r_cap;
	ff->r_len--;
	op_free(ff, op);
	return 1;
}

static bool file_write(tpo_far *f, uint64_t key, const void *page, GError **err)
{
	far_file *ff = (far_file *)f;
	uint32_t s;
	if (!check_file(ff, err) || !drain(ff, err) || !slot_alloc(ff, &s, err))
		return false;
	file_op *op = g_new0(file_op, 1);
	op->kind = OP_WRITE;
	op->key = key;
	op->slot = s;
	op->buf = buf_get(ff);
	memcpy(op->buf, page, TPO_FAR_PAGE);
	ff->slots[s] = (file_slot){ .sum = tpo_far_page_sum(page), .live = true, .writing = op };
	gpointer v;
	if (g_hash_table_lookup_extended(f->held, TPO_FAR_KEY(key), NULL, &v))
		slot_release(ff, SLOT_OF(v));
	g_hash_table_insert(f->held, TPO_FAR_KEY(key), SLOT_VALUE(s));
	return push(ff, op, err);
}

static bool file_discard(tpo_far *f, uint64_t key, GError **err)
{
	(void)err;
	far_file *ff = (far_file *)f;
	gpointer v;
	if (g_hash_table_lookup_extended(f->held, TPO_FAR_KEY(key), NULL, &v)) {
		slot_release(ff, SLOT_OF(v));
		g_hash_table_remove(f->held, TPO_FAR_KEY(key));
	}
	return true;
}

/* Removes PATH if it is still the file we created. */
static void remove_ours(far_file *ff)
{
	struct stat mine, now;
	if (!ff->keep && fstat(ff->fd, &mine) == 0 && stat(ff->path, &now) == 0 && mine.st_dev == now.st_dev &&
	    mine.st_ino == now.st_ino)
		unlink(ff->path);
}

static void file_close(tpo_far *f)
{
	far_file *ff = (far_file *)f;
	if (ff->ring_ok) {
		/* the kernel may still be using buffers: wait for every operation (bounded) */
		GError *e = NULL;
		submit(ff, &e);
		while (ff->in_kernel) {
			struct io_uring_cqe *cqe;
			struct __kernel_timespec ts = { .tv_sec = WAIT_TIMEOUT_S };
			if (io_uring_wait_cqe_timeout(&ff->ring, &cqe, &ts) == -ETIME)
				break;
			while (io_uring_peek_cqe(&ff->ring, &cqe) == 0) {
				file_op *op = io_uring_cqe_get_data(cqe);
				io_uring_cqe_seen(&ff->ring, cqe);
				ff->in_kernel--;
				op->res = cqe->res;
				complete(ff, op, &e);
				g_clear_error(&e);
			}
		}
		g_clear_error(&e);
		io_uring_queue_exit(&ff->ring);
	}
	for (file_op *op = ff->wait_head, *next; op; op = next) {
		next = op->next;
		if (op->kind == OP_WRITE)
			op_free(ff, op); /* a read is freed below, with the reads */
	}
	for (size_t i = 0; i < ff->r_len; i++)
		op_free(ff, ff->reads[(ff->r_head + i) % ff->r_cap]);
	if (ff->fd >= 0) {
		remove_ours(ff);
		close(ff->fd);
	}
	g_free(ff->reads);
	g_free(ff->slots);
	g_array_free(ff->free_slots, TRUE);
	g_ptr_array_free(ff->free_bufs, TRUE);
	g_free(ff->path);
	tpo_far_fini(f);
	g_free(ff);
}

static const tpo_far_ops file_ops = {
	.read_start = file_read_start,
	.read_done = file_read_done,
	.write = file_write,
	.discard = file_discard,
	.close = file_close,
};

/* Opens PATH as the user asked: false with err set. */
static bool open_path(far_file *ff, const char *uri, GError **err)
{
	if (!ff->keep) {
		ff->fd = open(ff->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (ff->fd < 0 && errno == EEXIST) {
			g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
				    "far file %s exists (use %s?keep to use it as it is, or name a new file)",
				    ff->path, uri);
			return false;
		}
	} else {
		ff->fd = open(ff->path, O_RDWR | O_CLOEXEC);
	}
	if (ff->fd < 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT, "cannot open far file %s: %s", ff->path,
			    g_strerror(errno));
		return false;
	}
	int fl = fcntl(ff->fd, F_GETFL);
	if (fl < 0 || fcntl(ff->fd, F_SETFL, fl | O_DIRECT) < 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
			    "far file %s: its filesystem does not support O_DIRECT (%s)", ff->path, g_strerror(errno));
		return false;
	}
	if (!ff->keep)
		return true;
	struct stat st;
	uint64_t size = 0;
	if (fstat(ff->fd, &st) < 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT, "far file %s: %s", ff->path, g_strerror(errno));
		return false;
	}
	if (S_ISBLK(st.st_mode)) {
		ff->blk = true;
		if (ioctl(ff->fd, BLKGETSIZE64, &size) < 0) {
			g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT, "far file %s: its size: %s", ff->path,
				    g_strerror(errno));
			return false;
		}
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
			    "far file %s is neither a regular file nor a block device", ff->path);
		return false;
	}
	if (size / TPO_FAR_PAGE == 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT,
			    "far file %s has no room for a page (with ?keep it is used as it is: size it "
			    "first, e.g. fallocate -l 4G %s)", ff->path, ff->path);
		return false;
	}
	ff->cap = (uint32_t)MIN(size / TPO_FAR_PAGE, (uint64_t)UINT32_MAX);
	return true;
}

tpo_far *tpo_far_file_open(const char *uri, const char *path, bool keep, GError **err)
{
	far_file *ff = g_new0(far_file, 1);
	tpo_far_init(&ff->base, &file_ops, uri, NULL);
	ff->path = g_strdup(path);
	ff->keep = keep;
	ff->fd = -1;
	ff->free_slots = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	ff->free_bufs = g_ptr_array_new_with_free_func(free);
	ff->last_check = tpo_far_now_ns();
	if (!open_path(ff, uri, err)) {
		file_close(&ff->base);
		return NULL;
	}
	int r = io_uring_queue_init(QD, &ff->ring, 0);
	if (r < 0) {
		g_set_error(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT, "far file %s: io_uring is not available: %s%s",
			    path, g_strerror(-r), r == -EPERM ? " (see sysctl kernel.io_uring_disabled)" : "");
		file_close(&ff->base);
		return NULL;
	}
	ff->ring_ok = true;
	return &ff->base;
}
