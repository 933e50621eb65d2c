/*
 * hvdbg's local APIC model, for an accelerator without an in-kernel
 * irqchip.  There the local APIC page is backed by nothing, so every
 * guest access to it is an MMIO exit, served here on the thread of the
 * vCPU that made it, for that vCPU's own APIC: ID, version, the
 * spurious-interrupt vector register and the interrupt command register;
 * every other register reads 0 and ignores writes.
 *
 * A write to ICR low sends an IPI.  INIT and STARTUP are carried out,
 * with the shorthands (none, self, all including self, all excluding
 * self) and physical destinations (an APIC ID, or 0xff for all); the
 * vCPU side (vcpu__deliver_init, vcpu__deliver_sipi) decides what each
 * does to its target.  Any other IPI would need an interrupt controller
 * to raise it in the target, which the accelerator has not got: it is
 * dropped, and said once on stderr, not silently.
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "monitor/lapic.h"
#include "monitor/machine.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

#define APIC_ID			0x20
#define APIC_LVR		0x30
#define APIC_SVR		0xf0
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310

/* An integrated APIC (0x14) with six LVT entries, as KVM's reads. */
#define APIC_VERSION		0x00050014
#define APIC_SVR_RESET		0x000000ff
/* The ICR bits that read back (delivery status always reads idle). */
#define ICR_LO_MASK		0x000ccfff
#define ICR_HI_MASK		0xff000000

#define ICR_MODE(lo)		(((lo) >> 8) & 7)
#define ICR_LOGICAL		(1u << 11)
#define ICR_LEVEL_ASSERT	(1u << 14)
#define ICR_TRIGGER_LEVEL	(1u << 15)
#define ICR_SHORTHAND(lo)	(((lo) >> 18) & 3)

enum { DM_INIT = 5, DM_STARTUP = 6 };
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* CR0 after INIT: ET set, CD and NW kept, the rest clear (SDM 9.1.1). */
#define CR0_ET			(1ULL << 4)
#define CR0_NW			(1ULL << 29)
#define CR0_CD			(1ULL << 30)

bool lapic__owns(struct machine *m, uint64_t gpa)
{
	return !m->irqchip && gpa >= LAPIC_BASE &&
	       gpa < LAPIC_BASE + LAPIC_SIZE;
}

void lapic__reset(struct vcpu *v)
{
	memset(&v->apic, 0, sizeof(v->apic));
	v->apic.svr = APIC_SVR_RESET;
}

static const char *const mode_names[8] = {
	"fixed", "lowest priority", "SMI", "reserved", "NMI", "INIT",
	"STARTUP", "reserved",
};

/* Say once per machine what cannot be delivered, then stay quiet. */
static void lapic__cannot(struct vcpu *v, uint32_t lo)
{
	static atomic_bool told;

	if (atomic_exchange(&told, true))
		return;
	pr_warn("vCPU %d: %s IPI (vector 0x%02x%s) not delivered: without "
		"an in-kernel irqchip only INIT and STARTUP reach other vCPUs "
		"(further ones not reported)", v->index + 1,
		mode_names[ICR_MODE(lo)], lo & 0xff,
		lo & ICR_LOGICAL ? ", logical destination" : "");
}

static void lapic__send(struct vcpu *v, uint32_t lo, uint32_t hi)
{
	struct machine *m = v->m;
	unsigned int mode = ICR_MODE(lo), sh = ICR_SHORTHAND(lo);
	unsigned int dest = hi >> 24;
	struct vcpu *t;
	int i;

	/* INIT level de-assert only resynchronises arbitration IDs. */
	if (mode == DM_INIT && !(lo & ICR_LEVEL_ASSERT) &&
	    (lo & ICR_TRIGGER_LEVEL))
		return;
	if ((mode != DM_INIT && mode != DM_STARTUP) ||
	    (sh == SH_NONE && (lo & ICR_LOGICAL))) {
		lapic__cannot(v, lo);
		return;
	}
	for (i = 0; i < m->nr_vcpus; i++) {
		t = m->vcpus[i];
		if ((sh == SH_SELF && t != v) ||
		    (sh == SH_OTHERS && t == v) ||
		    (sh == SH_NONE && dest != 0xff &&
		     dest != (unsigned int)t->index))
			continue;
		if (mode == DM_INIT)
			vcpu__deliver_init(t);
		else
			vcpu__deliver_sipi(t, lo & 0xff);
	}
}

