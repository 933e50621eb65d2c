/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM hardware layouts (AMD64 APM vol. 2, chapter 15 and appendix
 * B): the VMCB control and state-save areas, intercept bits, exit codes
 * and event-injection format.  Every offset the CPU relies on is pinned
 * with static_assert.  Included by svm.c only.
 */
#ifndef HVDBG_SVM_H
#define HVDBG_SVM_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* A segment register in the state-save area. */
struct svm_seg {
	u16 selector;
	u16 attrib;		/* descriptor bits 40-47 and 52-55, packed */
	u32 limit;		/* byte-granular */
	u64 base;
} __packed;

struct svm_control {
	u32 intercept_cr;		/* 0x000: reads 0-15, writes 16-31 */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exceptions;	/* 0x008: one bit per vector */
	u32 intercept_misc1;		/* 0x00c: SVM_INTERCEPT_* */
	u32 intercept_misc2;		/* 0x010: SVM_INTERCEPT2_* */
	u32 intercept_misc3;		/* 0x014 */
	u8 reserved_1[0x3c - 0x18];
	u16 pause_filter_thresh;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_ctl;			/* 0x05c */
	u8 reserved_2[3];
	u32 int_ctl;			/* 0x060 */
	u32 int_vector;			/* 0x064 */
	u32 int_state;			/* 0x068: bit 0 interrupt shadow */
	u8 reserved_3[4];
	u64 exit_code;			/* 0x070 */
	u64 exit_info_1;		/* 0x078 */
	u64 exit_info_2;		/* 0x080 */
	u32 exit_int_info;		/* 0x088 */
	u32 exit_int_info_err;		/* 0x08c */
	u64 nested_ctl;			/* 0x090: bit 0 nested paging */
	u64 avic_vapic_bar;		/* 0x098 */
	u64 ghcb_gpa;			/* 0x0a0 */
	u32 event_inj;			/* 0x0a8 */
	u32 event_inj_err;		/* 0x0ac */
	u64 nested_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8 */
	u32 clean;			/* 0x0c0 */
	u32 reserved_5;
	u64 next_rip;			/* 0x0c8 */
	u8 insn_len;			/* 0x0d0 */
	u8 insn_bytes[15];
	u8 reserved_6[0x400 - 0xe0];
} __packed;

struct svm_save {
	struct svm_seg es, cs, ss, ds, fs, gs;	/* 0x000 - 0x05f */
	struct svm_seg gdtr, ldtr, idtr, tr;	/* 0x060 - 0x09f */
	u8 reserved_1[0xcb - 0xa0];
	u8 cpl;				/* 0x0cb */
	u8 reserved_2[4];
	u64 efer;			/* 0x0d0 */
	u8 reserved_3[0x148 - 0xd8];
	u64 cr4;			/* 0x148 */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;			/* 0x178 */
	u8 reserved_4[0x1d8 - 0x180];
	u64 rsp;			/* 0x1d8 */
	u64 s_cet, ssp, isst_addr;
	u64 rax;			/* 0x1f8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;			/* 0x240 */
	u8 reserved_5[0x268 - 0x248];
	u64 g_pat;			/* 0x268 */
	u64 dbgctl;
	u64 br_from, br_to, last_excp_from, last_excp_to;
	u8 reserved_6[0xc00 - 0x298];
} __packed;

struct svm_vmcb {
	struct svm_control control;
	struct svm_save save;
} __packed;

static_assert(sizeof(struct svm_seg) == 16);
static_assert(offsetof(struct svm_control, iopm_base_pa) == 0x040);
static_assert(offsetof(struct svm_control, asid) == 0x058);
static_assert(offsetof(struct svm_control, int_ctl) == 0x060);
static_assert(offsetof(struct svm_control, exit_code) == 0x070);
static_assert(offsetof(struct svm_control, exit_int_info) == 0x088);
static_assert(offsetof(struct svm_control, nested_ctl) == 0x090);
static_assert(offsetof(struct svm_control, event_inj) == 0x0a8);
static_assert(offsetof(struct svm_control, nested_cr3) == 0x0b0);
static_assert(offsetof(struct svm_control, clean) == 0x0c0);
static_assert(offsetof(struct svm_control, next_rip) == 0x0c8);
static_assert(sizeof(struct svm_control) == 0x400);
static_assert(offsetof(struct svm_save, tr) == 0x090);
static_assert(offsetof(struct svm_save, cpl) == 0x0cb);
static_assert(offsetof(struct svm_save, efer) == 0x0d0);
static_assert(offsetof(struct svm_save, cr4) == 0x148);
static_assert(offsetof(struct svm_save, dr7) == 0x160);
static_assert(offsetof(struct svm_save, rip) == 0x178);
static_assert(offsetof(struct svm_save, rsp) == 0x1d8);
static_assert(offsetof(struct svm_save, rax) == 0x1f8);
static_assert(offsetof(struct svm_save, cr2) == 0x240);
static_assert(offsetof(struct svm_save, g_pat) == 0x268);
static_assert(offsetof(struct svm_save, last_excp_to) == 0x290);
static_assert(sizeof(struct svm_vmcb) == 4096);

