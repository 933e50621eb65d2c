/*
 * tftrap.S: a real-mode guest that single-steps itself.  Its own #DB
 * handler (vector 1 of its interrupt table) records the return address
 * of each trap in `trace' and counts them in `traps'; at the sixth it
 * clears TF in the FLAGS image IRET restores.  The traced run is six
 * instructions, tf_0 to tf_5, after the POPF at tf_popf that sets TF,
 * so a CPU traps after each of them: the addresses recorded are tf_1 to
 * tf_6, in that order, and tf_6 runs untraced.  Then the guest prints
 * "TF" and each recorded address as four hex digits, " 7c2b" and so on,
 * and exits with the count (status (6 << 1) | 1 = 13).  A debugger that
 * takes one of these traps for its own, or lets one through twice,
 * changes the line and the status.
 */
	.include "guest.inc"

	.set	TRAPS, 6		/* the handler clears TF at this one */
	.set	TRACE_MAX, 16		/* room in `trace' */
	.set	FLAGS_TF, 0x100

	.code16
	.globl	_start
_start:
	REAL_MODE_SETUP ivt
	movw	$db_handler, ivt + 4	/* vector 1, segment 0 */
	xor	%cx, %cx
	xor	%di, %di
	.globl	tf_pushf, tf_popf
tf_pushf:
	pushf
	mov	%sp, %bp
	orw	$FLAGS_TF, (%bp)
tf_popf:
	popf
	/* Instructions of different lengths, so that each address is its
	 * own; none of them touches the stack or the handler's state. */
	.globl	tf_0, tf_1, tf_2, tf_3, tf_4, tf_5, tf_6, tf_7
tf_0:	inc	%cx
tf_1:	add	$0x1234, %di
tf_2:	inc	%cx
tf_3:	xor	$0x55, %di
tf_4:	nop
tf_5:	add	$2, %cx
tf_6:	inc	%cx
tf_7:
	/* The report. */
	PUTCH	'T'
	PUTCH	'F'
	mov	traps, %cx
	cmp	$TRACE_MAX, %cx
	jbe	1f
	mov	$TRACE_MAX, %cx
1:	xor	%si, %si
2:	test	%cx, %cx
	jz	3f
	PUTCH	' '
	mov	trace(%si), %bx
	mov	%bh, %al
	shr	$4, %al
	PUTNIBBLE
	mov	%bh, %al
	PUTNIBBLE
	mov	%bl, %al
	shr	$4, %al
	PUTNIBBLE
	mov	%bl, %al
	PUTNIBBLE
	add	$2, %si
	dec	%cx
	jmp	2b
3:	PUTCH	'\n'
	.globl	done
done:	mov	traps, %al
	out	%al, $DEBUG_EXIT
	hlt
	jmp	done

/*
 * The guest's #DB handler: the interrupt pushed FLAGS, CS and IP (IP on
 * top) and cleared TF, so nothing here traps.
 */
	.globl	db_handler
db_handler:
	push	%bp
	mov	%sp, %bp
	push	%ax
	push	%bx
	mov	traps, %bx
	cmp	$TRACE_MAX, %bx
	jae	1f
	shl	$1, %bx
	mov	2(%bp), %ax		/* the IP the trap returns to */
	mov	%ax, trace(%bx)
1:	incw	traps
	cmpw	$TRAPS, traps
	jb	2f
	andw	$~FLAGS_TF, 6(%bp)	/* FLAGS: no more traps */
2:	pop	%bx
	pop	%ax
	pop	%bp
	iret

vector:	REPORT_VECTOR
	VECTOR_STUBS stubs, vector

	.globl	traps, trace
	.balign	16
traps:	.word	0
trace:	.fill	TRACE_MAX, 2, 0

	REAL_MODE_IVT ivt, stubs
