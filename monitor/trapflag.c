/*
 * Undo the trap flag a single step leaks into guest-visible copies of
 * RFLAGS (see trapflag.h).  Runs on the vCPU thread right after a step
 * retired one instruction, with the vCPU stopped.  Only the instruction
 * that was stepped is looked at, so the cost is one instruction fetch per
 * step, and only when the guest's own TF was clear.  Exceptions and
 * software interrupts delivered during a step also push RFLAGS; those
 * frames are left alone (the manual says so).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/trapflag.h"

#define RFLAGS_TF	(1ULL << 8)
#define INSN_MAX	15

/* Copy up to len bytes at linear; returns how many could be read. */
static size_t read_linear(struct machine *m, const struct kvm_sregs *s,
			  uint64_t linear, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t gpa, left;
		uint8_t *p;
		size_t n;

		if (mmu__translate(m, s, linear + done, &gpa, &left) < 0)
			break;
		n = len - done < left ? len - done : left;
		p = machine__gpa_to_host(m, gpa, n);
		if (!p)
			break;
		memcpy(buf + done, p, n);
		done += n;
	}
	return done;
}

/* The byte at linear, mapped for writing, or NULL. */
static uint8_t *map_byte(struct machine *m, const struct kvm_sregs *s,
			 uint64_t linear)
{
	uint64_t gpa, left;

	if (mmu__translate(m, s, linear, &gpa, &left) < 0)
		return NULL;
	return machine__gpa_to_host(m, gpa, 1);
}

/*
 * Decode just enough of the instruction at the step's start: is it PUSHF
 * (and of which operand size) or SYSCALL?  Returns the opcode (0x9c,
 * 0x0f05) or 0, with *size the bytes PUSHF pushes.
 */
static unsigned int decode(const uint8_t *insn, size_t len,
			   const struct kvm_sregs *sb, int *size)
{
	bool long64 = mmu__mode(sb) == CPU_MODE_LONG;
	bool opsize = false, rexw = false;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = insn[i];

		if (b == 0x66) {
			opsize = true;
		} else if (b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
			   b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
			   b == 0x64 || b == 0x65) {
			continue;
		} else if (long64 && (b & 0xf0) == 0x40) {
			rexw = b & 8;
		} else {
			break;
		}
	}
	if (i >= len)
		return 0;
	if (insn[i] == 0x9c) {
		if (long64)
			*size = opsize && !rexw ? 2 : 8;
		else
			*size = (sb->cs.db != 0) != opsize ? 4 : 2;
		return 0x9c;
	}
	if (long64 && insn[i] == 0x0f && i + 1 < len && insn[i + 1] == 0x05)
		return 0x0f05;
	return 0;
}

enum trapflag_fix trapflag__unleak(struct machine *m,
				   const struct kvm_regs *before,
				   const struct kvm_sregs *sb,
				   struct kvm_regs *after,
				   const struct kvm_sregs *sa)
{
	uint8_t insn[INSN_MAX], *flags_hi;
	uint64_t sp_mask, sp, linear;
	unsigned int op;
	size_t len;
	int size = 0;

	if (before->rflags & RFLAGS_TF)
		return TRAPFLAG_NONE;	/* the guest's own TF: keep it */
	/* Most steps neither push 2, 4 or 8 bytes nor leave TF in r11:
	 * those need no look at the instruction, which keeps this off the
	 * cost of every stepped instruction. */
	sp = before->rsp - after->rsp;
	if (mmu__mode(sa) != CPU_MODE_LONG && !sa->ss.db)
		sp &= 0xffff;		/* a 16-bit stack wraps */
	if (sp != 2 && sp != 4 && sp != 8 && !(after->r11 & RFLAGS_TF))
		return TRAPFLAG_NONE;
	len = read_linear(m, sb, mmu__linear_pc(before, sb), insn,
			  sizeof(insn));
	op = decode(insn, len, sb, &size);
	if (op == 0x0f05) {
		if (!(after->r11 & RFLAGS_TF))
			return TRAPFLAG_NONE;
		after->r11 &= ~RFLAGS_TF;
		return TRAPFLAG_R11;
	}
	if (op != 0x9c)
		return TRAPFLAG_NONE;
	/* The stack pointer's width: SS.B outside 64-bit mode. */
	if (mmu__mode(sa) == CPU_MODE_LONG)
		sp_mask = ~0ULL;
	else
		sp_mask = sa->ss.db ? 0xffffffffULL : 0xffffULL;
	sp = after->rsp & sp_mask;
	/* Only a PUSHF that really pushed (no fault) left a copy. */
	if (sp != ((before->rsp - size) & sp_mask))
		return TRAPFLAG_NONE;
	linear = sa->ss.base + sp + 1;	/* TF is bit 0 of the second byte */
	if (mmu__mode(sa) != CPU_MODE_LONG)
		linear &= 0xffffffffULL;
	flags_hi = map_byte(m, sa, linear);
	if (!flags_hi || !(*flags_hi & 1))
		return TRAPFLAG_NONE;
	*flags_hi &= ~1;
	return TRAPFLAG_STACK;
}
