/*
 * Framing of the remote protocol: everything between the bytes on the
 * socket and a packet's meaning.  The receive side is an incremental
 * parser that accepts input in whatever pieces read() returns, verifies
 * checksums and reports acks, naks and Ctrl-C; the send side frames a
 * payload with optional run-length compression.  Escaping and hex
 * helpers live here too because both directions need them.  Nothing in
 * this file does I/O or knows about the stub's state.
 */
#include "config.h"

#include <string.h>

#include "gdbstub/packet.h"

static const char hex_digits[] = "0123456789abcdef";

/* Longest run one "c*N" can stand for: N may go up to '~'. */
#define RLE_MAX_RUN	('~' - RSP_RLE_BIAS + 1)
/* Shorter runs cost more as "c*N" than spelled out. */
#define RLE_MIN_RUN	4

void rsp_parser_init(struct rsp_parser *p)
{
	p->state = RSP_IDLE;
	p->sum = 0;
	p->wire_sum = 0;
	p->overflow = 0;
	p->bad_digit = 0;
	p->len = 0;
}

int rsp_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void start_packet(struct rsp_parser *p)
{
	p->state = RSP_DATA;
	p->sum = 0;
	p->overflow = 0;
	p->len = 0;
}

size_t rsp_parse(struct rsp_parser *p, const char *in, size_t n,
		 enum rsp_event *ev)
{
	size_t i = 0;
	int d;

	*ev = RSP_EV_NONE;
	while (i < n) {
		unsigned char c = in[i++];

		switch (p->state) {
		case RSP_IDLE:
			if (c == '$') {
				start_packet(p);
			} else if (c == '+') {
				*ev = RSP_EV_ACK;
				return i;
			} else if (c == '-') {
				*ev = RSP_EV_NAK;
				return i;
			} else if (c == RSP_INTR_BYTE) {
				*ev = RSP_EV_INTR;
				return i;
			}
			/* Anything else between packets is line noise. */
			break;
		case RSP_DATA:
			if (c == '#') {
				p->state = RSP_SUM_HI;
			} else if (c == '$') {
				/*
				 * A '$' cannot occur inside a packet: the
				 * sender gave up on the previous one and
				 * started over.
				 */
				start_packet(p);
			} else if (p->len < sizeof(p->buf)) {
				p->buf[p->len++] = c;
				p->sum += c;
			} else {
				p->overflow = 1;
			}
			break;
		case RSP_SUM_HI:
			d = rsp_hex_digit(c);
			p->bad_digit = d < 0;
			p->wire_sum = d < 0 ? 0 : d << 4;
			p->state = RSP_SUM_LO;
			break;
		case RSP_SUM_LO:
			d = rsp_hex_digit(c);
			p->state = RSP_IDLE;
			if (p->overflow)
				*ev = RSP_EV_OVERSIZE;
			else if (d < 0 || p->bad_digit ||
				 (uint8_t)(p->wire_sum | d) != p->sum)
				*ev = RSP_EV_BADSUM;
			else
				*ev = RSP_EV_PACKET;
			return i;
		}
	}
	return i;
}

uint8_t rsp_checksum(const char *buf, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += (unsigned char)buf[i];
	return sum;
}

void rsp_hex_encode(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 15];
	}
}

ssize_t rsp_hex_decode(uint8_t *out, size_t max, const char *in, size_t n)
{
	size_t i;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = rsp_hex_digit((unsigned char)in[i]);
		int lo = rsp_hex_digit((unsigned char)in[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = hi << 4 | lo;
	}
	return n / 2;
}

size_t rsp_parse_hex(const char *in, size_t n, uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d = rsp_hex_digit((unsigned char)in[i]);

		if (d < 0)
			break;
		if (i == 16)
			return 0;
		v = v << 4 | d;
	}
	*val = v;
	return i;
}

static int needs_escape(uint8_t c)
{
	return c == '#' || c == '$' || c == RSP_ESCAPE || c == '*';
}

size_t rsp_escape(char *out, size_t outmax, const uint8_t *in, size_t n,
		  size_t *used)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (needs_escape(in[i])) {
			if (o + 2 > outmax)
				break;
			out[o++] = RSP_ESCAPE;
			out[o++] = in[i] ^ RSP_ESCAPE_XOR;
		} else {
			if (o + 1 > outmax)
				break;
			out[o++] = in[i];
		}
	}
	if (used)
		*used = i;
	return o;
}

ssize_t rsp_unescape(uint8_t *out, size_t max, const char *in, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (c == RSP_ESCAPE) {
			if (++i == n)
				return -1;
			c = in[i] ^ RSP_ESCAPE_XOR;
		}
		if (o == max)
			return -1;
		out[o++] = c;
	}
	return o;
}

ssize_t rsp_rle_decode(char *out, size_t max, const char *in, size_t n)
{
	size_t i = 0, o = 0;
	/* The unit a '*' repeats: one byte, or a whole escape pair. */
	size_t unit = 0, unit_len = 0;

	while (i < n) {
		unsigned char c = in[i];

		if (c == '*') {
			int rep;

			if (!unit_len || i + 1 >= n)
				return -1;
			rep = (unsigned char)in[i + 1] - RSP_RLE_BIAS;
			if (rep < 1 || (unsigned char)in[i + 1] > '~')
				return -1;
			if (o + (size_t)rep * unit_len > max)
				return -1;
			while (rep--) {
				memmove(out + o, out + unit, unit_len);
				o += unit_len;
			}
			i += 2;
			continue;
		}
		unit_len = c == RSP_ESCAPE ? 2 : 1;
		if (i + unit_len > n || o + unit_len > max)
			return -1;
		unit = o;
		memcpy(out + o, in + i, unit_len);
		o += unit_len;
		i += unit_len;
	}
	return o;
}

/* Characters never coded as a run: they either frame or escape. */
static int rle_allowed(char c)
{
	return c != '*' && c != '#' && c != '$' && c != RSP_ESCAPE;
}

size_t rsp_frame(char *out, const char *payload, size_t n, int rle)
{
	size_t i = 0, o = 1;
	uint8_t sum;

	out[0] = '$';
	while (i < n) {
		char c = payload[i];
		size_t run = 1;

		if (c == RSP_ESCAPE && i + 1 < n) {
			out[o++] = c;
			out[o++] = payload[i + 1];
			i += 2;
			continue;
		}
		while (i + run < n && payload[i + run] == c)
			run++;
		i += run;
		if (rle && rle_allowed(c)) {
			while (run >= RLE_MIN_RUN) {
				size_t k = run;

				if (k > RLE_MAX_RUN)
					k = RLE_MAX_RUN;
				/* The count must not read as '#' or '$'. */
				if (k == '#' - RSP_RLE_BIAS + 1 ||
				    k == '$' - RSP_RLE_BIAS + 1)
					k = '"' - RSP_RLE_BIAS + 1;
				/* Nor as '}', which a reader might unescape. */
				if (k == RSP_ESCAPE - RSP_RLE_BIAS + 1)
					k--;
				out[o++] = c;
				out[o++] = '*';
				out[o++] = k - 1 + RSP_RLE_BIAS;
				run -= k;
			}
		}
		while (run--)
			out[o++] = c;
	}
	sum = rsp_checksum(out + 1, o - 1);
	out[o++] = '#';
	out[o++] = hex_digits[sum >> 4];
	out[o++] = hex_digits[sum & 15];
	return o;
}
