/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX world switch, and nothing else.
 *
 * int __hv_vmx_run(u64 *gprs)
 *
 * Context: called from vmx_enter() with interrupts off, the vCPU's VMCS
 * current and every other VMCS field already written.  Saves the
 * host's callee-saved registers, writes HOST_RSP, loads the guest's
 * general registers from gprs (in the CPU's encoding order; RSP travels
 * in the VMCS), and launches the guest.  A VM exit resumes at
 * __hv_vmx_exit (the VMCS's HOST_RIP) with the stack as it was at the
 * launch; a launch that fails falls through to the same place with CF
 * or ZF set.  Either way the general registers go back to gprs and the
 * host's are restored.  Returns 0 after a VM exit, 1 when the launch
 * (or the HOST_RSP write) failed.
 */
#include <linux/linkage.h>
#include <asm/frame.h>

#include "enter.h"

/* VMCS encoding of HOST_RSP */
#define HOST_RSP_FIELD	0x6c14

	.text
SYM_FUNC_START(__hv_vmx_run)
	HV_PUSH_CALLEE_SAVED
	/* 0(%rsp): gprs, also where a VM exit finds it */
	push	%rdi

	mov	$HOST_RSP_FIELD, %eax
	vmwrite	%rsp, %rax
	jna	.Lwrite_failed

	mov	%rdi, %rax
	HV_LOAD_GUEST_GPRS
	mov	G_RAX(%rax), %rax

	vmlaunch
	/*
	 * Only a failed launch gets here in line (CF or ZF set, the guest
	 * values still in the registers); a VM exit arrives with RFLAGS 2.
	 * Nothing below changes the flags before SETNA reads them.
	 */
SYM_INNER_LABEL(__hv_vmx_exit, SYM_L_GLOBAL)
	push	%rax
	mov	8(%rsp), %rax
	HV_SAVE_GUEST_GPRS
	popq	G_RAX(%rax)
	setna	%al
	movzbl	%al, %eax

	HV_CLEAR_SCRATCH
.Lout:
	add	$8, %rsp
	HV_POP_CALLEE_SAVED
	RET

.Lwrite_failed:
	mov	$1, %eax
	jmp	.Lout
SYM_FUNC_END(__hv_vmx_run)
