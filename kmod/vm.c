// SPDX-License-Identifier: GPL-2.0
/*
 * VMs and their memory slots.
 *
 * Context: process context, may sleep.  A VM lives as long as its fd or
 * any of its vCPUs (a kref).  A slot pins each user page the first time
 * the guest (or the driver) touches it and keeps it pinned until the
 * slot goes, so the nested page tables never point at memory the kernel
 * could reuse, and a large, sparsely used guest costs only what it uses.
 * Slots change only while no vCPU is inside KVM_RUN (vm->running == 0),
 * which is what lets the backend build its tables without locking
 * against a running guest.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/pgtable_types.h>
#include <asm/processor-flags.h>

#include "hv.h"

static void hv_slot_release(struct hv_slot *s)
{
	unsigned long i;

	if (!s->used)
		return;
	for (i = 0; i < s->npages; i++)
		if (s->pages[i])
			unpin_user_pages_dirty_lock(&s->pages[i], 1, true);
	kvfree(s->pages);
	memset(s, 0, sizeof(*s));
}

/*
 * The page behind guest-physical gpa, pinned on first use; NULL where no
 * slot maps gpa, an ERR_PTR when the user memory behind it is gone.
 * vm->lock held.
 */
struct page *hv_vm_gpa_page(struct hv_vm *vm, u64 gpa)
{
	struct hv_slot *s = hv_vm_find_slot(vm, gpa);
	unsigned long idx;
	long got;

	if (!s)
		return NULL;
	idx = (gpa - s->gpa) >> PAGE_SHIFT;
	if (!s->pages[idx]) {
		got = pin_user_pages_fast(s->uaddr + (idx << PAGE_SHIFT), 1,
					  FOLL_WRITE | FOLL_LONGTERM,
					  &s->pages[idx]);
		if (got != 1) {
			s->pages[idx] = NULL;
			return ERR_PTR(got < 0 ? got : -EFAULT);
		}
	}
	return s->pages[idx];
}

static void hv_vm_release(struct kref *ref)
{
	struct hv_vm *vm = container_of(ref, struct hv_vm, ref);
	int i;

	hv->vm_free(vm);
	for (i = 0; i < HV_MAX_SLOTS; i++)
		hv_slot_release(&vm->slots[i]);
	kfree(vm);
}

void hv_vm_put(struct hv_vm *vm)
{
	kref_put(&vm->ref, hv_vm_release);
}

static int hv_vm_file_release(struct inode *inode, struct file *f)
{
	hv_vm_put(f->private_data);
	return 0;
}

static const struct file_operations hv_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= hv_vm_file_release,
	.unlocked_ioctl	= hv_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

