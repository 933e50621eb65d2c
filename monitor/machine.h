/*
 * The virtual PC as a whole: the accelerator VM, guest RAM and BIOS ROM,
 * the I/O bus with its devices, the vCPUs, the debug state they share and
 * the GDB server.  One struct machine per hvdbg process; nothing in it is
 * global so that tests and the probe can build machines of their own.
 */
#ifndef HVDBG_MACHINE_H
#define HVDBG_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor/backend.h"
#include "monitor/debug.h"
#include "monitor/io.h"

#define MACHINE_MAX_VCPUS	8
/* Guest RAM must end below the PCI hole. */
#define MACHINE_MAX_RAM		(3ULL << 30)

#define MEM_SLOT_RAM		0
#define MEM_SLOT_ROM		1

struct vcpu;
struct gdbstub;
struct probe_table;

struct machine {
	struct backend be;
	struct backend_vm vm;

	uint8_t *ram;
	uint64_t ram_size;
	/* BIOS image mapped read-only just below 4 GiB. */
	uint8_t *rom;
	uint64_t rom_gpa;
	uint64_t rom_size;

	struct io_bus io;
	struct debug_state dbg;
	/* PIC, IOAPIC, APICs and PIT are the accelerator's: a HLT waits
	 * there for an interrupt and never exits to the monitor. */
	bool irqchip;

	struct vcpu *vcpus[MACHINE_MAX_VCPUS];
	int nr_vcpus;
	/*
	 * The vCPU that registers, memory and commands apply to: GDB's Hg
	 * thread, the console's "thread N", or the one whose stop was
	 * reported last.  Changed only while every vCPU is stopped.
	 */
	int cur;

	/*
	 * Stepped runs of several vCPUs take turns, one instruction each:
	 * a watched byte that changed was then written by the vCPU that
	 * checks it, and the stop names the right thread.  step_busy: a
	 * turn is taken; step_last: whose, so that it lets a waiting vCPU
	 * go next; step_turn counts turns; step_stuck is a turn found
	 * blocked in the kernel (a HLT with an in-kernel irqchip waits
	 * there for an interrupt), which the others stop waiting for.
	 */
	pthread_mutex_t step_lock;
	pthread_cond_t step_cond;
	bool step_busy;
	int step_last, step_waiters;
	unsigned long step_turn, step_stuck;

	/* "monitor phys on": GDB's memory packets take guest-physical
	 * addresses, to look past the guest's page tables.  Breakpoint
	 * addresses stay linear.  Set and read on the GDB thread. */
	bool phys_addr;

	/*
	 * "monitor catch mode": KVM has no intercept for CR0 or EFER
	 * writes, so while this is set a continue single-steps and stops
	 * after any instruction that changed CR0.PE, CR0.PG or EFER.LMA.
	 * Set on the GDB thread while every vCPU is stopped.
	 */
	bool catch_mode;
	/*
	 * "monitor catch cr0|cr3|cr4|efer|gdt|idt|exception N|triple-fault":
	 * catchpoints the accelerator stops on itself (/dev/hvdbg, the
	 * HVDBG_CATCH_* flags and exception vectors).  Set on the GDB or
	 * console thread while every vCPU is stopped.
	 */
	uint32_t hw_catch;
	uint32_t hw_catch_exceptions;
	/* The last catch event in words, for "monitor catch" (a stop
	 * cannot print anything); "" before the first.  Written by the
	 * vCPU thread before it reports the stop. */
	char catch_last[128];

	/* NULL without --gdb/-s; stops are reported to it when set. */
	struct gdbstub *gdb;

	/*
	 * Serializes whoever inspects or drives the stopped machine: the
	 * GDB thread holds it in every target op, the console for each
	 * command, so a console command never sees a vCPU GDB resumes
	 * half-way and vice versa.  Recursive: commands call target ops.
	 */
	pthread_mutex_t cmd_lock;
	/* Told of every stop by the vCPU thread that stopped, before GDB
	 * is (the console's "stopped: ..." line); NULL: none. */
	void (*on_stop)(struct machine *m, int index,
			const struct gdbstub_stop *st);
	/* Console running: SIGINT from its terminal interrupts what the
	 * console does instead of ending hvdbg (the shutdown thread,
	 * which takes every SIGINT, calls this). */
	void (*on_sigint)(void);

	/* Probe results, filled on the first Z packet: they decide how
	 * each breakpoint is delivered.  probe_failed: the probe could not
	 * run, so the hardware is trusted as it claims. */
	struct probe_table *probe;
	bool probe_failed;

	/*
	 * Guards the fields below.  The vCPU that ends the machine (debug
	 * exit port, kill, fatal error without a debugger) sets exited and
	 * wakes main(), which owns process exit.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool exited;
	int exit_status;
	/* A stop has been reported since the last resume (all-stop). */
	bool stop_reported;
	/*
	 * All-stop: a vCPU has stopped since the last resume and is
	 * stopping the others; their own stops (the kick) are not
	 * reported.  Set by that vCPU, cleared by whoever resumes; the
	 * resume hands out all its commands under the lock, so a kick
	 * never falls between two of them.
	 */
	bool stopping;
};

/* The selected vCPU (machine.cur). */
struct vcpu *machine__cur(struct machine *m);

int machine__init(struct machine *m, const char *accel, uint64_t ram_size);
/* Map a BIOS image: the tail below 1 MiB in RAM, all of it below 4G. */
int machine__map_rom(struct machine *m, const uint8_t *image, size_t size);
void machine__destroy(struct machine *m);

/*
 * Host pointer for guest-physical [gpa, gpa+len) when it lies inside RAM
 * or ROM, else NULL.  The debugger may write ROM through it.
 */
uint8_t *machine__gpa_to_host(struct machine *m, uint64_t gpa, size_t len);

/*
 * End the machine with status: tells GDB ("W" with the status) when one
 * is attached, then wakes main().  Safe from any thread; first call wins.
 */
void machine__exit(struct machine *m, int status);
bool machine__exited(struct machine *m);
/* Block main() until the machine has ended; returns the exit status. */
int machine__wait(struct machine *m);

#endif
