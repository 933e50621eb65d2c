/*
 * boot16.S: a real-mode guest in the style of a boot sector, at 0000:7c00.
 * The tests step through the labelled instructions below, read and write
 * `scratch', set breakpoints in `count_loop', check "hello" on the UART
 * and the exit status 85 ((0x2a << 1) | 1).
 */
	.include "guest.inc"

	.set	EXIT_VALUE, 0x2a

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	/* Straight-line code for the stepping tests: ax = 0x1234, bx = 0x1336. */
	.globl	step_a, step_b, step_c, step_d, step_e
step_a:	mov	$0x1234, %ax
step_b:	mov	%ax, %bx
step_c:	add	$0x0101, %bx
step_d:	inc	%bx
step_e:	mov	$msg, %si

	.globl	hello
hello:	lodsb
	test	%al, %al
	jz	hello_done
	PUTC
	jmp	hello

hello_done:
	mov	$5, %cx
	/* Five rounds; a breakpoint at loop_body sees cx = 5, 4, ... 1. */
	.globl	count_loop, loop_body, done
count_loop:
	nop
loop_body:
	inc	%di
	loop	count_loop

done:	mov	$EXIT_VALUE, %al
	.globl	exit_port
exit_port:
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector

msg:	.asciz	"hello\n"

	/* Known bytes for the memory tests. */
	.globl	scratch
	.balign	16
scratch:
	.byte	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88

	REAL_MODE_IVT ivt, stubs
