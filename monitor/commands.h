/*
 * The monitor's command table: one row per command with its handler,
 * completer and help text.  GDB reaches it as "monitor CMD"; the readline
 * console uses the same rows for dispatch, help and completion.
 */
#ifndef HVDBG_COMMANDS_H
#define HVDBG_COMMANDS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "gdbstub/gdbstub.h"

struct machine;

/* Where a command's output goes (GDB "O" packets, or the console). */
struct cmd_out {
	gdbstub_print_fn print;
	void *ctx;
	/* "monitor CMD" from GDB: run control stays GDB's. */
	bool from_gdb;
};

struct command {
	const char *name;	/* may be several words: "info registers" */
	/* Returns 0 or a negative errno. */
	int (*handler)(struct machine *m, const char *args,
		       struct cmd_out *out);
	/* readline-style generator for the arguments; NULL: none. */
	char *(*completer)(const char *text, int state);
	const char *help;
};

extern const struct command commands[];
extern const int nr_commands;

/* Run one command line from GDB; unknown commands print a hint and
 * fail. */
int commands__run(struct machine *m, const char *line, gdbstub_print_fn print,
		  void *ctx);
/* The same for any caller (the console), under the command lock. */
int commands__exec(struct machine *m, const char *line, struct cmd_out *o);
/* The row a command line starts with (longest whole-word name), and how
 * many characters its name takes; NULL if none. */
const struct command *commands__find(const char *line, size_t *len);

/*
 * A vCPU stopped (called on its thread, before GDB is told): word it as
 * "stopped: breakpoint 1 at 0x7c10 (real mode)" into line.  *taken says
 * a command (step) is waiting for this stop and prints it itself.
 */
void commands__note_stop(struct machine *m, int index,
			 const struct gdbstub_stop *st, char *line,
			 size_t size, bool *taken);

/* Set by a SIGINT handler to end a "step N" early. */
extern volatile sig_atomic_t commands_interrupted;

#endif
