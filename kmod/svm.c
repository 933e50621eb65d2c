// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD SVM backend: per-CPU enable, the VMCB, nested page tables
 * built from the memory slots, the guest entry, and the exit handlers.
 *
 * Context: probe and hardware enable/disable run at module load and
 * unload (per-CPU parts with interrupts off, via on_each_cpu).  Every
 * other function runs in the process context of the vCPU's thread with
 * vcpu->lock held; svm_enter() alone turns preemption and interrupts
 * off and clears GIF around VMRUN, and nothing in between may sleep or
 * touch per-CPU data through GS (the guest's GS base is live between
 * VMLOAD and VMRUN in svm-enter.S).
 *
 * QEMU's TCG emulation of SVM does not arm breakpoints from the VMCB's
 * DR7 and reports INT3 through the INTn intercept rather than #BP; the
 * entry path therefore loads the effective DR0-DR3 and DR7 in host
 * context inside CLGI, and the INTn handler treats an INT at a 0xCC
 * byte as a breakpoint.  On real hardware this costs two DR7 writes
 * per entry while breakpoints are armed.  QEMU also matches execute
 * breakpoints against EIP rather than the linear address, which breaks
 * (and can crash QEMU) whenever CS.base is not 0; under a hypervisor
 * (CPUID.1:ECX.HYPERVISOR) execute breakpoints are therefore matched
 * here, by single-stepping the guest with TF and comparing CS.base+RIP,
 * while data breakpoints stay with the (emulated) hardware.
 *
 * Stepping only where a breakpoint can hit: before each entry the
 * linear address of every such breakpoint is translated through the
 * guest's current paging (svm_gva_to_gpa; physical with paging off) and
 * its guest-physical page is marked no-execute (bit 63) in the nested
 * tables, which the host's EFER.NXE makes meaningful.  The guest runs
 * free; an instruction fetch from a marked page is a nested page fault,
 * which lifts the mark (svm_nx_lift) and makes this vCPU step until
 * CS.base+RIP leaves the linear page it faulted in; then the mark goes
 * back.  While running free with marks, CR0/CR3/CR4 writes and INVLPG
 * exit (stepped over, not reported) so that the next entry sees the new
 * paging.  A breakpoint that does not translate, or a host without
 * EFER.NXE, falls back to stepping everything.  Limit: a guest that
 * changes the mapping of a breakpoint's page and uses it with no exit
 * at all (no CR3 load, no INVLPG: a TLB the architecture does not
 * promise) runs past the breakpoint.  The nested tables are per VM:
 * each page counts the vCPUs with a breakpoint on it (refs) and those
 * stepping through it (lifted); it is no-execute only with refs and no
 * lifts.  A vCPU that lifts a page kicks the vCPUs with a breakpoint
 * there out of the guest (IPI); svm_nx_check, with IRQs off just before
 * VMRUN, makes them step while the page is lifted, and flushes a TLB
 * that may predate a mark.
 */
#define pr_fmt(fmt) "hvdbg: " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>

#include <hvdbg/uapi.h>
#include "hv.h"
#include "svm.h"

#define DR6_INIT	0xffff0ff0ULL
#define DR6_BS_BIT	(1ULL << 14)
#define DR7_INIT	0x400ULL
#define DR7_GD_BIT	(1ULL << 13)
#define DR7_ENABLES	0xffULL
#define EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)
#define CR4_ALLOWED	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
			 X86_CR4_FSGSBASE | X86_CR4_OSXSAVE)
#define PTE_ADDR	0x000ffffffffff000ULL
#define NPT_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)
#define NPT_NX		(1ULL << 63)
/* Pages marked no-execute for execute breakpoints, per VM. */
#define SVM_NX_MAX	16
#define SVM_CR_WATCH	((1U << 16) | (1U << 19) | (1U << 20))

static inline void clgi(void)
{
	asm volatile("clgi" : : : "memory");
}

static inline void stgi(void)
{
	asm volatile("stgi" : : : "memory");
}

/* svm-enter.S */
asmlinkage void __hv_svm_run(u64 vmcb_pa, u64 *gprs, u64 host_pa);

struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: VMRUN's host area */
	struct page *host_vmcb;		/* VMSAVE/VMLOAD of host state */
	bool enabled;			/* we set EFER.SVME here */
	/* The VMCB that last ran here: another one means stale TLB
	 * entries under the shared ASID. */
	struct svm_vmcb *last_vmcb;
};
static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

/* Execute breakpoints matched by stepping (see the top of the file). */
static bool svm_exec_bp_quirk;
/* The host pages with EFER.NXE: bit 63 of a nested entry means NX. */
static bool svm_npt_nx;

/* All ports and all MSRs intercepted: shared, never written again. */
static void *svm_iopm;			/* 12 KiB */
static void *svm_msrpm;			/* 8 KiB */

/*
 * A guest-physical page holding execute breakpoints.  It is no-execute
 * in the nested tables while some vCPU has a breakpoint on it (refs)
 * and none is stepping through it (lifted).  vm->lock guards the table.
 */
struct svm_nx {
	u64 gpa;
	unsigned int refs;
	unsigned int lifted;
};

struct svm_vm {
	u64 *npt_root;
	u64 npt_gen;			/* vm->mem_gen the tables match */
	struct svm_nx nx[SVM_NX_MAX];
	/* Bumped when a page turns no-execute: every vCPU of the VM
	 * flushes its TLB before it next runs free. */
	u64 nx_gen;
};

struct svm_vcpu {
	struct svm_vmcb *vmcb;
	u64 vmcb_pa;
	int last_cpu;
	bool flush;			/* the TLB must go at next entry */
	bool tf_set;			/* TF is ours, not the guest's */
	/* Execute breakpoints (DR7 bits) matched here, not by the CPU. */
	u8 step_bps;
	/* This entry steps with TF to match them (or to leave a page
	 * whose no-execute mark it lifted). */
	bool bp_step;
	/* The pages of step_bps, indexes into svm_vm.nx (vm->lock). */
	int nx_idx[4];
	int nx_n;
	/* A breakpoint that does not translate: step everything. */
	bool nx_all;
	/* Lifted the mark of nx[lift_idx] to step through it; steps
	 * until CS.base+RIP leaves the linear page lift_la. */
	bool lifted;
	int lift_idx;
	u64 lift_la;
	u64 nx_seen;			/* svm_vm.nx_gen this TLB matches */
	int cur_cpu;			/* in svm_enter with IRQs off, or -1 */
	/* After a catchpoint exit: what resuming at catch_at means. */
	enum { CATCH_NONE, CATCH_STEP, CATCH_REINJECT, CATCH_SKIP } catch_next;
	u64 catch_at;
	u32 catch_event;		/* CATCH_REINJECT: event_inj value */
	u32 catch_err;
	u64 catch_cr2;
	/* Stepping over a caught instruction, its intercepts lifted;
	 * stepped_over: the exit being handled ends such a step. */
	bool step_over;
	bool stepped_over;
	/* The exit being handled moved RIP past an instruction the guest
	 * did not run (svm_skip): with single-step on, that instruction
	 * is the step, and it ends here. */
	bool skipped;
	u64 step_over_at;
	u64 guest_dr7;			/* the guest's own DR7 */
};

static_assert(offsetof(struct hv_vcpu, gprs) % 8 == 0);

static inline struct svm_vcpu *to_svm(struct hv_vcpu *v)
{
	return v->arch;
}

/* ---------------------------------------------------------------- */
/* Probe, enable, disable */

static int svm_probe(void)
{
	struct path path;
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("this CPU has no AMD SVM; not loading\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("SVM without nested paging is not supported; not loading\n");
		return -ENODEV;
	}
	svm_exec_bp_quirk = boot_cpu_has(X86_FEATURE_HYPERVISOR);
	rdmsrl(MSR_EFER, vm_cr);
	svm_npt_nx = vm_cr & EFER_NX;
	rdmsrl(SVM_MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVMDIS) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS); not loading\n");
		return -ENODEV;
	}
	if (!kern_path("/sys/module/kvm_amd", 0, &path)) {
		path_put(&path);
		pr_err("SVM is in use: kvm_amd is loaded (rmmod kvm_amd first); not loading\n");
		return -EBUSY;
	}
	return 0;
}

/* Interrupts off.  Sets EFER.SVME unless someone else already has. */
static bool svm_cpu_enable(struct svm_cpu *c)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return c->enabled;
	wrmsrl(SVM_MSR_VM_HSAVE_PA, page_to_phys(c->hsave));
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	c->enabled = true;
	c->last_vmcb = NULL;
	return true;
}

static void svm_enable_one(void *failed)
{
	if (!svm_cpu_enable(this_cpu_ptr(&svm_cpus)))
		atomic_inc(failed);
}

static void svm_disable_one(void *unused)
{
	struct svm_cpu *c = this_cpu_ptr(&svm_cpus);
	u64 efer;

	if (!c->enabled)
		return;
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(SVM_MSR_VM_HSAVE_PA, 0);
	c->enabled = false;
}

static void svm_free_percpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);

		if (c->hsave)
			__free_page(c->hsave);
		if (c->host_vmcb)
			__free_page(c->host_vmcb);
		c->hsave = c->host_vmcb = NULL;
	}
	free_pages((unsigned long)svm_iopm, 2);
	free_pages((unsigned long)svm_msrpm, 1);
	svm_iopm = svm_msrpm = NULL;
}

