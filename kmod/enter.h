/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two world switches (svm-enter.S, vmx-enter.S) share: the
 * layout of the guest's general registers as hv_vcpu keeps them (the
 * CPU's encoding order, 8 bytes each; RSP lives in the VMCB or VMCS,
 * and RAX in the VMCB under SVM), and the moves in and out of it.
 * Assembly only.
 */
#ifndef HVDBG_ENTER_H
#define HVDBG_ENTER_H

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

/* The host's callee-saved registers, under a frame pointer. */
.macro HV_PUSH_CALLEE_SAVED
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
.endm

.macro HV_POP_CALLEE_SAVED
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
.endm

/* Every guest register but RAX and RSP from the array at (%rax). */
.macro HV_LOAD_GUEST_GPRS
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
.endm

/* Every guest register but RAX and RSP into the array at (%rax). */
.macro HV_SAVE_GUEST_GPRS
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
.endm

/* No guest value survives in a register the caller may read (the
 * callee-saved ones are restored from the stack after this). */
.macro HV_CLEAR_SCRATCH
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.endm

#endif
