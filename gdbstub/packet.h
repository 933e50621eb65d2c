/*
 * The framing layer of the remote protocol, kept free of sockets and of
 * the stub's state so that the unit tests can drive it byte by byte:
 * checksums, hex and binary escaping, run-length coding, and the
 * incremental receive parser that turns arbitrary read() chunks into
 * events (a packet, an ack, a nak, a Ctrl-C, a damaged packet).
 */
#ifndef GDBSTUB_PACKET_H
#define GDBSTUB_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gdbstub/gdbstub.h"

/* The interrupt request GDB sends outside any packet. */
#define RSP_INTR_BYTE	0x03

/* The escape byte of binary data; the next byte is XORed with this. */
#define RSP_ESCAPE	0x7d
#define RSP_ESCAPE_XOR	0x20

/* Run-length coding: "c*N" repeats c (N - RSP_RLE_BIAS) more times. */
#define RSP_RLE_BIAS	29

/* Bytes a frame adds around its payload: '$', '#' and two digits. */
#define RSP_FRAME_OVERHEAD	4

enum rsp_event {
	RSP_EV_NONE,		/* all input consumed, nothing complete yet */
	RSP_EV_PACKET,		/* buf[0..len) is a packet with a good sum */
	RSP_EV_BADSUM,		/* a packet arrived damaged: nak it */
	RSP_EV_OVERSIZE,	/* an overlong packet was dropped */
	RSP_EV_ACK,		/* '+' */
	RSP_EV_NAK,		/* '-': resend the last reply */
	RSP_EV_INTR,		/* raw 0x03 between packets */
};

enum rsp_parse_state {
	RSP_IDLE,		/* between packets: acks, Ctrl-C, noise */
	RSP_DATA,		/* after '$' */
	RSP_SUM_HI,		/* after '#' */
	RSP_SUM_LO,		/* after the first checksum digit */
};

struct rsp_parser {
	enum rsp_parse_state state;
	uint8_t sum;		/* running sum of the payload bytes */
	uint8_t wire_sum;	/* checksum as sent, being assembled */
	/*
	 * Set when the payload outgrew buf: the rest of the packet is
	 * still consumed (so the stream stays in sync) but not stored.
	 */
	int overflow;
	/* The first checksum character was not a hex digit. */
	int bad_digit;
	size_t len;
	/* Payload in wire form: still run-length coded and escaped. */
	char buf[GDBSTUB_PACKET_SIZE];
};

void rsp_parser_init(struct rsp_parser *p);

/*
 * Consume input until one event completes or the input ends.  Returns
 * the number of bytes used; *ev says what completed (RSP_EV_NONE when
 * the input ran out first).  Call again with the rest of the input.
 */
size_t rsp_parse(struct rsp_parser *p, const char *in, size_t n,
		 enum rsp_event *ev);

uint8_t rsp_checksum(const char *buf, size_t len);

/* Value of one hex digit, or -1. */
int rsp_hex_digit(int c);

/* Writes 2 * n lower-case digits to out (no terminator). */
void rsp_hex_encode(char *out, const uint8_t *in, size_t n);

/*
 * Decode n hex digits into at most max bytes.  Returns the byte count,
 * or -1 if n is odd, a digit is bad or the result does not fit.
 */
ssize_t rsp_hex_decode(uint8_t *out, size_t max, const char *in, size_t n);

/*
 * Parse a hex number of at most 16 digits from in[0..n); returns the
 * number of characters used (0 when there is no digit, or too many).
 */
size_t rsp_parse_hex(const char *in, size_t n, uint64_t *val);

/*
 * Escape binary data into out (capacity outmax).  Stops before the first
 * input byte that would not fit; *used (if not NULL) gets the number of
 * input bytes encoded.  Returns the number of bytes written.
 */
size_t rsp_escape(char *out, size_t outmax, const uint8_t *in, size_t n,
		  size_t *used);

/*
 * Undo binary escaping.  Returns the decoded length, or -1 when the
 * input ends inside an escape or the result exceeds max.
 */
ssize_t rsp_unescape(uint8_t *out, size_t max, const char *in, size_t n);

/*
 * Expand run-length coding; escape pairs are copied through untouched so
 * that binary payloads survive.  Returns the expanded length, or -1 if
 * the coding is malformed or the result exceeds max.
 */
ssize_t rsp_rle_decode(char *out, size_t max, const char *in, size_t n);

/*
 * Frame a payload as "$...#cs" into out, which must hold at least
 * n + RSP_FRAME_OVERHEAD bytes; runs are compressed when rle is set.
 * The payload is text or already-escaped binary: a '}' always starts
 * a two-byte escape pair, which is never part of a run.  Returns the
 * frame length.
 */
size_t rsp_frame(char *out, const char *payload, size_t n, int rle);

#endif
