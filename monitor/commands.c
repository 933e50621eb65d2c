/*
 * hvdbg's commands: one table feeds the console's dispatch, its help and
 * its tab completion, and GDB's "monitor CMD".  A command runs on the
 * console thread or the GDB server thread, always under the machine's
 * command lock (machine.h), so the two never interleave; it inspects the
 * stopped vCPUs through the backend and the same target ops GDB uses.
 * Commands that look at one vCPU act on the selected one (machine.cur:
 * "thread N", GDB's Hg, or the vCPU that stopped last).
 *
 * Run control (continue, step) belongs to whoever drives the session:
 * while a GDB client is connected only GDB resumes the guest, so GDB's
 * view of the target is never stale; "stop" works for both.
 *
 * Breakpoints set here are hvdbg's own (DEBUG_OWNER_CMD), numbered from
 * 1, and kept apart from GDB's Z packets in debug.c: neither side
 * removes what the other set, and a spot both asked for is planted once.
 * A hit of one of ours while GDB drives reaches GDB as a plain SIGTRAP.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdbstub/x86/x86.h"

#include "hvdbg/uapi.h"
#include "monitor/commands.h"
#include "monitor/debug.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/probe.h"
#include "monitor/stub.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

#define CMD_MAX_BPS		64
#define CMD_X_MAX		4096	/* bytes one x command reads */
#define CMD_WAIT_MS		100	/* step waits re-check the machine */

/* A breakpoint or watchpoint set by command, as "info breakpoints"
 * lists it and "delete N" finds it. */
struct cmd_bp {
	int num;
	enum gdbstub_bp_type type;
	uint64_t addr;
	uint64_t len;		/* watch length; 1 for breakpoints */
};

/*
 * Our breakpoints.  Own lock: the vCPU thread reads the list to name a
 * hit while a command may hold the command lock waiting for that stop.
 */
static struct {
	pthread_mutex_t lock;
	struct cmd_bp bp[CMD_MAX_BPS];
	int nr;
	int next_num;
} bps = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_num = 1 };

/*
 * The last stop, as the vCPU thread reported it.  A step command waits
 * here for its stop (seq moves) and prints the line itself; otherwise
 * the console prints it when it comes.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long seq;
	struct gdbstub_stop st;
	char line[256];
	bool waiting;		/* a command is waiting for this stop */
	bool stepping;		/* we resumed with a step: SIGTRAP is one */
} stops = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static const char *const bp_type_names[] = {
	[GDBSTUB_BP_SW]		= "breakpoint",
	[GDBSTUB_BP_HW]		= "hw breakpoint",
	[GDBSTUB_WP_WRITE]	= "watchpoint",
	[GDBSTUB_WP_READ]	= "read watchpoint",
	[GDBSTUB_WP_ACCESS]	= "acc watchpoint",
};

/* Set from a SIGINT handler: a long "step N" stops early. */
volatile sig_atomic_t commands_interrupted;

static void out_printf(struct cmd_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct cmd_out *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->print(o->ctx, buf);
}

/* readline generator for "on" and "off". */
static char *complete_on_off(const char *text, int state)
{
	static const char *const words[] = { "on", "off" };
	static size_t i;

	if (!state)
		i = 0;
	while (i < ARRAY_SIZE(words))
		if (!strncmp(words[i++], text, strlen(text)))
			return strdup(words[i - 1]);
	return NULL;
}

static struct vcpu *cmd_vcpu(struct machine *m, struct cmd_out *o)
{
	if (!m->nr_vcpus) {
		out_printf(o, "no vCPU\n");
		return NULL;
	}
	if (vcpu__is_running(machine__cur(m))) {
		out_printf(o, "vCPU %d is running\n", m->cur + 1);
		return NULL;
	}
	return machine__cur(m);
}

static const struct command *find_command(const char *line, size_t *len);

static int cmd_help(struct machine *m, const char *args, struct cmd_out *o)
{
	const struct command *c;
	size_t n;
	int i;

	(void)m;
	if (*args) {
		c = find_command(args, &n);
		if (!c) {
			out_printf(o, "help: no command \"%s\"; \"help\" lists "
				   "them\n", args);
			return -EINVAL;
		}
		out_printf(o, "%s: %s\n", c->name, c->help);
		return 0;
	}
	for (i = 0; i < nr_commands; i++)
		out_printf(o, "%-18s %s\n", commands[i].name,
			   commands[i].help);
	return 0;
}

static int cmd_mode(struct machine *m, const char *args, struct cmd_out *o)
{
	struct vcpu *v = cmd_vcpu(m, o);
	struct kvm_sregs s;
	int r;

	(void)args;
	if (!v)
		return -EBUSY;
	r = BE_CALL(&v->bv, get_sregs, &s);
	if (r < 0)
		return r;
	out_printf(o, "%s\n", mmu__mode_name(mmu__mode(&s)));
	return 0;
}

static int cmd_info_registers(struct machine *m, const char *args,
			      struct cmd_out *o)
{
	struct vcpu *v = cmd_vcpu(m, o);
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)args;
	if (!v)
		return -EBUSY;
	if (BE_CALL(&v->bv, get_regs, &r) < 0 ||
	    BE_CALL(&v->bv, get_sregs, &s) < 0)
		return -EIO;
	out_printf(o,
		   "rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		   "rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n"
		   "r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		   "r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n",
		   r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
		   r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
	out_printf(o, "rip %016llx (linear %016llx) rflags %08llx\n",
		   r.rip, (unsigned long long)mmu__linear_pc(&r, &s),
		   r.rflags);
	return 0;
}

static void print_seg(struct cmd_out *o, const char *name,
		      const struct kvm_segment *s)
{
	out_printf(o, "%-4s %04x base %016llx limit %08x type %x s %u "
		   "dpl %u p %u l %u db %u g %u%s\n", name, s->selector,
		   s->base, s->limit, s->type, s->s, s->dpl, s->present, s->l,
		   s->db, s->g, s->unusable ? " unusable" : "");
}

static int cmd_info_sregs(struct machine *m, const char *args,
			  struct cmd_out *o)
{
	struct vcpu *v = cmd_vcpu(m, o);
	struct kvm_sregs s;

	(void)args;
	if (!v)
		return -EBUSY;
	if (BE_CALL(&v->bv, get_sregs, &s) < 0)
		return -EIO;
	print_seg(o, "cs", &s.cs);
	print_seg(o, "ss", &s.ss);
	print_seg(o, "ds", &s.ds);
	print_seg(o, "es", &s.es);
	print_seg(o, "fs", &s.fs);
	print_seg(o, "gs", &s.gs);
	print_seg(o, "ldt", &s.ldt);
	print_seg(o, "tr", &s.tr);
	out_printf(o, "gdt  base %016llx limit %04x\n", s.gdt.base,
		   s.gdt.limit);
	out_printf(o, "idt  base %016llx limit %04x\n", s.idt.base,
		   s.idt.limit);
	out_printf(o, "cr0 %016llx cr2 %016llx cr3 %016llx\n"
		   "cr4 %016llx cr8 %016llx efer %016llx\n",
		   s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer);
	return 0;
}

