/*
 * mmio.S: loads and stores of every form an accelerator's MMIO emulator
 * decodes (MOV, MOVZX, MOVSX, and CMP and TEST for their flags),
 * in real mode (16-bit addressing, the 67 prefix, unreal-mode
 * segment bases, AH..BH), flat 32-bit protected mode (moffs, SIB,
 * 66-prefixed stores) and 64-bit long mode (REX registers r8-r15 and
 * SIL, RIP-relative, 64-bit moffs, sign-extended immediates, a page
 * mapped at another virtual address).  Run with hvdbg --test-mmio
 * 0xfe000000: that page is the testsuite's MMIO device, whose byte N
 * starts as (N * 13 + 0x5a) & 0xff.
 *
 * Each block of instructions runs twice: first against ref_page, a
 * page of RAM in the image holding the same pattern, where the CPU does
 * the work itself; then against the device, where every access is an
 * MMIO exit carried out by the accelerator's emulator.  Each block
 * saves the registers it loads into res_ref or res_mmio, in the same
 * order, with the same junk in the upper bits beforehand, so the two
 * arrays must be equal; at the end both pages are copied into RAM
 * (copy_ref, copy_mmio), so that every store must have landed on the
 * same bytes.  Then the guest stops at `done' and exits with status 0x4d
 * ((0x26 << 1) | 1).  step_mmio is one long-mode load from the device
 * for a test to single-step over.
 */
	.include "guest.inc"
	.set	BASE, 0x7c00
	.include "long64.inc"

	.set	EXIT_VALUE, 0x26
	.set	MMIO_PHYS, 0xfe000000	/* --test-mmio */
	.set	MMIO_VA, 0x40000000	/* the same page in long mode */
	.set	SEL_MMIO16, 0x20	/* base MMIO_PHYS, limit 64 KiB */
	.set	SEL_REF16, 0x28		/* base ref_page, limit 64 KiB */
	.set	RES_REF, 0x40000	/* results: 4 bytes per real/prot */
	.set	RES_MMIO, 0x41000	/* value, 8 per long-mode value */

/* SAVE16 reg, res: the next 32-bit result of a real-mode block. */
.macro	SAVE16 reg, res
	mov	\reg, %es:(rn16 * 4)
	.set	rn16, rn16 + 1
.endm

/* SAVEFLAGS16 res: the arithmetic flags as the next result. */
.macro	SAVEFLAGS16 res
	pushfl
	popl	%eax
	and	$0x8d5, %eax
	SAVE16	%eax, \res
.endm

/*
 * OPS16 seg, res: the real-mode block against the page at \seg's base,
 * results through ES = \res >> 4.
 */
