/*
 * Minimal BIOS services for kernels started at a 16-bit entry without
 * firmware (Linux's setup code, iPXE's prefix): they ask the BIOS for
 * the memory map, the base memory size, the A20 gate and the console.
 * This stub answers those and fails everything else the way a BIOS
 * reports an unsupported function (CF set, AH = 0x86), so a kernel
 * that probes takes its fallback path instead of jumping through an
 * empty IVT.  Teletype output (int 0x10, AH=0x0e) goes to COM1.
 *
 * Linked into hvdbg as data and copied to F000:0000 by boot.c, which
 * points the IVT at these handlers and fills the E820 table at
 * bios_stub_e820 (count in bios_stub_e820_count).
 */
	.section .rodata
	.code16
	.globl bios_stub_start, bios_stub_end
	.globl bios_stub_default, bios_stub_int10, bios_stub_int12
	.globl bios_stub_int15, bios_stub_int16, bios_stub_irq_master
	.globl bios_stub_irq_slave, bios_stub_e820, bios_stub_e820_count
	.globl bios_stub_ext_kib

#define SMAP	0x534d4150
#define OFF(x)	((x) - bios_stub_start)
/* Saved FLAGS relative to BP after push %bp; mov %sp,%bp. */
#define FLAGS	6(%bp)

bios_stub_start:

/* Unsupported: CF set, AH = 0x86, interrupt flag as the caller had it. */
bios_stub_default:
fail:
	push	%bp
	mov	%sp, %bp
	orw	$1, FLAGS
	pop	%bp
	mov	$0x86, %ah
	iret

ok:
	push	%bp
	mov	%sp, %bp
	andw	$0xfffe, FLAGS
	pop	%bp
	iret

/* Video: teletype to COM1, "mode 3, 80 columns" for AH=0x0f. */
bios_stub_int10:
	cmp	$0x0e, %ah
	jne	1f
	push	%dx
	mov	$0x3f8, %dx
	outb	%al, %dx
	pop	%dx
	iret
1:	cmp	$0x0f, %ah
	jne	2f
	mov	$0x5003, %ax
	xor	%bh, %bh
2:	iret

/* Base memory size in KiB, from the BIOS data area. */
bios_stub_int12:
	push	%ds
	xor	%ax, %ax
	mov	%ax, %ds
	mov	0x413, %ax
	pop	%ds
	iret

bios_stub_int15:
	cmp	$0xe820, %eax
	je	e820
	cmp	$0x88, %ah
	je	ext88
	cmp	$0xe801, %ax
	je	e801
	cmp	$0x24, %ah
	je	a20
	jmp	fail

/* A20 is always on under a hypervisor. */
a20:
	cmp	$0x02, %al
	jne	1f
	mov	$1, %al
1:	cmp	$0x03, %al
	jne	2f
	mov	$3, %bx
2:	xor	%ah, %ah
	jmp	ok

/* Extended memory above 1 MiB in KiB, at most 63 MiB. */
ext88:
	mov	%cs:OFF(bios_stub_ext_kib), %eax
	cmp	$0xfc00, %eax
	jb	1f
	mov	$0xfc00, %ax
1:	jmp	ok

/* AX=CX: KiB between 1 and 16 MiB; BX=DX: 64 KiB blocks above. */
e801:
	mov	%cs:OFF(bios_stub_ext_kib), %eax
	cmp	$0x3c00, %eax
	jbe	1f
	sub	$0x3c00, %eax
	shr	$6, %eax
	mov	%ax, %bx
	mov	$0x3c00, %ax
	jmp	2f
1:	xor	%bx, %bx
2:	mov	%ax, %cx
	mov	%bx, %dx
	jmp	ok

/* EBX: index of the entry wanted; ES:DI: 20-byte buffer. */
e820:
	cmp	$SMAP, %edx
	jne	fail
	cmp	%cs:OFF(bios_stub_e820_count), %ebx
	jae	fail
	push	%ds
	push	%si
	push	%di
	push	%cs
	pop	%ds
	imul	$20, %bx, %si
	add	$OFF(bios_stub_e820), %si
	mov	$20, %ecx
	cld
	rep movsb
	pop	%di
	pop	%si
	pop	%ds
	inc	%ebx
	cmp	%cs:OFF(bios_stub_e820_count), %ebx
	jb	1f
	xor	%ebx, %ebx
1:	mov	$SMAP, %eax
	mov	$20, %ecx
	jmp	ok

/* Keyboard: never a key (ZF set for the "check" functions). */
bios_stub_int16:
	cmp	$0x01, %ah
	je	1f
	cmp	$0x11, %ah
	je	1f
	jmp	fail
1:	push	%bp
	mov	%sp, %bp
	orw	$0x40, FLAGS
	pop	%bp
	iret

/* Hardware interrupts: acknowledge at the PIC(s) and return. */
bios_stub_irq_slave:
	push	%ax
	mov	$0x20, %al
	outb	%al, $0xa0
	outb	%al, $0x20
	pop	%ax
	iret
bios_stub_irq_master:
	push	%ax
	mov	$0x20, %al
	outb	%al, $0x20
	pop	%ax
	iret

	.balign 4
bios_stub_ext_kib:
	.long	0
bios_stub_e820_count:
	.long	0
bios_stub_e820:
	.fill	8 * 20, 1, 0
bios_stub_end:
	.code64
	.section .note.GNU-stack,"",@progbits
