/*
 * rawstep: the backend's own single-step rate, the anchor of the trace
 * benchmark.  It does with bare ioctls what a debugger's step costs at the
 * least: one KVM_RUN with KVM_GUESTDBG_SINGLESTEP per instruction, nothing
 * else — no registers read, no breakpoint policy, no logging.  The guest
 * is the benchmark's boot sector, run in real mode from 0000:7c00.
 *
 * Usage: rawstep IMAGE STEPS [DEVICE]
 * Prints "bench rawstep <instructions per second>", or one error line and
 * exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE	(1 << 20)
#define LOAD_ADDR	0x7c00

static void die(const char *what)
{
	fprintf(stderr, "rawstep: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_guest_debug dbg = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	struct timespec t0, t1;
	long steps, i, size;
	int kvm, vm, cpu, img;
	uint8_t *ram;
	double dt;

	if (argc < 3 || (steps = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: rawstep IMAGE STEPS [DEVICE]\n");
		return 2;
	}
	kvm = open(argc > 3 ? argv[3] : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die(argc > 3 ? argv[3] : "/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	img = open(argv[1], O_RDONLY);
	if (img < 0)
		die(argv[1]);
	size = read(img, ram + LOAD_ADDR, RAM_SIZE - LOAD_ADDR);
	if (size <= 0)
		die(argv[1]);
	close(img);
	region.memory_size = RAM_SIZE;
	region.userspace_addr = (unsigned long)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (cpu < 0)
		die("KVM_CREATE_VCPU");
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(cpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	if (ioctl(cpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	regs.rip = LOAD_ADDR;
	regs.rflags = 2;
	if (ioctl(cpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
	dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	if (ioctl(cpu, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		die("KVM_SET_GUEST_DEBUG");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < steps; i++) {
		if (ioctl(cpu, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_DEBUG) {
			fprintf(stderr, "rawstep: exit %u after %ld steps, "
				"not a debug exit\n", run->exit_reason, i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("bench rawstep %.1f\n", steps / dt);
	return 0;
}
