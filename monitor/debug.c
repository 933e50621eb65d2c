/*
 * Debug-register allocation, int3 placement and debug-exit decoding.
 *
 * Backends differ wildly in what they deliver (see DESIGN.md's table), so
 * the policy here never trusts one mechanism alone: a Z0 becomes an int3
 * only where the probe saw int3 trap, otherwise it takes a debug register;
 * resuming from a breakpoint lifts it for one step instead of relying on
 * RFLAGS.RF; the guest-debug block is rebuilt before every step.  The GDB
 * thread inserts and removes while all vCPUs are stopped; vCPU threads
 * read under the same lock when they arm or classify.
 *
 * Where the probe says a mechanism never fires in a mode (int3, DR
 * execute, DR write), the breakpoint is still accepted when the probe saw
 * single-step work there: the vCPU thread then steps and calls
 * debug__step_check() after each instruction.  A breakpoint whose
 * mechanism fires nowhere does not take one of the four registers; it
 * goes to a virtual slot that only stepping looks at.  Reads cannot be
 * seen by comparing memory, so read and access watchpoints are refused
 * where DR access watchpoints do not fire.  Stepped hbreaks are still
 * limited to four, as GDB's hardware breakpoints are on real hardware.
 *
 * An int3 is kept by guest-physical address, and its byte is checked
 * each time this file is entered (sw_sync), so code copied over it later
 * gets the breakpoint back; debug registers and stepping compare linear
 * addresses and do not care what the bytes are.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor/backend.h"
#include "hvdbg/uapi.h"
#include "monitor/debug.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/probe.h"

#define DR6_BS		(1u << 14)
#define DR7_GE		(1u << 9)
#define DR7_RW_EXEC	0u
#define DR7_RW_WRITE	1u
#define DR7_RW_ACCESS	3u
#define INT3_OPCODE	0xcc
#define DB_VECTOR	1
#define BP_VECTOR	3

void debug__init(struct debug_state *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->sw_policy = SW_BP_UNKNOWN;
}

void debug__set_caps(struct debug_state *d, const struct probe_table *t)
{
	static const enum probe_feature rows[DEBUG_NR_CAPS] = {
		[DEBUG_CAP_STEP]	= PROBE_STEP,
		[DEBUG_CAP_INT3]	= PROBE_INT3,
		[DEBUG_CAP_EXEC]	= PROBE_HBREAK,
		[DEBUG_CAP_WRITE]	= PROBE_WATCH,
		[DEBUG_CAP_ACCESS]	= PROBE_AWATCH,
		[DEBUG_CAP_BLOCKIRQ]	= PROBE_BLOCKIRQ,
	};
	int c, mode;

	_Static_assert(DEBUG_NR_MODES == PROBE_NR_MODES,
		       "debug and probe modes differ");
	pthread_mutex_lock(&d->lock);
	d->probed = t != NULL;
	for (c = 0; t && c < DEBUG_NR_CAPS; c++)
		for (mode = 0; mode < DEBUG_NR_MODES; mode++)
			d->cap[c][mode] = t->cell[rows[c]][mode].yes;
	pthread_mutex_unlock(&d->lock);
}

/*
 * Does cap work in the mode of s?  The probe ran CPL0 code in real mode,
 * 32-bit protected mode and 64-bit long mode; compatibility mode is a
 * mix of the last two, so it needs both.
 */
static bool cap_in(const struct debug_state *d, enum debug_cap cap,
		   const struct kvm_sregs *s)
{
	if (!d->probed)
		return true;
	switch (mmu__mode(s)) {
	case CPU_MODE_REAL:
		return d->cap[cap][PROBE_REAL];
	case CPU_MODE_LONG:
		return d->cap[cap][PROBE_LONG64];
	case CPU_MODE_LONG_COMPAT:
		return d->cap[cap][PROBE_PROT32] && d->cap[cap][PROBE_LONG64];
	default:
		return d->cap[cap][PROBE_PROT32];
	}
}

/* Worth a real debug register: it fires in at least one mode. */
static bool cap_somewhere(const struct debug_state *d, enum debug_cap cap)
{
	int mode;

	for (mode = 0; mode < DEBUG_NR_MODES; mode++)
		if (d->cap[cap][mode])
			return true;
	return !d->probed;
}

/* In every mode either the hardware or stepping delivers it. */
static bool deliverable(const struct debug_state *d, enum debug_cap cap,
			bool by_step)
{
	int mode;

	for (mode = 0; d->probed && mode < DEBUG_NR_MODES; mode++)
		if (!d->cap[cap][mode] &&
		    !(by_step && d->cap[DEBUG_CAP_STEP][mode]))
			return false;
	return true;
}

