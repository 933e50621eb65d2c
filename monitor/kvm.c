/*
 * The KVM ioctl backend.  It serves any device that speaks the KVM ABI:
 * upstream /dev/kvm today, the project's /dev/hvdbg later (same ioctls,
 * more debug exits), so the device path is the only thing that differs
 * between the two and it is chosen in the accelerator table below.  All
 * calls come from the thread that owns the vCPU, or from setup code
 * before any vCPU thread starts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvdbg/uapi.h"
#include "monitor/backend.h"
#include "monitor/util.h"

/* Where the VMX real-mode TSS goes: three pages just below the BIOS. */
#define KVM_TSS_ADDR		0xfffbd000ULL
#define KVM_MAX_CPUID		256

/*
 * Where KVM offers KVM_CAP_SYNC_REGS it copies the general and system
 * registers into the run area on every exit; they then fill the cache
 * for free, which saves two ioctls on every single step.
 */
#define KVM_SYNC_WANTED	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)
#define RFLAGS_TF	(1ULL << 8)

static int kvm_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EAGAIN);
	return r < 0 ? -errno : r;
}

static int kvm_open(struct backend *be)
{
	struct kvm_cpuid2 *cpuid;
	int r;

	be->fd = open(be->path, O_RDWR | O_CLOEXEC);
	if (be->fd < 0)
		return -errno;
	r = ioctl(be->fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		close(be->fd);
		be->fd = -1;
		return -ENOTSUP;
	}
	be->api_version = r;
	r = ioctl(be->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		close(be->fd);
		be->fd = -1;
		return -ENOTSUP;
	}
	be->run_size = r;

	cpuid = xzalloc(sizeof(*cpuid) +
			KVM_MAX_CPUID * sizeof(cpuid->entries[0]));
	cpuid->nent = KVM_MAX_CPUID;
	if (kvm_ioctl(be->fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		/* A device without CPUID control: run with its defaults. */
		free(cpuid);
		cpuid = NULL;
	}
	be->cpuid = cpuid;
	r = ioctl(be->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	be->sync_regs = r > 0 && (r & KVM_SYNC_WANTED) == KVM_SYNC_WANTED;
	return 0;
}

static void kvm_close(struct backend *be)
{
	if (be->fd >= 0)
		close(be->fd);
	be->fd = -1;
	free(be->cpuid);
	be->cpuid = NULL;
}

static int kvm_check_cap(struct backend *be, long cap)
{
	int r = ioctl(be->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static int kvm_vm_create(struct backend *be, struct backend_vm *vm)
{
	int r;

	vm->be = be;
	vm->fd = kvm_ioctl(be->fd, KVM_CREATE_VM, (void *)0);
	if (vm->fd < 0)
		return vm->fd;
	/* Needed by VMX without unrestricted guest for real mode; harmless
	 * elsewhere. */
	r = ioctl(vm->fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR);
	(void)r;
	return 0;
}

static void kvm_vm_destroy(struct backend_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

static int kvm_set_memory(struct backend_vm *vm, int slot, uint64_t gpa,
			  uint64_t size, void *host, bool readonly)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (readonly && kvm_check_cap(vm->be, KVM_CAP_READONLY_MEM))
		region.flags |= KVM_MEM_READONLY;
	return kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/*
 * The host's CPUID with this vCPU's initial APIC ID (leaf 1 EBX[31:24],
 * the x2APIC ID of leaves 0xB and 0x1F), which KVM leaves at 0: the
 * guest finds which processor it is the way it would on a PC, and the
 * ID agrees with the local APIC's, which KVM takes from the vCPU index.
 */
static int kvm_set_cpuid(struct backend_vcpu *vcpu,
			 const struct kvm_cpuid2 *host, int index)
{
	size_t size = sizeof(*host) + host->nent * sizeof(host->entries[0]);
	struct kvm_cpuid2 *c;
	unsigned int i;
	int r;

	if (!index)
		return kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, (void *)host);
	c = xzalloc(size);
	memcpy(c, host, size);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (uint32_t)index << 24;
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = index;
	}
	r = kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	free(c);
	return r;
}

static int kvm_vcpu_create(struct backend_vm *vm, int index,
			   struct backend_vcpu *vcpu)
{
	void *run;
	int r;

	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->cached = 0;
	vcpu->dbg_ok = false;
	vcpu->force_tf = false;
	vcpu->last_debug = false;
	vcpu->fd = kvm_ioctl(vm->fd, KVM_CREATE_VCPU, (void *)(long)index);
	if (vcpu->fd < 0)
		return vcpu->fd;
	run = mmap(NULL, vm->be->run_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		r = -errno;
		close(vcpu->fd);
		return r;
	}
	vcpu->run = run;
	if (vm->be->cpuid) {
		r = kvm_set_cpuid(vcpu, vm->be->cpuid, index);
		if (r < 0) {
			munmap(run, vm->be->run_size);
			close(vcpu->fd);
			return r;
		}
	}
	return 0;
}

static int kvm_create_irqchip(struct backend_vm *vm)
{
	if (!kvm_check_cap(vm->be, KVM_CAP_IRQCHIP))
		return -ENOTSUP;
	return kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL);
}

static int kvm_create_pit(struct backend_vm *vm)
{
	/* Port 0x61 (gate and output of channel 2) in the kernel too. */
	struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (!kvm_check_cap(vm->be, KVM_CAP_PIT2))
		return -ENOTSUP;
	return kvm_ioctl(vm->fd, KVM_CREATE_PIT2, &cfg);
}

static void kvm_vcpu_destroy(struct backend_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->vm->be->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

static int kvm_run(struct backend_vcpu *v)
{
	bool sync = v->vm->be->sync_regs;
	int r;

	v->cached = 0;
	if (sync)
		v->run->kvm_valid_regs = KVM_SYNC_WANTED;
	if (v->force_tf) {
		/* The registers KVM handed over at the last exit, unchanged
		 * since (a write clears dbg_ok), with TF. */
		v->run->s.regs.regs.rflags |= RFLAGS_TF;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		v->force_tf = false;
	}
	r = ioctl(v->fd, KVM_RUN, 0);
	r = r < 0 ? -errno : 0;
	v->run->kvm_dirty_regs = 0;
	v->last_debug = r == 0 && v->run->exit_reason == KVM_EXIT_DEBUG;
	if (sync && (r == 0 || r == -EINTR)) {
		v->regs = v->run->s.regs.regs;
		v->sregs = v->run->s.regs.sregs;
		v->cached = BE_CACHED_REGS | BE_CACHED_SREGS;
	} else if (r < 0 && r != -EINTR) {
		v->dbg_ok = false;
	}
	return r;
}

/* Reads come from the cache while it is valid; writes go through. */
#define KVM_GETSET(name, type, get, set, bit)				\
static int kvm_get_##name(struct backend_vcpu *v, type *p)		\
{									\
	int r;								\
									\
	if (!(v->cached & bit)) {					\
		r = kvm_ioctl(v->fd, get, &v->name);			\
		if (r < 0)						\
			return r;					\
		v->cached |= bit;					\
	}								\
	*p = v->name;							\
	return 0;							\
}									\
static int kvm_set_##name(struct backend_vcpu *v, const type *p)	\
{									\
	int r;								\
									\
	v->cached &= ~bit;						\
	v->dbg_ok = false;	/* KVM may drop TF, see below */	\
	r = kvm_ioctl(v->fd, set, (void *)p);				\
	if (r < 0)							\
		return r;						\
	return 0;							\
}

KVM_GETSET(regs, struct kvm_regs, KVM_GET_REGS, KVM_SET_REGS, BE_CACHED_REGS)
KVM_GETSET(sregs, struct kvm_sregs, KVM_GET_SREGS, KVM_SET_SREGS,
	   BE_CACHED_SREGS)
KVM_GETSET(fpu, struct kvm_fpu, KVM_GET_FPU, KVM_SET_FPU, BE_CACHED_FPU)
KVM_GETSET(debugregs, struct kvm_debugregs, KVM_GET_DEBUGREGS,
	   KVM_SET_DEBUGREGS, BE_CACHED_DEBUGREGS)

/*
 * Can the single step armed by the last KVM_SET_GUEST_DEBUG still be in
 * force?  Upstream KVM arms it by setting TF in the guest's RFLAGS and
 * hides that TF from every read, so anything that rewrites RFLAGS drops
 * it: a POPF, IRET or SYSCALL the guest steps, an instruction KVM
 * emulates in the kernel, a KVM_SET_REGS at another RIP.  Nothing tells
 * which happened, so after a step's debug exit TF is put back through
 * the run area's registers (KVM_CAP_SYNC_REGS): the same write the ioctl
 * does, inside the next KVM_RUN instead of a system call of its own.
 * /dev/hvdbg sets TF on every entry while the step is armed (kmod/hv.h),
 * so there the block stays in force until it changes.
 */
static bool kvm_step_holds(struct backend_vcpu *v)
{
	struct backend *be = v->vm->be;

	if (!strcmp(be->name, "hvdbg"))
		return true;
	if (!be->sync_regs || !v->last_debug)
		return false;
	v->force_tf = true;
	return true;
}

static int kvm_set_guest_debug(struct backend_vcpu *v,
			       const struct kvm_guest_debug *dbg)
{
	int r;

	if (v->dbg_ok && (dbg->control & KVM_GUESTDBG_SINGLESTEP) &&
	    !memcmp(dbg, &v->dbg, sizeof(*dbg)) && kvm_step_holds(v))
		return 0;
	/* It may rewrite RFLAGS and the debug registers. */
	v->cached = 0;
	v->force_tf = false;
	r = kvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, (void *)dbg);
	v->dbg = *dbg;
	v->dbg_ok = r == 0;
	return r;
}

static int kvm_set_catch(struct backend_vcpu *v, uint32_t flags,
			 uint32_t exceptions)
{
	struct hvdbg_catch c = { .flags = flags, .exceptions = exceptions };

	return kvm_ioctl(v->fd, HVDBG_SET_CATCH, &c);
}

static int kvm_trace(struct backend_vcpu *v, uint64_t count,
		     struct hvdbg_trace_rec *records)
{
	struct hvdbg_trace t = {
		.count = count,
		.records = (uintptr_t)records,
	};
	int r;

	/* The guest ran: as after KVM_RUN, nothing cached holds. */
	v->cached = 0;
	r = ioctl(v->fd, HVDBG_TRACE, &t);
	r = r < 0 ? -errno : r;
	v->last_debug = r >= 0 && v->run->exit_reason == KVM_EXIT_DEBUG;
	return r;
}

static const struct backend_ops kvm_ops = {
	.open		= kvm_open,
	.close		= kvm_close,
	.check_cap	= kvm_check_cap,
	.vm_create	= kvm_vm_create,
	.vm_destroy	= kvm_vm_destroy,
	.set_memory	= kvm_set_memory,
	.vcpu_create	= kvm_vcpu_create,
	.vcpu_destroy	= kvm_vcpu_destroy,
	.create_irqchip	= kvm_create_irqchip,
	.create_pit	= kvm_create_pit,

	.run		= kvm_run,
	.get_regs	= kvm_get_regs,
	.set_regs	= kvm_set_regs,
	.get_sregs	= kvm_get_sregs,
	.set_sregs	= kvm_set_sregs,
	.get_fpu	= kvm_get_fpu,
	.set_fpu	= kvm_set_fpu,
	.get_debugregs	= kvm_get_debugregs,
	.set_debugregs	= kvm_set_debugregs,
	.set_guest_debug = kvm_set_guest_debug,
	.set_catch	= kvm_set_catch,
	.trace		= kvm_trace,
};

/*
 * The accelerators --accel accepts.  Both speak the same ABI: hvdbg is
 * the project's own driver (kmod/hvdbg.ko), which lacks the ioctls the
 * code above already treats as optional (CPUID control, sync regs).
 */
static const struct {
	const char *name;
	const char *path;
	const struct backend_ops *ops;
} accels[] = {
	{ "kvm", "/dev/kvm", &kvm_ops },
	{ "hvdbg", "/dev/hvdbg", &kvm_ops },
};

int backend__open(struct backend *be, const char *name)
{
	size_t i;

	memset(be, 0, sizeof(*be));
	be->fd = -1;
	for (i = 0; i < ARRAY_SIZE(accels); i++) {
		if (strcmp(accels[i].name, name))
			continue;
		be->name = accels[i].name;
		be->path = accels[i].path;
		be->ops = accels[i].ops;
		return be->ops->open(be);
	}
	be->path = name;
	return -ENOENT;
}

void backend__close(struct backend *be)
{
	if (be->ops)
		be->ops->close(be);
}

const char *backend__names(void)
{
	return "kvm, hvdbg";
}

int backend__complete_exit(struct backend_vcpu *bv)
{
	int r;

	bv->run->immediate_exit = 1;
	r = bv->vm->be->ops->run(bv);
	bv->run->immediate_exit = 0;
	if (r == -EINTR)
		return 0;
	if (r < 0)
		return r;
	return 1;
}

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN]		= "unknown",
	[KVM_EXIT_EXCEPTION]		= "exception",
	[KVM_EXIT_IO]			= "io",
	[KVM_EXIT_HYPERCALL]		= "hypercall",
	[KVM_EXIT_DEBUG]		= "debug",
	[KVM_EXIT_HLT]			= "hlt",
	[KVM_EXIT_MMIO]			= "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN]	= "irq-window-open",
	[KVM_EXIT_SHUTDOWN]		= "shutdown (triple fault)",
	[KVM_EXIT_FAIL_ENTRY]		= "fail-entry",
	[KVM_EXIT_INTR]			= "intr",
	[KVM_EXIT_SET_TPR]		= "set-tpr",
	[KVM_EXIT_TPR_ACCESS]		= "tpr-access",
	[KVM_EXIT_NMI]			= "nmi",
	[KVM_EXIT_INTERNAL_ERROR]	= "internal-error",
	[KVM_EXIT_SYSTEM_EVENT]		= "system-event",
	[KVM_EXIT_X86_RDMSR]		= "rdmsr",
	[KVM_EXIT_X86_WRMSR]		= "wrmsr",
};

const char *backend__exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}
