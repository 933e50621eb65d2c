/*
 * smp.S: two processors.  The boot processor (vCPU 1) enters 32-bit
 * protected mode and starts the application processor (vCPU 2) with
 * INIT, SIPI, SIPI through its local APIC at 0xfee00000, all but itself
 * as destination.  The SIPI vector 0x0c starts the AP in real mode at
 * 0c00:0000 (linear 0xc000), where ap_start switches it to 64-bit long
 * mode on its own, writes AP_MARKER to `ap_marker' and then adds one to
 * `ap_counter' forever (ap_loop, ap_bump).  The BSP meanwhile adds one
 * to `bsp_counter' forever (bsp_loop, bsp_bump).  Only the AP runs the
 * code from ap_start on and only it writes ap_counter, so a stop there
 * is the AP's.  Run with -smp 2 on an accelerator with an in-kernel
 * irqchip.
 *
 * Both loops run CPUID, which exits to the accelerator on every one we
 * have: a nested machine whose host kernel runs only at exits (Bochs'
 * VMX under kvm_intel) still gets its CPU back, so the other vCPU's
 * thread runs and all-stop's kick arrives.
 *
 * Page tables (for the AP) from long64.inc: PML4 at 0x9000, PDPT at
 * 0xa000, a page directory at 0xb000 mapping 1 GiB with 2 MiB pages.
 */
	.include "guest.inc"

	.set	BASE, 0x7c00
	.include "long64.inc"
	.set	LAPIC_SVR, 0xfee000f0
	.set	LAPIC_ICR_LO, 0xfee00300
	.set	LAPIC_ICR_HI, 0xfee00310
	/* ICR: all excluding self, level assert, INIT / STARTUP. */
	.set	ICR_INIT, 0x000c4500
	.set	ICR_SIPI, 0x000c4600 | (0xc000 >> 12)
	.set	AP_MARKER, 0x21504121		/* "!AP!" */

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $bsp_prot32

	.code32
bsp_prot32:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %esp
	lidt	idt32_desc
	/* Software-enable the local APIC, then wake the AP. */
	movl	$0x1ff, LAPIC_SVR
	movl	$0, LAPIC_ICR_HI
	.globl	send_init, send_sipi
send_init:
	movl	$ICR_INIT, LAPIC_ICR_LO
send_sipi:
	movl	$ICR_SIPI, LAPIC_ICR_LO
	movl	$ICR_SIPI, LAPIC_ICR_LO
	.globl	bsp_loop, bsp_bump
bsp_loop:
	cpuid
bsp_bump:
	addl	$1, bsp_counter
	jmp	bsp_loop

	.globl	bsp_counter, ap_counter, ap_marker
	.balign	16
bsp_counter:
	.long	0
	.balign	16
ap_counter:
	.long	0
	.balign	16
ap_marker:
	.long	0

	LONG64_TABLES

	/* The AP's trampoline: CS = 0x0c00, IP = 0, real mode. */
	.org	0xc000 - BASE
	.code16
	.globl	ap_start
ap_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	lidtl	ivt_desc
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap_prot32

	.code32
ap_prot32:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	lidt	idt32_desc
	LONG64_ENTER ap_long64

	.code64
	.globl	ap_long64, ap_loop, ap_bump
ap_long64:
	lidt	idt64_desc
	movl	$AP_MARKER, ap_marker
ap_loop:
	cpuid
ap_bump:
	addl	$1, ap_counter
	jmp	ap_loop