static enum debug_cap slot_cap(const struct dr_slot *s)
{
	switch (s->type) {
	case GDBSTUB_BP_SW:
	case GDBSTUB_BP_HW:
		return DEBUG_CAP_EXEC;
	case GDBSTUB_WP_WRITE:
		return DEBUG_CAP_WRITE;
	default:
		return DEBUG_CAP_ACCESS;
	}
}

/* Is slot i delivered by its debug register in the mode of s? */
static bool slot_fires(const struct debug_state *d, int i,
		       const struct kvm_sregs *s)
{
	return i < DEBUG_NUM_DR && cap_in(d, slot_cap(&d->dr[i]), s);
}

static int dr_free_count(struct debug_state *d)
{
	int i, n = 0;

	for (i = 0; i < DEBUG_NUM_DR; i++)
		n += !d->dr[i].used;
	return n;
}

/* hw: one of DR0-DR3; otherwise a virtual slot seen only by stepping. */
static int dr_alloc(struct debug_state *d, unsigned int owner,
		    enum gdbstub_bp_type type, uint64_t addr,
		    unsigned int len, uint64_t req_addr, uint64_t req_len,
		    bool hw)
{
	int i;

	for (i = hw ? 0 : DEBUG_NUM_DR;
	     i < (hw ? DEBUG_NUM_DR : DEBUG_NUM_SLOTS); i++) {
		struct dr_slot *s = &d->dr[i];

		if (s->used)
			continue;
		s->used = true;
		s->owners = owner;
		s->type = type;
		s->addr = addr;
		s->len = len;
		s->req_addr = req_addr;
		s->req_len = req_len;
		memset(s->host, 0, sizeof(s->host));
		return i;
	}
	return -ENOSPC;
}

/*
 * Cut [addr, addr+len) into naturally aligned 1/2/4/8-byte pieces, the
 * only shapes DR7 can watch.  Returns the number of pieces.
 */
static int watch_pieces(uint64_t addr, uint64_t len, uint64_t *pa,
			unsigned int *pl, int max)
{
	int n = 0;

	while (len) {
		unsigned int size = 8;

		while (size > 1 && ((addr & (size - 1)) || size > len))
			size >>= 1;
		if (n == max)
			return max + 1;
		pa[n] = addr;
		pl[n] = size;
		n++;
		addr += size;
		len -= size;
	}
	return n;
}

static int insert_watch(struct debug_state *d, unsigned int owner,
			enum gdbstub_bp_type type, uint64_t addr,
			uint64_t len)
{
	enum debug_cap cap = type == GDBSTUB_WP_WRITE ? DEBUG_CAP_WRITE :
							DEBUG_CAP_ACCESS;
	uint64_t pa[DEBUG_NUM_DR];
	unsigned int pl[DEBUG_NUM_DR];
	bool shared = false;
	int i, n;

	/* The same watch asked for by the other owner: share its slots. */
	for (i = 0; i < DEBUG_NUM_SLOTS; i++) {
		struct dr_slot *s = &d->dr[i];

		if (s->used && s->type == type && s->req_addr == addr &&
		    s->req_len == len) {
			s->owners |= owner;
			shared = true;
		}
	}
	if (shared)
		return 0;

	/* Comparing values after each step sees writes, never reads. */
	if (!deliverable(d, cap, cap == DEBUG_CAP_WRITE))
		return -ENODEV;
	if (!cap_somewhere(d, cap)) {
		if (!len || len > DEBUG_WATCH_MAX)
			return -EINVAL;
		n = dr_alloc(d, owner, type, addr, len, addr, len, false);
		return n < 0 ? n : 0;
	}
	if (!len || len > 8 * DEBUG_NUM_DR)
		return -EINVAL;
	n = watch_pieces(addr, len, pa, pl, DEBUG_NUM_DR);
	if (n > dr_free_count(d))
		return -ENOSPC;
	for (i = 0; i < n; i++)
		dr_alloc(d, owner, type, pa[i], pl[i], addr, len, true);
	return 0;
}

static struct sw_bp *sw_find(struct debug_state *d, uint64_t linear)
{
	int i;

	for (i = 0; d->sw_used && i < DEBUG_MAX_SW; i++)
		if (d->sw[i].used && d->sw[i].linear == linear)
			return &d->sw[i];
	return NULL;
}

