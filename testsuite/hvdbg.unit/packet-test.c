/*
 * Unit tests of the framing layer (gdbstub/packet.c): checksums, hex,
 * binary escaping, run-length coding in both directions and the
 * incremental receive parser fed whole, byte by byte and in odd chunks.
 * Run by unit.exp through host_execute; every line of output is one
 * PASSED or FAILED result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dejagnu.h>

#include "gdbstub/packet.h"

static void check(int cond, const char *what)
{
	if (cond)
		pass("%s", what);
	else
		fail("%s", what);
}

static void test_checksum(void)
{
	check(rsp_checksum("OK", 2) == 0x9a, "checksum of OK");
	check(rsp_checksum("", 0) == 0, "checksum of empty packet");
	check(rsp_checksum("\xff\xff", 2) == 0xfe, "checksum wraps at 256");
}

static void test_hex(void)
{
	static const uint8_t bytes[] = { 0x00, 0x7f, 0x80, 0xff, 0xa5 };
	uint8_t back[8];
	uint64_t v;
	char hex[16];

	rsp_hex_encode(hex, bytes, sizeof(bytes));
	check(!memcmp(hex, "007f80ffa5", 10), "hex encode is lower case");
	check(rsp_hex_decode(back, sizeof(back), "007F80ffA5", 10) == 5 &&
	      !memcmp(back, bytes, 5), "hex decode accepts both cases");
	check(rsp_hex_decode(back, sizeof(back), "abc", 3) < 0,
	      "hex decode rejects odd length");
	check(rsp_hex_decode(back, sizeof(back), "zz", 2) < 0,
	      "hex decode rejects bad digit");
	check(rsp_hex_decode(back, 1, "0102", 4) < 0,
	      "hex decode respects the buffer size");
	check(rsp_parse_hex("7c00,4", 6, &v) == 4 && v == 0x7c00,
	      "hex number stops at a comma");
	check(rsp_parse_hex("11112222333344445", 17, &v) == 0,
	      "hex number longer than 64 bits refused");
}

static void test_escape(void)
{
	static const uint8_t raw[] = { '#', '$', '}', '*', 'a', 0x03, 0 };
	uint8_t back[16];
	char esc[32];
	size_t used, n;

	n = rsp_escape(esc, sizeof(esc), raw, sizeof(raw), &used);
	check(n == 11 && used == sizeof(raw) &&
	      !memcmp(esc, "}\x03}\x04}]}\x0a" "a\x03\0", 11),
	      "escape # $ } * and only those");
	check(rsp_unescape(back, sizeof(back), esc, n) == sizeof(raw) &&
	      !memcmp(back, raw, sizeof(raw)), "unescape restores the bytes");
	check(rsp_unescape(back, sizeof(back), "ab}", 3) < 0,
	      "unescape rejects a dangling escape");
	n = rsp_escape(esc, 3, raw, sizeof(raw), &used);
	check(n == 2 && used == 1, "escape never splits a pair at the end");
}

static void test_rle_decode(void)
{
	char out[256];
	ssize_t n;

	n = rsp_rle_decode(out, sizeof(out), "0* ", 3);
	check(n == 4 && !memcmp(out, "0000", 4), "RLE decode 0* is 4 zeros");
	n = rsp_rle_decode(out, sizeof(out), "x*\"y", 4);
	check(n == 7 && !memcmp(out, "xxxxxxy", 7), "RLE decode run of 6");
	n = rsp_rle_decode(out, sizeof(out), "ab", 2);
	check(n == 2 && !memcmp(out, "ab", 2), "RLE decode plain text");
	check(rsp_rle_decode(out, sizeof(out), "*!", 2) < 0,
	      "RLE decode rejects a leading star");
	check(rsp_rle_decode(out, sizeof(out), "a*", 2) < 0,
	      "RLE decode rejects a missing count");
	check(rsp_rle_decode(out, 3, "a*~", 3) < 0,
	      "RLE decode respects the buffer size");
	n = rsp_rle_decode(out, sizeof(out), "}\x03*\x1e", 4);
	check(n == 4 && !memcmp(out, "}\x03}\x03", 4),
	      "RLE decode repeats a whole escape pair");
}

/* Frame, then parse back and decode: the round trip must be exact. */
static int frame_round_trip(const char *payload, size_t n, char *frame,
			    size_t *flen)
{
	static struct rsp_parser p;
	static char out[4096];
	enum rsp_event ev;
	ssize_t dn;

	*flen = rsp_frame(frame, payload, n, 1);
	rsp_parser_init(&p);
	if (rsp_parse(&p, frame, *flen, &ev) != *flen || ev != RSP_EV_PACKET)
		return 0;
	dn = rsp_rle_decode(out, sizeof(out), p.buf, p.len);
	return dn == (ssize_t)n && !memcmp(out, payload, n);
}

