/*
 * kmod-ioctl: throw invalid arguments at every ioctl of /dev/hvdbg and
 * check each errno, then run a small real-mode guest through I/O, HLT,
 * single-step, int3, a DR0 breakpoint, a signal, memory it may not use,
 * an interrupt and its window, the project's catchpoints (CR0, CR3, CR4,
 * EFER, LGDT, LIDT, #UD), a trace inside the driver (HVDBG_TRACE) and
 * a triple fault to show the driver still works; finally close
 * everything in unusual orders and check that the module's reference
 * count drops back to 0.
 *
 * Usage: kmod-ioctl [DEVICE]	(default /dev/hvdbg)
 * Prints one "PASS: what" or "FAIL: what: why" line per check and exits
 * 0 when nothing failed, 1 otherwise, 77 when DEVICE cannot be opened.
 * Runs where hvdbg.ko is loaded: inside the qemu-svm-hvdbg board's
 * machine (SVM) or a Bochs machine (VMX: tools/bochs-run -k), driven
 * by kmod.exp.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvdbg/uapi.h"

static int failures;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "PASS: " : "FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* The ioctl must fail with errno want. */
static void expect_err(const char *what, int r, int want)
{
	int e = errno;

	if (r >= 0)
		result(0, "%s: succeeded (%d), wanted %s", what, r,
		       strerror(want));
	else if (e != want)
		result(0, "%s: %s, wanted %s", what, strerror(e),
		       strerror(want));
	else
		result(1, "%s: %s", what, strerror(want));
}

static void expect_ok(const char *what, int r)
{
	if (r < 0)
		result(0, "%s: %s", what, strerror(errno));
	else
		result(1, "%s", what);
}

static void expect_eq(const char *what, unsigned long long got,
		      unsigned long long want)
{
	if (got != want)
		result(0, "%s: 0x%llx, wanted 0x%llx", what, got, want);
	else
		result(1, "%s", what);
}

#define GUEST_MEM	0x10000
#define CODE		0x1000

/* Real-mode code at CODE; offsets are what the checks look for. */
static const uint8_t code[] = {
	0xb0, 0x42,		/* 1000: mov $0x42, %al */
	0xe6, 0x80,		/* 1002: out %al, $0x80 */
	0xe4, 0x81,		/* 1004: in $0x81, %al */
	0xf4,			/* 1006: hlt */
	0x90,			/* 1007: nop */
	0x90,			/* 1008: nop */
	0xcc,			/* 1009: int3 */
	0x90,			/* 100a: nop */
	0xeb, 0xfe,		/* 100b: jmp . */
	0x90, 0x90, 0x90,	/* 100d */
	0x0f, 0x0b,		/* 1010: ud2 */
	[0x20] = 0xb0, 0x77,	/* 1020: mov $0x77, %al (vector 0x20) */
	0xe6, 0x82,		/* 1022: out %al, $0x82 */
	0xf4,			/* 1024: hlt */
	[0x30] = 0xfb,		/* 1030: sti */
	0x90,			/* 1031: nop */
	0xeb, 0xfe,		/* 1032: jmp . */
	/* Catchpoints */
	[0x40] = 0x0f, 0x20, 0xc0,	/* 1040: mov %cr0, %eax */
	0x0f, 0x22, 0xc0,		/* 1043: mov %eax, %cr0 */
	0x0f, 0x22, 0xd8,		/* 1046: mov %eax, %cr3 */
	0x0f, 0x20, 0xe0,		/* 1049: mov %cr4, %eax */
	0x66, 0x0d, 0x00, 0x02, 0x00, 0x00, /* 104c: or $0x200, %eax */
	0x0f, 0x22, 0xe0,		/* 1052: mov %eax, %cr4 */
	0x0f, 0x01, 0x16, 0x00, 0x20,	/* 1055: lgdt 0x2000 */
	0x0f, 0x01, 0x1e, 0x00, 0x20,	/* 105a: lidt 0x2000 */
	0x66, 0xb9, 0x80, 0x00, 0x00, 0xc0, /* 105f: mov $0xc0000080, %ecx */
	0x0f, 0x32,			/* 1065: rdmsr */
	0x0f, 0x30,			/* 1067: wrmsr */
	0x0f, 0x0b,			/* 1069: ud2 */
	[0x70] = 0xb0, 0x66,		/* 1070: mov $0x66, %al (#UD) */
	0xe6, 0x83,			/* 1072: out %al, $0x83 */
	0xf4,				/* 1074: hlt */
	/* HVDBG_TRACE: TF must not reach the pushed flags */
	[0x80] = 0x9c,			/* 1080: pushf */
	0x58,				/* 1081: pop %ax */
	0x90,				/* 1082: nop */
	0xeb, 0xfe,			/* 1083: jmp . */
};

