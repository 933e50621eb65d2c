/*
 * rawstep: the backend's own single-step rate, the anchor of the trace
 * benchmark.  It does with bare ioctls what a debugger's step costs at the
 * least: one KVM_RUN with KVM_GUESTDBG_SINGLESTEP per instruction, nothing
 * else — no registers read, no breakpoint policy, no logging.  The guest
 * is the benchmark's boot sector, run in real mode from 0000:7c00.
 *
 * With --exit it times the other round trip a VMM lives on instead: a
 * guest looping on "out %al, $0x80; jmp" and one KVM_RUN per
 * KVM_EXIT_IO, no single-step armed: the device's exit-to-user latency.
 * Both modes take the device to compare (/dev/kvm, /dev/hvdbg), so one
 * binary measures upstream KVM and the project's driver alike.
 *
 * Usage: rawstep IMAGE STEPS [DEVICE]
 *        rawstep --exit EXITS [DEVICE]
 * Prints "bench rawstep <instructions per second>" or "bench rawexit
 * <exits per second>", or one error line and exits 1 (2 on bad usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
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
#define EXIT_PORT	0x80

/* out %al, $0x80; jmp back to it */
static const uint8_t exit_loop[] = { 0xe6, EXIT_PORT, 0xeb, 0xfc };

static void die(const char *what)
{
	fprintf(stderr, "rawstep: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* --exit: KVM_RUN to KVM_EXIT_IO on the guest's OUT, n times. */
static int run_exits(int cpu, struct kvm_run *run, long n)
{
	struct timespec t0;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (ioctl(cpu, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO ||
		    run->io.port != EXIT_PORT ||
		    run->io.direction != KVM_EXIT_IO_OUT) {
			fprintf(stderr, "rawstep: exit %u after %ld exits, "
				"not the OUT to port 0x%x\n",
				run->exit_reason, i, EXIT_PORT);
			return 1;
		}
	}
	printf("bench rawexit %.1f\n", n / seconds_since(&t0));
	return 0;
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_guest_debug dbg = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	struct timespec t0;
	long steps, i, size;
	int kvm, vm, cpu, img;
	const char *dev;
	bool exits;
	uint8_t *ram;
	char *end;
	double dt;

	exits = argc > 1 && !strcmp(argv[1], "--exit");
	if (argc < 3 || argc > 4 ||
	    (steps = strtol(argv[2], &end, 0)) <= 0 || *end) {
		fprintf(stderr, "usage: rawstep IMAGE STEPS [DEVICE] | "
			"rawstep --exit EXITS [DEVICE]\n");
		return 2;
	}
	dev = argc > 3 ? argv[3] : "/dev/kvm";
	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die(dev);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	if (exits) {
		memcpy(ram + LOAD_ADDR, exit_loop, sizeof(exit_loop));
	} else {
		img = open(argv[1], O_RDONLY);
		if (img < 0)
			die(argv[1]);
		size = read(img, ram + LOAD_ADDR, RAM_SIZE - LOAD_ADDR);
		if (size <= 0) {
			if (!size)
				errno = ENODATA;
			die(argv[1]);
		}
		close(img);
	}
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
	if (exits)
		return run_exits(cpu, run, steps);
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
	dt = seconds_since(&t0);
	printf("bench rawstep %.1f\n", steps / dt);
	return 0;
}
