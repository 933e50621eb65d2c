/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MMIO instruction emulator's interface.  A backend whose guest
 * touched guest-physical memory outside every slot (SVM: a nested page
 * fault; VMX: an EPT violation) fills struct hv_emu_regs from its
 * control structure and calls hv_emulate_mmio(); it fills v->run with
 * KVM_EXIT_MMIO, or with KVM_EXIT_INTERNAL_ERROR and the instruction
 * bytes when the instruction is not one it decodes.  On the next
 * KVM_RUN the backend calls hv_emulate_complete() for a read
 * (v->pending == HV_PENDING_MMIO_IN) and moves RIP to v->pending_rip,
 * as it does for port I/O.  Nothing here touches the hardware.
 */
#ifndef HVDBG_EMULATE_H
#define HVDBG_EMULATE_H

#include <linux/types.h>

struct hv_vcpu;

/* The guest state an instruction is decoded and carried out against. */
struct hv_emu_regs {
	u64 gprs[16];			/* RAX ... R15, all of them */
	u64 rip;
	u64 rflags;
	u64 cr0, cr3, cr4, efer;
	u64 seg_base[6];		/* ES, CS, SS, DS, FS, GS */
	bool cs_l, cs_db;		/* CS.L and CS.D/B */
	/* Bytes the hardware fetched for us (SVM decode assists), else
	 * insn_len 0 and they are read through the guest's paging. */
	u8 insn_len;
	u8 insn[15];
};

/* What finishing an MMIO read or a string I/O exit needs (v->mmio). */
struct hv_mmio_pending {
	u8 reg;				/* destination register */
	u8 len;				/* bytes read */
	u8 dst_size;			/* bytes written into reg */
	bool high8;			/* AH, CH, DH or BH */
	bool sign;			/* MOVSX: sign-extend, else zero */
	/* CMP or TEST: no register written, only the flags of
	 * data - other (rev: other - data) or data & other. */
	u8 alu;				/* EMU_ALU_* */
	bool rev;
	u64 other;
	/* INS/OUTS: count items of len bytes at gpa, then rSI or rDI
	 * moves by step each and, with REP, rCX counts down. */
	bool rep;
	u8 ad_size;
	u32 count;
	s32 step;
	u64 gpa;
};

/*
 * Decode the instruction at CS:RIP, which accessed guest-physical gpa
 * (outside every slot), and fill v->run.  Always returns 0 (an exit for
 * user space), or a negative errno.
 */
int hv_emulate_mmio(struct hv_vcpu *v, const struct hv_emu_regs *r,
		    u64 gpa);

enum { EMU_ALU_NONE, EMU_ALU_CMP, EMU_ALU_TEST };

/* Put the data of a completed MMIO read into gprs (RAX ... R15), or,
 * for CMP and TEST, its arithmetic flags into *rflags. */
void hv_emulate_complete(struct hv_vcpu *v, u64 *gprs, u64 *rflags);

/*
 * INS or OUTS (with or without REP) of size bytes at port: as many
 * items as fit in the run page and in one guest page become one
 * KVM_EXIT_IO with count items (v->pending HV_PENDING_PIO_STR).
 * next_rip: where the instruction ends.  Returns 0 (an exit for user
 * space), or 1 when there was nothing to do (REP with rCX 0; RIP is
 * then v->pending_rip and the backend moves it there).
 */
int hv_emulate_pio_string(struct hv_vcpu *v, const struct hv_emu_regs *r,
			  u16 port, int size, bool in, u64 next_rip);

/* Finish a string I/O exit: the IN data to memory, rSI/rDI, rCX.
 * Returns where RIP goes: the next instruction, or this one again
 * while REP has items left. */
u64 hv_emulate_pio_string_complete(struct hv_vcpu *v, u64 *gprs);

#endif