.macro	OPS16 seg, res
	.set	rn16, 0
	mov	$(\res >> 4), %ax
	mov	%ax, %es
	mov	$0xdeadbeef, %eax
	mov	$0x01234567, %ebx
	mov	$0x89abcdef, %ecx
	mov	$0x13572468, %edx
	mov	\seg:0x10, %al			/* A0 */
	SAVE16	%eax, \res
	mov	\seg:0x21, %ax			/* A1, 16-bit */
	SAVE16	%eax, \res
	mov	\seg:0x32, %ecx			/* 66 8B, disp16 */
	SAVE16	%ecx, \res
	mov	$0x234, %bx
	mov	$0x10, %si
	mov	$0x22, %di
	mov	\seg:5(%bx,%si), %cl		/* 8A, mod 1 */
	SAVE16	%ecx, \res
	mov	\seg:0x100(%bx,%di), %dx	/* 8B, mod 2 */
	SAVE16	%edx, \res
	mov	$0x300, %bp
	mov	\seg:8(%bp), %ah		/* AH; BP would mean SS */
	SAVE16	%eax, \res
	mov	\seg:(%si), %bh			/* BH */
	SAVE16	%ebx, \res
	movzbl	\seg:0x40, %eax			/* 66 0F B6 */
	SAVE16	%eax, \res
	movsbw	\seg:0x41, %dx			/* 0F BE into DX */
	SAVE16	%edx, \res
	movswl	\seg:0x42, %ecx			/* 66 0F BF */
	SAVE16	%ecx, \res
	movzwl	\seg:0x44, %ebx			/* 66 0F B7 */
	SAVE16	%ebx, \res
	movsbl	\seg:0x45, %ebp			/* 66 0F BE */
	SAVE16	%ebp, \res
	mov	$0x41, %esi
	mov	$3, %ecx
	addr32	mov \seg:0x300(%esi,%ecx,4), %eax	/* 67 66 8B, SIB */
	SAVE16	%eax, \res
	/* Stores, read back below and by the page copy at the end. */
	movb	$0x5c, \seg:0x200		/* C6 */
	movw	$0xbeef, \seg:0x202		/* C7, 16-bit */
	movl	$0x12345678, \seg:0x204		/* 66 C7 */
	mov	%al, \seg:0x208			/* A2 */
	mov	%eax, \seg:0x20c		/* 66 A3 */
	mov	%dh, \seg:0x210			/* 88, DH */
	mov	$0x234, %bx
	mov	%bx, \seg:0x10(%bx,%si)		/* 89, 16-bit */
	mov	%ecx, \seg:0x214(%di)		/* 66 89 */
	addr32	movb $0x9a, \seg:0x220(%esi)	/* 67 C6 */
	mov	\seg:0x200, %eax
	SAVE16	%eax, \res
	mov	\seg:0x204, %eax
	SAVE16	%eax, \res
	mov	\seg:0x208, %eax
	SAVE16	%eax, \res
	mov	\seg:0x20c, %eax
	SAVE16	%eax, \res
	mov	\seg:0x210, %eax
	SAVE16	%eax, \res
	/* Compares: only the arithmetic flags change. */
	cmpw	$0x1234, \seg:0x60		/* 81 /7, 16-bit */
	SAVEFLAGS16 \res
	cmp	%cl, \seg:0x61			/* 38 */
	SAVEFLAGS16 \res
	cmp	\seg:0x62, %dx			/* 3B */
	SAVEFLAGS16 \res
	testb	$0x80, \seg:0x63			/* F6 /0 */
	SAVEFLAGS16 \res
.endm

/* SAVE32 reg, res: the next result of a 32-bit block. */
.macro	SAVE32 reg, res
	mov	\reg, \res + 0x100 + rn32 * 4
	.set	rn32, rn32 + 1
.endm

/* OPS32 base, res: the protected-mode block against the page at \base. */
.macro	OPS32 base, res
	.set	rn32, 0
	mov	$0xdeadbeef, %eax
	mov	$0x01234567, %ecx
	mov	$0x89abcdef, %edx
	mov	$0x13572468, %ebp
	mov	$0x02468ace, %esi
	mov	\base + 0x11, %al		/* A0, moffs32 */
	SAVE32	%eax, \res
	mov	\base + 0x23, %ax		/* 66 A1 */
	SAVE32	%eax, \res
	mov	\base + 0x27, %eax		/* A1 */
	SAVE32	%eax, \res
	mov	$\base, %ebx
	mov	0x30(%ebx), %ecx		/* 8B, mod 1 */
	SAVE32	%ecx, \res
	mov	$4, %esi
	mov	0x100(%ebx,%esi,8), %dl		/* 8A, SIB, mod 2 */
	SAVE32	%edx, \res
	mov	0x51(%ebx), %dh			/* DH */
	SAVE32	%edx, \res
	movzwl	0x60(%ebx), %edx		/* 0F B7 */
	SAVE32	%edx, \res
	movsbl	0x61(%ebx), %ebp		/* 0F BE */
	SAVE32	%ebp, \res
	movzbw	0x62(%ebx), %si			/* 66 0F B6: keeps the top */
	SAVE32	%esi, \res
	movswl	0x63(%ebx), %ecx		/* 0F BF */
	SAVE32	%ecx, \res
	mov	%esp, %edi
	mov	%ebx, %esp
	mov	0x70(%esp), %eax		/* SIB with base ESP: SS */
	mov	%edi, %esp
	SAVE32	%eax, \res
	mov	$5, %esi
	mov	\base + 0x80(,%esi,4), %eax	/* SIB without a base */
	SAVE32	%eax, \res
	movl	$0xcafef00d, 0x300(%ebx)	/* C7 */
	movb	$0x77, 0x304(%ebx)		/* C6 */
	movw	$0x1234, 0x306(%ebx)		/* 66 C7 */
	mov	%ecx, 0x308(%ebx)		/* 89 */
	mov	%dh, 0x30c(%ebx)		/* 88, DH */
	mov	%al, \base + 0x30d		/* A2 */
	mov	%ax, \base + 0x30e		/* 66 A3 */
	mov	%eax, \base + 0x310		/* A3 */
	mov	%si, 0x314(%ebx,%esi,2)		/* 66 89, SIB */
	mov	0x300(%ebx), %eax
	SAVE32	%eax, \res
	mov	0x304(%ebx), %eax
	SAVE32	%eax, \res
	mov	0x308(%ebx), %eax
	SAVE32	%eax, \res
	mov	0x30c(%ebx), %eax
	SAVE32	%eax, \res
	mov	0x310(%ebx), %eax
	SAVE32	%eax, \res
	cmpw	$0xaa55, 0x64(%ebx)		/* 66 81 /7, as SeaBIOS */
	SAVEFLAGS32 \res
	cmpl	$-1, 0x68(%ebx)			/* 83 /7 */
	SAVEFLAGS32 \res
	test	%ecx, 0x6c(%ebx)		/* 85 */
	SAVEFLAGS32 \res
	cmp	0x70(%ebx), %al			/* 3A */
	SAVEFLAGS32 \res
