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

/*
 * Tracing in the driver.  KVM_CHECK_EXTENSION(HVDBG_CAP_TRACE) returns
 * the largest count HVDBG_TRACE accepts (0 on /dev/kvm).
 *
 * HVDBG_TRACE on a vCPU fd single-steps the guest up to count
 * instructions without returning to user space, as KVM_RUN would with
 * KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ
 * added to the vCPU's guest debug for the call (the rest of it, such as
 * hardware breakpoints, stays in force).  Before each instruction runs,
 * its CS selector and RIP go to records[i].  Returns how many
 * instructions retired, each with its record; the buffer of count
 * records is cleared first, so a buffer that cannot be written gives
 * -EFAULT before the guest runs.
 *
 * A return below count is an early stop, with kvm_run filled in as
 * KVM_RUN would leave it: an exit that is not a plain single-step trap
 * (I/O, MMIO, HLT, shutdown, a breakpoint, watchpoint or catchpoint,
 * an error), which belongs to the instruction in records[n] (n being the
 * return value) and is finished by user space as after KVM_RUN; or a
 * signal or immediate_exit (KVM_EXIT_INTR; -EINTR when no instruction
 * ran).  An instruction whose single-step trap leaves RIP where it was
 * (one iteration of a REP string instruction, a jump to itself) is
 * recorded once per HVDBG_TRACE_SAME_PC traps, as user space stepping
 * it would.  The debugger's TF stays hidden: a copy of RFLAGS that
 * PUSHF or SYSCALL makes carries the guest's own TF.
 *
 * count 0 or above the capability's value, or a reserved field not 0:
 * -EINVAL.
 */
#define HVDBG_CAP_TRACE		0x48760004
#define HVDBG_TRACE_MAX		(1U << 20)
#define HVDBG_TRACE_SAME_PC	8

struct hvdbg_trace_rec {
	__u64 rip;
	__u16 cs;		/* selector */
	__u16 pad[3];
};

struct hvdbg_trace {
	__u64 count;		/* instructions to step at most */
	__u64 records;		/* user address of count records */
	__u64 reserved[4];
};

#define HVDBG_TRACE		_IOW(0xAE, 0xf1, struct hvdbg_trace)

#endif
