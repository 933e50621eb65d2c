/*
 * The vCPU thread and its exit dispatch.
 *
 * Each vCPU thread parks until GDB gives it a command (continue or step),
 * runs the guest until something worth a stop happens, reports that stop
 * to the GDB server itself and parks again.  Without a debugger it gets
 * one "continue" at start and only stops on a fatal exit.
 *
 * Stepping follows DESIGN.md's robustness rules because backends disagree
 * about what a step looks like: the guest-debug block is armed before
 * every step (kvm.c skips the system call where that is safe), a debug
 * exit that leaves RIP where it was is not a step (step again, a bounded
 * number of times), and an I/O, MMIO or HLT exit whose RIP has moved
 * completes the step after the I/O is served.
 *
 * A continue while some armed breakpoint is not delivered by the hardware
 * in the CPU's current mode (debug.c decides from the probe) becomes a
 * stepped run: the same step, one instruction at a time, with debug.c
 * comparing the linear PC and the watched bytes after each.  It goes
 * back to a free run when a mode switch makes the hardware enough.
 * "monitor catch mode" makes every continue a stepped run too, and
 * compares CR0.PE, CR0.PG and EFER.LMA before and after each instruction.
 *
 * A kick (GDB's Ctrl-C) sets a flag, sets run->immediate_exit and sends
 * SIGUSR1 to the thread, so KVM_RUN returns -EINTR whether the signal
 * lands before or during the ioctl.
 *
 * With several vCPUs the machine is all-stop: the first vCPU to stop
 * since a resume kicks the others and reports only once they are all
 * parked, so GDB never touches a running vCPU; the others' stops are
 * the kick's, except a stop of their own, which is kept for the next
 * resume.  Stepped runs take turns, one instruction each, so that a
 * watched write is seen by the vCPU that made it.  Application
 * processors wait for SIPI inside KVM_RUN (in-kernel local APIC), where
 * a kick reaches them like any other.  Without an in-kernel irqchip they
 * wait in the monitor instead (vcpu__await_sipi), at the same point of
 * the run loop, for the STARTUP of hvdbg's local APIC model (lapic.c);
 * a kick wakes them there too.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdbstub/gdbstub.h"
#include "hvdbg/uapi.h"
#include "monitor/debug.h"
#include "monitor/exitinfo.h"
#include "monitor/machine.h"
#include "monitor/mmu.h"
#include "monitor/trapflag.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

#define VCPU_KICK_SIGNAL	SIGUSR1
/* Debug exits at an unchanged RIP tolerated before a step gives up. */
#define VCPU_STEP_RETRIES	8
/* How long a stepping vCPU waits for another's turn before taking that
 * vCPU for blocked in the kernel (a HLT): far above one step's time. */
#define VCPU_TURN_WAIT_MS	50
/* Accesses to nothing reported on stderr when no debugger stops them. */
#define VCPU_NODEV_REPORTS	4
/* Where the PC's device window (LAPIC, IOAPIC, PCI BARs, flash) lies:
 * firmware probes there, so an access there is not a guest bug. */
#define PCI_HOLE_START		(3ULL << 30)
#define PCI_HOLE_END		(4ULL << 30)

/* The bits whose change "monitor catch mode" stops on. */
#define CR0_PE			(1ULL << 0)
#define CR0_PG			(1ULL << 31)
#define EFER_LMA		(1ULL << 10)

/* A single-step trap, for the guest whose own the guard took. */
#define DB_VECTOR		1
#define DR6_BS			(1ULL << 14)

/* Handler results; see the table below. */
enum {
	EXIT_END = -1,		/* the machine has ended */
	EXIT_STOP = 0,		/* report ctx->st to GDB */
	EXIT_REENTER = 1,	/* run the guest again */
	EXIT_STEP_DONE = 2,	/* one instruction retired while stepping */
	EXIT_FREE = 3,		/* stepped run: the hardware suffices now */
};

struct run_ctx {
	bool step;
	uint64_t lift;		/* breakpoint not to fire on this step */
	/* A prebuilt guest-debug block re-issued before every step
	 * instead of rebuilding it (stepped runs); NULL: debug__arm. */
	const struct kvm_guest_debug *blk;
	uint64_t start_pc;	/* linear PC before this step or free run */
	/* Free run: the block to issue once the guard of vcpu__run_loop
	 * is done; NULL: none.  guarded: the exit being handled came
	 * from a guarded entry, and this was the run's own block. */
	const struct kvm_guest_debug *after_guard;
	const struct kvm_guest_debug *guarded;
	int retries;
	/* The last exit was I/O or MMIO: KVM finishes it on re-entry. */
	bool pending;
	/* v->bv.run already holds this step's first exit (one that
	 * HVDBG_TRACE returned early): handle it before entering. */
	bool have_exit;
	/* State before the instruction being stepped: kvm_amd INITs the
	 * vCPU on a shutdown, so this is all that is left of a triple
	 * fault's state.  snap_ok: taken for this step. */
	bool snap_ok;
	struct kvm_regs snap_regs;
	struct kvm_sregs snap_sregs;
	struct gdbstub_stop st;
};

static void vcpu__kick_handler(int sig)
{
	(void)sig;
}

