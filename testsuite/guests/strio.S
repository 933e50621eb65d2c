/*
 * strio.S: string I/O in real mode, which the accelerator carries out
 * for the guest (KVM's emulator, or hvdbg.ko's emulate.c).
 *   rep_outs:  REP OUTSB of "<strio>" from DS:SI, with DS = 0x07c0 (a
 *              segment base other than ES's), to the UART;
 *   outs_one:  one OUTSB (no REP) of "\n" to the UART;
 *   ins_zero:  REP INSB with CX = 0, which moves nothing and leaves DI;
 *   rep_ins:   REP INSB of 4 bytes from the UART's scratch register
 *              (0x5a written there first) into ES:DI (ES = 0), buf;
 *   rep_ins_down: REP INSB of 3 bytes of 0xa5 with DF set, from buf2 + 3
 *              downwards.
 * buf and buf2 start as 5 bytes of 0xee each, so that a test sees
 * which bytes each INS wrote: 5a 5a 5a 5a ee and ee a5 a5 a5 ee.
 * Each of those is followed by its label _end, so that a test can check
 * that one stepi runs the whole instruction.  Ends with the debug exit,
 * status 91 ((0x2d << 1) | 1).
 */
	.include "guest.inc"

	.set	EXIT_VALUE, 0x2d
	.set	UART_SCR, 0x3ff		/* scratch: reads what was written */

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	cld
	mov	$0x07c0, %ax
	mov	%ax, %ds
	mov	$(msg - _start), %si
	mov	$(msg_end - msg), %cx
	mov	$UART_THR, %dx
	.globl	rep_outs, rep_outs_end
rep_outs:
	rep outsb
rep_outs_end:
	mov	$(nl - _start), %si
	.globl	outs_one, outs_one_end
outs_one:
	outsb
outs_one_end:
	/* ES stays 0: INS writes ES:DI whatever DS is. */
	mov	$UART_SCR, %dx
	mov	$0x5a, %al
	out	%al, %dx
	mov	$buf, %di
	xor	%cx, %cx
	.globl	ins_zero, ins_zero_end
ins_zero:
	rep insb
ins_zero_end:
	mov	$4, %cx
	.globl	rep_ins, rep_ins_end
rep_ins:
	rep insb
rep_ins_end:
	mov	$0xa5, %al
	out	%al, %dx
	mov	$(buf2 + 3), %di
	mov	$3, %cx
	std
	.globl	rep_ins_down, rep_ins_down_end
rep_ins_down:
	rep insb
rep_ins_down_end:
	cld
	.globl	done
done:	mov	$EXIT_VALUE, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector

msg:	.ascii	"<strio>"
msg_end:
	.globl	nl
nl:	.ascii	"\n"

	.globl	buf, buf2
	.balign	16
buf:	.byte	0xee, 0xee, 0xee, 0xee, 0xee
buf2:	.byte	0xee, 0xee, 0xee, 0xee, 0xee

	REAL_MODE_IVT ivt, stubs