static int cmd_info_breakpoints(struct machine *m, const char *args,
				struct cmd_out *o)
{
	struct vcpu *v = machine__cur(m);
	struct kvm_sregs s;
	char buf[4096];
	int i;

	(void)args;
	pthread_mutex_lock(&bps.lock);
	if (bps.nr)
		out_printf(o, "Num  Type            Address\n");
	for (i = 0; i < bps.nr; i++) {
		const struct cmd_bp *b = &bps.bp[i];

		if (b->type >= GDBSTUB_WP_WRITE)
			out_printf(o, "%-4d %-15s 0x%llx len %llu\n", b->num,
				   bp_type_names[b->type],
				   (unsigned long long)b->addr,
				   (unsigned long long)b->len);
		else
			out_printf(o, "%-4d %-15s 0x%llx\n", b->num,
				   bp_type_names[b->type],
				   (unsigned long long)b->addr);
	}
	if (bps.nr)
		out_printf(o, "In the machine (GDB's and hvdbg's), as "
			   "delivered now:\n");
	pthread_mutex_unlock(&bps.lock);
	/* The mechanism depends on the current vCPU's mode; unknown while it runs. */
	if (v && !vcpu__is_running(v) && !BE_CALL(&v->bv, get_sregs, &s))
		debug__describe(m, &s, buf, sizeof(buf));
	else
		debug__describe(m, NULL, buf, sizeof(buf));
	o->print(o->ctx, buf);
	return 0;
}

static int cmd_phys(struct machine *m, const char *args, struct cmd_out *o)
{
	if (!strcmp(args, "on"))
		m->phys_addr = true;
	else if (!strcmp(args, "off"))
		m->phys_addr = false;
	else if (*args) {
		out_printf(o, "usage: phys [on|off]\n");
		return -EINVAL;
	}
	out_printf(o, "memory addresses are %s\n",
		   m->phys_addr ? "guest-physical (phys on)" :
				  "linear (phys off)");
	return 0;
}

/* Page sizes a leaf can have, for the walk's last step. */
static const char *page_size_name(int shift)
{
	switch (shift) {
	case 21:
		return "2M";
	case 22:
		return "4M";
	case 30:
		return "1G";
	default:
		return "4K";
	}
}

static int cmd_translate(struct machine *m, const char *args,
			 struct cmd_out *o)
{
	struct vcpu *v = cmd_vcpu(m, o);
	struct mmu_walk w;
	struct kvm_sregs s;
	enum cpu_mode mode;
	uint64_t linear, gpa, left;
	char line[512];
	size_t n = 0;
	char *end;
	int i, r;

	if (!v)
		return -EBUSY;
	errno = 0;
	linear = strtoull(args, &end, 0);
	while (*end == ' ' || *end == '\t')
		end++;
	if (!*args || *end || errno) {
		out_printf(o, "usage: translate ADDR (a number, e.g. "
			   "0x7c00)\n");
		return -EINVAL;
	}
	r = BE_CALL(&v->bv, get_sregs, &s);
	if (r < 0)
		return r;
	mode = mmu__mode(&s);
	r = mmu__walk(m, &s, linear, &gpa, &left, &w);
	if (mode == CPU_MODE_REAL || mode == CPU_MODE_PROT) {
		if (r < 0) {
			out_printf(o, "%s: linear 0x%llx is beyond 4 GiB\n",
				   mode == CPU_MODE_REAL ? "real mode" :
							   "paging off",
				   (unsigned long long)linear);
			return 0;
		}
		out_printf(o, "%s: linear = physical 0x%llx\n",
			   mode == CPU_MODE_REAL ? "real mode" : "paging off",
			   (unsigned long long)gpa);
		return 0;
	}

	n += snprintf(line + n, sizeof(line) - n, "%s: linear 0x%llx",
		      mmu__mode_name(mode), (unsigned long long)linear);
	for (i = 0; i < w.nr && n < sizeof(line); i++) {
		const struct mmu_level *l = &w.lvl[i];

		if (l->outside) {
			n += snprintf(line + n, sizeof(line) - n,
				      " -> not mapped at %s[%u]: table 0x%llx "
				      "is outside guest memory", l->name,
				      l->index, (unsigned long long)l->table);
			break;
		}
		if (!(l->entry & 1)) {
			n += snprintf(line + n, sizeof(line) - n,
				      " -> not mapped at %s[%u] (entry 0x%llx)",
				      l->name, l->index,
				      (unsigned long long)l->entry);
			break;
		}
		n += snprintf(line + n, sizeof(line) - n, " -> %s[%u] 0x%llx",
			      l->name, l->index,
			      (unsigned long long)l->entry);
	}
	if (!r && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " (%s page) -> physical "
			 "0x%llx", page_size_name(w.page_shift),
			 (unsigned long long)gpa);
	out_printf(o, "%s\n", line);
	return 0;
}

static int cmd_probe(struct machine *m, const char *args, struct cmd_out *o)
{
	struct probe_table t;
	int r;

	(void)args;
	/* Fresh each time: nothing is cached across probes. */
	r = probe__run(&m->be, &t);
	if (r < 0) {
		out_printf(o, "probe failed: %s\n", strerror(-r));
		return r;
	}
	probe__print(&t, o->print, o->ctx);
	return 0;
}

/* The catchpoint kinds "monitor catch" knows besides "mode": those the
 * accelerator stops on itself (/dev/hvdbg), before the instruction. */
static const struct {
	const char *name;
	uint32_t flag;
	const char *what;
} hw_catches[] = {
	{ "cr0",		HVDBG_CATCH_CR0,	"CR0 writes" },
	{ "cr3",		HVDBG_CATCH_CR3,	"CR3 writes" },
	{ "cr4",		HVDBG_CATCH_CR4,	"CR4 writes" },
	{ "efer",		HVDBG_CATCH_EFER,	"EFER writes" },
	{ "gdt",		HVDBG_CATCH_GDT,	"LGDT" },
	{ "idt",		HVDBG_CATCH_IDT,	"LIDT" },
	{ "triple-fault",	HVDBG_CATCH_TRIPLE,	"triple faults" },
	{ "exception",		HVDBG_CATCH_EXCEPTION,	"exception" },
};

#define CATCH_USAGE "usage: catch [mode|cr0|cr3|cr4|efer|gdt|idt|" \
		    "exception N|triple-fault]\n"

