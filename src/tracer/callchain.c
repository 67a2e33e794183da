/* callchain.c — call chains for recorded faults (--callchain): unwinds the stack of a thread
 * stopped at a fault with libunwind-ptrace. One libunwind address space per traced process (its
 * caches flushed when the mappings change); the unwinding is bounded (TPO_CHAIN_MAX frames) and
 * every error just ends the chain, so a corrupt stack gives a short chain, never a crash or hang. */
#include "tracer.h"

#include <libunwind-ptrace.h>

unsigned tpo_callchain(tpo_proc *p, int tid, uint64_t *ips, unsigned max)
{
	if (!p->unw_as) {
		p->unw_as = unw_create_addr_space(&_UPT_accessors, 0);
		if (!p->unw_as)
			return 0;
		unw_set_caching_policy(p->unw_as, UNW_CACHE_GLOBAL);
	}
	void *upt = _UPT_create(tid);
	if (!upt)
		return 0;
	unsigned n = 0;
	unw_cursor_t c;
	if (unw_init_remote(&c, p->unw_as, upt) == 0) {
		do {
			unw_word_t ip;
			if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
				break;
			ips[n++] = ip;
		} while (n < max && unw_step(&c) > 0);
	}
	_UPT_destroy(upt);
	return n;
}

void tpo_callchain_flush(tpo_proc *p)
{
	if (p->unw_as)
		unw_flush_cache(p->unw_as, 0, 0);
}

void tpo_callchain_free(tpo_proc *p)
{
	if (p->unw_as)
		unw_destroy_addr_space(p->unw_as);
	p->unw_as = NULL;
}
