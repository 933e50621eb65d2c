// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/hvdbg, of a VM fd and of a vCPU fd: argument
 * copying and validation, then one call into vm.c, vcpu.c or the
 * backend.  Nothing here trusts a user value it has not checked.
 *
 * Context: process context of the caller, may sleep.  vCPU ioctls hold
 * vcpu->lock for their whole duration.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/fs.h>
#include <linux/uaccess.h>

#include <hvdbg/uapi.h>
#include "hv.h"

/* KVM_CHECK_EXTENSION: what this driver really implements. */
long hv_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_DEBUGREGS:
		return 1;
	case KVM_CAP_VCPU_EVENTS:
		return 1;
	case KVM_CAP_SET_GUEST_DEBUG2:
		return HV_GUESTDBG_VALID;
	case KVM_CAP_NR_MEMSLOTS:
		return HV_MAX_SLOTS;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return HV_MAX_VCPUS;
	case HVDBG_CAP_BACKEND:
		return hv->backend_id;
	case HVDBG_CAP_DEBUG_QUIRKS:
		return HVDBG_DEBUG_HW_BP | HVDBG_DEBUG_INT3;
	case HVDBG_CAP_CATCH:
		return hv->catch_flags;
	case HVDBG_CAP_TRACE:
		return hv->trace_state ? HVDBG_TRACE_MAX : 0;
	default:
		return 0;
	}
}

long hv_dev_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		/* Only the default machine type exists. */
		return arg ? -EINVAL : hv_vm_create();
	case KVM_CHECK_EXTENSION:
		return hv_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

long hv_vm_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct hv_vm *vm = f->private_data;
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region r;

		if (copy_from_user(&r, argp, sizeof(r)))
			return -EFAULT;
		return hv_vm_set_memory(vm, &r);
	}
	case KVM_CREATE_VCPU:
		return hv_vcpu_create(vm, arg);
	case KVM_CHECK_EXTENSION:
		return hv_check_extension(arg);
	default:
		return -ENOTTY;
	}
}

static int hv_set_guest_debug(struct hv_vcpu *v,
			      const struct kvm_guest_debug *d)
{
	int i;

	if (d->control & ~HV_GUESTDBG_VALID)
		return -EINVAL;
	if (d->control & KVM_GUESTDBG_USE_HW_BP) {
		/* Same rules as MOV DR7: no reserved bits, no GD. */
		if (d->arch.debugreg[7] >> 32 ||
		    d->arch.debugreg[7] & (1 << 13))
			return -EINVAL;
		for (i = 0; i < 4; i++)
			v->dbg_db[i] = d->arch.debugreg[i];
		v->dbg_dr7 = d->arch.debugreg[7] | 0x400;
	} else {
		for (i = 0; i < 4; i++)
			v->dbg_db[i] = 0;
		v->dbg_dr7 = 0x400;
	}
	v->guest_debug = (d->control & KVM_GUESTDBG_ENABLE) ? d->control : 0;
	hv->set_guest_debug(v);
	return 0;
}

