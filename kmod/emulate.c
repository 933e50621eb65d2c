// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO instruction emulator: the instruction at CS:RIP touched a
 * guest-physical address outside every memory slot; decode it, turn
 * it into a KVM_EXIT_MMIO for user space, and, once user space has
 * served a read, write the data into the destination register with
 * x86's width rules.  It knows the forms firmware and kernels use for
 * device registers: MOV r/m<->reg (88, 89, 8A, 8B), MOV imm->r/m (C6,
 * C7), MOV with a memory offset (A0-A3), MOVZX/MOVSX (0F B6, B7, BE,
 * BF), and, for the flags only, CMP (38-3B, 80/7, 81/7, 83/7) and TEST
 * (84, 85, F6/0, F7/0), with operand/address-size, segment, LOCK and REX prefixes,
 * 16-bit and 32/64-bit ModRM addressing (SIB, displacements,
 * RIP-relative).  Anything else is reported as an emulation failure
 * with the instruction bytes, as KVM does, and logged once in a while
 * so that the forms guests really use can be added.
 *
 * The instruction bytes come from the hardware when it provides them
 * (SVM decode assists), else through the guest's own paging (none,
 * 32-bit, PAE, 4-level), byte by byte since an instruction may cross
 * a page.  The decoded operand address is walked the same way and must
 * land on the page that faulted: a disagreement is a decoding error,
 * never a guess.
 *
 * Context: called by a backend's exit handler in process context with
 * vcpu->lock held; it may sleep (guest memory is read through the
 * slots under vm->lock).  Backend-neutral: SVM and VMX both call it.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/bitops.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/pgtable_types.h>
#include <asm/processor-flags.h>

#include "hv.h"
#include "emulate.h"


enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/* One instruction being decoded. */
struct emu_insn {
	u8 bytes[15];
	int avail;			/* bytes fetched */
	int pos;			/* bytes consumed */
	bool long64;			/* 64-bit mode: REX, RIP-relative */
	int op_size;			/* 2, 4 or 8 */
	int ad_size;
	int seg;			/* segment of the memory operand */
	bool seg_override;
	u8 rex;
	bool rep;			/* F3 or F2 */
	u8 reg;				/* ModRM.reg with REX.R */
	bool rip_rel;
	u64 ea;				/* offset within the segment */
};

static int emu_byte(struct emu_insn *d, u8 *out)
{
	if (d->pos >= d->avail)
		return -1;
	*out = d->bytes[d->pos++];
	return 0;
}

/* A little-endian immediate or displacement of size bytes, sign-extended. */
static int emu_signed(struct emu_insn *d, int size, s64 *out)
{
	u64 v = 0;
	int i;

	if (d->pos + size > d->avail)
		return -1;
	for (i = 0; i < size; i++)
		v |= (u64)d->bytes[d->pos + i] << (8 * i);
	d->pos += size;
	*out = size == 8 ? (s64)v : sign_extend64(v, 8 * size - 1);
	return 0;
}

/* Linear -> guest-physical through the guest's paging (vm.c). */
static int emu_walk(struct hv_vcpu *v, const struct hv_emu_regs *r, u64 la,
		    u64 *gpa)
{
	return hv_vm_walk(v->vm, r->cr0, r->cr3, r->cr4, r->efer, la, gpa);
}

/* Up to 15 bytes at CS:RIP; stops quietly where memory ends. */
static void emu_fetch(struct hv_vcpu *v, const struct hv_emu_regs *r,
		      struct emu_insn *d)
{
	u64 la = r->seg_base[SEG_CS] + r->rip, gpa = 0;
	int i;

	d->long64 = (r->efer & EFER_LMA) && r->cs_l;
	if (r->insn_len) {
		d->avail = min_t(int, r->insn_len, sizeof(d->bytes));
		memcpy(d->bytes, r->insn, d->avail);
		return;
	}
	if (!d->long64)
		la &= 0xffffffffULL;
	for (i = 0; i < (int)sizeof(d->bytes); i++) {
		u64 a = la + i;

		if (!d->long64)
			a &= 0xffffffffULL;
		/* A new walk at the start and at each page boundary. */
		if (i == 0 || !(a & 0xfff)) {
			if (emu_walk(v, r, a, &gpa))
				break;
		} else {
			gpa++;
		}
		if (hv_vm_read_gpa(v->vm, gpa, &d->bytes[i], 1))
			break;
	}
	d->avail = i;
}

