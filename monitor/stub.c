/*
 * gdbstub_target_ops for hvdbg.  Called on the GDB server thread while
 * every vCPU is parked (except interrupt), so reading and writing vCPU
 * state here never races the vCPU threads.
 *
 * Program counter and addresses.  GDB is given linear addresses
 * throughout: memory addresses in m/M/X/Z packets are linear (segment
 * base already added), and the "rip" register GDB sees is the linear PC,
 * CS.base + RIP, in every mode where the CPU adds CS.base (real mode,
 * protected mode, compatibility mode); in 64-bit code it is RIP itself.
 * That way "x/i $pc", "break *ADDR" and "stepi" agree in real mode, where
 * GDB knows nothing of CS.  Writing rip converts back (RIP = value -
 * CS.base).  The raw selector and CS.base are in the register file too
 * (cs, cs_base), so the true IP is always one subtraction away.
 *
 * "monitor phys on" makes m/M/X packets guest-physical instead (RAM and
 * the ROM, nothing else); Z packets stay linear.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub/x86/x86.h"
#include "monitor/commands.h"
#include "monitor/debug.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/probe.h"
#include "monitor/stub.h"
#include "monitor/vcpu.h"

#define REGS_MAX	2048

/* Everything one 'g' packet is made of. */
struct cpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_debugregs dregs;
};

static struct vcpu *stub__vcpu(struct machine *m, int tid)
{
	if (tid < 1 || tid > m->nr_vcpus)
		return NULL;
	return m->vcpus[tid - 1];
}

static int state_get(struct vcpu *v, struct cpu_state *cs)
{
	int r;

	r = BE_CALL(&v->bv, get_regs, &cs->regs);
	if (!r)
		r = BE_CALL(&v->bv, get_sregs, &cs->sregs);
	if (!r)
		r = BE_CALL(&v->bv, get_fpu, &cs->fpu);
	if (!r)
		r = BE_CALL(&v->bv, get_debugregs, &cs->dregs);
	return r;
}

static void put(uint8_t *buf, int regno, uint64_t val)
{
	const struct gdbstub_reg_info *ri = &gdbstub_arch_x86_64.regs[regno];
	unsigned int i;

	for (i = 0; i < ri->size && i < 8; i++)
		buf[ri->offset + i] = val >> (8 * i);
	for (; i < ri->size; i++)
		buf[ri->offset + i] = 0;
}

static uint64_t get(const uint8_t *buf, int regno)
{
	const struct gdbstub_reg_info *ri = &gdbstub_arch_x86_64.regs[regno];
	uint64_t val = 0;
	unsigned int i;

	for (i = 0; i < ri->size && i < 8; i++)
		val |= (uint64_t)buf[ri->offset + i] << (8 * i);
	return val;
}

static uint32_t seg_attr(const struct kvm_segment *s)
{
	return s->type | s->s << 4 | s->dpl << 5 | s->present << 7 |
	       s->avl << 12 | s->l << 13 | s->db << 14 | s->g << 15 |
	       (s->unusable ? X86_ATTR_UNUSABLE : 0);
}

static void seg_set_attr(struct kvm_segment *s, uint32_t a)
{
	s->type = a & 0xf;
	s->s = (a >> 4) & 1;
	s->dpl = (a >> 5) & 3;
	s->present = (a >> 7) & 1;
	s->avl = (a >> 12) & 1;
	s->l = (a >> 13) & 1;
	s->db = (a >> 14) & 1;
	s->g = (a >> 15) & 1;
	s->unusable = !!(a & X86_ATTR_UNUSABLE);
}

/*
 * FXSAVE keeps an abridged tag (one "not empty" bit per physical
 * register); GDB wants the full x87 tag word, so rebuild each tag from
 * the register's contents the way FSTENV would.
 */
static uint16_t full_tag(const struct kvm_fpu *f)
{
	unsigned int top = (f->fsw >> 11) & 7, phys, tag, word = 0;

	for (phys = 0; phys < 8; phys++) {
		const uint8_t *st = f->fpr[(phys - top) & 7];
		uint16_t exp = (st[9] & 0x7f) << 8 | st[8];
		uint64_t mant;

		memcpy(&mant, st, 8);
		if (!(f->ftwx & (1 << phys)))
			tag = 3;		/* empty */
		else if (exp == 0x7fff)
			tag = 2;		/* NaN or infinity */
		else if (exp == 0 && !mant)
			tag = 1;		/* zero */
		else if (exp == 0 || !(mant >> 63))
			tag = 2;		/* denormal, unnormal */
		else
			tag = 0;		/* valid */
		word |= tag << (2 * phys);
	}
	return word;
}

