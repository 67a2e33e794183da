/* tape_header.c — the tape header's fields (policy, flags, page size, pid, local memory,
 * lookahead, totals, hash, start time, microset, program, argv), coded the same way in every
 * tape version: the body of a version 3 header, bytes 16 on of a legacy (1, 2) one. */
#include "tape_codec.h"

void tpo_tape_put_fields(GByteArray *b, const tpo_tape_header *h)
{
	tpo_container_header_put_u32(b, h->policy);
	tpo_container_header_put_u32(b, h->flags);
	tpo_container_header_put_u32(b, h->page_size);
	tpo_container_header_put_u32(b, (uint32_t)h->trace_pid);
	tpo_container_header_put_u64(b, h->local_pages);
	tpo_container_header_put_u64(b, h->lookahead);
	tpo_container_header_put_u64(b, h->accesses);
	tpo_container_header_put_u64(b, h->seq_hash);
	tpo_container_header_put_u64(b, h->fetches);
	tpo_container_header_put_u64(b, h->evictions);
	tpo_container_header_put_u64(b, h->trace_start_time_ns);
	tpo_container_header_put_u32(b, h->argc);
	tpo_container_header_put_u32(b, h->microset);
	tpo_container_header_put_string(b, h->program ? h->program : "");
	for (uint32_t i = 0; i < h->argc; i++)
		tpo_container_header_put_string(b, h->argv[i] ? h->argv[i] : "");
}

static gboolean parse_numbers(tpo_container_cursor *c, tpo_tape_header *h, gboolean has_microset)
{
	uint32_t pid = 0;
	gboolean ok = tpo_container_cur_u32(c, &h->policy) && tpo_container_cur_u32(c, &h->flags) &&
		      tpo_container_cur_u32(c, &h->page_size) && tpo_container_cur_u32(c, &pid) &&
		      tpo_container_cur_u64(c, &h->local_pages) && tpo_container_cur_u64(c, &h->lookahead) &&
		      tpo_container_cur_u64(c, &h->accesses) && tpo_container_cur_u64(c, &h->seq_hash) &&
		      tpo_container_cur_u64(c, &h->fetches) && tpo_container_cur_u64(c, &h->evictions) &&
		      tpo_container_cur_u64(c, &h->trace_start_time_ns) && tpo_container_cur_u32(c, &h->argc) &&
		      (!has_microset || tpo_container_cur_u32(c, &h->microset));
	h->trace_pid = (int32_t)pid;
	if (!has_microset)
		h->microset = 0;
	return ok;
}

gboolean tpo_tape_parse_fields(tpo_container_cursor *c, tpo_tape_header *h, gboolean has_microset)
{
	if (!parse_numbers(c, h, has_microset))
		return FALSE;
	if (h->argc > (size_t)(c->end - c->p) / 4) {
		c->why = "argument count out of bounds";
		return FALSE;
	}
	h->argv = g_new0(char *, (size_t)h->argc + 1);
	if (!tpo_container_cur_string(c, TPO_TAPE_MAX_STRING, &h->program))
		return FALSE;
	for (uint32_t i = 0; i < h->argc; i++)
		if (!tpo_container_cur_string(c, TPO_TAPE_MAX_STRING, &h->argv[i]))
			return FALSE;
	if (c->p != c->end) {
		c->why = "has trailing bytes";
		return FALSE;
	}
	if (h->policy != TPO_TAPE_POLICY_LRU && h->policy != TPO_TAPE_POLICY_MIN) {
		c->why = "unknown policy";
		return FALSE;
	}
	if (!h->page_size || (h->page_size & (h->page_size - 1))) {
		c->why = "page size is not a power of two";
		return FALSE;
	}
	return TRUE;
}