static void vcpu__install_kick_handler(void)
{
	struct sigaction sa = { .sa_handler = vcpu__kick_handler };

	/* No SA_RESTART: KVM_RUN must come back with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

int vcpu__create(struct machine *m, int index, struct vcpu **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct vcpu *v = xzalloc(sizeof(*v));
	int r;

	pthread_once(&once, vcpu__install_kick_handler);

	v->m = m;
	v->index = index;
	v->sipi = -1;
	lapic__reset(v);
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	r = m->be.ops->vcpu_create(&m->vm, index, &v->bv);
	if (r < 0)
		return r;
	*out = v;
	return 0;
}

/* The guest ran (or GDB wrote registers): the cached copies are old. */
static void vcpu__invalidate(struct vcpu *v)
{
	v->regs_ok = false;
	v->sregs_ok = false;
}

static const struct kvm_regs *vcpu__regs(struct vcpu *v)
{
	if (v->regs_ok)
		return &v->regs;
	if (BE_CALL(&v->bv, get_regs, &v->regs) < 0)
		memset(&v->regs, 0, sizeof(v->regs));
	v->regs_ok = true;
	return &v->regs;
}

static const struct kvm_sregs *vcpu__sregs(struct vcpu *v)
{
	if (v->sregs_ok)
		return &v->sregs;
	if (BE_CALL(&v->bv, get_sregs, &v->sregs) < 0)
		memset(&v->sregs, 0, sizeof(v->sregs));
	v->sregs_ok = true;
	return &v->sregs;
}

static uint64_t vcpu__pc(struct vcpu *v)
{
	return mmu__linear_pc(vcpu__regs(v), vcpu__sregs(v));
}

static bool vcpu__kicked(struct vcpu *v)
{
	bool k;

	pthread_mutex_lock(&v->lock);
	k = v->kick || v->cmd == VCPU_CMD_QUIT;
	pthread_mutex_unlock(&v->lock);
	return k;
}

/* Let KVM apply a served I/O or MMIO before anyone looks at state. */
static void vcpu__finish_pending(struct vcpu *v, struct run_ctx *c)
{
	if (c->pending) {
		backend__complete_exit(&v->bv);
		vcpu__invalidate(v);
	}
	c->pending = false;
}

/*
 * A stop the guest did not ask for: say why on stderr with the vCPU's
 * state, and give GDB the same first line as console output before its
 * stop reply, so that the user sees it where they look.
 */
static int vcpu__fatal(struct vcpu *v, struct run_ctx *c, const char *why,
		       int signal)
{
	size_t n = strcspn(why, "\n");

	vcpu__dump(v, why);
	snprintf(v->stop_msg, sizeof(v->stop_msg), "hvdbg: vCPU %d: %.*s\n",
		 v->index + 1, (int)n, why);
	c->st.reason = GDBSTUB_STOP_SIGNAL;
	c->st.signal = signal;
	c->st.message = v->stop_msg;
	return EXIT_STOP;
}

/* An exit that moved RIP while stepping retired the instruction. */
static int vcpu__step_progress(struct vcpu *v, struct run_ctx *c)
{
	if (!c->step)
		return EXIT_REENTER;
	if (vcpu__pc(v) == c->start_pc)
		return EXIT_REENTER;
	vcpu__finish_pending(v, c);
	return EXIT_STEP_DONE;
}

static int handle_io(struct vcpu *v, struct run_ctx *c)
{
	io__handle_pio(&v->m->io, v->bv.run);
	if (machine__exited(v->m))
		return EXIT_END;
	c->pending = true;
	return vcpu__step_progress(v, c);
}

/* Is there nothing at all at gpa: no RAM, no ROM, not a device window? */
static bool vcpu__nothing_at(struct vcpu *v, uint64_t gpa)
{
	if (machine__gpa_to_host(v->m, gpa, 1))
		return false;
	return gpa < PCI_HOLE_START || gpa >= PCI_HOLE_END;
}

/*
 * A load or store where nothing is: past the end of RAM below the PCI
 * hole, or above 4 GiB.  It completes as on a PC's open bus (a read
 * gives all ones, a write is lost); then GDB gets a SIGBUS stop after
 * the instruction, or, with nobody debugging, stderr gets the first few
 * with the vCPU state and the guest goes on.
 */
static int vcpu__mmio_nothing(struct vcpu *v, struct run_ctx *c)
{
	struct kvm_run *run = v->bv.run;
	char why[160];

	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	snprintf(why, sizeof(why),
		 "%s of %u bytes at guest-physical 0x%llx, where there is "
		 "no RAM, ROM or device (%s)",
		 run->mmio.is_write ? "write" : "read", run->mmio.len,
		 (unsigned long long)run->mmio.phys_addr,
		 run->mmio.is_write ? "the write is lost" :
				      "it reads as all ones");
	c->pending = true;
	vcpu__finish_pending(v, c);
	if (v->m->gdb)
		return vcpu__fatal(v, c, why, GDBSTUB_SIGBUS);
	if (v->nodev_reported < VCPU_NODEV_REPORTS)
		vcpu__dump(v, why);
	if (++v->nodev_reported == VCPU_NODEV_REPORTS)
		pr_warn("vCPU %d: further accesses to nothing are not "
			"reported", v->index + 1);
	return EXIT_REENTER;
}

static int handle_mmio(struct vcpu *v, struct run_ctx *c)
{
	if (lapic__owns(v->m, v->bv.run->mmio.phys_addr)) {
		lapic__mmio(v, v->bv.run);
		c->pending = true;
		return vcpu__step_progress(v, c);
	}
	if (vcpu__nothing_at(v, v->bv.run->mmio.phys_addr))
		return vcpu__mmio_nothing(v, c);
	io__handle_mmio(&v->m->io, v->bv.run);
	c->pending = true;
	return vcpu__step_progress(v, c);
}

/*
 * Without an in-kernel irqchip nothing can wake a halted vCPU, so a HLT
 * is the guest going idle: wait for GDB (or forever without one) instead
 * of spinning through KVM_RUN.
 */
static int vcpu__idle(struct vcpu *v, struct run_ctx *c)
{
	if (!v->m->gdb && !v->m->on_stop)
		pr_warn("vCPU %d: halted and nothing can wake it "
			"(Ctrl-C ends hvdbg)", v->index + 1);
	pthread_mutex_lock(&v->lock);
	while (!v->kick && v->cmd != VCPU_CMD_QUIT)
		pthread_cond_wait(&v->cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
	c->st.reason = GDBSTUB_STOP_SIGNAL;
	c->st.signal = GDBSTUB_SIGINT;
	return EXIT_STOP;
}

static int handle_hlt(struct vcpu *v, struct run_ctx *c)
{
	v->halted = true;
	if (c->step)
		return EXIT_STEP_DONE;
	return vcpu__idle(v, c);
}

/*
 * Hand the guest the single-step trap of its own TF that the guard of
 * vcpu__run_loop intercepted: #DB injected, DR6.BS set as the CPU
 * would have.  A backend without KVM_SET_VCPU_EVENTS loses it, said.
 */
static void vcpu__give_db(struct vcpu *v)
{
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dr;

	if (BE_CALL(&v->bv, get_debugregs, &dr) == 0) {
		dr.dr6 |= DR6_BS;
		BE_CALL(&v->bv, set_debugregs, &dr);
	}
	if (ioctl(v->bv.fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		goto fail;
	ev.exception.injected = 1;
	ev.exception.pending = 0;
	ev.exception.nr = DB_VECTOR;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	if (ioctl(v->bv.fd, KVM_SET_VCPU_EVENTS, &ev) == 0)
		return;
fail:
	pr_warn("vCPU %d: the guest's single-step trap is lost: %s",
		v->index + 1, strerror(errno));
}

static int handle_debug(struct vcpu *v, struct run_ctx *c)
{
	struct kvm_debug_exit_arch *arch = &v->bv.run->debug.arch;
	enum debug_event ev = debug__classify(v->m, arch, &c->st);

	switch (ev) {
	case DEBUG_EV_BREAK:
	case DEBUG_EV_WATCH:
		return EXIT_STOP;
	case DEBUG_EV_GUEST:
		c->st.reason = GDBSTUB_STOP_SIGNAL;
		c->st.signal = GDBSTUB_SIGTRAP;
		return EXIT_STOP;
	case DEBUG_EV_CATCH:
		return EXIT_STOP;
	default:
		break;
	}
	/* A stray trap left by a step (see vcpu__run_loop), or the
	 * guest's own trap flag, which only the guard took from it. */
	if (!c->step) {
		if (c->guarded && ev == DEBUG_EV_STEP &&
		    vcpu__pc(v) != c->start_pc &&
		    !(c->guarded->control & (KVM_GUESTDBG_USE_HW_BP |
					     KVM_GUESTDBG_SINGLESTEP)))
			vcpu__give_db(v);
		return EXIT_REENTER;
	}
	if (vcpu__pc(v) != c->start_pc)
		return EXIT_STEP_DONE;
	/* Not a step (Bochs' extra exit, a page's first touch): again,
	 * but a "jmp ." never moves, so give up eventually. */
	if (++c->retries >= VCPU_STEP_RETRIES)
		return EXIT_STEP_DONE;
	return EXIT_REENTER;
}

/* Remember the state a step starts from (see run_ctx.snap_ok). */
static void vcpu__snapshot(struct vcpu *v, struct run_ctx *c)
{
	c->snap_regs = *vcpu__regs(v);
	c->snap_sregs = *vcpu__sregs(v);
	c->snap_ok = true;
}

/* Does the vCPU hold the INIT state (F000:FFF0, base FFFF0000)? */
static bool vcpu__in_init_state(struct vcpu *v)
{
	const struct kvm_regs *r = vcpu__regs(v);
	const struct kvm_sregs *s = vcpu__sregs(v);

	return r->rip == 0xfff0 && s->cs.selector == 0xf000 &&
	       s->cs.base == 0xffff0000ULL;
}

/*
 * A triple fault.  VMX leaves the faulting state in place; SVM's VMCB is
 * undefined after a shutdown, so kvm_amd INITs the vCPU before it tells
 * us.  A step knows the state its instruction started from, which is
 * the faulting state since the instruction never retired: put it back.
 * A free run has nothing to put back, and says so.
 */
static int handle_shutdown(struct vcpu *v, struct run_ctx *c)
{
	const char *why = "triple fault (shutdown)";

	v->shutdown = true;
	if (!vcpu__in_init_state(v))
		return vcpu__fatal(v, c, why, GDBSTUB_SIGSEGV);
	if (c->snap_ok &&
	    BE_CALL(&v->bv, set_sregs, &c->snap_sregs) >= 0 &&
	    BE_CALL(&v->bv, set_regs, &c->snap_regs) >= 0) {
		why = "triple fault (shutdown); the backend reset the vCPU, "
		      "registers restored from before the faulting "
		      "instruction";
	} else {
		why = "triple fault (shutdown); the backend reset the vCPU: "
		      "registers show the INIT state, not the fault "
		      "(a stepped continue, e.g. with \"monitor catch mode\" "
		      "armed, keeps it)";
	}
	vcpu__invalidate(v);
	return vcpu__fatal(v, c, why, GDBSTUB_SIGSEGV);
}

static int handle_system_event(struct vcpu *v, struct run_ctx *c)
{
	char why[64];

	snprintf(why, sizeof(why), "system event %u",
		 v->bv.run->system_event.type);
	return vcpu__fatal(v, c, why, GDBSTUB_SIGSEGV);
}

static enum exitinfo_vendor vcpu__vendor(struct vcpu *v)
{
	return exitinfo__vendor(v->m->be.cpuid);
}

static int handle_fail_entry(struct vcpu *v, struct run_ctx *c)
{
	char why[512];

	exitinfo__fail_entry(v->bv.run, vcpu__vendor(v), why, sizeof(why));
	return vcpu__fatal(v, c, why, GDBSTUB_SIGABRT);
}

/*
 * Before it reports an emulation failure at CPL 0, KVM queues #UD for
 * the guest (measured with kvm_amd: a continue runs the guest's #UD
 * handler, even after GDB moved the PC).  A debugger stop must leave
 * the guest as it was, so take the #UD back: a continue then retries
 * the instruction and stops the same way, and a PC set elsewhere goes
 * on from there.  Straight KVM_GET/SET_VCPU_EVENTS on the vCPU: only
 * this path needs them, and a backend without them keeps the #UD,
 * which is said.  Returns true if a #UD was dropped.
 */
static bool vcpu__drop_queued_ud(struct vcpu *v)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->bv.fd, KVM_GET_VCPU_EVENTS, &ev) < 0) {
		pr_warn("vCPU %d: cannot read pending events (%s): a #UD "
			"KVM queued may reach the guest on continue",
			v->index + 1, strerror(errno));
		return false;
	}
	if (!ev.exception.injected && !ev.exception.pending)
		return false;
	if (ev.exception.nr != 6)
		return false;
	ev.exception.injected = 0;
	ev.exception.pending = 0;
	ev.exception.nr = 0;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	if (ioctl(v->bv.fd, KVM_SET_VCPU_EVENTS, &ev) < 0) {
		pr_warn("vCPU %d: cannot drop the #UD KVM queued (%s): it "
			"reaches the guest on continue", v->index + 1,
			strerror(errno));
		return false;
	}
	return true;
}

/*
 * The backend gave up.  KVM's words come first; when the PC itself
 * points where there is no memory, which is what a jump into nothing
 * looks like (KVM finds no memory slot, tries to emulate the fetch as
 * MMIO and cannot), that is the user's real answer and leads, with
 * SIGSEGV as for a wild jump in a process.  Anything else is the
 * hypervisor's failure: SIGABRT.  So is an exception delivered through
 * an IDT that lies where there is no memory (KVM cannot read the gate
 * and fails the same way, with the event in its data): SIGSEGV.
 */
static int handle_internal_error(struct vcpu *v, struct run_ctx *c)
{
	const struct kvm_sregs *s = vcpu__sregs(v);
	uint64_t pc = vcpu__pc(v), gpa, left, idt;
	char kvm[768], why[1024];
	int signal = GDBSTUB_SIGABRT;
	unsigned int type, vector;

	exitinfo__internal(v->bv.run, vcpu__vendor(v), kvm, sizeof(kvm));
	if (v->bv.run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    v->m->gdb)
		vcpu__drop_queued_ud(v);
	if (v->bv.run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    mmu__translate(v->m, s, pc, &gpa, &left)) {
		snprintf(why, sizeof(why),
			 "instruction fetch at 0x%llx, which the guest's page "
			 "tables do not map\n  %s", (unsigned long long)pc,
			 kvm);
		signal = GDBSTUB_SIGSEGV;
	} else if (v->bv.run->internal.suberror ==
		   KVM_INTERNAL_ERROR_EMULATION &&
		   !machine__gpa_to_host(v->m, gpa, 1)) {
		snprintf(why, sizeof(why),
			 "instruction fetch at 0x%llx (guest-physical "
			 "0x%llx), where there is no RAM or ROM\n  %s",
			 (unsigned long long)pc, (unsigned long long)gpa,
			 kvm);
		signal = GDBSTUB_SIGSEGV;
	} else if (exitinfo__delivering(v->bv.run, &type, &vector) &&
		   (mmu__translate(v->m, s, s->idt.base, &idt, &left) ||
		    !machine__gpa_to_host(v->m, idt, 1))) {
		snprintf(why, sizeof(why),
			 "delivering vector %u through the IDT at 0x%llx, "
			 "where there is no RAM or ROM\n  %s", vector,
			 (unsigned long long)s->idt.base, kvm);
		signal = GDBSTUB_SIGSEGV;
	} else {
		snprintf(why, sizeof(why), "%s", kvm);
	}
	return vcpu__fatal(v, c, why, signal);
}

static int handle_intr(struct vcpu *v, struct run_ctx *c)
{
	(void)v;
	(void)c;
	return EXIT_REENTER;
}

/*
 * Exit dispatch, indexed by run->exit_reason.  Handlers return
 * EXIT_REENTER to run the guest again, EXIT_STOP when ctx->st holds a
 * stop for GDB, EXIT_STEP_DONE when a step retired its instruction and
 * EXIT_END when the machine is over.  A reason without a handler is
 * fatal and dumped, never ignored.
 */
static int (*const exit_handlers[])(struct vcpu *v, struct run_ctx *c) = {
	[KVM_EXIT_IO]			= handle_io,
	[KVM_EXIT_MMIO]			= handle_mmio,
	[KVM_EXIT_HLT]			= handle_hlt,
	[KVM_EXIT_DEBUG]		= handle_debug,
	[KVM_EXIT_SHUTDOWN]		= handle_shutdown,
	[KVM_EXIT_FAIL_ENTRY]		= handle_fail_entry,
	[KVM_EXIT_INTERNAL_ERROR]	= handle_internal_error,
	[KVM_EXIT_INTR]			= handle_intr,
	[KVM_EXIT_SYSTEM_EVENT]		= handle_system_event,
};

/* A step may have copied the debugger's TF where the guest sees it. */
static void vcpu__unleak_tf(struct vcpu *v, struct run_ctx *c)
{
	struct kvm_regs after;

	if (!c->snap_ok)
		return;
	after = *vcpu__regs(v);
	if (trapflag__unleak(v->m, &c->snap_regs, &c->snap_sregs, &after,
			     vcpu__sregs(v)) == TRAPFLAG_R11) {
		if (BE_CALL(&v->bv, set_regs, &after) < 0)
			pr_warn("vCPU %d: cannot write back r11",
				v->index + 1);
		vcpu__invalidate(v);
	}
}

/*
 * After an exit of a guarded first entry (vcpu__run_loop): the trap the
 * guard waits for comes before the guest moves, so once it came, or the
 * RIP moved, the run's own block takes over.
 */
static void vcpu__guard_end(struct vcpu *v, struct run_ctx *c)
{
	if (v->bv.run->exit_reason != KVM_EXIT_DEBUG &&
	    vcpu__pc(v) == c->start_pc)
		return;
	if (BE_CALL(&v->bv, set_guest_debug, c->after_guard) < 0)
		pr_warn("vCPU %d: KVM_SET_GUEST_DEBUG failed", v->index + 1);
	c->after_guard = NULL;
}

/*
 * hvdbg's INIT/SIPI model, at the top of every entry: put in the INIT
 * state an INIT left to this thread, and, for an application processor
 * waiting for SIPI, block until a STARTUP comes (then start at its
 * vector) or a kick or quit does.  Returns true for the kick: the wait
 * is a stop like any other, and the AP is still waiting afterwards.
 */
static bool vcpu__await_sipi(struct vcpu *v, struct run_ctx *c)
{
	bool init, kicked = false;
	int vec = -1;

	for (;;) {
		pthread_mutex_lock(&v->lock);
		init = v->init;
		v->init = false;
		if (!init && !v->wait_sipi) {
			pthread_mutex_unlock(&v->lock);
			return false;
		}
		pthread_mutex_unlock(&v->lock);
		/* The IPI's own MMIO write completes before the state
		 * goes. */
		vcpu__finish_pending(v, c);
		if (init) {
			if (lapic__init_state(v) < 0)
				pr_warn("vCPU %d: cannot put in the INIT state",
					v->index + 1);
			vcpu__invalidate(v);
		}
		pthread_mutex_lock(&v->lock);
		while (v->wait_sipi && v->sipi < 0 && !v->init && !v->kick &&
		       v->cmd != VCPU_CMD_QUIT)
			pthread_cond_wait(&v->cond, &v->lock);
		if (!v->init)
			break;
		/* Another INIT came while waiting: round again. */
		pthread_mutex_unlock(&v->lock);
	}
	if (v->wait_sipi && v->sipi >= 0) {
		vec = v->sipi;
		v->sipi = -1;
		v->wait_sipi = false;
	} else if (v->wait_sipi) {
		kicked = true;
	}
	/* An INIT's push out of KVM_RUN is spent; a kick's is not. */
	if (!v->kick && v->cmd != VCPU_CMD_QUIT)
		v->bv.run->immediate_exit = 0;
	pthread_mutex_unlock(&v->lock);
	if (vec >= 0) {
		if (lapic__sipi_state(v, vec) < 0)
			pr_warn("vCPU %d: cannot start at SIPI vector 0x%02x",
				v->index + 1, vec);
		vcpu__invalidate(v);
	}
	return kicked;
}

/* Run until a handler says anything but "re-enter". */
static int vcpu__run_core(struct vcpu *v, struct run_ctx *c)
{
	uint32_t reason;
	char why[64];
	int r;

	for (;;) {
		if (c->have_exit) {
			/* Served before a kick is looked at: an OUT the
			 * guest made must not be lost. */
			c->have_exit = false;
			r = 0;
			goto handle;
		}
		/* Alone, only this thread's own INIT sets v->init: no
		 * lock needed to see that there is none. */
		if (!v->m->irqchip && (v->m->nr_vcpus > 1 || v->init) &&
		    vcpu__await_sipi(v, c)) {
			c->st.reason = GDBSTUB_STOP_SIGNAL;
			c->st.signal = GDBSTUB_SIGINT;
			return EXIT_STOP;
		}
		if (vcpu__kicked(v)) {
			vcpu__finish_pending(v, c);
			c->st.reason = GDBSTUB_STOP_SIGNAL;
			c->st.signal = GDBSTUB_SIGINT;
			return EXIT_STOP;
		}
		/* Armed before every step: KVM drops it (kvm.c). */
		if (c->step &&
		    (c->blk ? BE_CALL(&v->bv, set_guest_debug, c->blk) :
			      debug__arm(v->m, &v->bv, true, c->lift)) < 0)
			pr_warn("vCPU %d: KVM_SET_GUEST_DEBUG failed",
				v->index + 1);
		r = BE_CALL(&v->bv, run);
handle:
		vcpu__invalidate(v);
		c->pending = false;
		v->stepped = c->step;
		c->guarded = c->after_guard;
		if (r == 0 && c->after_guard)
			vcpu__guard_end(v, c);
		/* -EAGAIN: an AP left its wait for SIPI; run it again. */
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			snprintf(why, sizeof(why), "KVM_RUN: %s",
				 strerror(-r));
			return vcpu__fatal(v, c, why, GDBSTUB_SIGABRT);
		}
		reason = v->bv.run->exit_reason;
		if (reason < ARRAY_SIZE(exit_handlers) &&
		    exit_handlers[reason]) {
			r = exit_handlers[reason](v, c);
		} else {
			snprintf(why, sizeof(why), "unexpected exit %u (%s)",
				 reason, backend__exit_name(reason));
			r = vcpu__fatal(v, c, why, GDBSTUB_SIGABRT);
		}
		if (r == EXIT_STEP_DONE)
			vcpu__unleak_tf(v, c);
		if (r != EXIT_REENTER)
			return r;
	}
}

