/*
 * Unit tests of a whole session without a network: the stub talks over
 * a socketpair to this program, which plays GDB byte for byte, behind
 * it sits a small in-memory target.  Covers acks and nak resends,
 * no-ack mode, oversize and damaged packets, Ctrl-C, and what dispatch
 * answers for a few packets (qSupported, the unknown, unmapped memory,
 * unsupported breakpoint types, stop replies, qXfer, monitor output).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dejagnu.h>

#include "gdbstub/internal.h"
#include "gdbstub/x86/regfile.h"

#define MEM_BASE	0x1000
#define MEM_SIZE	0x2000

struct mock {
	struct gdbstub *stub;
	struct x86_gdb_regs regs;
	uint8_t mem[MEM_SIZE];
	int running;
};

static struct mock m;

static int mock_read_registers(void *t, int tid, uint8_t *buf)
{
	(void)t;
	if (tid != 1)
		return -ESRCH;
	memcpy(buf, &m.regs, sizeof(m.regs));
	return 0;
}

static int mock_write_registers(void *t, int tid, const uint8_t *buf)
{
	(void)t;
	if (tid != 1)
		return -ESRCH;
	memcpy(&m.regs, buf, sizeof(m.regs));
	return 0;
}

static ssize_t mock_read_memory(void *t, int tid, uint64_t addr,
				uint8_t *buf, size_t len)
{
	(void)t;
	(void)tid;
	if (addr < MEM_BASE || addr >= MEM_BASE + MEM_SIZE)
		return -EFAULT;
	if (len > MEM_BASE + MEM_SIZE - addr)
		len = MEM_BASE + MEM_SIZE - addr;
	memcpy(buf, m.mem + addr - MEM_BASE, len);
	return len;
}

static ssize_t mock_write_memory(void *t, int tid, uint64_t addr,
				 const uint8_t *buf, size_t len)
{
	(void)t;
	(void)tid;
	if (addr < MEM_BASE || addr >= MEM_BASE + MEM_SIZE)
		return -EFAULT;
	if (len > MEM_BASE + MEM_SIZE - addr)
		len = MEM_BASE + MEM_SIZE - addr;
	memcpy(m.mem + addr - MEM_BASE, buf, len);
	return len;
}

static int mock_bp(void *t, enum gdbstub_bp_type type, uint64_t addr,
		   uint64_t kind)
{
	(void)t;
	(void)addr;
	(void)kind;
	return type == GDBSTUB_BP_HW ? 0 : -EOPNOTSUPP;
}

static void stop(int reason, int sig)
{
	struct gdbstub_stop st = { .reason = reason, .tid = 1, .signal = sig };

	gdbstub_report_stop(m.stub, &st);
}

static int mock_resume(void *t, const struct gdbstub_action *acts, int n)
{
	(void)t;
	if (n < 1)
		return -EINVAL;
	if (acts[0].type == 's') {
		m.regs.rip++;
		stop(GDBSTUB_STOP_SIGNAL, GDBSTUB_SIGTRAP);
	} else {
		m.running = 1;
	}
	return 0;
}

static void mock_interrupt(void *t)
{
	(void)t;
	if (m.running) {
		m.running = 0;
		stop(GDBSTUB_STOP_SIGNAL, GDBSTUB_SIGINT);
	}
}

static int mock_monitor(void *t, const char *cmd, gdbstub_print_fn print,
			void *ctx)
{
	(void)t;
	if (strcmp(cmd, "hi"))
		return -ENOENT;
	print(ctx, "hello\n");
	return 0;
}

static const struct gdbstub_target_ops mock_ops = {
	.read_registers = mock_read_registers,
	.write_registers = mock_write_registers,
	.read_memory = mock_read_memory,
	.write_memory = mock_write_memory,
	.insert_breakpoint = mock_bp,
	.remove_breakpoint = mock_bp,
	.resume = mock_resume,
	.interrupt = mock_interrupt,
	.monitor_command = mock_monitor,
};

static int peer;			/* our end of the socketpair */
static char rbuf[GDBSTUB_PACKET_SIZE * 2];

/* Send raw bytes to the stub; return what it wrote back (NUL-ended). */
static const char *raw(const char *in, size_t n)
{
	ssize_t got;
	size_t len = 0;

	gdbstub_conn_input(m.stub, in, n);
	while ((got = recv(peer, rbuf + len, sizeof(rbuf) - 1 - len,
			   MSG_DONTWAIT)) > 0)
		len += got;
	rbuf[len] = 0;
	return rbuf;
}

