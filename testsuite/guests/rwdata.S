/*
 * rwdata.S: a real-mode guest that reads the 16-bit word `value' and then
 * writes it with a new number, forever: for read watchpoints, which must
 * stop after the read (at after_read) and never after the write.
 */
	.include "guest.inc"

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	xor	%bx, %bx

	.globl	rw_loop, do_read, after_read, do_write, after_write
rw_loop:
	inc	%bx
do_read:
	mov	value, %ax
after_read:
	nop
do_write:
	mov	%bx, value
after_write:
	nop
	jmp	rw_loop

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector

	.globl	value
	.balign	16
value:
	.word	0

	REAL_MODE_IVT ivt, stubs
