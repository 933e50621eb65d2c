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

	.set	EXIT_VALUE, 0x33
	.set	BASE, 0x7c00		/* where the image is loaded */
	.set	SEL_CODE32, 0x08
	.set	SEL_DATA, 0x10
	.set	SEL_CODE64, 0x18
	.set	CR0_PE, 1
	.set	CR0_PG, 0x80000000
	.set	CR4_PAE, 0x20
	.set	MSR_EFER, 0xc0000080
	.set	EFER_LME, 0x100

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

	.code16
vector16:
	REPORT_VECTOR
	VECTOR_STUBS stubs16, vector16
	REAL_MODE_IVT ivt, stubs16

	.code32
vector32:
	REPORT_VECTOR
	VECTOR_STUBS stubs32, vector32

	.code64
vector64:
	REPORT_VECTOR
	VECTOR_STUBS stubs64, vector64

	.balign	8
gdt:	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, 32-bit, flat */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat */
	.quad	0x00af9a000000ffff	/* 0x18: code, 64-bit */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	/* 32-bit interrupt gates; all handlers lie below 64 KiB. */
	.balign	8
idt32:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.word	stubs32 + 8 * \n, SEL_CODE32
	.byte	0, 0x8e
	.word	0
	.endr
idt32_desc:
	.word	32 * 8 - 1
	.long	idt32

	/* 64-bit interrupt gates. */
	.balign	16
idt64:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.word	stubs64 + 8 * \n, SEL_CODE64
	.byte	0, 0x8e
	.word	0
	.long	0, 0
	.endr
idt64_desc:
	.word	32 * 16 - 1
	.quad	idt64

	.org	0x9000 - BASE
	.globl	pml4, pdpt, pd
pml4:	.quad	pdpt + 3		/* present, writable */
	.org	0xa000 - BASE
pdpt:	.quad	pd + 3
	.org	0xb000 - BASE
pd:
	.set	page, 0
	.rept	512
	.quad	page + 0x83		/* present, writable, 2 MiB */
	.set	page, page + 0x200000
	.endr
