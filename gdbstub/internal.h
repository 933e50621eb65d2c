/*
 * Private to libgdbstub: the stub's state, shared by the server loop, the
 * dispatcher and the packet families, and the small reply-building
 * vocabulary every handler uses.  The connection entry points are here
 * rather than static so that unit tests can run a session over a
 * socketpair without a listening socket or a serving thread, and the
 * fuzzer one in memory.
 */
#ifndef GDBSTUB_INTERNAL_H
#define GDBSTUB_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "gdbstub/gdbstub.h"
#include "gdbstub/packet.h"

/* Largest payload we send; also bounds decoded received packets. */
#define GDBSTUB_REPLY_MAX	GDBSTUB_PACKET_SIZE

/* Bytes asked of read() at a time; a full-size packet in a few calls. */
#define GDBSTUB_READ_CHUNK	65536

/* Room kept for Target-supplied "name:value;" pairs in a stop reply. */
#define GDBSTUB_EXTRA_MAX	256

/* Most threads listed or given vCont actions; more is refused. */
#define GDBSTUB_MAX_THREADS	256

/* Largest thread id we parse; tids are ints in the API. */
#define GDBSTUB_MAX_TID		0x7fffffff

/* Error codes of our own, sent as "E NN" where no errno fits. */
#define GDBSTUB_E_TOOLONG	0x01	/* packet exceeded PacketSize */
#define GDBSTUB_E_BADSUM	0x02	/* damaged packet in no-ack mode */
#define GDBSTUB_E_BADRLE	0x03	/* malformed run-length coding */

/* Receives what a session in memory would have sent to its client. */
typedef void gdbstub_sink_fn(void *ctx, const char *data, size_t n);

struct gdbstub {
	const struct gdbstub_arch *arch;
	const struct gdbstub_target_ops *ops;
	void *target;
	void (*log)(void *ctx, const char *fmt, ...);
	void *log_ctx;
	void (*notice)(void *ctx, const char *fmt, ...);

	int listen_fd;
	/* The listening socket is a Unix socket or loopback TCP. */
	int listen_local;
	/*
	 * A second client being turned away: it got an error packet and is
	 * kept until it has read it (its next request, or its hang-up) or
	 * until refused_deadline (CLOCK_MONOTONIC ms), because closing at
	 * once can reset the connection before the client reads why.  One
	 * at a time; others are closed without a word.  -1: none.
	 */
	int refused_fd;
	long long refused_deadline;
	int refused_packets;
	/* Socket file we created, removed again by gdbstub_free(). */
	char *unix_path;
	/*
	 * "serial:DEVICE": the open, raw terminal line, -1 otherwise.  It
	 * outlives sessions: a session is the client's packets on it from
	 * the first '$' (or Ctrl-C) until D, k or the target's end, and
	 * the next client on the same line starts a new one.
	 */
	int serial_fd;
	/*
	 * Self-pipe: gdbstub_report_stop() and gdbstub_shutdown() write a
	 * byte so that a serving thread blocked in poll() looks at the
	 * shared state.  Not written when the caller is that thread.
	 */
	int wake_fd[2];
	pthread_t serve_thread;
	/* serve_thread is valid: report_stop() there needs no wake-up. */
	atomic_int serving_flag;

	/* ---- the current client; fd is -1 between clients ---- */
	int fd;
	/*
	 * Set for a session in memory (gdbstub_conn_open_sink()): replies
	 * go to sink() instead of send() on fd.
	 */
	gdbstub_sink_fn *sink;
	void *sink_ctx;
	/* QStartNoAckMode was accepted: no '+'/'-' in either direction. */
	int no_ack;
	/* Features the client offered in qSupported. */
	int client_swbreak, client_hwbreak, client_error_message;
	/*
	 * The client arrived while the target ran: it was interrupted, and
	 * the client's packets wait unread until that stop is in, so that
	 * every packet is handled with the target stopped.
	 */
	int hold_input;
	/* A c/s/vCont is outstanding: the next stop is the client's reply. */
	int stop_owed;
	/* Set by D: end the session once the reply is out. */
	int close_after;
	/* Threads chosen by Hg (registers, memory) and Hc; 0 any, -1 all. */
	int g_tid, c_tid;
	struct rsp_parser rx;
	/* The received packet after run-length expansion, NUL-terminated. */
	char *pkt;
	/* The reply being built; escaped binary data stays escaped. */
	char *pay;
	size_t pay_len;
	/* A builder ran out of room; the reply becomes an error. */
	int pay_overflow;
	/*
	 * Bytes going out in one send(): an optional '+' followed by the
	 * framed reply.  The frame stays here after sending so that a '-'
	 * can resend it without rebuilding.
	 */
	char *tx;
	size_t tx_len;
	size_t frame_off, frame_len;
	/* qXfer:threads:read document, built at offset 0 and then sliced. */
	char *threads_xml;
	size_t threads_xml_len;
	/* Scratch for the whole register file ('g', expedite, 'p'). */
	uint8_t *regs;
	/* Scratch for memory transfers, GDBSTUB_REPLY_MAX bytes. */
	uint8_t *mem;