static long hv_vcpu_ioctl_locked(struct hv_vcpu *v, unsigned int ioctl,
				 void __user *argp, unsigned long arg)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
		struct kvm_debugregs dregs;
		struct kvm_guest_debug dbg;
		struct kvm_interrupt irq;
		struct kvm_vcpu_events ev;
		struct hvdbg_catch c;
		struct hvdbg_trace t;
	} u;

	switch (ioctl) {
	case KVM_RUN:
		return arg ? -EINVAL : hv_vcpu_run(v);
	case KVM_GET_REGS:
		hv->get_regs(v, &u.regs);
		return copy_to_user(argp, &u.regs, sizeof(u.regs)) ?
			-EFAULT : 0;
	case KVM_SET_REGS:
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			return -EFAULT;
		hv->set_regs(v, &u.regs);
		return 0;
	case KVM_GET_SREGS:
		hv->get_sregs(v, &u.sregs);
		return copy_to_user(argp, &u.sregs, sizeof(u.sregs)) ?
			-EFAULT : 0;
	case KVM_SET_SREGS:
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			return -EFAULT;
		return hv->set_sregs(v, &u.sregs);
	case KVM_GET_FPU:
		hv_vcpu_get_fpu(v, &u.fpu);
		return copy_to_user(argp, &u.fpu, sizeof(u.fpu)) ? -EFAULT : 0;
	case KVM_SET_FPU:
		if (copy_from_user(&u.fpu, argp, sizeof(u.fpu)))
			return -EFAULT;
		hv_vcpu_set_fpu(v, &u.fpu);
		return 0;
	case KVM_GET_DEBUGREGS:
		hv->get_debugregs(v, &u.dregs);
		return copy_to_user(argp, &u.dregs, sizeof(u.dregs)) ?
			-EFAULT : 0;
	case KVM_SET_DEBUGREGS:
		if (copy_from_user(&u.dregs, argp, sizeof(u.dregs)))
			return -EFAULT;
		if (u.dregs.flags || u.dregs.dr6 >> 32 || u.dregs.dr7 >> 32)
			return -EINVAL;
		hv->set_debugregs(v, &u.dregs);
		return 0;
	case KVM_GET_VCPU_EVENTS:
		/* Only the exception: no NMI, SMM or interrupt shadow is
		 * kept apart from the registers here. */
		memset(&u.ev, 0, sizeof(u.ev));
		hv->get_exception(v, &u.ev);
		return copy_to_user(argp, &u.ev, sizeof(u.ev)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&u.ev, argp, sizeof(u.ev)))
			return -EFAULT;
		/* Vectors 0-31 but NMI, which is no exception. */
		if ((u.ev.exception.injected || u.ev.exception.pending) &&
		    (u.ev.exception.nr >= 32 || u.ev.exception.nr == 2))
			return -EINVAL;
		hv->set_exception(v, &u.ev);
		return 0;
	case KVM_SET_GUEST_DEBUG:
		if (copy_from_user(&u.dbg, argp, sizeof(u.dbg)))
			return -EFAULT;
		return hv_set_guest_debug(v, &u.dbg);
	case HVDBG_SET_CATCH:
		if (copy_from_user(&u.c, argp, sizeof(u.c)))
			return -EFAULT;
		if (u.c.flags & ~hv->catch_flags ||
		    u.c.reserved[0] || u.c.reserved[1] || u.c.reserved[2] ||
		    u.c.exceptions & ((1U << 1) | (1U << 3)) ||
		    (u.c.exceptions && !(u.c.flags & HVDBG_CATCH_EXCEPTION)))
			return -EINVAL;
		v->catch_flags = u.c.flags;
		v->catch_exceptions = (u.c.flags & HVDBG_CATCH_EXCEPTION) ?
				      u.c.exceptions : 0;
		hv->set_catch(v);
		return 0;
	case HVDBG_TRACE:
		if (copy_from_user(&u.t, argp, sizeof(u.t)))
			return -EFAULT;
		if (!hv->trace_state || !u.t.count ||
		    u.t.count > HVDBG_TRACE_MAX || u.t.reserved[0] ||
		    u.t.reserved[1] || u.t.reserved[2] || u.t.reserved[3])
			return -EINVAL;
		return hv_vcpu_trace(v, u.t.count,
				     u64_to_user_ptr(u.t.records));
	case KVM_INTERRUPT:
		if (copy_from_user(&u.irq, argp, sizeof(u.irq)))
			return -EFAULT;
		if (u.irq.irq >= 256)
			return -EINVAL;
		if (v->irq_pending >= 0)
			return -EEXIST;
		v->irq_pending = u.irq.irq;
		return 0;
	default:
		return -ENOTTY;
	}
}

long hv_vcpu_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct hv_vcpu *v = f->private_data;
	long r;

	/* Interruptible: a second thread blocked behind KVM_RUN can
	 * still be killed. */
	if (mutex_lock_killable(&v->lock))
		return -EINTR;
	r = hv_vcpu_ioctl_locked(v, ioctl, (void __user *)arg, arg);
	mutex_unlock(&v->lock);
	return r;
}
