/*
 * wild.S: a guest that jumps into memory that is not there.  In flat
 * 32-bit protected mode it leaves 0x600d in %ebx and jumps from
 * `wild_jump' to WILD_ADDR, 512 MiB: past the end of any RAM the tests
 * give it and below the PCI hole, so nothing answers there.  The CPU
 * has to fetch an instruction from no memory at all.
 */
	.include "guest.inc"
	.include "prot32.inc"

	.set	WILD_ADDR, 0x20000000

	.globl	_start
_start:
	PROT32_ENTER
	mov	$0x600d, %ebx
	mov	$WILD_ADDR, %eax
	.globl	wild_jump
wild_jump:
	jmp	*%eax

	PROT32_TABLES