/* Prefixes, then the operand and address sizes they leave.  Returns
 * the opcode's first byte, or -1 past the fetched bytes. */
static int emu_prefixes(struct emu_insn *d, const struct hv_emu_regs *r)
{
	bool opsz = false, adsz = false;
	int def;
	u8 b;

	d->long64 = (r->efer & EFER_LMA) && r->cs_l;
	def = d->long64 ? 8 : r->cs_db ? 4 : 2;
	d->seg = SEG_DS;
	for (;;) {
		if (emu_byte(d, &b))
			return -1;
		switch (b) {
		case 0x66:
			opsz = true;
			break;
		case 0x67:
			adsz = true;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			d->seg = (b >> 3) & 3;	/* ES, CS, SS, DS */
			d->seg_override = true;
			break;
		case 0x64: case 0x65:
			d->seg = b == 0x64 ? SEG_FS : SEG_GS;
			d->seg_override = true;
			break;
		case 0xf0:			/* LOCK: one access anyway */
			break;
		case 0xf2: case 0xf3:
			d->rep = true;
			break;
		default:
			if (d->long64 && (b & 0xf0) == 0x40) {
				d->rex = b;
				continue;
			}
			goto done;
		}
		/* A REX prefix counts only right before the opcode. */
		d->rex = 0;
	}
done:
	if (d->long64) {
		d->ad_size = adsz ? 4 : 8;
		d->op_size = (d->rex & 8) ? 8 : opsz ? 2 : 4;
	} else {
		d->ad_size = (def == 4) ^ adsz ? 4 : 2;
		d->op_size = (def == 4) ^ opsz ? 4 : 2;
	}
	return b;
}

static const int emu_base16[8] = {
	HV_RBX, HV_RBX, HV_RBP, HV_RBP, HV_RSI, HV_RDI, HV_RBP, HV_RBX,
};

/* ModRM (and SIB, displacement) of a memory operand: d->reg, d->ea. */
static int emu_modrm(struct emu_insn *d, const struct hv_emu_regs *r)
{
	u8 m, mod, rm, sib;
	s64 disp = 0;
	u64 ea = 0;
	int base;

	if (emu_byte(d, &m))
		return -1;
	mod = m >> 6;
	rm = m & 7;
	d->reg = ((m >> 3) & 7) | ((d->rex & 4) << 1);
	if (mod == 3)
		return -1;		/* a register, not memory */

	if (d->ad_size == 2) {
		if (mod == 0 && rm == 6) {
			if (emu_signed(d, 2, &disp))
				return -1;
		} else {
			ea = r->gprs[emu_base16[rm]];
			if (rm < 4)
				ea += r->gprs[rm & 1 ? HV_RDI : HV_RSI];
			if ((rm == 2 || rm == 3 || rm == 6) &&
			    !d->seg_override)
				d->seg = SEG_SS;
		}
		if (mod && emu_signed(d, mod == 1 ? 1 : 2, &disp))
			return -1;
		d->ea = (ea + disp) & 0xffff;
		return 0;
	}

	if (rm == 4) {
		int index;

		if (emu_byte(d, &sib))
			return -1;
		index = ((sib >> 3) & 7) | ((d->rex & 2) << 2);
		if (index != HV_RSP)
			ea = r->gprs[index] << (sib >> 6);
		base = (sib & 7) | ((d->rex & 1) << 3);
		if ((sib & 7) == 5 && mod == 0) {
			if (emu_signed(d, 4, &disp))
				return -1;
			base = -1;
		}
	} else if (rm == 5 && mod == 0) {
		if (emu_signed(d, 4, &disp))
			return -1;
		/* In 64-bit mode: relative to the next instruction, which
		 * is added once the immediate is known. */
		d->rip_rel = d->long64;
		base = -1;
	} else {
		base = rm | ((d->rex & 1) << 3);
	}
	if (base >= 0) {
		ea += r->gprs[base];
		if ((base == HV_RSP || base == HV_RBP) && !d->seg_override)
			d->seg = SEG_SS;
	}
	if (mod && emu_signed(d, mod == 1 ? 1 : 4, &disp))
		return -1;
	d->ea = ea + disp;
	return 0;
}

/* An 8-bit register operand: AH..BH for 4-7 without REX. */
static bool emu_high8(const struct emu_insn *d, int reg)
{
	return !d->rex && reg >= 4 && reg < 8;
}