.endm

/* SAVEFLAGS32 res: the arithmetic flags as the next result. */
.macro	SAVEFLAGS32 res
	pushf
	pop	%eax
	and	$0x8d5, %eax
	SAVE32	%eax, \res
.endm

/* SAVE64 reg, res: the next 64-bit result of a long-mode block. */
.macro	SAVE64 reg, res
	mov	\reg, \res + 0x200 + rn64 * 8
	.set	rn64, rn64 + 1
.endm

/* OPS64 base, res: the long-mode block against the page at \base. */
.macro	OPS64 base, res
	.set	rn64, 0
	movabs	$0x0123456789abcdef, %rax
	mov	%rax, %r10
	mov	%rax, %r11
	mov	%rax, %r12
	mov	%rax, %r13
	mov	%rax, %rsi
	mov	%rax, %r15
	mov	%rax, %r8
	movabs	\base + 0x12, %al		/* A0, moffs64 */
	SAVE64	%rax, \res
	movabs	\base + 0x18, %rax		/* 48 A1 */
	SAVE64	%rax, \res
	mov	$\base, %r9
	mov	0x20(%r9), %r10			/* 4D 8B */
	SAVE64	%r10, \res
	mov	0x28(%r9), %r11d		/* 45 8B: zero-extends */
	SAVE64	%r11, \res
	mov	0x2a(%r9), %r12w		/* 66 45 8B: keeps the top */
	SAVE64	%r12, \res
	mov	0x2b(%r9), %r13b		/* 45 8A: R13B, not a high byte */
	SAVE64	%r13, \res
	mov	0x2c(%r9), %sil			/* 41 8A with REX: SIL */
	SAVE64	%rsi, \res
	mov	$3, %r14
	mov	0x40(%r9,%r14,8), %r15		/* SIB with REX.X and REX.B */
	SAVE64	%r15, \res
	movsbq	0x41(%r9), %r8			/* 4D 0F BE */
	SAVE64	%r8, \res
	movswq	0x42(%r9), %rcx			/* 49 0F BF */
	SAVE64	%rcx, \res
	movzbl	0x43(%r9), %edx			/* 41 0F B6 */
	SAVE64	%rdx, \res
	.byte	0x8b, 0x05			/* mov disp32(%rip), %eax */
	.long	\base + 0x50 - . - 4
	SAVE64	%rax, \res
	.byte	0x4c, 0x8b, 0x15		/* mov disp32(%rip), %r10 */
	.long	\base + 0x58 - . - 4
	SAVE64	%r10, \res
	movq	$-2, 0x400(%r9)			/* 49 C7: imm32 sign-extended */
	mov	%r10, 0x408(%r9)		/* 4D 89 */
	mov	%r13b, 0x410(%r9)		/* 45 88 */
	mov	%r12w, 0x412(%r9)		/* 66 45 89 */
	.byte	0xc6, 0x05			/* movb $0xa5, disp32(%rip) */
	.long	\base + 0x414 - . - 5
	.byte	0xa5
	mov	%eax, 0x418(%r9,%r14,4)		/* 43 89, SIB */
	movabs	%rax, \base + 0x428		/* 48 A3 */
	movabs	%eax, \base + 0x430		/* A3 */
	mov	0x400(%r9), %rax
	SAVE64	%rax, \res
	mov	0x408(%r9), %rax
	SAVE64	%rax, \res
	mov	0x410(%r9), %rax
	SAVE64	%rax, \res
	mov	0x418(%r9), %rax
	SAVE64	%rax, \res
	mov	0x420(%r9), %rax
	SAVE64	%rax, \res
	mov	0x428(%r9), %rax
	SAVE64	%rax, \res
	mov	0x430(%r9), %rax
	SAVE64	%rax, \res
	cmpq	$-5, 0x78(%r9)			/* 49 83 /7 */
	SAVEFLAGS64 \res
	test	%r10, 0x80(%r9)			/* 4D 85 */
	SAVEFLAGS64 \res
	cmpb	$0x7f, 0x88(%r9)		/* 41 80 /7 */
	SAVEFLAGS64 \res
