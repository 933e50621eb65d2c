/*
 * The null target's gdbstub_target_ops: registers, memory, breakpoints
 * and execution of a machine that exists only as arrays (see
 * nulltarget.h).  Nothing here touches a socket or a thread, so the
 * fuzzer can reset it and run it millions of times in one process.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/nulltarget.h"

static int valid_tid(struct null_target *nt, int tid)
{
	return tid >= 1 && tid <= nt->nthreads;
}

static int null_read_registers(void *t, int tid, uint8_t *buf)
{
	struct null_target *nt = t;

	if (!valid_tid(nt, tid))
		return -ESRCH;
	memcpy(buf, &nt->cpu[tid - 1], sizeof(nt->cpu[0]));
	return 0;
}

static int null_write_registers(void *t, int tid, const uint8_t *buf)
{
	struct null_target *nt = t;

	if (!valid_tid(nt, tid))
		return -ESRCH;
	memcpy(&nt->cpu[tid - 1], buf, sizeof(nt->cpu[0]));
	return 0;
}

/* Bytes of [addr, addr + len) inside RAM, or -EFAULT if none are. */
static ssize_t ram_span(struct null_target *nt, uint64_t addr, size_t len)
{
	if (addr >= nt->ram_size)
		return -EFAULT;
	if (len > nt->ram_size - addr)
		len = nt->ram_size - addr;
	return len;
}

static ssize_t null_read_memory(void *t, int tid, uint64_t addr,
				uint8_t *buf, size_t len)
{
	struct null_target *nt = t;
	ssize_t n = ram_span(nt, addr, len);

	(void)tid;
	if (n > 0)
		memcpy(buf, nt->ram + addr, n);
	return n;
}

static ssize_t null_write_memory(void *t, int tid, uint64_t addr,
				 const uint8_t *buf, size_t len)
{
	struct null_target *nt = t;
	ssize_t n = ram_span(nt, addr, len);

	(void)tid;
	if (n > 0)
		memcpy(nt->ram + addr, buf, n);
	return n;
}

