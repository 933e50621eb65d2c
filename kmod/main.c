// SPDX-License-Identifier: GPL-2.0
/*
 * hvdbg.ko: module init and exit, the hardware probe, and /dev/hvdbg.
 *
 * Context: module init/exit run in process context (insmod/rmmod) and
 * may sleep; the per-CPU enable/disable they trigger runs on each CPU
 * with interrupts off.  The device's ioctls run in the caller's process
 * context.  Every VM and vCPU fd pins the module, so it cannot be
 * unloaded while any is open.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <asm/processor.h>

#include "hv.h"

const struct hv_ops *hv;

static const struct file_operations hv_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= hv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* Root only: a hypervisor device hands out CPU-level power. */
static struct miscdevice hv_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "hvdbg",
	.fops	= &hv_dev_fops,
	.mode	= 0600,
};

static int __init hv_init(void)
{
	int r;

	/*
	 * CPUID, not the kernel's feature flags: those hide VMX when the
	 * firmware locked it off, and the backend's probe says so better.
	 */
	if (cpuid_ecx(1) & (1U << 5)) {
		hv = &hv_vmx_ops;
	} else if (cpuid_eax(0x80000000) >= 0x80000001 &&
		   (cpuid_ecx(0x80000001) & (1U << 2))) {
		hv = &hv_svm_ops;
	} else {
		pr_err("this CPU has neither Intel VMX nor AMD SVM; not loading\n");
		return -ENODEV;
	}
	/* The probe prints why it refuses; nothing is touched until then. */
	r = hv->probe();
	if (r)
		return r;
	r = hv->hardware_enable();
	if (r)
		return r;
	r = misc_register(&hv_misc);
	if (r) {
		pr_err("cannot register /dev/hvdbg: %d\n", r);
		hv->hardware_disable();
		return r;
	}
	pr_info("%s backend ready, /dev/hvdbg\n", hv->name);
	return 0;
}

static void __exit hv_exit(void)
{
	misc_deregister(&hv_misc);
	hv->hardware_disable();
}

module_init(hv_init);
module_exit(hv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvdbg: debugging hypervisor, KVM run/debug ABI");