	/* ---- the target, as seen from the serving thread ---- */
	/* Resumed and not yet reported stopped (also before any stop). */
	int running;
	/* Stop to answer '?' with; valid once have_stop. */
	int have_stop;
	struct gdbstub_stop last_stop;
	char last_extra[GDBSTUB_EXTRA_MAX];
	/* The message of the stop being taken; not kept for '?'. */
	char last_message[GDBSTUB_MESSAGE_MAX];
	/* Thread of the last stop: what "any thread" means for Hg 0. */
	int cur_tid;
	/* The target exited (W/X) or was killed: serve() returns. */
	int done;

	/* ---- shared with other threads ---- */
	pthread_mutex_t lock;
	/* A stop waiting for the serving thread (under lock). */
	int stop_pending;
	struct gdbstub_stop pending;
	char pending_extra[GDBSTUB_EXTRA_MAX];
	char pending_message[GDBSTUB_MESSAGE_MAX];
	/* gdbstub_report_running() was called (under lock); a stop
	 * reported after it is newer, so it is applied first. */
	int running_pending;
	atomic_int shutdown_req;
	atomic_int connected;
};

/*
 * Packet handlers, one per leading character.  Each returns 0 once its
 * reply (if any) is queued, or a negative errno for the dispatcher to
 * answer with "E NN".
 */
typedef int gdbstub_handler(struct gdbstub *s, const char *pkt, size_t len);

gdbstub_handler handle_stop_query, handle_continue, handle_continue_sig,
	handle_step, handle_step_sig, handle_detach, handle_kill,
	handle_read_regs, handle_write_regs, handle_read_reg,
	handle_write_reg, handle_set_thread, handle_thread_alive,
	handle_read_mem, handle_write_mem, handle_write_mem_bin,
	handle_read_mem_bin, handle_insert_bp, handle_remove_bp,
	handle_query, handle_set, handle_v;

/* dispatch.c */
void gdbstub_dispatch(struct gdbstub *s, const char *pkt, size_t len);
/* Length of name if pkt starts with it followed by end, ':', ',' or ';'. */
size_t gdbstub_claim(const char *pkt, size_t len, const char *name);

/* reply building (conn.c) */
void reply_reset(struct gdbstub *s);
void reply_str(struct gdbstub *s, const char *str);
void reply_mem(struct gdbstub *s, const char *data, size_t n);
void reply_fmt(struct gdbstub *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reply_hex(struct gdbstub *s, const uint8_t *data, size_t n);
/* Escapes binary data; returns how many input bytes fitted. */
size_t reply_bin(struct gdbstub *s, const uint8_t *data, size_t n);
size_t reply_room(struct gdbstub *s);
void reply_ok(struct gdbstub *s);
void reply_error(struct gdbstub *s, int err);
/* "E.text" if the client negotiated error-message+, else like above. */
void reply_error_msg(struct gdbstub *s, int err, const char *text);
/* Frame the reply built so far and queue it behind any pending ack. */
void reply_send(struct gdbstub *s);
/* Write out whatever is queued; returns -1 if the client is gone. */
int conn_flush(struct gdbstub *s);
/* Send one packet at once (monitor output, mid-handler). */
void conn_send_now(struct gdbstub *s, const char *payload, size_t n);

/* The session over an accepted fd (conn.c). */
void gdbstub_conn_open(struct gdbstub *s, int fd);
/*
 * A session without a socket, for the fuzzer that runs millions of them
 * through one stub: replies go to sink(ctx, ...), and the stub forgets
 * the previous session's target state as if newly created (running, no
 * stop yet, not done), so that a reported stop starts it afresh.  Feed
 * it with gdbstub_conn_input() from the calling thread, which counts as
 * the serving thread; end it with gdbstub_conn_close().
 */
void gdbstub_conn_open_sink(struct gdbstub *s, gdbstub_sink_fn *sink,
			    void *ctx);
/* Process received bytes; returns -1 when the session must end. */
int gdbstub_conn_input(struct gdbstub *s, const char *data, size_t n);
void gdbstub_conn_close(struct gdbstub *s);
/* Apply a stop reported by the target, replying if a client waits. */
void gdbstub_take_stop(struct gdbstub *s);

/* regs.c: set one register, through the whole file if need be. */
int regs_write_one(struct gdbstub *s, int tid, int regno, const uint8_t *val);

/*
 * Handlers of the q, Q and v families claim packets by prefix and
 * return 0: not mine, 1: handled (reply queued), -1: error reply sent.
 */
int v_cont(struct gdbstub *s, const char *pkt, size_t len);
int v_kill(struct gdbstub *s, const char *pkt, size_t len);

/* run.c */
void stop_reply_build(struct gdbstub *s, const struct gdbstub_stop *st);
int run_resume(struct gdbstub *s, const struct gdbstub_action *acts,
	       int nacts);

/* threads (query.c) */
int thread_resolve(struct gdbstub *s, int tid);
int thread_exists(struct gdbstub *s, int tid);
/* Parse a thread id ("1", "-1", "p1.2"); returns chars used or 0. */
size_t thread_parse(const char *in, size_t n, int *tid);
/* Size of the buffer qXfer:threads:read builds its document in. */
size_t gdbstub_threads_xml_max(void);

void gdbstub_logf(struct gdbstub *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gdbstub_log_packet(struct gdbstub *s, const char *dir, const char *p,
			size_t n);


#endif
