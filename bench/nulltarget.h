/*
 * The null target: an x86-64 machine that costs nothing, served by
 * libgdbstub.  Its CPUs are register files in memory, its RAM a zeroed
 * buffer; a step adds one to rip and stops at once, a continue jumps to
 * the next breakpoint above rip (or, the program being a loop, the lowest
 * one) or "runs" until interrupted when there is none.  Shared by
 * nullstub (the benchmark's floor and the conformance tests' peer) and
 * the protocol fuzzer, so that both exercise the same target.
 */
#ifndef BENCH_NULLTARGET_H
#define BENCH_NULLTARGET_H

#include <stddef.h>
#include <stdint.h>

#include "gdbstub/gdbstub.h"
#include "gdbstub/x86/regfile.h"

#define NULL_MAX_THREADS	64
#define NULL_MAX_BREAKPOINTS	64
#define NULL_START_RIP		0x7c00

struct null_bp {
	int used;
	enum gdbstub_bp_type type;
	uint64_t addr;
};

struct null_target {
	/* Where stops are reported; set by the owner after gdbstub_new(). */
	struct gdbstub *stub;
	int nthreads;
	struct x86_gdb_regs cpu[NULL_MAX_THREADS];
	uint8_t *ram;
	size_t ram_size;
	struct null_bp bps[NULL_MAX_BREAKPOINTS];
	/* "Running" until interrupted: no breakpoint was ahead. */
	int running;
	/* Thread that ran or stopped last; what tid -1 resolves to. */
	int cur_tid;
};

extern const struct gdbstub_target_ops null_target_ops;

/*
 * Give nt nthreads CPUs at NULL_START_RIP and ram_size bytes of zeroed
 * RAM.  Returns 0 or a negative errno.
 */
int null_target_init(struct null_target *nt, int nthreads, size_t ram_size);
/* Back to the state null_target_init() left: RAM, CPUs, breakpoints. */
void null_target_reset(struct null_target *nt);
void null_target_fini(struct null_target *nt);

/* Report a stop of thread tid to nt->stub. */
void null_target_report(struct null_target *nt,
			enum gdbstub_stop_reason reason, int tid, int sig);

#endif
