/*
 * The probe guest: a tiny machine-code program that hvdbg --probe runs to
 * find out which debug features the backend really delivers.  It starts
 * in real mode at 0000:8000, fills the IVT, and announces on port 0xe0
 * that real mode is ready (value 0); it then builds its own GDT and IDT,
 * enters 32-bit protected mode (value 1), builds identity-mapped page
 * tables and enters 64-bit long mode (value 2), and ends with value 3.
 * At each announcement the host snapshots the vCPU and runs the same
 * test body (steps, an execute-breakpoint target, a write, a read, an
 * int3) once per feature from that snapshot.
 *
 * Every vector 0-31 goes to a stub that writes its number to port 0xe1,
 * so an int3 or #DB that leaks to the guest is seen as a vector number
 * instead of ending in a triple fault.
 *
 * The image is linked into hvdbg as data and copied to guest address
 * PROBE_BASE; G() turns a label into that guest address.
 */
#include "monitor/probe-guest.h"

#define G(x)	((x) - probe_guest_start + PROBE_BASE)

/* One test body per mode; the host runs it from the labels it exports. */
.macro BODY m
	.globl probe_body\m, probe_hb\m, probe_int3_\m
probe_body\m:
	nop
	nop
probe_hb\m:
	nop
	nop
	movb $0x5a, PROBE_WDATA
	movb PROBE_RDATA, %al
	nop
	outb %al, $PROBE_PORT_DONE
	hlt
probe_int3_\m:
	int3
	nop
	outb %al, $PROBE_PORT_DONE
	hlt
.endm

	.section .rodata.probe_guest, "a"
	.globl probe_guest_start, probe_guest_end
	.balign 16
probe_guest_start:
	.code16
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $PROBE_STACK, %sp
	/* IVT: vectors 0-31 → stubs, segment 0. */
	xorw %di, %di
	movw $G(stubs), %bx
	movw $32, %cx
1:	movw %bx, %ax
	stosw
	xorw %ax, %ax
	stosw
	addw $8, %bx
	loop 1b
	movb $PROBE_MODE_REAL, %al
	outb %al, $PROBE_PORT_READY
	jmp to_prot
	BODY 16

to_prot:
	lgdtl G(gdt_desc)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $G(prot32)

	.code32
prot32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $PROBE_STACK, %esp
	/* 32-bit interrupt gates, selector 0x08. */
	movl $PROBE_IDT32, %edi
	movl $G(stubs), %ebx
	movl $32, %ecx
1:	movl %ebx, %eax
	andl $0xffff, %eax
	orl $0x00080000, %eax
	movl %eax, (%edi)
	movl $0x00008e00, 4(%edi)
	addl $8, %edi
	addl $8, %ebx
	loop 1b
	lidt G(idt32_desc)
	movb $PROBE_MODE_PROT32, %al
	outb %al, $PROBE_PORT_READY
	jmp to_long
	BODY 32

to_long:
	/* 64-bit interrupt gates, selector 0x18. */
	movl $PROBE_IDT64, %edi
	movl $G(stubs), %ebx
	movl $32, %ecx
1:	movl %ebx, %eax
	andl $0xffff, %eax
	orl $0x00180000, %eax
	movl %eax, (%edi)
	movl $0x00008e00, 4(%edi)
	movl $0, 8(%edi)
	movl $0, 12(%edi)
	addl $16, %edi
	addl $8, %ebx
	loop 1b
	/* Identity-map the first 2 MiB with one large page. */
	movl $PROBE_PML4 + 0x1003, PROBE_PML4
	movl $PROBE_PML4 + 0x2003, PROBE_PML4 + 0x1000
	movl $0x83, PROBE_PML4 + 0x2000
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $PROBE_PML4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax		/* PG */
	movl %eax, %cr0
	ljmp $0x18, $G(long64)

	.code64
long64:
	lidt G(idt64_desc)
	movb $PROBE_MODE_LONG64, %al
	outb %al, $PROBE_PORT_READY
	jmp done
	BODY 64

done:
	movb $PROBE_MODE_END, %al
	outb %al, $PROBE_PORT_READY
1:	hlt
	jmp 1b

	/* Vector stubs: mov $vec,%al; out %al,$0xe1; 1: hlt; jmp 1b; nop.
	 * The same bytes decode alike in 16-, 32- and 64-bit code. */
	.balign 8
stubs:
	.set vec, 0
	.rept 32
	.byte 0xb0, vec, 0xe6, PROBE_PORT_VECTOR, 0xf4, 0xeb, 0xfd, 0x90
	.set vec, vec + 1
	.endr

	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long G(gdt)
idt32_desc:
	.word 32 * 8 - 1
	.long PROBE_IDT32
idt64_desc:
	.word 32 * 16 - 1
	.quad PROBE_IDT64
probe_guest_end:

	.section .note.GNU-stack, "", @progbits
