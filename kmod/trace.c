// SPDX-License-Identifier: GPL-2.0
/*
 * HVDBG_TRACE: single steps inside the driver, one record per retired
 * instruction (include/hvdbg/uapi.h has the contract).  Stepping from
 * user space costs two system calls and a register copy per
 * instruction; here a step costs the guest entry and exit and a few
 * loads from the backend's own copy of the registers (hv_ops.trace_state).
 *
 * The loop is KVM_RUN's (vcpu.c) with the step armed: the backend's run
 * enters once and handles the exit, and a single-step trap is counted
 * here instead of going out to user space.  Anything else goes out as
 * KVM_RUN would send it, so user space handles it the same way.
 *
 * Context: process context, vcpu->lock held, as for KVM_RUN; sleeps
 * only between entries (cond_resched) and when copying records out.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/highmem.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include <hvdbg/uapi.h>
#include "hv.h"

/* Records gathered before one copy to user space (stack: 512 bytes). */
#define TRACE_BATCH	32
#define TRACE_DR6_BS	(1ULL << 14)
#define TRACE_INSN_MAX	15

/* Is the exit in v->run the trap of a plain single step? */
static bool hv_trace_plain_step(struct hv_vcpu *v)
{
	const struct kvm_run *run = v->run;

	return run->exit_reason == KVM_EXIT_DEBUG &&
	       run->debug.arch.exception == 1 &&
	       (run->debug.arch.dr6 & TRACE_DR6_BS) &&
	       !(run->debug.arch.dr6 & 0xf);
}

/* Linear -> guest-physical under the paging s describes (vm.c). */
static int hv_trace_walk(struct hv_vm *vm, const struct kvm_sregs *s,
			 u64 la, u64 *gpa)
{
	return hv_vm_walk(vm, s->cr0, s->cr3, s->cr4, s->efer, la, gpa);
}

/* Clear bit 0 of the guest byte at linear la; true if it was set. */
static bool hv_trace_clear_tf(struct hv_vm *vm, const struct kvm_sregs *s,
			      u64 la)
{
	struct page *pg;
	bool was = false;
	u64 gpa;
	u8 *p;

	if (hv_trace_walk(vm, s, la, &gpa))
		return false;
	mutex_lock(&vm->lock);
	pg = hv_vm_gpa_page(vm, gpa);
	if (!IS_ERR_OR_NULL(pg)) {
		p = kmap_local_page(pg);
		was = p[offset_in_page(gpa)] & 1;
		p[offset_in_page(gpa)] &= ~1;
		kunmap_local(p);
	}
	mutex_unlock(&vm->lock);
	return was;
}

/*
 * PUSHF (returns 0x9c and the bytes it pushes) or SYSCALL (0x0f05) at
 * the start of insn, after its prefixes; 0 for anything else.
 */
static unsigned int hv_trace_decode(const u8 *insn, int len, bool long64,
				    bool cs_db, int *size)
{
	bool opsize = false, rexw = false;
	int i;

	for (i = 0; i < len; i++) {
		u8 b = insn[i];

		if (b == 0x66)
			opsize = true;
		else if (b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
			 b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
			 b == 0x64 || b == 0x65)
			continue;
		else if (long64 && (b & 0xf0) == 0x40)
			rexw = b & 8;
		else
			break;
	}
	if (i >= len)
		return 0;
	if (insn[i] == 0x9c) {
		if (long64)
			*size = opsize && !rexw ? 2 : 8;
		else
			*size = cs_db != opsize ? 4 : 2;
		return 0x9c;
	}
	if (long64 && insn[i] == 0x0f && i + 1 < len && insn[i + 1] == 0x05)
		return 0x0f05;
	return 0;
}

/*
 * The step's TF is the driver's, but PUSHF and SYSCALL copy RFLAGS as
 * it was, TF included, where the guest sees it.  After a step whose
 * guest TF was clear: when the stack moved down by 2, 4 or 8 bytes or
 * R11 holds TF, look at the instruction and take TF back out.  Most
 * steps stop at the first test, which reads nothing from the guest.
 */
