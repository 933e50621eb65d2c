/*
 * myboot.S: a small boot loader to regression-test under hvdbg, as the
 * manual's chapter "Regression-testing your boot code" does.  Loaded at
 * 0000:7C00 like a boot sector, it goes from real mode through 32-bit
 * protected mode into 64-bit long mode, prints a banner on the serial
 * port (COM1) and ends.
 *
 * Build it as a flat binary for hvdbg and as an ELF with the symbols for
 * GDB and the tests:
 *
 *   as --64 -o myboot.o myboot.S
 *   ld -m elf_x86_64 --build-id=none -Ttext=0x7c00 -e _start \
 *      -o myboot.elf myboot.o
 *   objcopy -O binary myboot.elf myboot.bin
 *
 * It ends by writing 0x10 to I/O port 0xf4, hvdbg's test device, which
 * makes hvdbg exit with status (0x10 << 1) | 1 = 33; on a real PC the
 * port does nothing and the loop after it halts.
 */
	.set	BASE, 0x7c00		/* where it is loaded and linked */
	.set	COM1, 0x3f8
	.set	COM1_LSR, COM1 + 5
	.set	LSR_THRE, 0x20		/* transmitter empty: may send */
	.set	EXIT_PORT, 0xf4
	.set	EXIT_VALUE, 0x10
	.set	SEL_CODE32, 0x08
	.set	SEL_DATA, 0x10
	.set	SEL_CODE64, 0x18
	.set	CR0_PE, 1
	.set	CR0_PG, 0x80000000
	.set	CR4_PAE, 0x20
	.set	MSR_EFER, 0xc0000080
	.set	EFER_LME, 0x100

	.section .note.GNU-stack, "", @progbits
	.text
	.code16
	.globl	_start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %sp
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	.globl	enter_protected
enter_protected:
	mov	%eax, %cr0
	ljmp	$SEL_CODE32, $protected_entry

	.code32
	.globl	protected_entry
protected_entry:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %esp
	/* Long mode needs PAE paging: CR4.PAE, CR3, EFER.LME, then CR0.PG. */
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
	.globl	enter_long
enter_long:
	mov	%eax, %cr0
	/* Compatibility mode until CS is a 64-bit code segment. */
	ljmp	$SEL_CODE64, $long_entry

	.code64
	.globl	long_entry
long_entry:
	mov	$banner, %esi
	.globl	print_banner
print_banner:
	lodsb
	test	%al, %al
	jz	banner_done
	call	putc
	jmp	print_banner
	.globl	banner_done
banner_done:
	mov	$EXIT_VALUE, %al
	out	%al, $EXIT_PORT
1:	hlt
	jmp	1b

/* putc: send %al on COM1 once it can take it.  Clobbers %ah and %dx. */
putc:
	mov	%al, %ah
	mov	$COM1_LSR, %dx
1:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	mov	%ah, %al
	mov	$COM1, %dx
	out	%al, %dx
	ret

	.globl	banner
banner:
	.asciz	"myboot: hello from long mode\r\n"

	.balign	8
gdt:	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, 32-bit, flat */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat */
	.quad	0x00af9a000000ffff	/* 0x18: code, 64-bit */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	/*
	 * Page tables at the next 4 KiB boundaries (.org counts from the
	 * load address): the first 2 MiB mapped one to one, one large page.
	 */
	.org	0x8000 - BASE
	.globl	pml4
pml4:	.quad	pdpt + 3		/* present, writable */
	.org	0x9000 - BASE
pdpt:	.quad	pd + 3
	.org	0xa000 - BASE
pd:	.quad	0x83			/* present, writable, 2 MiB */
	.org	0xb000 - BASE