static int vm_fd, vcpu_fd;
static struct kvm_run *run;

static int run_once(void)
{
	return ioctl(vcpu_fd, KVM_RUN, 0);
}

static uint64_t rip(void)
{
	struct kvm_regs r;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0)
		return ~0ULL;
	return r.rip;
}

static void set_rip(uint64_t v)
{
	struct kvm_regs r;

	ioctl(vcpu_fd, KVM_GET_REGS, &r);
	r.rip = v;
	r.rflags = 2;
	ioctl(vcpu_fd, KVM_SET_REGS, &r);
}

static void debug(uint32_t control, uint64_t dr0, uint64_t dr7)
{
	struct kvm_guest_debug d = { .control = control };

	d.arch.debugreg[0] = dr0;
	d.arch.debugreg[7] = dr7;
	if (ioctl(vcpu_fd, KVM_SET_GUEST_DEBUG, &d) < 0)
		result(0, "KVM_SET_GUEST_DEBUG 0x%x: %s", control,
		       strerror(errno));
}

static void on_signal(int sig)
{
	(void)sig;
}

static pthread_t main_thread;
static int busy_errno;

/* While the vCPU spins: a slot change must be refused, then a signal
 * must get the vCPU out. */
static void *kicker(void *arg)
{
	struct kvm_userspace_memory_region r = {
		.slot = 2, .guest_phys_addr = 0x100000,
		.memory_size = 4096, .userspace_addr = (uintptr_t)arg,
	};

	usleep(300000);
	busy_errno = ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ?
		     errno : 0;
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static long refcount(void)
{
	FILE *f = fopen("/sys/module/hvdbg/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int cpu_has_vmx(void)
{
	unsigned int ecx;

	__asm__("cpuid" : "=c" (ecx) : "a" (1), "c" (0) : "ebx", "edx");
	return (ecx >> 5) & 1;
}

static void bad_arguments(int dev, uint8_t *mem, uint8_t *spare)
{
	struct kvm_userspace_memory_region r;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
	struct kvm_guest_debug dbg;
	struct kvm_interrupt irq;
	struct kvm_debugregs dregs;
	void *p;
	int fd;

	/* /dev/hvdbg */
	expect_eq("KVM_GET_API_VERSION", ioctl(dev, KVM_GET_API_VERSION, 0),
		  KVM_API_VERSION);
	expect_err("KVM_GET_API_VERSION with an argument",
		   ioctl(dev, KVM_GET_API_VERSION, 1), EINVAL);
	expect_err("KVM_CREATE_VM type 1", ioctl(dev, KVM_CREATE_VM, 1),
		   EINVAL);
	expect_eq("KVM_GET_VCPU_MMAP_SIZE",
		  ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0), 4096);
	expect_err("unknown ioctl on the device",
		   ioctl(dev, _IO(KVMIO, 0xee), 0), ENOTTY);
	expect_eq("KVM_CAP_SET_GUEST_DEBUG2 flags",
		  ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2),
		  KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
		  KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP |
		  KVM_GUESTDBG_BLOCKIRQ);
	/* The backend follows the CPU: VMX where CPUID.1:ECX.VMX is set. */
	if (cpu_has_vmx())
		expect_eq("HVDBG_CAP_BACKEND is VMX on a VMX CPU",
			  ioctl(dev, KVM_CHECK_EXTENSION, HVDBG_CAP_BACKEND),
			  HVDBG_BACKEND_VMX);
	else
		expect_eq("HVDBG_CAP_BACKEND is SVM",
			  ioctl(dev, KVM_CHECK_EXTENSION, HVDBG_CAP_BACKEND),
			  HVDBG_BACKEND_SVM);
	expect_eq("KVM_CAP_SYNC_REGS is absent",
		  ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS), 0);
	expect_eq("KVM_CAP_READONLY_MEM is absent",
		  ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM), 0);
	expect_eq("an unknown capability is 0",
		  ioctl(dev, KVM_CHECK_EXTENSION, 0x7fffffff), 0);

	vm_fd = ioctl(dev, KVM_CREATE_VM, 0);
	expect_ok("KVM_CREATE_VM", vm_fd);
	if (vm_fd < 0)
		exit(1);
	expect_err("unknown ioctl on a VM", ioctl(vm_fd, KVM_RUN, 0),
		   ENOTTY);

	/* KVM_SET_USER_MEMORY_REGION */
