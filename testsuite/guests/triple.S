/*
 * triple.S: a real-mode guest that triple-faults on purpose.  It loads
 * an interrupt vector table of one byte (limit 0) and divides by zero at
 * `fault': vector 0 lies beyond the limit, so the #DE becomes a #GP,
 * the #GP a #DF and the #DF a shutdown.  Before that it leaves 0x1234
 * in %bx and 0x5a in `scratch' for the tests to find.  Should the CPU
 * go on after `fault' anyway, the guest exits with status 67
 * ((0x21 << 1) | 1).
 */
	.include "guest.inc"

	.set	EXIT_VALUE, 0x21

	.code16
	.globl	_start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x7c00, %sp
	mov	$0x1234, %bx
	movb	$0x5a, scratch
	lidt	tiny_ivt_desc
	xor	%cl, %cl
	.globl	fault, after_fault
fault:	div	%cl
after_fault:
	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	after_fault

	.globl	scratch
scratch:
	.byte	0
tiny_ivt_desc:
	.word	0		/* limit 0: not even vector 0 fits */
	.long	0
