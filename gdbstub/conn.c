/*
 * One client session: turns received bytes into dispatched packets and
 * built replies into single writes.  It owns the acknowledgement rules
 * (ack each good packet, nak a damaged one, resend the last reply on a
 * nak, stop all of that after QStartNoAckMode), keeps the last frame for
 * resending, and applies stops reported by the target, answering the
 * client when it is waiting for one.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub/internal.h"

/* Longest stretch of a packet shown by the trace log. */
#define LOG_PACKET_MAX	200

void gdbstub_logf(struct gdbstub *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(s->log_ctx, "%s", line);
}

void gdbstub_log_packet(struct gdbstub *s, const char *dir, const char *p,
			size_t n)
{
	char text[LOG_PACKET_MAX * 4 + 1];
	size_t i, o = 0;

	if (!s->log)
		return;
	for (i = 0; i < n && i < LOG_PACKET_MAX; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			text[o++] = c;
		} else {
			snprintf(text + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	text[o] = 0;
	s->log(s->log_ctx, "%s %s%s", dir, text, n > i ? "..." : "");
}

void reply_reset(struct gdbstub *s)
{
	s->pay_len = 0;
	s->pay_overflow = 0;
}

size_t reply_room(struct gdbstub *s)
{
	return GDBSTUB_REPLY_MAX - s->pay_len;
}

void reply_mem(struct gdbstub *s, const char *data, size_t n)
{
	if (n > reply_room(s)) {
		s->pay_overflow = 1;
		return;
	}
	memcpy(s->pay + s->pay_len, data, n);
	s->pay_len += n;
}

void reply_str(struct gdbstub *s, const char *str)
{
	reply_mem(s, str, strlen(str));
}

void reply_fmt(struct gdbstub *s, const char *fmt, ...)
{
	size_t room = reply_room(s);
	va_list ap;
	int n;

	va_start(ap, fmt);
	/* +1: vsnprintf wants room for a terminator we do not keep. */
	n = vsnprintf(s->pay + s->pay_len, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > room)
		s->pay_overflow = 1;
	else
		s->pay_len += n;
}

void reply_hex(struct gdbstub *s, const uint8_t *data, size_t n)
{
	if (n > reply_room(s) / 2) {
		s->pay_overflow = 1;
		return;
	}
	rsp_hex_encode(s->pay + s->pay_len, data, n);
	s->pay_len += 2 * n;
}

size_t reply_bin(struct gdbstub *s, const uint8_t *data, size_t n)
{
	size_t used;

	s->pay_len += rsp_escape(s->pay + s->pay_len, reply_room(s), data, n,
				 &used);
	return used;
}

void reply_ok(struct gdbstub *s)
{
	reply_reset(s);
	reply_str(s, "OK");
	reply_send(s);
}

static unsigned int error_code(int err)
{
	if (err < 0)
		err = -err;
	/* E00 is taken as "no error" by some clients: never send it. */
	return err & 0xff ? err & 0xff : 0xff;
}

void reply_error(struct gdbstub *s, int err)
{
	reply_reset(s);
	reply_fmt(s, "E%02x", error_code(err));
	reply_send(s);
}

void reply_error_msg(struct gdbstub *s, int err, const char *text)
{
	if (!s->client_error_message || !text) {
		reply_error(s, err);
		return;
	}
	reply_reset(s);
	reply_str(s, "E.");
	/* Our messages are plain text; keep framing bytes out anyway. */
	for (; *text; text++) {
		char c = strchr("#$}*", *text) ? '?' : *text;

		reply_mem(s, &c, 1);
	}
	reply_send(s);
}

/* A client is there: a socket, or a sink for a session in memory. */
static int conn_live(struct gdbstub *s)
{
	return s->fd >= 0 || s->sink;
}

int conn_flush(struct gdbstub *s)
{
	size_t off = 0;

	if (!conn_live(s)) {
		s->tx_len = 0;
		return -1;
	}
	if (s->sink) {
		if (s->tx_len)
			s->sink(s->sink_ctx, s->tx, s->tx_len);
		s->tx_len = 0;
		return 0;
	}
	while (off < s->tx_len) {
		/* A serial line is no socket: plain write(). */
		ssize_t n = s->fd == s->serial_fd ?
			    write(s->fd, s->tx + off, s->tx_len - off) :
			    send(s->fd, s->tx + off, s->tx_len - off,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			gdbstub_logf(s, "send: %s", strerror(errno));
			s->tx_len = 0;
			return -1;
		}
		off += n;
	}
	s->tx_len = 0;
	return 0;
}

/* Queue a frame of payload behind whatever is already queued. */
static void queue_frame(struct gdbstub *s, const char *payload, size_t n)
{
	if (s->tx_len + n + RSP_FRAME_OVERHEAD > GDBSTUB_REPLY_MAX + 16)
		conn_flush(s);
	gdbstub_log_packet(s, "->", payload, n);
	s->frame_off = s->tx_len;
	s->frame_len = rsp_frame(s->tx + s->tx_len, payload, n, 1);
	s->tx_len += s->frame_len;
}

void reply_send(struct gdbstub *s)
{
	if (s->pay_overflow) {
		/* A handler misjudged its clamp: refuse rather than cut. */
		reply_reset(s);
		reply_fmt(s, "E%02x", error_code(ENOBUFS));
	}
	queue_frame(s, s->pay, s->pay_len);
}

void conn_send_now(struct gdbstub *s, const char *payload, size_t n)
{
	if (n > GDBSTUB_REPLY_MAX)
		n = GDBSTUB_REPLY_MAX;
	queue_frame(s, payload, n);
	conn_flush(s);
}

static void queue_byte(struct gdbstub *s, char c)
{
	/*
	 * The last frame stays in tx for a resend.  When it was sent from
	 * offset 0 (a resend, a stop reply after Ctrl-C) the byte would
	 * land on its '$': move the frame up one first.
	 */
	if (s->frame_len && s->frame_off == s->tx_len) {
		memmove(s->tx + s->tx_len + 1, s->tx + s->frame_off,
			s->frame_len);
		s->frame_off++;
	}
	s->tx[s->tx_len++] = c;
}

static void resend_last(struct gdbstub *s)
{
	if (!s->frame_len || !conn_live(s))
		return;
	gdbstub_logf(s, "nak: resending %zu bytes", s->frame_len);
	/* The frame is still in tx; queue a copy of it, or itself. */
	if (s->tx_len == 0 && s->frame_off == 0) {
		s->tx_len = s->frame_len;
	} else {
		memmove(s->tx + s->tx_len, s->tx + s->frame_off, s->frame_len);
		s->frame_off = s->tx_len;
		s->tx_len += s->frame_len;
	}
}

static void handle_packet(struct gdbstub *s)
{
	ssize_t n;

	/* A new packet means the previous reply arrived intact. */
	s->frame_len = 0;
	if (!s->no_ack)
		queue_byte(s, '+');
	n = rsp_rle_decode(s->pkt, GDBSTUB_REPLY_MAX, s->rx.buf, s->rx.len);
	if (n < 0) {
		gdbstub_log_packet(s, "<- (bad run-length coding)", s->rx.buf,
				   s->rx.len);
		reply_error(s, GDBSTUB_E_BADRLE);
		return;
	}
	s->pkt[n] = 0;
	gdbstub_log_packet(s, "<-", s->pkt, n);
	gdbstub_dispatch(s, s->pkt, n);
}

int gdbstub_conn_input(struct gdbstub *s, const char *data, size_t n)
{
	size_t off = 0;

	while (off < n && !s->done && !s->close_after) {
		enum rsp_event ev;

		off += rsp_parse(&s->rx, data + off, n - off, &ev);
		switch (ev) {
		case RSP_EV_NONE:
		case RSP_EV_ACK:
			break;
		case RSP_EV_PACKET:
			handle_packet(s);
			break;
		case RSP_EV_BADSUM:
			gdbstub_log_packet(s, "<- (bad checksum)", s->rx.buf,
					   s->rx.len);
			if (!s->no_ack) {
				queue_byte(s, '-');
			} else {
				/* Nobody will resend: say it went wrong. */
				s->frame_len = 0;
				reply_error(s, GDBSTUB_E_BADSUM);
			}
			break;
		case RSP_EV_OVERSIZE:
			gdbstub_logf(s, "<- packet longer than %#x dropped",
				     GDBSTUB_PACKET_SIZE);
			/*
			 * Ack it: a nak would only bring the same packet
			 * back.  The error tells the client it was lost.
			 */
			s->frame_len = 0;
			if (!s->no_ack)
				queue_byte(s, '+');
			reply_error_msg(s, GDBSTUB_E_TOOLONG,
					"packet longer than PacketSize");
			break;
		case RSP_EV_NAK:
			resend_last(s);
			break;
		case RSP_EV_INTR:
			gdbstub_logf(s, "<- interrupt%s",
				     s->running ? "" : " (already stopped)");
			if (s->running && s->ops->interrupt)
				s->ops->interrupt(s->target);
			break;
		}
		/* resume() and interrupt() may report a stop at once. */
		gdbstub_take_stop(s);
		if (conn_flush(s) < 0)
			return -1;
	}
	return s->done || s->close_after ? -1 : 0;
}

void gdbstub_conn_open(struct gdbstub *s, int fd)
{
	s->fd = fd;
	s->sink = NULL;
	s->no_ack = 0;
	s->client_swbreak = 0;
	s->client_hwbreak = 0;
	s->client_error_message = 0;
	s->hold_input = 0;
	s->stop_owed = 0;
	s->close_after = 0;
	s->g_tid = 0;
	s->c_tid = 0;
	s->tx_len = 0;
	s->frame_len = 0;
	s->threads_xml_len = 0;
	rsp_parser_init(&s->rx);
	atomic_store(&s->connected, 1);
}

void gdbstub_conn_open_sink(struct gdbstub *s, gdbstub_sink_fn *sink,
			    void *ctx)
{
	gdbstub_conn_open(s, -1);
	s->sink = sink;
	s->sink_ctx = ctx;
	s->running = 1;
	s->have_stop = 0;
	s->cur_tid = 0;
	s->done = 0;
	pthread_mutex_lock(&s->lock);
	s->stop_pending = 0;
	pthread_mutex_unlock(&s->lock);
	/* Stops reported from here need no wake-up through the pipe. */
	s->serve_thread = pthread_self();
	atomic_store(&s->serving_flag, 1);
}

void gdbstub_conn_close(struct gdbstub *s)
{
	if (!conn_live(s))
		return;
	/*
	 * A client that vanished leaves the target stopped for the next
	 * one; after D it was told to run free.
	 */
	if (s->running && !s->close_after && !s->done && s->ops->interrupt)
		s->ops->interrupt(s->target);
	if (s->sink)
		atomic_store(&s->serving_flag, 0);
	else if (s->fd != s->serial_fd)
		close(s->fd);	/* the serial line stays for the next one */
	s->fd = -1;
	s->sink = NULL;
	s->stop_owed = 0;
	s->hold_input = 0;
	atomic_store(&s->connected, 0);
	gdbstub_logf(s, "client disconnected");
}

/* Text for GDB's console: "O" packets, a line at most per packet. */
static void send_console(struct gdbstub *s, const char *text)
{
	char buf[1 + 2 * 256];
	size_t n = strlen(text);

	while (n) {
		size_t k = n < 256 ? n : 256;

		buf[0] = 'O';
		rsp_hex_encode(buf + 1, (const uint8_t *)text, k);
		queue_frame(s, buf, 1 + 2 * k);
		text += k;
		n -= k;
	}
}

void gdbstub_report_running(struct gdbstub *s)
{
	pthread_mutex_lock(&s->lock);
	s->running_pending = 1;
	/* Whatever stop was not taken yet is older than this resume. */
	if (s->pending.reason != GDBSTUB_STOP_EXITED &&
	    s->pending.reason != GDBSTUB_STOP_TERMINATED)
		s->stop_pending = 0;
	pthread_mutex_unlock(&s->lock);
	if (atomic_load(&s->serving_flag) &&
	    !pthread_equal(pthread_self(), s->serve_thread)) {
		char c = 0;

		if (write(s->wake_fd[1], &c, 1) < 0 && errno != EAGAIN)
			gdbstub_logf(s, "wake: %s", strerror(errno));
	}
}

/*
 * Apply gdbstub_report_running().  A client that is here already must
 * not be served while the target runs: it is stopped, and the client's
 * input waits until it has.  Returns 1 when the target must be
 * interrupted (by the caller, without the lock: interrupt() may report
 * a stop at once).
 */
static int take_running(struct gdbstub *s)
{
	int intr;

	pthread_mutex_lock(&s->lock);
	intr = s->running_pending;
	s->running_pending = 0;
	pthread_mutex_unlock(&s->lock);
	if (!intr)
		return 0;
	s->running = 1;
	s->threads_xml_len = 0;
	if (!conn_live(s) || s->hold_input || s->stop_owed)
		return 0;
	s->hold_input = 1;
	return 1;
}

void gdbstub_take_stop(struct gdbstub *s)
{
	struct gdbstub_stop st;

	if (take_running(s) && s->ops->interrupt)
		s->ops->interrupt(s->target);
	pthread_mutex_lock(&s->lock);
	if (!s->stop_pending) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	st = s->pending;
	if (st.extra) {
		memcpy(s->last_extra, s->pending_extra, sizeof(s->last_extra));
		st.extra = s->last_extra;
	}
	memcpy(s->last_message, s->pending_message, sizeof(s->last_message));
	st.message = NULL;
	s->stop_pending = 0;
	pthread_mutex_unlock(&s->lock);

	s->running = 0;
	s->have_stop = 1;
	s->last_stop = st;
	if (st.tid > 0)
		s->cur_tid = st.tid;
	if (st.reason == GDBSTUB_STOP_EXITED ||
	    st.reason == GDBSTUB_STOP_TERMINATED)
		s->done = 1;
	if (!conn_live(s))
		return;
	if (s->hold_input) {
		/* The stop we waited for; the client has not asked yet. */
		s->hold_input = 0;
		if (!s->done)
			return;
	}
	/*
	 * Only a client waiting in c, s or vCont reads a stop now; an idle
	 * one (all-stop) would take it for the answer to its next request.
	 * An exit it was not waiting for is told by the hang-up instead.
	 */
	if (!s->stop_owed)
		return;
	s->stop_owed = 0;
	if (s->last_message[0])
		send_console(s, s->last_message);
	reply_reset(s);
	stop_reply_build(s, &st);
	reply_send(s);
	conn_flush(s);
}