/* "cr0" -> its row; "exception N" also sets *vec.  NULL: unknown. */
static int hw_catch_parse(const char *args, int *vec)
{
	size_t i;
	char *end;
	long n;

	for (i = 0; i < ARRAY_SIZE(hw_catches); i++) {
		const char *name = hw_catches[i].name;
		size_t len = strlen(name);

		if (strncmp(args, name, len))
			continue;
		if (hw_catches[i].flag != HVDBG_CATCH_EXCEPTION)
			return args[len] ? -1 : (int)i;
		if (args[len] != ' ')
			return -1;
		n = strtol(args + len + 1, &end, 0);
		/* #DB and #BP belong to breakpoints and stepping. */
		if (*end || end == args + len + 1 || n < 0 || n > 31 ||
		    n == 1 || n == 3)
			return -1;
		*vec = n;
		return i;
	}
	return -1;
}

/* Hand the catchpoints to every vCPU; all must be stopped. */
static int hw_catch_apply(struct machine *m, uint32_t flags, uint32_t exc,
			  struct cmd_out *o)
{
	int i, r;

	if (!m->be.ops->check_cap(&m->be, HVDBG_CAP_CATCH)) {
		out_printf(o, "%s has no catchpoints of its own "
			   "(--accel hvdbg has)\n", m->be.path);
		return -ENOTSUP;
	}
	for (i = 0; i < m->nr_vcpus; i++) {
		if (vcpu__is_running(m->vcpus[i])) {
			out_printf(o, "vCPU %d is running\n", i + 1);
			return -EBUSY;
		}
	}
	if (exc)
		flags |= HVDBG_CATCH_EXCEPTION;
	else
		flags &= ~HVDBG_CATCH_EXCEPTION;
	for (i = 0; i < m->nr_vcpus; i++) {
		r = BE_CALL(&m->vcpus[i]->bv, set_catch, flags, exc);
		if (r < 0) {
			out_printf(o, "%s: %s\n", m->be.path, strerror(-r));
			return r;
		}
	}
	m->hw_catch = flags;
	m->hw_catch_exceptions = exc;
	return 0;
}

static int cmd_catch(struct machine *m, const char *args, struct cmd_out *o)
{
	int k, vec = -1, r;
	size_t i;

	if (!strcmp(args, "mode")) {
		m->catch_mode = true;
		out_printf(o, "catching mode switches (continues single-step "
			   "while armed)\n");
		return 0;
	}
	if (*args) {
		k = hw_catch_parse(args, &vec);
		if (k < 0) {
			out_printf(o, CATCH_USAGE);
			return -EINVAL;
		}
		r = hw_catch_apply(m, m->hw_catch | hw_catches[k].flag,
				   m->hw_catch_exceptions |
				   (vec >= 0 ? 1U << vec : 0), o);
		if (r < 0)
			return r;
		if (vec >= 0)
			out_printf(o, "catching exception %d (stops before "
				   "it is delivered)\n", vec);
		else
			out_printf(o, "catching %s (stops before the "
				   "instruction)\n", hw_catches[k].what);
		return 0;
	}
	out_printf(o, "mode: %s\n", m->catch_mode ? "armed" : "off");
	out_printf(o, "last: %s\n",
		   m->catch_last[0] ? m->catch_last : "none");
	if (m->hw_catch) {
		out_printf(o, "accelerator:");
		for (i = 0; i + 1 < ARRAY_SIZE(hw_catches); i++)
			if (m->hw_catch & hw_catches[i].flag)
				out_printf(o, " %s", hw_catches[i].name);
		for (k = 0; k < 32; k++)
			if (m->hw_catch_exceptions & (1U << k))
				out_printf(o, " exception %d", k);
		out_printf(o, "\n");
	}
	return 0;
}

static int cmd_uncatch(struct machine *m, const char *args,
		       struct cmd_out *o)
{
	int k, vec = -1, r;

	if (!strcmp(args, "mode")) {
		m->catch_mode = false;
		out_printf(o, "no longer catching mode switches\n");
		return 0;
	}
	k = hw_catch_parse(args, &vec);
	if (k < 0) {
		out_printf(o, "usage: catch delete mode|cr0|cr3|cr4|efer|gdt|"
			   "idt|exception N|triple-fault\n");
		return -EINVAL;
	}
	if (vec >= 0)
		r = hw_catch_apply(m, m->hw_catch,
				   m->hw_catch_exceptions & ~(1U << vec), o);
	else
		r = hw_catch_apply(m, m->hw_catch & ~hw_catches[k].flag,
				   m->hw_catch_exceptions, o);
	if (r < 0)
		return r;
	out_printf(o, "no longer catching %s\n", args);
	return 0;
}

/* readline generator for the catchpoint kinds. */
static char *complete_catch(const char *text, int state)
{
	static size_t i;
	const char *name;

	if (!state)
		i = 0;
	while (i <= ARRAY_SIZE(hw_catches)) {
		name = i == 0 ? "mode" : hw_catches[i - 1].name;
		i++;
		if (!strncmp(name, text, strlen(text)))
			return strdup(name);
	}
	return NULL;
}

/* ---- breakpoints and watchpoints ---- */


/* Parse "ADDR" (C syntax; a leading '*' as in GDB is allowed) and an
 * optional length.  Returns 0 or -EINVAL. */
static int parse_addr_len(const char *args, uint64_t *addr, uint64_t *len)
{
	char *end;

	if (*args == '*')
		args++;
	if (!*args)
		return -EINVAL;
	errno = 0;
	*addr = strtoull(args, &end, 0);
	if (errno || end == args)
		return -EINVAL;
	while (*end == ' ' || *end == '\t')
		end++;
	if (!*end)
		return 0;
	if (!len)
		return -EINVAL;
	args = end;
	*len = strtoull(args, &end, 0);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || end == args || *end || !*len)
		return -EINVAL;
	return 0;
}

static int add_bp(struct machine *m, const char *args, struct cmd_out *o,
		  enum gdbstub_bp_type type, const char *name)
{
	bool watch = type >= GDBSTUB_WP_WRITE;
	uint64_t addr, len = 1;
	struct cmd_bp *b;
	int i, r;

	if (parse_addr_len(args, &addr, watch ? &len : NULL) < 0) {
		out_printf(o, "usage: %s ADDR%s (a number, e.g. 0x7c10)\n",
			   name, watch ? " [LEN]" : "");
		return -EINVAL;
	}
	if (!cmd_vcpu(m, o))
		return -EBUSY;
	pthread_mutex_lock(&bps.lock);
	for (i = 0; i < bps.nr; i++)
		if (bps.bp[i].type == type && bps.bp[i].addr == addr &&
		    bps.bp[i].len == len) {
			out_printf(o, "%s: %s %d is already at 0x%llx\n", name,
				   bp_type_names[type], bps.bp[i].num,
				   (unsigned long long)addr);
			pthread_mutex_unlock(&bps.lock);
			return -EEXIST;
		}
	if (bps.nr == CMD_MAX_BPS) {
		pthread_mutex_unlock(&bps.lock);
		out_printf(o, "%s: at most %d breakpoints and watchpoints\n",
			   name, CMD_MAX_BPS);
		return -ENOSPC;
	}
	pthread_mutex_unlock(&bps.lock);