static uint8_t abridged_tag(uint16_t full)
{
	uint8_t t = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (((full >> (2 * i)) & 3) != 3)
			t |= 1 << i;
	return t;
}

static const struct {
	int regno;
	size_t off;	/* of the kvm_segment in kvm_sregs */
} segs[] = {
	{ X86_CS, offsetof(struct kvm_sregs, cs) },
	{ X86_SS, offsetof(struct kvm_sregs, ss) },
	{ X86_DS, offsetof(struct kvm_sregs, ds) },
	{ X86_ES, offsetof(struct kvm_sregs, es) },
	{ X86_FS, offsetof(struct kvm_sregs, fs) },
	{ X86_GS, offsetof(struct kvm_sregs, gs) },
};

static struct kvm_segment *seg_of(struct kvm_sregs *s, int i)
{
	return (struct kvm_segment *)((char *)s + segs[i].off);
}

static void state_to_buf(const struct cpu_state *cs, uint8_t *buf)
{
	const struct gdbstub_reg_info *regs = gdbstub_arch_x86_64.regs;
	const struct kvm_regs *r = &cs->regs;
	struct kvm_sregs s = cs->sregs;
	const struct kvm_fpu *f = &cs->fpu;
	const uint64_t gpr[] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp,
		r->rsp, r->r8, r->r9, r->r10, r->r11, r->r12, r->r13,
		r->r14, r->r15,
	};
	int i;

	memset(buf, 0, gdbstub_arch_x86_64.regs_size);
	for (i = 0; i < 16; i++)
		put(buf, X86_RAX + i, gpr[i]);
	put(buf, X86_RIP, mmu__linear_pc(r, &s));
	put(buf, X86_EFLAGS, r->rflags);
	for (i = 0; i < 6; i++) {
		const struct kvm_segment *sg = seg_of(&s, i);

		put(buf, segs[i].regno, sg->selector);
		put(buf, X86_CS_LIMIT + i, sg->limit);
		put(buf, X86_CS_ATTR + i, seg_attr(sg));
		if (i < 4)
			put(buf, X86_CS_BASE + i, sg->base);
	}
	for (i = 0; i < 8; i++)
		memcpy(buf + regs[X86_ST0 + i].offset, f->fpr[i], 10);
	put(buf, X86_FCTRL, f->fcw);
	put(buf, X86_FSTAT, f->fsw);
	put(buf, X86_FTAG, full_tag(f));
	put(buf, X86_FISEG, 0);
	put(buf, X86_FIOFF, f->last_ip);
	put(buf, X86_FOSEG, 0);
	put(buf, X86_FOOFF, f->last_dp);
	put(buf, X86_FOP, f->last_opcode);
	for (i = 0; i < 16; i++)
		memcpy(buf + regs[X86_XMM0 + i].offset, f->xmm[i], 16);
	put(buf, X86_MXCSR, f->mxcsr);
	put(buf, X86_FS_BASE, s.fs.base);
	put(buf, X86_GS_BASE, s.gs.base);

	put(buf, X86_CR0, s.cr0);
	put(buf, X86_CR2, s.cr2);
	put(buf, X86_CR3, s.cr3);
	put(buf, X86_CR4, s.cr4);
	put(buf, X86_CR8, s.cr8);
	put(buf, X86_EFER, s.efer);
	for (i = 0; i < 4; i++)
		put(buf, X86_DR0 + i, cs->dregs.db[i]);
	put(buf, X86_DR6, cs->dregs.dr6);
	put(buf, X86_DR7, cs->dregs.dr7);
	put(buf, X86_GDTR_BASE, s.gdt.base);
	put(buf, X86_GDTR_LIMIT, s.gdt.limit);
	put(buf, X86_IDTR_BASE, s.idt.base);
	put(buf, X86_IDTR_LIMIT, s.idt.limit);
	put(buf, X86_LDTR, s.ldt.selector);
	put(buf, X86_LDTR_BASE, s.ldt.base);
	put(buf, X86_LDTR_LIMIT, s.ldt.limit);
	put(buf, X86_LDTR_ATTR, seg_attr(&s.ldt));
	put(buf, X86_TR, s.tr.selector);
	put(buf, X86_TR_BASE, s.tr.base);
	put(buf, X86_TR_LIMIT, s.tr.limit);
	put(buf, X86_TR_ATTR, seg_attr(&s.tr));
}

