// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel VMX backend: VMXON on every CPU, one VMCS per vCPU, EPT
 * built from the memory slots, unrestricted guest (real mode runs
 * natively), the guest entry and the exit handlers.
 *
 * Context: probe and hardware enable/disable run at module load and
 * unload (per-CPU parts with interrupts off, via on_each_cpu).  Every
 * other function runs in the process context of the vCPU's thread with
 * vcpu->lock held.  vmx_enter() alone turns preemption and interrupts
 * off: it loads the VMCS (VMPTRLD), writes the whole guest and host
 * state from memory, runs the guest, reads the state back and clears
 * the VMCS (VMCLEAR) before interrupts come back on.  No VMCS is
 * therefore current on any CPU between runs, so a vCPU that moves to
 * another CPU needs nothing done, and unloading needs no cross-CPU
 * VMCLEAR.  The cost is some hundred VMREAD/VMWRITEs per exit.
 *
 * Fail closed: every VMX instruction is checked; a failure stops the
 * vCPU with -EIO (and one kernel-log line), never a retry or an oops.
 *
 * CR0 and CR4 are owned by the host (guest/host masks all ones): the
 * guest reads its own values from the read shadows, and every write
 * exits and is checked and carried out here.  That keeps CR0.NE and
 * CR4.VMXE set underneath (VMX requires them) and CR0.CD/NW clear, and
 * is where the CR0/CR4 catchpoints stop.
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
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include <hvdbg/uapi.h>
#include "hv.h"
#include "vmx.h"

#define DR6_INIT	0xffff0ff0ULL
#define DR6_BS_BIT	(1ULL << 14)
#define DR7_INIT	0x400ULL
#define DR7_GD_BIT	(1ULL << 13)
#define EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)
#define CR4_ALLOWED	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
			 X86_CR4_FSGSBASE | X86_CR4_OSXSAVE)
#define PTE_ADDR	0x000ffffffffff000ULL
/* EPT entries: read, write, execute; leaves write-back. */
#define EPT_RWX		7ULL
#define EPT_LEAF	(EPT_RWX | (6ULL << 3))

/* vmx-enter.S */
asmlinkage int __hv_vmx_run(u64 *gprs);
extern const char __hv_vmx_exit[];

struct vmx_cpu {
	struct page *vmxon;
	bool on;			/* VMXON done here by us */
	/* The EPT that last ran here: another one means stale
	 * guest-physical TLB entries. */
	u64 last_eptp;
};
static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);

/* What the CPU allows, read once at probe. */
static struct {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;	/* the controls we use */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned long invept_type;
	bool debugctl;			/* IA32_DEBUGCTL readable (not Bochs) */
	u32 preempt;			/* VMX-preemption timer value, or 0 */
} vmx_conf;

struct vmx_vm {
	u64 *ept_root;
	u64 eptp;
	u64 ept_gen;			/* vm->mem_gen the tables match */
};

struct vmx_vcpu {
	struct page *vmcs;
	u64 vmcs_pa;
	struct vmx_state st;
	struct vmx_exit ex;
	u64 guest_dr7;			/* the guest's own DR7 */
	u64 cr8;			/* the guest's TPR: never the host's */
	bool msrs_used;			/* the guest wrote STAR & co. */
	int last_cpu;
	bool flush;			/* the EPT TLB must go at next entry */
	bool tf_set;			/* TF is ours, not the guest's */
	/* Event to inject at the next entry (interruption-info format). */
	u32 inj_info, inj_err, inj_len;
	bool irq_window;		/* ask for an interrupt-window exit */
	/* After a catchpoint exit: what resuming at catch_at means. */
	enum { CATCH_NONE, CATCH_STEP, CATCH_REINJECT, CATCH_SKIP } catch_next;
	u64 catch_at;
	u32 catch_info, catch_err;
	u64 catch_cr2;
	/* Stepping over an instruction with its intercept lifted. */
	bool step_over, stepped_over;
	u64 step_over_at;
	/* The exit being handled moved RIP past an instruction the guest
	 * did not run: with single-step on, that was the step. */
	bool skipped;
};

static inline struct vmx_vcpu *to_vmx(struct hv_vcpu *v)
{
	return v->arch;
}

/* ---------------------------------------------------------------- */
/* Probe, enable, disable */

/* Controls: bits the CPU requires, plus those wanted that it allows. */
static int vmx_adjust(u32 msr, u32 want, u32 need, u32 *out, const char *what)
{
	u64 cap;

	rdmsrl(msr, cap);
	if ((need & (cap >> 32)) != need) {
		pr_err("this CPU's VMX lacks %s controls 0x%x; not loading\n",
		       what, need & ~(u32)(cap >> 32));
		return -ENODEV;
	}
	*out = ((want | need) & (cap >> 32)) | (u32)cap;
	return 0;
}

static int vmx_probe(void)
{
	bool tru;
	u64 basic, feat, ept;
	struct path path;
	int r;

	if (!(cpuid_ecx(1) & (1U << 5))) {
		pr_err("this CPU has no Intel VMX; not loading\n");
		return -ENODEV;
	}
	if (!kern_path("/sys/module/kvm_intel", 0, &path)) {
		path_put(&path);
		pr_err("VMX is in use: kvm_intel is loaded (rmmod kvm_intel first); not loading\n");
		return -EBUSY;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL); not loading\n");
		return -ENODEV;
	}
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	vmx_conf.revision = basic & 0x7fffffff;
	if (((basic >> 50) & 0xf) != 6 || (basic & (1ULL << 48))) {
		pr_err("VMX without write-back VMCS in 64-bit space is not supported; not loading\n");
		return -ENODEV;
	}
	tru = basic & (1ULL << 55);

	r = vmx_adjust(tru ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			     MSR_IA32_VMX_PINBASED_CTLS,
		       PIN_BASED_VMX_PREEMPTION_TIMER,
		       PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
		       &vmx_conf.pin, "pin-based");
	if (!r)
		r = vmx_adjust(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				     MSR_IA32_VMX_PROCBASED_CTLS, 0,
			       CPU_BASED_HLT_EXITING |
			       CPU_BASED_CR8_LOAD_EXITING |
			       CPU_BASED_CR8_STORE_EXITING |
			       CPU_BASED_MOV_DR_EXITING |
			       CPU_BASED_UNCOND_IO_EXITING |
			       CPU_BASED_MWAIT_EXITING |
			       CPU_BASED_MONITOR_EXITING |
			       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
			       &vmx_conf.proc, "processor-based");
	if (!r)
		r = vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2, 0,
			       SECONDARY_EXEC_ENABLE_EPT |
			       SECONDARY_EXEC_UNRESTRICTED_GUEST |
			       SECONDARY_EXEC_DESC,
			       &vmx_conf.proc2, "secondary (EPT, unrestricted guest)");
	if (!r)
		r = vmx_adjust(tru ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				     MSR_IA32_VMX_EXIT_CTLS, 0,
			       VM_EXIT_SAVE_DEBUG_CONTROLS |
			       VM_EXIT_HOST_ADDR_SPACE_SIZE |
			       VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
			       VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER,
			       &vmx_conf.exit, "VM-exit");
	if (!r)
		r = vmx_adjust(tru ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				     MSR_IA32_VMX_ENTRY_CTLS, 0,
			       VM_ENTRY_LOAD_DEBUG_CONTROLS |
			       VM_ENTRY_LOAD_IA32_PAT |
			       VM_ENTRY_LOAD_IA32_EFER,
			       &vmx_conf.entry, "VM-entry");
	if (r)
		return r;
	/* Toggled per entry, never left on by default. */
	vmx_conf.proc &= ~(CPU_BASED_CR3_LOAD_EXITING |
			   CPU_BASED_CR3_STORE_EXITING |
			   CPU_BASED_INTR_WINDOW_EXITING);
	vmx_conf.proc2 &= ~SECONDARY_EXEC_DESC;
	vmx_conf.entry &= ~VM_ENTRY_IA32E_MODE;

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept);
	if (!(ept & VMX_EPT_PAGE_WALK_4_BIT) || !(ept & VMX_EPTP_WB_BIT) ||
	    !(ept & VMX_EPT_INVEPT_BIT) ||
	    !(ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT))) {
		pr_err("EPT without 4-level write-back tables and INVEPT is not supported; not loading\n");
		return -ENODEV;
	}
	vmx_conf.invept_type = (ept & VMX_EPT_EXTENT_CONTEXT_BIT) ?
			       VMX_EPT_EXTENT_CONTEXT : VMX_EPT_EXTENT_GLOBAL;
	/*
	 * The guest leaves at least every 2 ms through the VMX-preemption
	 * timer: Bochs 2.7 does not exit a guest for the host's external
	 * interrupts when that guest never exits by itself, which starves
	 * the host (and kvm_intel's guests there).  On hardware whose
	 * interrupts do exit the guest this costs one exit per 2 ms.
	 */
	if ((vmx_conf.pin & PIN_BASED_VMX_PREEMPTION_TIMER) && tsc_khz) {
		rdmsrl(MSR_IA32_VMX_MISC, feat);
		vmx_conf.preempt = max_t(u64, 1, ((u64)tsc_khz * 2) >>
					 (feat & VMX_MISC_PREEMPTION_TIMER_RATE_MASK));
	} else {
		vmx_conf.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	}
	/* VM exit clears DEBUGCTL; restored where the CPU has one. */
	vmx_conf.debugctl = !rdmsrl_safe(MSR_IA32_DEBUGCTLMSR, &feat);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_conf.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_conf.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_conf.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_conf.cr4_fixed1);
	return 0;
}

/* Interrupts off.  VMXON here unless someone else holds VMX. */
static bool vmx_cpu_enable(struct vmx_cpu *c)
{
	if (c->on)
		return true;
	if (__read_cr4() & X86_CR4_VMXE)
		return false;
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (!vmx_on(page_to_phys(c->vmxon))) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		return false;
	}
	c->on = true;
	c->last_eptp = 0;
	return true;
}

