/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM world switch, and nothing else.
 *
 * void __hv_svm_run(u64 vmcb_pa, u64 *gprs, u64 host_pa)
 *
 * Context: called from svm_enter() with preemption off and GIF clear.
 * Saves the host's callee-saved registers, VMSAVEs the host's hidden
 * state (FS/GS/TR/LDTR, syscall MSRs) to host_pa, VMLOADs the guest's,
 * loads the guest's general registers from gprs (in the CPU's encoding
 * order; RAX and RSP travel in the VMCB), runs the guest, and undoes it
 * all in reverse after #VMEXIT.  Between the VMLOADs the guest's GS
 * base is live, so nothing here touches per-CPU data.
 */
#include <linux/linkage.h>
#include <asm/frame.h>

#include "enter.h"

	.text
SYM_FUNC_START(__hv_svm_run)
	HV_PUSH_CALLEE_SAVED
	/* 16(%rsp): host_pa, 8(%rsp): gprs, 0(%rsp): vmcb_pa */
	push	%rdx
	push	%rsi
	push	%rdi

	mov	%rdx, %rax
	vmsave	%rax
	mov	(%rsp), %rax
	vmload	%rax

	mov	8(%rsp), %rax
	HV_LOAD_GUEST_GPRS

	mov	(%rsp), %rax
	vmrun	%rax

	/* #VMEXIT: host RSP and RAX are back, GIF is clear. */
	mov	8(%rsp), %rax
	HV_SAVE_GUEST_GPRS

	mov	(%rsp), %rax
	vmsave	%rax
	mov	16(%rsp), %rax
	vmload	%rax

	HV_CLEAR_SCRATCH

	add	$24, %rsp
	HV_POP_CALLEE_SAVED
	RET
SYM_FUNC_END(__hv_svm_run)
