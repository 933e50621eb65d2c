/*
 * The shutdown thread (see shutdown.h).  It is the only thread with the
 * shutdown signals deliverable, through sigwait(), so nothing it does
 * runs in a signal handler: it may take locks and talk to the GDB
 * server like any other thread.  The signals are handled even when
 * inherited as ignored (a shell starts background jobs with SIGINT
 * ignored): hvdbg promises a clean end on them.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub/gdbstub.h"
#include "monitor/machine.h"
#include "monitor/shutdown.h"
#include "monitor/util.h"

static pthread_t shutdown_thread;
static bool shutdown_started;
static atomic_bool shutdown_quit;
static atomic_int shutdown_sig;
static char shutdown_msg[64];

static void shutdown__set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

const char *shutdown__signame(int sig)
{
	switch (sig) {
	case SIGINT:	return "SIGINT";
	case SIGTERM:	return "SIGTERM";
	case SIGHUP:	return "SIGHUP";
	default:	return "a signal";
	}
}

/* A handler only so that no inherited SIG_IGN can discard the signal. */
static void shutdown__nop(int sig)
{
	(void)sig;
}

void shutdown__block(void)
{
	struct sigaction sa = { .sa_handler = shutdown__nop };
	sigset_t set;

	shutdown__set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * End the machine as killed by sig.  The first end wins, as with
 * machine__exit(): a signal after the guest exited changes nothing.
 * The GDB server sends "X" to a client waiting for a stop and then
 * returns from gdbstub_serve(); one that is not waiting learns of the
 * end from the closed connection.
 */
static void shutdown__terminate(struct machine *m, int sig)
{
	struct gdbstub_stop st = {
		.reason = GDBSTUB_STOP_TERMINATED,
		.tid = 1,
		/* GDB numbers SIGHUP, SIGINT and SIGTERM as Linux does. */
		.signal = sig,
		.message = shutdown_msg,
	};

	pthread_mutex_lock(&m->lock);
	if (m->exited) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	m->exited = true;
	m->exit_status = 128 + sig;
	atomic_store(&shutdown_sig, sig);
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);

	snprintf(shutdown_msg, sizeof(shutdown_msg),
		 "hvdbg: %s: ending, exit status %d\n", shutdown__signame(sig),
		 128 + sig);
	pr_warn("%s: ending, exit status %d", shutdown__signame(sig),
		128 + sig);
	if (m->gdb) {
		gdbstub_report_stop(m->gdb, &st);
		gdbstub_shutdown(m->gdb);
	}
}

static void *shutdown__thread(void *arg)
{
	struct machine *m = arg;
	sigset_t set;
	int sig;

	shutdown__set(&set);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (atomic_load(&shutdown_quit))
			break;
		if (sig == SIGINT && m->on_sigint) {
			m->on_sigint();
			continue;
		}
		shutdown__terminate(m, sig);
	}
	return NULL;
}

int shutdown__start(struct machine *m)
{
	int r = pthread_create(&shutdown_thread, NULL, shutdown__thread, m);

	if (r)
		return -r;
	shutdown_started = true;
	return 0;
}

int shutdown__signal(void)
{
	return atomic_load(&shutdown_sig);
}

void shutdown__stop(void)
{
	if (!shutdown_started)
		return;
	atomic_store(&shutdown_quit, true);
	pthread_kill(shutdown_thread, SIGHUP);
	pthread_join(shutdown_thread, NULL);
	shutdown_started = false;
}
