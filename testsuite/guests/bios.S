/*
 * bios.S: a 64 KiB firmware image for `hvdbg --bios'.  The CPU comes out
 * of reset at F000:FFF0 with the hidden CS base at 0xFFFF0000, so its
 * first instruction is the far jump at the image's last 16 bytes as seen
 * just below 4 GiB; the jump reloads CS and lands in the copy of the
 * image that ends at 1 MiB.  The code there prints "bios" on the UART and
 * ends with exit status 67 ((0x21 << 1) | 1).  Linked at 0xF0000, so the
 * symbols are the linear addresses below 1 MiB.
 */
	.include "guest.inc"

	.set	EXIT_VALUE, 0x21

	.code16
	.globl	_start, post, post_uart, post_done
_start:
post:	cli
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ax, %ax
	mov	%ax, %ss
	mov	$0x7000, %sp
	lidt	ivt_desc - _start
post_uart:
	mov	$(msg - _start), %si
1:	lodsb
	test	%al, %al
	jz	post_done
	PUTC
	jmp	1b
post_done:
	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	post_done

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector

msg:	.asciz	"bios\n"

	/* The vector table, pointing into this segment (F000). */
	.balign	4
ivt:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.word	stubs - _start + 8 * \n, 0xf000
	.endr
	.rept	256 - 32
	.word	stubs_other - _start, 0xf000
	.endr
ivt_desc:
	.word	256 * 4 - 1
	.long	ivt

	.org	0xfff0
	.globl	reset_vector
reset_vector:
	ljmp	$0xf000, $(post - _start)
	.org	0x10000