static void vmx_enable_one(void *failed)
{
	if (!vmx_cpu_enable(this_cpu_ptr(&vmx_cpus)))
		atomic_inc(failed);
}

static void vmx_disable_one(void *unused)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpus);

	if (!c->on)
		return;
	if (!vmx_off())
		pr_err("CPU %d: VMXOFF failed\n", smp_processor_id());
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	c->on = false;
}

static void vmx_free_percpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = per_cpu_ptr(&vmx_cpus, cpu);

		if (c->vmxon)
			__free_page(c->vmxon);
		c->vmxon = NULL;
	}
}

static void vmx_hardware_disable(void)
{
	on_each_cpu(vmx_disable_one, NULL, 1);
	vmx_free_percpu();
}

static int vmx_hardware_enable(void)
{
	atomic_t failed = ATOMIC_INIT(0);
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = per_cpu_ptr(&vmx_cpus, cpu);

		c->vmxon = alloc_pages_node(cpu_to_node(cpu),
					    GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->vmxon) {
			vmx_free_percpu();
			return -ENOMEM;
		}
		*(u32 *)page_address(c->vmxon) = vmx_conf.revision;
	}
	on_each_cpu(vmx_enable_one, &failed, 1);
	if (atomic_read(&failed)) {
		pr_err("VMX is in use on %d CPU(s): CR4.VMXE is set or VMXON failed; not loading\n",
		       atomic_read(&failed));
		vmx_hardware_disable();
		return -EBUSY;
	}
	pr_info("VMXON on %d CPU(s)\n", num_online_cpus());
	return 0;
}

/* ---------------------------------------------------------------- */
/* EPT */

static void ept_free_level(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < 512; i++) {
			if (!(table[i] & EPT_RWX))
				continue;
			ept_free_level(phys_to_virt(table[i] & PTE_ADDR),
				       level - 1);
		}
	}
	free_page((unsigned long)table);
}

/* Empty the tables but keep the root, which the EPTP points at. */
static void ept_clear(struct vmx_vm *s)
{
	int i;

	for (i = 0; i < 512; i++) {
		if (s->ept_root[i] & EPT_RWX)
			ept_free_level(phys_to_virt(s->ept_root[i] & PTE_ADDR),
				       3);
		s->ept_root[i] = 0;
	}
}

static int ept_map(struct vmx_vm *s, u64 gpa, phys_addr_t hpa)
{
	u64 *table = s->ept_root;
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		u64 *e = &table[(gpa >> shift) & 511];

		if (!(*e & EPT_RWX)) {
			void *next;

			next = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return -ENOMEM;
			*e = virt_to_phys(next) | EPT_RWX;
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	table[(gpa >> 12) & 511] = hpa | EPT_LEAF;
	return 0;
}

/* vm->lock held; no vCPU of this VM is in the guest. */
static int ept_build(struct hv_vm *vm)
{
	struct vmx_vm *s = vm->arch;
	unsigned long i;
	int n, r;

	ept_clear(s);
	for (n = 0; n < HV_MAX_SLOTS; n++) {
		struct hv_slot *slot = &vm->slots[n];

		if (!slot->used)
			continue;
		for (i = 0; i < slot->npages; i++) {
			if (!slot->pages[i])
				continue;
			r = ept_map(s, slot->gpa + ((u64)i << PAGE_SHIFT),
				    page_to_phys(slot->pages[i]));
			if (r) {
				ept_clear(s);
				return r;
			}
		}
	}
	s->ept_gen = vm->mem_gen;
	return 0;
}

static int vmx_vm_init(struct hv_vm *vm)
{
	struct vmx_vm *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (!s)
		return -ENOMEM;
	s->ept_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!s->ept_root) {
		kfree(s);
		return -ENOMEM;
	}
	/* Write-back, 4-level walk. */
	s->eptp = virt_to_phys(s->ept_root) | (3 << 3) | 6;
	s->ept_gen = vm->mem_gen;
	vm->arch = s;
	return 0;
}

static void vmx_vm_free(struct hv_vm *vm)
{
	struct vmx_vm *s = vm->arch;
	int cpu;

	/* A new VM with the same root must not inherit its TLB entries. */
	for_each_possible_cpu(cpu)
		cmpxchg64(&per_cpu_ptr(&vmx_cpus, cpu)->last_eptp, s->eptp, 0);
	ept_clear(s);
	free_page((unsigned long)s->ept_root);
	kfree(s);
}

/* ---------------------------------------------------------------- */
/* Segments, control registers and reset state */

static u32 seg_ar(const struct kvm_segment *s)
{
	if (s->unusable || !s->present)
		return VMX_AR_UNUSABLE;
	return (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
	       VMX_AR_P | (s->avl & 1) << 12 | (s->l & 1) << 13 |
	       (s->db & 1) << 14 | (s->g & 1) << 15;
}

static void seg_to_vmx(struct vmx_seg *d, const struct kvm_segment *s)
{
	d->sel = s->selector;
	d->limit = s->limit;
	d->base = s->base;
	d->ar = seg_ar(s);
}

static void seg_from_vmx(struct kvm_segment *d, const struct vmx_seg *s)
{
	memset(d, 0, sizeof(*d));
	d->selector = s->sel;
	d->limit = s->limit;
	d->base = s->base;
	d->type = s->ar & 0xf;
	d->s = (s->ar >> 4) & 1;
	d->dpl = (s->ar >> 5) & 3;
	d->present = (s->ar >> 7) & 1;
	d->avl = (s->ar >> 12) & 1;
	d->l = (s->ar >> 13) & 1;
	d->db = (s->ar >> 14) & 1;
	d->g = (s->ar >> 15) & 1;
	d->unusable = !!(s->ar & VMX_AR_UNUSABLE);
	if (d->unusable)
		d->present = 0;
}

/* What the CPU runs with underneath the guest's CR0 and CR4. */
static u64 vmx_real_cr0(u64 cr0)
{
	u64 fixed0 = vmx_conf.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	cr0 &= ~(X86_CR0_CD | X86_CR0_NW);
	return (cr0 | fixed0) & vmx_conf.cr0_fixed1;
}

static u64 vmx_real_cr4(u64 cr4)
{
	return (cr4 | vmx_conf.cr4_fixed0) & vmx_conf.cr4_fixed1;
}

static void vmx_seg_reset(struct vmx_seg *s, u16 sel, u64 base, u32 ar)
{
	s->sel = sel;
	s->base = base;
	s->limit = 0xffff;
	s->ar = ar;
}

/* The state of a CPU after RESET: real mode at F000:FFF0. */
static void vmx_reset(struct hv_vcpu *v)
{
	struct vmx_state *s = &to_vmx(v)->st;

	vmx_seg_reset(&s->seg[VS_CS], 0xf000, 0xffff0000, 0x9b);
	vmx_seg_reset(&s->seg[VS_DS], 0, 0, 0x93);
	vmx_seg_reset(&s->seg[VS_ES], 0, 0, 0x93);
	vmx_seg_reset(&s->seg[VS_SS], 0, 0, 0x93);
	vmx_seg_reset(&s->seg[VS_FS], 0, 0, 0x93);
	vmx_seg_reset(&s->seg[VS_GS], 0, 0, 0x93);
	vmx_seg_reset(&s->seg[VS_LDTR], 0, 0, 0x82);
	vmx_seg_reset(&s->seg[VS_TR], 0, 0, 0x8b);
	s->gdt_base = s->idt_base = 0;
	s->gdt_limit = s->idt_limit = 0xffff;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s->cr3 = 0;
	s->cr4 = 0;
	s->dr6 = DR6_INIT;
	s->efer = 0;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->rsp = 0;
	s->pat = 0x0007040600070406ULL;
	to_vmx(v)->guest_dr7 = DR7_INIT;
}

/* PAE paging without long mode: the CPU takes PDPTEs from the VMCS. */
static bool vmx_pae_paging(struct vmx_state *s)
{
	return (s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	       !(s->efer & EFER_LMA);
}

static int vmx_load_pdptes(struct hv_vcpu *v)
{
	struct vmx_state *s = &to_vmx(v)->st;
	u64 pdpte[4];
	int i;

	if (!vmx_pae_paging(s))
		return 0;
	if (hv_vm_read_gpa(v->vm, s->cr3 & 0xffffffe0ULL, pdpte,
			   sizeof(pdpte)))
		return -EFAULT;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6ULL))
			return -EINVAL;	/* reserved bits: #GP */
	memcpy(s->pdpte, pdpte, sizeof(pdpte));
	return 0;
}

static int vmx_vcpu_init(struct hv_vcpu *v)
{
	struct vmx_vcpu *x;
	bool ok;

	x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	x->vmcs = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!x->vmcs) {
		kfree(x);
		return -ENOMEM;
	}
	x->vmcs_pa = page_to_phys(x->vmcs);
	*(u32 *)page_address(x->vmcs) = vmx_conf.revision;
	x->last_cpu = -1;
	x->flush = true;
	v->arch = x;
	/* A new VMCS is cleared once before its first VMPTRLD. */
	preempt_disable();
	ok = this_cpu_ptr(&vmx_cpus)->on && vmx_clear(x->vmcs_pa);
	preempt_enable();
	if (!ok) {
		pr_err("VMCLEAR of a new VMCS failed\n");
		__free_page(x->vmcs);
		kfree(x);
		v->arch = NULL;
		return -EIO;
	}
	vmx_reset(v);
	return 0;
}

static void vmx_vcpu_free(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	__free_page(x->vmcs);
	kfree(x);
}

/* ---------------------------------------------------------------- */
/* Registers */

