/*
 * libgdbstub: a GDB Remote Serial Protocol server that knows nothing about
 * the machine behind it.  The VMM hands it one ops struct and an opaque
 * pointer; the library owns the socket, the framing and the packet
 * dispatch, and calls back into the target for registers, memory,
 * breakpoints and execution.  Stops are reported asynchronously with
 * gdbstub_report_stop(), which is safe to call from any thread.
 */
#ifndef GDBSTUB_GDBSTUB_H
#define GDBSTUB_GDBSTUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gdbstub;

/* Largest packet payload we accept and the size advertised in qSupported. */
#define GDBSTUB_PACKET_SIZE	0x20000

/* Z/z packet types, as numbered by the protocol. */
enum gdbstub_bp_type {
	GDBSTUB_BP_SW		= 0,	/* Z0: software breakpoint */
	GDBSTUB_BP_HW		= 1,	/* Z1: hardware breakpoint */
	GDBSTUB_WP_WRITE	= 2,	/* Z2: write watchpoint */
	GDBSTUB_WP_READ		= 3,	/* Z3: read watchpoint */
	GDBSTUB_WP_ACCESS	= 4,	/* Z4: access watchpoint */
};

/* Why the target stopped; drives the T/W/X stop reply. */
enum gdbstub_stop_reason {
	GDBSTUB_STOP_SIGNAL,	/* plain stop: step done, Ctrl-C, fault */
	GDBSTUB_STOP_SWBREAK,	/* software breakpoint ("swbreak:") */
	GDBSTUB_STOP_HWBREAK,	/* hardware breakpoint ("hwbreak:") */
	GDBSTUB_STOP_WATCH,	/* write watchpoint, addr = data address */
	GDBSTUB_STOP_RWATCH,	/* read watchpoint, addr = data address */
	GDBSTUB_STOP_AWATCH,	/* access watchpoint, addr = data address */
	GDBSTUB_STOP_EXITED,	/* target ended: "W" with exit_code */
	GDBSTUB_STOP_TERMINATED, /* target killed by signal: "X" */
};

/*
 * Signal numbers GDB understands: its own numbering (gdb/signals.def),
 * which agrees with Linux's for these except SIGBUS (Linux 7 is GDB's
 * SIGEMT; GDB's SIGBUS is 10).  Also 1 SIGHUP and 15 SIGTERM.
 */
#define GDBSTUB_SIGINT	2
#define GDBSTUB_SIGILL	4
#define GDBSTUB_SIGTRAP	5
#define GDBSTUB_SIGABRT	6
#define GDBSTUB_SIGBUS	10
#define GDBSTUB_SIGKILL	9
#define GDBSTUB_SIGSEGV	11

struct gdbstub_stop {
	enum gdbstub_stop_reason reason;
	int tid;		/* thread that stopped, 1-based */
	int signal;		/* for T/X replies; SIGTRAP for breaks/steps */
	uint64_t addr;		/* data address for watchpoints */
	int exit_code;		/* for GDBSTUB_STOP_EXITED */
	/*
	 * Optional extra "name:value;" pairs appended to the T reply, e.g.
	 * "catch:cr0;"; GDB ignores names it does not know.  May be NULL.
	 */
	const char *extra;
	/*
	 * Optional text for the user, sent as console output ("O"
	 * packets) just before the stop reply that answers a c, s or vCont,
	 * so that GDB prints why the target stopped in words.  Copied at
	 * report time (up to GDBSTUB_MESSAGE_MAX - 1 bytes).  May be NULL.
	 */
	const char *message;
};

/* Room for gdbstub_stop.message, terminator included. */
#define GDBSTUB_MESSAGE_MAX	512

/* One vCont action (or c/s translated into one). */
struct gdbstub_action {
	char type;		/* 'c', 's', 'C', 'S', 'r' */
	int signal;		/* for C/S */
	int tid;		/* thread it applies to; -1: all threads */
	uint64_t start, end;	/* range for 'r' */
};

/* Output callback for monitor commands; text becomes "O" packets. */
typedef void (*gdbstub_print_fn)(void *ctx, const char *text);

/*
 * What the library needs from the machine.  Unless stated, a callback
 * returns 0 on success and a negative errno on failure; the library turns
 * failures into "E NN" replies.  tid is 1-based; the library never passes
 * 0 or -1 where a single thread is required (it resolves them first).
 * All callbacks are called from the thread running gdbstub_serve(), and
 * only while the target is stopped, except interrupt().
 */
struct gdbstub_target_ops {
	/* Registers: buf holds the whole register file in 'g' packet order
	 * and size (see gdbstub_arch.regs_size), target byte order. */
	int (*read_registers)(void *t, int tid, uint8_t *buf);
	int (*write_registers)(void *t, int tid, const uint8_t *buf);
	/* Optional single-register access; when NULL the library reads or
	 * writes the whole file around the one register. */
	int (*read_register)(void *t, int tid, int regno, uint8_t *buf);
	int (*write_register)(void *t, int tid, int regno, const uint8_t *buf);

	/* Memory as the thread's CPU sees it.  Returns the number of bytes
	 * done (may be short at an unmapped page), or a negative errno when
	 * none could be done. */
	ssize_t (*read_memory)(void *t, int tid, uint64_t addr, uint8_t *buf,
			       size_t len);
	ssize_t (*write_memory)(void *t, int tid, uint64_t addr,
				const uint8_t *buf, size_t len);

