/*
 * Breakpoints, watchpoints and the single-step policy, on top of the
 * backend's KVM_SET_GUEST_DEBUG.  GDB's breakpoints are machine-wide (the
 * same four debug-register slots and the same int3 bytes for every vCPU);
 * this file owns them, builds the guest-debug block for each entry into
 * the guest and turns a debug exit back into a GDB stop reason using the
 * exit's exception vector and DR6 rather than guessing.
 *
 * Where the probe says a mechanism does not deliver in the CPU's current
 * mode, the breakpoint is delivered by stepping instead: the vCPU thread
 * single-steps and asks this file after each instruction whether the
 * linear PC hit an execute breakpoint or watched bytes changed.
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
/* Slots past the four real ones have no register behind them: they
 * hold breakpoints whose hardware mechanism never delivers on this
 * backend, so only stepping can see them. */
#define DEBUG_NUM_SLOTS		32
#define DEBUG_MAX_SW		64
#define DEBUG_WATCH_MAX		64	/* bytes one stepped watch compares */
#define DEBUG_NO_LIFT		UINT64_MAX

struct machine;
struct backend_vcpu;
struct probe_table;

/*
 * Who asked for a breakpoint: GDB's Z packets and hvdbg's own commands
 * (the console, "monitor break") keep separate sets.  An entry both asked
 * for is shared and stays until both have removed it, so neither side
 * can take away, or plant twice, what the other set.
 */
#define DEBUG_OWNER_GDB		0x1
#define DEBUG_OWNER_CMD		0x2

struct dr_slot {
	bool used;
	unsigned int owners;		/* DEBUG_OWNER_* bits */
	enum gdbstub_bp_type type;	/* the Z type that owns the slot */
	uint64_t addr;			/* linear; this slot's piece */
	unsigned int len;		/* 1, 2, 4 or 8; virtual: any */
	/* A watchpoint GDB asked for as one range may take several
	 * slots; they share the request's start and length. */
	uint64_t req_addr;
	uint64_t req_len;
	/* Write watchpoints seen by stepping compare the bytes' values:
	 * where each byte lives now (NULL: unmapped) and what it held. */
	uint8_t *host[DEBUG_WATCH_MAX];
	uint8_t old[DEBUG_WATCH_MAX];
};