static int emu_fail(struct hv_vcpu *v, const struct emu_insn *d, u64 gpa,
		    const char *why)
{
	struct kvm_run *run = v->run;

	pr_info_ratelimited("cannot emulate the MMIO access at 0x%llx: %s: %*ph\n",
			    gpa, why, d->avail, d->bytes);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = d->avail;
	memset(run->emulation_failure.insn_bytes, 0,
	       sizeof(run->emulation_failure.insn_bytes));
	memcpy(run->emulation_failure.insn_bytes, d->bytes,
	       min_t(int, d->avail,
		     sizeof(run->emulation_failure.insn_bytes)));
	v->pending = HV_PENDING_NONE;
	return 0;
}

int hv_emulate_mmio(struct hv_vcpu *v, const struct hv_emu_regs *r, u64 gpa)
{
	struct hv_mmio_pending p = { 0 };
	struct kvm_run *run = v->run;
	struct emu_insn d = { 0 };
	bool write;
	int op, len, reg;
	u64 val = 0, la, walked;
	s64 s;
	u8 op2;

	emu_fetch(v, r, &d);
	if (!d.avail)
		return emu_fail(v, &d, gpa, "instruction not readable");
	op = emu_prefixes(&d, r);
	if (op < 0)
		return emu_fail(v, &d, gpa, "truncated");

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		if (emu_modrm(&d, r))
			return emu_fail(v, &d, gpa, "bad operand");
		write = op < 0x8a;
		len = (op & 1) ? d.op_size : 1;
		reg = d.reg;
		if (write) {
			if (len == 1 && emu_high8(&d, reg))
				val = r->gprs[reg - 4] >> 8;
			else
				val = r->gprs[reg];
		} else {
			p.dst_size = len;
		}
		break;
	case 0xc6: case 0xc7:
		if (emu_modrm(&d, r) || (d.reg & 7))
			return emu_fail(v, &d, gpa, "bad operand");
		write = true;
		len = op == 0xc6 ? 1 : d.op_size;
		reg = 0;
		/* imm8, imm16 or imm32 (sign-extended for a 64-bit store). */
		if (emu_signed(&d, min(len, 4), &s))
			return emu_fail(v, &d, gpa, "truncated");
		val = s;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		if (emu_signed(&d, d.ad_size, &s))
			return emu_fail(v, &d, gpa, "truncated");
		d.ea = s;
		write = op >= 0xa2;
		len = (op & 1) ? d.op_size : 1;
		reg = HV_RAX;
		if (write)
			val = r->gprs[HV_RAX];
		else
			p.dst_size = len;
		break;
	case 0x38: case 0x39: case 0x3a: case 0x3b:	/* CMP */
	case 0x84: case 0x85:				/* TEST r/m, r */
		if (emu_modrm(&d, r))
			return emu_fail(v, &d, gpa, "bad operand");
		write = false;
		len = (op & 1) ? d.op_size : 1;
		reg = d.reg;
		if (len == 1 && emu_high8(&d, reg))
			p.other = r->gprs[reg - 4] >> 8;
		else
			p.other = r->gprs[reg];
		p.alu = op >= 0x84 ? EMU_ALU_TEST : EMU_ALU_CMP;
		p.rev = op == 0x3a || op == 0x3b;
		break;
	case 0x80: case 0x81: case 0x83:		/* CMP r/m, imm */
	case 0xf6: case 0xf7:				/* TEST r/m, imm */
		if (emu_modrm(&d, r) ||
		    (d.reg & 7) != (op >= 0xf6 ? 0 : 7))
			return emu_fail(v, &d, gpa, "unknown opcode");
		write = false;
		len = (op & 1) ? d.op_size : 1;
		reg = 0;
		if (emu_signed(&d, op == 0x83 ? 1 : min(len, 4), &s))
			return emu_fail(v, &d, gpa, "truncated");
		p.other = s;
		p.alu = op >= 0xf6 ? EMU_ALU_TEST : EMU_ALU_CMP;
		break;
	case 0x0f:
		if (emu_byte(&d, &op2))
			return emu_fail(v, &d, gpa, "truncated");
		if (op2 != 0xb6 && op2 != 0xb7 && op2 != 0xbe && op2 != 0xbf)
			return emu_fail(v, &d, gpa, "unknown opcode");
		if (emu_modrm(&d, r))
			return emu_fail(v, &d, gpa, "bad operand");
		write = false;
		len = (op2 & 1) ? 2 : 1;
		reg = d.reg;
		p.dst_size = d.op_size;
		p.sign = op2 >= 0xbe;
		break;
	default:
		return emu_fail(v, &d, gpa, "unknown opcode");
	}

	/* The operand's linear address, which must be the faulting page. */
	if (d.rip_rel)
		d.ea += r->rip + d.pos;
	if (d.ad_size == 4)
		d.ea &= 0xffffffffULL;
	la = d.ea;
	if (!d.long64 || d.seg == SEG_FS || d.seg == SEG_GS)
		la += r->seg_base[d.seg];
	if (!d.long64)
		la &= 0xffffffffULL;
	if ((la & 0xfff) + len > 0x1000)
		return emu_fail(v, &d, gpa, "access crosses a page");
	if (emu_walk(v, r, la, &walked) ||
	    (walked & PAGE_MASK) != (gpa & PAGE_MASK))
		return emu_fail(v, &d, gpa,
				"decoded address is not the faulting page");

	if (!write) {
		p.reg = reg;
		p.len = len;
		p.high8 = p.dst_size == 1 && emu_high8(&d, reg);
		if (p.high8)
			p.reg = reg - 4;
	}
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = walked;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &val, len);
	v->mmio = p;
	v->pending = write ? HV_PENDING_SKIP : HV_PENDING_MMIO_IN;
	v->pending_at = r->rip;
	v->pending_rip = r->rip + d.pos;
	if (!d.long64)
		v->pending_rip &= r->cs_db ? 0xffffffffULL : 0xffffULL;
	return 0;
}

