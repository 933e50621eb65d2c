/*
 * Ending hvdbg on a signal, and ending it tidily whatever the reason.
 * SIGINT, SIGTERM and SIGHUP are taken by one thread of their own, which
 * ends the machine with status 128 + the signal's number and tells an
 * attached GDB with an "X" stop reply; main() then stops and joins every
 * vCPU thread, shows the vCPU state the signal interrupted, and frees the
 * machine before the process exits.
 */
#ifndef HVDBG_SHUTDOWN_H
#define HVDBG_SHUTDOWN_H

struct machine;

/*
 * Block the shutdown signals in the calling thread.  Call it in main()
 * before any thread is created: every thread inherits the mask, so the
 * signals can only reach the shutdown thread.  Signals that arrive before
 * that thread starts stay pending for it.
 */
void shutdown__block(void);

/* Start the shutdown thread for m.  Returns 0 or a negative errno. */
int shutdown__start(struct machine *m);

/*
 * The signal that ended the machine, 0 if none did.  Safe once main()
 * has seen the machine end.
 */
int shutdown__signal(void);

/* "SIGTERM" for SIGTERM, and so on for the shutdown signals. */
const char *shutdown__signame(int sig);

/* Stop the shutdown thread again (before freeing m). */
void shutdown__stop(void);

#endif