static void hv_trace_unleak(struct hv_vcpu *v,
			    const struct hv_trace_state *b,
			    const struct hv_trace_state *a)
{
	struct kvm_sregs s;
	u8 insn[TRACE_INSN_MAX];
	u64 diff = b->rsp - a->rsp, mask, la, gpa;
	bool long64;
	int len, size = 0;
	unsigned int op;

	if (b->rflags & X86_EFLAGS_TF)
		return;			/* the guest's own TF */
	if ((diff & 0xffff) != 2 && (diff & 0xffff) != 4 &&
	    (diff & 0xffff) != 8 && !(v->gprs[HV_R11] & X86_EFLAGS_TF))
		return;
	hv->get_sregs(v, &s);
	long64 = (s.efer & EFER_LMA) && s.cs.l;
	mask = long64 ? ~0ULL : s.ss.db ? 0xffffffffULL : 0xffffULL;
	la = long64 ? b->pc : b->pc & 0xffffffffULL;
	for (len = 0; len < TRACE_INSN_MAX; len++) {
		if (hv_trace_walk(v->vm, &s, la + len, &gpa) ||
		    hv_vm_read_gpa(v->vm, gpa, &insn[len], 1))
			break;
	}
	op = hv_trace_decode(insn, len, long64, s.cs.db, &size);
	if (op == 0x0f05) {
		v->gprs[HV_R11] &= ~(u64)X86_EFLAGS_TF;
		return;
	}
	/* Only a PUSHF that pushed (no fault) left a copy. */
	if (op != 0x9c || (a->rsp & mask) != ((b->rsp - size) & mask))
		return;
	/* TF is bit 0 of the pushed word's second byte. */
	la = s.ss.base + (a->rsp & mask) + 1;
	if (!long64)
		la &= 0xffffffffULL;
	hv_trace_clear_tf(v->vm, &s, la);
}

static int hv_trace_flush(void __user *records, u64 at,
			  const struct hvdbg_trace_rec *buf, unsigned int n)
{
	if (!n)
		return 0;
	return copy_to_user(records + at * sizeof(*buf), buf,
			    n * sizeof(*buf)) ? -EFAULT : 0;
}

int hv_vcpu_trace(struct hv_vcpu *v, u64 count, void __user *records)
{
	const u32 armed = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
			  KVM_GUESTDBG_BLOCKIRQ;
	struct hvdbg_trace_rec buf[TRACE_BATCH];
	struct hv_trace_state b, a;
	struct hv_vm *vm = v->vm;
	u32 saved = v->guest_debug;
	unsigned int n = 0, same = 0;
	u64 done = 0, flushed = 0;
	bool early = false;
	int r = 0, w;

	if (clear_user(records, count * sizeof(buf[0])))
		return -EFAULT;
	memset(buf, 0, sizeof(buf));
	v->guest_debug |= armed;
	if (v->guest_debug != saved)
		hv->set_guest_debug(v);
	mutex_lock(&vm->lock);
	vm->running++;
	mutex_unlock(&vm->lock);

	hv->trace_state(v, &b);
	while (done < count) {
		/* As KVM_RUN: a pending I/O completes first. */
		if (!v->pending &&
		    (signal_pending(current) || v->run->immediate_exit)) {
			v->run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		cond_resched();
		r = hv->run(v);
		if (r < 0)
			break;
		if (r > 0)
			continue;	/* not a step: an interrupt, a fault */
		if (!hv_trace_plain_step(v)) {
			early = true;
			break;
		}
		hv->trace_state(v, &a);
		/* A trap at the same place: counted as user space does. */
		if (a.pc == b.pc && a.cs == b.cs &&
		    ++same < HVDBG_TRACE_SAME_PC)
			continue;
		same = 0;
		hv_trace_unleak(v, &b, &a);
		buf[n].rip = b.rip;
		buf[n].cs = b.cs;
		n++;
		done++;
		if (n == TRACE_BATCH) {
			r = hv_trace_flush(records, flushed, buf, n);
			if (r)
				break;
			flushed += n;
			n = 0;
		}
		b = a;
	}

	mutex_lock(&vm->lock);
	vm->running--;
	mutex_unlock(&vm->lock);
	if (v->guest_debug != saved) {
		v->guest_debug = saved;
		hv->set_guest_debug(v);
	}
	/* The instruction the early exit belongs to. */
	if ((early || r == -EINTR) && done < count) {
		buf[n].rip = b.rip;
		buf[n].cs = b.cs;
		w = hv_trace_flush(records, flushed, buf, n + 1);
	} else {
		w = hv_trace_flush(records, flushed, buf, n);
	}
	if (w)
		return w;
	if (r < 0 && r != -EFAULT && done) {
		/* Retired instructions are reported; the next call, like
		 * KVM_RUN, meets the error again. */
		v->run->exit_reason = KVM_EXIT_INTR;
		return done;
	}
	if (r < 0)
		return r;
	return done;
}
