/*
 * Memory packets: m and M in hex, X and x in escaped binary.  Reads are
 * clamped so that the reply fits the packet size we advertised, and a
 * read that stops at an unmapped page returns what it got, as GDB
 * expects; only a read that gets nothing is an error.
 */
#include "config.h"

#include <errno.h>

#include "gdbstub/internal.h"

/*
 * Parse "addr,length" at pkt[1..len); *rest gets the index of the
 * character after it ("" or ":data").  Returns 0 or -EINVAL.
 */
static int parse_addr_len(const char *pkt, size_t len, uint64_t *addr,
			  uint64_t *length, size_t *rest)
{
	size_t i = 1, used;

	used = rsp_parse_hex(pkt + i, len - i, addr);
	if (!used || (i += used) >= len || pkt[i++] != ',')
		return -EINVAL;
	used = rsp_parse_hex(pkt + i, len - i, length);
	if (!used)
		return -EINVAL;
	*rest = i + used;
	return 0;
}

static int mem_thread(struct gdbstub *s)
{
	return thread_resolve(s, s->g_tid);
}

/* Read up to max bytes into s->mem; returns the count or -errno. */
static ssize_t read_some(struct gdbstub *s, uint64_t addr, uint64_t length,
			 size_t max)
{
	ssize_t n;

	if (length > max)
		length = max;
	if (!length)
		return 0;
	n = s->ops->read_memory(s->target, mem_thread(s), addr, s->mem,
				length);
	if (n == 0)
		return -EFAULT;
	return n;
}

int handle_read_mem(struct gdbstub *s, const char *pkt, size_t len)
{
	uint64_t addr, length;
	size_t rest;
	ssize_t n;

	if (parse_addr_len(pkt, len, &addr, &length, &rest) || rest != len)
		return -EINVAL;
	n = read_some(s, addr, length, GDBSTUB_REPLY_MAX / 2);
	if (n < 0)
		return n;
	reply_hex(s, s->mem, n);
	reply_send(s);
	return 0;
}

int handle_read_mem_bin(struct gdbstub *s, const char *pkt, size_t len)
{
	uint64_t addr, length;
	size_t rest;
	ssize_t n;

	if (parse_addr_len(pkt, len, &addr, &length, &rest) || rest != len)
		return -EINVAL;
	/*
	 * Escaping may double some bytes; reply_bin() stops at the packet
	 * size and the client takes a short reply as a partial read.
	 */
	n = read_some(s, addr, length, GDBSTUB_REPLY_MAX - 1);
	if (n < 0)
		return n;
	reply_str(s, "b");
	reply_bin(s, s->mem, n);
	reply_send(s);
	return 0;
}

static int write_all(struct gdbstub *s, uint64_t addr, size_t n)
{
	ssize_t done;

	if (!n)
		return 0;
	done = s->ops->write_memory(s->target, mem_thread(s), addr, s->mem, n);
	if (done < 0)
		return done;
	if ((size_t)done != n)
		return -EFAULT;
	return 0;
}

/*
 * M and X differ only in how the data after the first ':' is coded (hex
 * or escaped binary); everything after that ':' is data, ':' and ','
 * included.
 */
static int write_mem_coded(struct gdbstub *s, const char *pkt, size_t len,
			   ssize_t (*decode)(uint8_t *, size_t, const char *,
					     size_t))
{
	uint64_t addr, length;
	size_t rest;
	ssize_t n;
	int ret;

	if (parse_addr_len(pkt, len, &addr, &length, &rest) ||
	    rest >= len || pkt[rest] != ':')
		return -EINVAL;
	rest++;
	n = decode(s->mem, GDBSTUB_REPLY_MAX, pkt + rest, len - rest);
	if (n < 0 || (uint64_t)n != length)
		return -EINVAL;
	ret = write_all(s, addr, n);
	if (ret < 0)
		return ret;
	reply_ok(s);
	return 0;
}

int handle_write_mem(struct gdbstub *s, const char *pkt, size_t len)
{
	return write_mem_coded(s, pkt, len, rsp_hex_decode);
}

int handle_write_mem_bin(struct gdbstub *s, const char *pkt, size_t len)
{
	return write_mem_coded(s, pkt, len, rsp_unescape);
}