#define REGION(s, f, g, sz, u) \
	(r = (struct kvm_userspace_memory_region){ .slot = (s), \
	  .flags = (f), .guest_phys_addr = (g), .memory_size = (sz), \
	  .userspace_addr = (uintptr_t)(u) }, \
	 ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
	expect_err("region: NULL argument",
		   ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, NULL), EFAULT);
	expect_err("region: slot 32", REGION(32, 0, 0, 4096, mem), EINVAL);
	expect_err("region: address space 1",
		   REGION(1 << 16, 0, 0, 4096, mem), EINVAL);
	expect_err("region: KVM_MEM_READONLY not offered",
		   REGION(0, KVM_MEM_READONLY, 0, 4096, mem), EINVAL);
	expect_err("region: unaligned guest address",
		   REGION(0, 0, 0x800, 4096, mem), EINVAL);
	expect_err("region: unaligned size",
		   REGION(0, 0, 0, 4095, mem), EINVAL);
	expect_err("region: unaligned user address",
		   REGION(0, 0, 0, 4096, mem + 8), EINVAL);
	expect_err("region: beyond guest-physical space",
		   REGION(0, 0, 1ULL << 40, 4096, mem), EINVAL);
	expect_err("region: wrapping guest address",
		   REGION(0, 0, ~0xfffULL, 8192, mem), EINVAL);
	expect_err("region: kernel user address",
		   REGION(0, 0, 0, 4096, 0xffff888000000000ULL), EINVAL);
	/* Pages are pinned on first use: inaccessible memory is accepted
	 * here (as KVM does) and fails KVM_RUN when the guest gets to it. */
	expect_ok("region: inaccessible user memory in slot 3",
		  REGION(3, 0, 0x20000, 4096, spare));
	expect_ok("region: RAM in slot 0",
		  REGION(0, 0, 0, GUEST_MEM, mem));
	expect_ok("region: the same again", REGION(0, 0, 0, GUEST_MEM, mem));
	expect_err("region: resizing a live slot",
		   REGION(0, 0, 0, 4096, mem), EINVAL);
	expect_err("region: overlapping slot 0",
		   REGION(1, 0, GUEST_MEM - 4096, 8192, mem), EEXIST);
	expect_ok("region: adjacent slot 1",
		  REGION(1, 0, GUEST_MEM, 4096, mem));
	expect_ok("region: delete slot 1", REGION(1, 0, GUEST_MEM, 0, mem));
	expect_ok("region: delete an empty slot", REGION(5, 0, 0, 0, NULL));

	/* KVM_CREATE_VCPU and mmap */
	expect_err("vCPU id 16", ioctl(vm_fd, KVM_CREATE_VCPU, 16), EINVAL);
	expect_err("vCPU id -1", ioctl(vm_fd, KVM_CREATE_VCPU, -1L), EINVAL);
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	expect_ok("vCPU 0", vcpu_fd);
	if (vcpu_fd < 0)
		exit(1);
	expect_err("vCPU 0 again", ioctl(vm_fd, KVM_CREATE_VCPU, 0), EEXIST);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	expect_err("mmap of two pages", p == MAP_FAILED ? -1 : 0, EINVAL);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
		 4096);
	expect_err("mmap at offset 4096", p == MAP_FAILED ? -1 : 0, EINVAL);
	run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	expect_ok("mmap of the run page", run == MAP_FAILED ? -1 : 0);
	if (run == MAP_FAILED)
		exit(1);

	/* vCPU ioctls: bad pointers, bad values */
	expect_err("KVM_GET_REGS to NULL", ioctl(vcpu_fd, KVM_GET_REGS, NULL),
		   EFAULT);
	expect_err("KVM_SET_REGS from NULL",
		   ioctl(vcpu_fd, KVM_SET_REGS, NULL), EFAULT);
	expect_err("KVM_GET_SREGS to NULL",
		   ioctl(vcpu_fd, KVM_GET_SREGS, NULL), EFAULT);
	expect_err("KVM_SET_SREGS from NULL",
		   ioctl(vcpu_fd, KVM_SET_SREGS, NULL), EFAULT);
	expect_err("KVM_GET_FPU to NULL", ioctl(vcpu_fd, KVM_GET_FPU, NULL),
		   EFAULT);
	expect_err("KVM_SET_FPU from NULL", ioctl(vcpu_fd, KVM_SET_FPU, NULL),
		   EFAULT);
	expect_err("KVM_GET_DEBUGREGS to NULL",
		   ioctl(vcpu_fd, KVM_GET_DEBUGREGS, NULL), EFAULT);
	expect_err("KVM_SET_DEBUGREGS from NULL",
		   ioctl(vcpu_fd, KVM_SET_DEBUGREGS, NULL), EFAULT);
	expect_err("KVM_SET_GUEST_DEBUG from NULL",
		   ioctl(vcpu_fd, KVM_SET_GUEST_DEBUG, NULL), EFAULT);
	expect_err("KVM_INTERRUPT from NULL",
		   ioctl(vcpu_fd, KVM_INTERRUPT, NULL), EFAULT);
	expect_err("KVM_RUN with an argument", ioctl(vcpu_fd, KVM_RUN, 1),
		   EINVAL);
	/* The exception part of the vCPU events: how the monitor hands a
	 * guest back a trap it intercepted. */
	expect_eq("KVM_CAP_VCPU_EVENTS",
		  ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS), 1);
	expect_err("KVM_GET_VCPU_EVENTS to NULL",
		   ioctl(vcpu_fd, KVM_GET_VCPU_EVENTS, NULL), EFAULT);
	memset(&events, 0, sizeof(events));
	expect_ok("KVM_GET_VCPU_EVENTS",
		  ioctl(vcpu_fd, KVM_GET_VCPU_EVENTS, &events));
	expect_eq("KVM_GET_VCPU_EVENTS: no exception queued",
		  events.exception.injected, 0);
	events.exception.injected = 1;
	events.exception.nr = 32;
	expect_err("KVM_SET_VCPU_EVENTS with vector 32",
		   ioctl(vcpu_fd, KVM_SET_VCPU_EVENTS, &events), EINVAL);
	events.exception.nr = 2;
	expect_err("KVM_SET_VCPU_EVENTS with NMI as an exception",
		   ioctl(vcpu_fd, KVM_SET_VCPU_EVENTS, &events), EINVAL);
	expect_err("unknown ioctl on a vCPU",
		   ioctl(vcpu_fd, KVM_CREATE_VCPU, 1), ENOTTY);

	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.efer |= 1ULL << 20;
	expect_err("sregs: reserved EFER bit",
		   ioctl(vcpu_fd, KVM_SET_SREGS, &sregs), EINVAL);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.cr0 = 0x80000000 | 0x10;
	expect_err("sregs: paging without protection",
		   ioctl(vcpu_fd, KVM_SET_SREGS, &sregs), EINVAL);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.cr4 |= 1ULL << 30;
	expect_err("sregs: reserved CR4 bit",
		   ioctl(vcpu_fd, KVM_SET_SREGS, &sregs), EINVAL);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.interrupt_bitmap[0] = 3;
	expect_err("sregs: two pending interrupts",
		   ioctl(vcpu_fd, KVM_SET_SREGS, &sregs), EINVAL);

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_DB;
	expect_err("guest debug: unsupported flag",
		   ioctl(vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg), EINVAL);
	dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
	dbg.arch.debugreg[7] = 1ULL << 13;
	expect_err("guest debug: DR7.GD",
		   ioctl(vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg), EINVAL);
	dbg.arch.debugreg[7] = 1ULL << 40;
	expect_err("guest debug: DR7 upper half",
		   ioctl(vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg), EINVAL);

	memset(&dregs, 0, sizeof(dregs));
	dregs.flags = 1;
	expect_err("debugregs: flags",
		   ioctl(vcpu_fd, KVM_SET_DEBUGREGS, &dregs), EINVAL);
	dregs.flags = 0;
	dregs.dr7 = 1ULL << 33;
	expect_err("debugregs: DR7 upper half",
		   ioctl(vcpu_fd, KVM_SET_DEBUGREGS, &dregs), EINVAL);

	/* HVDBG_TRACE */
	expect_eq("HVDBG_CAP_TRACE",
		  ioctl(dev, KVM_CHECK_EXTENSION, HVDBG_CAP_TRACE),
		  HVDBG_TRACE_MAX);
	expect_err("HVDBG_TRACE from NULL", ioctl(vcpu_fd, HVDBG_TRACE, NULL),
		   EFAULT);
	{
		struct hvdbg_trace_rec rec[4];
		struct hvdbg_trace t = {
			.count = 0, .records = (uintptr_t)rec,
		};

		expect_err("HVDBG_TRACE count 0",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EINVAL);
		t.count = HVDBG_TRACE_MAX + 1ULL;
		expect_err("HVDBG_TRACE count above the maximum",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EINVAL);
		t.count = 1ULL << 63;
		expect_err("HVDBG_TRACE count 2^63",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EINVAL);
		t.count = 4;
		t.reserved[3] = 1;
		expect_err("HVDBG_TRACE reserved field",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EINVAL);
		t.reserved[3] = 0;
		t.records = 0;
		expect_err("HVDBG_TRACE records at NULL",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EFAULT);
		t.records = (uintptr_t)spare;
		expect_err("HVDBG_TRACE records in PROT_NONE memory",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EFAULT);
		t.records = 0xffff800000000000ULL;
		expect_err("HVDBG_TRACE records in kernel space",
			   ioctl(vcpu_fd, HVDBG_TRACE, &t), EFAULT);
	}

	irq.irq = 256;
	expect_err("KVM_INTERRUPT vector 256",
		   ioctl(vcpu_fd, KVM_INTERRUPT, &irq), EINVAL);
	irq.irq = 0x20;
	expect_ok("KVM_INTERRUPT vector 0x20",
		  ioctl(vcpu_fd, KVM_INTERRUPT, &irq));
	expect_err("KVM_INTERRUPT while one is pending",
		   ioctl(vcpu_fd, KVM_INTERRUPT, &irq), EEXIST);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	expect_eq("the pending interrupt in KVM_GET_SREGS",
		  sregs.interrupt_bitmap[0], 1ULL << 0x20);
	/* Take it back, so that the guest below runs without it. */
	sregs.interrupt_bitmap[0] = 0;
	fd = ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
	(void)fd;
}

