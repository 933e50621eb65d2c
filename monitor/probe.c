/*
 * The capability probe.  It builds a throw-away VM with 2 MiB of RAM on
 * the given backend, copies in the probe guest and lets it walk from real
 * mode to protected mode to long mode.  Each time the guest announces a
 * mode (port 0xe0), the vCPU is snapshotted; every feature is then tried
 * from that snapshot on the same small test body, with a bounded number
 * of exits and a wall-clock timeout per KVM_RUN, and the snapshot is
 * restored for the walk to go on.  Capability bits only say what a
 * backend claims; this records what it delivers.
 *
 * Runs on whatever thread calls it (main for --probe, the GDB thread for
 * the lazy int3 question) and uses a per-thread timer signal so it never
 * disturbs the vCPU threads of the real machine.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "monitor/backend.h"
#include "monitor/machine.h"
#include "monitor/probe-guest.h"
#include "monitor/probe.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

#define PROBE_MAX_EXITS		32
#define PROBE_RUN_TIMEOUT_MS	2000
#define PROBE_TIMER_SIGNAL	SIGUSR2
#define PROBE_STEPS		3
#define DR6_BS			(1u << 14)

/* glibc before 2.35 spells the thread-id member of struct sigevent so. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

static const struct {
	const char *key;	/* --probe=KEY:MODE */
	const char *row;	/* table row */
	const char *words;	/* in sentences */
} features[PROBE_NR_FEATURES] = {
	[PROBE_STEP]	 = { "step", "single-step", "single-step" },
	[PROBE_INT3]	 = { "int3", "int3-trap", "int3 trap" },
	[PROBE_HBREAK]	 = { "hbreak", "hw-breakpoint",
			     "execute breakpoint (DR0)" },
	[PROBE_WATCH]	 = { "watch", "write-watchpoint",
			     "write watchpoint (DR1)" },
	[PROBE_AWATCH]	 = { "awatch", "access-watchpoint",
			     "access watchpoint (DR1)" },
	[PROBE_BLOCKIRQ] = { "blockirq", "blockirq", "BLOCKIRQ" },
};

static const char *const mode_keys[PROBE_NR_MODES] = {
	"real", "prot32", "long64",
};

static const char *const mode_words[PROBE_NR_MODES] = {
	"real mode", "32-bit protected mode", "64-bit long mode",
};

struct probe_vm {
	struct backend *be;
	struct backend_vm vm;
	struct backend_vcpu bv;
	uint8_t *ram;
	timer_t timer;
	struct kvm_regs regs;		/* snapshot at the mode's ready */
	struct kvm_sregs sregs;
};

static const uint8_t *const bodies[PROBE_NR_MODES][3] = {
	{ probe_body16, probe_hb16, probe_int3_16 },
	{ probe_body32, probe_hb32, probe_int3_32 },
	{ probe_body64, probe_hb64, probe_int3_64 },
};

static uint64_t guest_addr(const uint8_t *label)
{
	return PROBE_BASE + (label - probe_guest_start);
}

static void probe__timer_handler(int sig)
{
	(void)sig;
}

