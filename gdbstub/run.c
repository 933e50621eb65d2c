/*
 * Execution control and stop replies: ?, c/C, s/S, vCont, D and k.  A
 * resume only starts the target; the answer is the stop reply sent when
 * the target calls gdbstub_report_stop(), possibly from inside resume()
 * itself.  Stop replies name the thread, the reason (when the client
 * understands it) and the registers GDB needs right away, so that a
 * single-step costs one round trip.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include "gdbstub/internal.h"

void stop_reply_build(struct gdbstub *s, const struct gdbstub_stop *st)
{
	const struct gdbstub_arch *a = s->arch;
	int i, tid, whole;

	switch (st->reason) {
	case GDBSTUB_STOP_EXITED:
		reply_fmt(s, "W%02x", st->exit_code & 0xff);
		return;
	case GDBSTUB_STOP_TERMINATED:
		reply_fmt(s, "X%02x", st->signal & 0xff);
		return;
	default:
		break;
	}
	reply_fmt(s, "T%02xthread:%02x;", st->signal & 0xff,
		  st->tid > 0 ? st->tid : thread_resolve(s, 0));
	switch (st->reason) {
	case GDBSTUB_STOP_SWBREAK:
		if (s->client_swbreak)
			reply_str(s, "swbreak:;");
		break;
	case GDBSTUB_STOP_HWBREAK:
		if (s->client_hwbreak)
			reply_str(s, "hwbreak:;");
		break;
	case GDBSTUB_STOP_WATCH:
		reply_fmt(s, "watch:%" PRIx64 ";", st->addr);
		break;
	case GDBSTUB_STOP_RWATCH:
		reply_fmt(s, "rwatch:%" PRIx64 ";", st->addr);
		break;
	case GDBSTUB_STOP_AWATCH:
		reply_fmt(s, "awatch:%" PRIx64 ";", st->addr);
		break;
	default:
		break;
	}
	/*
	 * The target's single-register read, where it has one, can fetch
	 * just the few expedited registers; otherwise one read of the whole
	 * file serves them all.
	 */
	tid = st->tid > 0 ? st->tid : thread_resolve(s, 0);
	whole = !s->ops->read_register &&
		s->ops->read_registers(s->target, tid, s->regs) == 0;
	for (i = 0; i < a->nexpedite; i++) {
		const struct gdbstub_reg_info *r = &a->regs[a->expedite[i]];
		const uint8_t *val = s->regs + r->offset;

		if (!whole) {
			if (!s->ops->read_register ||
			    s->ops->read_register(s->target, tid,
						  a->expedite[i], s->regs) < 0)
				break;
			val = s->regs;
		}
		reply_fmt(s, "%02x:", a->expedite[i]);
		reply_hex(s, val, r->size);
		reply_str(s, ";");
	}
	if (st->extra)
		reply_str(s, st->extra);
}

int handle_stop_query(struct gdbstub *s, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	if (s->have_stop) {
		stop_reply_build(s, &s->last_stop);
	} else {
		/* Cannot happen once the target has reported; be valid. */
		reply_fmt(s, "T%02xthread:%02x;", GDBSTUB_SIGTRAP,
			  thread_resolve(s, 0));
	}
	reply_send(s);
	return 0;
}

int run_resume(struct gdbstub *s, const struct gdbstub_action *acts,
	       int nacts)
{
	int ret;

	/* Before resume(): the stop may be reported from inside it. */
	s->running = 1;
	s->stop_owed = 1;
	s->threads_xml_len = 0;
	ret = s->ops->resume(s->target, acts, nacts);
	if (ret < 0) {
		s->running = 0;
		s->stop_owed = 0;
	}
	return ret;
}

/*
 * c, C, s and S: "[sig][;]addr" is optional; a given address becomes
 * the pc of the thread that resumes first.
 */
static int resume_legacy(struct gdbstub *s, const char *pkt, size_t len,
			 char type)
{
	struct gdbstub_action act = { .type = type, .tid = -1 };
	size_t i = 1, used;
	uint64_t v;
	int tid = thread_resolve(s, s->c_tid);

	if (type == 'C' || type == 'S') {
		used = rsp_parse_hex(pkt + i, len - i, &v);
		if (!used || v > 0xff)
			return -EINVAL;
		act.signal = v;
		i += used;
		if (i < len && pkt[i++] != ';')
			return -EINVAL;
	}
	if (i < len) {
		uint8_t pc[16];
		const struct gdbstub_reg_info *r =
			&s->arch->regs[s->arch->pc_regno];
		unsigned int b;
		int ret;

		used = rsp_parse_hex(pkt + i, len - i, &v);
		if (!used || i + used != len || r->size > sizeof(pc))
			return -EINVAL;
		/* The register file is in target (here: little) order. */
		for (b = 0; b < r->size; b++)
			pc[b] = b < 8 ? v >> (8 * b) : 0;
		ret = regs_write_one(s, tid, s->arch->pc_regno, pc);
		if (ret < 0)
			return ret;
	}
	/* A step steps one thread; a continue lets them all go. */
	if (type == 's' || type == 'S')
		act.tid = tid;
	return run_resume(s, &act, 1);
}

