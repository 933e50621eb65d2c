/*
 * The contract between /dev/hvdbg (kmod/hvdbg.ko) and user space beyond
 * the KVM ABI.  /dev/hvdbg speaks KVM's ioctls and structures from
 * <linux/kvm.h>; what it adds is announced through KVM_CHECK_EXTENSION
 * with capability numbers from a range upstream KVM does not use, so a
 * program can ask either device and get a truthful answer (0 from KVM).
 * Included by the module and by user space alike: fixed-size types only.
 */
#ifndef HVDBG_UAPI_H
#define HVDBG_UAPI_H

#include <linux/types.h>

/*
 * KVM_CHECK_EXTENSION(HVDBG_CAP_BACKEND) on /dev/hvdbg: which hardware
 * backend runs the guests, one of HVDBG_BACKEND_*.  0 on /dev/kvm.
 */
#define HVDBG_CAP_BACKEND	0x48760001
#define HVDBG_BACKEND_SVM	1
#define HVDBG_BACKEND_VMX	2

/*
 * KVM_CHECK_EXTENSION(HVDBG_CAP_DEBUG_QUIRKS): nonzero when guest debug
 * does not depend on the CPU arming breakpoints from the control block:
 * the guest's DR0-DR3 and DR7 are loaded in host context just before
 * entry, and INT3 is recognised from the INTn intercept as well as from
 * #BP.  Bit 0: hardware breakpoints and watchpoints; bit 1: int3.
 */
#define HVDBG_CAP_DEBUG_QUIRKS	0x48760002
#define HVDBG_DEBUG_HW_BP	(1 << 0)
#define HVDBG_DEBUG_INT3	(1 << 1)

/*
 * Catchpoints: debug events KVM does not have, reported as
 * KVM_EXIT_DEBUG with run->debug.arch.exception set to one of the
 * HVDBG_EXIT_* values below (all >= 0x100, so never a vector) and
 * debug.arch.pc the linear address of the instruction, which has not
 * run yet.  Resuming (KVM_RUN) carries the instruction out, or delivers
 * the exception, as the CPU would have; a vCPU whose RIP user space
 * changed meanwhile continues from there instead.
 *
 * KVM_CHECK_EXTENSION(HVDBG_CAP_CATCH) returns the HVDBG_CATCH_* flags
 * supported.  HVDBG_SET_CATCH on a vCPU fd arms them; flags 0 disarms.
 * Unknown flags, nonzero reserved fields, or the vectors of #DB and #BP
 * (which KVM_SET_GUEST_DEBUG owns) give -EINVAL.
 */
#define HVDBG_CAP_CATCH		0x48760003

#define HVDBG_CATCH_CR0		(1U << 0)	/* MOV to CR0, CLTS, LMSW */
#define HVDBG_CATCH_CR3		(1U << 1)	/* MOV to CR3 */
#define HVDBG_CATCH_CR4		(1U << 2)	/* MOV to CR4 */
#define HVDBG_CATCH_EFER	(1U << 3)	/* WRMSR to EFER */
#define HVDBG_CATCH_GDT		(1U << 4)	/* LGDT */
#define HVDBG_CATCH_IDT		(1U << 5)	/* LIDT */
#define HVDBG_CATCH_EXCEPTION	(1U << 6)	/* vectors in .exceptions */
/*
 * A triple fault always stops the vCPU before any reset, with its state
 * as it was (KVM_EXIT_SHUTDOWN; KVM_RUN reports it again until the
 * registers are rewritten); the flag is accepted for symmetry.
 */
#define HVDBG_CATCH_TRIPLE	(1U << 7)

struct hvdbg_catch {
	__u32 flags;		/* HVDBG_CATCH_* */
	__u32 exceptions;	/* bit N: stop before delivering vector N */
	__u64 reserved[3];
};

#define HVDBG_SET_CATCH		_IOW(0xAE, 0xf0, struct hvdbg_catch)

/*
 * debug.arch.exception of a catchpoint exit.  For HVDBG_EXIT_CR and
 * HVDBG_EXIT_DT the low byte says which (0, 3, 4 for CRn; 'G' or 'I');
 * for HVDBG_EXIT_EXCEPTION it is the vector, with the error code in
 * debug.arch.dr6 (0 when the vector has none) and, for #PF, the
 * faulting address in debug.arch.dr7.  For HVDBG_EXIT_EFER the new
 * value (EDX:EAX) is in debug.arch.dr7.
 */
#define HVDBG_EXIT_CR		0x100
#define HVDBG_EXIT_EFER		0x200
#define HVDBG_EXIT_DT		0x300
#define HVDBG_EXIT_EXCEPTION	0x400

#endif