static void svm_hardware_disable(void)
{
	on_each_cpu(svm_disable_one, NULL, 1);
	svm_free_percpu();
}

static int svm_hardware_enable(void)
{
	atomic_t failed = ATOMIC_INIT(0);
	int cpu;

	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, 2);
	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, 1);
	if (!svm_iopm || !svm_msrpm)
		goto nomem;
	memset(svm_iopm, 0xff, PAGE_SIZE << 2);
	memset(svm_msrpm, 0xff, PAGE_SIZE << 1);
	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);

		c->hsave = alloc_pages_node(cpu_to_node(cpu),
					    GFP_KERNEL | __GFP_ZERO, 0);
		c->host_vmcb = alloc_pages_node(cpu_to_node(cpu),
						GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->hsave || !c->host_vmcb)
			goto nomem;
	}
	on_each_cpu(svm_enable_one, &failed, 1);
	if (atomic_read(&failed)) {
		pr_err("SVM is in use on %d CPU(s): EFER.SVME is already set by another hypervisor; not loading\n",
		       atomic_read(&failed));
		svm_hardware_disable();
		return -EBUSY;
	}
	return 0;
nomem:
	svm_free_percpu();
	return -ENOMEM;
}

/* ---------------------------------------------------------------- */
/* Nested page tables */

static void npt_free_level(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < 512; i++) {
			if (!(table[i] & _PAGE_PRESENT))
				continue;
			npt_free_level(phys_to_virt(table[i] & PTE_ADDR),
				       level - 1);
		}
	}
	free_page((unsigned long)table);
}

/* Empty the tables but keep the root, which nested_cr3 points at. */
static void npt_clear(struct svm_vm *s)
{
	int i;

	for (i = 0; i < 512; i++) {
		if (s->npt_root[i] & _PAGE_PRESENT)
			npt_free_level(phys_to_virt(s->npt_root[i] & PTE_ADDR),
				       3);
		s->npt_root[i] = 0;
	}
}

/* The page is no-execute for execute breakpoints (vm->lock held). */
static bool npt_marked(struct svm_vm *s, u64 gpa)
{
	int i;

	for (i = 0; i < SVM_NX_MAX; i++)
		if (s->nx[i].refs && !s->nx[i].lifted &&
		    s->nx[i].gpa == (gpa & PAGE_MASK))
			return true;
	return false;
}

/* The leaf entry of gpa, or NULL where no table reaches it yet. */
static u64 *npt_pte(struct svm_vm *s, u64 gpa)
{
	u64 *table = s->npt_root;
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		u64 e = table[(gpa >> shift) & 511];

		if (!(e & _PAGE_PRESENT))
			return NULL;
		table = phys_to_virt(e & PTE_ADDR);
	}
	return &table[(gpa >> 12) & 511];
}

static int npt_map(struct svm_vm *s, u64 gpa, phys_addr_t hpa)
{
	u64 *table = s->npt_root;
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		u64 *e = &table[(gpa >> shift) & 511];

		if (!(*e & _PAGE_PRESENT)) {
			void *next;

			next = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

			if (!next)
				return -ENOMEM;
			*e = virt_to_phys(next) | NPT_FLAGS;
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	table[(gpa >> 12) & 511] = hpa | NPT_FLAGS |
				   (npt_marked(s, gpa) ? NPT_NX : 0);
	return 0;
}

/* vm->lock held; no vCPU of this VM is in the guest. */
static int npt_build(struct hv_vm *vm)
{
	struct svm_vm *s = vm->arch;
	unsigned long i;
	int n, r;

	npt_clear(s);
	for (n = 0; n < HV_MAX_SLOTS; n++) {
		struct hv_slot *slot = &vm->slots[n];

		if (!slot->used)
			continue;
		for (i = 0; i < slot->npages; i++) {
			if (!slot->pages[i])
				continue;
			r = npt_map(s, slot->gpa + ((u64)i << PAGE_SHIFT),
				    page_to_phys(slot->pages[i]));
			if (r) {
				npt_clear(s);
				return r;
			}
		}
	}
	s->npt_gen = vm->mem_gen;
	return 0;
}

static int svm_vm_init(struct hv_vm *vm)
{
	struct svm_vm *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (!s)
		return -ENOMEM;
	s->npt_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!s->npt_root) {
		kfree(s);
		return -ENOMEM;
	}
	s->npt_gen = vm->mem_gen;
	vm->arch = s;
	return 0;
}

static void svm_vm_free(struct hv_vm *vm)
{
	struct svm_vm *s = vm->arch;

	npt_clear(s);
	free_page((unsigned long)s->npt_root);
	kfree(s);
}

/* ---------------------------------------------------------------- */
/* Segments and reset state */

static void seg_to_svm(struct svm_seg *d, const struct kvm_segment *s)
{
	d->selector = s->selector;
	d->limit = s->limit;
	d->base = s->base;
	if (s->unusable || !s->present) {
		d->attrib = 0;
		return;
	}
	d->attrib = (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
		    1 << 7 | (s->avl & 1) << 8 | (s->l & 1) << 9 |
		    (s->db & 1) << 10 | (s->g & 1) << 11;
}

static void seg_from_svm(struct kvm_segment *d, const struct svm_seg *s)
{
	memset(d, 0, sizeof(*d));
	d->selector = s->selector;
	d->limit = s->limit;
	d->base = s->base;
	d->type = s->attrib & 0xf;
	d->s = (s->attrib >> 4) & 1;
	d->dpl = (s->attrib >> 5) & 3;
	d->present = (s->attrib >> 7) & 1;
	d->avl = (s->attrib >> 8) & 1;
	d->l = (s->attrib >> 9) & 1;
	d->db = (s->attrib >> 10) & 1;
	d->g = (s->attrib >> 11) & 1;
	d->unusable = !d->present;
}

static void svm_seg_reset(struct svm_seg *s, u16 sel, u64 base, u16 attrib)
{
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->attrib = attrib;
}

/* The state of a CPU after RESET: real mode at F000:FFF0. */
static void svm_reset(struct hv_vcpu *v)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	svm_seg_reset(&s->cs, 0xf000, 0xffff0000, 0x9b);
	svm_seg_reset(&s->ds, 0, 0, 0x93);
	svm_seg_reset(&s->es, 0, 0, 0x93);
	svm_seg_reset(&s->ss, 0, 0, 0x93);
	svm_seg_reset(&s->fs, 0, 0, 0x93);
	svm_seg_reset(&s->gs, 0, 0, 0x93);
	svm_seg_reset(&s->gdtr, 0, 0, 0);
	svm_seg_reset(&s->idtr, 0, 0, 0);
	svm_seg_reset(&s->ldtr, 0, 0, 0x82);
	svm_seg_reset(&s->tr, 0, 0, 0x8b);
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s->cr3 = 0;
	s->cr4 = 0;
	s->dr6 = DR6_INIT;
	s->dr7 = DR7_INIT;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->rsp = 0;
	s->rax = 0;
	s->g_pat = 0x0007040600070406ULL;
	to_svm(v)->guest_dr7 = DR7_INIT;
}

/* The intercepts guest debugging and the catchpoints ask for. */
static void svm_update_intercepts(struct hv_vcpu *v)
{
	struct svm_control *c = &to_svm(v)->vmcb->control;
	u32 f = v->catch_flags;

	c->intercept_exceptions = v->catch_exceptions;
	c->intercept_misc1 &= ~(SVM_INTERCEPT_INTN | SVM_INTERCEPT_IDTR_WRITE |
				SVM_INTERCEPT_GDTR_WRITE |
				SVM_INTERCEPT_INVLPG);
	if (v->guest_debug & KVM_GUESTDBG_ENABLE)
		c->intercept_exceptions |= 1U << 1;
	if (v->guest_debug & KVM_GUESTDBG_USE_SW_BP) {
		c->intercept_exceptions |= 1U << 3;
		c->intercept_misc1 |= SVM_INTERCEPT_INTN;
	}
	c->intercept_cr = ((f & HVDBG_CATCH_CR0) ? 1U << 16 : 0) |
			  ((f & HVDBG_CATCH_CR3) ? 1U << 19 : 0) |
			  ((f & HVDBG_CATCH_CR4) ? 1U << 20 : 0);
	if (f & HVDBG_CATCH_IDT)
		c->intercept_misc1 |= SVM_INTERCEPT_IDTR_WRITE;
	if (f & HVDBG_CATCH_GDT)
		c->intercept_misc1 |= SVM_INTERCEPT_GDTR_WRITE;
}

static void svm_set_guest_debug(struct hv_vcpu *v)
{
	svm_update_intercepts(v);
}

static void svm_set_catch(struct hv_vcpu *v)
{
	svm_update_intercepts(v);
}

static int svm_vcpu_init(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	struct svm_control *c;
	struct svm_vcpu *sv;
	struct page *p;

	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!p) {
		kfree(sv);
		return -ENOMEM;
	}
	sv->vmcb = page_address(p);
	sv->vmcb_pa = page_to_phys(p);
	sv->last_cpu = -1;
	sv->cur_cpu = -1;
	sv->flush = true;
	v->arch = sv;

	c = &sv->vmcb->control;
	/* Everything that could reach the host or another guest exits. */
	c->intercept_dr = 0x00ff00ff;
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI |
			     SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			     SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO |
			     SVM_INTERCEPT_MSR | SVM_INTERCEPT_TASK_SWITCH |
			     SVM_INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |
			     SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE |
			     SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			     SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_MONITOR |
			     SVM_INTERCEPT2_MWAIT | SVM_INTERCEPT2_XSETBV;
	c->iopm_base_pa = virt_to_phys(svm_iopm);
	c->msrpm_base_pa = virt_to_phys(svm_msrpm);
	c->asid = 1;
	/* Physical interrupts follow the host's IF, not the guest's. */
	c->int_ctl = SVM_V_INTR_MASKING;
	c->nested_ctl = 1;
	c->nested_cr3 = virt_to_phys(((struct svm_vm *)vm->arch)->npt_root);
	svm_reset(v);
	svm_update_intercepts(v);
	return 0;
}