	/* Breakpoints and watchpoints.  Return -EOPNOTSUPP for a type the
	 * target does not implement (the library then sends the empty
	 * reply so GDB falls back), another negative errno for a failure
	 * GDB should report. */
	int (*insert_breakpoint)(void *t, enum gdbstub_bp_type type,
				 uint64_t addr, uint64_t kind);
	int (*remove_breakpoint)(void *t, enum gdbstub_bp_type type,
				 uint64_t addr, uint64_t kind);

	/* Start the threads as the actions say; threads without an action
	 * stay stopped.  Returns at once; the target later calls
	 * gdbstub_report_stop().  vCont? offers 'r': step while the PC
	 * is in [start, end); a target may stop earlier (a plain step is
	 * a valid, slower answer), never run on as for 'c'. */
	int (*resume)(void *t, const struct gdbstub_action *acts, int nacts);
	/* Ask a running target to stop (Ctrl-C, new client, disconnect);
	 * it answers with gdbstub_report_stop() carrying SIGINT. May be
	 * called from any thread. */
	void (*interrupt)(void *t);

	/* Threads: fill tids (at most max), return the count. */
	int (*list_threads)(void *t, int *tids, int max);
	/* Human-readable description for qXfer:threads:read; may be NULL. */
	void (*describe_thread)(void *t, int tid, char *buf, size_t size);
	/* Optional: the client chose tid with Hg (registers and memory of
	 * that thread follow), so that "monitor" commands can follow it
	 * too.  May be NULL. */
	void (*select_thread)(void *t, int tid);

	/* "monitor CMD": print through print(ctx, text). Returns 0, or a
	 * negative errno for an E reply. May be NULL. */
	int (*monitor_command)(void *t, const char *cmd, gdbstub_print_fn print,
			       void *ctx);

	/* Client detached with D: the target should resume freely. */
	void (*detach)(void *t);
	/* Client sent k: the target should end. */
	void (*kill)(void *t);
};

/* A target description file served through qXfer:features:read. */
struct gdbstub_xml_file {
	const char *name;
	const char *text;
};

/* One register in the 'g' packet. */
struct gdbstub_reg_info {
	const char *name;
	unsigned int size;	/* bytes */
	unsigned int offset;	/* in the 'g' buffer */
};

/* The register architecture the stub serves; fixed for a session. */
struct gdbstub_arch {
	const struct gdbstub_xml_file *files;	/* files[0] is target.xml */
	int nfiles;
	const struct gdbstub_reg_info *regs;
	int nregs;
	size_t regs_size;			/* 'g' packet bytes */
	const int *expedite;			/* registers sent with every T */
	int nexpedite;
	int pc_regno;
};

/* The x86-64 superset layout used by hvdbg (gdbstub/x86/). */
extern const struct gdbstub_arch gdbstub_arch_x86_64;

struct gdbstub_config {
	const struct gdbstub_arch *arch;
	const struct gdbstub_target_ops *ops;
	void *target;
	/* Optional log of protocol traffic (NULL: quiet). */
	void (*log)(void *ctx, const char *fmt, ...);
	void *log_ctx;
	/*
	 * Optional: events the user should hear of even without the log,
	 * one line each without a newline (a second client refused).
	 * Called with log_ctx.
	 */
	void (*notice)(void *ctx, const char *fmt, ...);
};

struct gdbstub *gdbstub_new(const struct gdbstub_config *cfg);
void gdbstub_free(struct gdbstub *s);

/*
 * Listen on "tcp:[HOST]:PORT" (HOST defaults to 127.0.0.1) or
 * "unix:PATH" (mode 0600).  Returns 0, or -1 with a message in errbuf.
 */
int gdbstub_listen(struct gdbstub *s, const char *spec, char *errbuf,
		   size_t errlen);

/*
 * After gdbstub_listen(): 1 when no network reaches the server (a Unix
 * socket, TCP bound to a loopback address, or a serial line, which
 * needs a cable), 0 when the socket is reachable from elsewhere (another
 * address, or the wildcard).
 */
int gdbstub_listen_local(struct gdbstub *s);

/*
 * Accept clients one at a time and serve them until the target exits
 * (after a W/X reply has been sent) or gdbstub_shutdown() is called.
 * A client that disconnects leaves the target stopped and the stub
 * waiting for the next one.  Returns 0 or a negative errno.
 */
int gdbstub_serve(struct gdbstub *s);

/* Thread-safe: record a stop; the serving thread sends the reply. */
void gdbstub_report_stop(struct gdbstub *s, const struct gdbstub_stop *st);

/*
 * Thread-safe: the target was resumed by someone other than the client
 * (the monitor's own console).  Call it before resuming.  The stub then
 * counts the target as running: a stop reported later is kept for '?'
 * and a client that is connected or connects is served only after the
 * target has been interrupted and has stopped.
 */
void gdbstub_report_running(struct gdbstub *s);

/* Thread-safe: make gdbstub_serve() return soon. */
void gdbstub_shutdown(struct gdbstub *s);

/* True while a client is connected (for the monitor's messages). */
int gdbstub_connected(struct gdbstub *s);

#endif
