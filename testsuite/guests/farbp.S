/*
 * farbp.S: execute breakpoints on pages the guest reaches only after
 * millions of instructions elsewhere, for hbreak-far.exp.  Exit status
 * 87 ((0x2b << 1) | 1).
 *
 * Real mode, with CS = 07C0 so that CS.base is 0x7c00 and IP is not the
 * linear address: a short loop, then real_near on the same page; a long
 * loop (LONG_LOOPS rounds of two instructions), then real_far on the
 * next page.  Then 32-bit protected mode with 4 KiB paging: the first
 * 4 MiB identity, and the linear page ALIAS mapped onto the physical
 * page paged_page.  paged_fn is called once at its own (identity)
 * address, then a long loop runs, then paged_fn is called again through
 * ALIAS.  Each call sets %edx to 0x3333 and counts itself in %edi.
 *
 * The page tables are written at run time at PD, PT0 and PT1.
 */
	.include "guest.inc"
	.include "prot32.inc"

	.set	EXIT_VALUE, 0x2b
	.set	BASE, 0x7c00		/* where the image is loaded */
	.set	SHORT_LOOPS, 500
	.set	LONG_LOOPS, 2000000
	.set	ALIAS, 0x00400000
	.set	PD, 0x20000
	.set	PT0, 0x21000
	.set	PT1, 0x22000
	.set	PTE_PW, 0x3		/* present, writable */
	.set	CR0_PG, 0x80000000

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP p32_ivt
	ljmp	$(BASE >> 4), $(real_based - _start)

	/* From here CS.base is BASE: near jumps are relative, data is
	 * addressed through DS = 0. */
real_based:
	mov	$SHORT_LOOPS, %ecx
1:	dec	%ecx
	jnz	1b
	.globl	real_near
real_near:
	mov	$0x1111, %ebx
	mov	$LONG_LOOPS, %ecx
2:	dec	%ecx
	jnz	2b
	jmp	real_far

	.org	0x8000 - BASE
	.globl	real_far
real_far:
	mov	$0x2222, %esi
	ljmp	$0, $prot_entry

prot_entry:
	PROT32_ENTER
	/* PT0: the first 4 MiB, identity. */
	mov	$PT0, %edi
	mov	$PTE_PW, %eax
	mov	$1024, %ecx
3:	stosl
	add	$0x1000, %eax
	loop	3b
	/* PT1: only its first entry, ALIAS -> paged_page. */
	mov	$PT1, %edi
	xor	%eax, %eax
	mov	$1024, %ecx
	rep stosl
	movl	$(paged_page + PTE_PW), PT1
	mov	$PD, %edi
	mov	$1024, %ecx
	rep stosl
	movl	$(PT0 + PTE_PW), PD
	movl	$(PT1 + PTE_PW), PD + 4
	mov	$PD, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	.globl	to_paging
to_paging:
	mov	%eax, %cr0
	jmp	4f
4:	xor	%edi, %edi
	xor	%edx, %edx
	.globl	call_identity
call_identity:
	call	paged_fn
	mov	$LONG_LOOPS, %ecx
5:	dec	%ecx
	jnz	5b
	mov	$(ALIAS + paged_fn - paged_page), %eax
	.globl	call_alias
call_alias:
	call	*%eax
	.globl	done
done:	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

	.org	0x9000 - BASE
	.globl	paged_page, paged_fn
paged_page:
	nop
paged_fn:
	mov	$0x3333, %edx
	inc	%edi
	ret

	PROT32_TABLES
