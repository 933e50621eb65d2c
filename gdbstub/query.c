/*
 * The q, Q and v families and the thread packets (H, T, qC, thread
 * lists, qXfer:threads).  Each family is a list of prefix-claiming
 * handlers tried in order; a packet nobody claims gets the empty reply,
 * which is how GDB learns that a feature is absent.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/internal.h"

/* Longest monitor command accepted, after hex decoding. */
#define RCMD_MAX	1024
/* Monitor output per "O" packet, before hex encoding. */
#define RCMD_OUT_CHUNK	1024
/* Room for the qXfer:threads:read document. */
#define THREADS_XML_MAX	(GDBSTUB_MAX_THREADS * 256 + 64)

/* ---- threads ---- */

static int list_threads(struct gdbstub *s, int *tids, int max)
{
	int n;

	if (!s->ops->list_threads) {
		tids[0] = 1;
		return 1;
	}
	n = s->ops->list_threads(s->target, tids, max);
	if (n > max)
		n = max;
	return n < 0 ? 0 : n;
}

int thread_exists(struct gdbstub *s, int tid)
{
	int tids[GDBSTUB_MAX_THREADS];
	int i, n = list_threads(s, tids, GDBSTUB_MAX_THREADS);

	for (i = 0; i < n; i++)
		if (tids[i] == tid)
			return 1;
	return 0;
}

int thread_resolve(struct gdbstub *s, int tid)
{
	int tids[GDBSTUB_MAX_THREADS];

	if (tid > 0)
		return tid;
	if (s->cur_tid > 0)
		return s->cur_tid;
	return list_threads(s, tids, GDBSTUB_MAX_THREADS) ? tids[0] : 1;
}

size_t thread_parse(const char *in, size_t n, int *tid)
{
	size_t i = 0, used;
	uint64_t v;

	/* Multiprocess form: the process part is ours by definition. */
	if (n && in[0] == 'p') {
		for (i = 1; i < n && in[i] != '.'; i++)
			;
		if (i == n) {
			*tid = -1;
			return n;
		}
		i++;
	}
	if (n - i >= 2 && in[i] == '-' && in[i + 1] == '1') {
		*tid = -1;
		return i + 2;
	}
	used = rsp_parse_hex(in + i, n - i, &v);
	if (!used || v > GDBSTUB_MAX_TID)
		return 0;
	*tid = v;
	return i + used;
}

/* Hg / Hc: choose the thread for later register access or resumes. */
int handle_set_thread(struct gdbstub *s, const char *pkt, size_t len)
{
	int tid;

	if (len < 3 || (pkt[1] != 'g' && pkt[1] != 'c') ||
	    thread_parse(pkt + 2, len - 2, &tid) != len - 2)
		return -EINVAL;
	if (tid > 0 && !thread_exists(s, tid))
		return -ESRCH;
	if (pkt[1] == 'g') {
		s->g_tid = tid;
		if (tid > 0 && s->ops->select_thread)
			s->ops->select_thread(s->target, tid);
	} else
		s->c_tid = tid;
	reply_ok(s);
	return 0;
}

int handle_thread_alive(struct gdbstub *s, const char *pkt, size_t len)
{
	int tid;

	if (thread_parse(pkt + 1, len - 1, &tid) != len - 1 || tid <= 0)
		return -EINVAL;
	if (!thread_exists(s, tid))
		return -ESRCH;
	reply_ok(s);
	return 0;
}

/* ---- q family: each returns 0 not mine, 1 handled, -1 error sent ---- */

static int q_supported(struct gdbstub *s, const char *pkt, size_t len)
{
	size_t i, n = gdbstub_claim(pkt, len, "qSupported");

	if (!n)
		return 0;
	s->client_swbreak = 0;
	s->client_hwbreak = 0;
	s->client_error_message = 0;
	for (i = n + 1; i < len;) {
		size_t end;

		for (end = i; end < len && pkt[end] != ';'; end++)
			;
		if (gdbstub_claim(pkt + i, end - i, "swbreak+"))
			s->client_swbreak = 1;
		else if (gdbstub_claim(pkt + i, end - i, "hwbreak+"))
			s->client_hwbreak = 1;
		else if (gdbstub_claim(pkt + i, end - i, "error-message+"))
			s->client_error_message = 1;
		i = end + 1;
	}
	reply_fmt(s, "PacketSize=%x;swbreak+;hwbreak+;"
		  "qXfer:features:read+;qXfer:threads:read+;"
		  "QStartNoAckMode+;vContSupported+;binary-upload+",
		  GDBSTUB_PACKET_SIZE);
	reply_send(s);
	return 1;
}

