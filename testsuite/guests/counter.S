/*
 * counter.S: a real-mode guest that adds one to the 32-bit word `counter'
 * forever.  Tests watch `counter' with a watchpoint or let the guest run
 * and stop it with an interrupt; nothing ends it but the debugger.
 */
	.include "guest.inc"

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt

	.globl	count_loop, bump
count_loop:
	nop
bump:	addl	$1, counter
	jmp	count_loop

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector

	.globl	counter
	.balign	16
counter:
	.long	0

	REAL_MODE_IVT ivt, stubs
