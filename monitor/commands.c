/*
 * Monitor commands.  They run on the GDB server thread (or the console
 * thread) while the vCPUs are stopped, and inspect state through the
 * backend directly.  Commands act on vCPU 1 until GDB's current thread
 * is passed down.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvdbg/uapi.h"
#include "monitor/commands.h"
#include "monitor/debug.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/probe.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

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
	if (vcpu__is_running(m->vcpus[0])) {
		out_printf(o, "vCPU 1 is running\n");
		return NULL;
	}
	return m->vcpus[0];
}

static int cmd_help(struct machine *m, const char *args, struct cmd_out *o)
{
	int i;

	(void)m;
	(void)args;
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
	struct vcpu *v = m->nr_vcpus ? m->vcpus[0] : NULL;
	struct kvm_sregs s;
	char buf[4096];

	(void)args;
	/* The mechanism depends on vCPU 1's mode; unknown while it runs. */
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

const struct command commands[] = {
	{ "help", cmd_help, NULL, "list the commands" },
	{ "mode", cmd_mode, NULL,
	  "CPU mode of vCPU 1 (real, protected, long, ...)" },
	{ "info registers", cmd_info_registers, NULL,
	  "general registers of vCPU 1" },
	{ "info sregs", cmd_info_sregs, NULL,
	  "segment, descriptor-table and control registers of vCPU 1" },
	{ "info breakpoints", cmd_info_breakpoints, NULL,
	  "breakpoints and watchpoints: address, type, and how each is "
	  "delivered now (int3, dr0-dr3, stepped)" },
	{ "probe", cmd_probe, NULL,
	  "run the capability probe and print its table" },
	{ "phys", cmd_phys, complete_on_off,
	  "[on|off]: GDB's memory accesses take guest-physical (on) or "
	  "linear (off) addresses; no argument: show which" },
	{ "translate", cmd_translate, NULL,
	  "ADDR: walk vCPU 1's page tables for linear ADDR, level by level" },
	{ "catch", cmd_catch, complete_catch,
	  "[mode]: stop after an instruction that changes CR0.PE, CR0.PG "
	  "or EFER.LMA; cr0|cr3|cr4|efer|gdt|idt|exception N|triple-fault "
	  "(--accel hvdbg): stop before the write, descriptor-table load "
	  "or delivery; no argument: list catchpoints and the last event" },
	{ "catch delete", cmd_uncatch, complete_catch,
	  "KIND: stop catching KIND (as for catch)" },
	{ "uncatch", cmd_uncatch, complete_catch,
	  "KIND: the same as \"catch delete KIND\"" },
};

const int nr_commands = sizeof(commands) / sizeof(commands[0]);

int commands__run(struct machine *m, const char *line, gdbstub_print_fn print,
		  void *ctx)
{
	struct cmd_out o = { .print = print, .ctx = ctx };
	const struct command *best = NULL;
	size_t best_len = 0, n;
	int i;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line)
		line = "help";
	/* Longest name that matches whole words wins. */
	for (i = 0; i < nr_commands; i++) {
		n = strlen(commands[i].name);
		if (strncmp(line, commands[i].name, n) ||
		    (line[n] && line[n] != ' ' && line[n] != '\t'))
			continue;
		if (n > best_len) {
			best = &commands[i];
			best_len = n;
		}
	}
	if (!best) {
		out_printf(&o, "unknown command \"%s\"; try \"help\"\n", line);
		return -EINVAL;
	}
	line += best_len;
	while (*line == ' ' || *line == '\t')
		line++;
	return best->handler(m, line, &o);
}