int stub__read_regs(struct machine *m, int index, uint8_t *buf)
{
	struct cpu_state cs;
	int r;

	if (index < 0 || index >= m->nr_vcpus)
		return -ESRCH;
	r = state_get(m->vcpus[index], &cs);
	if (r < 0)
		return r;
	state_to_buf(&cs, buf);
	return 0;
}

enum { DIRTY_REGS = 1, DIRTY_SREGS = 2, DIRTY_FPU = 4, DIRTY_DREGS = 8 };

/* Apply one changed register to the state; returns what became dirty. */
static int apply_reg(struct cpu_state *cs, const uint8_t *buf, int regno)
{
	const struct gdbstub_reg_info *ri = &gdbstub_arch_x86_64.regs[regno];
	struct kvm_regs *r = &cs->regs;
	struct kvm_sregs *s = &cs->sregs;
	struct kvm_fpu *f = &cs->fpu;
	__u64 *gpr[] = {
		&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi,
		&r->rbp, &r->rsp, &r->r8, &r->r9, &r->r10, &r->r11,
		&r->r12, &r->r13, &r->r14, &r->r15,
	};
	uint64_t v = get(buf, regno);
	int i;

	if (regno < X86_RIP) {
		*gpr[regno - X86_RAX] = v;
		return DIRTY_REGS;
	}
	if (regno >= X86_ST0 && regno < X86_ST0 + 8) {
		memcpy(f->fpr[regno - X86_ST0], buf + ri->offset, 10);
		return DIRTY_FPU;
	}
	if (regno >= X86_XMM0 && regno < X86_XMM0 + 16) {
		memcpy(f->xmm[regno - X86_XMM0], buf + ri->offset, 16);
		return DIRTY_FPU;
	}
	for (i = 0; i < 6; i++) {
		struct kvm_segment *sg = seg_of(s, i);

		if (regno == segs[i].regno) {
			sg->selector = v;
			/* In real mode a selector write means a new base. */
			if (!(s->cr0 & 1))
				sg->base = (v & 0xffff) << 4;
			return DIRTY_SREGS;
		}
		if (regno == X86_CS_LIMIT + i) {
			sg->limit = v;
			return DIRTY_SREGS;
		}
		if (regno == X86_CS_ATTR + i) {
			seg_set_attr(sg, v);
			return DIRTY_SREGS;
		}
		if (i < 4 && regno == X86_CS_BASE + i) {
			sg->base = v;
			return DIRTY_SREGS;
		}
	}
	if (regno >= X86_DR0 && regno <= X86_DR3) {
		cs->dregs.db[regno - X86_DR0] = v;
		return DIRTY_DREGS;
	}

	switch (regno) {
	case X86_RIP:
		/* Done last by the caller, once CS.base is final. */
		return 0;
	case X86_EFLAGS:
		r->rflags = (r->rflags & ~0xffffffffULL) | v;
		return DIRTY_REGS;
	case X86_FCTRL:
		f->fcw = v;
		return DIRTY_FPU;
	case X86_FSTAT:
		f->fsw = v;
		return DIRTY_FPU;
	case X86_FTAG:
		f->ftwx = abridged_tag(v);
		return DIRTY_FPU;
	case X86_FIOFF:
		f->last_ip = v;
		return DIRTY_FPU;
	case X86_FOOFF:
		f->last_dp = v;
		return DIRTY_FPU;
	case X86_FOP:
		f->last_opcode = v;
		return DIRTY_FPU;
	case X86_MXCSR:
		f->mxcsr = v;
		return DIRTY_FPU;
	case X86_FS_BASE:
		s->fs.base = v;
		return DIRTY_SREGS;
	case X86_GS_BASE:
		s->gs.base = v;
		return DIRTY_SREGS;
	case X86_CR0:
		s->cr0 = v;
		return DIRTY_SREGS;
	case X86_CR2:
		s->cr2 = v;
		return DIRTY_SREGS;
	case X86_CR3:
		s->cr3 = v;
		return DIRTY_SREGS;
	case X86_CR4:
		s->cr4 = v;
		return DIRTY_SREGS;
	case X86_CR8:
		s->cr8 = v;
		return DIRTY_SREGS;
	case X86_EFER:
		s->efer = v;
		return DIRTY_SREGS;
	case X86_DR6:
		cs->dregs.dr6 = v;
		return DIRTY_DREGS;
	case X86_DR7:
		cs->dregs.dr7 = v;
		return DIRTY_DREGS;
	case X86_GDTR_BASE:
		s->gdt.base = v;
		return DIRTY_SREGS;
	case X86_GDTR_LIMIT:
		s->gdt.limit = v;
		return DIRTY_SREGS;
	case X86_IDTR_BASE:
		s->idt.base = v;
		return DIRTY_SREGS;
	case X86_IDTR_LIMIT:
		s->idt.limit = v;
		return DIRTY_SREGS;
	case X86_LDTR:
		s->ldt.selector = v;
		return DIRTY_SREGS;
	case X86_LDTR_BASE:
		s->ldt.base = v;
		return DIRTY_SREGS;
	case X86_LDTR_LIMIT:
		s->ldt.limit = v;
		return DIRTY_SREGS;
	case X86_LDTR_ATTR:
		seg_set_attr(&s->ldt, v);
		return DIRTY_SREGS;
	case X86_TR:
		s->tr.selector = v;
		return DIRTY_SREGS;
	case X86_TR_BASE:
		s->tr.base = v;
		return DIRTY_SREGS;
	case X86_TR_LIMIT:
		s->tr.limit = v;
		return DIRTY_SREGS;
	case X86_TR_ATTR:
		seg_set_attr(&s->tr, v);
		return DIRTY_SREGS;
	default:
		/* FISEG/FOSEG: not kept by FXSAVE in 64-bit format. */
		return 0;
	}
}