static int null_insert_breakpoint(void *t, enum gdbstub_bp_type type,
				  uint64_t addr, uint64_t kind)
{
	struct null_target *nt = t;
	int i, free_slot = -1;

	(void)kind;
	/* Watchpoints never fire here; let GDB know rather than hang. */
	if (type != GDBSTUB_BP_SW && type != GDBSTUB_BP_HW)
		return -EOPNOTSUPP;
	for (i = 0; i < NULL_MAX_BREAKPOINTS; i++) {
		if (nt->bps[i].used && nt->bps[i].type == type &&
		    nt->bps[i].addr == addr)
			return 0;
		if (!nt->bps[i].used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	nt->bps[free_slot] = (struct null_bp){ 1, type, addr };
	return 0;
}

static int null_remove_breakpoint(void *t, enum gdbstub_bp_type type,
				  uint64_t addr, uint64_t kind)
{
	struct null_target *nt = t;
	int i;

	(void)kind;
	if (type != GDBSTUB_BP_SW && type != GDBSTUB_BP_HW)
		return -EOPNOTSUPP;
	for (i = 0; i < NULL_MAX_BREAKPOINTS; i++) {
		if (nt->bps[i].used && nt->bps[i].type == type &&
		    nt->bps[i].addr == addr) {
			nt->bps[i].used = 0;
			return 0;
		}
	}
	return -ENOENT;
}

void null_target_report(struct null_target *nt,
			enum gdbstub_stop_reason reason, int tid, int sig)
{
	struct gdbstub_stop st = {
		.reason = reason,
		.tid = tid,
		.signal = sig,
	};

	nt->cur_tid = tid;
	gdbstub_report_stop(nt->stub, &st);
}

static int null_resume(void *t, const struct gdbstub_action *acts, int nacts)
{
	struct null_target *nt = t;
	const struct null_bp *hit = NULL;
	struct x86_gdb_regs *cpu;
	int i, tid;

	/*
	 * A step anywhere wins: the other threads stop with it at once.
	 * Every null instruction is one byte long, so a range step ('r')
	 * ends at the range's end when it starts inside it.
	 */
	for (i = 0; i < nacts; i++) {
		if (acts[i].type != 's' && acts[i].type != 'S' &&
		    acts[i].type != 'r')
			continue;
		tid = acts[i].tid > 0 ? acts[i].tid : nt->cur_tid;
		if (!valid_tid(nt, tid))
			return -ESRCH;
		cpu = &nt->cpu[tid - 1];
		if (acts[i].type == 'r' && cpu->rip >= acts[i].start &&
		    cpu->rip < acts[i].end)
			cpu->rip = acts[i].end;
		else
			cpu->rip++;
		null_target_report(nt, GDBSTUB_STOP_SIGNAL, tid,
				   GDBSTUB_SIGTRAP);
		return 0;
	}
	if (!nacts)
		return -EINVAL;
	tid = acts[0].tid > 0 ? acts[0].tid : nt->cur_tid;
	if (!valid_tid(nt, tid))
		return -ESRCH;
	cpu = &nt->cpu[tid - 1];
	for (i = 0; i < NULL_MAX_BREAKPOINTS; i++) {
		const struct null_bp *bp = &nt->bps[i];

		if (bp->used && bp->addr > cpu->rip &&
		    (!hit || bp->addr < hit->addr))
			hit = bp;
	}
	/* None ahead: the null program is one big loop, so the lowest
	 * breakpoint behind comes round next (the benchmark's hits). */
	for (i = 0; !hit && i < NULL_MAX_BREAKPOINTS; i++) {
		const struct null_bp *bp = &nt->bps[i];
		int j;

		if (!bp->used)
			continue;
		hit = bp;
		for (j = 0; j < NULL_MAX_BREAKPOINTS; j++)
			if (nt->bps[j].used && nt->bps[j].addr < hit->addr)
				hit = &nt->bps[j];
	}
	if (!hit) {
		nt->running = 1;
		nt->cur_tid = tid;
		return 0;
	}
	cpu->rip = hit->addr;
	null_target_report(nt, hit->type == GDBSTUB_BP_SW ?
			   GDBSTUB_STOP_SWBREAK : GDBSTUB_STOP_HWBREAK, tid,
			   GDBSTUB_SIGTRAP);
	return 0;
}

static void null_interrupt(void *t)
{
	struct null_target *nt = t;

	if (!nt->running)
		return;
	nt->running = 0;
	null_target_report(nt, GDBSTUB_STOP_SIGNAL, nt->cur_tid,
			   GDBSTUB_SIGINT);
}

static int null_list_threads(void *t, int *tids, int max)
{
	struct null_target *nt = t;
	int i;

	for (i = 0; i < nt->nthreads && i < max; i++)
		tids[i] = i + 1;
	return i;
}

static void null_describe_thread(void *t, int tid, char *buf, size_t size)
{
	(void)t;
	snprintf(buf, size, "null CPU %d", tid - 1);
}

static int null_monitor_command(void *t, const char *cmd,
				gdbstub_print_fn print, void *ctx)
{
	struct null_target *nt = t;
	char line[128];

	if (!strncmp(cmd, "echo", 4) && (cmd[4] == ' ' || !cmd[4])) {
		const char *text = cmd[4] ? cmd + 5 : "";

		print(ctx, text);
		print(ctx, "\n");
		return 0;
	}
	if (!strcmp(cmd, "info")) {
		snprintf(line, sizeof(line), "null target: %d thread(s), "
			 "%zu MiB RAM\n", nt->nthreads, nt->ram_size >> 20);
		print(ctx, line);
		return 0;
	}
	if (!strcmp(cmd, "help") || !*cmd) {
		print(ctx, "echo TEXT  print TEXT\n"
			   "info       describe the null target\n");
		return 0;
	}
	snprintf(line, sizeof(line), "unknown command: %.60s\n", cmd);
	print(ctx, line);
	return -EINVAL;
}

static void null_detach(void *t)
{
	struct null_target *nt = t;

	/* Running free means running until the next client stops us. */
	nt->running = 1;
}

static void null_kill(void *t)
{
	(void)t;
}

const struct gdbstub_target_ops null_target_ops = {
	.read_registers = null_read_registers,
	.write_registers = null_write_registers,
	.read_memory = null_read_memory,
	.write_memory = null_write_memory,
	.insert_breakpoint = null_insert_breakpoint,
	.remove_breakpoint = null_remove_breakpoint,
	.resume = null_resume,
	.interrupt = null_interrupt,
	.list_threads = null_list_threads,
	.describe_thread = null_describe_thread,
	.monitor_command = null_monitor_command,
	.detach = null_detach,
	.kill = null_kill,
};

/* CPUs at the start, no breakpoints, stopped; RAM left alone. */
static void reset_cpus(struct null_target *nt)
{
	int i;

	memset(nt->cpu, 0, sizeof(nt->cpu));
	for (i = 0; i < nt->nthreads; i++)
		nt->cpu[i].rip = NULL_START_RIP;
	memset(nt->bps, 0, sizeof(nt->bps));
	nt->running = 0;
	nt->cur_tid = 1;
}

int null_target_init(struct null_target *nt, int nthreads, size_t ram_size)
{
	if (nthreads < 1 || nthreads > NULL_MAX_THREADS)
		return -EINVAL;
	memset(nt, 0, sizeof(*nt));
	nt->nthreads = nthreads;
	nt->ram_size = ram_size;
	/* calloc: untouched pages stay unallocated zero pages. */
	nt->ram = calloc(1, ram_size);
	if (!nt->ram)
		return -ENOMEM;
	reset_cpus(nt);
	return 0;
}

void null_target_reset(struct null_target *nt)
{
	memset(nt->ram, 0, nt->ram_size);
	reset_cpus(nt);
}

void null_target_fini(struct null_target *nt)
{
	free(nt->ram);
	nt->ram = NULL;
}