static void svm_nx_release(struct hv_vcpu *v);
static void svm_nx_unlift(struct hv_vcpu *v);

static void svm_vcpu_free(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	int cpu;

	mutex_lock(&v->vm->lock);
	svm_nx_unlift(v);
	svm_nx_release(v);
	mutex_unlock(&v->vm->lock);

	/* No CPU may keep a pointer that a new VMCB could reuse. */
	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);

		cmpxchg(&c->last_vmcb, sv->vmcb, NULL);
	}
	free_page((unsigned long)sv->vmcb);
	kfree(sv);
}

/* ---------------------------------------------------------------- */
/* Registers */

static void svm_get_regs(struct hv_vcpu *v, struct kvm_regs *r)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	r->rax = s->rax;
	r->rbx = v->gprs[HV_RBX];
	r->rcx = v->gprs[HV_RCX];
	r->rdx = v->gprs[HV_RDX];
	r->rsi = v->gprs[HV_RSI];
	r->rdi = v->gprs[HV_RDI];
	r->rsp = s->rsp;
	r->rbp = v->gprs[HV_RBP];
	r->r8 = v->gprs[HV_R8];
	r->r9 = v->gprs[HV_R9];
	r->r10 = v->gprs[HV_R10];
	r->r11 = v->gprs[HV_R11];
	r->r12 = v->gprs[HV_R12];
	r->r13 = v->gprs[HV_R13];
	r->r14 = v->gprs[HV_R14];
	r->r15 = v->gprs[HV_R15];
	r->rip = s->rip;
	r->rflags = s->rflags;
}

static void svm_set_regs(struct hv_vcpu *v, const struct kvm_regs *r)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	s->rax = r->rax;
	v->gprs[HV_RBX] = r->rbx;
	v->gprs[HV_RCX] = r->rcx;
	v->gprs[HV_RDX] = r->rdx;
	v->gprs[HV_RSI] = r->rsi;
	v->gprs[HV_RDI] = r->rdi;
	s->rsp = r->rsp;
	v->gprs[HV_RBP] = r->rbp;
	v->gprs[HV_R8] = r->r8;
	v->gprs[HV_R9] = r->r9;
	v->gprs[HV_R10] = r->r10;
	v->gprs[HV_R11] = r->r11;
	v->gprs[HV_R12] = r->r12;
	v->gprs[HV_R13] = r->r13;
	v->gprs[HV_R14] = r->r14;
	v->gprs[HV_R15] = r->r15;
	s->rip = r->rip;
	/* Only architecturally defined flags; bit 1 always set. */
	s->rflags = (r->rflags & 0x3f7fd5) | X86_EFLAGS_FIXED;
	v->shutdown = false;
}

static void svm_get_sregs(struct hv_vcpu *v, struct kvm_sregs *r)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	memset(r, 0, sizeof(*r));
	seg_from_svm(&r->cs, &s->cs);
	seg_from_svm(&r->ds, &s->ds);
	seg_from_svm(&r->es, &s->es);
	seg_from_svm(&r->fs, &s->fs);
	seg_from_svm(&r->gs, &s->gs);
	seg_from_svm(&r->ss, &s->ss);
	seg_from_svm(&r->tr, &s->tr);
	r->tr.unusable = 0;
	seg_from_svm(&r->ldt, &s->ldtr);
	r->gdt.base = s->gdtr.base;
	r->gdt.limit = s->gdtr.limit;
	r->idt.base = s->idtr.base;
	r->idt.limit = s->idtr.limit;
	r->cr0 = s->cr0;
	r->cr2 = s->cr2;
	r->cr3 = s->cr3;
	r->cr4 = s->cr4;
	r->efer = s->efer & ~EFER_SVME;
	r->cr8 = to_svm(v)->vmcb->control.int_ctl & SVM_V_TPR_MASK;
	if (v->irq_pending >= 0)
		r->interrupt_bitmap[v->irq_pending / 64] |=
			1ULL << (v->irq_pending % 64);
}

static int svm_set_sregs(struct hv_vcpu *v, const struct kvm_sregs *r)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_save *s = &sv->vmcb->save;
	int i, irq;

	if (r->efer & ~EFER_ALLOWED || r->cr0 >> 32 ||
	    r->cr4 & ~CR4_ALLOWED || r->cr3 >> 52 ||
	    ((r->cr0 & X86_CR0_PG) && !(r->cr0 & X86_CR0_PE)) ||
	    ((r->efer & EFER_LMA) && !(r->cr0 & X86_CR0_PG)) ||
	    ((r->cr0 & X86_CR0_NW) && !(r->cr0 & X86_CR0_CD)) ||
	    r->cr8 > SVM_V_TPR_MASK)
		return -EINVAL;
	/* The bitmap is the pending external interrupt, as GET_SREGS
	 * reports it: at most one, and none clears it. */
	irq = -1;
	for (i = 0; i < 4; i++) {
		u64 b = r->interrupt_bitmap[i];

		if (b) {
			if (irq >= 0 || hweight64(b) > 1)
				return -EINVAL;
			irq = i * 64 + __ffs64(b);
		}
	}
	v->irq_pending = irq;
	seg_to_svm(&s->cs, &r->cs);
	seg_to_svm(&s->ds, &r->ds);
	seg_to_svm(&s->es, &r->es);
	seg_to_svm(&s->fs, &r->fs);
	seg_to_svm(&s->gs, &r->gs);
	seg_to_svm(&s->ss, &r->ss);
	seg_to_svm(&s->tr, &r->tr);
	seg_to_svm(&s->ldtr, &r->ldt);
	s->gdtr.base = r->gdt.base;
	s->gdtr.limit = r->gdt.limit;
	s->idtr.base = r->idt.base;
	s->idtr.limit = r->idt.limit;
	s->cr0 = r->cr0;
	s->cr2 = r->cr2;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	/* With V_INTR_MASKING the guest's CR8 is the VMCB's V_TPR. */
	sv->vmcb->control.int_ctl = (sv->vmcb->control.int_ctl &
				     ~SVM_V_TPR_MASK) | r->cr8;
	s->efer = r->efer | EFER_SVME;
	s->cpl = (r->cr0 & X86_CR0_PE) ? r->ss.dpl & 3 : 0;
	sv->flush = true;
	v->shutdown = false;
	return 0;
}

static void svm_get_debugregs(struct hv_vcpu *v, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->db, v->db, sizeof(d->db));
	d->dr6 = to_svm(v)->vmcb->save.dr6;
	d->dr7 = to_svm(v)->guest_dr7;
}

static void svm_set_debugregs(struct hv_vcpu *v, const struct kvm_debugregs *d)
{
	memcpy(v->db, d->db, sizeof(v->db));
	to_svm(v)->vmcb->save.dr6 = d->dr6 | DR6_INIT;
	to_svm(v)->guest_dr7 = (d->dr7 | DR7_INIT) & ~DR7_GD_BIT;
}

/* ---------------------------------------------------------------- */
/* Guest memory through the guest's own paging */

/* Linear -> guest-physical for the guest's current paging mode. */
static int svm_gva_to_gpa(struct hv_vcpu *v, u64 la, u64 *gpa)
{
	const struct svm_save *s = &to_svm(v)->vmcb->save;

	return hv_vm_walk(v->vm, s->cr0, s->cr3, s->cr4, s->efer, la, gpa);
}

/* Bytes at CS:RIP, as many as len asks, one page at a time. */
static int svm_fetch(struct hv_vcpu *v, u8 *buf, int len)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;
	u64 la = s->cs.base + s->rip;
	int i;

	if (!(s->efer & EFER_LMA) || !(s->cs.attrib & (1 << 9)))
		la &= 0xffffffffULL;
	for (i = 0; i < len; i++) {
		u64 gpa;

		if (svm_gva_to_gpa(v, la + i, &gpa) ||
		    hv_vm_read_gpa(v->vm, gpa, &buf[i], 1))
			return -EFAULT;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Execute breakpoints matched in software (see the top of the file) */

/* DR7 enable bits (L and G) of the enabled execute breakpoints. */
static u8 dr7_exec_enables(u64 dr7)
{
	u8 m = 0;
	int i;

	for (i = 0; i < 4; i++)
		if ((dr7 >> (2 * i)) & 3 && !((dr7 >> (16 + 4 * i)) & 3))
			m |= 3 << (2 * i);
	return m;
}

/* The first armed execute breakpoint at the current CS.base+RIP. */
static int svm_step_bp_hit(struct hv_vcpu *v, const u64 *db, u8 bps);

/* ---------------------------------------------------------------- */
/* Exit helpers */

static u64 svm_pc(struct hv_vcpu *v)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	return s->cs.base + s->rip;
}

static void svm_inject(struct hv_vcpu *v, u32 vector, u32 type, int err)
{
	struct svm_control *c = &to_svm(v)->vmcb->control;

	c->event_inj = vector | type | SVM_EVT_VALID;
	if (err >= 0) {
		c->event_inj |= SVM_EVT_ERR_VALID;
		c->event_inj_err = err;
	}
}