struct sw_bp {
	bool used;
	unsigned int owners;		/* DEBUG_OWNER_* bits */
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

/* The probe rows the delivery decision needs, per probe mode. */
enum debug_cap {
	DEBUG_CAP_STEP,
	DEBUG_CAP_INT3,
	DEBUG_CAP_EXEC,		/* DR execute breakpoint */
	DEBUG_CAP_WRITE,	/* DR write watchpoint */
	DEBUG_CAP_ACCESS,	/* DR read/write watchpoint */
	DEBUG_CAP_BLOCKIRQ,
	DEBUG_NR_CAPS,
};

#define DEBUG_NR_MODES		3	/* real, prot32, long64 as probed */

struct debug_state {
	/* Inserts and removes come from the GDB thread while every vCPU
	 * is stopped; vCPU threads read the tables while running. */
	pthread_mutex_t lock;
	struct dr_slot dr[DEBUG_NUM_SLOTS];
	struct sw_bp sw[DEBUG_MAX_SW];
	enum sw_bp_policy sw_policy;
	/* KVM_GUESTDBG_BLOCKIRQ is offered: steps skip pending IRQs. */
	bool blockirq;
	/* The int3 currently replaced by its original byte for a step. */
	struct sw_bp *lifted;
	/* Copied from the probe on the first insert; until then (or when
	 * the probe could not run) every mechanism is trusted as before. */
	bool probed;
	bool cap[DEBUG_NR_CAPS][DEBUG_NR_MODES];
	/* Paging state the stepped watches were last resolved under. */
	uint64_t walk_cr0, walk_cr3, walk_cr4, walk_efer;
	/* Used entries of sw[]: with none, every step skips its scans. */
	int sw_used;
};

/* What a debug exit meant. */
enum debug_event {
	DEBUG_EV_SPURIOUS,	/* nothing of ours: re-enter or step again */
	DEBUG_EV_STEP,		/* single-step trap (DR6.BS) */
	DEBUG_EV_BREAK,		/* one of our execute breakpoints */
	DEBUG_EV_WATCH,		/* one of our watchpoints */
	DEBUG_EV_GUEST,		/* the guest's own int3/#DB: show it */
	DEBUG_EV_CATCH,		/* an accelerator catchpoint (hvdbg.ko) */
};

void debug__init(struct debug_state *d);
/* Take the capability rows from a probe table (GDB thread, vCPUs
 * stopped).  NULL: the probe failed; keep trusting the hardware. */
void debug__set_caps(struct debug_state *d, const struct probe_table *t);

/*
 * Z and z.  vcpu translates linear addresses for int3 placement.
 * Returns 0 or a negative errno: -ENOSPC when no debug register is free
 * (or, for Z1 delivered by stepping, four are already set),
 * -EINVAL for a bad length, -EFAULT for an unmapped address,
 * -EOPNOTSUPP for Z3 where DR7 could watch reads, -ENODEV where neither
 * the hardware nor stepping can deliver the type (reads and accesses
 * without a working DR access watchpoint).
 */
int debug__insert(struct machine *m, struct backend_vcpu *bv,
		  enum gdbstub_bp_type type, uint64_t addr, uint64_t kind);
int debug__remove(struct machine *m, enum gdbstub_bp_type type,
		  uint64_t addr, uint64_t kind);
void debug__remove_all(struct machine *m);
/* The same for one owner (DEBUG_OWNER_*); the above are GDB's.
 * debug__remove_owned returns -ENOENT for an entry the owner never set. */
int debug__insert_owned(struct machine *m, struct backend_vcpu *bv,
			unsigned int owner, enum gdbstub_bp_type type,
			uint64_t addr, uint64_t kind);
int debug__remove_owned(struct machine *m, unsigned int owner,
			enum gdbstub_bp_type type, uint64_t addr,
			uint64_t kind);
void debug__remove_all_owned(struct machine *m, unsigned int owner);

/*
 * Re-plant int3 bytes the guest wrote over, taking the guest's byte as
 * the new original.  Every other entry point does this too; the GDB
 * thread calls it before a resume.
 */
void debug__sync(struct machine *m);

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
/* The block debug__arm would issue, built but not issued. */
void debug__block(struct machine *m, struct backend_vcpu *bv, bool step,
		  uint64_t lift, struct kvm_guest_debug *dbg);
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

/*
 * Delivery by stepping.  The sregs say the mode (and the paging the
 * watched bytes are found through).
 *
 * needs_step: some armed breakpoint or watchpoint is not delivered by its
 * hardware mechanism in this mode, and the probe saw single-step work
 * here.  *blocked (may be NULL) is set when stepping would be needed
 * but cannot be done in this mode.
 */
bool debug__needs_step(struct machine *m, const struct kvm_sregs *s,
		       bool *blocked);
/*
 * Is any breakpoint or watchpoint set?  With none, the block of a step
 * (debug__block with step and no lift) stays the same until one is set,
 * which nobody can do while a "trace" holds the command line.
 */
bool debug__any_set(struct machine *m);
/* The guest-debug block for one stepped instruction in this mode. */
void debug__step_block(struct machine *m, const struct kvm_sregs *s,
		       struct kvm_guest_debug *dbg);
/* Resolve the watched bytes and remember their values as "old". */
void debug__watch_begin(struct machine *m, const struct kvm_sregs *s);
/*
 * After one stepped instruction: did it land on an execute breakpoint,
 * or change watched bytes?  Fills st (swbreak, hwbreak, watch:ADDR) and
 * returns true for a stop.  exec false: watches only (a stepi, where
 * landing on a breakpoint is not a hit).  s may be NULL when the paging
 * state is known not to have changed since the last call.
 */
bool debug__step_check(struct machine *m, uint64_t pc,
		       const struct kvm_sregs *s, bool exec,
		       struct gdbstub_stop *st);

/* "monitor info breakpoints": address, type and the mechanism used in
 * the mode of s (NULL: the vCPU is running, mode unknown). */
void debug__describe(struct machine *m, const struct kvm_sregs *s,
		     char *buf, size_t size);

#endif