static void vmx_get_regs(struct hv_vcpu *v, struct kvm_regs *r)
{
	struct vmx_state *s = &to_vmx(v)->st;

	r->rax = v->gprs[HV_RAX];
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

static void vmx_set_regs(struct hv_vcpu *v, const struct kvm_regs *r)
{
	struct vmx_state *s = &to_vmx(v)->st;

	v->gprs[HV_RAX] = r->rax;
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

static void vmx_get_sregs(struct hv_vcpu *v, struct kvm_sregs *r)
{
	struct vmx_state *s = &to_vmx(v)->st;

	memset(r, 0, sizeof(*r));
	seg_from_vmx(&r->es, &s->seg[VS_ES]);
	seg_from_vmx(&r->cs, &s->seg[VS_CS]);
	seg_from_vmx(&r->ss, &s->seg[VS_SS]);
	seg_from_vmx(&r->ds, &s->seg[VS_DS]);
	seg_from_vmx(&r->fs, &s->seg[VS_FS]);
	seg_from_vmx(&r->gs, &s->seg[VS_GS]);
	seg_from_vmx(&r->ldt, &s->seg[VS_LDTR]);
	seg_from_vmx(&r->tr, &s->seg[VS_TR]);
	r->tr.unusable = 0;
	r->gdt.base = s->gdt_base;
	r->gdt.limit = s->gdt_limit;
	r->idt.base = s->idt_base;
	r->idt.limit = s->idt_limit;
	r->cr0 = s->cr0;
	r->cr2 = s->cr2;
	r->cr3 = s->cr3;
	r->cr4 = s->cr4;
	r->efer = s->efer;
	r->cr8 = to_vmx(v)->cr8;
	if (v->irq_pending >= 0)
		r->interrupt_bitmap[v->irq_pending / 64] |=
			1ULL << (v->irq_pending % 64);
}

/*
 * A segment as VM entry accepts it: usable code and data segments
 * accessed (the CPU would set the bit on the first load anyway), the
 * task register busy.
 */
static void seg_fixup(struct vmx_seg *d, int which)
{
	if (d->ar & VMX_AR_UNUSABLE) {
		if (which == VS_TR)
			d->ar = 0x8b;	/* TR is always usable */
		return;
	}
	if (which == VS_TR)
		d->ar |= 2;
	else if (which != VS_LDTR && (d->ar & (1U << 4)))
		d->ar |= 1;
}

static int vmx_set_sregs(struct hv_vcpu *v, const struct kvm_sregs *r)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_state *s = &x->st, old = x->st;
	int i, irq, ret;

	if (r->efer & ~EFER_ALLOWED || r->cr0 >> 32 ||
	    r->cr4 & ~CR4_ALLOWED || r->cr3 >> 52 ||
	    ((r->cr0 & X86_CR0_PG) && !(r->cr0 & X86_CR0_PE)) ||
	    ((r->efer & EFER_LMA) && !(r->cr0 & X86_CR0_PG)) ||
	    ((r->cr0 & X86_CR0_NW) && !(r->cr0 & X86_CR0_CD)) ||
	    r->cr8 > 15)
		return -EINVAL;
	irq = -1;
	for (i = 0; i < 4; i++) {
		u64 b = r->interrupt_bitmap[i];

		if (b) {
			if (irq >= 0 || hweight64(b) > 1)
				return -EINVAL;
			irq = i * 64 + __ffs64(b);
		}
	}
	seg_to_vmx(&s->seg[VS_ES], &r->es);
	seg_to_vmx(&s->seg[VS_CS], &r->cs);
	seg_to_vmx(&s->seg[VS_SS], &r->ss);
	seg_to_vmx(&s->seg[VS_DS], &r->ds);
	seg_to_vmx(&s->seg[VS_FS], &r->fs);
	seg_to_vmx(&s->seg[VS_GS], &r->gs);
	seg_to_vmx(&s->seg[VS_LDTR], &r->ldt);
	seg_to_vmx(&s->seg[VS_TR], &r->tr);
	for (i = 0; i < VS_NR; i++)
		seg_fixup(&s->seg[i], i);
	s->gdt_base = r->gdt.base;
	s->gdt_limit = r->gdt.limit;
	s->idt_base = r->idt.base;
	s->idt_limit = r->idt.limit;
	s->cr0 = r->cr0;
	s->cr2 = r->cr2;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	s->efer = r->efer;
	ret = vmx_load_pdptes(v);
	if (ret) {
		*s = old;
		return ret;
	}
	v->irq_pending = irq;
	x->cr8 = r->cr8;
	x->flush = true;
	v->shutdown = false;
	return 0;
}

static void vmx_get_debugregs(struct hv_vcpu *v, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->db, v->db, sizeof(d->db));
	d->dr6 = to_vmx(v)->st.dr6;
	d->dr7 = to_vmx(v)->guest_dr7;
}

static void vmx_set_debugregs(struct hv_vcpu *v, const struct kvm_debugregs *d)
{
	memcpy(v->db, d->db, sizeof(v->db));
	to_vmx(v)->st.dr6 = d->dr6 | DR6_INIT;
	to_vmx(v)->guest_dr7 = (d->dr7 | DR7_INIT) & ~DR7_GD_BIT;
}

static void vmx_set_guest_debug(struct hv_vcpu *v)
{
	/* The controls are written at every entry from v's fields. */
}

static void vmx_set_catch(struct hv_vcpu *v)
{
}

/* ---------------------------------------------------------------- */
/* Exit helpers */

static u64 vmx_pc(struct hv_vcpu *v)
{
	struct vmx_state *s = &to_vmx(v)->st;

	return s->seg[VS_CS].base + s->rip;
}

/* Queue an event for the next entry; len for software events. */
static void vmx_inject(struct hv_vcpu *v, u32 vector, u32 type, int err,
		       u32 len)
{
	struct vmx_vcpu *x = to_vmx(v);

	x->inj_info = vector | type | INTR_INFO_VALID_MASK;
	x->inj_err = 0;
	x->inj_len = len;
	/* Real mode (unrestricted guest) pushes no error code. */
	if (err >= 0 && (x->st.cr0 & X86_CR0_PE)) {
		x->inj_info |= INTR_INFO_DELIVER_CODE_MASK;
		x->inj_err = err;
	}
}

static void vmx_get_exception(struct hv_vcpu *v, struct kvm_vcpu_events *ev)
{
	struct vmx_vcpu *x = to_vmx(v);
	u32 type = x->inj_info & INTR_INFO_INTR_TYPE_MASK;

	if (!(x->inj_info & INTR_INFO_VALID_MASK) ||
	    (type != INTR_TYPE_HARD_EXCEPTION &&
	     type != INTR_TYPE_SOFT_EXCEPTION))
		return;
	ev->exception.injected = 1;
	ev->exception.nr = x->inj_info & INTR_INFO_VECTOR_MASK;
	ev->exception.has_error_code =
		!!(x->inj_info & INTR_INFO_DELIVER_CODE_MASK);
	ev->exception.error_code = x->inj_err;
}

/* Queue the exception, or drop a queued one (not an interrupt). */
static void vmx_set_exception(struct hv_vcpu *v,
			      const struct kvm_vcpu_events *ev)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct kvm_vcpu_events now = { 0 };

	if (ev->exception.injected || ev->exception.pending) {
		vmx_inject(v, ev->exception.nr, INTR_TYPE_HARD_EXCEPTION,
			   ev->exception.has_error_code ?
			   (int)ev->exception.error_code : -1, 0);
		return;
	}
	vmx_get_exception(v, &now);
	if (now.exception.injected)
		x->inj_info = 0;
}

static void vmx_inject_gp(struct hv_vcpu *v)
{
	vmx_inject(v, 13, INTR_TYPE_HARD_EXCEPTION, 0, 0);
}

static void vmx_inject_ud(struct hv_vcpu *v)
{
	vmx_inject(v, 6, INTR_TYPE_HARD_EXCEPTION, -1, 0);
}

/* Move RIP past the exiting instruction, which the guest did not run. */
static void vmx_skip(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	x->st.rip += x->ex.insn_len;
	x->st.intr_state &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	x->skipped = true;
}

static int vmx_internal_error(struct hv_vcpu *v, u32 suberror)
{
	struct vmx_exit *e = &to_vmx(v)->ex;
	struct kvm_run *run = v->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = e->reason;
	run->internal.data[1] = e->qual;
	run->internal.data[2] = e->gpa;
	return 0;
}

static void vmx_debug_exit(struct hv_vcpu *v, u32 exception, u64 dr6)
{
	struct kvm_run *run = v->run;

	run->exit_reason = KVM_EXIT_DEBUG;
	memset(&run->debug, 0, sizeof(run->debug));
	run->debug.arch.exception = exception;
	run->debug.arch.pc = vmx_pc(v);
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = (v->guest_debug & KVM_GUESTDBG_USE_HW_BP) ?
			      v->dbg_dr7 : to_vmx(v)->guest_dr7;
}

/* Report a catchpoint; resuming at this RIP does what next says. */
static int vmx_catch_exit(struct hv_vcpu *v, u32 what, u64 dr6, u64 dr7,
			  int next)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmx_debug_exit(v, what, dr6);
	v->run->debug.arch.dr7 = dr7;
	x->catch_next = next;
	x->catch_at = x->st.rip;
	return 0;
}

/* Resuming at a caught instruction: carry it out this time. */
static bool vmx_catch_passed(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	bool pass = x->catch_next == CATCH_SKIP && x->catch_at == x->st.rip;

	x->catch_next = CATCH_NONE;
	return pass;
}

/* ---------------------------------------------------------------- */
/* Exit handlers: 1 to re-enter the guest, 0 when v->run holds an exit
 * for user space. */

static int vmx_exit_continue(struct hv_vcpu *v)
{
	/* External interrupt, INIT, SIPI: the host's business. */
	return 1;
}

static int vmx_exit_ud(struct hv_vcpu *v)
{
	/* VMX instructions and MONITOR/MWAIT do not exist for the guest. */
	vmx_inject_ud(v);
	return 1;
}

static int vmx_exit_gp(struct hv_vcpu *v)
{
	/* XSETBV: the guest runs with the host's XCR0. */
	vmx_inject_gp(v);
	return 1;
}

