// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects and the generic run loop.
 *
 * Context: process context of the thread that issues the vCPU's ioctls;
 * vcpu->lock is held across each of them, including KVM_RUN, which
 * sleeps only between guest entries (signal check, cond_resched).  The
 * run page is one zeroed page shared with user space through mmap.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "hv.h"

static_assert(sizeof(struct kvm_run) <= HV_PIO_OFFSET);

static void hv_vcpu_free(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;

	mutex_lock(&vm->lock);
	vm->vcpus[v->id] = NULL;
	mutex_unlock(&vm->lock);
	hv->vcpu_free(v);
	free_page((unsigned long)v->run);
	kfree(v);
	hv_vm_put(vm);
}

static int hv_vcpu_release(struct inode *inode, struct file *f)
{
	hv_vcpu_free(f->private_data);
	return 0;
}

/* Only the first page, and only as a whole: the run structure. */
static int hv_vcpu_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct hv_vcpu *v = f->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	return vm_insert_page(vma, vma->vm_start, virt_to_page(v->run));
}

static const struct file_operations hv_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= hv_vcpu_release,
	.unlocked_ioctl	= hv_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= hv_vcpu_mmap,
	.llseek		= noop_llseek,
};

int hv_vcpu_create(struct hv_vm *vm, unsigned long id)
{
	struct hv_vcpu *v;
	int r;

	if (id >= HV_MAX_VCPUS)
		return -EINVAL;
	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!v->run) {
		kfree(v);
		return -ENOMEM;
	}
	mutex_init(&v->lock);
	v->vm = vm;
	v->id = id;
	v->irq_pending = -1;
	/* FNINIT/reset state: FCW 0x37f, all tags empty, MXCSR 0x1f80. */
	*(u16 *)&v->fxsave[0] = 0x37f;
	*(u32 *)&v->fxsave[24] = 0x1f80;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		mutex_unlock(&vm->lock);
		free_page((unsigned long)v->run);
		kfree(v);
		return -EEXIST;
	}
	r = hv->vcpu_init(v);
	if (r) {
		mutex_unlock(&vm->lock);
		free_page((unsigned long)v->run);
		kfree(v);
		return r;
	}
	vm->vcpus[id] = v;
	kref_get(&vm->ref);
	mutex_unlock(&vm->lock);

	r = anon_inode_getfd("hvdbg-vcpu", &hv_vcpu_fops, v,
			     O_RDWR | O_CLOEXEC);
	if (r < 0)
		hv_vcpu_free(v);
	return r;
}

/*
 * KVM_RUN.  The backend's run enters the guest once and handles the
 * exit: 1 to go on, 0 with v->run filled in, or a negative errno.
 * Signals and rescheduling are dealt with between entries, so a guest
 * spinning forever still leaves on Ctrl-C (KVM_EXIT_INTR, -EINTR).
 */
int hv_vcpu_run(struct hv_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct hv_vm *vm = v->vm;
	int r;

	mutex_lock(&vm->lock);
	vm->running++;
	mutex_unlock(&vm->lock);

	for (;;) {
		/* A pending I/O completes even with immediate_exit set:
		 * that is how user space finishes an exit without running. */
		if (!v->pending &&
		    (signal_pending(current) || run->immediate_exit)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		cond_resched();
		r = hv->run(v);
		if (r <= 0)
			break;
	}

	mutex_lock(&vm->lock);
	vm->running--;
	mutex_unlock(&vm->lock);
	return r;
}

/* struct kvm_fpu <-> the FXSAVE image the world switch loads. */
void hv_vcpu_get_fpu(struct hv_vcpu *v, struct kvm_fpu *fpu)
{
	const u8 *x = v->fxsave;
	int i;

	memset(fpu, 0, sizeof(*fpu));
	fpu->fcw = *(const u16 *)&x[0];
	fpu->fsw = *(const u16 *)&x[2];
	fpu->ftwx = x[4];
	fpu->last_opcode = *(const u16 *)&x[6];
	fpu->last_ip = *(const u64 *)&x[8];
	fpu->last_dp = *(const u64 *)&x[16];
	fpu->mxcsr = *(const u32 *)&x[24];
	for (i = 0; i < 8; i++)
		memcpy(fpu->fpr[i], &x[32 + 16 * i], 16);
	for (i = 0; i < 16; i++)
		memcpy(fpu->xmm[i], &x[160 + 16 * i], 16);
}

void hv_vcpu_set_fpu(struct hv_vcpu *v, const struct kvm_fpu *fpu)
{
	u8 *x = v->fxsave;
	int i;

	*(u16 *)&x[0] = fpu->fcw;
	*(u16 *)&x[2] = fpu->fsw;
	x[4] = fpu->ftwx;
	*(u16 *)&x[6] = fpu->last_opcode;
	*(u64 *)&x[8] = fpu->last_ip;
	*(u64 *)&x[16] = fpu->last_dp;
	/* Reserved MXCSR bits would make FXRSTOR fault in the host. */
	*(u32 *)&x[24] = fpu->mxcsr & 0xffff;
	for (i = 0; i < 8; i++)
		memcpy(&x[32 + 16 * i], fpu->fpr[i], 16);
	for (i = 0; i < 16; i++)
		memcpy(&x[160 + 16 * i], fpu->xmm[i], 16);
}
