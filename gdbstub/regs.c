/*
 * Register packets: g and G move the whole file in the architecture's
 * fixed order, p and P one register.  Targets may implement only the
 * whole-file callbacks; single-register access then reads (and for P
 * writes back) the whole file around the one register.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gdbstub/internal.h"

/* Thread for register and memory access: the Hg choice, resolved. */
static int g_thread(struct gdbstub *s)
{
	return thread_resolve(s, s->g_tid);
}

int handle_read_regs(struct gdbstub *s, const char *pkt, size_t len)
{
	int ret;

	(void)pkt;
	(void)len;
	ret = s->ops->read_registers(s->target, g_thread(s), s->regs);
	if (ret < 0)
		return ret;
	reply_hex(s, s->regs, s->arch->regs_size);
	reply_send(s);
	return 0;
}

int handle_write_regs(struct gdbstub *s, const char *pkt, size_t len)
{
	const struct gdbstub_arch *a = s->arch;
	int ret;

	if (len - 1 != 2 * a->regs_size ||
	    rsp_hex_decode(s->regs, a->regs_size, pkt + 1, len - 1) < 0)
		return -EINVAL;
	ret = s->ops->write_registers(s->target, g_thread(s), s->regs);
	if (ret < 0)
		return ret;
	reply_ok(s);
	return 0;
}

/* Parse "NN" (register number) from p/P; returns chars used or 0. */
static size_t parse_regno(struct gdbstub *s, const char *in, size_t n,
			  int *regno)
{
	uint64_t v;
	size_t used = rsp_parse_hex(in, n, &v);

	if (!used || v >= (uint64_t)s->arch->nregs)
		return 0;
	*regno = v;
	return used;
}

int handle_read_reg(struct gdbstub *s, const char *pkt, size_t len)
{
	const struct gdbstub_reg_info *r;
	int regno, tid = g_thread(s), ret;
	size_t used = parse_regno(s, pkt + 1, len - 1, &regno);

	if (!used || used != len - 1)
		return -EINVAL;
	r = &s->arch->regs[regno];
	if (s->ops->read_register) {
		ret = s->ops->read_register(s->target, tid, regno, s->regs);
		if (ret < 0)
			return ret;
		reply_hex(s, s->regs, r->size);
	} else {
		ret = s->ops->read_registers(s->target, tid, s->regs);
		if (ret < 0)
			return ret;
		reply_hex(s, s->regs + r->offset, r->size);
	}
	reply_send(s);
	return 0;
}

int regs_write_one(struct gdbstub *s, int tid, int regno, const uint8_t *val)
{
	const struct gdbstub_reg_info *r = &s->arch->regs[regno];
	int ret;

	if (s->ops->write_register)
		return s->ops->write_register(s->target, tid, regno, val);
	ret = s->ops->read_registers(s->target, tid, s->regs);
	if (ret < 0)
		return ret;
	memcpy(s->regs + r->offset, val, r->size);
	return s->ops->write_registers(s->target, tid, s->regs);
}

int handle_write_reg(struct gdbstub *s, const char *pkt, size_t len)
{
	/* Largest register we can meet (x86: 16 bytes); ample headroom. */
	uint8_t val[64];
	int regno, ret;
	size_t used = parse_regno(s, pkt + 1, len - 1, &regno);
	const char *hex = pkt + 1 + used;
	size_t hexlen = len - 1 - used;

	if (!used || !hexlen || *hex != '=')
		return -EINVAL;
	hex++;
	hexlen--;
	if (hexlen != 2 * s->arch->regs[regno].size ||
	    rsp_hex_decode(val, sizeof(val), hex, hexlen) < 0)
		return -EINVAL;
	ret = regs_write_one(s, g_thread(s), regno, val);
	if (ret < 0)
		return ret;
	reply_ok(s);
	return 0;
}