static int vmx_exit_invd(struct hv_vcpu *v)
{
	/* Caches are the host's: INVD and WBINVD are no-ops. */
	vmx_skip(v);
	return 1;
}

static int vmx_exit_hlt(struct hv_vcpu *v)
{
	vmx_skip(v);
	v->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

static int vmx_exit_triple_fault(struct hv_vcpu *v)
{
	/* The state is that of the instruction that faulted: kept. */
	v->run->exit_reason = KVM_EXIT_SHUTDOWN;
	v->shutdown = true;
	return 0;
}

static int vmx_exit_cpuid(struct hv_vcpu *v)
{
	u32 a = v->gprs[HV_RAX], b, c = v->gprs[HV_RCX], d;
	u32 leaf = a, sub = c;

	cpuid_count(a, c, &a, &b, &c, &d);
	/*
	 * No VMX or SMX inside, none of the features whose CR4 bit the
	 * guest may not set (CR4_ALLOWED), and none whose MSRs or
	 * instructions this backend does not give the guest (machine
	 * checks, TSC_ADJUST, TSC_AUX for RDTSCP and RDPID).  Linux trusts
	 * CPUID: with PCID shown it set CR4.PCIDE and took a #GP before it
	 * had a console; with MCA shown it panicked on MCG_CAP.
	 */
	if (leaf == 1) {
		c &= ~(1U << 5 | 1U << 6 | 1U << 17);	/* VMX, SMX, PCID */
		d &= ~(1U << 7 | 1U << 14);		/* MCE, MCA */
	}
	if (leaf == 7 && sub == 0) {
		/* TSC_ADJUST, SMEP, INVPCID, SMAP */
		b &= ~(1U << 1 | 1U << 7 | 1U << 10 | 1U << 20);
		/* UMIP, PKU, CET_SS, LA57, RDPID */
		c &= ~(1U << 2 | 1U << 3 | 1U << 7 | 1U << 16 | 1U << 22);
		d &= ~(1U << 20);			/* CET_IBT */
	}
	if (leaf == 0x80000001)
		d &= ~(1U << 27);			/* RDTSCP */
	v->gprs[HV_RAX] = a;
	v->gprs[HV_RBX] = b;
	v->gprs[HV_RCX] = c;
	v->gprs[HV_RDX] = d;
	vmx_skip(v);
	return 1;
}

/* The guest's registers as one array, RSP taken from the state. */
static void vmx_gprs_out(struct hv_vcpu *v, u64 *gprs)
{
	memcpy(gprs, v->gprs, sizeof(v->gprs));
	gprs[HV_RSP] = to_vmx(v)->st.rsp;
}

static void vmx_gprs_in(struct hv_vcpu *v, const u64 *gprs)
{
	memcpy(v->gprs, gprs, sizeof(v->gprs));
	to_vmx(v)->st.rsp = gprs[HV_RSP];
}

/*
 * What emulate.c decodes and carries out instructions against.  VMX
 * has no decode assists: the emulator reads the instruction through
 * the guest's paging itself.
 */
static void vmx_emu_regs(struct hv_vcpu *v, struct hv_emu_regs *r)
{
	struct vmx_state *s = &to_vmx(v)->st;
	int i;

	vmx_gprs_out(v, r->gprs);
	r->rip = s->rip;
	r->rflags = s->rflags;
	r->cr0 = s->cr0;
	r->cr3 = s->cr3;
	r->cr4 = s->cr4;
	r->efer = s->efer;
	/* VS_ES ... VS_GS are in the emulator's order. */
	for (i = 0; i < 6; i++)
		r->seg_base[i] = s->seg[VS_ES + i].base;
	r->cs_l = s->seg[VS_CS].ar & VMX_AR_L;
	r->cs_db = s->seg[VS_CS].ar & VMX_AR_DB;
	r->insn_len = 0;
}

static int vmx_exit_io(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct kvm_run *run = v->run;
	u64 q = x->ex.qual;
	unsigned int size = (q & 7) + 1;
	bool in = q & (1U << 3);

	if (size != 1 && size != 2 && size != 4)
		return vmx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	/* INS/OUTS: emulate.c moves the data between memory and the run
	 * page, as many items at a time as fit; it decodes REP and the
	 * address size from the instruction itself. */
	if (q & (1U << 4)) {
		struct hv_emu_regs r;

		vmx_emu_regs(v, &r);
		if (hv_emulate_pio_string(v, &r, q >> 16, size, in,
					  x->st.rip + x->ex.insn_len) == 0)
			return 0;
		/* REP with rCX 0: nothing to move, a whole step. */
		vmx_skip(v);
		return 1;
	}
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = q >> 16;
	run->io.count = 1;
	run->io.data_offset = HV_PIO_OFFSET;
	if (in) {
		memset((u8 *)run + HV_PIO_OFFSET, 0, size);
		v->pending = HV_PENDING_IO_IN;
	} else {
		memcpy((u8 *)run + HV_PIO_OFFSET, &v->gprs[HV_RAX], size);
		v->pending = HV_PENDING_SKIP;
	}
	v->pending_size = size;
	v->pending_rip = x->st.rip + x->ex.insn_len;
	v->pending_at = x->st.rip;
	return 0;
}

/* The MSRs the VMCS or the entry path switches; NULL: none of them. */
static u64 *vmx_msr_slot(struct vmx_state *s, u32 msr)
{
	switch (msr) {
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:	return &s->kgsbase;
	case MSR_FS_BASE:		return &s->seg[VS_FS].base;
	case MSR_GS_BASE:		return &s->seg[VS_GS].base;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &s->pat;
	default:			return NULL;
	}
}

static bool vmx_canonical(u64 val)
{
	return (u64)((s64)(val << 16) >> 16) == val;
}

/* RDMSR/WRMSR: EFER, IA32_MISC_ENABLE, IA32_BIOS_SIGN_ID and the MSRs
 * of vmx_msr_slot(); others #GP. */
static int vmx_exit_msr(struct hv_vcpu *v, bool write)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_state *s = &x->st;
	u32 msr = v->gprs[HV_RCX];
	u64 val = (u32)v->gprs[HV_RAX] | v->gprs[HV_RDX] << 32, *slot;

	/* Reads of MTRRcap give 0 (no variable or fixed ranges): firmware
	 * that sees CPUID.MTRR reads it before setting any up (SeaBIOS
	 * then leaves the MTRRs alone). */
	if (msr == MSR_MTRRcap && !write) {
		v->gprs[HV_RAX] = 0;
		v->gprs[HV_RDX] = 0;
		vmx_skip(v);
		return 1;
	}
	/* IA32_BIOS_SIGN_ID: the microcode revision, which Linux reads on
	 * an Intel CPU after writing 0 and running CPUID: no microcode,
	 * revision 0. */
	if (msr == MSR_IA32_UCODE_REV) {
		if (!write) {
			v->gprs[HV_RAX] = 0;
			v->gprs[HV_RDX] = 0;
		}
		vmx_skip(v);
		return 1;
	}
	/* IA32_MISC_ENABLE: Linux's verify_cpu reads it on an Intel CPU
	 * (to clear XD disable) before it has an interrupt table, where
	 * a #GP is a triple fault.  Fast strings on, branch trace and
	 * PEBS unavailable; a write may only keep that. */
	if (msr == MSR_IA32_MISC_ENABLE) {
		u64 misc = MSR_IA32_MISC_ENABLE_FAST_STRING |
			   MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
			   MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;

		if (write && val != misc)
			goto gp;
		if (!write) {
			v->gprs[HV_RAX] = (u32)misc;
			v->gprs[HV_RDX] = misc >> 32;
		}
		vmx_skip(v);
		return 1;
	}
	if (msr != MSR_EFER) {
		slot = vmx_msr_slot(s, msr);
		if (!slot)
			goto gp;
		if (!write) {
			v->gprs[HV_RAX] = (u32)*slot;
			v->gprs[HV_RDX] = *slot >> 32;
		} else {
			if (msr == MSR_IA32_CR_PAT) {
				int i;

				for (i = 0; i < 64; i += 8)
					if ((val >> i & 0xff) > 7 ||
					    (val >> i & 0xff) == 2 ||
					    (val >> i & 0xff) == 3)
						goto gp;
			} else if (msr != MSR_STAR &&
				   msr != MSR_SYSCALL_MASK &&
				   msr != MSR_IA32_SYSENTER_CS &&
				   !vmx_canonical(val)) {
				goto gp;
			}
			if (msr == MSR_SYSCALL_MASK ||
			    msr == MSR_IA32_SYSENTER_CS)
				val = (u32)val;
			*slot = val;
			if (slot == &s->star || slot == &s->lstar ||
			    slot == &s->cstar || slot == &s->sfmask ||
			    slot == &s->kgsbase)
				x->msrs_used = true;
		}
		vmx_skip(v);
		return 1;
	}
	if (!write) {
		v->gprs[HV_RAX] = (u32)s->efer;
		v->gprs[HV_RDX] = s->efer >> 32;
	} else {
		if ((v->catch_flags & HVDBG_CATCH_EFER) &&
		    !vmx_catch_passed(v))
			return vmx_catch_exit(v, HVDBG_EXIT_EFER, DR6_INIT,
					      val, CATCH_SKIP);
		if (val & ~EFER_ALLOWED ||
		    (((val ^ s->efer) & EFER_LME) && (s->cr0 & X86_CR0_PG)))
			goto gp;
		/* LMA is the CPU's to set. */
		s->efer = (val & ~EFER_LMA) | (s->efer & EFER_LMA);
		x->flush = true;
	}
	vmx_skip(v);
	return 1;
gp:
	vmx_inject_gp(v);
	return 1;
}

static int vmx_exit_rdmsr(struct hv_vcpu *v)
{
	return vmx_exit_msr(v, false);
}