static void svm_get_exception(struct hv_vcpu *v, struct kvm_vcpu_events *ev)
{
	struct svm_control *c = &to_svm(v)->vmcb->control;

	if (!(c->event_inj & SVM_EVT_VALID) ||
	    (c->event_inj & (7U << 8)) != SVM_EVT_TYPE_EXCEPTION)
		return;
	ev->exception.injected = 1;
	ev->exception.nr = c->event_inj & 0xff;
	ev->exception.has_error_code = !!(c->event_inj & SVM_EVT_ERR_VALID);
	ev->exception.error_code = c->event_inj_err;
}

/* Queue the exception, or drop a queued one (not an interrupt). */
static void svm_set_exception(struct hv_vcpu *v,
			      const struct kvm_vcpu_events *ev)
{
	struct kvm_vcpu_events now = { 0 };

	if (ev->exception.injected || ev->exception.pending) {
		svm_inject(v, ev->exception.nr, SVM_EVT_TYPE_EXCEPTION,
			   ev->exception.has_error_code ?
			   (int)ev->exception.error_code : -1);
		return;
	}
	svm_get_exception(v, &now);
	if (now.exception.injected)
		to_svm(v)->vmcb->control.event_inj = 0;
}

/* Move RIP past an instruction of len bytes the guest did not run. */
static void svm_skip(struct hv_vcpu *v, int len)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;

	vmcb->save.rip += len;
	vmcb->control.int_state &= ~1U;
	to_svm(v)->skipped = true;
}

static int svm_internal_error(struct hv_vcpu *v, u32 suberror)
{
	struct svm_control *c = &to_svm(v)->vmcb->control;
	struct kvm_run *run = v->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = c->exit_code;
	run->internal.data[1] = c->exit_info_1;
	run->internal.data[2] = c->exit_info_2;
	return 0;
}

static void svm_debug_exit(struct hv_vcpu *v, u32 exception, u64 dr6)
{
	struct kvm_run *run = v->run;

	run->exit_reason = KVM_EXIT_DEBUG;
	memset(&run->debug, 0, sizeof(run->debug));
	run->debug.arch.exception = exception;
	run->debug.arch.pc = svm_pc(v);
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = to_svm(v)->vmcb->save.dr7;
}

/* ---------------------------------------------------------------- */
/* Exit handlers: return 1 to re-enter the guest, 0 when v->run holds
 * an exit for user space. */

static int svm_exit_continue(struct hv_vcpu *v)
{
	/* INTR, NMI, SMI: delivered to the host once GIF is set again. */
	return 1;
}

static int svm_exit_ud(struct hv_vcpu *v)
{
	/* SVM instructions and MONITOR/MWAIT do not exist for the guest. */
	svm_inject(v, 6, SVM_EVT_TYPE_EXCEPTION, -1);
	return 1;
}

static int svm_exit_gp(struct hv_vcpu *v)
{
	/* XSETBV: the guest runs with the host's XCR0 and may not change it. */
	svm_inject(v, 13, SVM_EVT_TYPE_EXCEPTION, 0);
	return 1;
}

static int svm_exit_invd(struct hv_vcpu *v)
{
	/* Caches are the host's: INVD is a no-op (0F 08). */
	svm_skip(v, 2);
	return 1;
}

static int svm_exit_db(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_save *s = &sv->vmcb->save;
	u64 dr6 = s->dr6;
	int hit;

	/* The step over a caught instruction, nobody else's. */
	if (sv->stepped_over && (dr6 & DR6_BS_BIT) && !sv->bp_step &&
	    !(v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) {
		s->dr6 = DR6_INIT;
		return 1;
	}
	/* A step of ours towards a software-matched breakpoint. */
	if (sv->bp_step && (dr6 & DR6_BS_BIT)) {
		const u64 *db = (v->guest_debug & KVM_GUESTDBG_USE_HW_BP) ?
				v->dbg_db : v->db;

		hit = svm_step_bp_hit(v, db, sv->step_bps);
		/* A data breakpoint that fired on the same instruction
		 * (B0-B3) is reported too, not lost with our step. */
		if (hit >= 0 || (dr6 & 0xf) ||
		    (v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) {
			if (hit >= 0)
				dr6 = (dr6 & ~DR6_BS_BIT) | 1U << hit;
			else
				dr6 &= ~DR6_BS_BIT;
			if (v->guest_debug & KVM_GUESTDBG_SINGLESTEP)
				dr6 |= DR6_BS_BIT;
			if (!(v->guest_debug & KVM_GUESTDBG_ENABLE)) {
				/* The guest's own breakpoint: its #DB. */
				s->dr6 = dr6 & ~DR6_BS_BIT;
				svm_inject(v, 1, SVM_EVT_TYPE_EXCEPTION, -1);
				return 1;
			}
			svm_debug_exit(v, 1, dr6);
			s->dr6 = DR6_INIT;
			return 0;
		}
		s->dr6 = DR6_INIT;
		return 1;
	}

	if (v->guest_debug & (KVM_GUESTDBG_SINGLESTEP |
			      KVM_GUESTDBG_USE_HW_BP)) {
		svm_debug_exit(v, 1, dr6);
		s->dr6 = DR6_INIT;
		return 0;
	}
	svm_inject(v, 1, SVM_EVT_TYPE_EXCEPTION, -1);
	return 1;
}

static int svm_exit_bp(struct hv_vcpu *v)
{
	/* The #BP intercept fires before delivery, RIP at the INT3. */
	svm_debug_exit(v, 3, DR6_INIT);
	return 0;
}

/*
 * INTn (intercepted only while software breakpoints are armed): under
 * QEMU this is how INT3 arrives.  An INT3 opcode is a breakpoint; any
 * other INT is delivered to the guest as the CPU would have.
 */
static int svm_exit_swint(struct hv_vcpu *v)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	u8 insn[2];

	if (svm_fetch(v, insn, 1))
		return svm_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	switch (insn[0]) {
	case 0xcc:
		svm_debug_exit(v, 3, DR6_INIT);
		return 0;
	case 0xce:			/* INTO, taken: #OF */
		svm_skip(v, 1);
		svm_inject(v, 4, SVM_EVT_TYPE_EXCEPTION, -1);
		return 1;
	case 0xcd:
		if (svm_fetch(v, insn, 2))
			return svm_internal_error(v,
					KVM_INTERNAL_ERROR_EMULATION);
		svm_skip(v, 2);
		vmcb->control.next_rip = vmcb->save.rip;
		svm_inject(v, insn[1], SVM_EVT_TYPE_SOFT, -1);
		return 1;
	default:
		return svm_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	}
}

static int svm_exit_hlt(struct hv_vcpu *v)
{
	svm_skip(v, 1);
	v->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/* The guest's registers as two arrays, the VMCB keeping RAX and RSP. */
static void svm_gprs_out(struct hv_vcpu *v, u64 *gprs)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	memcpy(gprs, v->gprs, sizeof(v->gprs));
	gprs[HV_RAX] = s->rax;
	gprs[HV_RSP] = s->rsp;
}

/* What emulate.c decodes and carries out instructions against. */
static void svm_emu_regs(struct hv_vcpu *v, struct hv_emu_regs *r)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	struct svm_save *s = &vmcb->save;
	const struct svm_seg *segs[6] = {
		&s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs,
	};
	int i;

	svm_gprs_out(v, r->gprs);
	r->rip = s->rip;
	r->rflags = s->rflags;
	r->cr0 = s->cr0;
	r->cr3 = s->cr3;
	r->cr4 = s->cr4;
	r->efer = s->efer;
	for (i = 0; i < 6; i++)
		r->seg_base[i] = segs[i]->base;
	r->cs_l = s->cs.attrib & (1 << 9);
	r->cs_db = s->cs.attrib & (1 << 10);
	r->insn_len = 0;
}

/* An access outside every slot: MMIO, for emulate.c to decode. */
static int svm_emulate_mmio(struct hv_vcpu *v)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	struct hv_emu_regs r;

	svm_emu_regs(v, &r);
	/* Decode assists, where the CPU has them, fill these in. */
	r.insn_len = min_t(u8, vmcb->control.insn_len & 0xf, sizeof(r.insn));
	memcpy(r.insn, vmcb->control.insn_bytes, r.insn_len);
	return hv_emulate_mmio(v, &r, vmcb->control.exit_info_2);
}

static int svm_exit_io(struct hv_vcpu *v)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	struct kvm_run *run = v->run;
	u64 info = vmcb->control.exit_info_1;
	unsigned int size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;

	if (size != 1 && size != 2 && size != 4)
		return svm_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	/* INS/OUTS: emulate.c moves the data between memory and the run
	 * page, as many items at a time as fit. */
	if (info & SVM_IOIO_STR) {
		struct hv_emu_regs r;

		svm_emu_regs(v, &r);
		if (hv_emulate_pio_string(v, &r, info >> 16, size,
					  info & SVM_IOIO_IN,
					  vmcb->control.exit_info_2) == 0)
			return 0;
		/* REP with rCX 0: nothing to move. */
		svm_skip(v, v->pending_rip - vmcb->save.rip);
		return 1;
	}
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = (info & SVM_IOIO_IN) ? KVM_EXIT_IO_IN :
						   KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = info >> 16;
	run->io.count = 1;
	run->io.data_offset = HV_PIO_OFFSET;
	if (info & SVM_IOIO_IN) {
		memset((u8 *)run + HV_PIO_OFFSET, 0, size);
		v->pending = HV_PENDING_IO_IN;
	} else {
		memcpy((u8 *)run + HV_PIO_OFFSET, &vmcb->save.rax, size);
		v->pending = HV_PENDING_SKIP;
	}
	v->pending_size = size;
	v->pending_rip = vmcb->control.exit_info_2;
	v->pending_at = vmcb->save.rip;
	return 0;
}

