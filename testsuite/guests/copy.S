/*
 * copy.S: a real-mode guest that does what a boot loader does with a
 * kernel: it copies a routine from its own image to DEST (0x9000, zeros
 * until then) with `rep movsb', then calls it there.  The routine loads
 * the exit value, so the guest ends with status 91 ((0x2d << 1) | 1)
 * only if the copied code really ran; a breakpoint's int3 left in the
 * guest shows up as status 135 instead (see guest.inc).
 */
	.include "guest.inc"

	.set	DEST, 0x9000
	.set	EXIT_VALUE, 0x2d

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	mov	$routine, %si
	mov	$DEST, %di
	mov	$(routine_end - routine), %cx
	cld
	.globl	copy, copied
copy:	rep movsb
	/* The routine is in place; nothing has run it yet. */
copied:	mov	$DEST, %bx
	call	*%bx
	.globl	exit_port
exit_port:
	out	%al, $DEBUG_EXIT
	hlt
	jmp	exit_port

	/* Copied to DEST; position-independent.  Starts b0 2d. */
	.globl	routine, routine_end
routine:
	mov	$EXIT_VALUE, %al
	ret
routine_end:

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector
	REAL_MODE_IVT ivt, stubs
