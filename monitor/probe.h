/*
 * The capability probe: runs the probe guest on a backend and records,
 * per CPU mode, which debug features really work there.  Tests read the
 * table (hvdbg --probe) or ask one question (--probe=FEATURE:MODE) to
 * decide UNSUPPORTED with a reason; the monitor asks it whether int3
 * breakpoints can be used.  Nothing is cached between runs.
 */
#ifndef HVDBG_PROBE_H
#define HVDBG_PROBE_H

#include <stdbool.h>

#include "gdbstub/gdbstub.h"

struct backend;
struct machine;

enum probe_feature {
	PROBE_STEP,
	PROBE_INT3,
	PROBE_HBREAK,
	PROBE_WATCH,
	PROBE_AWATCH,
	PROBE_BLOCKIRQ,
	PROBE_NR_FEATURES,
};

enum probe_mode {
	PROBE_REAL,
	PROBE_PROT32,
	PROBE_LONG64,
	PROBE_NR_MODES,
};

struct probe_cell {
	bool yes;
	char reason[160];	/* why not, or a note on how it worked */
};

struct probe_table {
	char backend[64];
	int api_version;
	struct probe_cell cell[PROBE_NR_FEATURES][PROBE_NR_MODES];
};

/* Run every probe on an open backend.  Returns 0 or a negative errno. */
int probe__run(struct backend *be, struct probe_table *t);
/* Print the table (and the reasons for each "no") through print. */
void probe__print(const struct probe_table *t, gdbstub_print_fn print,
		  void *ctx);

/*
 * hvdbg --probe[=FEATURE:MODE]: opens the accelerator, runs the probe and
 * returns the process exit status.  irqchip is --irqchip's value (-1
 * default, 0 off, 1 on): --probe=smp says what -smp would use with it.
 */
int probe__main(const char *accel, const char *query, int irqchip);

/* Does int3 + USE_SW_BP trap in every mode?  Runs the probe once. */
bool probe__int3_traps(struct machine *m);
/* The machine's probe table, run on first need; NULL if it failed. */
const struct probe_table *probe__get(struct machine *m);

#endif