static int svm_catch_exit(struct hv_vcpu *v, u32 what, u64 dr6, u64 dr7,
			  int next);

/*
 * The MSRs kept in the VMCB's save area, which VMLOAD (svm-enter.S)
 * puts in the CPU for the guest: the SYSCALL/SYSENTER set, the segment
 * bases and PAT.  NULL: not one of them.
 */
static u64 *svm_msr_slot(struct svm_save *s, u32 msr)
{
	switch (msr) {
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case MSR_FS_BASE:		return &s->fs.base;
	case MSR_GS_BASE:		return &s->gs.base;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	default:			return NULL;
	}
}

/*
 * RDMSR/WRMSR (0F 32 / 0F 30): EFER, and the MSRs of svm_msr_slot();
 * anything else is #GP.  A non-canonical address in LSTAR, CSTAR or a
 * base is #GP too, as on the CPU.
 */
static int svm_exit_msr(struct hv_vcpu *v)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	struct svm_save *s = &vmcb->save;
	u32 msr = v->gprs[HV_RCX];
	u64 val, *slot;

	/* No MTRRs (MTRRcap 0: no variable or fixed ranges), as firmware
	 * that sees CPUID.MTRR reads before it sets any up. */
	if (msr == MSR_MTRRcap && !vmcb->control.exit_info_1) {
		s->rax = 0;
		v->gprs[HV_RDX] = 0;
		svm_skip(v, 2);
		return 1;
	}
	if (msr != MSR_EFER) {
		slot = svm_msr_slot(s, msr);
		if (!slot)
			goto gp;
		if (!vmcb->control.exit_info_1) {
			s->rax = (u32)*slot;
			v->gprs[HV_RDX] = *slot >> 32;
		} else {
			val = (u32)s->rax | v->gprs[HV_RDX] << 32;
			if (msr != MSR_STAR && msr != MSR_SYSCALL_MASK &&
			    msr != MSR_IA32_SYSENTER_CS &&
			    (u64)((s64)(val << 16) >> 16) != val)
				goto gp;
			if (msr == MSR_SYSCALL_MASK ||
			    msr == MSR_IA32_SYSENTER_CS)
				val = (u32)val;
			*slot = val;
		}
		svm_skip(v, 2);
		return 1;
	}
	if (!vmcb->control.exit_info_1) {
		val = s->efer & ~EFER_SVME;
		s->rax = (u32)val;
		v->gprs[HV_RDX] = val >> 32;
	} else {
		val = (u32)s->rax | v->gprs[HV_RDX] << 32;
		if ((v->catch_flags & HVDBG_CATCH_EFER) &&
		    !(to_svm(v)->catch_next == CATCH_SKIP &&
		      to_svm(v)->catch_at == s->rip)) {
			/* Reported first; resuming here writes it. */
			return svm_catch_exit(v, HVDBG_EXIT_EFER, DR6_INIT,
					      val, CATCH_SKIP);
		}
		to_svm(v)->catch_next = CATCH_NONE;
		if (val & ~EFER_ALLOWED ||
		    (((val ^ s->efer) & EFER_LME) && (s->cr0 & X86_CR0_PG))) {
			svm_inject(v, 13, SVM_EVT_TYPE_EXCEPTION, 0);
			return 1;
		}
		/* LMA is the CPU's to set; SVME must stay on under VMRUN. */
		s->efer = (val & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
		to_svm(v)->flush = true;
	}
	svm_skip(v, 2);
	return 1;
gp:
	svm_inject(v, 13, SVM_EVT_TYPE_EXCEPTION, 0);
	return 1;
}

/*
 * MOV to/from DRn, intercepted so that the guest never writes the
 * host's debug registers: 0F 21 /r (read) and 0F 23 /r (write), with
 * an optional REX prefix in 64-bit mode.
 */
static int svm_exit_dr(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_save *s = &sv->vmcb->save;
	u64 code = sv->vmcb->control.exit_code;
	bool write = code >= 0x30;
	int dr = code & 0xf, len = 3, gpr;
	bool wide = (s->efer & EFER_LMA) && (s->cs.attrib & (1 << 9));
	u8 insn[4];
	u64 val;

	if (svm_fetch(v, insn, 3))
		return svm_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	gpr = insn[2] & 7;
	if (wide && (insn[0] & 0xf0) == 0x40) {
		if (svm_fetch(v, insn, 4))
			return svm_internal_error(v,
					KVM_INTERNAL_ERROR_EMULATION);
		gpr = (insn[3] & 7) | (insn[0] & 1) << 3;
		len = 4;
	}
	if ((s->cr4 & X86_CR4_DE) && (dr == 4 || dr == 5)) {
		svm_inject(v, 6, SVM_EVT_TYPE_EXCEPTION, -1);
		return 1;
	}
	if (dr == 4 || dr == 5)
		dr += 2;
	if (write) {
		val = gpr == HV_RAX ? s->rax : gpr == HV_RSP ? s->rsp :
		      v->gprs[gpr];
		if (!wide)
			val = (u32)val;
		if (dr < 4)
			v->db[dr] = val;
		else if (dr == 6)
			s->dr6 = (val & 0xffffffffULL) | DR6_INIT;
		else
			sv->guest_dr7 = ((val & 0xffffffffULL) | DR7_INIT) &
					~DR7_GD_BIT;
	} else {
		val = dr < 4 ? v->db[dr] : dr == 6 ? s->dr6 : sv->guest_dr7;
		if (!wide)
			val = (u32)val;
		if (gpr == HV_RAX)
			s->rax = val;
		else if (gpr == HV_RSP)
			s->rsp = val;
		else
			v->gprs[gpr] = val;
	}
	svm_skip(v, len);
	return 1;
}

/* Report a catchpoint; resuming at this RIP does what next says. */
static int svm_catch_exit(struct hv_vcpu *v, u32 what, u64 dr6, u64 dr7,
			  int next)
{
	struct svm_vcpu *sv = to_svm(v);

	svm_debug_exit(v, what, dr6);
	v->run->debug.arch.dr7 = dr7;
	sv->catch_next = next;
	sv->catch_at = sv->vmcb->save.rip;
	return 0;
}

/* Run the instruction at RIP with its intercepts lifted, one step. */
static int svm_step_over(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->step_over = true;
	sv->step_over_at = sv->vmcb->save.rip;
	return 1;
}

/*
 * MOV to CR0/CR3/CR4 (and CLTS, LMSW): stopped before it runs where a
 * catchpoint asks.  Otherwise the write was intercepted because pages
 * of execute breakpoints are marked no-execute: it runs, and the next
 * entry translates the breakpoints through the new paging.
 */
static int svm_exit_cr_write(struct hv_vcpu *v)
{
	u32 cr = to_svm(v)->vmcb->control.exit_code - SVM_EXIT_WRITE_CR0;
	u32 flag = cr == 0 ? HVDBG_CATCH_CR0 :
		   cr == 3 ? HVDBG_CATCH_CR3 : HVDBG_CATCH_CR4;

	if (!(v->catch_flags & flag))
		return svm_step_over(v);

	return svm_catch_exit(v, HVDBG_EXIT_CR | cr, DR6_INIT, 0, CATCH_STEP);
}

/* INVLPG, intercepted for the same reason as an unwatched CR write. */
static int svm_exit_invlpg(struct hv_vcpu *v)
{
	return svm_step_over(v);
}

static int svm_exit_dt_write(struct hv_vcpu *v)
{
	bool gdt = to_svm(v)->vmcb->control.exit_code == SVM_EXIT_GDTR_WRITE;

	return svm_catch_exit(v, HVDBG_EXIT_DT | (gdt ? 'G' : 'I'), DR6_INIT,
			      0, CATCH_STEP);
}

/* A caught exception, before delivery.  Resuming delivers it. */
static int svm_exit_exception(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_control *c = &sv->vmcb->control;
	u32 vec = c->exit_code - SVM_EXIT_EXCP_BASE;
	/* The vectors that push an error code. */
	bool has_err = (1U << vec) & 0x60227d00U;
	u64 err = has_err ? (u32)c->exit_info_1 : 0;
	u64 cr2 = vec == 14 ? c->exit_info_2 : 0;

	sv->catch_event = vec | SVM_EVT_TYPE_EXCEPTION | SVM_EVT_VALID |
			  (has_err ? SVM_EVT_ERR_VALID : 0);
	sv->catch_err = err;
	sv->catch_cr2 = cr2;
	return svm_catch_exit(v, HVDBG_EXIT_EXCEPTION | vec, err, cr2,
			      CATCH_REINJECT);
}

static int svm_exit_shutdown(struct hv_vcpu *v)
{
	/* A triple fault: the state stays as it was, no reset. */
	v->run->exit_reason = KVM_EXIT_SHUTDOWN;
	v->shutdown = true;
	return 0;
}