int stub__write_regs(struct machine *m, int index, const uint8_t *buf)
{
	const struct gdbstub_reg_info *regs = gdbstub_arch_x86_64.regs;
	struct backend_vcpu *bv;
	struct cpu_state cs;
	uint8_t cur[REGS_MAX];
	int i, r, dirty = 0;

	if (index < 0 || index >= m->nr_vcpus)
		return -ESRCH;
	if (gdbstub_arch_x86_64.regs_size > sizeof(cur))
		return -EOVERFLOW;
	bv = &m->vcpus[index]->bv;
	r = state_get(m->vcpus[index], &cs);
	if (r < 0)
		return r;
	state_to_buf(&cs, cur);

	/* Touch only what GDB changed: a set_sregs of unchanged values
	 * can still disturb pending events on some backends. */
	for (i = 0; i < gdbstub_arch_x86_64.nregs; i++)
		if (memcmp(cur + regs[i].offset, buf + regs[i].offset,
			   regs[i].size))
			dirty |= apply_reg(&cs, buf, i);
	if (memcmp(cur + regs[X86_RIP].offset, buf + regs[X86_RIP].offset, 8) ||
	    (dirty & DIRTY_SREGS)) {
		uint64_t pc = get(buf, X86_RIP);

		if (mmu__mode(&cs.sregs) == CPU_MODE_LONG)
			cs.regs.rip = pc;
		else
			cs.regs.rip = (pc - cs.sregs.cs.base) & 0xffffffffULL;
		dirty |= DIRTY_REGS;
	}

	if ((dirty & DIRTY_SREGS) &&
	    (r = BE_CALL(bv, set_sregs, &cs.sregs)) < 0)
		return r;
	if ((dirty & DIRTY_REGS) && (r = BE_CALL(bv, set_regs, &cs.regs)) < 0)
		return r;
	if ((dirty & DIRTY_FPU) && (r = BE_CALL(bv, set_fpu, &cs.fpu)) < 0)
		return r;
	if ((dirty & DIRTY_DREGS) &&
	    (r = BE_CALL(bv, set_debugregs, &cs.dregs)) < 0)
		return r;
	/* A new PC means the guest is no longer parked on its HLT. */
	if (dirty & DIRTY_REGS)
		m->vcpus[index]->halted = false;
	return 0;
}

/*
 * One register: only the state it lives in is fetched, so the registers
 * expedited with every stop (rip, rsp, rbp) cost no FPU or debug-register
 * reads.
 */