/* intercept_misc1 */
#define SVM_INTERCEPT_INTR		(1U << 0)
#define SVM_INTERCEPT_NMI		(1U << 1)
#define SVM_INTERCEPT_SMI		(1U << 2)
#define SVM_INTERCEPT_INIT		(1U << 3)
#define SVM_INTERCEPT_VINTR		(1U << 4)
#define SVM_INTERCEPT_IDTR_WRITE	(1U << 10)
#define SVM_INTERCEPT_GDTR_WRITE	(1U << 11)
#define SVM_INTERCEPT_INTN		(1U << 21)
#define SVM_INTERCEPT_INVD		(1U << 22)
#define SVM_INTERCEPT_HLT		(1U << 24)
#define SVM_INTERCEPT_INVLPG		(1U << 25)
#define SVM_INTERCEPT_INVLPGA		(1U << 26)
#define SVM_INTERCEPT_IOIO		(1U << 27)
#define SVM_INTERCEPT_MSR		(1U << 28)
#define SVM_INTERCEPT_TASK_SWITCH	(1U << 29)
#define SVM_INTERCEPT_SHUTDOWN		(1U << 31)
/* intercept_misc2 */
#define SVM_INTERCEPT2_VMRUN		(1U << 0)
#define SVM_INTERCEPT2_VMMCALL		(1U << 1)
#define SVM_INTERCEPT2_VMLOAD		(1U << 2)
#define SVM_INTERCEPT2_VMSAVE		(1U << 3)
#define SVM_INTERCEPT2_STGI		(1U << 4)
#define SVM_INTERCEPT2_CLGI		(1U << 5)
#define SVM_INTERCEPT2_SKINIT		(1U << 6)
#define SVM_INTERCEPT2_MONITOR		(1U << 10)
#define SVM_INTERCEPT2_MWAIT		(1U << 11)
#define SVM_INTERCEPT2_XSETBV		(1U << 13)

/* int_ctl */
#define SVM_V_TPR_MASK			0xfU	/* CR8 as the guest sees it */
#define SVM_V_IRQ			(1U << 8)
#define SVM_V_IGN_TPR			(1U << 20)
#define SVM_V_INTR_MASKING		(1U << 24)

/* event_inj and exit_int_info */
#define SVM_EVT_VALID			(1U << 31)
#define SVM_EVT_ERR_VALID		(1U << 11)
#define SVM_EVT_TYPE_INTR		(0U << 8)
#define SVM_EVT_TYPE_NMI		(2U << 8)
#define SVM_EVT_TYPE_EXCEPTION		(3U << 8)
#define SVM_EVT_TYPE_SOFT		(4U << 8)

/* exit codes */
#define SVM_EXIT_WRITE_CR0		0x010
#define SVM_EXIT_WRITE_CR3		0x013
#define SVM_EXIT_WRITE_CR4		0x014
#define SVM_EXIT_EXCP_BASE		0x040
#define SVM_EXIT_INTR			0x060
#define SVM_EXIT_NMI			0x061
#define SVM_EXIT_SMI			0x062
#define SVM_EXIT_INIT			0x063
#define SVM_EXIT_VINTR			0x064
#define SVM_EXIT_IDTR_WRITE		0x06a
#define SVM_EXIT_GDTR_WRITE		0x06b
#define SVM_EXIT_SWINT			0x075
#define SVM_EXIT_INVD			0x076
#define SVM_EXIT_HLT			0x078
#define SVM_EXIT_INVLPG			0x079
#define SVM_EXIT_INVLPGA		0x07a
#define SVM_EXIT_IOIO			0x07b
#define SVM_EXIT_MSR			0x07c
#define SVM_EXIT_TASK_SWITCH		0x07d
#define SVM_EXIT_SHUTDOWN		0x07f
#define SVM_EXIT_VMRUN			0x080
#define SVM_EXIT_VMMCALL		0x081
#define SVM_EXIT_VMLOAD			0x082
#define SVM_EXIT_VMSAVE			0x083
#define SVM_EXIT_STGI			0x084
#define SVM_EXIT_CLGI			0x085
#define SVM_EXIT_SKINIT			0x086
#define SVM_EXIT_MONITOR		0x08a
#define SVM_EXIT_MWAIT			0x08b
#define SVM_EXIT_XSETBV			0x08d
#define SVM_EXIT_NPF			0x400
#define SVM_EXIT_INVALID		((u64)-1)

/* NPF exit_info_1 */
#define SVM_NPF_PRESENT			(1ULL << 0)
#define SVM_NPF_FETCH			(1ULL << 4)

/* IOIO exit_info_1 */
#define SVM_IOIO_IN			(1U << 0)
#define SVM_IOIO_STR			(1U << 2)
#define SVM_IOIO_REP			(1U << 3)
#define SVM_IOIO_SIZE_SHIFT		4
#define SVM_IOIO_SIZE_MASK		(7U << 4)

/* MSRs */
#define SVM_MSR_VM_CR			0xc0010114
#define SVM_VM_CR_SVMDIS		(1ULL << 4)
#define SVM_MSR_VM_HSAVE_PA		0xc0010117

#endif
