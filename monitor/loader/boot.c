/*
 * Entry states for loaded kernels: the tables each CPU mode needs in
 * guest RAM and the registers a boot protocol hands over.  Runs in main()
 * after the images are placed and before the vCPU thread starts; see
 * boot.h for the memory layout.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "monitor/loader/boot.h"
#include "monitor/machine.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

extern const uint8_t bios_stub_start[], bios_stub_end[];
extern const uint8_t bios_stub_default[], bios_stub_int10[];
extern const uint8_t bios_stub_int12[], bios_stub_int15[];
extern const uint8_t bios_stub_int16[], bios_stub_irq_master[];
extern const uint8_t bios_stub_irq_slave[], bios_stub_e820[];
extern const uint8_t bios_stub_e820_count[], bios_stub_ext_kib[];

#define STUB_OFF(x)	((uint16_t)((x) - bios_stub_start))

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		1ULL
#define PTE_RW		2ULL
#define PTE_PS		0x80ULL

/* Flat descriptors: base 0, limit 4 GiB, present, DPL 0. */
#define GDT_CODE32	0x00cf9a000000ffffULL
#define GDT_CODE64	0x00af9a000000ffffULL
#define GDT_DATA	0x00cf92000000ffffULL

const char *boot__mode_name(enum boot_mode mode)
{
	switch (mode) {
	case BOOT_REAL:
		return "real";
	case BOOT_PROT32:
		return "prot32";
	case BOOT_LONG64:
		return "long64";
	}
	return "?";
}

