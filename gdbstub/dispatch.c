/*
 * Packet dispatch: the first character of a packet picks its handler
 * from one table; anything without a handler gets the empty reply, which
 * the protocol reads as "not supported".  Handlers queue their own
 * replies; a negative return is turned into "E NN" here, so that no
 * handler needs to format errors for malformed input itself.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gdbstub/internal.h"

/*
 * Handlers return 0 once their reply (if any) is queued, or a negative
 * errno for an "E NN" reply.  c, s, vCont and k queue nothing: their
 * answer is the stop reply, sent when the target reports the stop.
 */
static gdbstub_handler *const handlers[128] = {
	['?'] = handle_stop_query,
	['c'] = handle_continue,
	['C'] = handle_continue_sig,
	['D'] = handle_detach,
	['g'] = handle_read_regs,
	['G'] = handle_write_regs,
	['H'] = handle_set_thread,
	['k'] = handle_kill,
	['m'] = handle_read_mem,
	['M'] = handle_write_mem,
	['p'] = handle_read_reg,
	['P'] = handle_write_reg,
	['q'] = handle_query,
	['Q'] = handle_set,
	['s'] = handle_step,
	['S'] = handle_step_sig,
	['T'] = handle_thread_alive,
	['v'] = handle_v,
	['x'] = handle_read_mem_bin,
	['X'] = handle_write_mem_bin,
	['z'] = handle_remove_bp,
	['Z'] = handle_insert_bp,
};

size_t gdbstub_claim(const char *pkt, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len < n || memcmp(pkt, name, n))
		return 0;
	if (len == n || pkt[n] == ':' || pkt[n] == ',' || pkt[n] == ';')
		return n;
	return 0;
}

void gdbstub_dispatch(struct gdbstub *s, const char *pkt, size_t len)
{
	unsigned char c = len ? pkt[0] : 0;
	gdbstub_handler *h = c < 128 ? handlers[c] : NULL;
	int ret;

	reply_reset(s);
	if (!h) {
		reply_send(s);
		return;
	}
	/*
	 * In all-stop mode a client sends nothing but Ctrl-C while the
	 * target runs; the target callbacks may not be used then anyway.
	 */
	if (s->running) {
		reply_error(s, EBUSY);
		return;
	}
	ret = h(s, pkt, len);
	if (ret < 0)
		reply_error(s, ret);
}