static int vmx_exit_wrmsr(struct hv_vcpu *v)
{
	return vmx_exit_msr(v, true);
}

static u64 *vmx_gpr(struct hv_vcpu *v, int n)
{
	return n == HV_RSP ? &to_vmx(v)->st.rsp : &v->gprs[n];
}

/* 64-bit code segment in long mode: 64-bit operands for MOV CR/DR. */
static bool vmx_wide(struct vmx_state *s)
{
	return (s->efer & EFER_LMA) && (s->seg[VS_CS].ar & VMX_AR_L);
}

/* MOV to/from DRn: the guest never touches the real debug registers. */
static int vmx_exit_dr(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_state *s = &x->st;
	int dr = x->ex.qual & 7, gpr = (x->ex.qual >> 8) & 15;
	bool from = x->ex.qual & (1U << 4);
	u64 val;

	if ((s->cr4 & X86_CR4_DE) && (dr == 4 || dr == 5)) {
		vmx_inject_ud(v);
		return 1;
	}
	if (dr == 4 || dr == 5)
		dr += 2;
	if (!from) {
		val = *vmx_gpr(v, gpr);
		if (!vmx_wide(s))
			val = (u32)val;
		if (dr < 4)
			v->db[dr] = val;
		else if (dr == 6)
			s->dr6 = (val & 0xffffffffULL) | DR6_INIT;
		else
			x->guest_dr7 = ((val & 0xffffffffULL) | DR7_INIT) &
				       ~DR7_GD_BIT;
	} else {
		val = dr < 4 ? v->db[dr] : dr == 6 ? s->dr6 : x->guest_dr7;
		if (!vmx_wide(s))
			val = (u32)val;
		*vmx_gpr(v, gpr) = val;
	}
	vmx_skip(v);
	return 1;
}

/* Write CR0 for the guest, as MOV, CLTS or LMSW would. */
static int vmx_set_cr0(struct hv_vcpu *v, u64 val)
{
	struct vmx_state *s = &to_vmx(v)->st;
	u64 old = s->cr0;

	val |= X86_CR0_ET;
	if (val >> 32 || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return -1;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) &&
	    (s->efer & EFER_LME)) {
		if (!(s->cr4 & X86_CR4_PAE) || (s->seg[VS_CS].ar & VMX_AR_L))
			return -1;
		s->efer |= EFER_LMA;
	}
	if ((old & X86_CR0_PG) && !(val & X86_CR0_PG))
		s->efer &= ~EFER_LMA;
	s->cr0 = val;
	to_vmx(v)->flush = true;
	if (vmx_load_pdptes(v)) {
		s->cr0 = old;
		return -1;
	}
	return 0;
}

static int vmx_set_cr4(struct hv_vcpu *v, u64 val)
{
	struct vmx_state *s = &to_vmx(v)->st;
	u64 old = s->cr4;

	if (val & ~CR4_ALLOWED ||
	    ((s->efer & EFER_LMA) && !(val & X86_CR4_PAE)))
		return -1;
	s->cr4 = val;
	to_vmx(v)->flush = true;
	if (vmx_load_pdptes(v)) {
		s->cr4 = old;
		return -1;
	}
	return 0;
}

/*
 * Control-register access: MOV to CR0/CR4 (always, the masks are all
 * ones), MOV to CR3 (while it is caught), CLTS and LMSW.  A caught
 * write is reported before it runs; resuming at it carries it out.
 */
static int vmx_exit_cr(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_state *s = &x->st;
	u64 q = x->ex.qual, val;
	int cr = q & 15, type = (q >> 4) & 3, r = 0;
	u32 flag;

	if (cr == 8) {
		/* CR8 is the guest's own, kept here (no TPR shadow). */
		if (type == 0)
			x->cr8 = *vmx_gpr(v, (q >> 8) & 15) & 15;
		else
			*vmx_gpr(v, (q >> 8) & 15) = x->cr8;
		vmx_skip(v);
		return 1;
	}
	switch (type) {
	case 0:				/* MOV to CR */
		val = *vmx_gpr(v, (q >> 8) & 15);
		if (!vmx_wide(s))
			val = (u32)val;
		break;
	case 2:				/* CLTS */
		cr = 0;
		val = s->cr0 & ~X86_CR0_TS;
		break;
	case 3:				/* LMSW: PE can be set, not cleared */
		cr = 0;
		val = (s->cr0 & ~0xeULL) | ((q >> 16) & 0xf) |
		      (s->cr0 & X86_CR0_PE);
		break;
	default:			/* MOV from CR3: not asked for */
		return vmx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	}
	flag = cr == 0 ? HVDBG_CATCH_CR0 : cr == 3 ? HVDBG_CATCH_CR3 :
	       cr == 4 ? HVDBG_CATCH_CR4 : 0;
	if (!flag)
		return vmx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	if ((v->catch_flags & flag) && !vmx_catch_passed(v))
		return vmx_catch_exit(v, HVDBG_EXIT_CR | cr, DR6_INIT, 0,
				      CATCH_SKIP);
	switch (cr) {
	case 0:
		r = vmx_set_cr0(v, val);
		break;
	case 3:
		if (val >> 52) {
			r = -1;
			break;
		}
		s->cr3 = val;
		x->flush = true;
		r = vmx_load_pdptes(v) ? -1 : 0;
		break;
	case 4:
		r = vmx_set_cr4(v, val);
		break;
	}
	if (r) {
		vmx_inject_gp(v);
		return 1;
	}
	vmx_skip(v);
	return 1;
}

/*
 * LGDT/LIDT/SGDT/SIDT, exiting only while a GDT or IDT catchpoint is
 * set.  A caught load is reported before it runs; everything else
 * (and the caught load once resumed) runs in the guest, one step with
 * the exiting lifted.
 */
static int vmx_exit_dt(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	int op = (x->ex.insn_info >> 28) & 3;	/* SGDT SIDT LGDT LIDT */
	bool caught = (op == 2 && (v->catch_flags & HVDBG_CATCH_GDT)) ||
		      (op == 3 && (v->catch_flags & HVDBG_CATCH_IDT));

	if (caught && !(x->catch_next == CATCH_STEP &&
			x->catch_at == x->st.rip))
		return vmx_catch_exit(v, HVDBG_EXIT_DT | (op == 2 ? 'G' : 'I'),
				      DR6_INIT, 0, CATCH_STEP);
	x->catch_next = CATCH_NONE;
	x->step_over = true;
	x->step_over_at = x->st.rip;
	return 1;
}

static int vmx_exit_db(struct hv_vcpu *v, u64 dr6)
{
	struct vmx_vcpu *x = to_vmx(v);

	/* The step over an instruction of ours, nobody else's; a trap
	 * still in front of it means it has not run yet. */
	if (x->stepped_over && (dr6 & DR6_BS_BIT) &&
	    !(v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) {
		if (x->st.rip == x->step_over_at)
			x->step_over = true;
		return 1;
	}
	if (v->guest_debug & (KVM_GUESTDBG_SINGLESTEP |
			      KVM_GUESTDBG_USE_HW_BP)) {
		vmx_debug_exit(v, 1, dr6);
		return 0;
	}
	/* The guest's own #DB: its DR6, then delivery. */
	x->st.dr6 = (x->st.dr6 & ~0x600fULL) | (dr6 & 0x600fULL);
	vmx_inject(v, 1, INTR_TYPE_HARD_EXCEPTION, -1, 0);
	return 1;
}

/* An exception or NMI exit. */
static int vmx_exit_exception(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_exit *e = &x->ex;
	u32 vec = e->intr_info & INTR_INFO_VECTOR_MASK;
	u32 type = e->intr_info & INTR_INFO_INTR_TYPE_MASK;
	bool has_err = e->intr_info & INTR_INFO_DELIVER_CODE_MASK;
	u64 err = has_err ? e->intr_err : 0;

	if (type == INTR_TYPE_NMI_INTR)
		return 1;		/* handed to the host at exit */
	if (vec == 1)
		return vmx_exit_db(v, DR6_INIT | (e->qual & 0x600fULL));
	if (vec == 3 && (v->guest_debug & KVM_GUESTDBG_USE_SW_BP)) {
		/* RIP is at the INT3. */
		vmx_debug_exit(v, 3, DR6_INIT);
		return 0;
	}
	/* Caught: before delivery, with error code and CR2. */
	x->catch_info = e->intr_info & ~INTR_INFO_UNBLOCK_NMI;
	x->catch_err = err;
	x->catch_cr2 = vec == 14 ? e->qual : 0;
	vmx_catch_exit(v, HVDBG_EXIT_EXCEPTION | vec, err, x->catch_cr2,
		       CATCH_REINJECT);
	return 0;
}

static int vmx_exit_irq_window(struct hv_vcpu *v)
{
	to_vmx(v)->irq_window = false;
	if (v->irq_pending < 0 && v->run->request_interrupt_window) {
		v->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

/*
 * An EPT violation.  Inside a slot: the first touch of that page,
 * which is pinned and mapped now.  Outside every slot: MMIO, which
 * emulate.c decodes into a KVM_EXIT_MMIO (or an internal error with
 * the instruction's bytes).
 */
static int vmx_exit_ept_violation(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	u64 gpa = to_vmx(v)->ex.gpa & PAGE_MASK;
	struct page *pg;
	int r;

	/*
	 * The instruction faulted and will run again: no single-step trap
	 * is pending for it (Bochs saves one, which would end a step
	 * before the instruction ran).
	 */
	to_vmx(v)->st.pending_dbg &= ~DR6_BS_BIT;

	mutex_lock(&vm->lock);
	pg = hv_vm_gpa_page(vm, gpa);
	if (IS_ERR(pg))
		r = PTR_ERR(pg);
	else if (!pg)
		r = 1;
	else
		r = ept_map(vm->arch, gpa, page_to_phys(pg));
	mutex_unlock(&vm->lock);
	if (r < 0)
		return r;
	if (r == 1) {
		struct hv_emu_regs e;

		vmx_emu_regs(v, &e);
		return hv_emulate_mmio(v, &e, to_vmx(v)->ex.gpa);
	}
	return 1;
}

static int vmx_exit_emulation(struct hv_vcpu *v)
{
	/* Task switches, EPT misconfiguration: not emulated. */
	return vmx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
}

static int (*const vmx_exit_handlers[])(struct hv_vcpu *v) = {
	[EXIT_REASON_EXCEPTION_NMI]	= vmx_exit_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = vmx_exit_continue,
	[EXIT_REASON_TRIPLE_FAULT]	= vmx_exit_triple_fault,
	[EXIT_REASON_INIT_SIGNAL]	= vmx_exit_continue,
	[EXIT_REASON_SIPI_SIGNAL]	= vmx_exit_continue,
	[EXIT_REASON_INTERRUPT_WINDOW]	= vmx_exit_irq_window,
	[EXIT_REASON_TASK_SWITCH]	= vmx_exit_emulation,
	[EXIT_REASON_CPUID]		= vmx_exit_cpuid,
	[EXIT_REASON_HLT]		= vmx_exit_hlt,
	[EXIT_REASON_INVD]		= vmx_exit_invd,
	[EXIT_REASON_VMCALL]		= vmx_exit_ud,
	[EXIT_REASON_VMCLEAR]		= vmx_exit_ud,
	[EXIT_REASON_VMLAUNCH]		= vmx_exit_ud,
	[EXIT_REASON_VMPTRLD]		= vmx_exit_ud,
	[EXIT_REASON_VMPTRST]		= vmx_exit_ud,
	[EXIT_REASON_VMREAD]		= vmx_exit_ud,
	[EXIT_REASON_VMRESUME]		= vmx_exit_ud,
	[EXIT_REASON_VMWRITE]		= vmx_exit_ud,
	[EXIT_REASON_VMOFF]		= vmx_exit_ud,
	[EXIT_REASON_VMON]		= vmx_exit_ud,
	[EXIT_REASON_CR_ACCESS]		= vmx_exit_cr,
	[EXIT_REASON_DR_ACCESS]		= vmx_exit_dr,
	[EXIT_REASON_IO_INSTRUCTION]	= vmx_exit_io,
	[EXIT_REASON_MSR_READ]		= vmx_exit_rdmsr,
	[EXIT_REASON_MSR_WRITE]		= vmx_exit_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION]	= vmx_exit_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION] = vmx_exit_ud,
	[EXIT_REASON_GDTR_IDTR]		= vmx_exit_dt,
	[EXIT_REASON_EPT_VIOLATION]	= vmx_exit_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]	= vmx_exit_emulation,
	[EXIT_REASON_INVEPT]		= vmx_exit_ud,
	[EXIT_REASON_WBINVD]		= vmx_exit_invd,
	[EXIT_REASON_XSETBV]		= vmx_exit_gp,
	[EXIT_REASON_INVVPID]		= vmx_exit_ud,
	[EXIT_REASON_PREEMPTION_TIMER]	= vmx_exit_continue,
};