/*
 * Send the part of an object a qXfer read asks for: "m" and a chunk when
 * more follows, "l" with the last one.
 */
static void xfer_reply(struct gdbstub *s, const char *data, size_t size,
		       uint64_t off, uint64_t len)
{
	size_t want, used;

	if (off >= size) {
		reply_str(s, "l");
		reply_send(s);
		return;
	}
	want = size - off;
	if (want > len)
		want = len;
	reply_str(s, "m");
	used = reply_bin(s, (const uint8_t *)data + off, want);
	s->pay[0] = off + used == size ? 'l' : 'm';
	reply_send(s);
}

/* Parse "OFFSET,LENGTH" filling the rest of a qXfer packet. */
static int parse_off_len(const char *p, size_t n, uint64_t *off,
			 uint64_t *len)
{
	size_t used = rsp_parse_hex(p, n, off);

	if (!used || used >= n || p[used] != ',')
		return -1;
	p += used + 1;
	n -= used + 1;
	used = rsp_parse_hex(p, n, len);
	return used && used == n ? 0 : -1;
}

static int q_xfer_features(struct gdbstub *s, const char *pkt, size_t len)
{
	static const char prefix[] = "qXfer:features:read:";
	const size_t plen = sizeof(prefix) - 1;
	const struct gdbstub_arch *a = s->arch;
	size_t i, annex_len;
	uint64_t off, n;
	int f;

	if (len < plen || memcmp(pkt, prefix, plen))
		return 0;
	for (i = plen; i < len && pkt[i] != ':'; i++)
		;
	annex_len = i - plen;
	if (i == len || parse_off_len(pkt + i + 1, len - i - 1, &off, &n)) {
		reply_error(s, EINVAL);
		return -1;
	}
	for (f = 0; f < a->nfiles; f++) {
		if (strlen(a->files[f].name) == annex_len &&
		    !memcmp(a->files[f].name, pkt + plen, annex_len)) {
			xfer_reply(s, a->files[f].text,
				   strlen(a->files[f].text), off, n);
			return 1;
		}
	}
	reply_error_msg(s, ENOENT, "no such target description file");
	return -1;
}

/* Append text with XML's special characters replaced. */
static size_t xml_escape(char *out, size_t room, const char *in)
{
	size_t o = 0;

	for (; *in; in++) {
		const char *rep = NULL;
		size_t rl;

		switch (*in) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: break;
		}
		rl = rep ? strlen(rep) : 1;
		if (o + rl >= room)
			break;
		if (rep)
			memcpy(out + o, rep, rl);
		else
			out[o] = *in;
		o += rl;
	}
	return o;
}

static void build_threads_xml(struct gdbstub *s)
{
	int tids[GDBSTUB_MAX_THREADS];
	int i, n = list_threads(s, tids, GDBSTUB_MAX_THREADS);
	char *x = s->threads_xml;
	size_t o = 0;

	o += snprintf(x + o, THREADS_XML_MAX - o,
		      "<?xml version=\"1.0\"?>\n<threads>\n");
	for (i = 0; i < n; i++) {
		char desc[200] = "";

		if (s->ops->describe_thread)
			s->ops->describe_thread(s->target, tids[i], desc,
						sizeof(desc));
		desc[sizeof(desc) - 1] = 0;
		o += snprintf(x + o, THREADS_XML_MAX - o,
			      "<thread id=\"%x\" name=\"cpu%d\">",
			      tids[i], tids[i] - 1);
		o += xml_escape(x + o, THREADS_XML_MAX - o, desc);
		o += snprintf(x + o, THREADS_XML_MAX - o, "</thread>\n");
	}
	o += snprintf(x + o, THREADS_XML_MAX - o, "</threads>\n");
	s->threads_xml_len = o;
}

static int q_xfer_threads(struct gdbstub *s, const char *pkt, size_t len)
{
	static const char prefix[] = "qXfer:threads:read::";
	const size_t plen = sizeof(prefix) - 1;
	uint64_t off, n;

	if (len < plen || memcmp(pkt, prefix, plen))
		return 0;
	if (parse_off_len(pkt + plen, len - plen, &off, &n)) {
		reply_error(s, EINVAL);
		return -1;
	}
	/* Later chunks slice the same snapshot as the first. */
	if (off == 0 || !s->threads_xml_len)
		build_threads_xml(s);
	xfer_reply(s, s->threads_xml, s->threads_xml_len, off, n);
	return 1;
}