static int stub_read_register(void *t, int tid, int regno, uint8_t *buf)
{
	const struct gdbstub_reg_info *ri;
	struct machine *m = t;
	struct vcpu *v = stub__vcpu(m, tid);
	struct cpu_state cs;
	uint8_t all[REGS_MAX];
	int r;

	if (!v)
		return -ESRCH;
	if (regno < 0 || regno >= gdbstub_arch_x86_64.nregs ||
	    gdbstub_arch_x86_64.regs_size > sizeof(all))
		return -EINVAL;
	memset(&cs, 0, sizeof(cs));
	r = BE_CALL(&v->bv, get_regs, &cs.regs);
	if (!r)
		r = BE_CALL(&v->bv, get_sregs, &cs.sregs);
	if (!r && regno >= X86_ST0 && regno <= X86_MXCSR)
		r = BE_CALL(&v->bv, get_fpu, &cs.fpu);
	if (!r && regno >= X86_DR0 && regno <= X86_DR7)
		r = BE_CALL(&v->bv, get_debugregs, &cs.dregs);
	if (r < 0)
		return r;
	state_to_buf(&cs, all);
	ri = &gdbstub_arch_x86_64.regs[regno];
	memcpy(buf, all + ri->offset, ri->size);
	return 0;
}

static int stub_read_registers(void *t, int tid, uint8_t *buf)
{
	return stub__read_regs(t, tid - 1, buf);
}

static int stub_write_registers(void *t, int tid, const uint8_t *buf)
{
	return stub__write_regs(t, tid - 1, buf);
}

static ssize_t stub_access(struct machine *m, int tid, uint64_t addr,
			   uint8_t *buf, const uint8_t *wbuf, size_t len)
{
	struct vcpu *v = stub__vcpu(m, tid);
	struct kvm_sregs sregs;
	uint64_t gpa, left;
	size_t done = 0, chunk;
	uint8_t *host;
	int r;

	if (!v)
		return -ESRCH;
	r = BE_CALL(&v->bv, get_sregs, &sregs);
	if (r < 0)
		return r;
	while (done < len) {
		if (m->phys_addr) {
			gpa = addr + done;
			left = len - done;
			if (gpa < addr)
				break;	/* wrapped past 2^64 */
		} else if (mmu__translate(m, &sregs, addr + done, &gpa,
					  &left)) {
			break;
		}
		/* Never cross a page: RAM and ROM are separate mappings. */
		chunk = 0x1000 - (gpa & 0xfff);
		if (chunk > left)
			chunk = left;
		if (chunk > len - done)
			chunk = len - done;
		host = machine__gpa_to_host(m, gpa, chunk);
		if (!host)
			break;
		if (wbuf) {
			memcpy(host, wbuf + done, chunk);
			debug__shadow_write(m, gpa, wbuf + done, chunk);
		} else {
			memcpy(buf + done, host, chunk);
			debug__shadow_read(m, gpa, buf + done, chunk);
		}
		done += chunk;
	}
	return done ? (ssize_t)done : -EFAULT;
}

static ssize_t stub_read_memory(void *t, int tid, uint64_t addr,
				uint8_t *buf, size_t len)
{
	return stub_access(t, tid, addr, buf, NULL, len);
}

static ssize_t stub_write_memory(void *t, int tid, uint64_t addr,
				 const uint8_t *buf, size_t len)
{
	return stub_access(t, tid, addr, NULL, buf, len);
}

static int stub_insert_breakpoint(void *t, enum gdbstub_bp_type type,
				  uint64_t addr, uint64_t kind)
{
	return stub__insert(t, DEBUG_OWNER_GDB, type, addr, kind);
}

int stub__insert(struct machine *m, unsigned int owner,
		 enum gdbstub_bp_type type, uint64_t addr, uint64_t kind)
{

	/* What fires where is a property of the backend: ask the probe
	 * once, the first time GDB wants a breakpoint of any kind. */
	if (!m->dbg.probed && !m->probe)
		debug__set_caps(&m->dbg, probe__get(m));
	if (type == GDBSTUB_BP_SW && m->dbg.sw_policy == SW_BP_UNKNOWN)
		m->dbg.sw_policy = probe__int3_traps(m) ? SW_BP_INT3 :
							  SW_BP_DR;
	return debug__insert_owned(m, &machine__cur(m)->bv, owner, type,
				   addr, kind);
}

static int stub_remove_breakpoint(void *t, enum gdbstub_bp_type type,
				  uint64_t addr, uint64_t kind)
{
	return debug__remove(t, type, addr, kind);
}