/*
 * Catch guest writes over planted int3 bytes.  A boot loader that copies
 * a kernel over a breakpoint replaces our 0xCC with its own byte: that
 * byte becomes the one GDB must see and the one a lift puts back, and
 * the 0xCC goes in again on top.  KVM does not tell us about the write,
 * so this runs whenever hvdbg looks at the breakpoints (every stop, every
 * resume, every memory access by GDB, every step of a stepped run); a
 * write followed by the copied code running before any of those misses
 * the breakpoint.  A guest that itself writes 0xCC there is not noticed.
 * Called with the lock held.
 */
static void sw_sync(struct machine *m)
{
	struct debug_state *d = &m->dbg;
	uint8_t *host;
	int i;

	for (i = 0; d->sw_used && i < DEBUG_MAX_SW; i++) {
		struct sw_bp *b = &d->sw[i];

		if (!b->used || b->dr >= 0 || d->lifted == b)
			continue;
		host = machine__gpa_to_host(m, b->gpa, 1);
		if (!host || *host == INT3_OPCODE)
			continue;
		b->orig = *host;
		*host = INT3_OPCODE;
	}
}

void debug__sync(struct machine *m)
{
	pthread_mutex_lock(&m->dbg.lock);
	sw_sync(m);
	pthread_mutex_unlock(&m->dbg.lock);
}

static int insert_sw(struct machine *m, struct backend_vcpu *bv,
		     unsigned int owner, uint64_t addr)
{
	struct debug_state *d = &m->dbg;
	struct kvm_sregs sregs;
	struct sw_bp *b = NULL;
	uint64_t gpa, left;
	uint8_t *host;
	int i, r;

	b = sw_find(d, addr);
	if (b) {
		/* GDB re-inserts on every resume; or the other owner's */
		b->owners |= owner;
		return 0;
	}
	for (i = 0; i < DEBUG_MAX_SW && !b; i++)
		if (!d->sw[i].used)
			b = &d->sw[i];
	if (!b)
		return -ENOSPC;

	if (d->sw_policy != SW_BP_INT3) {
		if (!deliverable(d, DEBUG_CAP_EXEC, true))
			return -ENODEV;
		r = dr_alloc(d, owner, GDBSTUB_BP_SW, addr, 1, addr, 1,
			     cap_somewhere(d, DEBUG_CAP_EXEC));
		if (r < 0)
			return r;
		*b = (struct sw_bp){ .used = true, .owners = owner,
				     .linear = addr, .dr = r };
		d->sw_used++;
		return 0;
	}

	r = BE_CALL(bv, get_sregs, &sregs);
	if (r < 0)
		return r;
	r = mmu__translate(m, &sregs, addr, &gpa, &left);
	if (r < 0)
		return r;
	host = machine__gpa_to_host(m, gpa, 1);
	if (!host)
		return -EFAULT;
	*b = (struct sw_bp){
		.used = true, .owners = owner, .linear = addr, .gpa = gpa,
		.orig = *host, .dr = -1,
	};
	d->sw_used++;
	*host = INT3_OPCODE;
	return 0;
}

static int hw_bp_count(const struct debug_state *d)
{
	int i, n = 0;

	for (i = 0; i < DEBUG_NUM_SLOTS; i++)
		n += d->dr[i].used && d->dr[i].type == GDBSTUB_BP_HW;
	return n;
}

int debug__insert(struct machine *m, struct backend_vcpu *bv,
		  enum gdbstub_bp_type type, uint64_t addr, uint64_t kind)
{
	return debug__insert_owned(m, bv, DEBUG_OWNER_GDB, type, addr, kind);
}

int debug__insert_owned(struct machine *m, struct backend_vcpu *bv,
			unsigned int owner, enum gdbstub_bp_type type,
			uint64_t addr, uint64_t kind)
{
	struct debug_state *d = &m->dbg;
	int i, r;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	switch (type) {
	case GDBSTUB_BP_SW:
		r = insert_sw(m, bv, owner, addr);
		break;
	case GDBSTUB_BP_HW:
		r = 0;
		for (i = 0; i < DEBUG_NUM_SLOTS; i++)
			if (d->dr[i].used && d->dr[i].type == type &&
			    d->dr[i].addr == addr) {
				d->dr[i].owners |= owner;
				goto out;
			}
		if (!deliverable(d, DEBUG_CAP_EXEC, true)) {
			r = -ENODEV;
			break;
		}
		/* Stepped hbreaks need no register, but GDB's hardware
		 * breakpoints are four everywhere, so that a session that
		 * works here works where DR0-DR3 fire. */
		if (!cap_somewhere(d, DEBUG_CAP_EXEC) &&
		    hw_bp_count(d) >= DEBUG_NUM_DR) {
			r = -ENOSPC;
			break;
		}
		r = dr_alloc(d, owner, type, addr, 1, addr, 1,
			     cap_somewhere(d, DEBUG_CAP_EXEC));
		break;
	case GDBSTUB_WP_WRITE:
	case GDBSTUB_WP_ACCESS:
		r = insert_watch(d, owner, type, addr, kind);
		break;
	case GDBSTUB_WP_READ:
		/* DR7 has no read-only condition: an access slot whose
		 * hits are filtered by value (see debug__classify).  Where
		 * access slots do not fire, say no with an error GDB
		 * shows, not the empty reply that would let it fall back
		 * to something equally undeliverable. */
		r = insert_watch(d, owner, type, addr, kind);
		break;
	default:
		r = -EOPNOTSUPP;
		break;
	}
out:
	pthread_mutex_unlock(&d->lock);
	return r < 0 ? r : 0;
}

