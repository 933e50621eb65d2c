/*
 * The interactive console: a GNU readline prompt "(hvdbg) " on hvdbg's
 * own terminal, run on a thread of its own next to the GDB server.  Every
 * line goes to the command table in commands.c, the same one GDB's
 * "monitor" reaches, which also completes words on Tab.  History is read
 * from $HVDBG_HISTORY (default ~/.hvdbg_history) at start and written
 * back at the end.
 *
 * Stops come in asynchronously from vCPU threads (a breakpoint hit after
 * "continue", or while GDB drives): the line "stopped: ..." is queued,
 * the console thread is woken through a pipe and prints it above the
 * prompt, keeping what the user was typing.  readline's alternate
 * (callback) interface lets one poll() wait for both the terminal and
 * that pipe.  Ctrl-C stops a running guest, or drops the line being
 * typed when it is stopped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "monitor/commands.h"
#include "monitor/console.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

#define CONSOLE_PROMPT		"(hvdbg) "
#define CONSOLE_HISTORY		".hvdbg_history"
#define CONSOLE_HISTORY_MAX	1000
#define CONSOLE_QUEUE		16	/* stop lines not yet printed */
#define CONSOLE_LINE		256

/* One console per process: readline's state is global anyway. */
static struct {
	struct machine *m;
	pthread_t thread;
	bool started;
	/* Wakes the console thread: a stop line, Ctrl-C, or the end. */
	int wake[2];
	char *history;		/* file name; NULL: no history file */

	pthread_mutex_t lock;	/* guards the fields below */
	char queue[CONSOLE_QUEUE][CONSOLE_LINE];
	int queued;
	bool end;		/* main() wants the thread to finish */
} con = { .wake = { -1, -1 }, .lock = PTHREAD_MUTEX_INITIALIZER };

/* Set by the SIGINT handler, taken by the console thread. */
static volatile sig_atomic_t con_sigint;

static void console__wake(void)
{
	char c = 0;

	/* A full pipe already holds a wake-up. */
	if (write(con.wake[1], &c, 1) < 0 && errno != EAGAIN)
		return;
}

static void console__sigint(int sig)
{
	(void)sig;
	con_sigint = 1;
	commands_interrupted = 1;
	console__wake();
}

/* The shutdown thread's SIGINT, while the console runs. */
static void console__on_sigint(void)
{
	console__sigint(SIGINT);
	/* A trace steps on the vCPU thread while this one waits. */
	if (con.m && con.m->nr_vcpus)
		vcpu__interrupt_trace(machine__cur(con.m));
}

static void console__print(void *ctx, const char *text)
{
	(void)ctx;
	fputs(text, stdout);
	fflush(stdout);
}

/* vCPU thread: word the stop, and print it unless a command waits. */
static void console__on_stop(struct machine *m, int index,
			     const struct gdbstub_stop *st)
{
	char line[CONSOLE_LINE];
	bool taken;

	commands__note_stop(m, index, st, line, sizeof(line), &taken);
	if (taken)
		return;
	pthread_mutex_lock(&con.lock);
	if (con.queued < CONSOLE_QUEUE)
		snprintf(con.queue[con.queued++], CONSOLE_LINE, "%s", line);
	pthread_mutex_unlock(&con.lock);
	console__wake();
}

/* Print text above the prompt, keeping the line being typed. */
static void console__print_async(const char *text)
{
	int point = rl_point;
	char *saved = rl_copy_text(0, rl_end);

	rl_save_prompt();
	rl_replace_line("", 0);
	rl_redisplay();
	fputs(text, stdout);
	rl_restore_prompt();
	rl_replace_line(saved, 0);
	rl_point = point;
	rl_forced_update_display();
	free(saved);
}

