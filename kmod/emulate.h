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
	u64 gprs[16];			/* RAX ... R15, RAX and RSP included */
	u64 rip;
	u64 cr0, cr3, cr4, efer;
	u64 seg_base[6];		/* ES, CS, SS, DS, FS, GS */
	bool cs_l, cs_db;		/* CS.L and CS.D/B */
	/* Bytes the hardware fetched for us (SVM decode assists), else
	 * insn_len 0 and they are read through the guest's paging. */
	u8 insn_len;
	u8 insn[15];
};

/* What finishing an MMIO read needs (v->mmio). */
struct hv_mmio_pending {
	u8 reg;				/* destination register */
	u8 len;				/* bytes read */
	u8 dst_size;			/* bytes written into reg */
	bool high8;			/* AH, CH, DH or BH */
	bool sign;			/* MOVSX: sign-extend, else zero */
};

/*
 * Decode the instruction at CS:RIP, which accessed guest-physical gpa
 * (outside every slot), and fill v->run.  Always returns 0 (an exit for
 * user space), or a negative errno.
 */
int hv_emulate_mmio(struct hv_vcpu *v, const struct hv_emu_regs *r,
		    u64 gpa);

/* Put the data of a completed MMIO read into gprs (RAX ... R15). */
void hv_emulate_complete(struct hv_vcpu *v, u64 *gprs);

#endif