static int probe__vm_init(struct probe_vm *p, struct backend *be)
{
	struct sigevent sev = { 0 };
	struct sigaction sa = { .sa_handler = probe__timer_handler };
	size_t size = probe_guest_end - probe_guest_start;
	sigset_t set;
	int r;

	memset(p, 0, sizeof(*p));
	p->be = be;
	p->bv.fd = -1;
	r = be->ops->vm_create(be, &p->vm);
	if (r < 0)
		return r;
	p->ram = mmap(NULL, PROBE_RAM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->ram == MAP_FAILED) {
		p->ram = NULL;
		return -errno;
	}
	memcpy(p->ram + PROBE_BASE, probe_guest_start, size);
	r = be->ops->set_memory(&p->vm, 0, 0, PROBE_RAM, p->ram, false);
	if (r < 0)
		return r;
	r = be->ops->vcpu_create(&p->vm, 0, &p->bv);
	if (r < 0)
		return r;
	r = vcpu__bv_real_entry(&p->bv, 0, PROBE_BASE);
	if (r < 0)
		return r;

	/* A timer aimed at this thread only: KVM_RUN comes back -EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(PROBE_TIMER_SIGNAL, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, PROBE_TIMER_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = PROBE_TIMER_SIGNAL;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &p->timer) < 0)
		return -errno;
	return 0;
}

static void probe__vm_destroy(struct probe_vm *p)
{
	if (p->timer)
		timer_delete(p->timer);
	if (p->bv.fd >= 0)
		p->be->ops->vcpu_destroy(&p->bv);
	if (p->vm.fd > 0)
		p->be->ops->vm_destroy(&p->vm);
	if (p->ram)
		munmap(p->ram, PROBE_RAM);
}

/* One KVM_RUN bounded in time; -ETIMEDOUT when the guest never exits. */
static int probe__run_once(struct probe_vm *p)
{
	struct itimerspec its = { 0 };
	int r;

	its.it_value.tv_sec = PROBE_RUN_TIMEOUT_MS / 1000;
	its.it_value.tv_nsec = (PROBE_RUN_TIMEOUT_MS % 1000) * 1000000L;
	timer_settime(p->timer, 0, &its, NULL);
	r = BE_CALL(&p->bv, run);
	memset(&its, 0, sizeof(its));
	timer_settime(p->timer, 0, &its, NULL);
	return r == -EINTR ? -ETIMEDOUT : r;
}

static uint8_t io_value(struct kvm_run *run)
{
	return *((uint8_t *)run + run->io.data_offset);
}

static int set_debug(struct probe_vm *p, uint32_t control, uint64_t dr,
		     int slot, uint64_t dr7)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = control;
	if (slot >= 0)
		dbg.arch.debugreg[slot] = dr;
	dbg.arch.debugreg[7] = dr7;
	return BE_CALL(&p->bv, set_guest_debug, &dbg);
}

