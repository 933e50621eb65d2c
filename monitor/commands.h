/*
 * The monitor's command table: one row per command with its handler,
 * completer and help text.  GDB reaches it as "monitor CMD"; the readline
 * console will reuse the same rows for dispatch, help and completion.
 */
#ifndef HVDBG_COMMANDS_H
#define HVDBG_COMMANDS_H

#include "gdbstub/gdbstub.h"

struct machine;

/* Where a command's output goes (GDB "O" packets, or the console). */
struct cmd_out {
	gdbstub_print_fn print;
	void *ctx;
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

/* Run one command line; unknown commands print a hint and fail. */
int commands__run(struct machine *m, const char *line, gdbstub_print_fn print,
		  void *ctx);

#endif