static int vmx_handle_exit(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_exit *e = &x->ex;
	u32 reason = e->reason & 0xffff;
	int r;

	/* A step over an instruction of ours ends with any exit. */
	x->stepped_over = x->step_over;
	x->step_over = false;
	/* What was injected has been delivered, unless the exit cut it
	 * short: then it is delivered again. */
	x->inj_info = 0;
	if (e->idt_info & VECTORING_INFO_VALID_MASK) {
		x->inj_info = e->idt_info;
		x->inj_err = e->idt_err;
		x->inj_len = e->insn_len;
	}
	if (e->reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		v->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		v->run->fail_entry.hardware_entry_failure_reason = e->reason;
		v->run->fail_entry.cpu = x->last_cpu;
		pr_err_ratelimited("VM entry failed: exit reason 0x%x, qualification 0x%llx\n",
				   e->reason, e->qual);
		return 0;
	}
	x->skipped = false;
	if (reason < ARRAY_SIZE(vmx_exit_handlers) &&
	    vmx_exit_handlers[reason])
		r = vmx_exit_handlers[reason](v);
	else {
		v->run->exit_reason = KVM_EXIT_UNKNOWN;
		v->run->hw.hardware_exit_reason = reason;
		r = 0;
	}
	/* An instruction carried out here is a whole step. */
	if (r == 1 && x->skipped &&
	    (v->guest_debug & KVM_GUESTDBG_SINGLESTEP) &&
	    !(x->inj_info & INTR_INFO_VALID_MASK)) {
		vmx_debug_exit(v, 1, DR6_INIT | DR6_BS_BIT);
		return 0;
	}
	/* An exit handled here before the stepped-over instruction
	 * completed: step again. */
	if (x->stepped_over && r == 1 &&
	    !(reason == EXIT_REASON_EXCEPTION_NMI &&
	      (e->intr_info & INTR_INFO_VECTOR_MASK) == 1) &&
	    x->st.rip == x->step_over_at)
		x->step_over = true;
	return r;
}

/* ---------------------------------------------------------------- */
/* Entry */

/* External interrupts from KVM_INTERRUPT; 0 when user space wants to
 * hear about an open window now. */