	r = stub__insert(m, DEBUG_OWNER_CMD, type, addr, len);
	switch (r) {
	case 0:
		break;
	case -ENOSPC:
		out_printf(o, "%s 0x%llx: no free debug register (four in "
			   "all, GDB's included)\n", name,
			   (unsigned long long)addr);
		return r;
	case -ENODEV:
		out_printf(o, "%s 0x%llx: this backend delivers no such "
			   "stop in any mode (see \"probe\")\n", name,
			   (unsigned long long)addr);
		return r;
	case -EOPNOTSUPP:
		out_printf(o, "%s: DR7 cannot watch reads alone; use awatch\n",
			   name);
		return r;
	case -EINVAL:
		out_printf(o, "%s 0x%llx: length %llu cannot be watched\n",
			   name, (unsigned long long)addr,
			   (unsigned long long)len);
		return r;
	default:
		out_printf(o, "%s 0x%llx: %s\n", name,
			   (unsigned long long)addr, strerror(-r));
		return r;
	}
	pthread_mutex_lock(&bps.lock);
	b = &bps.bp[bps.nr++];
	*b = (struct cmd_bp){ .num = bps.next_num++, .type = type,
			      .addr = addr, .len = len };
	if (watch)
		out_printf(o, "%c%s %d at 0x%llx len %llu\n",
			   bp_type_names[type][0] - 'a' + 'A',
			   bp_type_names[type] + 1, b->num,
			   (unsigned long long)addr, (unsigned long long)len);
	else
		out_printf(o, "%c%s %d at 0x%llx\n",
			   bp_type_names[type][0] - 'a' + 'A',
			   bp_type_names[type] + 1, b->num,
			   (unsigned long long)addr);
	pthread_mutex_unlock(&bps.lock);
	return 0;
}

static int cmd_break(struct machine *m, const char *args, struct cmd_out *o)
{
	return add_bp(m, args, o, GDBSTUB_BP_SW, "break");
}

static int cmd_hbreak(struct machine *m, const char *args, struct cmd_out *o)
{
	return add_bp(m, args, o, GDBSTUB_BP_HW, "hbreak");
}

static int cmd_watch(struct machine *m, const char *args, struct cmd_out *o)
{
	return add_bp(m, args, o, GDBSTUB_WP_WRITE, "watch");
}

static int cmd_rwatch(struct machine *m, const char *args, struct cmd_out *o)
{
	return add_bp(m, args, o, GDBSTUB_WP_READ, "rwatch");
}

static int cmd_awatch(struct machine *m, const char *args, struct cmd_out *o)
{
	return add_bp(m, args, o, GDBSTUB_WP_ACCESS, "awatch");
}

/* Remove entry i; called with bps.lock held. */
static void del_bp(struct machine *m, int i, struct cmd_out *o)
{
	struct cmd_bp *b = &bps.bp[i];

	debug__remove_owned(m, DEBUG_OWNER_CMD, b->type, b->addr, b->len);
	out_printf(o, "deleted %s %d\n", bp_type_names[b->type], b->num);
	memmove(b, b + 1, (bps.nr - i - 1) * sizeof(*b));
	bps.nr--;
}

