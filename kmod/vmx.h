/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VMX helpers for vmx.c: the VMX instructions as C functions that
 * report failure instead of trapping, and the guest state the backend
 * keeps in memory between entries.  Field encodings, control bits and
 * exit reasons come from the kernel's <asm/vmx.h>.  Included by vmx.c
 * only.
 *
 * Every VMX instruction's failure (CF or ZF set) is returned to the
 * caller, which fails closed: the vCPU stops with an error to user
 * space; nothing is retried.
 */
#ifndef HVDBG_VMX_H
#define HVDBG_VMX_H

#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

/* Guest segments in the order of their VMCS encodings (stride 2). */
enum { VS_ES, VS_CS, VS_SS, VS_DS, VS_FS, VS_GS, VS_LDTR, VS_TR, VS_NR };

/* Access-rights format of a guest segment in the VMCS. */
#define VMX_AR_P		(1U << 7)
#define VMX_AR_L		(1U << 13)
#define VMX_AR_DB		(1U << 14)
#define VMX_AR_UNUSABLE		(1U << 16)

struct vmx_seg {
	u16 sel;
	u32 limit;
	u32 ar;
	u64 base;
};

/*
 * The guest's state, as user space sees it.  Written into the VMCS
 * before each entry and read back after each exit; the VMCS itself is
 * cleared (VMCLEAR) after every exit so that no CPU holds it between
 * runs and the vCPU may move freely.
 */
struct vmx_state {
	struct vmx_seg seg[VS_NR];
	u64 gdt_base, idt_base;
	u32 gdt_limit, idt_limit;
	u64 cr0, cr3, cr4;		/* as the guest sees them */
	u64 cr2, dr6, efer, pat;
	u64 rsp, rip, rflags;
	u32 intr_state;			/* interruptibility */
	u64 pending_dbg;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 pdpte[4];
	/* MSRs the VMCS does not switch: swapped by hand around entry. */
	u64 star, lstar, cstar, sfmask, kgsbase;
};

/* What the last exit reported. */
struct vmx_exit {
	u32 reason;
	u64 qual;
	u32 intr_info, intr_err;
	u32 idt_info, idt_err;
	u32 insn_len;
	u64 gpa;
	u32 insn_info;
	u32 insn_error;			/* VM-instruction error, if any */
};

/* Each returns true when the instruction succeeded. */
static inline bool vmx_on(u64 pa)
{
	asm goto("1: vmxon %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_off(void)
{
	asm goto("1: vmxoff\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_clear(u64 pa)
{
	asm goto("1: vmclear %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_ptrld(u64 pa)
{
	asm goto("1: vmptrld %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_write(unsigned long field, u64 val)
{
	asm goto("1: vmwrite %0, %1\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "rm" (val), "r" (field) : "cc" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_read(unsigned long field, u64 *val)
{
	u64 v = 0;
	u8 bad;

	asm volatile("vmread %2, %1\n\t"
		     "setna %0"
		     : "=qm" (bad), "=rm" (v) : "r" (field) : "cc");
	*val = v;
	return !bad;
}

static inline bool vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm goto("1: invept %0, %1\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

#endif