static int vcpu__run_loop(struct vcpu *v, bool step, uint64_t lift,
			  struct gdbstub_stop *st)
{
	struct run_ctx c = { .step = step, .lift = lift };
	struct kvm_guest_debug blk, guard;
	int r;

	c.start_pc = vcpu__pc(v);
	if (step)
		vcpu__snapshot(v, &c);
	/*
	 * A free run right after a single step: kvm_intel under Bochs
	 * leaves the step's trap pending when the stepped instruction
	 * exited to the kernel (a MOV to CR0 it emulates), and raises it
	 * on the next entry at the unchanged RIP.  With #DB not
	 * intercepted, KVM hands it to the guest, which may have no
	 * usable IDT yet: a triple fault.  (Seen there as a debug exit
	 * with DR6.BS at the RIP of the step's stop, after a caught
	 * MOV to CR0.)  So the first entry keeps #DB coming to us
	 * (USE_HW_BP, with the run's own DR7: the guest's own DR7 waits
	 * one entry) and handle_debug drops a single-step trap at the
	 * RIP the step ended on, and hands one at any other RIP, the
	 * guest's own TF, to the guest.  Once the trap came or the RIP
	 * moved, the run's own block holds (vcpu__guard_end).
	 * Elsewhere no trap is pending and this costs one more ioctl.
	 */
	if (!step) {
		debug__block(v->m, &v->bv, false, DEBUG_NO_LIFT, &blk);
		guard = blk;
		if (v->stepped) {
			guard.control |= KVM_GUESTDBG_ENABLE |
					 KVM_GUESTDBG_USE_HW_BP;
			c.after_guard = &blk;
		}
		if (BE_CALL(&v->bv, set_guest_debug, &guard) < 0)
			pr_warn("vCPU %d: KVM_SET_GUEST_DEBUG failed",
				v->index + 1);
	}
	r = vcpu__run_core(v, &c);
	if (r == EXIT_STEP_DONE) {
		c.st.reason = GDBSTUB_STOP_SIGNAL;
		c.st.signal = GDBSTUB_SIGTRAP;
	}
	*st = c.st;
	return r;
}

