/*
 * The interactive console (GNU readline) on hvdbg's terminal, sharing
 * the command table with GDB's "monitor".
 */
#ifndef HVDBG_CONSOLE_H
#define HVDBG_CONSOLE_H

#include <stdbool.h>

struct machine;

/*
 * Start the console thread when stdin and stdout are a terminal this
 * process may read (not a background job's).  held: the vCPUs wait at
 * the first instruction.  Returns whether a console runs.
 */
bool console__start(struct machine *m, bool held);
/* Stop the thread, restore the terminal and write the history file. */
void console__end(struct machine *m);

#endif