static int vmx_prepare_irq(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	bool open = (x->st.rflags & X86_EFLAGS_IF) &&
		    !(x->st.intr_state & (GUEST_INTR_STATE_STI |
					  GUEST_INTR_STATE_MOV_SS)) &&
		    !(x->inj_info & INTR_INFO_VALID_MASK);
	bool blocked = (v->guest_debug & KVM_GUESTDBG_BLOCKIRQ) &&
		       (v->guest_debug & KVM_GUESTDBG_SINGLESTEP);

	x->irq_window = false;
	if (v->irq_pending >= 0 && !blocked) {
		if (open) {
			vmx_inject(v, v->irq_pending, INTR_TYPE_EXT_INTR, -1,
				   0);
			v->irq_pending = -1;
			return 1;
		}
	} else if (!v->run->request_interrupt_window || blocked) {
		return 1;
	} else if (open) {
		v->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	if (!blocked)
		x->irq_window = true;
	return 1;
}

static void vmx_fill_run(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct kvm_run *run = v->run;

	run->if_flag = !!(x->st.rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = run->if_flag &&
		!(x->st.intr_state & (GUEST_INTR_STATE_STI |
				      GUEST_INTR_STATE_MOV_SS)) &&
		v->irq_pending < 0;
	run->cr8 = x->cr8;
	run->apic_base = 0;
}

/* Batched VMWRITEs: the first failure is remembered, checked once. */
struct vmx_batch {
	unsigned long bad_field;
	bool bad;
};

static void vmw(struct vmx_batch *b, unsigned long field, u64 val)
{
	if (!vmx_write(field, val) && !b->bad) {
		b->bad = true;
		b->bad_field = field;
	}
}

static u64 vmr(struct vmx_batch *b, unsigned long field)
{
	u64 val;

	if (!vmx_read(field, &val) && !b->bad) {
		b->bad = true;
		b->bad_field = field;
	}
	return val;
}

/* The base of the TSS the CPU runs on, from its GDT descriptor. */
static u64 vmx_host_tr_base(const struct desc_ptr *gdt)
{
	u16 tr;
	const u32 *d;

	asm volatile("str %0" : "=r" (tr));
	d = (const u32 *)(gdt->address + (tr & ~7));
	return ((d[0] >> 16) | ((d[1] & 0xff) << 16) |
		(d[1] & 0xff000000)) | (u64)d[2] << 32;
}

static void vmx_write_host(struct vmx_batch *b, struct desc_ptr *gdt,
			   struct desc_ptr *idt)
{
	u64 val;

	vmw(b, HOST_CR0, read_cr0());
	vmw(b, HOST_CR3, __read_cr3());
	vmw(b, HOST_CR4, __read_cr4());
	vmw(b, HOST_ES_SELECTOR, 0);
	vmw(b, HOST_CS_SELECTOR, __KERNEL_CS);
	vmw(b, HOST_SS_SELECTOR, __KERNEL_DS);
	vmw(b, HOST_DS_SELECTOR, 0);
	vmw(b, HOST_FS_SELECTOR, 0);
	vmw(b, HOST_GS_SELECTOR, 0);
	vmw(b, HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_FS_BASE, val);
	vmw(b, HOST_FS_BASE, val);
	rdmsrl(MSR_GS_BASE, val);
	vmw(b, HOST_GS_BASE, val);
	vmw(b, HOST_TR_BASE, vmx_host_tr_base(gdt));
	vmw(b, HOST_GDTR_BASE, gdt->address);
	vmw(b, HOST_IDTR_BASE, idt->address);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmw(b, HOST_IA32_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmw(b, HOST_IA32_SYSENTER_ESP, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmw(b, HOST_IA32_SYSENTER_EIP, val);
	rdmsrl(MSR_IA32_CR_PAT, val);
	vmw(b, HOST_IA32_PAT, val);
	rdmsrl(MSR_EFER, val);
	vmw(b, HOST_IA32_EFER, val);
	vmw(b, HOST_RIP, (unsigned long)__hv_vmx_exit);
}

/*
 * A MOV to CR0 or CR4 exits only when it changes a bit of the read
 * shadow, so a write of the value already there would slip past a
 * catchpoint.  While one is armed outside long mode, the shadow has bit
 * 32 set, which no 16- or 32-bit MOV can write or read: then every
 * write exits.  In long mode (where 64-bit code would read the bit) a
 * write that changes nothing is not caught.
 */
static u64 vmx_catch_bit(struct hv_vcpu *v, u32 flag)
{
	if (!(v->catch_flags & flag) || (to_vmx(v)->st.efer & EFER_LMA))
		return 0;
	return 1ULL << 32;
}

static void vmx_write_guest(struct vmx_batch *b, struct hv_vcpu *v,
			    u64 dr7, u32 exceptions, bool tf)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_state *s = &x->st;
	u32 proc = vmx_conf.proc, proc2 = vmx_conf.proc2;
	u32 entry = vmx_conf.entry;
	u64 rflags = s->rflags | (tf ? X86_EFLAGS_TF : 0);
	u64 pend = s->pending_dbg;
	int i;

	for (i = 0; i < VS_NR; i++) {
		vmw(b, GUEST_ES_SELECTOR + 2 * i, s->seg[i].sel);
		vmw(b, GUEST_ES_LIMIT + 2 * i, s->seg[i].limit);
		vmw(b, GUEST_ES_AR_BYTES + 2 * i, s->seg[i].ar);
		vmw(b, GUEST_ES_BASE + 2 * i, s->seg[i].base);
	}
	vmw(b, GUEST_GDTR_BASE, s->gdt_base);
	vmw(b, GUEST_GDTR_LIMIT, s->gdt_limit & 0xffff);
	vmw(b, GUEST_IDTR_BASE, s->idt_base);
	vmw(b, GUEST_IDTR_LIMIT, s->idt_limit & 0xffff);
	vmw(b, GUEST_CR0, vmx_real_cr0(s->cr0));
	vmw(b, CR0_READ_SHADOW, s->cr0 | vmx_catch_bit(v, HVDBG_CATCH_CR0));
	vmw(b, CR0_GUEST_HOST_MASK, ~0UL);
	vmw(b, GUEST_CR3, s->cr3);
	vmw(b, GUEST_CR4, vmx_real_cr4(s->cr4));
	vmw(b, CR4_READ_SHADOW, s->cr4 | vmx_catch_bit(v, HVDBG_CATCH_CR4));
	vmw(b, CR4_GUEST_HOST_MASK, ~0UL);
	vmw(b, GUEST_DR7, dr7);
	vmw(b, GUEST_IA32_DEBUGCTL, 0);
	vmw(b, GUEST_RSP, s->rsp);
	vmw(b, GUEST_RIP, s->rip);
	vmw(b, GUEST_RFLAGS, rflags);
	/* TF under STI or MOV SS blocking: the step is pending. */
	if (s->intr_state & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		pend = (pend & ~DR6_BS_BIT) |
		       ((rflags & X86_EFLAGS_TF) ? DR6_BS_BIT : 0);
	vmw(b, GUEST_PENDING_DBG_EXCEPTIONS, pend);
	vmw(b, GUEST_INTERRUPTIBILITY_INFO, s->intr_state);
	vmw(b, GUEST_ACTIVITY_STATE, 0);
	vmw(b, GUEST_SYSENTER_CS, s->sysenter_cs);
	vmw(b, GUEST_SYSENTER_ESP, s->sysenter_esp);
	vmw(b, GUEST_SYSENTER_EIP, s->sysenter_eip);
	vmw(b, GUEST_IA32_PAT, s->pat);
	vmw(b, GUEST_IA32_EFER, s->efer);
	vmw(b, VMCS_LINK_POINTER, ~0ULL);
	if (vmx_pae_paging(s))
		for (i = 0; i < 4; i++)
			vmw(b, GUEST_PDPTR0 + 2 * i, s->pdpte[i]);

	if (s->efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	if (x->irq_window)
		proc |= CPU_BASED_INTR_WINDOW_EXITING;
	if (v->catch_flags & HVDBG_CATCH_CR3)
		proc |= CPU_BASED_CR3_LOAD_EXITING;
	if ((v->catch_flags & (HVDBG_CATCH_GDT | HVDBG_CATCH_IDT)) &&
	    !x->step_over)
		proc2 |= SECONDARY_EXEC_DESC;
	vmw(b, PIN_BASED_VM_EXEC_CONTROL, vmx_conf.pin);
	if (vmx_conf.preempt)
		vmw(b, VMX_PREEMPTION_TIMER_VALUE, vmx_conf.preempt);
	vmw(b, CPU_BASED_VM_EXEC_CONTROL, proc);
	vmw(b, SECONDARY_VM_EXEC_CONTROL, proc2);
	vmw(b, VM_EXIT_CONTROLS, vmx_conf.exit);
	vmw(b, VM_ENTRY_CONTROLS, entry);
	vmw(b, EXCEPTION_BITMAP, exceptions);
	vmw(b, PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmw(b, PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmw(b, CR3_TARGET_COUNT, 0);
	vmw(b, VM_EXIT_MSR_STORE_COUNT, 0);
	vmw(b, VM_EXIT_MSR_LOAD_COUNT, 0);
	vmw(b, VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmw(b, EPT_POINTER, ((struct vmx_vm *)v->vm->arch)->eptp);
	vmw(b, VM_ENTRY_INTR_INFO_FIELD, x->inj_info);
	if (x->inj_info & INTR_INFO_VALID_MASK) {
		vmw(b, VM_ENTRY_EXCEPTION_ERROR_CODE, x->inj_err);
		vmw(b, VM_ENTRY_INSTRUCTION_LEN, x->inj_len);
	}
}

static void vmx_read_guest(struct vmx_batch *b, struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_state *s = &x->st;
	struct vmx_exit *e = &x->ex;
	int i;

	memset(e, 0, sizeof(*e));
	e->reason = vmr(b, VM_EXIT_REASON);
	e->qual = vmr(b, EXIT_QUALIFICATION);
	e->intr_info = vmr(b, VM_EXIT_INTR_INFO);
	e->intr_err = vmr(b, VM_EXIT_INTR_ERROR_CODE);
	e->idt_info = vmr(b, IDT_VECTORING_INFO_FIELD);
	e->idt_err = vmr(b, IDT_VECTORING_ERROR_CODE);
	e->insn_len = vmr(b, VM_EXIT_INSTRUCTION_LEN);
	e->insn_info = vmr(b, VMX_INSTRUCTION_INFO);
	e->gpa = vmr(b, GUEST_PHYSICAL_ADDRESS);
	/* A failed entry changed no guest state. */
	if (e->reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return;
	for (i = 0; i < VS_NR; i++) {
		s->seg[i].sel = vmr(b, GUEST_ES_SELECTOR + 2 * i);
		s->seg[i].limit = vmr(b, GUEST_ES_LIMIT + 2 * i);
		s->seg[i].ar = vmr(b, GUEST_ES_AR_BYTES + 2 * i);
		s->seg[i].base = vmr(b, GUEST_ES_BASE + 2 * i);
	}
	s->gdt_base = vmr(b, GUEST_GDTR_BASE);
	s->gdt_limit = vmr(b, GUEST_GDTR_LIMIT);
	s->idt_base = vmr(b, GUEST_IDTR_BASE);
	s->idt_limit = vmr(b, GUEST_IDTR_LIMIT);
	/* CR0 and CR4 are host-owned: the guest changed neither. */
	s->cr3 = vmr(b, GUEST_CR3);
	s->rsp = vmr(b, GUEST_RSP);
	s->rip = vmr(b, GUEST_RIP);
	s->rflags = vmr(b, GUEST_RFLAGS);
	s->pending_dbg = vmr(b, GUEST_PENDING_DBG_EXCEPTIONS);
	s->intr_state = vmr(b, GUEST_INTERRUPTIBILITY_INFO);
	s->sysenter_cs = vmr(b, GUEST_SYSENTER_CS);
	s->sysenter_esp = vmr(b, GUEST_SYSENTER_ESP);
	s->sysenter_eip = vmr(b, GUEST_SYSENTER_EIP);
	s->pat = vmr(b, GUEST_IA32_PAT);
	s->efer = vmr(b, GUEST_IA32_EFER);
	if (vmx_pae_paging(s))
		for (i = 0; i < 4; i++)
			s->pdpte[i] = vmr(b, GUEST_PDPTR0 + 2 * i);
}

/* The MSRs no VMCS field switches, swapped while the guest uses them. */
static const u32 vmx_swapped_msrs[] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
};

static u64 *vmx_swapped_slot(struct vmx_state *s, int i)
{
	u64 *slots[] = { &s->star, &s->lstar, &s->cstar, &s->sfmask,
			 &s->kgsbase };

	return slots[i];
}

static int vmx_enter(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_vm *vv = v->vm->arch;
	struct vmx_state *s = &x->st;
	struct vmx_batch b = { 0 };
	u64 db[4], dr7, host_db[4], host_dr7, host_debugctl, host_msrs[5];
	u32 exceptions = v->catch_exceptions;
	struct desc_ptr gdt, idt;
	u16 ds_sel, es_sel, fs_sel, gs_sel;
	struct vmx_cpu *c;
	bool tf, hw, launched_bad = false;
	int i, cpu, ret = 0;

	if (v->guest_debug & KVM_GUESTDBG_USE_HW_BP) {
		memcpy(db, v->dbg_db, sizeof(db));
		dr7 = v->dbg_dr7;
	} else {
		memcpy(db, v->db, sizeof(db));
		dr7 = x->guest_dr7;
	}
	hw = dr7 & 0xff;
	if ((v->guest_debug & KVM_GUESTDBG_ENABLE) || x->step_over)
		exceptions |= 1U << 1;
	if (v->guest_debug & KVM_GUESTDBG_USE_SW_BP)
		exceptions |= 1U << 3;
	tf = (x->step_over || (v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) &&
	     !(s->rflags & X86_EFLAGS_TF);

	savesegment(fs, fs_sel);
	savesegment(gs, gs_sel);
	if (fs_sel || gs_sel) {
		/* A 64-bit process has none; a VM exit would lose them. */
		pr_err_ratelimited("the calling process has FS or GS selectors loaded; refusing to enter\n");
		return -EINVAL;
	}

	/* Preemption off from here: the user's FPU state is saved. */
	kernel_fpu_begin();
	asm volatile("fxrstor64 %0" : : "m" (*(u8 (*)[512])v->fxsave));
	local_irq_disable();
	cpu = smp_processor_id();
	c = this_cpu_ptr(&vmx_cpus);
	/* A CPU brought online after load comes up outside VMX. */
	if (!vmx_cpu_enable(c)) {
		local_irq_enable();
		kernel_fpu_end();
		pr_err_ratelimited("CPU %d: VMX taken by another hypervisor\n",
				   cpu);
		return -EBUSY;
	}
	if (!vmx_ptrld(x->vmcs_pa)) {
		local_irq_enable();
		kernel_fpu_end();
		pr_err_ratelimited("CPU %d: VMPTRLD failed\n", cpu);
		return -EIO;
	}
	if (x->flush || x->last_cpu != cpu || c->last_eptp != vv->eptp) {
		if (!vmx_invept(vmx_conf.invept_type, vv->eptp))
			b.bad = true;
		x->flush = false;
	}
	x->last_cpu = cpu;
	c->last_eptp = vv->eptp;

	native_store_gdt(&gdt);
	store_idt(&idt);
	savesegment(ds, ds_sel);
	savesegment(es, es_sel);
	vmx_write_host(&b, &gdt, &idt);
	vmx_write_guest(&b, v, dr7, exceptions, tf);
	if (b.bad) {
		ret = -EIO;
		goto clear;
	}

	host_debugctl = 0;
	if (vmx_conf.debugctl)
		rdmsrl(MSR_IA32_DEBUGCTLMSR, host_debugctl);
	if (x->msrs_used) {
		for (i = 0; i < ARRAY_SIZE(vmx_swapped_msrs); i++) {
			rdmsrl(vmx_swapped_msrs[i], host_msrs[i]);
			wrmsrl(vmx_swapped_msrs[i], *vmx_swapped_slot(s, i));
		}
	}
	host_dr7 = native_get_debugreg(7);
	if (hw) {
		/* Interrupts off: nothing can observe these. */
		native_set_debugreg(7, 0);
		for (i = 0; i < 4; i++) {
			host_db[i] = native_get_debugreg(i);
			native_set_debugreg(i, db[i]);
		}
	}
	native_write_cr2(s->cr2);

	launched_bad = __hv_vmx_run(v->gprs);

	s->cr2 = native_read_cr2();
	/* VM exit left DR7 0x400, DEBUGCTL 0, GDT and IDT limits 0xffff. */
	if (hw) {
		for (i = 0; i < 4; i++)
			native_set_debugreg(i, host_db[i]);
		native_set_debugreg(6, DR6_INIT);
	}
	if (host_dr7 != DR7_INIT)
		native_set_debugreg(7, host_dr7);
	if (host_debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, host_debugctl);
	if (x->msrs_used) {
		for (i = 0; i < ARRAY_SIZE(vmx_swapped_msrs); i++) {
			rdmsrl(vmx_swapped_msrs[i], *vmx_swapped_slot(s, i));
			wrmsrl(vmx_swapped_msrs[i], host_msrs[i]);
		}
	}
	native_load_gdt(&gdt);
	native_load_idt(&idt);
	loadsegment(ds, ds_sel);
	loadsegment(es, es_sel);
	invalidate_tss_limit();

	if (launched_bad) {
		u64 err = 0;

		vmx_read(VM_INSTRUCTION_ERROR, &err);
		pr_err_ratelimited("VMLAUNCH failed: VM-instruction error %llu\n",
				   err);
		x->ex.reason = VMX_EXIT_REASONS_FAILED_VMENTRY;
		x->ex.insn_error = err;
		v->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		v->run->fail_entry.hardware_entry_failure_reason =
			0x10000 | err;
		v->run->fail_entry.cpu = cpu;
		ret = 1;
		goto clear;
	}
	vmx_read_guest(&b, v);
	if (tf) {
		u32 why = x->ex.reason & 0xffff;

		s->rflags &= ~X86_EFLAGS_TF;
		/*
		 * An exit caused by an instruction comes before that
		 * instruction completes: no trap of our TF can be pending
		 * (Bochs saves one, which the next entry would deliver to
		 * a guest that may have no handler for it).
		 */
		if (why != EXIT_REASON_EXTERNAL_INTERRUPT &&
		    why != EXIT_REASON_PREEMPTION_TIMER &&
		    why != EXIT_REASON_EXCEPTION_NMI)
			s->pending_dbg &= ~DR6_BS_BIT;
	}
	if (b.bad)
		ret = -EIO;
	else if ((x->ex.reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
		 (x->ex.intr_info & INTR_INFO_INTR_TYPE_MASK) ==
		 INTR_TYPE_NMI_INTR)
		asm volatile("int $2");	/* the host's NMI, delivered now */

clear:
	if (!vmx_clear(x->vmcs_pa) && !ret)
		ret = -EIO;
	local_irq_enable();
	asm volatile("fxsave64 %0" : "=m" (*(u8 (*)[512])v->fxsave));
	kernel_fpu_end();
	if (ret < 0)
		pr_err_ratelimited("CPU %d: VMX instruction failed (field 0x%lx); vCPU stopped\n",
				   cpu, b.bad_field);
	return ret;
}

/* Finish what the last exit left to user space (IN data, MMIO read
 * data, string I/O, RIP). */
static int vmx_complete(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	/* User space moved the vCPU elsewhere: nothing to finish. */
	if (x->st.rip != v->pending_at) {
		v->pending = HV_PENDING_NONE;
		return 1;
	}
	if (v->pending == HV_PENDING_IO_IN)
		memcpy(&v->gprs[HV_RAX], (u8 *)v->run + HV_PIO_OFFSET,
		       v->pending_size);
	if (v->pending == HV_PENDING_PIO_STR) {
		u64 gprs[HV_NR_GPRS];

		vmx_gprs_out(v, gprs);
		v->pending_rip = hv_emulate_pio_string_complete(v, gprs);
		vmx_gprs_in(v, gprs);
	}
	if (v->pending == HV_PENDING_MMIO_IN) {
		u64 gprs[HV_NR_GPRS];

		vmx_gprs_out(v, gprs);
		hv_emulate_complete(v, gprs, &x->st.rflags);
		vmx_gprs_in(v, gprs);
	}
	x->st.rip = v->pending_rip;
	x->st.intr_state &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	v->pending = HV_PENDING_NONE;
	/* The instruction completed here, not in the guest: the step it
	 * was part of ends now (a REP string instruction with items left
	 * reports the same RIP, which the monitor steps again). */
	if (v->guest_debug & KVM_GUESTDBG_SINGLESTEP) {
		vmx_debug_exit(v, 1, DR6_INIT | DR6_BS_BIT);
		return 0;
	}
	return 1;
}

/* Resuming after a caught exception: deliver it now. */
static void vmx_catch_resume(struct hv_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (x->catch_next != CATCH_REINJECT)
		return;
	x->catch_next = CATCH_NONE;
	if (x->st.rip != x->catch_at)
		return;
	if ((x->catch_info & INTR_INFO_VECTOR_MASK) == 14)
		x->st.cr2 = x->catch_cr2;
	x->inj_info = x->catch_info;
	x->inj_err = x->catch_err;
	x->inj_len = x->ex.insn_len;
}

static void vmx_trace_state(struct hv_vcpu *v, struct hv_trace_state *t)
{
	const struct vmx_state *s = &to_vmx(v)->st;

	t->rip = s->rip;
	t->pc = s->seg[VS_CS].base + s->rip;
	t->rsp = s->rsp;
	t->rflags = s->rflags;
	t->cs = s->seg[VS_CS].sel;
}

static int vmx_run(struct hv_vcpu *v)
{
	struct hv_vm *vm = v->vm;
	struct vmx_vm *s = vm->arch;
	int r;

	if (v->pending) {
		r = vmx_complete(v);
		goto out;
	}
	if (v->shutdown) {
		v->run->exit_reason = KVM_EXIT_SHUTDOWN;
		r = 0;
		goto out;
	}
	if (READ_ONCE(s->ept_gen) != READ_ONCE(vm->mem_gen)) {
		mutex_lock(&vm->lock);
		r = s->ept_gen != vm->mem_gen ? ept_build(vm) : 0;
		mutex_unlock(&vm->lock);
		if (r)
			return r;
		to_vmx(v)->flush = true;
	}
	vmx_catch_resume(v);
	r = vmx_prepare_irq(v);
	if (r <= 0)
		goto out;
	r = vmx_enter(v);
	if (r < 0)
		return r;
	/* 1: the launch failed, v->run says so. */
	r = r ? 0 : vmx_handle_exit(v);
out:
	if (r == 0)
		vmx_fill_run(v);
	return r;
}

const struct hv_ops hv_vmx_ops = {
	.name			= "Intel VMX",
	.backend_id		= HVDBG_BACKEND_VMX,

	.probe			= vmx_probe,
	.hardware_enable	= vmx_hardware_enable,
	.hardware_disable	= vmx_hardware_disable,

	.vm_init		= vmx_vm_init,
	.vm_free		= vmx_vm_free,
	.vcpu_init		= vmx_vcpu_init,
	.vcpu_free		= vmx_vcpu_free,

	.run			= vmx_run,
	.get_regs		= vmx_get_regs,
	.set_regs		= vmx_set_regs,
	.get_sregs		= vmx_get_sregs,
	.set_sregs		= vmx_set_sregs,
	.get_debugregs		= vmx_get_debugregs,
	.get_exception		= vmx_get_exception,
	.set_exception		= vmx_set_exception,
	.set_debugregs		= vmx_set_debugregs,
	.set_guest_debug	= vmx_set_guest_debug,
	.set_catch		= vmx_set_catch,
	.catch_flags		= HVDBG_CATCH_CR0 | HVDBG_CATCH_CR3 |
				  HVDBG_CATCH_CR4 | HVDBG_CATCH_EFER |
				  HVDBG_CATCH_GDT | HVDBG_CATCH_IDT |
				  HVDBG_CATCH_EXCEPTION | HVDBG_CATCH_TRIPLE,
	.trace_state		= vmx_trace_state,
};