/* HVDBG_TRACE: count records; how many retired, or -errno. */
static int trace(uint64_t count, struct hvdbg_trace_rec *rec)
{
	struct hvdbg_trace t = { .count = count, .records = (uintptr_t)rec };
	int r = ioctl(vcpu_fd, HVDBG_TRACE, &t);

	return r < 0 ? -errno : r;
}

/*
 * Steps inside the driver over the code at CODE: an early return at
 * each I/O exit and the HLT, the record of the instruction in progress,
 * TF kept out of PUSHF's copy, a signal, and the guest debug as it was
 * afterwards.
 */
static void trace_guest(uint8_t *mem)
{
	struct hvdbg_trace_rec rec[8], *big;
	struct kvm_regs regs;
	pthread_t t;
	uint64_t i, bad;
	int r;

	debug(0, 0, 0);
	set_rip(CODE);
	r = trace(8, rec);
	expect_eq("trace to the OUT: one instruction", r, 1);
	expect_eq("trace to the OUT: KVM_EXIT_IO", run->exit_reason,
		  KVM_EXIT_IO);
	expect_eq("trace to the OUT: port", run->io.port, 0x80);
	expect_eq("trace: record 0 is the MOV", rec[0].rip, CODE);
	expect_eq("trace: record 0's CS", rec[0].cs, 0);
	expect_eq("trace: record 1 is the OUT in progress", rec[1].rip,
		  CODE + 2);
	r = trace(8, rec);
	expect_eq("trace on from the OUT: one instruction", r, 1);
	expect_eq("trace on from the OUT: the OUT completed", rec[0].rip,
		  CODE + 2);
	expect_eq("trace on from the OUT: stopped at the IN",
		  run->exit_reason, KVM_EXIT_IO);
	expect_eq("trace on from the OUT: IN's port", run->io.port, 0x81);
	expect_eq("trace on from the OUT: the IN in progress", rec[1].rip,
		  CODE + 4);
	*((uint8_t *)run + run->io.data_offset) = 0xa5;
	r = trace(8, rec);
	expect_eq("trace over the IN: one instruction", r, 1);
	expect_eq("trace over the IN: its record", rec[0].rip, CODE + 4);
	expect_eq("trace over the IN: KVM_EXIT_HLT", run->exit_reason,
		  KVM_EXIT_HLT);
	ioctl(vcpu_fd, KVM_GET_REGS, &regs);
	expect_eq("trace over the IN: the data in AL", regs.rax & 0xff, 0xa5);
	expect_eq("trace: HLT's record", rec[1].rip, CODE + 6);

	set_rip(CODE + 0x80);
	r = trace(3, rec);
	expect_eq("trace pushf/pop/nop: three instructions", r, 3);
	expect_eq("trace pushf/pop/nop: records",
		  rec[0].rip | rec[1].rip << 16 | rec[2].rip << 32,
		  (CODE + 0x80) | (CODE + 0x81ULL) << 16 |
		  (CODE + 0x82ULL) << 32);
	ioctl(vcpu_fd, KVM_GET_REGS, &regs);
	expect_eq("trace: PUSHF pushed the guest's TF (clear)",
		  regs.rax & 0x100, 0);
	expect_eq("trace: TF hidden from the registers", regs.rflags & 0x100,
		  0);

	/* jmp . forever: a record per HVDBG_TRACE_SAME_PC traps, until a
	 * signal; meanwhile the memory slots are busy. */
	big = calloc(HVDBG_TRACE_MAX, sizeof(*big));
	main_thread = pthread_self();
	busy_errno = 0;
	pthread_create(&t, NULL, kicker, mem);
	r = trace(HVDBG_TRACE_MAX, big);
	pthread_join(t, NULL);
	result(r > 0 && r < (int)HVDBG_TRACE_MAX,
	       "trace of jmp . ends on a signal with a count (%d)", r);
	expect_eq("trace of jmp .: KVM_EXIT_INTR", run->exit_reason,
		  KVM_EXIT_INTR);
	expect_eq("trace of jmp .: region change while tracing: EBUSY",
		  busy_errno, EBUSY);
	for (i = 0, bad = 0; r > 0 && i < (uint64_t)r; i++)
		if (big[i].rip != CODE + 0x83)
			bad++;
	expect_eq("trace of jmp .: every record at the jmp", bad, 0);
	free(big);
	run->immediate_exit = 1;
	expect_eq("trace with immediate_exit: EINTR", trace(8, rec), -EINTR);
	run->immediate_exit = 0;

	/* The guest debug is back as it was: KVM_RUN does not step. */
	set_rip(CODE);
	r = run_once();
	expect_eq("after a trace, KVM_RUN runs free to the OUT",
		  r < 0 ? ~0U : run->exit_reason, KVM_EXIT_IO);
}