/* CR0.PE, CR0.PG and EFER.LMA in one word (they do not overlap). */
static uint64_t vcpu__mode_bits(const struct kvm_sregs *s)
{
	return (s->cr0 & (CR0_PE | CR0_PG)) | (s->efer & EFER_LMA);
}

/*
 * After one stepped instruction of a continue: did it switch the CPU
 * mode while "monitor catch mode" is armed?  bits and mode are the
 * values before it, at its linear address.  Records the event for
 * "monitor catch" and fills st for a SIGTRAP stop.
 */
static bool vcpu__catch_check(struct vcpu *v, uint64_t bits,
			      enum cpu_mode mode, uint64_t at,
			      struct gdbstub_stop *st)
{
	const struct kvm_sregs *s;

	if (!v->m->catch_mode)
		return false;
	s = vcpu__sregs(v);
	if (vcpu__mode_bits(s) == bits)
		return false;
	snprintf(v->m->catch_last, sizeof(v->m->catch_last),
		 "mode %s -> %s at 0x%llx (vCPU %d)", mmu__mode_name(mode),
		 mmu__mode_name(mmu__mode(s)), (unsigned long long)at,
		 v->index + 1);
	st->reason = GDBSTUB_STOP_SIGNAL;
	st->signal = GDBSTUB_SIGTRAP;
	st->extra = "catch:mode;";
	return true;
}

/* hvdbg's model has an INIT to apply to v, or v waits for SIPI. */
static bool vcpu__model_due(struct vcpu *v)
{
	bool due;

	pthread_mutex_lock(&v->lock);
	due = v->wait_sipi || v->init;
	pthread_mutex_unlock(&v->lock);
	return due;
}