static int cmd_delete(struct machine *m, const char *args, struct cmd_out *o)
{
	const char *p = args;
	char *end;
	long num;
	int i, r = 0;

	if (!cmd_vcpu(m, o))
		return -EBUSY;
	pthread_mutex_lock(&bps.lock);
	if (!*p) {
		if (!bps.nr)
			out_printf(o, "no breakpoints of hvdbg's to delete\n");
		while (bps.nr)
			del_bp(m, 0, o);
		pthread_mutex_unlock(&bps.lock);
		return 0;
	}
	while (*p) {
		errno = 0;
		num = strtol(p, &end, 10);
		if (end == p || errno || (*end && *end != ' ' &&
					  *end != '\t')) {
			out_printf(o, "usage: delete [N...] (breakpoint "
				   "numbers; none: all of hvdbg's)\n");
			r = -EINVAL;
			break;
		}
		for (i = 0; i < bps.nr && bps.bp[i].num != num; i++)
			;
		if (i < bps.nr) {
			del_bp(m, i, o);
		} else {
			out_printf(o, "delete: no breakpoint number %ld\n",
				   num);
			r = -ENOENT;
		}
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	pthread_mutex_unlock(&bps.lock);
	return r;
}

/* ---- memory and registers ---- */

/* Output format and unit size of the last x, the defaults of the next. */
static char x_fmt = 'x';
static unsigned int x_size = 4;

/* One value of an x line in format f. */
static void x_value(char *buf, size_t n, char f, unsigned int size,
		    uint64_t v)
{
	int64_t sv;
	unsigned int i;
	size_t k;

	switch (f) {
	case 'd':
		sv = size == 8 ? (int64_t)v :
		     (int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size);
		snprintf(buf, n, "%lld", (long long)sv);
		break;
	case 'u':
		snprintf(buf, n, "%llu", (unsigned long long)v);
		break;
	case 'o':
		snprintf(buf, n, "0%llo", (unsigned long long)v);
		break;
	case 't':
		for (i = 0, k = 0; i < 8 * size && k + 1 < n; i++)
			buf[k++] = (v >> (8 * size - 1 - i)) & 1 ? '1' : '0';
		buf[k] = 0;
		break;
	case 'c':
		if (v >= 0x20 && v < 0x7f)
			snprintf(buf, n, "%u '%c'", (unsigned int)v, (char)v);
		else
			snprintf(buf, n, "%u '\\x%02x'", (unsigned int)v,
				 (unsigned int)v);
		break;
	default:
		snprintf(buf, n, "0x%0*llx", (int)(2 * size),
			 (unsigned long long)v);
		break;
	}
}

static ssize_t x_read(struct machine *m, uint64_t addr, uint8_t *buf,
		      size_t len)
{
	/* The same path as GDB's m packets: linear (or physical with
	 * "phys on"), our int3 bytes hidden. */
	return stub_ops.read_memory(m, m->cur + 1, addr, buf, len);
}

static int cmd_x(struct machine *m, const char *args, struct cmd_out *o)
{
	static const char usage[] = "usage: x/NFU ADDR (N count, F one of "
		"x d u o t c s i, U one of b h w g)\n";
	unsigned long count = 1;
	char f = x_fmt, line[1024], val[80];
	unsigned int size = x_size, per, i, k;
	uint8_t buf[CMD_X_MAX];
	uint64_t addr, v;
	size_t want, n;
	ssize_t got;
	char *end;

	if (*args == '/') {
		args++;
		if (*args >= '0' && *args <= '9') {
			count = strtoul(args, &end, 10);
			args = end;
		}
		for (; *args && *args != ' ' && *args != '\t'; args++) {
			switch (*args) {
			case 'b': size = 1; break;
			case 'h': size = 2; break;
			case 'w': size = 4; break;
			case 'g': size = 8; break;
			case 'x': case 'd': case 'u': case 'o': case 't':
			case 'c': case 's': case 'i':
				f = *args;
				break;
			default:
				out_printf(o, "x: unknown format letter '%c'; "
					   "%s", *args, usage);
				return -EINVAL;
			}
		}
		while (*args == ' ' || *args == '\t')
			args++;
	}
	if (!count || parse_addr_len(args, &addr, NULL) < 0) {
		out_printf(o, "%s", usage);
		return -EINVAL;
	}
	if (!cmd_vcpu(m, o))
		return -EBUSY;
	if (f == 'c')
		size = 1;
	x_fmt = f;
	if (f != 'c' && f != 's' && f != 'i')
		x_size = size;

	if (f == 's') {
		/* count strings, each up to its NUL (or 256 bytes). */
		for (; count; count--) {
			got = x_read(m, addr, buf, 256);
			if (got <= 0)
				goto unreadable;
			for (n = 0; n < (size_t)got && buf[n]; n++)
				;
			k = snprintf(line, sizeof(line), "0x%llx: \"",
				     (unsigned long long)addr);
			for (i = 0; i < n && k + 6 < sizeof(line); i++)
				k += snprintf(line + k, sizeof(line) - k,
					      buf[i] >= 0x20 && buf[i] < 0x7f &&
					      buf[i] != '"' ? "%c" : "\\x%02x",
					      buf[i]);
			out_printf(o, "%s\"\n", line);
			addr += n + (n < (size_t)got);
		}
		return 0;
	}
	if (f == 'i') {
		/* No disassembler here: show the bytes GDB's x/i decodes. */
		got = x_read(m, addr, buf, 16);
		if (got <= 0)
			goto unreadable;
		k = snprintf(line, sizeof(line), "0x%llx:",
			     (unsigned long long)addr);
		for (i = 0; i < (size_t)got; i++)
			k += snprintf(line + k, sizeof(line) - k, " %02x",
				      buf[i]);
		out_printf(o, "%s (raw bytes: hvdbg has no disassembler; "
			   "GDB's x/i decodes them)\n", line);
		return 0;
	}

	want = count * size;
	if (count > CMD_X_MAX || want > CMD_X_MAX) {
		out_printf(o, "x: at most %d bytes at a time\n", CMD_X_MAX);
		return -EINVAL;
	}
	got = x_read(m, addr, buf, want);
	if (got <= 0)
		goto unreadable;
	per = size == 8 ? 2 : size == 4 ? 4 : 8;
	for (n = 0; n + size <= (size_t)got; ) {
		k = snprintf(line, sizeof(line), "0x%llx:",
			     (unsigned long long)(addr + n));
		for (i = 0; i < per && n + size <= (size_t)got; i++) {
			v = 0;
			memcpy(&v, buf + n, size);	/* little endian */
			x_value(val, sizeof(val), f, size, v);
			k += snprintf(line + k, sizeof(line) - k, "\t%s", val);
			n += size;
		}
		out_printf(o, "%s\n", line);
	}
	if ((size_t)got < want)
		out_printf(o, "x: cannot read 0x%llx: not mapped\n",
			   (unsigned long long)(addr + got));
	return 0;

unreadable:
	out_printf(o, "x: cannot read 0x%llx: not mapped\n",
		   (unsigned long long)addr);
	return -EFAULT;
}

static int reg_by_name(const char *name, size_t len)
{
	int i;

	if (len == 2 && !strncmp(name, "pc", 2))
		return X86_RIP;
	for (i = 0; i < gdbstub_arch_x86_64.nregs; i++)
		if (strlen(gdbstub_arch_x86_64.regs[i].name) == len &&
		    !strncmp(gdbstub_arch_x86_64.regs[i].name, name, len))
			return i;
	return -1;
}

static int cmd_set(struct machine *m, const char *args, struct cmd_out *o)
{
	const struct gdbstub_reg_info *ri;
	uint8_t regs[2048];
	size_t len = strcspn(args, " \t=");
	const char *p = args + len;
	uint64_t val;
	unsigned int i;
	int regno, r;
	char *end;

	if (*args == '$')
		args++, len--;
	while (*p == ' ' || *p == '\t' || *p == '=')
		p++;
	regno = len ? reg_by_name(args, len) : -1;
	errno = 0;
	val = strtoull(p, &end, 0);
	while (*end == ' ' || *end == '\t')
		end++;
	if (regno < 0 || !*p || *end || errno) {
		if (len && regno < 0)
			out_printf(o, "set: no register \"%.*s\"\n", (int)len,
				   args);
		else
			out_printf(o, "usage: set REG VALUE (e.g. set rax "
				   "0x1234; rip/pc is the linear PC)\n");
		return -EINVAL;
	}
	ri = &gdbstub_arch_x86_64.regs[regno];
	if (ri->size > 8 || gdbstub_arch_x86_64.regs_size > sizeof(regs)) {
		out_printf(o, "set: %s is wider than 64 bits; set it from "
			   "GDB\n", ri->name);
		return -EINVAL;
	}
	if (!cmd_vcpu(m, o))
		return -EBUSY;
	r = stub__read_regs(m, m->cur, regs);
	if (r < 0) {
		out_printf(o, "set: cannot read the registers: %s\n",
			   strerror(-r));
		return r;
	}
	for (i = 0; i < ri->size; i++)
		regs[ri->offset + i] = i < 8 ? val >> (8 * i) : 0;
	r = stub__write_regs(m, m->cur, regs);
	if (r < 0) {
		out_printf(o, "set: %s: %s\n", ri->name, strerror(-r));
		return r;
	}
	out_printf(o, "%s = 0x%llx%s\n", ri->name, (unsigned long long)val,
		   o->from_gdb ? " (GDB caches registers: \"flushregs\" "
				 "shows it there)" : "");
	return 0;
}

/* readline generator for register names. */
static char *complete_reg(const char *text, int state)
{
	static int i;
	size_t n = strlen(text);

	if (!state)
		i = 0;
	while (i < gdbstub_arch_x86_64.nregs) {
		const char *name = gdbstub_arch_x86_64.regs[i++].name;

		if (!strncmp(name, text, n))
			return strdup(name);
	}
	return NULL;
}

/* ---- threads and run control ---- */

static int cmd_info_threads(struct machine *m, const char *args,
			    struct cmd_out *o)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int i;

	(void)args;
	for (i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = m->vcpus[i];
		const char *mark = v == machine__cur(m) ? "*" : " ";
		char state[64];

		vcpu__state(v, state, sizeof(state));
		if (vcpu__is_running(v)) {
			out_printf(o, "%s %d vCPU %d (running)\n", mark, i + 1,
				   i + 1);
			continue;
		}
		if (BE_CALL(&v->bv, get_regs, &r) < 0 ||
		    BE_CALL(&v->bv, get_sregs, &s) < 0) {
			out_printf(o, "%s %d vCPU %d (state unreadable)\n",
				   mark, i + 1, i + 1);
			continue;
		}
		out_printf(o, "%s %d vCPU %d (%s) at 0x%llx\n", mark, i + 1,
			   i + 1, state,
			   (unsigned long long)mmu__linear_pc(&r, &s));
	}
	return 0;
}

