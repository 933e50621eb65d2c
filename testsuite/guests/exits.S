/*
 * exits.S: instructions that leave the guest while they are stepped — OUT
 * and IN handled by the monitor (port 0x80, the UART), HLT, and PUSHF,
 * which would put the debugger's trap flag on the guest's stack if it
 * leaked — once in real mode and once in 64-bit long mode.  Each is
 * labelled so that a test can check that one stepi moves exactly one
 * instruction.  The UART output of each run is "<S>" with the `S' written
 * by the labelled OUT, so a replayed OUT shows up as "<SS>".  Ends with
 * a SYSCALL in long mode (RFLAGS into %r11) and the debug exit, status 119 ((0x3b << 1) | 1).
 * After each HLT a POPF clears every flag, TF included, which upstream
 * KVM takes as the end of its single step unless it is armed again.
 */
	.include "guest.inc"
	.include "long64.inc"

	.set	EXIT_VALUE, 0x3b
	.set	BASE, 0x7c00
	.set	EFER_SCE, 0x1
	.set	MSR_STAR, 0xc0000081
	.set	MSR_LSTAR, 0xc0000082
	.set	MSR_FMASK, 0xc0000084

/*
 * EXIT_SEQUENCE m, acc: the labelled sequence, labels prefixed with \m;
 * \acc is the accumulator wide enough to pop what PUSHF pushed.
 */
.macro	EXIT_SEQUENCE m, acc
	.globl	\m\()_out, \m\()_in, \m\()_uin, \m\()_dx, \m\()_uout
	.globl	\m\()_after, \m\()_pushf, \m\()_pop, \m\()_hlt, \m\()_end
	mov	$'<', %al
	PUTC
	mov	$UART_LSR, %dx
	mov	$0x55, %al
\m\()_out:
	out	%al, $0x80
\m\()_in:
	in	$0x80, %al
\m\()_uin:
	in	%dx, %al
\m\()_dx:
	mov	$UART_THR, %dx
	mov	$'S', %al
\m\()_uout:
	out	%al, %dx
\m\()_after:
	mov	$'>', %al
	PUTC
\m\()_pushf:
	pushf
\m\()_pop:
	pop	\acc
\m\()_hlt:
	hlt
\m\()_end:
	nop
	/* A POPF that clears TF, the debugger's too: stepping must go on
	 * one instruction at a time after it. */
	.globl	\m\()_tf, \m\()_tf_a, \m\()_tf_b, \m\()_tf_c
\m\()_tf:
	push	$2
	popf
\m\()_tf_a:
	nop
\m\()_tf_b:
	nop
\m\()_tf_c:
	nop
.endm

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	EXIT_SEQUENCE real, %ax

	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$CR0_PE, %eax
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
	LONG64_ENTER in_long64

	.code64
	.globl	in_long64
in_long64:
	lidt	idt64_desc
	EXIT_SEQUENCE long, %rax
	/* SYSCALL saves RFLAGS in %r11, another copy TF could leak into. */
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_SCE, %eax
	wrmsr
	mov	$MSR_STAR, %ecx
	xor	%eax, %eax
	mov	$SEL_CODE64, %edx	/* SYSCALL's CS; SS is CS + 8 */
	wrmsr
	mov	$MSR_LSTAR, %ecx
	mov	$long_sysret, %eax
	xor	%edx, %edx
	wrmsr
	mov	$MSR_FMASK, %ecx
	xor	%eax, %eax
	wrmsr
	.globl	long_syscall, long_sysret
long_syscall:
	syscall
long_sysret:
	nop
	.globl	done
done:	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

	LONG64_TABLES
