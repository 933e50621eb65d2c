/*
 * Keeping the debugger's trap flag away from the guest.  Single-stepping
 * sets RFLAGS.TF while the guest runs one instruction; the accelerator
 * hides it from register reads, but an instruction that copies RFLAGS
 * somewhere the guest can see (PUSHF onto the stack, SYSCALL into R11)
 * copies the debugger's TF along.  After each step the monitor undoes
 * that, so stepped code sees its own TF.
 */
#ifndef HVDBG_TRAPFLAG_H
#define HVDBG_TRAPFLAG_H

#include <linux/kvm.h>

struct machine;

/* What a fix did, for the caller to apply to its register copy. */
enum trapflag_fix {
	TRAPFLAG_NONE,		/* nothing leaked or nothing to do */
	TRAPFLAG_STACK,		/* cleared TF in the pushed flags in memory */
	TRAPFLAG_R11,		/* *after's r11 had TF cleared: write regs */
};

/*
 * before/sb: the state the step started from; after/sa: the state it
 * ended in.  Clears TF where the stepped instruction stored a copy of
 * RFLAGS, unless the guest's own TF was set.
 */
enum trapflag_fix trapflag__unleak(struct machine *m,
				   const struct kvm_regs *before,
				   const struct kvm_sregs *sb,
				   struct kvm_regs *after,
				   const struct kvm_sregs *sa);

#endif
