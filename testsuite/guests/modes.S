/*
 * modes.S: from real mode through 32-bit protected mode into 64-bit long
 * mode, the way boot code does it, then a few 64-bit instructions and the
 * debug exit with status 103 ((0x33 << 1) | 1).  Each switch is one
 * labelled `mov ..., %cr0' (to_prot32, to_paging) or far jump (to_long64)
 * followed by a labelled first instruction (in_prot32, in_compat,
 * in_long64), so tests can step across a switch and look around on both
 * sides.  Every mode has its own exception table (see guest.inc).
 *
 * Page tables are assembled in place: PML4 at 0x9000, PDPT at 0xa000 and
 * a page directory at 0xb000 mapping the first 1 GiB with 2 MiB pages,
 * identity.
 */
	.include "guest.inc"
	.include "long64.inc"

	.set	EXIT_VALUE, 0x33
	.set	BASE, 0x7c00		/* where the image is loaded */

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	.globl	to_prot32, in_prot32
to_prot32:
	mov	%eax, %cr0
	ljmp	$SEL_CODE32, $in_prot32

	.code32
in_prot32:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %esp
	lidt	idt32_desc
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	.globl	to_paging, in_compat, to_long64, in_long64
to_paging:
	mov	%eax, %cr0
in_compat:
	/* IA-32e compatibility mode: still 32-bit code until the far jump. */
	nop
to_long64:
	ljmp	$SEL_CODE64, $in_long64

	.code64
in_long64:
	lidt	idt64_desc
	.globl	long_a, long_b, long_c, long_d
long_a:	movabs	$0x1122334455667788, %rax
long_b:	mov	%rax, %rbx
long_c:	shl	$8, %rbx
long_d:	add	$1, %rbx
	.globl	done
done:	mov	$EXIT_VALUE, %al
	.globl	exit_port
exit_port:
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

	LONG64_TABLES