static int svm_exit_vintr(struct hv_vcpu *v)
{
	/* The interrupt window opened: stop asking, inject at entry. */
	struct svm_control *c = &to_svm(v)->vmcb->control;

	c->int_ctl &= ~(SVM_V_IRQ | SVM_V_IGN_TPR);
	c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	if (v->irq_pending < 0 && v->run->request_interrupt_window) {
		v->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

static bool svm_nx_lift(struct hv_vcpu *v, u64 gpa);

/*
 * A nested page fault.  Inside a slot: the first touch of that page,
 * which is pinned and mapped now, or a fetch from a page marked
 * no-execute for an execute breakpoint, which this vCPU steps through
 * now, or a TLB entry older than the tables (mapped again, flushed).
 * Outside every slot: MMIO.
 */
static int svm_exit_npf(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	struct svm_control *c = &to_svm(v)->vmcb->control;
	u64 gpa = c->exit_info_2 & PAGE_MASK;
	struct page *pg;
	int r;

	mutex_lock(&vm->lock);
	pg = hv_vm_gpa_page(vm, gpa);
	if (IS_ERR(pg))
		r = PTR_ERR(pg);
	else if (!pg)
		r = 1;
	else if ((c->exit_info_1 & SVM_NPF_PRESENT) && svm_nx_lift(v, gpa))
		r = 0;
	else {
		if (c->exit_info_1 & SVM_NPF_PRESENT)
			to_svm(v)->flush = true;
		r = npt_map(vm->arch, gpa, page_to_phys(pg));
	}
	mutex_unlock(&vm->lock);
	if (r < 0)
		return r;
	if (r == 1)
		return svm_emulate_mmio(v);
	return 1;
}

static int svm_exit_task_switch(struct hv_vcpu *v)
{
	return svm_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
}

#define DR_READ(n)	[0x20 + (n)] = svm_exit_dr
#define DR_WRITE(n)	[0x30 + (n)] = svm_exit_dr

/* Indexed by exit code; codes past the end or without a row are
 * reported to user space as KVM_EXIT_UNKNOWN with the code. */
static int (*const svm_exit_handlers[])(struct hv_vcpu *v) = {
	DR_READ(0), DR_READ(1), DR_READ(2), DR_READ(3),
	DR_READ(4), DR_READ(5), DR_READ(6), DR_READ(7),
	DR_WRITE(0), DR_WRITE(1), DR_WRITE(2), DR_WRITE(3),
	DR_WRITE(4), DR_WRITE(5), DR_WRITE(6), DR_WRITE(7),
	[SVM_EXIT_WRITE_CR0]		= svm_exit_cr_write,
	[SVM_EXIT_WRITE_CR3]		= svm_exit_cr_write,
	[SVM_EXIT_WRITE_CR4]		= svm_exit_cr_write,
	[SVM_EXIT_EXCP_BASE ... SVM_EXIT_EXCP_BASE + 31] = svm_exit_exception,
	[SVM_EXIT_EXCP_BASE + 1]	= svm_exit_db,
	[SVM_EXIT_EXCP_BASE + 3]	= svm_exit_bp,
	[SVM_EXIT_IDTR_WRITE]		= svm_exit_dt_write,
	[SVM_EXIT_GDTR_WRITE]		= svm_exit_dt_write,
	[SVM_EXIT_INTR]			= svm_exit_continue,
	[SVM_EXIT_NMI]			= svm_exit_continue,
	[SVM_EXIT_SMI]			= svm_exit_continue,
	[SVM_EXIT_INIT]			= svm_exit_continue,
	[SVM_EXIT_VINTR]		= svm_exit_vintr,
	[SVM_EXIT_SWINT]		= svm_exit_swint,
	[SVM_EXIT_INVD]			= svm_exit_invd,
	[SVM_EXIT_HLT]			= svm_exit_hlt,
	[SVM_EXIT_INVLPG]		= svm_exit_invlpg,
	[SVM_EXIT_INVLPGA]		= svm_exit_ud,
	[SVM_EXIT_IOIO]			= svm_exit_io,
	[SVM_EXIT_MSR]			= svm_exit_msr,
	[SVM_EXIT_TASK_SWITCH]		= svm_exit_task_switch,
	[SVM_EXIT_SHUTDOWN]		= svm_exit_shutdown,
	[SVM_EXIT_VMRUN]		= svm_exit_ud,
	[SVM_EXIT_VMMCALL]		= svm_exit_ud,
	[SVM_EXIT_VMLOAD]		= svm_exit_ud,
	[SVM_EXIT_VMSAVE]		= svm_exit_ud,
	[SVM_EXIT_STGI]			= svm_exit_ud,
	[SVM_EXIT_CLGI]			= svm_exit_ud,
	[SVM_EXIT_SKINIT]		= svm_exit_ud,
	[SVM_EXIT_MONITOR]		= svm_exit_ud,
	[SVM_EXIT_MWAIT]		= svm_exit_ud,
	[SVM_EXIT_XSETBV]		= svm_exit_gp,
};

static int svm_handle_exit(struct hv_vcpu *v)
{
	struct svm_control *c = &to_svm(v)->vmcb->control;
	struct svm_vcpu *sv = to_svm(v);
	u64 code = c->exit_code;
	int r;

	/* A step over a caught instruction ends with any exit. */
	sv->stepped_over = sv->step_over;
	if (sv->step_over) {
		sv->step_over = false;
		svm_update_intercepts(v);
	}
	/* What was injected has been delivered, unless the exit cut it
	 * short: then it is delivered again. */
	c->event_inj = 0;
	if (c->exit_int_info & SVM_EVT_VALID) {
		c->event_inj = c->exit_int_info;
		c->event_inj_err = c->exit_int_info_err;
	}
	if (code == SVM_EXIT_INVALID) {
		v->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		v->run->fail_entry.hardware_entry_failure_reason = code;
		v->run->fail_entry.cpu = to_svm(v)->last_cpu;
		return 0;
	}
	sv->skipped = false;
	if (code == SVM_EXIT_NPF)
		r = svm_exit_npf(v);
	else if (code < ARRAY_SIZE(svm_exit_handlers) &&
		 svm_exit_handlers[code])
		r = svm_exit_handlers[code](v);
	else {
		v->run->exit_reason = KVM_EXIT_UNKNOWN;
		v->run->hw.hardware_exit_reason = code;
		r = 0;
	}
	/* An instruction carried out here (RDMSR, WRMSR, CPUID, ...) is a
	 * whole step; one that injected an event (INT n) is not over until
	 * the event is delivered, so the guest runs on to its trap. */
	if (r == 1 && sv->skipped &&
	    (v->guest_debug & KVM_GUESTDBG_SINGLESTEP) &&
	    !(sv->vmcb->control.event_inj & SVM_EVT_VALID)) {
		svm_debug_exit(v, 1, DR6_INIT | DR6_BS_BIT);
		return 0;
	}
	/* An exit handled here (first touch of the operand's page, an
	 * interrupt) before the caught instruction completed: step again. */
	if (sv->stepped_over && r == 1 &&
	    code != SVM_EXIT_EXCP_BASE + 1 &&
	    sv->vmcb->save.rip == sv->step_over_at)
		sv->step_over = true;
	return r;
}

/* ---------------------------------------------------------------- */
/* Entry */

/* External interrupts from KVM_INTERRUPT; 0 when user space wants to
 * hear about an open window now. */
static int svm_prepare_irq(struct hv_vcpu *v)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	struct svm_control *c = &vmcb->control;
	bool open = (vmcb->save.rflags & X86_EFLAGS_IF) &&
		    !(c->int_state & 1) && !(c->event_inj & SVM_EVT_VALID);
	bool blocked = (v->guest_debug & KVM_GUESTDBG_BLOCKIRQ) &&
		       (v->guest_debug & KVM_GUESTDBG_SINGLESTEP);

	if (v->irq_pending >= 0 && !blocked) {
		if (open) {
			svm_inject(v, v->irq_pending, SVM_EVT_TYPE_INTR, -1);
			v->irq_pending = -1;
			c->int_ctl &= ~(SVM_V_IRQ | SVM_V_IGN_TPR);
			c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
			return 1;
		}
	} else if (!v->run->request_interrupt_window || blocked) {
		return 1;
	} else if (open) {
		v->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	if (blocked)
		return 1;
	/* Ask the CPU to exit as soon as the guest can take one. */
	c->int_ctl |= SVM_V_IRQ | SVM_V_IGN_TPR;
	c->int_vector = 0;
	c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	return 1;
}

static int svm_step_bp_hit(struct hv_vcpu *v, const u64 *db, u8 bps)
{
	u64 pc = svm_pc(v);
	int i;

	for (i = 0; i < 4; i++)
		if ((bps >> (2 * i)) & 3 && db[i] == pc)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- */
/* Pages of execute breakpoints marked no-execute (see the top) */

/* The linear page CS.base+RIP is fetched from. */
static u64 svm_pc_page(struct hv_vcpu *v)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;
	u64 la = svm_pc(v);

	if (!(s->efer & EFER_LMA) || !(s->cs.attrib & (1 << 9)))
		la &= 0xffffffffULL;
	return la & PAGE_MASK;
}

/* Give nx[i]'s nested entry the NX bit (if mapped); vm->lock held. */
static void svm_nx_set(struct svm_vm *s, int i, bool nx)
{
	u64 *pte = npt_pte(s, s->nx[i].gpa);

	if (!pte || !(*pte & _PAGE_PRESENT) || !!(*pte & NPT_NX) == nx)
		return;
	if (!nx) {
		*pte &= ~NPT_NX;
		return;
	}
	*pte |= NPT_NX;
	/* Before the count that lets other vCPUs run free: whoever sees
	 * the page marked again also sees that its TLB must go. */
	WRITE_ONCE(s->nx_gen, s->nx_gen + 1);
	smp_wmb();
}

/* Drop this vCPU's breakpoint pages; vm->lock held. */
static void svm_nx_release(struct hv_vcpu *v)
{
	struct svm_vm *s = v->vm->arch;
	struct svm_vcpu *sv = to_svm(v);
	int k;

	for (k = 0; k < sv->nx_n; k++) {
		struct svm_nx *e = &s->nx[sv->nx_idx[k]];

		e->refs--;
		if (!e->refs)
			svm_nx_set(s, sv->nx_idx[k], false);
	}
	sv->nx_n = 0;
}

/* This vCPU left the page it stepped through: mark it again if some
 * vCPU still has a breakpoint there; vm->lock held. */
static void svm_nx_unlift(struct hv_vcpu *v)
{
	struct svm_vm *s = v->vm->arch;
	struct svm_vcpu *sv = to_svm(v);
	struct svm_nx *e = &s->nx[sv->lift_idx];

	if (!sv->lifted)
		return;
	if (e->lifted == 1 && e->refs)
		svm_nx_set(s, sv->lift_idx, true);
	WRITE_ONCE(e->lifted, e->lifted - 1);
	sv->lifted = false;
}

/*
 * Mark the guest-physical pages of the execute breakpoints in bps
 * (linear addresses in db), translated through the guest's paging as
 * it is now.  An address that does not translate to a page of a slot
 * (not mapped yet), or no room left in the table, sets nx_all: this
 * entry steps everything, as exact as ever, and the next one tries
 * again.
 */
static void svm_nx_mark(struct hv_vcpu *v, const u64 *db, u8 bps)
{
	struct hv_vm *vm = v->vm;
	struct svm_vm *s = vm->arch;
	struct svm_vcpu *sv = to_svm(v);
	bool all = !svm_npt_nx;
	u64 want[4], gpa;
	int n = 0, i, k;

	for (i = 0; i < 4 && !all; i++) {
		if (!((bps >> (2 * i)) & 3))
			continue;
		if (svm_gva_to_gpa(v, db[i], &gpa) ||
		    !hv_vm_find_slot(vm, gpa)) {
			all = true;
			break;
		}
		gpa &= PAGE_MASK;
		for (k = 0; k < n && want[k] != gpa; k++)
			;
		if (k == n)
			want[n++] = gpa;
	}
	if (all)
		n = 0;
	/* Our references keep our entries' gpa stable: no lock needed
	 * to see that nothing changed, the common case. */
	if (n == sv->nx_n) {
		for (k = 0; k < n && s->nx[sv->nx_idx[k]].gpa == want[k]; k++)
			;
		if (k == n) {
			sv->nx_all = all;
			return;
		}
	}
	mutex_lock(&vm->lock);
	svm_nx_release(v);
	for (k = 0; k < n; k++) {
		int free = -1;

		for (i = 0; i < SVM_NX_MAX; i++) {
			struct svm_nx *e = &s->nx[i];

			if ((e->refs || e->lifted) && e->gpa == want[k])
				break;
			if (!e->refs && !e->lifted && free < 0)
				free = i;
		}
		if (i == SVM_NX_MAX) {
			if (free < 0) {
				svm_nx_release(v);
				all = true;
				break;
			}
			i = free;
			s->nx[i].gpa = want[k];
		}
		s->nx[i].refs++;
		sv->nx_idx[sv->nx_n++] = i;
		if (!s->nx[i].lifted)
			svm_nx_set(s, i, true);
	}
	mutex_unlock(&vm->lock);
	sv->nx_all = all;
}

static void svm_kick(void *unused)
{
	/* The IPI itself is the point: it makes the guest exit. */
}

/*
 * A fetch faulted on a present page: if the page is marked for an
 * execute breakpoint, lift the mark and step through it (svm_enter sets
 * TF until the RIP leaves its linear page).  Other vCPUs with a
 * breakpoint on it that run free now must step too: they are kicked
 * out of the guest and see the lift at their next entry.  false: not
 * marked, a stale TLB entry.  vm->lock held.
 */
static bool svm_nx_lift(struct hv_vcpu *v, u64 gpa)
{
	struct hv_vm *vm = v->vm;
	struct svm_vm *s = vm->arch;
	struct svm_vcpu *sv = to_svm(v);
	u64 *pte = npt_pte(s, gpa);
	int i, k, n;

	if (!pte || !(*pte & NPT_NX))
		return false;
	for (i = 0; i < SVM_NX_MAX; i++)
		if (s->nx[i].refs && s->nx[i].gpa == gpa)
			break;
	if (i == SVM_NX_MAX)
		return false;
	svm_nx_unlift(v);
	WRITE_ONCE(s->nx[i].lifted, s->nx[i].lifted + 1);
	svm_nx_set(s, i, false);
	sv->lifted = true;
	sv->lift_idx = i;
	sv->lift_la = svm_pc_page(v);
	sv->flush = true;
	/* Pairs with the barrier in svm_enter: either that vCPU sees the
	 * lift before it enters, or we see it on its CPU and kick it. */
	smp_mb();
	for (n = 0; n < HV_MAX_VCPUS; n++) {
		struct hv_vcpu *o = vm->vcpus[n];
		int cpu;

		if (!o || o == v || !o->arch)
			continue;
		for (k = 0; k < to_svm(o)->nx_n; k++)
			if (to_svm(o)->nx_idx[k] == i)
				break;
		cpu = READ_ONCE(to_svm(o)->cur_cpu);
		if (k < to_svm(o)->nx_n && cpu >= 0)
			smp_call_function_single(cpu, svm_kick, NULL, 0);
	}
	return true;
}

/*
 * Before an entry with execute breakpoints matched here: step (TF) or
 * run free with their pages marked.  Stepping goes on while the vCPU is
 * in a page whose mark it lifted, or when a breakpoint does not
 * translate.
 */
static void svm_nx_prepare(struct hv_vcpu *v, const u64 *db)
{
	struct svm_vcpu *sv = to_svm(v);

	struct svm_vm *s = v->vm->arch;

	sv->bp_step = false;
	if (!svm_exec_bp_quirk)
		return;
	if (sv->step_bps) {
		svm_nx_mark(v, db, sv->step_bps);
	} else {
		if (sv->nx_n) {
			mutex_lock(&v->vm->lock);
			svm_nx_release(v);
			mutex_unlock(&v->vm->lock);
		}
		sv->nx_all = false;
	}
	/* Nobody's breakpoint left on the lifted page: no need to step
	 * out of it. */
	if (sv->lifted) {
		if (svm_pc_page(v) == sv->lift_la &&
		    READ_ONCE(s->nx[sv->lift_idx].refs)) {
			sv->bp_step = true;
			return;
		}
		mutex_lock(&v->vm->lock);
		svm_nx_unlift(v);
		mutex_unlock(&v->vm->lock);
	}
	sv->bp_step = sv->step_bps && sv->nx_all;
}

/*
 * IRQs off, on the CPU that enters: a vCPU about to run free steps
 * instead if another vCPU lifted the mark of one of its pages, and
 * flushes its TLB if a page was marked since it last ran.
 */
static void svm_nx_check(struct hv_vcpu *v, int cpu)
{
	struct svm_vm *s = v->vm->arch;
	struct svm_vcpu *sv = to_svm(v);
	u64 gen;
	int k;

	if (!sv->nx_n || sv->bp_step)
		return;
	WRITE_ONCE(sv->cur_cpu, cpu);
	smp_mb();
	for (k = 0; k < sv->nx_n; k++)
		if (READ_ONCE(s->nx[sv->nx_idx[k]].lifted))
			sv->bp_step = true;
	smp_rmb();
	gen = READ_ONCE(s->nx_gen);
	if (gen != sv->nx_seen) {
		sv->nx_seen = gen;
		sv->flush = true;
	}
}

static void svm_fill_run(struct hv_vcpu *v)
{
	struct svm_vmcb *vmcb = to_svm(v)->vmcb;
	struct kvm_run *run = v->run;

	run->if_flag = !!(vmcb->save.rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = run->if_flag &&
		!(vmcb->control.int_state & 1) && v->irq_pending < 0;
	run->cr8 = 0;
	run->apic_base = 0;
}

static int svm_enter(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_vmcb *vmcb = sv->vmcb;
	u64 db[4], dr7, host_db[4], host_dr7 = 0;
	struct svm_cpu *c;
	bool hw;
	int i, cpu;

	if (v->guest_debug & KVM_GUESTDBG_USE_HW_BP) {
		memcpy(db, v->dbg_db, sizeof(db));
		dr7 = v->dbg_dr7;
	} else {
		memcpy(db, v->db, sizeof(db));
		dr7 = sv->guest_dr7;
	}
	sv->step_bps = svm_exec_bp_quirk ? dr7_exec_enables(dr7) : 0;
	if (sv->step_bps) {
		/* Hardware fires before the instruction unless RF is set. */
		int hit = (vmcb->save.rflags & X86_EFLAGS_RF) ? -1 :
			  svm_step_bp_hit(v, db, sv->step_bps);

		if (hit >= 0) {
			if (!(v->guest_debug & KVM_GUESTDBG_ENABLE)) {
				vmcb->save.dr6 = (vmcb->save.dr6 & ~0xfULL) |
						 1U << hit;
				svm_inject(v, 1, SVM_EVT_TYPE_EXCEPTION, -1);
			} else {
				svm_debug_exit(v, 1, DR6_INIT | 1U << hit);
				return 1;
			}
		}
		dr7 &= ~(u64)sv->step_bps;
	}
	svm_nx_prepare(v, db);
	svm_update_intercepts(v);
	/* Running free with marked pages: a change of paging must be
	 * seen, to translate the breakpoints again. */
	if (sv->nx_n && !sv->bp_step && !sv->step_over &&
	    !(v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) {
		vmcb->control.intercept_cr |= SVM_CR_WATCH;
		vmcb->control.intercept_misc1 |= SVM_INTERCEPT_INVLPG;
	}
	if (sv->step_over) {
		/* Let the caught instruction run, once. */
		vmcb->control.intercept_cr = 0;
		vmcb->control.intercept_misc1 &= ~(SVM_INTERCEPT_IDTR_WRITE |
						   SVM_INTERCEPT_GDTR_WRITE |
						   SVM_INTERCEPT_INVLPG);
	}
	vmcb->save.dr7 = dr7;
	hw = dr7 & DR7_ENABLES;

	/* Preemption off from here: the user's FPU state is saved. */
	kernel_fpu_begin();
	asm volatile("fxrstor64 %0" : : "m" (*(u8 (*)[512])v->fxsave));
	local_irq_disable();
	cpu = smp_processor_id();
	c = this_cpu_ptr(&svm_cpus);
	/* A CPU brought online after load comes up with SVME clear. */
	if (!svm_cpu_enable(c)) {
		local_irq_enable();
		kernel_fpu_end();
		if (sv->tf_set)
			vmcb->save.rflags &= ~X86_EFLAGS_TF;
		sv->tf_set = false;
		pr_err_ratelimited("CPU %d: SVM taken by another hypervisor\n",
				   cpu);
		return -EBUSY;
	}
	svm_nx_check(v, cpu);
	if (sv->bp_step || sv->step_over)
		vmcb->control.intercept_exceptions |= 1U << 1;
	if ((sv->bp_step || sv->step_over ||
	     (v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) &&
	    !(vmcb->save.rflags & X86_EFLAGS_TF)) {
		vmcb->save.rflags |= X86_EFLAGS_TF;
		sv->tf_set = true;
	}
	vmcb->control.tlb_ctl = (sv->flush || sv->last_cpu != cpu ||
				 c->last_vmcb != vmcb) ? 1 : 0;
	sv->flush = false;
	sv->last_cpu = cpu;
	c->last_vmcb = vmcb;
	vmcb->control.clean = 0;

	clgi();
	if (hw) {
		/* Host context, GIF clear: nothing can observe these. */
		host_dr7 = native_get_debugreg(7);
		native_set_debugreg(7, 0);
		for (i = 0; i < 4; i++) {
			host_db[i] = native_get_debugreg(i);
			native_set_debugreg(i, db[i]);
		}
		native_set_debugreg(7, dr7);
	}
	/*
	 * IF set with GIF clear: interrupts stay pending until VMRUN sets
	 * GIF, then exit the guest through the INTR intercept (the host's
	 * IF gates physical interrupts under V_INTR_MASKING).
	 */
	local_irq_enable();
	__hv_svm_run(sv->vmcb_pa, v->gprs, page_to_phys(c->host_vmcb));
	local_irq_disable();
	WRITE_ONCE(sv->cur_cpu, -1);
	if (hw) {
		native_set_debugreg(7, 0);
		for (i = 0; i < 4; i++)
			native_set_debugreg(i, host_db[i]);
		native_set_debugreg(7, host_dr7);
		native_set_debugreg(6, DR6_INIT);
	}
	stgi();
	local_irq_enable();
	asm volatile("fxsave64 %0" : "=m" (*(u8 (*)[512])v->fxsave));
	kernel_fpu_end();

	if (sv->tf_set)
		vmcb->save.rflags &= ~X86_EFLAGS_TF;
	sv->tf_set = false;
	return 0;
}

/* Finish what the last exit left to user space (IN data, RIP). */
static int svm_complete(struct hv_vcpu *v)
{
	struct svm_save *s = &to_svm(v)->vmcb->save;

	/* User space moved the vCPU elsewhere: nothing to finish. */
	if (s->rip != v->pending_at) {
		v->pending = HV_PENDING_NONE;
		return 1;
	}
	if (v->pending == HV_PENDING_IO_IN)
		memcpy(&s->rax, (u8 *)v->run + HV_PIO_OFFSET,
		       v->pending_size);
	if (v->pending == HV_PENDING_PIO_STR) {
		u64 gprs[HV_NR_GPRS];

		svm_gprs_out(v, gprs);
		v->pending_rip = hv_emulate_pio_string_complete(v, gprs);
		memcpy(v->gprs, gprs, sizeof(v->gprs));
		s->rax = gprs[HV_RAX];
		s->rsp = gprs[HV_RSP];
	}
	if (v->pending == HV_PENDING_MMIO_IN) {
		u64 gprs[HV_NR_GPRS];

		svm_gprs_out(v, gprs);
		hv_emulate_complete(v, gprs, &s->rflags);
		memcpy(v->gprs, gprs, sizeof(v->gprs));
		s->rax = gprs[HV_RAX];
		s->rsp = gprs[HV_RSP];
	}
	s->rip = v->pending_rip;
	to_svm(v)->vmcb->control.int_state &= ~1U;
	v->pending = HV_PENDING_NONE;
	/* The instruction completed here, not in the guest: the step
	 * it was part of ends now. */
	if (v->guest_debug & KVM_GUESTDBG_SINGLESTEP) {
		svm_debug_exit(v, 1, DR6_INIT | DR6_BS_BIT);
		return 0;
	}
	return 1;
}

/* Resuming after a catchpoint: carry out what was caught. */
static void svm_catch_resume(struct hv_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_vmcb *vmcb = sv->vmcb;

	if (sv->catch_next == CATCH_NONE)
		return;
	if (vmcb->save.rip != sv->catch_at) {
		sv->catch_next = CATCH_NONE;
		return;
	}
	switch (sv->catch_next) {
	case CATCH_STEP:
		sv->step_over = true;
		sv->step_over_at = sv->catch_at;
		break;
	case CATCH_REINJECT:
		if ((sv->catch_event & 0xff) == 14)
			vmcb->save.cr2 = sv->catch_cr2;
		vmcb->control.event_inj = sv->catch_event;
		vmcb->control.event_inj_err = sv->catch_err;
		break;
	default:
		/* CATCH_SKIP: the WRMSR handler takes it. */
		return;
	}
	sv->catch_next = CATCH_NONE;
}

static void svm_trace_state(struct hv_vcpu *v, struct hv_trace_state *t)
{
	const struct svm_save *s = &to_svm(v)->vmcb->save;

	t->rip = s->rip;
	t->pc = s->cs.base + s->rip;
	t->rsp = s->rsp;
	t->rflags = s->rflags;
	t->cs = s->cs.selector;
}

static int svm_run(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	struct svm_vm *s = vm->arch;
	int r;

	if (v->pending) {
		r = svm_complete(v);
		/* Back through the run loop, which checks immediate_exit
		 * and signals: finishing an exit needs no guest entry. */
		goto out;
	}
	if (v->shutdown) {
		v->run->exit_reason = KVM_EXIT_SHUTDOWN;
		r = 0;
		goto out;
	}
	if (READ_ONCE(s->npt_gen) != READ_ONCE(vm->mem_gen)) {
		mutex_lock(&vm->lock);
		r = s->npt_gen != vm->mem_gen ? npt_build(vm) : 0;
		mutex_unlock(&vm->lock);
		if (r)
			return r;
		to_svm(v)->flush = true;
	}
	svm_catch_resume(v);
	r = svm_prepare_irq(v);
	if (r <= 0)
		goto out;
	r = svm_enter(v);
	if (r < 0)
		return r;
	/* 1: stopped at a breakpoint before entering. */
	r = r ? 0 : svm_handle_exit(v);
out:
	if (r == 0)
		svm_fill_run(v);
	return r;
}

const struct hv_ops hv_svm_ops = {
	.name			= "AMD SVM",
	.backend_id		= HVDBG_BACKEND_SVM,

	.probe			= svm_probe,
	.hardware_enable	= svm_hardware_enable,
	.hardware_disable	= svm_hardware_disable,

	.vm_init		= svm_vm_init,
	.vm_free		= svm_vm_free,
	.vcpu_init		= svm_vcpu_init,
	.vcpu_free		= svm_vcpu_free,

	.run			= svm_run,
	.get_regs		= svm_get_regs,
	.set_regs		= svm_set_regs,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.get_debugregs		= svm_get_debugregs,
	.get_exception		= svm_get_exception,
	.set_exception		= svm_set_exception,
	.set_debugregs		= svm_set_debugregs,
	.set_guest_debug	= svm_set_guest_debug,
	.set_catch		= svm_set_catch,
	.catch_flags		= HVDBG_CATCH_CR0 | HVDBG_CATCH_CR3 |
				  HVDBG_CATCH_CR4 | HVDBG_CATCH_EFER |
				  HVDBG_CATCH_GDT | HVDBG_CATCH_IDT |
				  HVDBG_CATCH_EXCEPTION | HVDBG_CATCH_TRIPLE,
	.trace_state		= svm_trace_state,
};