static int cmd_thread(struct machine *m, const char *args,
		      struct cmd_out *o)
{
	char *end;
	long n;
	int i;

	if (!*args) {
		out_printf(o, "current vCPU: %d of %d\n", m->cur + 1,
			   m->nr_vcpus);
		return 0;
	}
	n = strtol(args, &end, 10);
	if (*end || n < 1 || n > m->nr_vcpus) {
		out_printf(o, "thread %s: no such vCPU (1 to %d)\n", args,
			   m->nr_vcpus);
		return -EINVAL;
	}
	for (i = 0; i < m->nr_vcpus; i++)
		if (vcpu__is_running(m->vcpus[i])) {
			out_printf(o, "thread: the guest is running (\"stop\" "
				   "stops it)\n");
			return -EBUSY;
		}
	m->cur = n - 1;
	out_printf(o, "current vCPU: %ld%s\n", n, o->from_gdb ?
		   " (GDB's own \"thread N\" chooses what GDB reads)" : "");
	return 0;
}

/*
 * May this caller resume the guest?  Not from GDB's monitor, and not
 * from the console while a GDB client is connected: GDB would keep
 * showing the state it last read.  Prints why not.
 */
static bool may_resume(struct machine *m, const char *cmd,
		       struct cmd_out *o)
{
	int i;

	if (o->from_gdb) {
		out_printf(o, "%s: GDB drives execution here; use GDB's own "
			   "continue/stepi\n", cmd);
		return false;
	}
	if (m->gdb && gdbstub_connected(m->gdb)) {
		out_printf(o, "%s: GDB is attached and drives execution; "
			   "resume from GDB (or detach it)\n", cmd);
		return false;
	}
	if (machine__exited(m)) {
		out_printf(o, "%s: the guest has ended\n", cmd);
		return false;
	}
	for (i = 0; i < m->nr_vcpus; i++)
		if (vcpu__is_running(m->vcpus[i])) {
			out_printf(o, "%s: the guest is running (\"stop\" "
				   "stops it)\n", cmd);
			return false;
		}
	return true;
}

static void resume(struct machine *m, char type)
{
	pthread_mutex_lock(&stops.lock);
	stops.stepping = type == 's';
	pthread_mutex_unlock(&stops.lock);
	if (m->gdb)
		gdbstub_report_running(m->gdb);
	stub__resume_all(m, type);
}

static int cmd_continue(struct machine *m, const char *args,
			struct cmd_out *o)
{
	if (*args) {
		out_printf(o, "usage: continue\n");
		return -EINVAL;
	}
	if (!may_resume(m, "continue", o))
		return -EBUSY;
	resume(m, 'c');
	out_printf(o, "continuing (\"stop\" or Ctrl-C stops the guest)\n");
	return 0;
}

/* Is this stop just the end of one step? */
static bool plain_step(const struct gdbstub_stop *st)
{
	return st->reason == GDBSTUB_STOP_SIGNAL &&
	       st->signal == GDBSTUB_SIGTRAP && !st->extra;
}

/* The stop hook while a command steps with no console to install one. */
static void cmd_on_stop(struct machine *m, int index,
			const struct gdbstub_stop *st)
{
	char line[8];
	bool taken;

	commands__note_stop(m, index, st, line, sizeof(line), &taken);
}

/*
 * One instruction, waiting for its stop.  tell_gdb: a GDB client may
 * connect and must see the target running (not from a monitor command,
 * where the GDB thread itself waits here).  Returns whether it was a
 * plain step; false also when the machine ended.
 */
static bool step_once(struct machine *m, bool tell_gdb)
{
	struct timespec ts;
	unsigned long seq;
	bool plain;

	pthread_mutex_lock(&stops.lock);
	seq = stops.seq;
	stops.waiting = true;
	stops.stepping = true;
	pthread_mutex_unlock(&stops.lock);
	if (tell_gdb && m->gdb)
		gdbstub_report_running(m->gdb);
	stub__resume_all(m, 's');
	pthread_mutex_lock(&stops.lock);
	while (stops.seq == seq && !machine__exited(m)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += CMD_WAIT_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&stops.cond, &stops.lock, &ts);
	}
	plain = stops.seq != seq && plain_step(&stops.st);
	pthread_mutex_unlock(&stops.lock);
	return plain && !machine__exited(m);
}

/* Stepping commands wait for each stop; say so to vcpu.c's report. */
static bool steps_begin(struct machine *m)
{
	commands_interrupted = 0;
	if (m->on_stop)
		return false;
	m->on_stop = cmd_on_stop;
	return true;
}

static void steps_end(struct machine *m, bool own_hook)
{
	pthread_mutex_lock(&stops.lock);
	stops.waiting = false;
	pthread_mutex_unlock(&stops.lock);
	if (own_hook)
		m->on_stop = NULL;
}

static int cmd_step(struct machine *m, const char *args, struct cmd_out *o)
{
	unsigned long n = 1, i;
	bool own;
	char *end;

	if (*args) {
		errno = 0;
		n = strtoul(args, &end, 0);
		while (*end == ' ' || *end == '\t')
			end++;
		if (errno || *end || !n || *args == '-') {
			out_printf(o, "usage: step [N] (N instructions, "
				   "default 1)\n");
			return -EINVAL;
		}
	}
	if (!may_resume(m, "step", o))
		return -EBUSY;
	own = steps_begin(m);
	for (i = 0; i < n; i++)
		if (!step_once(m, true) || commands_interrupted)
			break;
	steps_end(m, own);
	pthread_mutex_lock(&stops.lock);
	if (!machine__exited(m))
		out_printf(o, "%s\n", stops.line);
	pthread_mutex_unlock(&stops.lock);
	return 0;
}

/*
 * "trace N FILE": N single steps done here, one line "CS:RIP" per
 * instruction executed (its selector and RIP before the step) written
 * to FILE, with none of GDB's round trips.  From GDB too: GDB waits for
 * the command's reply meanwhile, and afterwards holds stale registers
 * until "flushregs".  A second line gives the time the command took
 * here, from its start to the log closed, file handling included: the
 * rate a user gets without the transport, which `make bench' compares
 * with the backend's bare single steps.
 */