/* The vCPU waits for SIPI in hvdbg's model (not in the kernel). */
static bool vcpu__waits_sipi(struct vcpu *v)
{
	bool w;

	pthread_mutex_lock(&v->lock);
	w = v->wait_sipi;
	pthread_mutex_unlock(&v->lock);
	return w;
}

int vcpu__mp_state(struct vcpu *v)
{
	struct kvm_mp_state mp;

	if (ioctl(v->bv.fd, KVM_GET_MP_STATE, &mp) < 0)
		return -errno;
	return mp.mp_state;
}

int vcpu__wait_for_sipi(struct vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };

	if (!v->m->irqchip) {
		v->wait_sipi = true;
		return lapic__init_state(v);
	}
	if (ioctl(v->bv.fd, KVM_SET_MP_STATE, &mp) < 0)
		return -errno;
	return 0;
}

void vcpu__state(struct vcpu *v, char *buf, size_t size)
{
	struct kvm_sregs s;
	const char *what = "stopped";
	int mp;

	if (vcpu__is_running(v) || BE_CALL(&v->bv, get_sregs, &s) < 0) {
		snprintf(buf, size, "running");
		return;
	}
	mp = vcpu__mp_state(v);
	if (v->shutdown)
		what = "shutdown";
	else if (mp == KVM_MP_STATE_UNINITIALIZED ||
		 mp == KVM_MP_STATE_INIT_RECEIVED ||
		 (!v->m->irqchip && vcpu__waits_sipi(v)))
		what = "waiting for SIPI";
	else if (v->halted || mp == KVM_MP_STATE_HALTED)
		what = "halted";
	snprintf(buf, size, "%s mode, %s", mmu__mode_name(mmu__mode(&s)),
		 what);
}

/*
 * hvdbg's model of an INIT IPI reaching t.  The BSP goes back to the
 * INIT state and runs on from F000:FFF0; an AP goes back to waiting for
 * SIPI, and a STARTUP it had not yet taken is forgotten.  A parked t
 * gets the state at once (its lock, held here, keeps any resume out);
 * a running one is pushed out of KVM_RUN without a stop and its own
 * thread puts the state in (vcpu__await_sipi).
 */
void vcpu__deliver_init(struct vcpu *t)
{
	pthread_mutex_lock(&t->lock);
	t->sipi = -1;
	t->wait_sipi = t->index != 0;
	if (t->running) {
		t->init = true;
		t->bv.run->immediate_exit = 1;
		if (!pthread_equal(t->thread, pthread_self()))
			pthread_kill(t->thread, VCPU_KICK_SIGNAL);
		pthread_cond_broadcast(&t->cond);
	} else {
		t->init = false;
		t->halted = false;
		t->shutdown = false;
		if (lapic__init_state(t) < 0)
			pr_warn("vCPU %d: cannot put in the INIT state",
				t->index + 1);
	}
	pthread_mutex_unlock(&t->lock);
}

/*
 * hvdbg's model of a STARTUP IPI reaching t: only an AP waiting for SIPI
 * takes it (a running CPU ignores it, and so does one that has taken a
 * STARTUP already).  A parked t starts at once, as for INIT.
 */
void vcpu__deliver_sipi(struct vcpu *t, uint8_t vec)
{
	pthread_mutex_lock(&t->lock);
	if (!t->wait_sipi || t->sipi >= 0) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (t->running || t->init) {
		t->sipi = vec;
		pthread_cond_broadcast(&t->cond);
	} else {
		t->wait_sipi = false;
		if (lapic__sipi_state(t, vec) < 0)
			pr_warn("vCPU %d: cannot start at SIPI vector 0x%02x",
				t->index + 1, vec);
	}
	pthread_mutex_unlock(&t->lock);
}

/*
 * Wait for this vCPU's turn to step (machine.step_lock); returns whether
 * it took one.  Alone, or waiting for SIPI or an interrupt in the
 * kernel, it takes none: such a vCPU writes nothing until it wakes, and
 * holding the turn while blocked would stop every other vCPU.  A vCPU
 * that blocks in the middle of its turn (a HLT) is found by the waiting
 * time running out; the others then step without turns until it comes
 * back.
 */
static bool vcpu__step_turn(struct vcpu *v)
{
	struct machine *m = v->m;
	struct timespec until;
	bool took = false;
	int mp;

	if (m->nr_vcpus < 2)
		return false;
	if (!m->irqchip && vcpu__waits_sipi(v))
		return false;
	mp = vcpu__mp_state(v);
	if (mp >= 0 && mp != KVM_MP_STATE_RUNNABLE)
		return false;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += VCPU_TURN_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->step_lock);
	m->step_waiters++;
	for (;;) {
		/* Free, and not just ours while another waits: take it. */
		if (!m->step_busy &&
		    (m->step_last != v->index || m->step_waiters == 1)) {
			took = true;
			break;
		}
		if (m->step_busy && m->step_stuck == m->step_turn)
			break;
		if (pthread_cond_timedwait(&m->step_cond, &m->step_lock,
					   &until) == ETIMEDOUT) {
			if (m->step_busy)
				m->step_stuck = m->step_turn;
			else
				took = true;
			break;
		}
	}
	m->step_waiters--;
	if (took) {
		m->step_busy = true;
		m->step_last = v->index;
		m->step_turn++;
	}
	pthread_mutex_unlock(&m->step_lock);
	return took;
}

static void vcpu__step_turn_end(struct vcpu *v, bool turn)
{
	struct machine *m = v->m;

	if (!turn)
		return;
	pthread_mutex_lock(&m->step_lock);
	m->step_busy = false;
	pthread_cond_broadcast(&m->step_cond);
	pthread_mutex_unlock(&m->step_lock);
}

/*
 * A continue delivered by stepping: the step of vcpu__run_loop, once per
 * instruction, with the guest-debug block built once per mode and the
 * registers read once per exit.  Returns EXIT_STOP, EXIT_END, or
 * EXIT_FREE when the guest entered a mode where the hardware delivers
 * every armed breakpoint.
 */
static int vcpu__stepped_run(struct vcpu *v, struct gdbstub_stop *st)
{
	struct machine *m = v->m;
	struct kvm_guest_debug blk;
	struct run_ctx c = { .step = true, .lift = DEBUG_NO_LIFT,
			     .blk = &blk };
	const struct kvm_sregs *s;
	enum cpu_mode mode;
	uint64_t bits;
	bool turn;
	int r;

	s = vcpu__sregs(v);
	mode = mmu__mode(s);
	debug__step_block(m, s, &blk);
	for (;;) {
		turn = vcpu__step_turn(v);
		c.start_pc = vcpu__pc(v);
		c.retries = 0;
		bits = vcpu__mode_bits(vcpu__sregs(v));
		vcpu__snapshot(v, &c);
		r = vcpu__run_core(v, &c);
		if (r != EXIT_STEP_DONE)
			break;
		/* Halted with nothing to wake it: as in a free run. */
		if (v->halted) {
			r = vcpu__idle(v, &c);
			break;
		}
		if (vcpu__catch_check(v, bits, mode, c.start_pc, &c.st)) {
			r = EXIT_STOP;
			break;
		}
		s = vcpu__sregs(v);
		if (mmu__mode(s) != mode) {
			mode = mmu__mode(s);
			if (!debug__needs_step(m, s, NULL) && !m->catch_mode) {
				r = EXIT_FREE;
				break;
			}
			debug__step_block(m, s, &blk);
		}
		if (debug__step_check(m, vcpu__pc(v), s, true, &c.st)) {
			r = EXIT_STOP;
			break;
		}
		vcpu__step_turn_end(v, turn);
		turn = false;
	}
	vcpu__step_turn_end(v, turn);
	*st = c.st;
	return r;
}

/* Does this mode need a stepped run?  Says so once when it cannot. */
static bool vcpu__needs_step(struct vcpu *v)
{
	static bool told;
	bool blocked, need;

	need = debug__needs_step(v->m, vcpu__sregs(v), &blocked);
	/* Mode catches have no other way to be seen. */
	if (v->m->catch_mode)
		return true;
	if (blocked && !told) {
		pr_warn("vCPU %d: breakpoints the hardware does not deliver "
			"in %s mode cannot be stepped to either: the probe "
			"saw no single-step there", v->index + 1,
			mmu__mode_name(mmu__mode(vcpu__sregs(v))));
		told = true;
	}
	return need;
}

