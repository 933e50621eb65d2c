/*
 * noidt.S: a guest whose exceptions have nowhere to go.  In flat 32-bit
 * protected mode it loads an IDT based at NOIDT_ADDR, 512 MiB, past the
 * end of RAM, leaves 0x1234 in %ebx and executes ud2 at `fault': the
 * CPU must read the #UD gate from memory that is not there.
 */
	.include "guest.inc"
	.include "prot32.inc"

	.set	NOIDT_ADDR, 0x20000000

	.globl	_start
_start:
	PROT32_ENTER
	lidt	noidt_desc
	mov	$0x1234, %ebx
	.globl	fault
fault:	ud2

noidt_desc:
	.word	32 * 8 - 1
	.long	NOIDT_ADDR

	PROT32_TABLES
