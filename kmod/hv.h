/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvdbg.ko's shared definitions: the VM and vCPU objects and struct
 * hv_ops, the table through which the generic code (main.c, vm.c,
 * vcpu.c, ioctl.c) drives a hardware backend (svm.c or vmx.c).
 *
 * Context: the generic code runs in process context from the ioctls of
 * one process and may sleep; only hv_ops.run enters the guest, and it
 * does so with preemption and interrupts managed by the backend.
 * Locking: vm->lock guards the memory slots, the vCPU table and
 * vm->running; vcpu->lock serialises every ioctl on one vCPU.
 */
#ifndef HVDBG_HV_H
#define HVDBG_HV_H

#include <linux/kref.h>
#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "emulate.h"

#define HV_MAX_SLOTS	32
#define HV_MAX_VCPUS	16
/* Guest-physical addresses the nested page tables cover (64 GiB). */
#define HV_GPA_LIMIT	(1ULL << 36)
/* Where the data of an I/O exit sits in the run page. */
#define HV_PIO_OFFSET	3072

/* KVM_SET_GUEST_DEBUG flags this driver honours. */
#define HV_GUESTDBG_VALID (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
			   KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP | \
			   KVM_GUESTDBG_BLOCKIRQ)

/* A user memory region; pages[i] is pinned on first use, else NULL. */
struct hv_slot {
	bool used;
	u64 gpa;
	u64 size;
	u64 uaddr;
	unsigned long npages;
	struct page **pages;
};

struct hv_vcpu;

/* What HVDBG_TRACE reads before and after each step (trace.c). */
struct hv_trace_state {
	u64 rip;
	u64 pc;				/* CS.base + RIP */
	u64 rsp;
	u64 rflags;			/* as the guest sees it */
	u16 cs;
};

struct hv_vm {
	struct kref ref;		/* the VM fd and each vCPU */
	struct mutex lock;
	struct hv_slot slots[HV_MAX_SLOTS];
	/* Bumped on every slot change; backends rebuild their tables. */
	u64 mem_gen;
	/* vCPUs inside KVM_RUN: slots may not change under them. */
	unsigned int running;
	struct hv_vcpu *vcpus[HV_MAX_VCPUS];
	void *arch;			/* the backend's per-VM state */
};

/* Guest general registers in the CPU's encoding order (RAX = 0 ...). */
enum {
	HV_RAX, HV_RCX, HV_RDX, HV_RBX, HV_RSP, HV_RBP, HV_RSI, HV_RDI,
	HV_R8, HV_R9, HV_R10, HV_R11, HV_R12, HV_R13, HV_R14, HV_R15,
	HV_NR_GPRS
};

/* What the next KVM_RUN finishes before entering the guest. */
enum hv_pending {
	HV_PENDING_NONE,
	HV_PENDING_IO_IN,	/* copy the IN data to RAX, then skip */
	HV_PENDING_SKIP,	/* OUT done: move RIP past the instruction */
	HV_PENDING_MMIO_IN,	/* MMIO read: into its register, then skip */
	HV_PENDING_PIO_STR,	/* INS/OUTS: see emulate.h */
};

struct hv_vcpu {
	struct hv_vm *vm;
	unsigned int id;
	struct mutex lock;
	struct kvm_run *run;		/* one page, mmap'ed by user space */

	/* Guest registers the CPU does not keep in its control block. */
	u64 gprs[HV_NR_GPRS];
	/* The guest's legacy FPU/SSE image (FXSAVE layout). */
	u8 fxsave[512] __aligned(64);
	/* The guest's own DR0-DR3; DR6/DR7 live in the control block. */
	u64 db[4];

	/* KVM_SET_GUEST_DEBUG */
	u32 guest_debug;
	u64 dbg_db[4];
	u64 dbg_dr7;

	/* HVDBG_SET_CATCH */
	u32 catch_flags;
	u32 catch_exceptions;

	/* KVM_INTERRUPT: one external interrupt waiting for delivery */
	int irq_pending;		/* vector, or -1 */

	enum hv_pending pending;
	unsigned int pending_size;	/* IN: bytes */
	u64 pending_rip;		/* where the instruction ends */
	u64 pending_at;			/* where it starts: if user space
					 * moves RIP, the exit is dropped */
	/* HV_PENDING_MMIO_IN: where the data goes */
	struct hv_mmio_pending mmio;
	/* A triple fault was reported; state kept until user space
	 * rewrites the registers. */
	bool shutdown;

