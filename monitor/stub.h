/*
 * The machine as libgdbstub sees it: struct gdbstub_target_ops built on
 * the vCPUs, the debug state and the MMU walker.
 */
#ifndef HVDBG_STUB_H
#define HVDBG_STUB_H

#include "gdbstub/gdbstub.h"

struct machine;

extern const struct gdbstub_target_ops stub_ops;

/* Fill the 'g' layout for vCPU v / apply one back (changed parts only). */
int stub__read_regs(struct machine *m, int index, uint8_t *buf);
int stub__write_regs(struct machine *m, int index, const uint8_t *buf);

/* Z for an owner (DEBUG_OWNER_*), asking the probe first as GDB's do. */
int stub__insert(struct machine *m, unsigned int owner,
		 enum gdbstub_bp_type type, uint64_t addr, uint64_t kind);
/* Resume every vCPU: type 'c' continue or 's' step, as a vCont would. */
int stub__resume_all(struct machine *m, char type);

#endif