static int cmd_trace(struct machine *m, const char *args, struct cmd_out *o)
{
	struct vcpu *v;
	struct kvm_regs r;
	struct kvm_sregs s;
	char why[96], line[160];
	struct timespec t0, t1;
	unsigned long n;
	uint64_t done;
	double secs;
	char *end;
	FILE *f;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	n = strtoul(args, &end, 0);
	if (errno || end == args || !n || *args == '-' ||
	    (*end != ' ' && *end != '\t')) {
		out_printf(o, "usage: trace N FILE (step N instructions, "
			   "logging CS:RIP of each to FILE)\n");
		return -EINVAL;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (!*end) {
		out_printf(o, "usage: trace N FILE (step N instructions, "
			   "logging CS:RIP of each to FILE)\n");
		return -EINVAL;
	}
	if (!o->from_gdb && !may_resume(m, "trace", o))
		return -EBUSY;
	v = cmd_vcpu(m, o);
	if (!v)
		return -EBUSY;
	f = fopen(end, "w");
	if (!f) {
		out_printf(o, "trace: %s: %s\n", end, strerror(errno));
		return -errno;
	}
	/* The steps run on the vCPU thread, with no stop reports. */
	done = vcpu__trace(v, n, f, why, sizeof(why));
	if (fclose(f) != 0) {
		out_printf(o, "trace: %s: %s\n", end, strerror(errno));
		return -EIO;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (why[0])
		snprintf(line, sizeof(line), "stopped early: %s", why);
	else if (BE_CALL(&v->bv, get_regs, &r) >= 0 &&
		 BE_CALL(&v->bv, get_sregs, &s) >= 0)
		snprintf(line, sizeof(line), "stopped: step at 0x%llx (%s mode)",
			 (unsigned long long)mmu__linear_pc(&r, &s),
			 mmu__mode_name(mmu__mode(&s)));
	else
		snprintf(line, sizeof(line), "stopped");
	out_printf(o, "traced %" PRIu64 " instructions to %s; %s%s\n", done,
		   end, line, o->from_gdb ? " (GDB: \"flushregs\" to see "
		   "the new state)" : "");
	out_printf(o, "trace: %" PRIu64 " instructions in %.6f s (%.0f per "
		   "second)%s\n", done, secs, secs > 0 ? done / secs : 0.0,
		   v->trace_in_driver ? ", stepped in the driver "
		   "(HVDBG_TRACE)" : "");
	return 0;
}

static int cmd_stop(struct machine *m, const char *args, struct cmd_out *o)
{
	bool any = false;
	int i;

	(void)args;
	for (i = 0; i < m->nr_vcpus; i++)
		any |= vcpu__kick(m->vcpus[i]);
	if (!any)
		out_printf(o, "the guest is not running\n");
	return 0;
}

static int cmd_quit(struct machine *m, const char *args, struct cmd_out *o)
{
	(void)args;
	if (o->from_gdb) {
		out_printf(o, "quit: from GDB, \"kill\" ends hvdbg\n");
		return -EPERM;
	}
	/* Like GDB's kill: the user ended it, successfully. */
	machine__exit(m, 0);
	return 0;
}

/* readline generator for the first words of command names (help);
 * readline drops the duplicates ("info registers", "info sregs"). */
static char *complete_command(const char *text, int state)
{
	static int i;
	size_t n = strlen(text), w;

	if (!state)
		i = 0;
	while (i < nr_commands) {
		const char *name = commands[i++].name;

		w = strcspn(name, " ");
		if (w >= n && !strncmp(name, text, n))
			return strndup(name, w);
	}
	return NULL;
}

/* The number of our breakpoint of these types at addr, or 0. */
static int bp_number(int t1, int t2, uint64_t addr)
{
	int i, num = 0;

	pthread_mutex_lock(&bps.lock);
	for (i = 0; i < bps.nr && !num; i++)
		if (((int)bps.bp[i].type == t1 || (int)bps.bp[i].type == t2) &&
		    bps.bp[i].addr == addr)
			num = bps.bp[i].num;
	pthread_mutex_unlock(&bps.lock);
	return num;
}

void commands__note_stop(struct machine *m, int index,
			 const struct gdbstub_stop *st, char *line,
			 size_t size, bool *taken)
{
	struct vcpu *v = m->vcpus[index];
	char what[160], at[96];
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t pc = 0;
	int num;

	/* The vCPU thread calls this before anyone can resume it. */
	if (BE_CALL(&v->bv, get_regs, &r) < 0 ||
	    BE_CALL(&v->bv, get_sregs, &s) < 0) {
		snprintf(at, sizeof(at), "(registers unreadable)");
	} else {
		pc = mmu__linear_pc(&r, &s);
		snprintf(at, sizeof(at), "at 0x%llx (%s mode)",
			 (unsigned long long)pc,
			 mmu__mode_name(mmu__mode(&s)));
	}
	/* Which one, when there are several. */
	if (m->nr_vcpus > 1) {
		char one[24];

		snprintf(one, sizeof(one), " on vCPU %d", index + 1);
		strncat(at, one, sizeof(at) - strlen(at) - 1);
	}
	pthread_mutex_lock(&stops.lock);
	switch (st->reason) {
	case GDBSTUB_STOP_SWBREAK:
	case GDBSTUB_STOP_HWBREAK:
		num = bp_number(GDBSTUB_BP_SW, GDBSTUB_BP_HW, pc);
		if (num)
			snprintf(what, sizeof(what), "breakpoint %d", num);
		else
			snprintf(what, sizeof(what), "GDB's breakpoint");
		break;
	case GDBSTUB_STOP_WATCH:
	case GDBSTUB_STOP_RWATCH:
	case GDBSTUB_STOP_AWATCH:
		num = bp_number(GDBSTUB_WP_WRITE, GDBSTUB_WP_ACCESS, st->addr);
		if (num)
			snprintf(what, sizeof(what), "watchpoint %d (0x%llx)",
				 num, (unsigned long long)st->addr);
		else
			snprintf(what, sizeof(what), "GDB's watchpoint "
				 "(0x%llx)", (unsigned long long)st->addr);
		break;
	default:
		if (st->signal == GDBSTUB_SIGTRAP && st->extra &&
		    !strncmp(st->extra, "catch:mode", 10))
			snprintf(what, sizeof(what), "catch %s",
				 m->catch_last);
		else if (st->signal == GDBSTUB_SIGTRAP)
			snprintf(what, sizeof(what), "%s",
				 stops.stepping ? "step" : "trap");
		else if (st->signal == GDBSTUB_SIGINT)
			snprintf(what, sizeof(what), "interrupted");
		else
			snprintf(what, sizeof(what), "signal %d%s",
				 st->signal,
				 st->signal == GDBSTUB_SIGSEGV ? " (fault)" :
				 st->signal == GDBSTUB_SIGABRT ?
				 " (hypervisor error)" : "");
		break;
	}
	/* Truncation is harmless: a long catch event ends the line. */
	if (snprintf(stops.line, sizeof(stops.line), "stopped: %s %s", what,
		     at) < 0)
		stops.line[0] = 0;
	stops.st = *st;
	stops.st.extra = NULL;
	if (st->extra)
		stops.st.extra = "";	/* only "there was one" matters */
	stops.seq++;
	*taken = stops.waiting;
	snprintf(line, size, "%s", stops.line);
	pthread_cond_broadcast(&stops.cond);
	pthread_mutex_unlock(&stops.lock);
}

/*
 * The command table: dispatch, "help" and completion all read it.  Names
 * of several words are matched word by word, the longest first; aliases
 * are rows of their own.
 */
const struct command commands[] = {
	{ "help", cmd_help, complete_command,
	  "[CMD]: list the commands, or say what CMD does" },
	{ "info registers", cmd_info_registers, NULL,
	  "general registers of the current vCPU" },
	{ "info sregs", cmd_info_sregs, NULL,
	  "segment, descriptor-table and control registers of the current vCPU" },
	{ "info mode", cmd_mode, NULL,
	  "CPU mode of the current vCPU (real, protected, long, ...)" },
	{ "info breakpoints", cmd_info_breakpoints, NULL,
	  "hvdbg's numbered breakpoints, then every breakpoint and "
	  "watchpoint (GDB's too) and how each is delivered now (int3, "
	  "dr0-dr3, stepped)" },
	{ "info threads", cmd_info_threads, NULL,
	  "the vCPUs: mode, state and linear PC" },
	{ "thread", cmd_thread, NULL,
	  "[N]: choose vCPU N for the commands that act on one vCPU "
	  "(registers, mode, x, set, step); without N, show the current" },
	{ "mode", cmd_mode, NULL, "the same as \"info mode\"" },
	{ "x", cmd_x, NULL,
	  "/NFU ADDR: examine memory as GDB's x does: N units of size U "
	  "(b h w g) in format F (x d u o t c s; i shows raw bytes)" },
	{ "set", cmd_set, complete_reg,
	  "REG VALUE: set a register of the current vCPU (names as in "
	  "GDB; rip and pc are the linear PC)" },
	{ "break", cmd_break, NULL,
	  "ADDR: breakpoint at linear ADDR (int3, a debug register or "
	  "stepping, as the probe decides)" },
	{ "b", cmd_break, NULL, "the same as \"break\"" },
	{ "hbreak", cmd_hbreak, NULL,
	  "ADDR: hardware breakpoint at linear ADDR (four in all)" },
	{ "watch", cmd_watch, NULL,
	  "ADDR [LEN]: stop after a write to LEN bytes (default 1)" },
	{ "rwatch", cmd_rwatch, NULL,
	  "ADDR [LEN]: stop after a read (refused: DR7 watches reads only "
	  "with writes; use awatch)" },
	{ "awatch", cmd_awatch, NULL,
	  "ADDR [LEN]: stop after a read or write" },
	{ "delete", cmd_delete, NULL,
	  "[N...]: delete hvdbg's breakpoints N (none: all of hvdbg's; "
	  "GDB's are GDB's)" },
	{ "d", cmd_delete, NULL, "the same as \"delete\"" },
	{ "step", cmd_step, NULL,
	  "[N]: execute N instructions (default 1), then show where" },
	{ "stepi", cmd_step, NULL, "the same as \"step\"" },
	{ "s", cmd_step, NULL, "the same as \"step\"" },
	{ "continue", cmd_continue, NULL,
	  "resume the guest; a stop is shown as \"stopped: ...\"" },
	{ "c", cmd_continue, NULL, "the same as \"continue\"" },
	{ "stop", cmd_stop, NULL, "stop a running guest (as Ctrl-C does)" },
	{ "trace", cmd_trace, NULL,
	  "N FILE: step N instructions here, writing CS:RIP of each to "
	  "FILE (also from GDB, which then needs \"flushregs\")" },
	{ "probe", cmd_probe, NULL,
	  "run the capability probe and print its table" },
	{ "phys", cmd_phys, complete_on_off,
	  "[on|off]: memory addresses (GDB's and x's) are guest-physical "
	  "(on) or linear (off); no argument: show which" },
	{ "translate", cmd_translate, NULL,
	  "ADDR: walk the current vCPU's page tables for linear ADDR, "
	  "level by level" },
	{ "catch", cmd_catch, complete_catch,
	  "[mode]: stop after an instruction that changes CR0.PE, CR0.PG "
	  "or EFER.LMA; cr0|cr3|cr4|efer|gdt|idt|exception N|triple-fault "
	  "(--accel hvdbg): stop before the write, descriptor-table load "
	  "or delivery; no argument: list catchpoints and the last event" },
	{ "catch delete", cmd_uncatch, complete_catch,
	  "KIND: stop catching KIND (as for catch)" },
	{ "uncatch", cmd_uncatch, complete_catch,
	  "KIND: the same as \"catch delete KIND\"" },
	{ "quit", cmd_quit, NULL,
	  "end hvdbg and the guest (the console only; GDB has kill)" },
	{ "q", cmd_quit, NULL, "the same as \"quit\"" },
};

const int nr_commands = sizeof(commands) / sizeof(commands[0]);

/* Does line start with the words of name, then a word's end? */
static size_t name_matches(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n))
		return 0;
	/* "x/4xw ADDR": the format is glued to x, as in GDB. */
	if (line[n] && line[n] != ' ' && line[n] != '\t' &&
	    !(line[n] == '/' && !strcmp(name, "x")))
		return 0;
	return n;
}

/* The row for a command line: longest name matching whole words. */
static const struct command *find_command(const char *line, size_t *len)
{
	const struct command *best = NULL;
	size_t best_len = 0, n;
	int i;

	for (i = 0; i < nr_commands; i++) {
		n = name_matches(line, commands[i].name);
		if (n > best_len) {
			best = &commands[i];
			best_len = n;
		}
	}
	*len = best_len;
	return best;
}

const struct command *commands__find(const char *line, size_t *len)
{
	return find_command(line, len);
}

int commands__exec(struct machine *m, const char *line, struct cmd_out *o)
{
	const struct command *c;
	size_t n;
	int r;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line)
		line = "help";
	c = find_command(line, &n);
	if (!c) {
		out_printf(o, "unknown command \"%.*s\"; \"help\" lists the "
			   "commands\n", (int)strcspn(line, " \t/"), line);
		return -EINVAL;
	}
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	pthread_mutex_lock(&m->cmd_lock);
	r = c->handler(m, line, o);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

int commands__run(struct machine *m, const char *line, gdbstub_print_fn print,
		  void *ctx)
{
	struct cmd_out o = { .print = print, .ctx = ctx, .from_gdb = true };

	return commands__exec(m, line, &o);
}