/* Send one framed packet. */
static const char *send_pkt(const char *payload)
{
	static char frame[GDBSTUB_PACKET_SIZE + 8];
	size_t n = rsp_frame(frame, payload, strlen(payload), 0);

	return raw(frame, n);
}

/*
 * The payload of the first packet in what the stub sent, run-length
 * decoded, or NULL if there is none.  *acked says whether a '+' came
 * first.
 */
static const char *payload_of(const char *got, int *acked)
{
	static char out[GDBSTUB_PACKET_SIZE * 2];
	const char *end;
	ssize_t n;

	*acked = *got == '+';
	if (*acked)
		got++;
	if (*got++ != '$' || !(end = strchr(got, '#')))
		return NULL;
	n = rsp_rle_decode(out, sizeof(out) - 1, got, end - got);
	if (n < 0)
		return NULL;
	out[n] = 0;
	return out;
}

/* Send a packet; the reply must be acked and carry exactly reply. */
static void expect(const char *payload, const char *reply, const char *what)
{
	int acked;
	const char *got = payload_of(send_pkt(payload), &acked);

	if (got && acked && !strcmp(got, reply))
		pass("%s", what);
	else
		fail("%s (got %.60s)", what, got ? got : rbuf);
}

static void expect_prefix(const char *payload, const char *prefix,
			  const char *what)
{
	int acked;
	const char *got = payload_of(send_pkt(payload), &acked);

	if (got && acked && !strncmp(got, prefix, strlen(prefix)))
		pass("%s", what);
	else
		fail("%s (got %.60s)", what, got ? got : rbuf);
}

static void check(int cond, const char *what)
{
	if (cond)
		pass("%s", what);
	else
		fail("%s", what);
}

static void test_acks(void)
{
	const char *r;
	char first[64];

	check(!*raw("+", 1), "stray + ignored");
	check(!strcmp(raw("$g#00", 5), "-"), "bad checksum gets -");
	r = send_pkt("qC");
	check(!strcmp(r, "+$QC1#c5"), "resent packet accepted after -");
	snprintf(first, sizeof(first), "%s", r + 1);
	check(!strcmp(raw("-", 1), first), "nak resends the last reply");
	check(!strcmp(raw("-", 1), first), "second nak resends it again");
	check(!*raw("\x03", 1), "Ctrl-C while stopped is ignored");
}