	void *arch;			/* the backend's per-vCPU state */
};

/*
 * The backend.  Probe ops run once at module load; run-time ops are
 * called with vcpu->lock held.  Return values: 0 or a negative errno,
 * except run and complete, which return 1 to go on (re-enter the guest)
 * and 0 when vcpu->run has been filled in for user space.
 */
struct hv_ops {
	const char *name;
	int backend_id;			/* HVDBG_BACKEND_* */

	/* probe and per-CPU enable/disable */
	int (*probe)(void);
	int (*hardware_enable)(void);
	void (*hardware_disable)(void);

	/* objects */
	int (*vm_init)(struct hv_vm *vm);
	void (*vm_free)(struct hv_vm *vm);
	int (*vcpu_init)(struct hv_vcpu *v);
	void (*vcpu_free)(struct hv_vcpu *v);

	/* running */
	int (*run)(struct hv_vcpu *v);
	void (*get_regs)(struct hv_vcpu *v, struct kvm_regs *regs);
	void (*set_regs)(struct hv_vcpu *v, const struct kvm_regs *regs);
	void (*get_sregs)(struct hv_vcpu *v, struct kvm_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *v, const struct kvm_sregs *sregs);
	void (*get_debugregs)(struct hv_vcpu *v, struct kvm_debugregs *d);
	void (*set_debugregs)(struct hv_vcpu *v,
			      const struct kvm_debugregs *d);
	/* Flags already validated; the backend arms its intercepts.  A
	 * KVM_GUESTDBG_SINGLESTEP stays in force until changed: run()
	 * sets TF on every entry while it is armed, whatever the guest
	 * did to RFLAGS, and the monitor relies on that to skip
	 * re-issuing an unchanged block between steps. */
	void (*set_guest_debug)(struct hv_vcpu *v);
	/* The exception queued for the next entry, as the exception part
	 * of KVM_GET/SET_VCPU_EVENTS (nr already checked by the caller):
	 * how the monitor hands a guest a trap it intercepted. */
	void (*get_exception)(struct hv_vcpu *v, struct kvm_vcpu_events *ev);
	void (*set_exception)(struct hv_vcpu *v,
			      const struct kvm_vcpu_events *ev);
	void (*set_catch)(struct hv_vcpu *v);
	u32 catch_flags;		/* HVDBG_CATCH_* it implements */
	/* HVDBG_TRACE: the few registers read around every step, from
	 * the backend's own copy (no KVM structure filled). */
	void (*trace_state)(struct hv_vcpu *v, struct hv_trace_state *s);
};

extern const struct hv_ops *hv;
extern const struct hv_ops hv_svm_ops;
extern const struct hv_ops hv_vmx_ops;


/* vm.c */
int hv_vm_create(void);
void hv_vm_put(struct hv_vm *vm);
int hv_vm_set_memory(struct hv_vm *vm,
		     const struct kvm_userspace_memory_region *r);
struct hv_slot *hv_vm_find_slot(struct hv_vm *vm, u64 gpa);
struct page *hv_vm_gpa_page(struct hv_vm *vm, u64 gpa);
int hv_vm_read_gpa(struct hv_vm *vm, u64 gpa, void *buf, size_t len);
/* Address bits of a page-table entry (4-level and PAE). */
#define HV_PTE_ADDR	0x000ffffffffff000ULL
int hv_vm_walk(struct hv_vm *vm, u64 cr0, u64 cr3, u64 cr4, u64 efer,
	       u64 la, u64 *gpa);

/* vcpu.c */
int hv_vcpu_create(struct hv_vm *vm, unsigned long id);
int hv_vcpu_run(struct hv_vcpu *v);
void hv_vcpu_get_fpu(struct hv_vcpu *v, struct kvm_fpu *fpu);
void hv_vcpu_set_fpu(struct hv_vcpu *v, const struct kvm_fpu *fpu);

/* trace.c */
int hv_vcpu_trace(struct hv_vcpu *v, u64 count, void __user *records);

/* ioctl.c: the entry points of /dev/hvdbg, VM and vCPU fds */
long hv_check_extension(long cap);
long hv_dev_ioctl(struct file *f, unsigned int ioctl, unsigned long arg);
long hv_vm_ioctl(struct file *f, unsigned int ioctl, unsigned long arg);
long hv_vcpu_ioctl(struct file *f, unsigned int ioctl, unsigned long arg);

#endif
