/*
 * libFuzzer harness over libgdbstub's framing and dispatch.  Each input
 * is one client session against the null target, the same in-memory
 * machine the benchmark measures as its floor: the bytes go through
 * gdbstub_conn_input() exactly as read() chunks from a socket would, and
 * what the stub sends back goes to a sink that checks it is well framed.
 *
 * Input layout: the first byte is a control byte, the rest is the byte
 * stream a client sends.  Control bits 0-2 choose how the stream is cut
 * into chunks (0: at once, 1: byte by byte, 2-7: pseudo-random sizes
 * seeded by the control byte); bit 3 gives the target four threads
 * instead of one; bit 6 turns on the protocol log (formatted, then
 * dropped), as nullstub --debug-rsp does.  Corpus files start with a
 * printable control byte so that they stay readable: '0' is one chunk,
 * one thread, no log; '1' byte by byte; '8' four threads; '@' the log.
 *
 * Every input starts from the same state: the target's RAM, CPUs and
 * breakpoints are reset and the session is opened afresh, held at a
 * SIGTRAP stop of thread 1 as nullstub is at start-up.  Nothing is
 * allocated per input, so a leak report means the library leaked.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/nulltarget.h"
#include "gdbstub/internal.h"

/* Small enough to reset per input, large enough to hold 0x7c00. */
#define FUZZ_RAM_SIZE		0x10000

#define CTRL_CHUNK_MASK		0x07
#define CTRL_THREADS		0x08
#define CTRL_LOG		0x40
#define FUZZ_THREADS		4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct null_target nt;
static struct gdbstub *stub;

/*
 * The output checker stays out of the coverage map: what it branches on
 * is the stub's doing, already covered in the stub's own code.
 */
#ifdef __clang__
#define NO_COVERAGE	__attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/*
 * The sink checks what the stub sends as a GDB would read it, with its
 * own reader rather than the library's: acks between frames; in a frame
 * no bare '$', escape pairs that do not hide the frame end, runs only of
 * plain characters with a printable count that is not '#' or '$', at
 * most PacketSize bytes once runs are expanded, and a checksum in two
 * lower-case digits that matches.  A frame may arrive in pieces.
 */
enum out_state {
	OUT_IDLE, OUT_DATA, OUT_ESCAPED, OUT_COUNT, OUT_SUM_HI, OUT_SUM_LO
};

static struct out_check {
	enum out_state state;
	uint8_t sum;
	int sum_hi;
	/* The byte before a '*' was a plain character: a run may follow. */
	int can_repeat;
	size_t wire_len, expanded_len;
} out;

/* The chunk being checked, shown when it is wrong. */
static const char *out_chunk;
static size_t out_chunk_len;

static void __attribute__((noreturn)) bad_output(const char *why)
{
	size_t i;

	fprintf(stderr, "fuzz-rsp: stub sent a bad frame: %s\nin: ", why);
	for (i = 0; i < out_chunk_len; i++) {
		unsigned char c = out_chunk[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputc('\n', stderr);
	abort();
}

NO_COVERAGE static int lower_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

NO_COVERAGE static void payload_byte(unsigned char c, size_t expanded)
{
	out.sum += c;
	out.wire_len++;
	out.expanded_len += expanded;
	if (out.wire_len > GDBSTUB_PACKET_SIZE ||
	    out.expanded_len > GDBSTUB_PACKET_SIZE)
		bad_output("payload over PacketSize");
}

NO_COVERAGE static void check_byte(unsigned char c)
{
	int d;

	switch (out.state) {
	case OUT_IDLE:
		if (c == '$') {
			memset(&out, 0, sizeof(out));
			out.state = OUT_DATA;
		} else if (c != '+' && c != '-') {
			bad_output("junk between frames");
		}
		break;
	case OUT_DATA:
		if (c == '#') {
			out.state = OUT_SUM_HI;
			break;
		}
		if (c == '$')
			bad_output("bare '$' in a payload");
		if (c == '*') {
			if (!out.can_repeat)
				bad_output("run of nothing or of an escape");
			out.state = OUT_COUNT;
			payload_byte(c, 0);
			break;
		}
		out.can_repeat = c != '}';
		if (c == '}')
			out.state = OUT_ESCAPED;
		payload_byte(c, 1);
		break;
	case OUT_ESCAPED:
		if (c == '#' || c == '$')
			bad_output("escape before a framing character");
		out.state = OUT_DATA;
		payload_byte(c, 1);
		break;
	case OUT_COUNT:
		if (c < ' ' || c > '~' || c == '#' || c == '$')
			bad_output("bad run-length count");
		out.state = OUT_DATA;
		payload_byte(c, c - RSP_RLE_BIAS);
		break;
	case OUT_SUM_HI:
		d = lower_hex(c);
		if (d < 0)
			bad_output("checksum digit");
		out.sum_hi = d;
		out.state = OUT_SUM_LO;
		break;
	case OUT_SUM_LO:
		d = lower_hex(c);
		if (d < 0)
			bad_output("checksum digit");
		if ((out.sum_hi << 4 | d) != out.sum)
			bad_output("checksum mismatch");
		out.state = OUT_IDLE;
		break;
	}
}

NO_COVERAGE static void sink(void *ctx, const char *data, size_t n)
{
	size_t i;

	(void)ctx;
	out_chunk = data;
	out_chunk_len = n;
	for (i = 0; i < n; i++)
		check_byte(data[i]);
}

/* The log's lines are built as for a terminal, then dropped. */
static void drop_log(void *ctx, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

/* Deterministic chunk sizes: a small LCG seeded by the control byte. */
static size_t next_chunk(uint32_t *seed, int mode, size_t left)
{
	size_t n;

	if (mode == 0)
		return left;
	if (mode == 1)
		return 1;
	*seed = *seed * 1103515245 + 12345;
	/* Mostly short cuts, sometimes long ones: splits land anywhere. */
	n = (*seed >> 16) & 0x8000 ? ((*seed >> 16) & 0x3ff) + 1 :
				      ((*seed >> 16) & 0xf) + 1;
	return n < left ? n : left;
}

static void fuzz_init(void)
{
	struct gdbstub_config cfg = {
		.arch = &gdbstub_arch_x86_64,
		.ops = &null_target_ops,
		.target = &nt,
	};

	if (null_target_init(&nt, FUZZ_THREADS, FUZZ_RAM_SIZE) < 0)
		abort();
	stub = gdbstub_new(&cfg);
	if (!stub)
		abort();
	nt.stub = stub;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed;
	size_t off;
	int mode;

	if (!stub)
		fuzz_init();
	if (size < 1)
		return 0;
	mode = data[0] & CTRL_CHUNK_MASK;
	seed = data[0];
	nt.nthreads = data[0] & CTRL_THREADS ? FUZZ_THREADS : 1;
	null_target_reset(&nt);
	stub->log = data[0] & CTRL_LOG ? drop_log : NULL;
	memset(&out, 0, sizeof(out));

	gdbstub_conn_open_sink(stub, sink, NULL);
	null_target_report(&nt, GDBSTUB_STOP_SIGNAL, 1, GDBSTUB_SIGTRAP);
	gdbstub_take_stop(stub);
	for (off = 1; off < size; ) {
		size_t n = next_chunk(&seed, mode, size - off);

		if (gdbstub_conn_input(stub, (const char *)data + off, n) < 0)
			break;
		off += n;
	}
	gdbstub_conn_close(stub);
	if (out.state != OUT_IDLE)
		bad_output("session ended inside a frame");
	return 0;
}
