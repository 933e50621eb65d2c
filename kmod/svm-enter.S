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

	.text
SYM_FUNC_START(__hv_svm_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* 16(%rsp): host_pa, 8(%rsp): gprs, 0(%rsp): vmcb_pa */
	push	%rdx
	push	%rsi
	push	%rdi

	mov	%rdx, %rax
	vmsave	%rax
	mov	(%rsp), %rax
	vmload	%rax

	mov	8(%rsp), %rax
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

	mov	(%rsp), %rax
	vmrun	%rax

	/* #VMEXIT: host RSP and RAX are back, GIF is clear. */
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

	mov	(%rsp), %rax
	vmsave	%rax
	mov	16(%rsp), %rax
	vmload	%rax

	/* No guest value survives in a register the caller may read. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(__hv_svm_run)