static uint32_t lapic__read(struct vcpu *v, uint64_t reg)
{
	switch (reg) {
	case APIC_ID:
		return (uint32_t)v->index << 24;
	case APIC_LVR:
		return APIC_VERSION;
	case APIC_SVR:
		return v->apic.svr;
	case APIC_ICR_LO:
		return v->apic.icr_lo;
	case APIC_ICR_HI:
		return v->apic.icr_hi;
	default:
		return 0;
	}
}

static void lapic__write(struct vcpu *v, uint64_t reg, uint32_t val)
{
	switch (reg) {
	case APIC_SVR:
		v->apic.svr = val & 0x13ff;
		break;
	case APIC_ICR_HI:
		v->apic.icr_hi = val & ICR_HI_MASK;
		break;
	case APIC_ICR_LO:
		v->apic.icr_lo = val & ICR_LO_MASK;
		lapic__send(v, val, v->apic.icr_hi);
		break;
	default:
		break;
	}
}

void lapic__mmio(struct vcpu *v, struct kvm_run *run)
{
	uint64_t off = run->mmio.phys_addr - LAPIC_BASE;
	uint64_t reg = off & ~0xfULL, at = off & 0xf;
	uint32_t val = 0;

	/* Registers are 32 bits wide at 16-byte strides; the rest of
	 * each stride, and wider accesses, read 0 and are ignored. */
	if (run->mmio.is_write) {
		if (at == 0 && run->mmio.len == 4) {
			memcpy(&val, run->mmio.data, 4);
			lapic__write(v, reg, val);
		}
		return;
	}
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (at + run->mmio.len <= 4) {
		val = lapic__read(v, reg) >> (8 * at);
		memcpy(run->mmio.data, &val, run->mmio.len);
	}
}

/* rdx after INIT: the processor signature, CPUID leaf 1's eax. */
static uint64_t lapic__signature(struct machine *m)
{
	const struct kvm_cpuid2 *c = m->be.cpuid;
	uint32_t i;

	for (i = 0; c && i < c->nent; i++)
		if (c->entries[i].function == 1)
			return c->entries[i].eax;
	return 0x600;
}

static void seg_init(struct kvm_segment *s, uint16_t sel, uint64_t base,
		     uint8_t type, bool code_or_data)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = code_or_data;
}

int lapic__init_state(struct vcpu *v)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct kvm_debugregs dr;
	int err;

	err = BE_CALL(&v->bv, get_sregs, &s);
	if (err < 0)
		return err;
	seg_init(&s.cs, 0xf000, 0xffff0000ULL, 0xb, true);
	seg_init(&s.ds, 0, 0, 0x3, true);
	seg_init(&s.es, 0, 0, 0x3, true);
	seg_init(&s.fs, 0, 0, 0x3, true);
	seg_init(&s.gs, 0, 0, 0x3, true);
	seg_init(&s.ss, 0, 0, 0x3, true);
	seg_init(&s.ldt, 0, 0, 0x2, false);
	seg_init(&s.tr, 0, 0, 0xb, false);
	s.gdt.base = 0;
	s.gdt.limit = 0xffff;
	s.idt.base = 0;
	s.idt.limit = 0xffff;
	s.cr0 = CR0_ET | (s.cr0 & (CR0_CD | CR0_NW));
	s.cr2 = 0;
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	err = BE_CALL(&v->bv, set_sregs, &s);
	if (err < 0)
		return err;
	memset(&r, 0, sizeof(r));
	r.rip = 0xfff0;
	r.rflags = 0x2;
	r.rdx = lapic__signature(v->m);
	err = BE_CALL(&v->bv, set_regs, &r);
	if (err < 0)
		return err;
	if (BE_CALL(&v->bv, get_debugregs, &dr) == 0) {
		memset(dr.db, 0, sizeof(dr.db));
		dr.dr6 = 0xffff0ff0;
		dr.dr7 = 0x400;
		BE_CALL(&v->bv, set_debugregs, &dr);
	}
	lapic__reset(v);
	return 0;
}

int lapic__sipi_state(struct vcpu *v, uint8_t vec)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	int err;

	err = BE_CALL(&v->bv, get_sregs, &s);
	if (err < 0)
		return err;
	s.cs.selector = (uint16_t)vec << 8;
	s.cs.base = (uint64_t)vec << 12;
	err = BE_CALL(&v->bv, set_sregs, &s);
	if (err < 0)
		return err;
	err = BE_CALL(&v->bv, get_regs, &r);
	if (err < 0)
		return err;
	r.rip = 0;
	return BE_CALL(&v->bv, set_regs, &r);
}
