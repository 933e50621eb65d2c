/*
 * gpstorm.S: an endless exception loop.  In flat 32-bit protected mode
 * it points vector 13 at `gp_handler' and loads a selector beyond the
 * GDT's limit at `storm'.  The #GP handler counts in `gp_count' and
 * returns to the faulting instruction, which faults again: the CPU takes
 * #GP after #GP forever without ever leaving the guest.
 */
	.include "guest.inc"
	.include "prot32.inc"

	.globl	_start
_start:
	PROT32_ENTER
	movw	$gp_handler, p32_idt + 13 * 8
	mov	$SEL_BEYOND, %eax
	.globl	storm
storm:	mov	%ax, %ds
	jmp	storm

	.globl	gp_handler
gp_handler:
	incl	gp_count
	add	$4, %esp		/* the error code */
	iret

	.balign	4
	.globl	gp_count
gp_count:
	.long	0

	PROT32_TABLES