int handle_continue(struct gdbstub *s, const char *pkt, size_t len)
{
	return resume_legacy(s, pkt, len, 'c');
}

int handle_continue_sig(struct gdbstub *s, const char *pkt, size_t len)
{
	return resume_legacy(s, pkt, len, 'C');
}

int handle_step(struct gdbstub *s, const char *pkt, size_t len)
{
	return resume_legacy(s, pkt, len, 's');
}

int handle_step_sig(struct gdbstub *s, const char *pkt, size_t len)
{
	return resume_legacy(s, pkt, len, 'S');
}

/* Parse one vCont action at pkt[0..len) into *a; returns 0 or -EINVAL. */
static int parse_action(const char *pkt, size_t len,
			struct gdbstub_action *a)
{
	size_t i = 1, used;
	uint64_t v;

	if (!len)
		return -EINVAL;
	a->type = pkt[0];
	a->signal = 0;
	a->tid = -1;
	a->start = a->end = 0;
	switch (a->type) {
	case 'c':
	case 's':
		break;
	case 'C':
	case 'S':
		used = rsp_parse_hex(pkt + i, len - i, &v);
		if (!used || v > 0xff)
			return -EINVAL;
		a->signal = v;
		i += used;
		break;
	case 'r':
		used = rsp_parse_hex(pkt + i, len - i, &a->start);
		if (!used || (i += used) >= len || pkt[i++] != ',')
			return -EINVAL;
		used = rsp_parse_hex(pkt + i, len - i, &a->end);
		if (!used)
			return -EINVAL;
		i += used;
		break;
	default:
		return -EINVAL;
	}
	if (i == len)
		return 0;
	if (pkt[i++] != ':')
		return -EINVAL;
	used = thread_parse(pkt + i, len - i, &a->tid);
	if (!used || i + used != len)
		return -EINVAL;
	/* "any thread" in an action means the current one. */
	if (a->tid == 0)
		a->tid = -1;
	return 0;
}

/* vCont? and vCont;ACTION[:TID]...  (contract: see handle_v). */
int v_cont(struct gdbstub *s, const char *pkt, size_t len)
{
	struct gdbstub_action acts[GDBSTUB_MAX_THREADS + 1];
	int nacts = 0, ret;
	size_t i;

	if (gdbstub_claim(pkt, len, "vCont?")) {
		reply_str(s, "vCont;c;C;s;S;r");
		reply_send(s);
		return 1;
	}
	if (!gdbstub_claim(pkt, len, "vCont"))
		return 0;
	i = 5;
	if (i == len)
		goto bad;
	while (i < len) {
		size_t end;

		if (pkt[i++] != ';' || nacts == GDBSTUB_MAX_THREADS + 1)
			goto bad;
		for (end = i; end < len && pkt[end] != ';'; end++)
			;
		if (parse_action(pkt + i, end - i, &acts[nacts]) < 0)
			goto bad;
		nacts++;
		i = end;
	}
	ret = run_resume(s, acts, nacts);
	if (ret < 0) {
		reply_error(s, ret);
		return -1;
	}
	return 1;
bad:
	reply_error(s, EINVAL);
	return -1;
}

int handle_detach(struct gdbstub *s, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	if (s->ops->detach)
		s->ops->detach(s->target);
	/* From here on the target runs without anyone to report to. */
	s->running = 1;
	s->stop_owed = 0;
	s->close_after = 1;
	reply_ok(s);
	return 0;
}

int handle_kill(struct gdbstub *s, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	if (s->ops->kill)
		s->ops->kill(s->target);
	s->done = 1;
	return 0;
}

/* vKill;PID: like k, but the client waits for an OK. */
int v_kill(struct gdbstub *s, const char *pkt, size_t len)
{
	if (!gdbstub_claim(pkt, len, "vKill"))
		return 0;
	if (s->ops->kill)
		s->ops->kill(s->target);
	reply_ok(s);
	s->done = 1;
	return 1;
}