static void remove_sw(struct machine *m, struct sw_bp *b,
		      unsigned int owner)
{
	uint8_t *host;

	b->owners &= ~owner;
	if (b->owners)
		return;		/* the other owner still wants it */

	if (b->dr >= 0) {
		m->dbg.dr[b->dr].used = false;
	} else if (m->dbg.lifted != b) {
		host = machine__gpa_to_host(m, b->gpa, 1);
		if (host && *host == INT3_OPCODE)
			*host = b->orig;
	}
	b->used = false;
	m->dbg.sw_used--;
}

int debug__remove(struct machine *m, enum gdbstub_bp_type type,
		  uint64_t addr, uint64_t kind)
{
	return debug__remove_owned(m, DEBUG_OWNER_GDB, type, addr, kind);
}

int debug__remove_owned(struct machine *m, unsigned int owner,
			enum gdbstub_bp_type type, uint64_t addr,
			uint64_t kind)
{
	struct debug_state *d = &m->dbg;
	struct sw_bp *b;
	int i, r = -ENOENT;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	switch (type) {
	case GDBSTUB_BP_SW:
		b = sw_find(d, addr);
		if (b && (b->owners & owner)) {
			remove_sw(m, b, owner);
			r = 0;
		}
		break;
	case GDBSTUB_BP_HW:
	case GDBSTUB_WP_WRITE:
	case GDBSTUB_WP_READ:
	case GDBSTUB_WP_ACCESS:
		for (i = 0; i < DEBUG_NUM_SLOTS; i++) {
			struct dr_slot *s = &d->dr[i];

			if (s->used && (s->owners & owner) &&
			    s->type == type && s->req_addr == addr &&
			    (type == GDBSTUB_BP_HW || s->req_len == kind)) {
				s->owners &= ~owner;
				s->used = s->owners != 0;
				r = 0;
			}
		}
		break;
	default:
		r = -EOPNOTSUPP;
		break;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

void debug__remove_all(struct machine *m)
{
	debug__remove_all_owned(m, DEBUG_OWNER_GDB);
}

void debug__remove_all_owned(struct machine *m, unsigned int owner)
{
	struct debug_state *d = &m->dbg;
	int i;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	/* A Z0 kept on a slot is freed with its sw_bp entry. */
	for (i = 0; i < DEBUG_MAX_SW; i++)
		if (d->sw[i].used)
			remove_sw(m, &d->sw[i], owner);
	for (i = 0; i < DEBUG_NUM_SLOTS; i++) {
		struct dr_slot *s = &d->dr[i];

		if (!s->used || s->type == GDBSTUB_BP_SW)
			continue;
		s->owners &= ~owner;
		s->used = s->owners != 0;
	}
	pthread_mutex_unlock(&d->lock);
}

bool debug__bp_at(struct machine *m, uint64_t linear)
{
	struct debug_state *d = &m->dbg;
	bool hit = false;
	int i;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	for (i = 0; i < DEBUG_NUM_SLOTS; i++)
		if (d->dr[i].used && d->dr[i].addr == linear &&
		    (d->dr[i].type == GDBSTUB_BP_HW ||
		     d->dr[i].type == GDBSTUB_BP_SW))
			hit = true;
	if (sw_find(d, linear))
		hit = true;
	pthread_mutex_unlock(&d->lock);
	return hit;
}

static unsigned int dr7_len_bits(unsigned int len)
{
	switch (len) {
	case 2:
		return 1;
	case 4:
		return 3;
	case 8:
		return 2;
	default:
		return 0;
	}
}

static void watch_resolve(struct machine *m, const struct kvm_sregs *s);
static bool watch_changed(struct dr_slot *w);

/* Take the current values of the bytes a watch covers. */
static void watch_snapshot(struct dr_slot *w)
{
	unsigned int j;

	for (j = 0; j < w->len; j++)
		w->old[j] = w->host[j] ? *w->host[j] : 0;
}

/*
 * Read watchpoints are access slots filtered by value: at each resume the
 * watched bytes' values are taken, so that a later hit that changed them
 * is known to be a write.  Called with the lock held.
 */
static void read_watch_begin(struct machine *m, struct backend_vcpu *bv)
{
	struct debug_state *d = &m->dbg;
	struct kvm_sregs s;
	bool any = false;
	int i;

	for (i = 0; i < DEBUG_NUM_DR; i++)
		any |= d->dr[i].used && d->dr[i].type == GDBSTUB_WP_READ;
	if (!any || BE_CALL(bv, get_sregs, &s) < 0)
		return;
	watch_resolve(m, &s);
	for (i = 0; i < DEBUG_NUM_DR; i++)
		if (d->dr[i].used && d->dr[i].type == GDBSTUB_WP_READ)
			watch_snapshot(&d->dr[i]);
}

/* The guest-debug block; called with the lock held. */
static void build_block(struct machine *m, struct kvm_guest_debug *dbg,
			bool step, bool blockirq, uint64_t lift)
{
	struct debug_state *d = &m->dbg;
	bool any_sw = false;
	uint64_t dr7 = 0;
	struct sw_bp *b;
	uint8_t *host;
	int i;

	memset(dbg, 0, sizeof(*dbg));
	for (i = 0; i < DEBUG_NUM_DR; i++) {
		const struct dr_slot *s = &d->dr[i];
		unsigned int rw;

		if (!s->used)
			continue;
		if (s->type == GDBSTUB_BP_HW || s->type == GDBSTUB_BP_SW) {
			if (s->addr == lift)
				continue;
			rw = DR7_RW_EXEC;
		} else if (s->type == GDBSTUB_WP_WRITE) {
			rw = DR7_RW_WRITE;
		} else {
			rw = DR7_RW_ACCESS;
		}
		dbg->arch.debugreg[i] = s->addr;
		dr7 |= 3ULL << (i * 2);		/* L and G */
		dr7 |= (uint64_t)rw << (16 + i * 4);
		dr7 |= (uint64_t)dr7_len_bits(s->len) << (18 + i * 4);
	}
	for (i = 0; d->sw_used && i < DEBUG_MAX_SW; i++)
		if (d->sw[i].used && d->sw[i].dr < 0)
			any_sw = true;

	/* Put the original byte back under the one we step over. */
	b = lift != DEBUG_NO_LIFT ? sw_find(d, lift) : NULL;
	if (b && b->dr < 0) {
		host = machine__gpa_to_host(m, b->gpa, 1);
		if (host)
			*host = b->orig;
		d->lifted = b;
	}

	if (dr7) {
		dr7 |= DR7_GE;
		dbg->control |= KVM_GUESTDBG_USE_HW_BP;
	}
	dbg->arch.debugreg[7] = dr7;
	if (any_sw)
		dbg->control |= KVM_GUESTDBG_USE_SW_BP;
	if (step) {
		dbg->control |= KVM_GUESTDBG_SINGLESTEP;
		if (blockirq)
			dbg->control |= KVM_GUESTDBG_BLOCKIRQ;
	}
	/* With nothing to do, give the guest its own debug registers. */
	if (dbg->control)
		dbg->control |= KVM_GUESTDBG_ENABLE;
}

void debug__block(struct machine *m, struct backend_vcpu *bv, bool step,
		  uint64_t lift, struct kvm_guest_debug *dbg)
{
	struct debug_state *d = &m->dbg;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	read_watch_begin(m, bv);
	build_block(m, dbg, step, d->blockirq, lift);
	pthread_mutex_unlock(&d->lock);
}

int debug__arm(struct machine *m, struct backend_vcpu *bv, bool step,
	       uint64_t lift)
{
	struct kvm_guest_debug dbg;

	debug__block(m, bv, step, lift, &dbg);
	return BE_CALL(bv, set_guest_debug, &dbg);
}

void debug__unlift(struct machine *m)
{
	struct debug_state *d = &m->dbg;
	uint8_t *host;

	pthread_mutex_lock(&d->lock);
	if (d->lifted && d->lifted->used) {
		host = machine__gpa_to_host(m, d->lifted->gpa, 1);
		/* The stepped instruction may have written that byte. */
		if (host) {
			d->lifted->orig = *host;
			*host = INT3_OPCODE;
		}
	}
	d->lifted = NULL;
	pthread_mutex_unlock(&d->lock);
}

/*
 * /dev/hvdbg's catchpoints arrive as debug exits with an "exception"
 * of HVDBG_EXIT_* (never a vector): record the event for "monitor
 * catch" and stop with SIGTRAP, the instruction not yet run.
 */
static enum debug_event debug__classify_catch(struct machine *m,
					const struct kvm_debug_exit_arch *arch,
					struct gdbstub_stop *st)
{
	unsigned int kind = arch->exception & ~0xffu, n = arch->exception & 0xff;
	unsigned long long pc = arch->pc;

	switch (kind) {
	case HVDBG_EXIT_CR:
		snprintf(m->catch_last, sizeof(m->catch_last),
			 "cr%u write at 0x%llx", n, pc);
		st->extra = n == 0 ? "catch:cr0;" : n == 3 ? "catch:cr3;" :
			    "catch:cr4;";
		break;
	case HVDBG_EXIT_EFER:
		snprintf(m->catch_last, sizeof(m->catch_last),
			 "efer write of 0x%llx at 0x%llx",
			 (unsigned long long)arch->dr7, pc);
		st->extra = "catch:efer;";
		break;
	case HVDBG_EXIT_DT:
		snprintf(m->catch_last, sizeof(m->catch_last),
			 "%s at 0x%llx", n == 'G' ? "lgdt" : "lidt", pc);
		st->extra = n == 'G' ? "catch:gdt;" : "catch:idt;";
		break;
	case HVDBG_EXIT_EXCEPTION:
		snprintf(m->catch_last, sizeof(m->catch_last),
			 "exception %u (error code 0x%llx, cr2 0x%llx) at "
			 "0x%llx, not yet delivered", n,
			 (unsigned long long)arch->dr6,
			 (unsigned long long)arch->dr7, pc);
		st->extra = "catch:exception;";
		break;
	default:
		return DEBUG_EV_SPURIOUS;
	}
	st->reason = GDBSTUB_STOP_SIGNAL;
	st->signal = GDBSTUB_SIGTRAP;
	return DEBUG_EV_CATCH;
}

/*
 * The exception vector says which mechanism trapped: #BP is an int3 we
 * planted (or the guest's own), #DB is a debug register or the trap
 * flag, and DR6 says which.  The project's own driver will report more
 * events (control-register writes, exceptions by vector, descriptor-table
 * loads, triple faults) as debug exits with vectors of their own; they
 * get cases here.
 */
enum debug_event debug__classify(struct machine *m,
				 const struct kvm_debug_exit_arch *arch,
				 struct gdbstub_stop *st)
{
	struct debug_state *d = &m->dbg;
	enum debug_event ev = DEBUG_EV_SPURIOUS;
	int i;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	switch (arch->exception) {
	case BP_VECTOR: {
		struct sw_bp *b = sw_find(d, arch->pc);

		if (b && b->dr < 0) {
			st->reason = GDBSTUB_STOP_SWBREAK;
			ev = DEBUG_EV_BREAK;
		} else {
			ev = DEBUG_EV_GUEST;
		}
		break;
	}
	case DB_VECTOR:
		for (i = 0; i < DEBUG_NUM_DR; i++) {
			const struct dr_slot *s = &d->dr[i];

			if (!(arch->dr6 & (1u << i)) || !s->used)
				continue;
			switch (s->type) {
			case GDBSTUB_BP_SW:
				st->reason = GDBSTUB_STOP_SWBREAK;
				ev = DEBUG_EV_BREAK;
				break;
			case GDBSTUB_BP_HW:
				st->reason = GDBSTUB_STOP_HWBREAK;
				ev = DEBUG_EV_BREAK;
				break;
			case GDBSTUB_WP_WRITE:
				st->reason = GDBSTUB_STOP_WATCH;
				st->addr = s->req_addr;
				ev = DEBUG_EV_WATCH;
				break;
			case GDBSTUB_WP_READ:
				/* An access slot: the bytes changed, so this
				 * was a write (remember the new value and go
				 * on); unchanged, a read. */
				if (watch_changed(&d->dr[i]))
					break;
				st->reason = GDBSTUB_STOP_RWATCH;
				st->addr = s->req_addr;
				ev = DEBUG_EV_WATCH;
				break;
			default:
				st->reason = GDBSTUB_STOP_AWATCH;
				st->addr = s->req_addr;
				ev = DEBUG_EV_WATCH;
				break;
			}
			/* A data hit outranks an execute hit at the same
			 * exit: the access already happened. */
			if (ev == DEBUG_EV_WATCH)
				break;
		}
		if (ev == DEBUG_EV_SPURIOUS && (arch->dr6 & DR6_BS))
			ev = DEBUG_EV_STEP;
		break;
	default:
		ev = debug__classify_catch(m, arch, st);
		break;
	}
	pthread_mutex_unlock(&d->lock);
	st->signal = GDBSTUB_SIGTRAP;
	return ev;
}

void debug__shadow_read(struct machine *m, uint64_t gpa, uint8_t *buf,
			size_t len)
{
	struct debug_state *d = &m->dbg;
	int i;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	for (i = 0; i < DEBUG_MAX_SW; i++) {
		const struct sw_bp *b = &d->sw[i];

		if (b->used && b->dr < 0 && d->lifted != b &&
		    b->gpa >= gpa && b->gpa - gpa < len)
			buf[b->gpa - gpa] = b->orig;
	}
	pthread_mutex_unlock(&d->lock);
}

void debug__shadow_write(struct machine *m, uint64_t gpa,
			 const uint8_t *buf, size_t len)
{
	struct debug_state *d = &m->dbg;
	uint8_t *host;
	int i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < DEBUG_MAX_SW; i++) {
		struct sw_bp *b = &d->sw[i];

		if (!b->used || b->dr >= 0 || b->gpa < gpa ||
		    b->gpa - gpa >= len)
			continue;
		b->orig = buf[b->gpa - gpa];
		host = machine__gpa_to_host(m, b->gpa, 1);
		if (host && d->lifted != b)
			*host = INT3_OPCODE;
	}
	pthread_mutex_unlock(&d->lock);
}

bool debug__needs_step(struct machine *m, const struct kvm_sregs *s,
		       bool *blocked)
{
	struct debug_state *d = &m->dbg;
	bool need = false;
	int i;

	if (blocked)
		*blocked = false;
	pthread_mutex_lock(&d->lock);
	if (!d->probed)
		goto out;
	for (i = 0; i < DEBUG_MAX_SW && !need; i++)
		if (d->sw[i].used && d->sw[i].dr < 0 &&
		    !cap_in(d, DEBUG_CAP_INT3, s))
			need = true;
	for (i = 0; i < DEBUG_NUM_SLOTS && !need; i++)
		if (d->dr[i].used && !slot_fires(d, i, s))
			need = true;
	if (need && !cap_in(d, DEBUG_CAP_STEP, s)) {
		if (blocked)
			*blocked = true;
		need = false;
	}
out:
	pthread_mutex_unlock(&d->lock);
	return need;
}

bool debug__any_set(struct machine *m)
{
	struct debug_state *d = &m->dbg;
	bool any;
	int i;

	pthread_mutex_lock(&d->lock);
	any = d->sw_used > 0;
	for (i = 0; i < DEBUG_NUM_SLOTS && !any; i++)
		any = d->dr[i].used;
	pthread_mutex_unlock(&d->lock);
	return any;
}

void debug__step_block(struct machine *m, const struct kvm_sregs *s,
		       struct kvm_guest_debug *dbg)
{
	struct debug_state *d = &m->dbg;

	pthread_mutex_lock(&d->lock);
	build_block(m, dbg, true,
		    d->blockirq && cap_in(d, DEBUG_CAP_BLOCKIRQ, s),
		    DEBUG_NO_LIFT);
	pthread_mutex_unlock(&d->lock);
}

/*
 * Find where each watched byte lives under the paging of s.  A byte that
 * is not mapped cannot be written through this address, so it is simply
 * not compared until the paging changes again.
 */
static void watch_resolve(struct machine *m, const struct kvm_sregs *s)
{
	struct debug_state *d = &m->dbg;
	uint64_t gpa, left;
	unsigned int j;
	int i;

	for (i = 0; i < DEBUG_NUM_SLOTS; i++) {
		struct dr_slot *w = &d->dr[i];

		if (!w->used || (w->type != GDBSTUB_WP_WRITE &&
				 w->type != GDBSTUB_WP_READ))
			continue;
		for (j = 0; j < w->len; j++) {
			w->host[j] = NULL;
			if (!mmu__translate(m, s, w->addr + j, &gpa, &left))
				w->host[j] = machine__gpa_to_host(m, gpa, 1);
		}
	}
	d->walk_cr0 = s->cr0;
	d->walk_cr3 = s->cr3;
	d->walk_cr4 = s->cr4;
	d->walk_efer = s->efer;
}

void debug__watch_begin(struct machine *m, const struct kvm_sregs *s)
{
	struct debug_state *d = &m->dbg;
	int i;

	pthread_mutex_lock(&d->lock);
	watch_resolve(m, s);
	for (i = 0; i < DEBUG_NUM_SLOTS; i++) {
		struct dr_slot *w = &d->dr[i];

		if (w->used && (w->type == GDBSTUB_WP_WRITE ||
				w->type == GDBSTUB_WP_READ))
			watch_snapshot(w);
	}
	pthread_mutex_unlock(&d->lock);
}

/* Compare a watch's bytes with their last values; keep the new ones. */
static bool watch_changed(struct dr_slot *w)
{
	bool changed = false;
	unsigned int j;

	for (j = 0; j < w->len; j++) {
		if (!w->host[j] || *w->host[j] == w->old[j])
			continue;
		w->old[j] = *w->host[j];
		changed = true;
	}
	return changed;
}

bool debug__step_check(struct machine *m, uint64_t pc,
		       const struct kvm_sregs *s, bool exec,
		       struct gdbstub_stop *st)
{
	struct debug_state *d = &m->dbg;
	bool hit = false;
	int i;

	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	if (s && (s->cr0 != d->walk_cr0 || s->cr3 != d->walk_cr3 ||
		  s->cr4 != d->walk_cr4 || s->efer != d->walk_efer))
		watch_resolve(m, s);
	/* The write already happened: it outranks a breakpoint at the
	 * next instruction, as a DR watchpoint trap would. */
	for (i = 0; i < DEBUG_NUM_SLOTS; i++) {
		struct dr_slot *w = &d->dr[i];

		if (!w->used || w->type != GDBSTUB_WP_WRITE ||
		    !watch_changed(w) || hit)
			continue;
		st->reason = GDBSTUB_STOP_WATCH;
		st->addr = w->req_addr;
		hit = true;
	}
	for (i = 0; i < DEBUG_NUM_SLOTS && exec && !hit; i++) {
		const struct dr_slot *x = &d->dr[i];

		if (!x->used || x->addr != pc ||
		    (x->type != GDBSTUB_BP_HW && x->type != GDBSTUB_BP_SW))
			continue;
		st->reason = x->type == GDBSTUB_BP_HW ? GDBSTUB_STOP_HWBREAK :
							GDBSTUB_STOP_SWBREAK;
		hit = true;
	}
	if (!hit && exec && sw_find(d, pc)) {
		st->reason = GDBSTUB_STOP_SWBREAK;
		hit = true;
	}
	pthread_mutex_unlock(&d->lock);
	if (hit)
		st->signal = GDBSTUB_SIGTRAP;
	return hit;
}

/* The mechanism delivering slot i (or an int3 when i < 0) just now. */
static const char *mechanism(const struct debug_state *d, int i,
			     const struct kvm_sregs *s, char *buf,
			     size_t size)
{
	bool fires;

	if (i >= DEBUG_NUM_DR)
		fires = false;
	else if (!s)
		fires = true;		/* running: mode unknown */
	else if (i < 0)
		fires = cap_in(d, DEBUG_CAP_INT3, s);
	else
		fires = slot_fires(d, i, s);
	if (fires && i < 0)
		return "int3";
	if (fires) {
		snprintf(buf, size, "dr%d", i);
		return buf;
	}
	if (s && !cap_in(d, DEBUG_CAP_STEP, s))
		return "none (no single-step in this mode)";
	return "stepped";
}

void debug__describe(struct machine *m, const struct kvm_sregs *s,
		     char *buf, size_t size)
{
	static const char *const names[] = {
		"break", "hbreak", "watch", "rwatch", "awatch",
	};
	struct debug_state *d = &m->dbg;
	char how[16];
	size_t n = 0;
	int i;

	buf[0] = 0;
	pthread_mutex_lock(&d->lock);
	sw_sync(m);
	for (i = 0; i < DEBUG_MAX_SW && n < size; i++) {
		const struct sw_bp *b = &d->sw[i];

		if (b->used && b->dr < 0)
			n += snprintf(buf + n, size - n,
				      "0x%llx break %s (physical 0x%llx)\n",
				      (unsigned long long)b->linear,
				      mechanism(d, -1, s, how, sizeof(how)),
				      (unsigned long long)b->gpa);
	}
	for (i = 0; i < DEBUG_NUM_SLOTS && n < size; i++) {
		const struct dr_slot *x = &d->dr[i];

		if (!x->used)
			continue;
		if (x->type == GDBSTUB_BP_HW || x->type == GDBSTUB_BP_SW)
			n += snprintf(buf + n, size - n, "0x%llx %s %s\n",
				      (unsigned long long)x->addr,
				      names[x->type],
				      mechanism(d, i, s, how, sizeof(how)));
		else
			n += snprintf(buf + n, size - n,
				      "0x%llx %s len %u %s\n",
				      (unsigned long long)x->addr,
				      names[x->type], x->len,
				      mechanism(d, i, s, how, sizeof(how)));
	}
	if (!buf[0] && size)
		snprintf(buf, size, "no breakpoints or watchpoints\n");
	pthread_mutex_unlock(&d->lock);
}