int hv_vm_create(void)
{
	struct hv_vm *vm;
	int r;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	r = hv->vm_init(vm);
	if (r) {
		kfree(vm);
		return r;
	}
	r = anon_inode_getfd("hvdbg-vm", &hv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		hv_vm_put(vm);
	return r;
}

/*
 * KVM_SET_USER_MEMORY_REGION: create, delete (size 0) or confirm a slot.
 * A live slot cannot be moved or resized: delete it first.
 */
int hv_vm_set_memory(struct hv_vm *vm,
		     const struct kvm_userspace_memory_region *r)
{
	struct hv_slot *s, n = { 0 };
	unsigned long npages;
	int i, ret;

	if (r->slot >= HV_MAX_SLOTS || r->flags)
		return -EINVAL;
	if (!PAGE_ALIGNED(r->guest_phys_addr) ||
	    !PAGE_ALIGNED(r->memory_size) ||
	    !PAGE_ALIGNED(r->userspace_addr))
		return -EINVAL;
	if (r->memory_size &&
	    (r->guest_phys_addr >= HV_GPA_LIMIT ||
	     r->memory_size > HV_GPA_LIMIT - r->guest_phys_addr ||
	     r->userspace_addr + r->memory_size < r->userspace_addr ||
	     !access_ok((void __user *)(unsigned long)r->userspace_addr,
			r->memory_size)))
		return -EINVAL;
	npages = r->memory_size >> PAGE_SHIFT;

	mutex_lock(&vm->lock);
	ret = -EBUSY;
	if (vm->running)
		goto out;
	s = &vm->slots[r->slot];
	if (!r->memory_size) {
		hv_slot_release(s);
		vm->mem_gen++;
		ret = 0;
		goto out;
	}
	ret = 0;
	if (s->used && s->gpa == r->guest_phys_addr &&
	    s->size == r->memory_size && s->uaddr == r->userspace_addr)
		goto out;
	ret = -EINVAL;
	if (s->used)
		goto out;
	ret = -EEXIST;
	for (i = 0; i < HV_MAX_SLOTS; i++) {
		struct hv_slot *o = &vm->slots[i];

		if (o->used && r->guest_phys_addr < o->gpa + o->size &&
		    o->gpa < r->guest_phys_addr + r->memory_size)
			goto out;
	}

	ret = -ENOMEM;
	n.pages = kvcalloc(npages, sizeof(*n.pages), GFP_KERNEL_ACCOUNT);
	if (!n.pages)
		goto out;
	n.used = true;
	n.gpa = r->guest_phys_addr;
	n.size = r->memory_size;
	n.uaddr = r->userspace_addr;
	n.npages = npages;
	*s = n;
	vm->mem_gen++;
	ret = 0;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/* The slot holding gpa, or NULL.  Slots are stable while running. */
struct hv_slot *hv_vm_find_slot(struct hv_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < HV_MAX_SLOTS; i++) {
		struct hv_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/* Copy guest-physical memory; -EFAULT where no slot maps it. */
int hv_vm_read_gpa(struct hv_vm *vm, u64 gpa, void *buf, size_t len)
{
	int r = 0;

	mutex_lock(&vm->lock);
	while (len) {
		struct page *pg = hv_vm_gpa_page(vm, gpa);
		size_t off = offset_in_page(gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		void *p;

		if (IS_ERR_OR_NULL(pg)) {
			r = -EFAULT;
			break;
		}
		p = kmap_local_page(pg);
		memcpy(buf, p + off, n);
		kunmap_local(p);
		buf += n;
		gpa += n;
		len -= n;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/* The guest's page-table entry at gpa, size 4 or 8 bytes. */
static int hv_vm_read_pte(struct hv_vm *vm, u64 gpa, u64 *e, int size)
{
	*e = 0;
	return hv_vm_read_gpa(vm, gpa, e, size);
}

/*
 * Linear -> guest-physical through the guest paging that cr0, cr3, cr4
 * and efer describe (none, 32-bit with 4 MiB pages under CR4.PSE, PAE,
 * 4-level); -EFAULT if an entry is not present or outside guest memory.
 * Permissions are not checked: the callers read what the CPU would
 * fetch or access, or find where a breakpoint's page lies.
 */
int hv_vm_walk(struct hv_vm *vm, u64 cr0, u64 cr3, u64 cr4, u64 efer,
	       u64 la, u64 *gpa)
{
	u64 table, e, mask;
	int shift;

	if (!(cr0 & X86_CR0_PG)) {
		*gpa = la & 0xffffffffULL;
		return 0;
	}
	if (efer & EFER_LMA) {
		table = cr3 & HV_PTE_ADDR;
		shift = 39;
	} else if (cr4 & X86_CR4_PAE) {
		la &= 0xffffffffULL;
		if (hv_vm_read_pte(vm, (cr3 & 0xffffffe0ULL) +
				   ((la >> 30) & 3) * 8, &e, 8) ||
		    !(e & _PAGE_PRESENT))
			return -EFAULT;
		table = e & HV_PTE_ADDR;
		shift = 21;
	} else {
		/* 32-bit paging: 4-byte entries, 4 MiB pages with PSE. */
		la &= 0xffffffffULL;
		if (hv_vm_read_pte(vm, (cr3 & 0xfffff000ULL) + (la >> 22) * 4,
				   &e, 4) || !(e & _PAGE_PRESENT))
			return -EFAULT;
		if ((e & _PAGE_PSE) && (cr4 & X86_CR4_PSE)) {
			*gpa = (e & 0xffc00000ULL) | (la & 0x3fffffULL);
			return 0;
		}
		if (hv_vm_read_pte(vm, (e & 0xfffff000ULL) +
				   ((la >> 12) & 1023) * 4, &e, 4) ||
		    !(e & _PAGE_PRESENT))
			return -EFAULT;
		*gpa = (e & 0xfffff000ULL) | (la & 0xfffULL);
		return 0;
	}
	for (;; shift -= 9) {
		if (hv_vm_read_pte(vm, table + ((la >> shift) & 511) * 8,
				   &e, 8) || !(e & _PAGE_PRESENT))
			return -EFAULT;
		/* Large pages at 1 GiB and 2 MiB; PS is reserved above. */
		if (shift == 12 || ((e & _PAGE_PSE) && shift <= 30)) {
			mask = (1ULL << shift) - 1;
			*gpa = (e & HV_PTE_ADDR & ~mask) | (la & mask);
			return 0;
		}
		table = e & HV_PTE_ADDR;
	}
}
