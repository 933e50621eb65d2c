/*
 * The accelerator interface.  Everything the monitor asks of a hypervisor
 * goes through one ops table: open the device, create a VM and its memory
 * slots, create vCPUs and their shared run area, run them, move state in
 * and out, and arm guest debugging.  State travels in the KVM ABI's own
 * structures because both devices we drive speak that ABI: upstream
 * /dev/kvm and the project's /dev/hvdbg, which adds debug exits of its
 * own (control-register writes, exceptions by vector, descriptor-table
 * loads, triple faults) reported as KVM_EXIT_DEBUG.  A backend is chosen
 * by name (--accel) and opens its device path here, nowhere else.
 */
#ifndef HVDBG_BACKEND_H
#define HVDBG_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

struct backend_ops;
struct hvdbg_trace_rec;

/* An open accelerator device. */
struct backend {
	const char *name;		/* --accel name, e.g. "kvm" */
	const char *path;		/* device node, e.g. "/dev/kvm" */
	const struct backend_ops *ops;
	int fd;
	int api_version;
	size_t run_size;		/* bytes of the per-vCPU run area */
	/* Host-supported CPUID, handed to every vCPU: without it KVM
	 * refuses EFER.LME, CR4.PAE and friends. */
	struct kvm_cpuid2 *cpuid;
	/* KVM_CAP_SYNC_REGS covers the general and system registers. */
	bool sync_regs;
};

struct backend_vm {
	struct backend *be;
	int fd;
};

struct backend_vcpu {
	struct backend_vm *vm;
	int fd;
	int index;
	struct kvm_run *run;		/* shared with the kernel */
	/*
	 * State read while the vCPU is stopped, kept until it runs again
	 * or is written: GDB asks for the same registers several times per
	 * stop (expedited registers, page walks for each memory read, the
	 * thread list), and each read would otherwise be an ioctl.  Only
	 * the backend touches these; BE_CACHED_* bits say what is valid.
	 */
	unsigned int cached;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_debugregs debugregs;

	/*
	 * The guest-debug block the device holds (dbg_ok), so that a step
	 * after a step re-issues nothing when the block is unchanged (see
	 * kvm_set_guest_debug); last_debug: the last run ended in a debug
	 * exit, with no I/O or MMIO left to complete; force_tf: the next
	 * run puts the trap flag back through the run area instead.
	 */
	bool dbg_ok;
	bool last_debug;
	bool force_tf;
	struct kvm_guest_debug dbg;
};

enum {
	BE_CACHED_REGS		= 1,
	BE_CACHED_SREGS		= 2,
	BE_CACHED_FPU		= 4,
	BE_CACHED_DEBUGREGS	= 8,
};

/*
 * Every op returns 0 or a negative errno; check_cap returns the
 * capability's value (0: absent).
 */
struct backend_ops {
	/* setup and probing */
	int (*open)(struct backend *be);
	void (*close)(struct backend *be);
	int (*check_cap)(struct backend *be, long cap);
	int (*vm_create)(struct backend *be, struct backend_vm *vm);
	void (*vm_destroy)(struct backend_vm *vm);
	int (*set_memory)(struct backend_vm *vm, int slot, uint64_t gpa,
			  uint64_t size, void *host, bool readonly);
	int (*vcpu_create)(struct backend_vm *vm, int index,
			   struct backend_vcpu *vcpu);
	/*
	 * The PC's interrupt controllers (PIC, IOAPIC, local APICs) and
	 * its timer (PIT, with the port 0x61 gate) in the accelerator,
	 * before any vCPU exists.  -ENOTSUP where the device has none;
	 * the monitor then models their registers itself.
	 */
	int (*create_irqchip)(struct backend_vm *vm);
	int (*create_pit)(struct backend_vm *vm);
	void (*vcpu_destroy)(struct backend_vcpu *vcpu);

	/* running; run returns -EINTR when kicked or immediate_exit */
	int (*run)(struct backend_vcpu *vcpu);
	int (*get_regs)(struct backend_vcpu *vcpu, struct kvm_regs *regs);
	int (*set_regs)(struct backend_vcpu *vcpu, const struct kvm_regs *r);
	int (*get_sregs)(struct backend_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct backend_vcpu *vcpu,
			 const struct kvm_sregs *sregs);
	int (*get_fpu)(struct backend_vcpu *vcpu, struct kvm_fpu *fpu);
	int (*set_fpu)(struct backend_vcpu *vcpu, const struct kvm_fpu *fpu);
	int (*get_debugregs)(struct backend_vcpu *vcpu,
			     struct kvm_debugregs *dregs);
	int (*set_debugregs)(struct backend_vcpu *vcpu,
			     const struct kvm_debugregs *dregs);
	int (*set_guest_debug)(struct backend_vcpu *vcpu,
			       const struct kvm_guest_debug *dbg);
	/* /dev/hvdbg's catchpoints (include/hvdbg/uapi.h); -ENOTTY on a
	 * device without them. */
	int (*set_catch)(struct backend_vcpu *vcpu, uint32_t flags,
			 uint32_t exceptions);
	/* /dev/hvdbg's HVDBG_TRACE (include/hvdbg/uapi.h): how many
	 * instructions retired, or -errno (-ENOTTY without it). */
	int (*trace)(struct backend_vcpu *vcpu, uint64_t count,
		     struct hvdbg_trace_rec *records);
};

/*
 * Find the backend called name and open its device.  On failure returns
 * a negative errno and leaves be->path set so the caller can print
 * "hvdbg: PATH: strerror".
 */
int backend__open(struct backend *be, const char *name);
void backend__close(struct backend *be);
/* The --accel names, for --help. */
const char *backend__names(void);

/* Convenience wrappers so callers read naturally. */
#define BE_CALL(bv, op, ...) ((bv)->vm->be->ops->op((bv), ##__VA_ARGS__))

/*
 * Finish an I/O or MMIO exit without running further: KVM applies the
 * result (IN data, RIP advance) on the next KVM_RUN, so re-enter with
 * immediate_exit set.  Returns 1 when that completion produced an exit
 * of its own (a single-step landing on the next instruction), 0 when
 * the vCPU is simply stopped with consistent state, or a negative errno.
 */
int backend__complete_exit(struct backend_vcpu *bv);

/* "KVM_EXIT_IO" → "io", for messages. */
const char *backend__exit_name(uint32_t reason);

#endif