static int vcpu__execute(struct vcpu *v, enum vcpu_cmd cmd,
			 struct gdbstub_stop *st);

/*
 * GDB's range step: single steps while the linear PC stays inside
 * [start, end).  Anything but a plain step ends it early (a watchpoint,
 * a catch, a halt, a fault, Ctrl-C), and so does landing on an execute
 * breakpoint, which GDB then recognises from the PC as a hit.
 */
static int vcpu__range_step(struct vcpu *v, uint64_t start, uint64_t end,
			    struct gdbstub_stop *st)
{
	uint64_t pc;
	int r;

	for (;;) {
		memset(st, 0, sizeof(*st));
		r = vcpu__execute(v, VCPU_CMD_STEP, st);
		if (r != EXIT_STOP || st->reason != GDBSTUB_STOP_SIGNAL ||
		    st->signal != GDBSTUB_SIGTRAP || st->extra ||
		    v->halted || v->shutdown)
			return r;
		vcpu__invalidate(v);
		pc = vcpu__pc(v);
		if (pc < start || pc >= end || debug__bp_at(v->m, pc))
			return r;
		if (vcpu__kicked(v)) {
			st->signal = GDBSTUB_SIGINT;
			return r;
		}
	}
}

/* Carry out one command from GDB; returns EXIT_STOP or EXIT_END. */
static int vcpu__execute(struct vcpu *v, enum vcpu_cmd cmd,
			 struct gdbstub_stop *st)
{
	struct run_ctx c = { 0 };
	uint64_t pc, bits, lift = DEBUG_NO_LIFT;
	enum cpu_mode mode;
	bool stepped;
	int r;

	if (v->shutdown) {
		pr_warn("vCPU %d: in shutdown after a triple fault; only "
			"kill ends it", v->index + 1);
		st->reason = GDBSTUB_STOP_SIGNAL;
		st->signal = GDBSTUB_SIGSEGV;
		return EXIT_STOP;
	}
	if (cmd == VCPU_CMD_RANGE)
		return vcpu__range_step(v, v->range_start, v->range_end, st);
	if (cmd == VCPU_CMD_CONT && v->halted) {
		r = vcpu__idle(v, &c);
		*st = c.st;
		return r;
	}
	v->halted = false;
	vcpu__invalidate(v);	/* GDB may have written registers */
	pc = vcpu__pc(v);
	stepped = vcpu__needs_step(v);
	/* Values at resume are the "old" ones, before even the lift. */
	if (stepped)
		debug__watch_begin(v->m, vcpu__sregs(v));
	if (debug__bp_at(v->m, pc))
		lift = pc;
	/* Leave a breakpoint by stepping with it lifted, not by RF. */
	if (cmd == VCPU_CMD_STEP || lift != DEBUG_NO_LIFT) {
		bits = vcpu__mode_bits(vcpu__sregs(v));
		mode = mmu__mode(vcpu__sregs(v));
		r = vcpu__run_loop(v, true, lift, st);
		debug__unlift(v->m);
		if (r == EXIT_STEP_DONE)
			r = EXIT_STOP;
		else
			return r;
		if (v->halted)
			return r;
		/* Leaving a breakpoint may itself switch modes. */
		if (cmd != VCPU_CMD_STEP &&
		    vcpu__catch_check(v, bits, mode, pc, st))
			return EXIT_STOP;
		/* A write seen by stepping, or (continuing) a breakpoint
		 * right after the one just left. */
		if (stepped &&
		    debug__step_check(v->m, vcpu__pc(v), vcpu__sregs(v),
				      cmd != VCPU_CMD_STEP, st))
			return EXIT_STOP;
		if (cmd == VCPU_CMD_STEP)
			return r;
	}
	if (stepped) {
		r = vcpu__stepped_run(v, st);
		if (r != EXIT_FREE)
			return r;
	}
	r = vcpu__run_loop(v, false, DEBUG_NO_LIFT, st);
	return r == EXIT_STEP_DONE ? EXIT_STOP : r;
}

/* One log line, "SSSS:RIP\n" in hex, without printf's parsing. */
static size_t vcpu__trace_line(char *buf, uint16_t cs, uint64_t rip)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t n = 0, k = 0;
	int i;

	for (i = 12; i >= 0; i -= 4)
		buf[n++] = hex[(cs >> i) & 15];
	buf[n++] = ':';
	do {
		digits[k++] = hex[rip & 15];
		rip >>= 4;
	} while (rip);
	while (k)
		buf[n++] = digits[--k];
	buf[n++] = '\n';
	return n;
}

/*
 * One step of a trace with no breakpoint or watchpoint set: what
 * vcpu__execute does for a stepi then (vcpu__run_loop with no lift),
 * with the guest-debug block built once per trace instead of per step.
 * The scans for breakpoints to lift, deliver by stepping or check
 * afterwards, each under the debug lock, cost more guest time than the
 * rest of hvdbg's step together (bench/README).  c is the trace's,
 * made for a step with its block; what a step sets in it is reset here
 * (the snapshot is taken anew), rather than clearing all of it.
 */
static int vcpu__trace_step(struct vcpu *v, struct run_ctx *c,
			    struct gdbstub_stop *st)
{
	int r;

	if (v->shutdown)
		return vcpu__execute(v, VCPU_CMD_STEP, st);
	v->halted = false;
	c->start_pc = vcpu__pc(v);
	c->retries = 0;
	c->pending = false;
	c->guarded = NULL;
	memset(&c->st, 0, sizeof(c->st));
	vcpu__snapshot(v, c);
	r = vcpu__run_core(v, c);
	if (r == EXIT_STEP_DONE) {
		c->st.reason = GDBSTUB_STOP_SIGNAL;
		c->st.signal = GDBSTUB_SIGTRAP;
		r = EXIT_STOP;
	}
	*st = c->st;
	return r;
}

/*
 * After one step of a trace (ret and st as vcpu__execute gives them):
 * counts it and says whether the trace goes on, or why it ends.
 */
static bool vcpu__trace_go_on(struct vcpu *v, int ret,
			      const struct gdbstub_stop *st)
{
	if (ret == EXIT_END) {
		snprintf(v->trace_why, sizeof(v->trace_why),
			 "the guest ended");
		return false;
	}
	v->trace_done++;
	/* A step that lands on a breakpoint may come back as that
	 * breakpoint's hit (seen on /dev/hvdbg): its instruction
	 * retired all the same, and the next step lifts it. */
	if (((st->reason == GDBSTUB_STOP_SIGNAL && !st->extra) ||
	     st->reason == GDBSTUB_STOP_HWBREAK ||
	     st->reason == GDBSTUB_STOP_SWBREAK) &&
	    st->signal == GDBSTUB_SIGTRAP &&
	    !v->shutdown && !vcpu__kicked(v))
		return true;
	if (vcpu__kicked(v) || st->signal == GDBSTUB_SIGINT) {
		snprintf(v->trace_why, sizeof(v->trace_why), "interrupted");
		return false;
	}
	if (v->shutdown)
		snprintf(v->trace_why, sizeof(v->trace_why),
			 "triple fault (shutdown)");
	else if (st->reason == GDBSTUB_STOP_WATCH ||
		 st->reason == GDBSTUB_STOP_RWATCH ||
		 st->reason == GDBSTUB_STOP_AWATCH)
		snprintf(v->trace_why, sizeof(v->trace_why),
			 "watchpoint at 0x%llx",
			 (unsigned long long)st->addr);
	else
		snprintf(v->trace_why, sizeof(v->trace_why),
			 "signal %d", st->signal);
	return false;
}

/* Records HVDBG_TRACE fills per call: 64 KiB of buffer. */
#define VCPU_TRACE_BATCH	4096