.endm

/* SAVEFLAGS64 res: the arithmetic flags as the next result. */
.macro	SAVEFLAGS64 res
	pushfq
	pop	%rax
	and	$0x8d5, %eax
	SAVE64	%rax, \res
.endm

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	/* Unreal mode: FS and GS keep protected-mode bases. */
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$1, %al
	mov	%eax, %cr0
	mov	$SEL_MMIO16, %bx
	mov	%bx, %fs
	mov	$SEL_REF16, %bx
	mov	%bx, %gs
	and	$0xfe, %al
	mov	%eax, %cr0
	.globl	real_ops
real_ops:
	OPS16	%gs, RES_REF
	OPS16	%fs, RES_MMIO

	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$1, %al
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
	.globl	prot32_ops
prot32_ops:
	OPS32	ref_page, RES_REF
	OPS32	MMIO_PHYS, RES_MMIO

	LONG64_ENTER in_long64

	.code64
in_long64:
	lidt	idt64_desc
	.globl	long64_ops
long64_ops:
	OPS64	ref_page, RES_REF
	/* One load to single-step over: SIB with neither base nor index. */
	.globl	step_mmio, step_mmio_end
step_mmio:
	mov	MMIO_VA + 0x18, %ebx
step_mmio_end:
	OPS64	MMIO_VA, RES_MMIO

	/* Both pages into RAM, 8 bytes at a time. */
	mov	$ref_page, %rsi
	mov	$copy_ref, %rdi
	call	copy_page
	mov	$MMIO_VA, %rsi
	mov	$copy_mmio, %rdi
	call	copy_page
	.globl	done
done:	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

copy_page:
	mov	$512, %ecx
1:	mov	(%rsi), %rax
	mov	%rax, (%rdi)
	add	$8, %rsi
	add	$8, %rdi
	dec	%ecx
	jnz	1b
	ret

	LONG64_STUBS

	LONG64_GDT_FLAT
	/* 0x20: data, base MMIO_PHYS, 64 KiB */
	.word	0xffff, MMIO_PHYS & 0xffff
	.byte	(MMIO_PHYS >> 16) & 0xff, 0x93, 0, MMIO_PHYS >> 24
	/* 0x28: data, base ref_page (below 1 MiB), 64 KiB */
	.word	0xffff, ref_page
	.byte	0, 0x93, 0, 0
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	LONG64_IDTS

	/* Identity for the first 1 GiB; MMIO_VA -> MMIO_PHYS (2 MiB). */
	.balign	4096
	.globl	pml4
pml4:	.quad	pdpt + 3
	.balign	4096
pdpt:	.quad	pd + 3
	.quad	pd_mmio + 3
	.balign	4096
	LONG64_PD_1G
pd_mmio:
	.quad	MMIO_PHYS + 0x83
	.balign	4096

	/* The same pattern as the device. */
	.globl	ref_page
ref_page:
	.set	n, 0
	.rept	4096
	.byte	(n * 13 + 0x5a) & 0xff
	.set	n, n + 1
	.endr

	.globl	copy_ref, copy_mmio
	.set	copy_ref, 0x42000
	.set	copy_mmio, 0x43000
	.globl	res_ref, res_mmio
	.set	res_ref, RES_REF
	.set	res_mmio, RES_MMIO
