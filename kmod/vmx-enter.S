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

#define G_RAX	(0 * 8)
#define G_RCX	(1 * 8)
#define G_RDX	(2 * 8)
#define G_RBX	(3 * 8)
#define G_RBP	(5 * 8)
#define G_RSI	(6 * 8)
#define G_RDI	(7 * 8)
#define G_R8	(8 * 8)
#define G_R9	(9 * 8)
#define G_R10	(10 * 8)
#define G_R11	(11 * 8)
#define G_R12	(12 * 8)
#define G_R13	(13 * 8)
#define G_R14	(14 * 8)
#define G_R15	(15 * 8)

/* VMCS encoding of HOST_RSP */
#define HOST_RSP_FIELD	0x6c14

	.text
SYM_FUNC_START(__hv_vmx_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* 0(%rsp): gprs, also where a VM exit finds it */
	push	%rdi

	mov	$HOST_RSP_FIELD, %eax
	vmwrite	%rsp, %rax
	jna	.Lwrite_failed

	mov	%rdi, %rax
	mov	G_RCX(%rax), %rcx
	mov	G_RDX(%rax), %rdx
	mov	G_RBX(%rax), %rbx
	mov	G_RBP(%rax), %rbp
	mov	G_RSI(%rax), %rsi
	mov	G_RDI(%rax), %rdi
	mov	G_R8(%rax), %r8
	mov	G_R9(%rax), %r9
	mov	G_R10(%rax), %r10
	mov	G_R11(%rax), %r11
	mov	G_R12(%rax), %r12
	mov	G_R13(%rax), %r13
	mov	G_R14(%rax), %r14
	mov	G_R15(%rax), %r15
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
	mov	%rcx, G_RCX(%rax)
	mov	%rdx, G_RDX(%rax)
	mov	%rbx, G_RBX(%rax)
	mov	%rbp, G_RBP(%rax)
	mov	%rsi, G_RSI(%rax)
	mov	%rdi, G_RDI(%rax)
	mov	%r8, G_R8(%rax)
	mov	%r9, G_R9(%rax)
	mov	%r10, G_R10(%rax)
	mov	%r11, G_R11(%rax)
	mov	%r12, G_R12(%rax)
	mov	%r13, G_R13(%rax)
	mov	%r14, G_R14(%rax)
	mov	%r15, G_R15(%rax)
	popq	G_RAX(%rax)
	setna	%al
	movzbl	%al, %eax

	/* No guest value survives in a register the caller may read. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.Lout:
	add	$8, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

.Lwrite_failed:
	mov	$1, %eax
	jmp	.Lout
SYM_FUNC_END(__hv_vmx_run)