/*
 * The lean trace on /dev/hvdbg: the driver steps, up to a batch at a
 * time, and hands back the CS:RIP records (include/hvdbg/uapi.h).  An
 * exit it returns early belongs to the instruction of the next record;
 * that step goes on through vcpu__trace_step with the exit in hand, so
 * an OUT is served and completed, a HLT or a fault ends the step, the
 * same as stepping from here.  Returns EXIT_STOP or EXIT_END, or
 * EXIT_REENTER when hvdbg's INIT/SIPI model holds the vCPU and the
 * rest of the trace is to step from the monitor.
 */
static int vcpu__trace_driver(struct vcpu *v, struct run_ctx *c,
			      const struct kvm_guest_debug *blk)
{
	struct hvdbg_trace_rec *rec;
	struct gdbstub_stop st;
	uint64_t want;
	char line[24];
	int got, i, ret = EXIT_STOP;

	rec = xzalloc(VCPU_TRACE_BATCH * sizeof(*rec));
	while (v->trace_done < v->trace_n) {
		/* An AP waiting for SIPI in hvdbg's model, or an INIT to
		 * apply, is vcpu__run_core's: the driver knows nothing of
		 * it.  The rest of the trace steps from here. */
		if (!v->m->irqchip && vcpu__model_due(v)) {
			ret = EXIT_REENTER;
			break;
		}
		want = v->trace_n - v->trace_done;
		if (want > VCPU_TRACE_BATCH)
			want = VCPU_TRACE_BATCH;
		if (BE_CALL(&v->bv, set_guest_debug, blk) < 0)
			pr_warn("vCPU %d: KVM_SET_GUEST_DEBUG failed",
				v->index + 1);
		v->halted = false;	/* a HLT stepped is behind */
		got = BE_CALL(&v->bv, trace, want, rec);
		vcpu__invalidate(v);
		if (got == -EINTR) {
			got = 0;
			v->bv.run->exit_reason = KVM_EXIT_INTR;
		} else if (got < 0) {
			snprintf(v->trace_why, sizeof(v->trace_why),
				 "HVDBG_TRACE: %s", strerror(-got));
			break;
		}
		for (i = 0; i < got; i++)
			fwrite_unlocked(line, 1, vcpu__trace_line(line,
					rec[i].cs, rec[i].rip), v->trace_out);
		v->trace_done += got;
		if ((uint64_t)got == want)
			continue;
		if (v->bv.run->exit_reason == KVM_EXIT_INTR) {
			if (!vcpu__kicked(v))
				continue;
			snprintf(v->trace_why, sizeof(v->trace_why),
				 "interrupted");
			break;
		}
		fwrite_unlocked(line, 1, vcpu__trace_line(line, rec[got].cs,
				rec[got].rip), v->trace_out);
		memset(&st, 0, sizeof(st));
		c->have_exit = true;
		ret = vcpu__trace_step(v, c, &st);
		c->have_exit = false;
		if (!vcpu__trace_go_on(v, ret, &st))
			break;
	}
	free(rec);
	return ret;
}

/*
 * VCPU_CMD_TRACE on the vCPU thread: steps one by one through the same
 * path as GDB's stepi (breakpoint lifting, TF hiding), so a trace sees
 * what stepping would; with nothing set to lift or check, through
 * vcpu__trace_step, or inside the driver where it offers that.
 * Returns EXIT_STOP, or EXIT_END if the machine ended.
 */
static int vcpu__trace_run(struct vcpu *v)
{
	struct gdbstub_stop st;
	struct kvm_guest_debug blk;
	struct run_ctx c = { .step = true, .lift = DEBUG_NO_LIFT,
			     .blk = &blk };
	char line[24];
	size_t n;
	const struct kvm_regs *r;
	const struct kvm_sregs *s;
	bool lean;
	int ret = EXIT_STOP;

	v->trace_why[0] = 0;
	v->trace_done = 0;
	v->trace_in_driver = false;
	vcpu__invalidate(v);	/* GDB may have written registers */
	lean = !debug__any_set(v->m);
	if (lean)
		debug__block(v->m, &v->bv, true, DEBUG_NO_LIFT, &blk);
	/* Not in shutdown: that stop is vcpu__execute's to report. */
	if (lean && !v->shutdown && v->m->be.ops->trace &&
	    v->m->be.ops->check_cap(&v->m->be, HVDBG_CAP_TRACE) > 0) {
		v->trace_in_driver = true;
		ret = vcpu__trace_driver(v, &c, &blk);
		if (ret != EXIT_REENTER) {
			fflush(v->trace_out);
			return ret;
		}
		v->trace_in_driver = false;
		ret = EXIT_STOP;
	}
	while (v->trace_done < v->trace_n) {
		r = vcpu__regs(v);
		s = vcpu__sregs(v);
		n = vcpu__trace_line(line, s->cs.selector, r->rip);
		/* Only this thread writes the file until the trace ends. */
		fwrite_unlocked(line, 1, n, v->trace_out);
		memset(&st, 0, sizeof(st));
		if (lean)
			ret = vcpu__trace_step(v, &c, &st);
		else
			ret = vcpu__execute(v, VCPU_CMD_STEP, &st);
		if (!vcpu__trace_go_on(v, ret, &st))
			break;
	}
	fflush(v->trace_out);
	return ret;
}