static int stub_resume(void *t, const struct gdbstub_action *acts,
		       int nacts)
{
	struct machine *m = t;
	enum vcpu_cmd cmd[MACHINE_MAX_VCPUS];
	const struct gdbstub_action *range[MACHINE_MAX_VCPUS];
	bool stepping = false;
	int i, j;

	for (i = 0; i < m->nr_vcpus; i++) {
		cmd[i] = VCPU_CMD_NONE;
		range[i] = NULL;
		for (j = 0; j < nacts; j++) {
			if (acts[j].tid != -1 && acts[j].tid != i + 1)
				continue;
			if (acts[j].type == 's' || acts[j].type == 'S') {
				cmd[i] = VCPU_CMD_STEP;
			} else if (acts[j].type == 'r') {
				cmd[i] = VCPU_CMD_RANGE;
				range[i] = &acts[j];
			} else {
				cmd[i] = VCPU_CMD_CONT;
			}
			break;
		}
	}
	/*
	 * A step holds the threads GDB lets continue meanwhile
	 * ("vCont;s:2;c", what GDB sends for stepi without scheduler
	 * locking): the stepped vCPU stops after one instruction and
	 * stops the others with it, so letting them run would only move
	 * them by a random amount behind the user's back.
	 */
	for (i = 0; i < m->nr_vcpus; i++)
		stepping |= cmd[i] == VCPU_CMD_STEP || cmd[i] == VCPU_CMD_RANGE;
	for (i = 0; stepping && i < m->nr_vcpus; i++)
		if (cmd[i] == VCPU_CMD_CONT)
			cmd[i] = VCPU_CMD_NONE;
	/* A stop kept from the last all-stop is the answer: nothing runs. */
	for (i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = m->vcpus[i];
		struct gdbstub_stop st;

		if (cmd[i] == VCPU_CMD_NONE || !v->has_pending)
			continue;
		v->has_pending = false;
		st = v->pending;
		pthread_mutex_lock(&m->lock);
		m->stop_reported = false;
		m->stopping = true;
		pthread_mutex_unlock(&m->lock);
		vcpu__tell(v, &st);
		return 0;
	}
	/* Code the guest copied over an int3 since it stopped gets the
	 * 0xCC back before it can run. */
	debug__sync(m);
	/* Every command out under the lock: a vCPU that stops at once
	 * kicks the others only after all of them have theirs. */
	pthread_mutex_lock(&m->lock);
	m->stop_reported = false;
	m->stopping = false;
	for (i = 0; i < m->nr_vcpus; i++)
		if (range[i] && cmd[i] == VCPU_CMD_RANGE)
			vcpu__resume_range(m->vcpus[i], range[i]->start,
					   range[i]->end);
		else if (cmd[i] != VCPU_CMD_NONE)
			vcpu__resume(m->vcpus[i], cmd[i]);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int stub__resume_all(struct machine *m, char type)
{
	struct gdbstub_action act = { .type = type, .tid = -1 };

	/* A step is the selected vCPU's; the others stay stopped. */
	if (type == 's')
		act.tid = machine__cur(m)->index + 1;
	return stub_resume(m, &act, 1);
}

static void stub_interrupt(void *t)
{
	struct machine *m = t;
	struct gdbstub_stop st = {
		.reason = GDBSTUB_STOP_SIGNAL,
		.tid = m->cur + 1,
		.signal = GDBSTUB_SIGINT,
	};
	bool any = false;
	int i;

	for (i = 0; i < m->nr_vcpus; i++)
		any |= vcpu__kick(m->vcpus[i]);
	/* Already parked: the answer is owed all the same. */
	if (!any && m->gdb)
		gdbstub_report_stop(m->gdb, &st);
}

static int stub_list_threads(void *t, int *tids, int max)
{
	struct machine *m = t;
	int i;

	for (i = 0; i < m->nr_vcpus && i < max; i++)
		tids[i] = i + 1;
	return i;
}

static void stub_describe_thread(void *t, int tid, char *buf, size_t size)
{
	struct machine *m = t;
	struct vcpu *v = stub__vcpu(m, tid);
	char state[64];

	if (!v) {
		snprintf(buf, size, "no such vCPU");
		return;
	}
	vcpu__state(v, state, sizeof(state));
	snprintf(buf, size, "vCPU %d (%s)", tid, state);
}

/* Hg: registers, memory and monitor commands now mean this vCPU. */
static void stub_select_thread(void *t, int tid)
{
	struct machine *m = t;

	if (stub__vcpu(m, tid))
		m->cur = tid - 1;
}

static int stub_monitor_command(void *t, const char *cmd,
				gdbstub_print_fn print, void *ctx)
{
	return commands__run(t, cmd, print, ctx);
}

static void stub_detach(void *t)
{
	struct machine *m = t;
	int i;

	debug__remove_all(m);
	pthread_mutex_lock(&m->lock);
	m->stopping = false;
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < m->nr_vcpus; i++) {
		m->vcpus[i]->has_pending = false;
		debug__arm(m, &m->vcpus[i]->bv, false, DEBUG_NO_LIFT);
		vcpu__resume(m->vcpus[i], VCPU_CMD_CONT);
	}
}

