/*
 * lines.S: a real-mode guest assembled with -g, for source-level
 * stepping.  Each THREE below is one source line of three instructions
 * (gas gives a macro's instructions the line that invokes it), so a
 * GDB `next' over it is one range of three instructions.  The tests find
 * the lines through GDB's `info line'; no labels sit between them, so
 * GDB sees one function from _start to the debug exit with status 69
 * ((0x22 << 1) | 1).
 */
	.include "guest.inc"

	.set	EXIT_VALUE, 0x22

/* THREE: three one-byte instructions on one source line. */
.macro	THREE
	inc	%ax
	inc	%bx
	inc	%cx
.endm

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	xor	%ax, %ax	/* lines.S: first stepped line */
	THREE			/* lines.S: range 1 */
	THREE			/* lines.S: range 2 */
	THREE			/* lines.S: range 3 */
	mov	$EXIT_VALUE, %al	/* lines.S: after the ranges */
	out	%al, $DEBUG_EXIT
	hlt

	.globl	vector16
vector16:
	REPORT_VECTOR
	VECTOR_STUBS stubs16, vector16
	REAL_MODE_IVT ivt, stubs16