/* The arithmetic flags CMP or TEST leave, from a and b of len bytes. */
static u64 emu_alu_flags(int alu, u64 a, u64 b, int len)
{
	int top = 8 * len - 1;
	u64 mask = len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
	u64 res, f = 0;

	a &= mask;
	b &= mask;
	if (alu == EMU_ALU_CMP) {
		res = (a - b) & mask;
		if (a < b)
			f |= X86_EFLAGS_CF;
		if ((((a ^ b) & (a ^ res)) >> top) & 1)
			f |= X86_EFLAGS_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= X86_EFLAGS_AF;
	} else {
		res = a & b;
	}
	if (!res)
		f |= X86_EFLAGS_ZF;
	if ((res >> top) & 1)
		f |= X86_EFLAGS_SF;
	if (!(hweight8(res & 0xff) & 1))
		f |= X86_EFLAGS_PF;
	return f;
}

#define EMU_ALU_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

void hv_emulate_complete(struct hv_vcpu *v, u64 *gprs, u64 *rflags)
{
	const struct hv_mmio_pending *p = &v->mmio;
	u64 val = 0, *dst = &gprs[p->reg];

	memcpy(&val, v->run->mmio.data, p->len);
	if (p->alu) {
		u64 f = p->rev ?
			emu_alu_flags(p->alu, p->other, val, p->len) :
			emu_alu_flags(p->alu, val, p->other, p->len);

		*rflags = (*rflags & ~(u64)EMU_ALU_FLAGS) | f;
		return;
	}
	if (p->sign)
		val = sign_extend64(val, 8 * p->len - 1);
	switch (p->dst_size) {
	case 1:
		if (p->high8)
			*dst = (*dst & ~0xff00ULL) | (val & 0xff) << 8;
		else
			*dst = (*dst & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*dst = (*dst & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		/* A 32-bit destination is zero-extended to 64 bits. */
		*dst = (u32)val;
		break;
	default:
		*dst = val;
	}
}

/* ---------------------------------------------------------------- */
/* String I/O: INS and OUTS, REP or not */

/* Copy into guest-physical memory within one page. */
static int emu_write_gpa(struct hv_vm *vm, u64 gpa, const void *buf,
			 size_t len)
{
	struct page *pg;
	void *p;
	int r = 0;

	mutex_lock(&vm->lock);
	pg = hv_vm_gpa_page(vm, gpa);
	if (IS_ERR_OR_NULL(pg)) {
		r = -EFAULT;
	} else {
		p = kmap_local_page(pg);
		memcpy(p + offset_in_page(gpa), buf, len);
		kunmap_local(p);
	}
	mutex_unlock(&vm->lock);
	return r;
}

static u64 emu_ad_mask(int ad_size)
{
	return ad_size == 8 ? ~0ULL : (1ULL << (8 * ad_size)) - 1;
}

/* reg's low ad_size bytes become val; the rest stays. */
static void emu_set_ad(u64 *reg, u64 val, int ad_size)
{
	u64 mask = emu_ad_mask(ad_size);

	*reg = (*reg & ~mask) | (val & mask);
}

int hv_emulate_pio_string(struct hv_vcpu *v, const struct hv_emu_regs *r,
			  u16 port, int size, bool in, u64 next_rip)
{
	struct hv_mmio_pending p = { 0 };
	struct kvm_run *run = v->run;
	struct emu_insn d = { 0 };
	u8 *data = (u8 *)run + HV_PIO_OFFSET;
	u64 mask, cnt, room, la, gpa, off;
	bool down = r->rflags & X86_EFLAGS_DF;
	int op, seg;
	u32 i;

	emu_fetch(v, r, &d);
	op = emu_prefixes(&d, r);
	if (op < 0)
		return emu_fail(v, &d, 0, "truncated string I/O");
	if ((op & 0xfe) != (in ? 0x6c : 0x6e))
		return emu_fail(v, &d, 0, "string I/O that is not INS/OUTS");
	mask = emu_ad_mask(d.ad_size);
	cnt = d.rep ? r->gprs[HV_RCX] & mask : 1;
	v->pending_at = r->rip;
	v->pending_rip = next_rip;
	if (!cnt)
		return 1;
	/* INS writes ES:rDI (no override); OUTS reads DS:rSI or the
	 * segment of a prefix. */
	off = r->gprs[in ? HV_RDI : HV_RSI] & mask;
	seg = in ? SEG_ES : d.seg;
	la = off;
	if (!d.long64 || seg == SEG_FS || seg == SEG_GS)
		la += r->seg_base[seg];
	if (!d.long64)
		la &= 0xffffffffULL;
	if (emu_walk(v, r, la, &gpa))
		return emu_fail(v, &d, la, "string I/O buffer not mapped");
	if ((gpa & ~PAGE_MASK) + size > PAGE_SIZE)
		return emu_fail(v, &d, gpa, "string I/O item crosses a page");
	/* As many items as stay in this page and fit in the run page;
	 * REP brings the guest back here for the rest. */
	room = down ? (gpa & ~PAGE_MASK) / size + 1 :
		      (PAGE_SIZE - (gpa & ~PAGE_MASK)) / size;
	cnt = min3(cnt, room, (u64)(PAGE_SIZE - HV_PIO_OFFSET) / size);

	p.rep = d.rep;
	p.ad_size = d.ad_size;
	p.count = cnt;
	p.len = size;
	p.step = down ? -size : size;
	p.gpa = gpa;
	p.reg = in ? HV_RDI : HV_RSI;
	memset(data, 0, cnt * size);
	if (!in) {
		for (i = 0; i < cnt; i++)
			if (hv_vm_read_gpa(v->vm, gpa + (s64)i * p.step,
					   data + i * size, size))
				return emu_fail(v, &d, gpa,
						"string I/O buffer unreadable");
	}
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = cnt;
	run->io.data_offset = HV_PIO_OFFSET;
	v->mmio = p;
	v->pending = HV_PENDING_PIO_STR;
	return 0;
}

u64 hv_emulate_pio_string_complete(struct hv_vcpu *v, u64 *gprs)
{
	const struct hv_mmio_pending *p = &v->mmio;
	const u8 *data = (const u8 *)v->run + HV_PIO_OFFSET;
	u64 rcx;
	u32 i;

	if (p->reg == HV_RDI) {
		for (i = 0; i < p->count; i++)
			if (emu_write_gpa(v->vm, p->gpa + (s64)i * p->step,
					  data + i * p->len, p->len))
				break;
	}
	emu_set_ad(&gprs[p->reg], gprs[p->reg] + (s64)p->step * p->count,
		   p->ad_size);
	if (!p->rep)
		return v->pending_rip;
	rcx = (gprs[HV_RCX] & emu_ad_mask(p->ad_size)) - p->count;
	emu_set_ad(&gprs[HV_RCX], rcx, p->ad_size);
	return rcx & emu_ad_mask(p->ad_size) ? v->pending_at : v->pending_rip;
}