static void test_dispatch(void)
{
	static char big[GDBSTUB_PACKET_SIZE + 100];
	const char *r;
	int acked;

	expect_prefix("qSupported:multiprocess+;swbreak+;hwbreak+",
		      "PacketSize=20000;swbreak+;hwbreak+;"
		      "qXfer:features:read+;qXfer:threads:read+;"
		      "QStartNoAckMode+;vContSupported+;binary-upload+",
		      "qSupported reply");
	expect("vMustReplyEmpty", "", "vMustReplyEmpty is empty");
	expect("qTStatus", "", "unknown q packet is empty");
	expect("!", "", "unknown packet letter is empty");
	expect("m0,4", "E0e", "m of unmapped memory is E0e");
	expect("m2ffe,4", "0000", "m across the end is partial");
	expect("M1000,2:a55a", "OK", "M writes memory");
	expect("m1000,2", "a55a", "m reads it back");
	expect("X1002,4:}\x03}\x04}]}\x0a", "OK", "X with escaped bytes");
	expect("m1002,4", "23247d2a", "X bytes read back in hex");
	expect("x1002,4", "b}\x03}\x04}]}\x0a", "x escapes its reply");
	expect("M1000,2:a5", "E16", "M with short data is E16");
	expect("Z0,1000,1", "", "Z0 the target lacks is empty");
	expect("Z1,1000,1", "OK", "Z1 inserts");
	expect("Z9,1000,1", "", "Z type 9 is empty");
	expect("Z1,zz", "E16", "malformed Z is E16");
	expect("vCont?", "vCont;c;C;s;S;r", "vCont? lists c C s S r");
	expect("qfThreadInfo", "m1", "qfThreadInfo lists thread 1");
	expect("qsThreadInfo", "l", "qsThreadInfo ends the list");
	expect("Hg1", "OK", "Hg1 accepted");
	expect("Hg2", "E03", "Hg of a missing thread is E03");
	expect("T1", "OK", "thread 1 alive");
	expect("qAttached", "1", "qAttached is 1");
	expect("p10", "0010000000000000", "p reads rip");
	expect("P0=0500000000000000", "OK", "P writes rax");
	expect("P0=05", "E16", "P with the wrong size is E16");
	expect("pfff", "E16", "p of a bad register is E16");
	check(!strcmp(send_pkt("qRcmd,6869"),
		      "+$O68656c6c6f0a#87$OK#9a"),
	      "qRcmd output as O packet, then OK");
	expect("qRcmd,7878", "E02", "qRcmd failure is E NN");
	expect_prefix("qXfer:features:read:target.xml:0,20",
		      "m<?xml", "qXfer target.xml first chunk is m");
	expect_prefix("qXfer:features:read:target.xml:0,fffff",
		      "l<?xml", "qXfer whole target.xml is l");
	expect_prefix("qXfer:features:read:nosuch.xml:0,100", "E",
		      "qXfer of an unknown annex is an error");
	expect_prefix("qXfer:threads:read::0,1000",
		      "l<?xml version=\"1.0\"?>\n<threads>\n"
		      "<thread id=\"1\" name=\"cpu0\">",
		      "qXfer:threads:read lists thread 1");
	send_pkt("qSupported:swbreak+");
	check((r = payload_of(send_pkt("g"), &acked)) &&
	      strlen(r) == 2 * X86_GDB_REGS_SIZE,
	      "g reply has the fixed size");

	big[0] = '$';
	memset(big + 1, 'm', GDBSTUB_PACKET_SIZE + 50);
	memcpy(big + GDBSTUB_PACKET_SIZE + 51, "#00", 3);
	check(!strncmp(raw(big, GDBSTUB_PACKET_SIZE + 54), "+$E01#", 6),
	      "oversize packet answered E01");
	expect("qC", "QC1", "connection survives an oversize packet");

	send_pkt("qSupported:error-message+");
	expect("qXfer:features:read:nosuch.xml:0,100",
	       "E.no such target description file",
	       "E.text once the client offered error-message+");
	send_pkt("qSupported:swbreak+");
	expect("qXfer:features:read:nosuch.xml:0,100", "E02",
	       "plain E NN when the client did not offer it");
}

static void test_run(void)
{
	const char *r;

	r = send_pkt("s");
	check(!strncmp(r, "+$T05thread:01;06:", 18) &&
	      strstr(r, ";07:") && strstr(r, ";10:"),
	      "step answers T05 with thread and expedited registers");
	r = send_pkt("?");
	check(!strncmp(r, "+$T05thread:01;", 15), "? repeats the last stop");
	check(!strcmp(send_pkt("c"), "+"), "c is acked and runs");
	check(!strncmp(send_pkt("g"), "+$E10", 5),
	      "packets while running are refused");
	r = raw("\x03", 1);
	check(!strncmp(r, "$T02thread:01;", 14), "Ctrl-C gives a T02 stop");
	check(!strncmp(send_pkt("vCont;s:1"), "+$T05thread:01;", 15),
	      "vCont;s:1 steps thread 1");
	expect("vCont;x", "E16", "vCont with a bad action is E16");
}

static void test_no_ack(void)
{
	char frame[64];
	size_t n;

	expect("QStartNoAckMode", "OK", "QStartNoAckMode acked with OK");
	n = rsp_frame(frame, "qC", 2, 0);
	frame[n] = 0;
	check(!strcmp(raw(frame, n), "$QC1#c5"), "no ack after no-ack mode");
	check(!strncmp(raw("$qC#00", 6), "$E02", 4),
	      "bad checksum in no-ack mode is E02");
}

int main(void)
{
	struct gdbstub_config cfg = {
		.arch = &gdbstub_arch_x86_64,
		.ops = &mock_ops,
		.target = &m,
	};
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	m.regs.rip = 0x1000;
	m.stub = gdbstub_new(&cfg);
	if (!m.stub) {
		perror("gdbstub_new");
		return 1;
	}
	peer = sv[1];
	stop(GDBSTUB_STOP_SIGNAL, GDBSTUB_SIGTRAP);
	gdbstub_take_stop(m.stub);
	gdbstub_conn_open(m.stub, sv[0]);
	test_acks();
	test_dispatch();
	test_run();
	test_no_ack();
	gdbstub_free(m.stub);
	totals();
	return failed ? 1 : 0;
}
