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

#endif