static void cell_set(struct probe_cell *c, bool yes, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cell_set(struct probe_cell *c, bool yes, const char *fmt, ...)
{
	va_list ap;

	c->yes = yes;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

/* Run until the guest announces mode; leaves the vCPU just past it. */
static int probe__walk_to(struct probe_vm *p, int mode, char *why,
			  size_t len)
{
	struct kvm_run *run = p->bv.run;
	int i, r;

	set_debug(p, 0, 0, -1, 0);
	for (i = 0; i < PROBE_MAX_EXITS; i++) {
		r = probe__run_once(p);
		if (r < 0) {
			snprintf(why, len, "KVM_RUN: %s", strerror(-r));
			return r;
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			snprintf(why, len, "unexpected %s exit",
				 backend__exit_name(run->exit_reason));
			return -EIO;
		}
		backend__complete_exit(&p->bv);
		if (run->io.port == PROBE_PORT_READY &&
		    io_value(run) == mode) {
			if (BE_CALL(&p->bv, get_regs, &p->regs) < 0 ||
			    BE_CALL(&p->bv, get_sregs, &p->sregs) < 0)
				return -EIO;
			return 0;
		}
		if (run->io.port == PROBE_PORT_VECTOR) {
			snprintf(why, len, "the guest took vector %u",
				 io_value(run));
			return -EIO;
		}
	}
	snprintf(why, len, "no announcement within %d exits",
		 PROBE_MAX_EXITS);
	return -EIO;
}

static int restore(struct probe_vm *p, uint64_t rip)
{
	struct kvm_regs regs = p->regs;
	int r;

	regs.rip = rip;
	r = BE_CALL(&p->bv, set_sregs, &p->sregs);
	if (!r)
		r = BE_CALL(&p->bv, set_regs, &regs);
	return r;
}

static uint64_t cur_rip(struct probe_vm *p)
{
	struct kvm_regs regs;

	if (BE_CALL(&p->bv, get_regs, &regs) < 0)
		return ~0ULL;
	return regs.rip;
}

/* An exit that ends a probe without the feature having shown itself. */
static void probe__explain(struct probe_vm *p, int mode, int f,
			   struct probe_cell *c)
{
	struct kvm_run *run = p->bv.run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		backend__complete_exit(&p->bv);
		if (run->io.port == PROBE_PORT_VECTOR)
			cell_set(c, false,
				 "%s was delivered to the guest's %s vector %u",
				 f == PROBE_INT3 ? "int3" : "the trap",
				 mode == PROBE_REAL ? "IVT" : "IDT",
				 io_value(run));
		else if (f == PROBE_STEP || f == PROBE_BLOCKIRQ)
			cell_set(c, false, "the guest ran on without a "
				 "single-step exit");
		else if (f == PROBE_HBREAK)
			cell_set(c, false, "DR0 never fired; the guest ran "
				 "past 0x%llx", (unsigned long long)
				 guest_addr(bodies[mode][1]));
		else if (f == PROBE_WATCH)
			cell_set(c, false, "DR1 never fired on the write to "
				 "0x%x", PROBE_WDATA);
		else if (f == PROBE_AWATCH)
			cell_set(c, false, "DR1 never fired on the read of "
				 "0x%x", PROBE_RDATA);
		else
			cell_set(c, false, "the guest ran past the int3 "
				 "without an exit");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		cell_set(c, false, "KVM internal error, suberror %u",
			 run->internal.suberror);
		break;
	case KVM_EXIT_SHUTDOWN:
		cell_set(c, false, "the guest triple-faulted");
		break;
	case KVM_EXIT_HLT:
		cell_set(c, false, "the guest halted without a debug exit");
		break;
	default:
		cell_set(c, false, "unexpected %s exit",
			 backend__exit_name(run->exit_reason));
		break;
	}
}

static void probe__one(struct probe_vm *p, int mode, int f,
		       struct probe_cell *c)
{
	struct kvm_run *run = p->bv.run;
	struct kvm_debug_exit_arch *arch = &run->debug.arch;
	uint64_t body = guest_addr(bodies[mode][0]);
	uint64_t hb = guest_addr(bodies[mode][1]);
	uint64_t int3 = guest_addr(bodies[mode][2]);
	uint32_t control = KVM_GUESTDBG_ENABLE;
	uint64_t dr = 0, dr7 = 0, start = body, rip, last;
	int slot = -1, steps = 0, extra = 0, i, r;

	switch (f) {
	case PROBE_BLOCKIRQ:
		if (!(p->be->ops->check_cap(p->be, KVM_CAP_SET_GUEST_DEBUG2) &
		      KVM_GUESTDBG_BLOCKIRQ)) {
			cell_set(c, false, "KVM_CAP_SET_GUEST_DEBUG2 does not "
				 "offer KVM_GUESTDBG_BLOCKIRQ");
			return;
		}
		control |= KVM_GUESTDBG_BLOCKIRQ;
		/* fall through */
	case PROBE_STEP:
		control |= KVM_GUESTDBG_SINGLESTEP;
		break;
	case PROBE_INT3:
		control |= KVM_GUESTDBG_USE_SW_BP;
		start = int3;
		break;
	case PROBE_HBREAK:
		control |= KVM_GUESTDBG_USE_HW_BP;
		slot = 0;
		dr = hb;
		dr7 = 0x3;				/* L0 G0, exec */
		break;
	case PROBE_WATCH:
		control |= KVM_GUESTDBG_USE_HW_BP;
		slot = 1;
		dr = PROBE_WDATA;
		dr7 = 0xc | 1ULL << 20;		/* L1 G1, RW=01 */
		break;
	case PROBE_AWATCH:
		control |= KVM_GUESTDBG_USE_HW_BP;
		slot = 1;
		dr = PROBE_RDATA;
		dr7 = 0xc | 3ULL << 20;		/* L1 G1, RW=11 */
		break;
	}

	if (restore(p, start) < 0) {
		cell_set(c, false, "cannot restore the %s snapshot",
			 mode_words[mode]);
		return;
	}
	last = start;
	for (i = 0; i < PROBE_MAX_EXITS; i++) {
		r = set_debug(p, control, dr, slot, dr7);
		if (r < 0) {
			cell_set(c, false, "KVM_SET_GUEST_DEBUG: %s",
				 strerror(-r));
			break;
		}
		r = probe__run_once(p);
		if (r == -ETIMEDOUT) {
			cell_set(c, false, "no exit within %d ms",
				 PROBE_RUN_TIMEOUT_MS);
			break;
		}
		if (r < 0) {
			cell_set(c, false, "KVM_RUN: %s", strerror(-r));
			break;
		}
		if (run->exit_reason != KVM_EXIT_DEBUG) {
			probe__explain(p, mode, f, c);
			break;
		}
		rip = cur_rip(p);
		if (f == PROBE_STEP || f == PROBE_BLOCKIRQ) {
			if (rip == last) {
				extra++;	/* not a step: step again */
				continue;
			}
			if (rip != last + 1) {
				cell_set(c, false, "a step from 0x%llx landed "
					 "at 0x%llx", (unsigned long long)last,
					 (unsigned long long)rip);
				break;
			}
			last = rip;
			if (++steps == PROBE_STEPS) {
				if (extra)
					cell_set(c, true, "%d extra exits at "
						 "an unchanged RIP", extra);
				else
					cell_set(c, true, "one instruction "
						 "per exit");
				break;
			}
			continue;
		}
		if (f == PROBE_INT3) {
			if (arch->exception == 3 && arch->pc == int3)
				cell_set(c, true, "debug exit #BP at 0x%llx",
					 (unsigned long long)int3);
			else
				cell_set(c, false, "debug exit with vector %u "
					 "at 0x%llx", arch->exception,
					 (unsigned long long)arch->pc);
			break;
		}
		if (arch->exception == 1 && (arch->dr6 & (1u << slot))) {
			if (f == PROBE_HBREAK && rip != hb)
				cell_set(c, false, "DR0 fired at 0x%llx, not "
					 "0x%llx", (unsigned long long)rip,
					 (unsigned long long)hb);
			else
				cell_set(c, true, "DR6 0x%llx at RIP 0x%llx",
					 (unsigned long long)arch->dr6,
					 (unsigned long long)rip);
			break;
		}
		if (!(arch->dr6 & DR6_BS)) {
			cell_set(c, false, "debug exit with vector %u, DR6 "
				 "0x%llx", arch->exception,
				 (unsigned long long)arch->dr6);
			break;
		}
		/* A stray single-step trap: keep going. */
	}
	if (i == PROBE_MAX_EXITS)
		cell_set(c, false, "no result within %d exits",
			 PROBE_MAX_EXITS);
	set_debug(p, 0, 0, -1, 0);
}

int probe__run(struct backend *be, struct probe_table *t)
{
	struct probe_vm p;
	char why[96];
	int mode, f, r;

	memset(t, 0, sizeof(*t));
	snprintf(t->backend, sizeof(t->backend), "%s", be->path);
	t->api_version = be->api_version;

	r = probe__vm_init(&p, be);
	if (r < 0) {
		probe__vm_destroy(&p);
		return r;
	}
	for (mode = 0; mode < PROBE_NR_MODES; mode++) {
		r = probe__walk_to(&p, mode, why, sizeof(why));
		if (r < 0) {
			for (; mode < PROBE_NR_MODES; mode++)
				for (f = 0; f < PROBE_NR_FEATURES; f++)
					cell_set(&t->cell[f][mode], false,
						 "the probe guest did not "
						 "reach %s: %s",
						 mode_words[mode], why);
			break;
		}
		for (f = 0; f < PROBE_NR_FEATURES; f++)
			probe__one(&p, mode, f, &t->cell[f][mode]);
		/* Back to just after the announcement, and walk on. */
		restore(&p, p.regs.rip);
	}
	probe__vm_destroy(&p);
	return 0;
}

void probe__print(const struct probe_table *t, gdbstub_print_fn print,
		  void *ctx)
{
	char line[256];
	int f, m;

	snprintf(line, sizeof(line), "backend: %s (KVM API %d)\n",
		 t->backend, t->api_version);
	print(ctx, line);
	snprintf(line, sizeof(line), "%-18s%-7s%-7s%s\n", "feature",
		 mode_keys[0], mode_keys[1], mode_keys[2]);
	print(ctx, line);
	for (f = 0; f < PROBE_NR_FEATURES; f++) {
		snprintf(line, sizeof(line), "%-18s%-7s%-7s%s\n",
			 features[f].row,
			 t->cell[f][0].yes ? "yes" : "no",
			 t->cell[f][1].yes ? "yes" : "no",
			 t->cell[f][2].yes ? "yes" : "no");
		print(ctx, line);
	}
	for (f = 0; f < PROBE_NR_FEATURES; f++)
		for (m = 0; m < PROBE_NR_MODES; m++) {
			if (t->cell[f][m].yes)
				continue;
			snprintf(line, sizeof(line), "  %s/%s: %s\n",
				 features[f].key, mode_keys[m],
				 t->cell[f][m].reason);
			print(ctx, line);
		}
}

static void print_stdout(void *ctx, const char *text)
{
	(void)ctx;
	fputs(text, stdout);
}

/*
 * Open the accelerator ACCEL for a probe, saying why not.
 * Returns: 0, or the exit code: 2 for an unknown accelerator, 1 for
 * one that does not open.
 */
static int probe__open(struct backend *be, const char *accel)
{
	int r = backend__open(be, accel);

	if (r == -ENOENT && !be->ops) {
		pr_warn("--accel %s: unknown accelerator (known: %s)", accel,
			backend__names());
		return 2;
	}
	if (r < 0) {
		pr_warn("%s: %s", be->path, r == -ENOTSUP ?
			"not a KVM API 12 device" : strerror(-r));
		return 1;
	}
	return 0;
}

/*
 * --probe=smp[:ANY]: can this accelerator run -smp N > 1, and which
 * local APICs carry INIT and SIPI there: the in-kernel irqchip's, or,
 * without one (or with --irqchip off), hvdbg's own model, which
 * delivers no other interrupt.  Exit 0 yes, 1 no (with the reason: no
 * VM at all, or --irqchip on where there is no irqchip), 2 on a bad
 * --accel.
 */
static int probe__smp(const char *accel, int irqchip)
{
	struct backend be;
	struct backend_vm vm;
	int r, chip = -ENOTSUP;

	r = probe__open(&be, accel);
	if (r)
		return r;
	r = be.ops->vm_create(&be, &vm);
	if (r < 0) {
		printf("smp: no (%s: cannot create a VM: %s)\n", be.path,
		       strerror(-r));
		backend__close(&be);
		return 1;
	}
	if (irqchip != 0 && be.ops->create_irqchip)
		chip = be.ops->create_irqchip(&vm);
	be.ops->vm_destroy(&vm);
	if (!chip)
		printf("smp: yes (INIT and SIPI through %s's in-kernel "
		       "irqchip)\n", be.path);
	else if (irqchip == 1)
		printf("smp: no (--irqchip on: %s has no in-kernel irqchip: "
		       "%s)\n", be.path, strerror(-chip));
	else if (irqchip == 0)
		printf("smp: yes (--irqchip off: INIT and SIPI through "
		       "hvdbg's own local APIC model; other interrupts are "
		       "not delivered)\n");
	else
		printf("smp: yes (%s has no in-kernel irqchip (%s): INIT and "
		       "SIPI through hvdbg's own local APIC model; other "
		       "interrupts are not delivered)\n", be.path,
		       strerror(-chip));
	backend__close(&be);
	return !chip || irqchip != 1 ? 0 : 1;
}

int probe__main(const char *accel, const char *query, int irqchip)
{
	struct probe_table t;
	struct backend be;
	int f = -1, m = -1, i, r;
	const char *colon;

	if (query && (!strcmp(query, "smp") || !strncmp(query, "smp:", 4)))
		return probe__smp(accel, irqchip);
	if (query) {
		colon = strchr(query, ':');
		for (i = 0; colon && i < PROBE_NR_FEATURES; i++) {
			size_t n = colon - query;

			if (strlen(features[i].key) == n &&
			    !strncmp(features[i].key, query, n))
				f = i;
		}
		for (i = 0; colon && i < PROBE_NR_MODES; i++)
			if (!strcmp(mode_keys[i], colon + 1))
				m = i;
		if (f < 0 || m < 0) {
			pr_warn("--probe=%s: expected FEATURE:MODE with "
				"FEATURE step, int3, hbreak, watch, awatch or "
				"blockirq and MODE real, prot32 or long64",
				query);
			return 2;
		}
	}

	r = probe__open(&be, accel);
	if (r)
		return r;
	r = probe__run(&be, &t);
	backend__close(&be);
	if (r < 0) {
		pr_warn("%s: probe VM: %s", be.path, strerror(-r));
		return 1;
	}
	if (!query) {
		probe__print(&t, print_stdout, NULL);
		return 0;
	}
	printf("%s in %s: %s", features[f].words, mode_words[m],
	       t.cell[f][m].yes ? "yes" : "no");
	printf(" (%s)\n", t.cell[f][m].reason);
	return t.cell[f][m].yes ? 0 : 1;
}

const struct probe_table *probe__get(struct machine *m)
{
	if (!m->probe) {
		m->probe = xzalloc(sizeof(*m->probe));
		if (probe__run(&m->be, m->probe) < 0)
			m->probe_failed = true;
	}
	return m->probe_failed ? NULL : m->probe;
}

bool probe__int3_traps(struct machine *m)
{
	const struct probe_table *t = probe__get(m);
	int mode;

	if (!t)
		return false;
	for (mode = 0; mode < PROBE_NR_MODES; mode++)
		if (!t->cell[PROBE_INT3][mode].yes)
			return false;
	return true;
}
