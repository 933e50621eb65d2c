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
#include <string.h>

#include "monitor/commands.h"
#include "monitor/debug.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/probe.h"
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