/* One catchpoint exit: what and where. */
static void expect_catch(const char *what, uint32_t exception, uint64_t pc)
{
	char m[128];
	int r = run_once();

	snprintf(m, sizeof(m), "catch %s: KVM_EXIT_DEBUG", what);
	expect_eq(m, r < 0 ? ~0U : run->exit_reason, KVM_EXIT_DEBUG);
	snprintf(m, sizeof(m), "catch %s: the event", what);
	expect_eq(m, run->debug.arch.exception, exception);
	snprintf(m, sizeof(m), "catch %s: before the instruction", what);
	expect_eq(m, run->debug.arch.pc, pc);
}

static void catchpoints(uint8_t *mem)
{
	struct hvdbg_catch c = { 0 };
	struct kvm_sregs sregs;

	expect_eq("HVDBG_CAP_CATCH",
		  ioctl(vm_fd, KVM_CHECK_EXTENSION, HVDBG_CAP_CATCH), 0xff);
	expect_err("catch: NULL argument",
		   ioctl(vcpu_fd, HVDBG_SET_CATCH, NULL), EFAULT);
	c.flags = 1U << 20;
	expect_err("catch: unknown flag",
		   ioctl(vcpu_fd, HVDBG_SET_CATCH, &c), EINVAL);
	c.flags = HVDBG_CATCH_EXCEPTION;
	c.exceptions = 1U << 3;
	expect_err("catch: #BP belongs to guest debug",
		   ioctl(vcpu_fd, HVDBG_SET_CATCH, &c), EINVAL);
	c.flags = 0;
	c.exceptions = 1U << 6;
	expect_err("catch: vectors without HVDBG_CATCH_EXCEPTION",
		   ioctl(vcpu_fd, HVDBG_SET_CATCH, &c), EINVAL);
	c.exceptions = 0;
	c.reserved[1] = 1;
	expect_err("catch: reserved field",
		   ioctl(vcpu_fd, HVDBG_SET_CATCH, &c), EINVAL);

	/* A descriptor at 0x2000 for LGDT/LIDT: the IVT where it is. */
	memset(mem + 0x2000, 0, 6);
	mem[0x2000] = 0xff;
	mem[0x2001] = 0x03;
	/* IVT entry 6 (#UD) -> CODE + 0x70 */
	mem[0x18] = (CODE + 0x70) & 0xff;
	mem[0x19] = (CODE + 0x70) >> 8;
	mem[0x1a] = mem[0x1b] = 0;

	memset(&c, 0, sizeof(c));
	c.flags = 0xff;
	c.exceptions = 1U << 6;
	expect_ok("catch: arm everything", ioctl(vcpu_fd, HVDBG_SET_CATCH, &c));
	set_rip(CODE + 0x40);
	expect_catch("cr0", HVDBG_EXIT_CR | 0, CODE + 0x43);
	expect_catch("cr3", HVDBG_EXIT_CR | 3, CODE + 0x46);
	expect_catch("cr4", HVDBG_EXIT_CR | 4, CODE + 0x52);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	expect_eq("catch cr4: CR4 not written yet", sregs.cr4 & 0x200, 0);
	expect_catch("gdt", HVDBG_EXIT_DT | 'G', CODE + 0x55);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	expect_eq("catch cr4: CR4 written on resume", sregs.cr4 & 0x200,
		  0x200);
	expect_catch("idt", HVDBG_EXIT_DT | 'I', CODE + 0x5a);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	expect_eq("catch gdt: GDTR loaded on resume", sregs.gdt.limit, 0x3ff);
	expect_catch("efer", HVDBG_EXIT_EFER, CODE + 0x67);
	expect_catch("exception 6", HVDBG_EXIT_EXCEPTION | 6, CODE + 0x69);
	expect_eq("catch exception 6: no error code", run->debug.arch.dr6, 0);
	run_once();
	expect_eq("catch exception 6: delivered on resume", run->exit_reason,
		  KVM_EXIT_IO);
	expect_eq("catch exception 6: the guest's #UD handler ran",
		  run->io.port, 0x83);
	memset(&c, 0, sizeof(c));
	expect_ok("catch: disarm", ioctl(vcpu_fd, HVDBG_SET_CATCH, &c));
}

