/*
 * nodev.S: a guest that reads and writes memory where nothing is: the
 * 32-bit word at NODEV_ADDR, 512 MiB, past the end of RAM and below the
 * PCI hole.  In flat 32-bit protected mode it reads it at `nodev_read',
 * keeps what it got in `seen', writes 0x5a5a5a5a there at `nodev_write'
 * and, if it gets past both, exits with status 69 ((0x22 << 1) | 1).
 */
	.include "guest.inc"
	.include "prot32.inc"

	.set	NODEV_ADDR, 0x20000000
	.set	EXIT_VALUE, 0x22

	.globl	_start
_start:
	PROT32_ENTER
	.globl	nodev_read, after_read, nodev_write, after_write
nodev_read:
	mov	NODEV_ADDR, %eax
after_read:
	mov	%eax, seen
nodev_write:
	movl	$0x5a5a5a5a, NODEV_ADDR
after_write:
	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	after_write

	.balign	4
	.globl	seen
seen:	.long	0

	PROT32_TABLES
