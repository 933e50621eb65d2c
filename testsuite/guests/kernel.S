/*
 * kernel.S: a kernel for the --kernel loaders, built several ways:
 *   kernel32  ELF32, no multiboot header: starts in 32-bit protected mode
 *   kernel64  ELF64 (LONG): starts in 64-bit mode on identity page tables
 *   mboot     ELF32 with a multiboot header (MULTIBOOT)
 *   mbaout    the same as a flat binary whose header gives the load
 *             addresses (MULTIBOOT, AOUT)
 *   reset     ELF32 that resets the machine through the i8042 (RESET)
 * Each reads the CMOS memory-size registers and the PCI host bridge's
 * ID, initializes the master PIC and reads its mask back, and latches
 * PIT channel 0 until its count changes, all into memory (the test
 * stops at pc_done to look); it then checks what its
 * boot protocol promises (multiboot: EAX and mem_lower) and ends with
 * exit status 67 ((0x21 << 1) | 1), or 35 (0x11) when a check fails.
 * Linked at 1 MiB.
 */
	.set	EXIT_PORT, 0xf4
	.set	MB_MAGIC, 0x1badb002
.ifdef AOUT
	.set	MB_FLAGS, 0x00010003
.else
	.set	MB_FLAGS, 0x00000003
.endif

.ifdef LONG
	.code64
.else
	.code32
.endif
	.text
	.globl	_start, mb_header, pc_done, cmos_bytes, pci_id, mb_regs
	.globl	pic_imr, pit_counts
_start:
	jmp	start2

	.balign	4
mb_header:
.ifdef MULTIBOOT
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
.ifdef AOUT
	.long	mb_header		/* header_addr */
	.long	_start			/* load_addr */
	.long	_edata			/* load_end_addr */
	.long	_end			/* bss_end_addr */
	.long	_start			/* entry_addr */
.endif
.endif

start2:
	mov	%eax, mb_regs
	mov	%ebx, mb_regs + 4
.ifdef RESET
	mov	$0xfe, %al
	outb	%al, $0x64
	hlt
.endif
	/* CMOS 0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35. */
	mov	$cmos_regs, %esi
	mov	$cmos_bytes, %edi
	mov	$8, %ecx
1:	movb	(%esi), %al
	outb	%al, $0x70
	inb	$0x71, %al
	movb	%al, (%edi)
	inc	%esi
	inc	%edi
	dec	%ecx
	jnz	1b
	/* PCI 00:00.0 register 0: vendor and device. */
	mov	$0x80000000, %eax
	mov	$0xcf8, %dx
	outl	%eax, %dx
	mov	$0xcfc, %dx
	inl	%dx, %eax
	mov	%eax, pci_id
	/* PIC: ICW1-4 (vectors 0x20, cascade on 2, 8086 mode), mask. */
	mov	$0x11, %al
	outb	%al, $0x20
	mov	$0x20, %al
	outb	%al, $0x21
	mov	$0x04, %al
	outb	%al, $0x21
	mov	$0x01, %al
	outb	%al, $0x21
	mov	$0xfb, %al
	outb	%al, $0x21
	inb	$0x21, %al
	movb	%al, pic_imr
	/* PIT channel 0: mode 2, count 0xffff; latch and read it. */
	mov	$0x34, %al
	outb	%al, $0x43
	mov	$0xff, %al
	outb	%al, $0x40
	outb	%al, $0x40
	xor	%al, %al
	outb	%al, $0x43
	inb	$0x40, %al
	movb	%al, pit_counts
	inb	$0x40, %al
	movb	%al, pit_counts + 1
	/* Again until it differs (bounded), however fast the CPU. */
	mov	$10000, %ecx
2:	xor	%al, %al
	outb	%al, $0x43
	inb	$0x40, %al
	movb	%al, %dl
	inb	$0x40, %al
	movb	%al, %dh
	cmp	pit_counts, %dx
	jne	3f
	dec	%ecx
	jnz	2b
3:	mov	%dx, pit_counts + 2
pc_done:
	nop
.ifdef MULTIBOOT
	mov	mb_regs, %eax
	cmp	$0x2badb002, %eax
	jne	fail
	mov	mb_regs + 4, %ebx
	cmpl	$639, 4(%ebx)
	jne	fail
.endif
	mov	$0x21, %al
	outb	%al, $EXIT_PORT
fail:
	mov	$0x11, %al
	outb	%al, $EXIT_PORT
	hlt

cmos_regs:
	.byte	0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35

	.data
	.balign	8
mb_regs:
	.long	0, 0

	.bss
cmos_bytes:
	.fill	8
pci_id:
	.fill	4
pit_counts:
	.fill	4
pic_imr:
	.fill	1
	.section .note.GNU-stack, "", @progbits
