/*
 * Breakpoint and watchpoint packets (Z0-Z4 insert, z0-z4 remove).  The
 * library only parses and forwards: where breakpoints live and how they
 * are armed is the target's business.  A type the target lacks gets the
 * empty reply, which makes GDB fall back (memory breakpoints, software
 * watchpoints) instead of failing the command.
 */
#include "config.h"

#include <errno.h>

#include "gdbstub/internal.h"

/* Parse "Ztype,addr,kind[;cond...]"; conditions are not offered. */
static int parse_bp(const char *pkt, size_t len, uint64_t *type,
		    uint64_t *addr, uint64_t *kind)
{
	size_t i = 1, used;

	used = rsp_parse_hex(pkt + i, len - i, type);
	if (!used || (i += used) >= len || pkt[i++] != ',')
		return -EINVAL;
	used = rsp_parse_hex(pkt + i, len - i, addr);
	if (!used || (i += used) >= len || pkt[i++] != ',')
		return -EINVAL;
	used = rsp_parse_hex(pkt + i, len - i, kind);
	if (!used)
		return -EINVAL;
	i += used;
	if (i != len && pkt[i] != ';')
		return -EINVAL;
	return 0;
}

static int handle_bp(struct gdbstub *s, const char *pkt, size_t len,
		     int insert)
{
	uint64_t type, addr, kind;
	int ret = parse_bp(pkt, len, &type, &addr, &kind);
	int (*op)(void *t, enum gdbstub_bp_type type, uint64_t addr,
		  uint64_t kind);

	if (ret < 0)
		return ret;
	op = insert ? s->ops->insert_breakpoint : s->ops->remove_breakpoint;
	if (type > GDBSTUB_WP_ACCESS || !op) {
		reply_send(s);
		return 0;
	}
	ret = op(s->target, type, addr, kind);
	if (ret == -EOPNOTSUPP) {
		reply_send(s);
		return 0;
	}
	if (ret < 0)
		return ret;
	reply_ok(s);
	return 0;
}

int handle_insert_bp(struct gdbstub *s, const char *pkt, size_t len)
{
	return handle_bp(s, pkt, len, 1);
}

int handle_remove_bp(struct gdbstub *s, const char *pkt, size_t len)
{
	return handle_bp(s, pkt, len, 0);
}
