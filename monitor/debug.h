/*
 * Breakpoints, watchpoints and the single-step policy, on top of the
 * backend's KVM_SET_GUEST_DEBUG.  GDB's breakpoints are machine-wide (the
 * same four debug-register slots and the same int3 bytes for every vCPU);
 * this file owns them, builds the guest-debug block for each entry into
 * the guest and turns a debug exit back into a GDB stop reason using the
 * exit's exception vector and DR6 rather than guessing.
 *
 * Addresses are linear (segment base already added), as GDB sends them.
 */
#ifndef HVDBG_DEBUG_H
#define HVDBG_DEBUG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "gdbstub/gdbstub.h"

#define DEBUG_NUM_DR		4
#define DEBUG_MAX_SW		64
#define DEBUG_NO_LIFT		UINT64_MAX

struct machine;
struct backend_vcpu;

struct dr_slot {
	bool used;
	enum gdbstub_bp_type type;	/* the Z type that owns the slot */
	uint64_t addr;			/* linear; this slot's piece */
	unsigned int len;		/* 1, 2, 4 or 8 */
	/* A watchpoint GDB asked for as one range may take several
	 * slots; they share the request's start and length. */
	uint64_t req_addr;
	uint64_t req_len;
};

struct sw_bp {
	bool used;
	uint64_t linear;
	uint64_t gpa;		/* where the 0xCC byte went */
	uint8_t orig;		/* what GDB must keep seeing there */
	int dr;			/* -1: an int3 byte; else its DR slot */
};

/* How a Z0 breakpoint is implemented on this backend. */
enum sw_bp_policy {
	SW_BP_UNKNOWN,		/* not decided yet: ask the probe */
	SW_BP_INT3,		/* int3 + KVM_GUESTDBG_USE_SW_BP traps */
	SW_BP_DR,		/* int3 leaks to the guest: use a DR slot */
};

struct debug_state {
	/* Inserts and removes come from the GDB thread while every vCPU
	 * is stopped; vCPU threads read the tables while running. */
	pthread_mutex_t lock;
	struct dr_slot dr[DEBUG_NUM_DR];
	struct sw_bp sw[DEBUG_MAX_SW];
	enum sw_bp_policy sw_policy;
	/* KVM_GUESTDBG_BLOCKIRQ is offered: steps skip pending IRQs. */
	bool blockirq;
	/* The int3 currently replaced by its original byte for a step. */
	struct sw_bp *lifted;
};

/* What a debug exit meant. */
enum debug_event {
	DEBUG_EV_SPURIOUS,	/* nothing of ours: re-enter or step again */
	DEBUG_EV_STEP,		/* single-step trap (DR6.BS) */
	DEBUG_EV_BREAK,		/* one of our execute breakpoints */
	DEBUG_EV_WATCH,		/* one of our watchpoints */
	DEBUG_EV_GUEST,		/* the guest's own int3/#DB: show it */
};

void debug__init(struct debug_state *d);

/*
 * Z and z.  vcpu translates linear addresses for int3 placement.
 * Returns 0 or a negative errno: -ENOSPC when no debug register is free,
 * -EINVAL for a bad length, -EFAULT for an unmapped address,
 * -EOPNOTSUPP for Z3.
 */
int debug__insert(struct machine *m, struct backend_vcpu *bv,
		  enum gdbstub_bp_type type, uint64_t addr, uint64_t kind);
int debug__remove(struct machine *m, enum gdbstub_bp_type type,
		  uint64_t addr, uint64_t kind);
void debug__remove_all(struct machine *m);

/* Is an execute breakpoint (Z0 or Z1) armed at this linear address? */
bool debug__bp_at(struct machine *m, uint64_t linear);

/*
 * Program the vCPU's guest debug for the next entry.  step adds
 * SINGLESTEP (and BLOCKIRQ when offered); lift is a linear address whose
 * execute breakpoint must not fire during this step (DEBUG_NO_LIFT:
 * none).  Call debug__unlift() after the step.
 */
int debug__arm(struct machine *m, struct backend_vcpu *bv, bool step,
	       uint64_t lift);
void debug__unlift(struct machine *m);

/* Classify run->debug.arch; fills st (reason, addr) for breaks/watches. */
enum debug_event debug__classify(struct machine *m,
				 const struct kvm_debug_exit_arch *arch,
				 struct gdbstub_stop *st);

/* Memory seen by GDB: hide our 0xCC bytes; keep them across writes. */
void debug__shadow_read(struct machine *m, uint64_t gpa, uint8_t *buf,
			size_t len);
void debug__shadow_write(struct machine *m, uint64_t gpa,
			 const uint8_t *buf, size_t len);

/* For "monitor info breakpoints"-style listings. */
void debug__describe(struct machine *m, char *buf, size_t size);

#endif