static void stub_kill(void *t)
{
	struct machine *m = t;

	/* GDB's "kill" ends the session and hvdbg with it, successfully:
	 * the user asked for it.  No W reply is owed for k. */
	pthread_mutex_lock(&m->lock);
	if (!m->exited) {
		m->exited = true;
		m->exit_status = 0;
		pthread_cond_broadcast(&m->cond);
	}
	pthread_mutex_unlock(&m->lock);
}

/*
 * Every op but interrupt runs under the machine's command lock, so that
 * a console command and a GDB packet never interleave (see machine.h).
 * interrupt must not wait: it is how a running guest is stopped.
 */
static int locked_read_register(void *t, int tid, int regno, uint8_t *buf)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_read_register(t, tid, regno, buf);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static int locked_read_registers(void *t, int tid, uint8_t *buf)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_read_registers(t, tid, buf);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static int locked_write_registers(void *t, int tid, const uint8_t *buf)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_write_registers(t, tid, buf);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static ssize_t locked_read_memory(void *t, int tid, uint64_t addr,
				  uint8_t *buf, size_t len)
{
	struct machine *m = t;
	ssize_t r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_read_memory(t, tid, addr, buf, len);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static ssize_t locked_write_memory(void *t, int tid, uint64_t addr,
				   const uint8_t *buf, size_t len)
{
	struct machine *m = t;
	ssize_t r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_write_memory(t, tid, addr, buf, len);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static int locked_insert_breakpoint(void *t, enum gdbstub_bp_type type,
				    uint64_t addr, uint64_t kind)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_insert_breakpoint(t, type, addr, kind);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static int locked_remove_breakpoint(void *t, enum gdbstub_bp_type type,
				    uint64_t addr, uint64_t kind)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_remove_breakpoint(t, type, addr, kind);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static int locked_resume(void *t, const struct gdbstub_action *acts,
			 int nacts)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_resume(t, acts, nacts);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static void locked_describe_thread(void *t, int tid, char *buf, size_t size)
{
	struct machine *m = t;

	pthread_mutex_lock(&m->cmd_lock);
	stub_describe_thread(t, tid, buf, size);
	pthread_mutex_unlock(&m->cmd_lock);
}

static void locked_select_thread(void *t, int tid)
{
	struct machine *m = t;

	pthread_mutex_lock(&m->cmd_lock);
	stub_select_thread(t, tid);
	pthread_mutex_unlock(&m->cmd_lock);
}

static int locked_monitor_command(void *t, const char *cmd,
				  gdbstub_print_fn print, void *ctx)
{
	struct machine *m = t;
	int r;

	pthread_mutex_lock(&m->cmd_lock);
	r = stub_monitor_command(t, cmd, print, ctx);
	pthread_mutex_unlock(&m->cmd_lock);
	return r;
}

static void locked_detach(void *t)
{
	struct machine *m = t;

	pthread_mutex_lock(&m->cmd_lock);
	stub_detach(t);
	pthread_mutex_unlock(&m->cmd_lock);
}

const struct gdbstub_target_ops stub_ops = {
	.read_register		= locked_read_register,
	.read_registers		= locked_read_registers,
	.write_registers	= locked_write_registers,
	.read_memory		= locked_read_memory,
	.write_memory		= locked_write_memory,
	.insert_breakpoint	= locked_insert_breakpoint,
	.remove_breakpoint	= locked_remove_breakpoint,
	.resume			= locked_resume,
	.interrupt		= stub_interrupt,
	.list_threads		= stub_list_threads,
	.describe_thread	= locked_describe_thread,
	.select_thread		= locked_select_thread,
	.monitor_command	= locked_monitor_command,
	.detach			= locked_detach,
	.kill			= stub_kill,
};