static void guest(uint8_t *mem, uint8_t *spare)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	pthread_t t;
	int r;

	memcpy(mem + CODE, code, sizeof(code));
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	expect_eq("reset CS base", sregs.cs.base, 0xffff0000);
	expect_eq("reset RIP", rip(), 0xfff0);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.interrupt_bitmap[0] = 0;
	expect_ok("sregs: real mode at 0", ioctl(vcpu_fd, KVM_SET_SREGS,
						 &sregs));
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rflags = 2;
	expect_ok("regs: RIP at the code", ioctl(vcpu_fd, KVM_SET_REGS, &regs));

	r = run_once();
	expect_ok("run to the OUT", r);
	expect_eq("OUT: KVM_EXIT_IO", run->exit_reason, KVM_EXIT_IO);
	expect_eq("OUT: port", run->io.port, 0x80);
	expect_eq("OUT: direction", run->io.direction, KVM_EXIT_IO_OUT);
	expect_eq("OUT: data", *((uint8_t *)run + run->io.data_offset), 0x42);
	expect_eq("OUT: RIP at the instruction", rip(), CODE + 2);

	r = run_once();
	expect_eq("IN: KVM_EXIT_IO", run->exit_reason, KVM_EXIT_IO);
	expect_eq("IN: port", run->io.port, 0x81);
	expect_eq("IN: direction", run->io.direction, KVM_EXIT_IO_IN);
	*((uint8_t *)run + run->io.data_offset) = 0x5a;
	r = run_once();
	expect_eq("HLT: KVM_EXIT_HLT", run->exit_reason, KVM_EXIT_HLT);
	ioctl(vcpu_fd, KVM_GET_REGS, &regs);
	expect_eq("IN: data in AL", regs.rax & 0xff, 0x5a);
	expect_eq("HLT: RIP past it", regs.rip, CODE + 7);

	debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0, 0);
	r = run_once();
	expect_eq("step: KVM_EXIT_DEBUG", run->exit_reason, KVM_EXIT_DEBUG);
	expect_eq("step: #DB", run->debug.arch.exception, 1);
	expect_eq("step: DR6.BS", (run->debug.arch.dr6 >> 14) & 1, 1);
	expect_eq("step: one instruction", run->debug.arch.pc, CODE + 8);
	ioctl(vcpu_fd, KVM_GET_REGS, &regs);
	expect_eq("step: TF hidden from the registers",
		  regs.rflags & 0x100, 0);

	debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, 0, 0);
	r = run_once();
	expect_eq("int3: KVM_EXIT_DEBUG", run->exit_reason, KVM_EXIT_DEBUG);
	expect_eq("int3: #BP", run->debug.arch.exception, 3);
	expect_eq("int3: at the int3", run->debug.arch.pc, CODE + 9);

	set_rip(CODE + 10);
	debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, CODE + 11, 1);
	r = run_once();
	expect_eq("DR0: KVM_EXIT_DEBUG", run->exit_reason, KVM_EXIT_DEBUG);
	expect_eq("DR0: #DB", run->debug.arch.exception, 1);
	expect_eq("DR0: DR6.B0", run->debug.arch.dr6 & 1, 1);
	expect_eq("DR0: at the breakpoint", run->debug.arch.pc, CODE + 11);

	/* A guest spinning at jmp . leaves on a signal. */
	debug(0, 0, 0);
	main_thread = pthread_self();
	pthread_create(&t, NULL, kicker, mem);
	r = run_once();
	expect_err("spinning guest: KVM_RUN on a signal", r, EINTR);
	expect_eq("spinning guest: KVM_EXIT_INTR", run->exit_reason,
		  KVM_EXIT_INTR);
	pthread_join(t, NULL);
	expect_eq("region change while running: EBUSY", busy_errno, EBUSY);
	expect_eq("spinning guest: still at jmp .", rip(), CODE + 11);
	run->immediate_exit = 1;
	expect_err("immediate_exit", run_once(), EINTR);
	run->immediate_exit = 0;
	(void)spare;
	trace_guest(mem);

	/* CS=0x2000: the code is in slot 3, whose memory is PROT_NONE. */
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.cs.base = 0x20000;
	sregs.cs.selector = 0x2000;
	ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
	set_rip(0);
	expect_err("guest in inaccessible user memory: KVM_RUN", run_once(),
		   EFAULT);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);

	/* KVM_INTERRUPT and the interrupt window: IVT entry 0x20 points
	 * at CODE + 0x20; the guest enables interrupts at CODE + 0x30. */
	mem[0x80] = (CODE + 0x20) & 0xff;
	mem[0x81] = (CODE + 0x20) >> 8;
	mem[0x82] = mem[0x83] = 0;
	set_rip(CODE + 0x30);
	run->request_interrupt_window = 1;
	r = run_once();
	expect_eq("interrupt window: KVM_EXIT_IRQ_WINDOW_OPEN",
		  run->exit_reason, KVM_EXIT_IRQ_WINDOW_OPEN);
	expect_eq("interrupt window: IF set", run->if_flag, 1);
	expect_eq("interrupt window: ready for injection",
		  run->ready_for_interrupt_injection, 1);
	run->request_interrupt_window = 0;
	{
		struct kvm_interrupt irq = { .irq = 0x20 };

		expect_ok("KVM_INTERRUPT 0x20 into the guest",
			  ioctl(vcpu_fd, KVM_INTERRUPT, &irq));
	}
	r = run_once();
	expect_eq("interrupt: the handler's OUT", run->exit_reason,
		  KVM_EXIT_IO);
	expect_eq("interrupt: the handler's port", run->io.port, 0x82);

	catchpoints(mem);

	/* No IVT to speak of: #UD, #GP, #DF, shutdown. */
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.idt.limit = 0;
	ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
	set_rip(CODE + 0x10);
	r = run_once();
	expect_eq("triple fault: KVM_EXIT_SHUTDOWN", run->exit_reason,
		  KVM_EXIT_SHUTDOWN);
	expect_eq("triple fault: state kept (RIP at the ud2)", rip(),
		  CODE + 0x10);
	ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	expect_eq("triple fault: state kept (IDT limit)", sregs.idt.limit, 0);
	r = run_once();
	expect_eq("triple fault: it stays", run->exit_reason,
		  KVM_EXIT_SHUTDOWN);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/hvdbg";
	struct sigaction sa;
	uint8_t *mem, *spare;
	int dev, dev2, vm2, vcpu2, i;
	void *run2;

	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("UNSUPPORTED: %s: %s\n", path, strerror(errno));
		return 77;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* User memory the process itself may not touch. */
	spare = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);

	bad_arguments(dev, mem, spare);
	guest(mem, spare);

	/* Close in unusual orders: VM before vCPU, device first, the run
	 * page last. */
	close(vm_fd);
	close(dev);
	expect_eq("run page readable after its fds' siblings are gone",
		  run->exit_reason, KVM_EXIT_SHUTDOWN);
	close(vcpu_fd);
	munmap(run, 4096);

	for (i = 0; i < 3; i++) {
		dev2 = open(path, O_RDWR);
		vm2 = ioctl(dev2, KVM_CREATE_VM, 0);
		vcpu2 = ioctl(vm2, KVM_CREATE_VCPU, i);
		run2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			    vcpu2, 0);
		if (i == 0) {
			munmap(run2, 4096);
			close(vcpu2);
			close(vm2);
		} else if (i == 1) {
			close(vm2);
			munmap(run2, 4096);
			close(vcpu2);
		} else {
			close(vcpu2);
			close(vm2);
			munmap(run2, 4096);
		}
		close(dev2);
	}
	expect_eq("module reference count back to 0", refcount(), 0);

	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