static void console__drain(void)
{
	char buf[CONSOLE_QUEUE * (CONSOLE_LINE + 1)];
	char trash[64];
	size_t n = 0;
	int i;

	while (read(con.wake[0], trash, sizeof(trash)) > 0)
		;
	pthread_mutex_lock(&con.lock);
	for (i = 0; i < con.queued; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s\n", con.queue[i]);
	con.queued = 0;
	pthread_mutex_unlock(&con.lock);
	if (n)
		console__print_async(buf);
}

/* Ctrl-C: stop the guest if it runs, else forget the typed line. */
static void console__interrupt(void)
{
	struct machine *m = con.m;
	bool any = false;
	int i;

	con_sigint = 0;
	for (i = 0; i < m->nr_vcpus; i++)
		any |= vcpu__kick(m->vcpus[i]);
	if (any)
		return;		/* the stop line will follow */
	rl_replace_line("", 0);
	fputs("^C\n", stdout);
	rl_on_new_line();
	rl_redisplay();
}

static void console__line(char *line)
{
	struct cmd_out o = { .print = console__print };
	const char *p;

	if (!line) {
		/* End of input (Ctrl-D): as "quit". */
		fputs("quit\n", stdout);
		line = strdup("quit");
		if (!line)
			return;
	}
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (*p) {
		add_history(line);
		commands__exec(con.m, p, &o);
	}
	free(line);
	/* "quit", or the guest ended while the command ran. */
	if (machine__exited(con.m))
		rl_callback_handler_remove();
}

/*
 * Tab completion.  At the start of a line, and after the words of a
 * multi-word name ("info re"), command names complete word by word; after
 * a whole command its completer, if it has one, completes the argument.
 */
static const char *comp_prefix;		/* the line up to the word */
static size_t comp_prefix_len;

static char *console__complete_name(const char *text, int state)
{
	static int i;
	size_t n = strlen(text);

	if (!state)
		i = 0;
	while (i < nr_commands) {
		const char *name = commands[i++].name;
		const char *word;

		if (strncmp(name, comp_prefix, comp_prefix_len))
			continue;
		word = name + comp_prefix_len;
		if (!strncmp(word, text, n))
			return strndup(word, strcspn(word, " "));
	}
	return NULL;
}

static char **console__complete(const char *text, int start, int end)
{
	const struct command *c;
	char *prefix;
	size_t len;
	char **matches;

	(void)end;
	rl_attempted_completion_over = 1;	/* no file names */
	prefix = strndup(rl_line_buffer, start);
	if (!prefix)
		return NULL;
	comp_prefix = prefix + strspn(prefix, " \t");
	comp_prefix_len = strlen(comp_prefix);
	matches = rl_completion_matches(text, console__complete_name);
	if (!matches) {
		/* Past a whole command name: its arguments. */
		c = commands__find(comp_prefix, &len);
		if (c && c->completer && comp_prefix[len])
			matches = rl_completion_matches(text, c->completer);
	}
	free(prefix);
	return matches;
}

static char *console__history_path(void)
{
	const char *env = getenv("HVDBG_HISTORY");
	const char *home = getenv("HOME");
	char *path;

	if (env)
		return *env ? xstrdup(env) : NULL;	/* "": none */
	if (!home || !*home)
		return NULL;
	path = xzalloc(strlen(home) + sizeof(CONSOLE_HISTORY) + 1);
	sprintf(path, "%s/%s", home, CONSOLE_HISTORY);
	return path;
}

static void *console__thread(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = con.wake[0], .events = POLLIN },
	};
	bool end = false;

	(void)arg;
	rl_callback_handler_install(CONSOLE_PROMPT, console__line);
	while (!end) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents) {
			console__drain();
			if (con_sigint)
				console__interrupt();
		}
		pthread_mutex_lock(&con.lock);
		end = con.end;
		pthread_mutex_unlock(&con.lock);
		if (end || machine__exited(con.m))
			break;
		if (pfd[0].revents & POLLIN) {
			rl_callback_read_char();
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			/* The terminal went away: nothing more to read. */
			console__line(NULL);
		}
		if (machine__exited(con.m))
			break;
	}
	return NULL;
}

/*
 * A console needs stdin to be a terminal this process may read: not one
 * it runs in the background of (job control would stop it at the first
 * read).  A terminal that is nobody's controlling terminal (a serial
 * line opened by redirection) is fine.
 */
static bool console__possible(void)
{
	pid_t fg;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return false;
	fg = tcgetpgrp(STDIN_FILENO);
	return fg < 0 || fg == getpgrp();
}

bool console__start(struct machine *m, bool held)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int err;

	if (!console__possible())
		return false;
	if (pipe2(con.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		pr_warn("console: %s", strerror(errno));
		return false;
	}
	con.m = m;
	con.history = console__history_path();
	using_history();
	stifle_history(CONSOLE_HISTORY_MAX);
	if (con.history)
		read_history(con.history);	/* none yet is fine */
	rl_readline_name = "hvdbg";
	rl_attempted_completion_function = console__complete;
	/* Our own SIGINT handling; readline must not install its own.
	 * SIGINT is blocked in every thread and taken by the shutdown
	 * thread (shutdown.c), which hands it to us while we run. */
	rl_catch_signals = 0;
	m->on_sigint = console__on_sigint;

	if (held && m->nr_vcpus &&
	    BE_CALL(&m->vcpus[0]->bv, get_regs, &r) >= 0 &&
	    BE_CALL(&m->vcpus[0]->bv, get_sregs, &s) >= 0)
		printf("hvdbg console: the guest is stopped at 0x%llx "
		       "(%s mode); \"help\" lists the commands\n",
		       (unsigned long long)mmu__linear_pc(&r, &s),
		       mmu__mode_name(mmu__mode(&s)));
	else
		printf("hvdbg console: the guest is running (\"stop\" stops "
		       "it); \"help\" lists the commands\n");
	m->on_stop = console__on_stop;
	err = pthread_create(&con.thread, NULL, console__thread, NULL);
	if (err) {
		m->on_stop = NULL;
		pr_warn("console: cannot start its thread: %s",
			strerror(err));
		return false;
	}
	con.started = true;
	return true;
}

void console__end(struct machine *m)
{
	if (!con.started)
		return;
	pthread_mutex_lock(&con.lock);
	con.end = true;
	pthread_mutex_unlock(&con.lock);
	console__wake();
	pthread_join(con.thread, NULL);
	con.started = false;
	m->on_sigint = NULL;
	/* Puts the terminal back as it was. */
	rl_callback_handler_remove();
	pthread_mutex_lock(&m->lock);
	printf("\nhvdbg console: the machine ended (exit status %d)\n",
	       m->exit_status);
	pthread_mutex_unlock(&m->lock);
	if (con.history && write_history(con.history) == 0)
		history_truncate_file(con.history, CONSOLE_HISTORY_MAX);
}