static void rcmd_print(void *ctx, const char *text)
{
	struct gdbstub *s = ctx;
	char buf[1 + 2 * RCMD_OUT_CHUNK];
	size_t n = strlen(text);

	while (n) {
		size_t k = n < RCMD_OUT_CHUNK ? n : RCMD_OUT_CHUNK;

		buf[0] = 'O';
		rsp_hex_encode(buf + 1, (const uint8_t *)text, k);
		conn_send_now(s, buf, 1 + 2 * k);
		text += k;
		n -= k;
	}
}

static int q_rcmd(struct gdbstub *s, const char *pkt, size_t len)
{
	char cmd[RCMD_MAX + 1];
	size_t n = gdbstub_claim(pkt, len, "qRcmd");
	ssize_t clen;
	int ret;

	if (!n)
		return 0;
	if (!s->ops->monitor_command) {
		reply_send(s);
		return 1;
	}
	if (pkt[n] != ',' ||
	    (clen = rsp_hex_decode((uint8_t *)cmd, RCMD_MAX, pkt + n + 1,
				   len - n - 1)) < 0 ||
	    memchr(cmd, 0, clen)) {
		reply_error(s, EINVAL);
		return -1;
	}
	cmd[clen] = 0;
	ret = s->ops->monitor_command(s->target, cmd, rcmd_print, s);
	if (ret < 0) {
		reply_error(s, ret);
		return -1;
	}
	reply_ok(s);
	return 1;
}

static int q_thread_info(struct gdbstub *s, const char *pkt, size_t len)
{
	int tids[GDBSTUB_MAX_THREADS];
	int i, n;

	if (gdbstub_claim(pkt, len, "qsThreadInfo")) {
		/* The first answer carries the whole list. */
		reply_str(s, "l");
		reply_send(s);
		return 1;
	}
	if (!gdbstub_claim(pkt, len, "qfThreadInfo"))
		return 0;
	n = list_threads(s, tids, GDBSTUB_MAX_THREADS);
	reply_str(s, n ? "m" : "l");
	for (i = 0; i < n; i++)
		reply_fmt(s, i ? ",%x" : "%x", tids[i]);
	reply_send(s);
	return 1;
}

static int q_current_thread(struct gdbstub *s, const char *pkt, size_t len)
{
	if (!gdbstub_claim(pkt, len, "qC"))
		return 0;
	reply_fmt(s, "QC%x", thread_resolve(s, 0));
	reply_send(s);
	return 1;
}

static int q_attached(struct gdbstub *s, const char *pkt, size_t len)
{
	if (!gdbstub_claim(pkt, len, "qAttached"))
		return 0;
	/* The machine was there before us: detach, not kill, on quit. */
	reply_str(s, "1");
	reply_send(s);
	return 1;
}

typedef int claim_fn(struct gdbstub *s, const char *pkt, size_t len);

static claim_fn *const q_family[] = {
	q_supported, q_xfer_features, q_xfer_threads, q_rcmd,
	q_thread_info, q_current_thread, q_attached,
};

static int q_start_no_ack(struct gdbstub *s, const char *pkt, size_t len)
{
	if (!gdbstub_claim(pkt, len, "QStartNoAckMode"))
		return 0;
	/* Our OK still goes out with its ack; nothing after it does. */
	reply_ok(s);
	s->no_ack = 1;
	return 1;
}

static claim_fn *const Q_family[] = {
	q_start_no_ack,
};

/* vMustReplyEmpty is deliberately absent: no claim means empty. */
static claim_fn *const v_family[] = {
	v_cont, v_kill,
};

static int run_family(struct gdbstub *s, claim_fn *const *fam, size_t n,
		      const char *pkt, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fam[i](s, pkt, len))
			return 0;
	reply_send(s);
	return 0;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int handle_query(struct gdbstub *s, const char *pkt, size_t len)
{
	return run_family(s, q_family, ARRAY_SIZE(q_family), pkt, len);
}

int handle_set(struct gdbstub *s, const char *pkt, size_t len)
{
	return run_family(s, Q_family, ARRAY_SIZE(Q_family), pkt, len);
}

int handle_v(struct gdbstub *s, const char *pkt, size_t len)
{
	return run_family(s, v_family, ARRAY_SIZE(v_family), pkt, len);
}

size_t gdbstub_threads_xml_max(void)
{
	return THREADS_XML_MAX;
}