static void test_rle_encode(void)
{
	char frame[4200], payload[4096];
	size_t flen, i, run;
	int ok = 1;

	rsp_frame(frame, "OK", 2, 1);
	check(!memcmp(frame, "$OK#9a", 6), "frame of OK");
	check(frame_round_trip("0000", 4, frame, &flen) && flen == 7 &&
	      !memcmp(frame, "$0* #", 5), "RLE encode run of 4");
	check(frame_round_trip("000", 3, frame, &flen) &&
	      !memcmp(frame, "$000#", 5), "runs of 3 stay plain");
	for (run = 1; run <= 300; run++) {
		memset(payload, 'f', run);
		if (!frame_round_trip(payload, run, frame, &flen) ||
		    memchr(frame + 1, '#', flen - 4) ||
		    memchr(frame + 1, '$', flen - 4))
			ok = 0;
	}
	check(ok, "RLE encode runs 1..300 round trip without # or $");
	memset(payload, '0', 7);
	check(frame_round_trip(payload, 7, frame, &flen) &&
	      !memcmp(frame, "$0*\"0#", 6), "run of 7 split as 6 + 1");
	memset(payload, '0', 8);
	check(frame_round_trip(payload, 8, frame, &flen) &&
	      !memcmp(frame, "$0*\"00#", 7), "run of 8 split as 6 + 2");
	/* Escaped binary: pairs are never part of a run. */
	memcpy(payload, "}\x03}\x03}\x03}\x03}\x03", 10);
	check(frame_round_trip(payload, 10, frame, &flen) && flen == 14,
	      "escape pairs are not run-length coded");
	for (i = 0; i < 64; i++)
		payload[i] = i & 1 ? '*' ^ 0x20 : '}';
	check(frame_round_trip(payload, 64, frame, &flen),
	      "escaped stars survive framing");
}

/* Feed a stream in chunks of size chunk; collect events and payloads. */
static int parse_stream(const char *in, size_t n, size_t chunk,
			char *events, char payloads[][64], int max)
{
	static struct rsp_parser p;
	size_t off = 0;
	int count = 0;

	rsp_parser_init(&p);
	while (off < n) {
		size_t len = n - off < chunk ? n - off : chunk;
		size_t pos = 0;

		while (pos < len) {
			enum rsp_event ev;

			pos += rsp_parse(&p, in + off + pos, len - pos, &ev);
			if (ev == RSP_EV_NONE || count == max)
				continue;
			events[count] = "-PBOanI"[ev];
			if (ev == RSP_EV_PACKET) {
				memcpy(payloads[count], p.buf, p.len);
				payloads[count][p.len] = 0;
			}
			count++;
		}
		off += len;
	}
	events[count] = 0;
	return count;
}

static void test_parser(void)
{
	static const char stream[] =
		"+$qSupported:swbreak+#8b-\x03junk$m7c00,4#c7+"
		"$g#67$bad#00$m#6d";
	char events[32], payloads[32][64];
	size_t chunks[] = { 1, 2, 3, 7, 13, sizeof(stream) };
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		int n = parse_stream(stream, sizeof(stream) - 1, chunks[i],
				     events, payloads, 32);

		check(n == 9 && !strcmp(events, "aPnIPaPBP") &&
		      !strcmp(payloads[1], "qSupported:swbreak+") &&
		      !strcmp(payloads[4], "m7c00,4") &&
		      !strcmp(payloads[6], "g") && !strcmp(payloads[8], "m"),
		      chunks[i] == 1 ? "parser fed byte by byte" :
		      chunks[i] == sizeof(stream) ? "parser fed at once" :
		      chunks[i] == 2 ? "parser fed in chunks of 2" :
		      chunks[i] == 3 ? "parser fed in chunks of 3" :
		      chunks[i] == 7 ? "parser fed in chunks of 7" :
		      "parser fed in chunks of 13");
	}
}

static void test_parser_edges(void)
{
	static struct rsp_parser p;
	static char big[GDBSTUB_PACKET_SIZE + 64];
	enum rsp_event ev;
	size_t n, used;

	rsp_parser_init(&p);
	used = rsp_parse(&p, "$abc$OK#9a", 10, &ev);
	check(used == 10 && ev == RSP_EV_PACKET && p.len == 2,
	      "a second $ restarts the packet");
	used = rsp_parse(&p, "$OK#zz", 6, &ev);
	check(ev == RSP_EV_BADSUM, "non-hex checksum is a bad checksum");
	used = rsp_parse(&p, "$OK#9A", 6, &ev);
	check(ev == RSP_EV_PACKET, "upper-case checksum digits accepted");

	big[0] = '$';
	memset(big + 1, 'a', GDBSTUB_PACKET_SIZE + 10);
	n = 1 + GDBSTUB_PACKET_SIZE + 10;
	memcpy(big + n, "#00$OK#9a", 9);
	n += 9;
	used = rsp_parse(&p, big, n, &ev);
	check(ev == RSP_EV_OVERSIZE && used == n - 6,
	      "oversize packet reported at its checksum");
	used += rsp_parse(&p, big + used, n - used, &ev);
	check(ev == RSP_EV_PACKET && p.len == 2 && !memcmp(p.buf, "OK", 2),
	      "parser resynchronises after an oversize packet");
	memset(big + 1, 'a', GDBSTUB_PACKET_SIZE);
	n = 1 + GDBSTUB_PACKET_SIZE;
	big[n++] = '#';
	{
		uint8_t sum = rsp_checksum(big + 1, GDBSTUB_PACKET_SIZE);
		static const char hx[] = "0123456789abcdef";

		big[n++] = hx[sum >> 4];
		big[n++] = hx[sum & 15];
	}
	rsp_parse(&p, big, n, &ev);
	check(ev == RSP_EV_PACKET && p.len == GDBSTUB_PACKET_SIZE,
	      "packet of exactly PacketSize accepted");
	rsp_parse(&p, "\x03", 1, &ev);
	check(ev == RSP_EV_INTR, "Ctrl-C byte between packets");
	rsp_parse(&p, "$X0,1:\x03#22", 10, &ev);
	check(ev == RSP_EV_PACKET && p.len == 6 && p.buf[5] == 3,
	      "0x03 inside a packet is data");
}

int main(void)
{
	test_checksum();
	test_hex();
	test_escape();
	test_rle_decode();
	test_rle_encode();
	test_parser();
	test_parser_edges();
	totals();
	return failed ? 1 : 0;
}