int boot__e820(uint64_t ram_size, struct boot_e820 *map)
{
	int n = 0;

	map[n++] = (struct boot_e820){ 0, BOOT_EBDA, BOOT_E820_RAM };
	map[n++] = (struct boot_e820){ BOOT_EBDA, 0xa0000 - BOOT_EBDA,
				       BOOT_E820_RESERVED };
	map[n++] = (struct boot_e820){ 0xf0000, 0x10000,
				       BOOT_E820_RESERVED };
	if (ram_size > BOOT_HIGH)
		map[n++] = (struct boot_e820){ BOOT_HIGH,
					       ram_size - BOOT_HIGH,
					       BOOT_E820_RAM };
	/* Where a firmware image would be mapped. */
	map[n++] = (struct boot_e820){ 0xfffc0000ULL, 0x40000,
				       BOOT_E820_RESERVED };
	return n;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* IVT, BIOS data area and the services stub at F000:0000. */
static void boot__bios_services(struct machine *m)
{
	uint8_t *stub = m->ram + BOOT_BIOS_STUB;
	uint16_t *ivt = (uint16_t *)m->ram;
	struct boot_e820 map[BOOT_E820_MAX];
	uint32_t n = boot__e820(m->ram_size, map);
	uint64_t ext = m->ram_size > BOOT_HIGH ?
		       (m->ram_size - BOOT_HIGH) / KiB : 0;
	uint16_t base_kib = BOOT_EBDA / KiB;
	int i;

	memcpy(stub, bios_stub_start, bios_stub_end - bios_stub_start);
	memcpy(stub + STUB_OFF(bios_stub_e820), map, n * sizeof(map[0]));
	put32(stub + STUB_OFF(bios_stub_e820_count), n);
	put32(stub + STUB_OFF(bios_stub_ext_kib), ext > 0xffffffffULL ?
	      0xffffffffU : (uint32_t)ext);

	for (i = 0; i < 256; i++) {
		uint16_t off = STUB_OFF(bios_stub_default);

		if (i >= 0x08 && i <= 0x0f)
			off = STUB_OFF(bios_stub_irq_master);
		else if (i >= 0x70 && i <= 0x77)
			off = STUB_OFF(bios_stub_irq_slave);
		else if (i == 0x10)
			off = STUB_OFF(bios_stub_int10);
		else if (i == 0x12)
			off = STUB_OFF(bios_stub_int12);
		else if (i == 0x15)
			off = STUB_OFF(bios_stub_int15);
		else if (i == 0x16)
			off = STUB_OFF(bios_stub_int16);
		ivt[i * 2] = off;
		ivt[i * 2 + 1] = BOOT_BIOS_STUB >> 4;
	}
	/* Base memory size and EBDA segment, where kernels look. */
	memcpy(m->ram + 0x413, &base_kib, 2);
	ivt[0x40e / 2] = BOOT_EBDA >> 4;
}

static void boot__gdt(struct machine *m, bool long64)
{
	uint64_t gdt[5] = {
		0, 0,
		long64 ? GDT_CODE64 : GDT_CODE32,	/* BOOT_CS */
		GDT_DATA,				/* BOOT_DS */
		GDT_CODE32,
	};

	memcpy(m->ram + BOOT_GDT, gdt, sizeof(gdt));
}

/* PML4[0] -> PDPT, PDPT[0..3] -> PDs of 2 MiB pages: 4 GiB 1:1. */
static void boot__page_tables(struct machine *m)
{
	uint64_t *pml4 = (uint64_t *)(m->ram + BOOT_PML4);
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;
	uint64_t pdpt_gpa = BOOT_PML4 + 0x1000, pd_gpa = pdpt_gpa + 0x1000;
	int i;

	memset(pml4, 0, BOOT_PT_END - BOOT_PML4);
	pml4[0] = pdpt_gpa | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (pd_gpa + i * 0x1000ULL) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, bool code,
		     bool long64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->db = !(code && long64);
	s->l = code && long64;
}

static int boot__protected(struct vcpu *v, const struct boot_entry *e)
{
	bool long64 = e->mode == BOOT_LONG64;
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret;

	ret = BE_CALL(&v->bv, get_sregs, &s);
	if (ret < 0)
		return ret;
	seg_flat(&s.cs, BOOT_CS, true, long64);
	seg_flat(&s.ds, BOOT_DS, false, long64);
	s.es = s.fs = s.gs = s.ss = s.ds;
	/* A busy 32-bit TSS: VMX refuses to enter with anything else. */
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.tr.s = 0;
	s.tr.limit = 0x67;
	s.gdt.base = BOOT_GDT;
	s.gdt.limit = 5 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = CR0_PE | CR0_ET;
	if (long64) {
		s.cr3 = BOOT_PML4;
		s.cr4 |= CR4_PAE;
		s.cr0 |= CR0_PG;
		s.efer |= EFER_LME | EFER_LMA;
	}
	ret = BE_CALL(&v->bv, set_sregs, &s);
	if (ret < 0)
		return ret;
	memset(&r, 0, sizeof(r));
	r.rip = e->rip;
	r.rax = e->rax;
	r.rbx = e->rbx;
	r.rsi = e->rsi;
	r.rsp = e->rsp;
	r.rflags = 0x2;
	return BE_CALL(&v->bv, set_regs, &r);
}

static int boot__real(struct vcpu *v, const struct boot_entry *e)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret;

	ret = vcpu__set_real_entry(v, e->cs, e->ip);
	if (ret < 0)
		return ret;
	ret = BE_CALL(&v->bv, get_sregs, &s);
	if (ret < 0)
		return ret;
	s.ds.selector = e->ds;
	s.ds.base = (uint64_t)e->ds << 4;
	s.es = s.fs = s.gs = s.ss = s.ds;
	ret = BE_CALL(&v->bv, set_sregs, &s);
	if (ret < 0)
		return ret;
	ret = BE_CALL(&v->bv, get_regs, &r);
	if (ret < 0)
		return ret;
	r.rsp = e->sp;
	return BE_CALL(&v->bv, set_regs, &r);
}

int boot__apply(struct machine *m, struct vcpu *v,
		const struct boot_entry *e)
{
	if (e->bios_services)
		boot__bios_services(m);
	switch (e->mode) {
	case BOOT_REAL:
		return boot__real(v, e);
	case BOOT_LONG64:
		boot__page_tables(m);
		/* fall through */
	case BOOT_PROT32:
		boot__gdt(m, e->mode == BOOT_LONG64);
		return boot__protected(v, e);
	}
	return -EINVAL;
}