/* Wait until v has no command left and is parked. */
static void vcpu__wait_parked(struct vcpu *v)
{
	pthread_mutex_lock(&v->lock);
	while (v->running ||
	       (v->cmd != VCPU_CMD_NONE && v->cmd != VCPU_CMD_QUIT))
		pthread_cond_wait(&v->cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
}

/*
 * All-stop, called by a vCPU thread that has just stopped, before it
 * parks: the first vCPU to stop since the resume claims the report and
 * kicks the others out of the guest (true); the others' stops are the
 * kick's and not reported, except that a stop of their own (a
 * breakpoint hit at the same moment) is kept for the next resume (see
 * vcpu.has_pending).  Kept before parking, so that whoever resumes
 * after the report sees it.
 */
static bool vcpu__claim_stop(struct vcpu *v, struct gdbstub_stop *st)
{
	struct machine *m = v->m;
	int i;

	st->tid = v->index + 1;
	pthread_mutex_lock(&m->lock);
	if (m->stopping) {
		pthread_mutex_unlock(&m->lock);
		if (st->reason != GDBSTUB_STOP_SIGNAL ||
		    st->signal != GDBSTUB_SIGINT) {
			v->pending = *st;
			v->has_pending = true;
		}
		return false;
	}
	m->stopping = true;
	for (i = 0; i < m->nr_vcpus; i++)
		if (m->vcpus[i] != v)
			vcpu__kick(m->vcpus[i]);
	pthread_mutex_unlock(&m->lock);
	return true;
}

/* The claimed stop: once every other vCPU is parked, GDB may look. */
static void vcpu__report(struct vcpu *v, struct gdbstub_stop *st)
{
	struct machine *m = v->m;
	int i;

	for (i = 0; i < m->nr_vcpus; i++)
		if (m->vcpus[i] != v)
			vcpu__wait_parked(m->vcpus[i]);
	if (machine__exited(m))
		return;
	vcpu__tell(v, st);
}

void vcpu__tell(struct vcpu *v, struct gdbstub_stop *st)
{
	struct machine *m = v->m;

	m->cur = v->index;
	/* Before GDB hears of it: GDB may resume at once. */
	if (m->on_stop)
		m->on_stop(m, v->index, st);
	if (!m->gdb) {
		/* Only fatal exits stop a vCPU nobody debugs; the
		 * console's user debugs it. */
		if (!m->on_stop)
			machine__exit(m, 1);
		return;
	}
	pthread_mutex_lock(&m->lock);
	m->stop_reported = true;
	pthread_mutex_unlock(&m->lock);
	gdbstub_report_stop(m->gdb, st);
}

static void *vcpu__thread(void *arg)
{
	struct vcpu *v = arg;
	struct gdbstub_stop st;
	enum vcpu_cmd cmd;
	sigset_t set;
	bool lead;
	int r;

	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	for (;;) {
		pthread_mutex_lock(&v->lock);
		while (v->cmd == VCPU_CMD_NONE)
			pthread_cond_wait(&v->cond, &v->lock);
		cmd = v->cmd;
		if (cmd == VCPU_CMD_QUIT) {
			pthread_mutex_unlock(&v->lock);
			break;
		}
		v->cmd = VCPU_CMD_NONE;
		v->running = true;
		pthread_mutex_unlock(&v->lock);

		memset(&st, 0, sizeof(st));
		if (cmd == VCPU_CMD_TRACE) {
			/* The requester is waiting, not GDB: no report. */
			r = vcpu__trace_run(v);
			pthread_mutex_lock(&v->lock);
			v->running = false;
			v->kick = false;
			v->bv.run->immediate_exit = 0;
			v->trace_active = false;
			pthread_cond_broadcast(&v->cond);
			pthread_mutex_unlock(&v->lock);
			if (r == EXIT_END)
				break;
			continue;
		}
		r = vcpu__execute(v, cmd, &st);
		lead = r != EXIT_END && vcpu__claim_stop(v, &st);

		pthread_mutex_lock(&v->lock);
		v->running = false;
		v->kick = false;
		v->bv.run->immediate_exit = 0;
		/* The vCPU whose stop stops all waits for this. */
		pthread_cond_broadcast(&v->cond);
		pthread_mutex_unlock(&v->lock);
		if (r == EXIT_END)
			break;
		if (lead)
			vcpu__report(v, &st);
	}
	return NULL;
}

int vcpu__start(struct vcpu *v, bool hold)
{
	sigset_t set;
	int r;

	v->cmd = hold ? VCPU_CMD_NONE : VCPU_CMD_CONT;
	/* The kick signal is for vCPU threads only; they unblock it. */
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	r = -pthread_create(&v->thread, NULL, vcpu__thread, v);
	v->started = !r;
	return r;
}

void vcpu__resume(struct vcpu *v, enum vcpu_cmd cmd)
{
	pthread_mutex_lock(&v->lock);
	v->cmd = cmd;
	v->kick = false;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

void vcpu__resume_range(struct vcpu *v, uint64_t start, uint64_t end)
{
	pthread_mutex_lock(&v->lock);
	v->range_start = start;
	v->range_end = end;
	v->cmd = VCPU_CMD_RANGE;
	v->kick = false;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

uint64_t vcpu__trace(struct vcpu *v, uint64_t n, FILE *out, char *why,
		     size_t why_size)
{
	uint64_t done;

	pthread_mutex_lock(&v->lock);
	v->trace_n = n;
	v->trace_out = out;
	v->trace_active = true;
	v->cmd = VCPU_CMD_TRACE;
	v->kick = false;
	pthread_cond_broadcast(&v->cond);
	while (v->trace_active)
		pthread_cond_wait(&v->cond, &v->lock);
	done = v->trace_done;
	snprintf(why, why_size, "%s", v->trace_why);
	pthread_mutex_unlock(&v->lock);
	return done;
}

void vcpu__interrupt_trace(struct vcpu *v)
{
	pthread_mutex_lock(&v->lock);
	if (v->trace_active) {
		v->kick = true;
		v->bv.run->immediate_exit = 1;
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
		/* An AP waiting for SIPI waits on cond (hvdbg's model). */
		pthread_cond_broadcast(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
}

bool vcpu__kick(struct vcpu *v)
{
	bool running;

	pthread_mutex_lock(&v->lock);
	running = v->running || v->cmd == VCPU_CMD_CONT ||
		  v->cmd == VCPU_CMD_STEP || v->cmd == VCPU_CMD_RANGE;
	if (running) {
		v->kick = true;
		v->bv.run->immediate_exit = 1;
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
		pthread_cond_broadcast(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
	return running;
}

bool vcpu__is_running(struct vcpu *v)
{
	bool running;

	pthread_mutex_lock(&v->lock);
	running = v->running;
	pthread_mutex_unlock(&v->lock);
	return running;
}

void vcpu__stop_thread(struct vcpu *v)
{
	if (!v->started)
		return;
	pthread_mutex_lock(&v->lock);
	v->cmd = VCPU_CMD_QUIT;
	v->bv.run->immediate_exit = 1;
	pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	pthread_join(v->thread, NULL);
	v->started = false;
}

void vcpu__free(struct vcpu *v)
{
	if (!v)
		return;
	vcpu__stop_thread(v);
	if (v->bv.vm)
		v->m->be.ops->vcpu_destroy(&v->bv);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void seg_real(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = code ? 0xb : 0x3;	/* accessed, readable/writable */
	s->present = 1;
	s->s = 1;
}

int vcpu__set_real_entry(struct vcpu *v, uint16_t seg, uint16_t ip)
{
	return vcpu__bv_real_entry(&v->bv, seg, ip);
}

int vcpu__bv_real_entry(struct backend_vcpu *bv, uint16_t seg, uint16_t ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	r = BE_CALL(bv, get_sregs, &sregs);
	if (r < 0)
		return r;
	seg_real(&sregs.cs, seg, true);
	seg_real(&sregs.ds, 0, false);
	seg_real(&sregs.es, 0, false);
	seg_real(&sregs.ss, 0, false);
	seg_real(&sregs.fs, 0, false);
	seg_real(&sregs.gs, 0, false);
	r = BE_CALL(bv, set_sregs, &sregs);
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rflags = 0x2;
	return BE_CALL(bv, set_regs, &regs);
}

int vcpu__set_reset_entry(struct vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	/* F000:FFF0 with the hidden base at 0xFFFF0000, as after RESET. */
	r = BE_CALL(&v->bv, get_sregs, &sregs);
	if (r < 0)
		return r;
	seg_real(&sregs.cs, 0xf000, true);
	sregs.cs.base = 0xffff0000ULL;
	r = BE_CALL(&v->bv, set_sregs, &sregs);
	if (r < 0)
		return r;
	r = BE_CALL(&v->bv, get_regs, &regs);
	if (r < 0)
		return r;
	regs.rip = 0xfff0;
	regs.rflags = 0x2;
	return BE_CALL(&v->bv, set_regs, &regs);
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-4s %04x base %016llx limit %08x type %x%s%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present ? "" : " not-present",
		s->unusable ? " unusable" : "");
}

void vcpu__dump(struct vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t pc, gpa, left;
	uint8_t *code;
	int i;

	fprintf(stderr, "hvdbg: vCPU %d: %.*s\n", v->index + 1,
		(int)(strlen(why) - (why[0] && why[strlen(why) - 1] == '\n')),
		why);
	if (BE_CALL(&v->bv, get_regs, &r) < 0 ||
	    BE_CALL(&v->bv, get_sregs, &s) < 0) {
		fprintf(stderr, "  (registers unavailable)\n");
		return;
	}
	fprintf(stderr, "  mode %s\n", mmu__mode_name(mmu__mode(&s)));
	fprintf(stderr,
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		"  rip %016llx rflags %08llx\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		r.rip, r.rflags);
	fprintf(stderr, "  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"  efer %016llx gdt %016llx/%04x idt %016llx/%04x\n",
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.gdt.base, s.gdt.limit,
		s.idt.base, s.idt.limit);
	dump_seg("cs", &s.cs);
	dump_seg("ss", &s.ss);
	dump_seg("ds", &s.ds);
	dump_seg("es", &s.es);
	dump_seg("fs", &s.fs);
	dump_seg("gs", &s.gs);
	dump_seg("tr", &s.tr);
	dump_seg("ldt", &s.ldt);

	pc = mmu__linear_pc(&r, &s);
	fprintf(stderr, "  code at %016llx:", (unsigned long long)pc);
	for (i = 0; i < 16; i++) {
		code = NULL;
		if (!mmu__translate(v->m, &s, pc + i, &gpa, &left))
			code = machine__gpa_to_host(v->m, gpa, 1);
		if (code)
			fprintf(stderr, " %02x", *code);
		else
			fprintf(stderr, " ??");
	}
	fputc('\n', stderr);
}
