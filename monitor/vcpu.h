/*
 * Virtual CPUs: one thread each, running the backend's run loop and
 * dispatching exits.  The GDB side never touches a running vCPU: it asks
 * it to continue or step (vcpu__resume returns at once) or to stop
 * (vcpu__kick), and the vCPU thread itself reports each stop.
 */
#ifndef HVDBG_VCPU_H
#define HVDBG_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gdbstub/gdbstub.h"
#include "monitor/backend.h"
#include "monitor/lapic.h"

struct machine;

enum vcpu_cmd {
	VCPU_CMD_NONE,		/* parked: stopped, waiting for GDB */
	VCPU_CMD_CONT,
	VCPU_CMD_STEP,
	VCPU_CMD_RANGE,		/* step while pc is in [range_start, range_end) */
	VCPU_CMD_TRACE,		/* trace_n steps, logged, no stop report */
	VCPU_CMD_QUIT,		/* leave the thread */
};

struct vcpu {
	struct machine *m;
	int index;		/* GDB's tid is index + 1 */
	struct backend_vcpu bv;
	pthread_t thread;
	/* The thread exists and has not been joined. */
	bool started;
	/* Words for GDB on the last stop (gdbstub_stop.message); written
	 * by the vCPU thread before it reports the stop. */
	char stop_msg[GDBSTUB_MESSAGE_MAX];
	/* Accesses to nothing told on stderr so far (no debugger). */
	int nodev_reported;
	/*
	 * All-stop: this vCPU stopped for a reason of its own (breakpoint,
	 * watchpoint, fault) while another vCPU's stop was being reported.
	 * The next resume that would run it reports this stop instead, so
	 * no hit is lost.  Written by the vCPU thread while it parks, read
	 * and cleared by the resume while every vCPU is stopped.
	 */
	bool has_pending;
	struct gdbstub_stop pending;
	/* The last entry was a single step (vCPU thread only): a free
	 * run after it guards its first entry (vcpu__run_loop). */
	bool stepped;
	/* hvdbg's local APIC registers (no in-kernel irqchip; lapic.c). */
	struct lapic apic;

	pthread_mutex_t lock;	/* guards the fields below */
	pthread_cond_t cond;
	enum vcpu_cmd cmd;
	/* GDB's vCont;r range (linear PCs) for VCPU_CMD_RANGE. */
	uint64_t range_start, range_end;
	/* VCPU_CMD_TRACE: how many steps, where CS:RIP lines go, how
	 * many were done and why it ended early; trace_active is set by
	 * the requester and cleared by the vCPU thread when done. */
	uint64_t trace_n, trace_done;
	FILE *trace_out;
	bool trace_active;
	char trace_why[96];
	/* The steps ran inside the driver (HVDBG_TRACE). */
	bool trace_in_driver;
	/* Between taking a command and parking again. */
	bool running;
	/* Stop requested by GDB (Ctrl-C): stop at the next exit with
	 * SIGINT.  immediate_exit and a signal back it up so a guest
	 * spinning without exits is stopped too. */
	bool kick;
	/* Last instruction was HLT with nothing to wake it: a continue
	 * idles instead of running the guest. */
	bool halted;
	/* A triple fault put the CPU in shutdown, which only INIT or
	 * RESET leave: a continue or step reports the same stop again
	 * instead of running whatever state the backend left. */
	bool shutdown;
	/*
	 * hvdbg's INIT/SIPI model (no in-kernel irqchip).  wait_sipi: an
	 * application processor after INIT; its thread blocks in the
	 * monitor where KVM's would block in KVM_RUN.  init: an INIT came
	 * while the thread was running, and the thread itself puts the
	 * INIT state in at its next entry.  sipi: a STARTUP's vector for
	 * the thread to apply, -1 while none came.
	 */
	bool wait_sipi;
	bool init;
	int sipi;

	/*
	 * Registers as of the last exit, read at most once per exit: a
	 * stepped continue looks at them after every instruction.  Only the
	 * vCPU thread uses them, only while it runs a command.  The
	 * backend fills them from the run area where KVM copies them out on
	 * every exit (KVM_CAP_SYNC_REGS), saving two ioctls per step.
	 */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	bool regs_ok, sregs_ok;
};

/* Create the vCPU (backend object and run area); no thread yet. */
int vcpu__create(struct machine *m, int index, struct vcpu **out);
/*
 * Start the thread.  hold: park before the first instruction (-S); the
 * caller reports the initial stop.  Otherwise run freely.
 */
int vcpu__start(struct vcpu *v, bool hold);
void vcpu__resume(struct vcpu *v, enum vcpu_cmd cmd);
/* Step until the linear PC leaves [start, end), a breakpoint, or a
 * stop of any other kind: one stop for GDB's whole range. */
void vcpu__resume_range(struct vcpu *v, uint64_t start, uint64_t end);
/*
 * Single-step a parked vCPU n times inside hvdbg, writing the CS:RIP of
 * each instruction before it runs to out, and wait until done; nothing is
 * reported to GDB.  Ends early at anything but a plain step (a fault,
 * a watchpoint, shutdown, the guest's exit): *why then says what, else
 * it is "".  Returns the number of instructions stepped.
 */
uint64_t vcpu__trace(struct vcpu *v, uint64_t n, FILE *out, char *why,
		     size_t why_size);
/* Ctrl-C during vcpu__trace(): end the trace at the next step. */
void vcpu__interrupt_trace(struct vcpu *v);
/* Stop a running vCPU; returns false when it was already parked. */
bool vcpu__kick(struct vcpu *v);
bool vcpu__is_running(struct vcpu *v);
/* Ask the thread to leave and wait for it; nothing if it never ran. */
void vcpu__stop_thread(struct vcpu *v);
/* Stop the thread, destroy the backend vCPU and free v. */
void vcpu__free(struct vcpu *v);

/* Real-mode start: CS = seg (base seg * 16), IP = ip; or reset state. */
int vcpu__set_real_entry(struct vcpu *v, uint16_t seg, uint16_t ip);
int vcpu__set_reset_entry(struct vcpu *v);
/* The same on a bare backend vCPU (the probe's). */
int vcpu__bv_real_entry(struct backend_vcpu *bv, uint16_t seg, uint16_t ip);

/* Report st, a stop of parked v, to the console and GDB. */
void vcpu__tell(struct vcpu *v, struct gdbstub_stop *st);

/* KVM_MP_STATE_* of the vCPU, or a negative errno where the backend
 * has no such state (no in-kernel local APIC). */
int vcpu__mp_state(struct vcpu *v);
/* An application processor: it runs only after INIT and SIPI reach it
 * through its local APIC (the accelerator's, or hvdbg's model). */
int vcpu__wait_for_sipi(struct vcpu *v);
/* hvdbg's model: an INIT or STARTUP IPI for t, from any vCPU thread. */
void vcpu__deliver_init(struct vcpu *t);
void vcpu__deliver_sipi(struct vcpu *t, uint8_t vec);
/* "long mode, halted", "real mode, waiting for SIPI", "running"...:
 * what the thread list and "info threads" say of the vCPU. */
void vcpu__state(struct vcpu *v, char *buf, size_t size);

/* Registers, code bytes and mode on stderr, for fatal exits. */
void vcpu__dump(struct vcpu *v, const char *why);

#endif
