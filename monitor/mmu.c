/*
 * Software page walks.  The GDB thread calls these while the vCPU is
 * stopped, using the sregs it just read, so the tables cannot change
 * under us.  Accessed/dirty bits are not set: looking must not modify.
 * Page-table entries outside RAM (an uninitialised CR3) fail the walk
 * rather than reading garbage.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/mmu.h"

#define CR0_PE		(1ULL << 0)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL

enum cpu_mode mmu__mode(const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return CPU_MODE_REAL;
	if (s->efer & EFER_LMA)
		return s->cs.l ? CPU_MODE_LONG : CPU_MODE_LONG_COMPAT;
	if (!(s->cr0 & CR0_PG))
		return CPU_MODE_PROT;
	return (s->cr4 & CR4_PAE) ? CPU_MODE_PROT_PAE : CPU_MODE_PROT_PAGING;
}

const char *mmu__mode_name(enum cpu_mode mode)
{
	static const char *const names[] = {
		[CPU_MODE_REAL]		= "real",
		[CPU_MODE_PROT]		= "protected",
		[CPU_MODE_PROT_PAGING]	= "protected (paging)",
		[CPU_MODE_PROT_PAE]	= "protected (PAE paging)",
		[CPU_MODE_LONG]		= "long",
		[CPU_MODE_LONG_COMPAT]	= "long (compat)",
	};

	return names[mode];
}

uint64_t mmu__linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	if (mmu__mode(s) == CPU_MODE_LONG)
		return r->rip;
	return (s->cs.base + r->rip) & 0xffffffffULL;
}

static int read_pte(struct machine *m, uint64_t gpa, int size, uint64_t *pte)
{
	uint8_t *p = machine__gpa_to_host(m, gpa, size);

	if (!p)
		return -EFAULT;
	*pte = 0;
	memcpy(pte, p, size);
	return 0;
}

/*
 * One level: index bits at shift, entries of size bytes.  The entry is
 * recorded in w (when given) even when it is not present, so that
 * "monitor translate" can show where a walk stopped.
 */
static int walk_level(struct machine *m, struct mmu_walk *w,
		      const char *name, uint64_t table, uint64_t linear,
		      int shift, int index_bits, int size, uint64_t *pte)
{
	uint64_t index = (linear >> shift) & ((1ULL << index_bits) - 1);
	int r = read_pte(m, table + index * size, size, pte);

	if (w && w->nr < MMU_MAX_LEVELS) {
		struct mmu_level *l = &w->lvl[w->nr++];

		l->name = name;
		l->index = index;
		l->table = table;
		l->entry = r < 0 ? 0 : *pte;
		l->outside = r < 0;
	}
	if (r < 0)
		return r;
	return (*pte & PTE_P) ? 0 : -EFAULT;
}

static void leaf(struct mmu_walk *w, uint64_t base, uint64_t linear,
		 int shift, uint64_t *gpa, uint64_t *left)
{
	uint64_t mask = (1ULL << shift) - 1;

	*gpa = base + (linear & mask);
	*left = (mask + 1) - (linear & mask);
	if (w)
		w->page_shift = shift;
}

static int walk_32(struct machine *m, const struct kvm_sregs *s,
		   uint64_t linear, uint64_t *gpa, uint64_t *left,
		   struct mmu_walk *w)
{
	uint64_t pde, pte;

	if (walk_level(m, w, "PDE", s->cr3 & 0xfffff000, linear, 22, 10, 4,
		       &pde))
		return -EFAULT;
	if ((pde & PTE_PS) && (s->cr4 & CR4_PSE)) {
		/* PSE-36: bits 13-20 of a 4 MiB PDE are address bits 32+. */
		uint64_t base = (pde & 0xffc00000ULL) |
				((pde >> 13) & 0xffULL) << 32;

		leaf(w, base, linear, 22, gpa, left);
		return 0;
	}
	if (walk_level(m, w, "PTE", pde & 0xfffff000, linear, 12, 10, 4,
		       &pte))
		return -EFAULT;
	leaf(w, pte & 0xfffff000, linear, 12, gpa, left);
	return 0;
}

static int walk_pae(struct machine *m, const struct kvm_sregs *s,
		    uint64_t linear, uint64_t *gpa, uint64_t *left,
		    struct mmu_walk *w)
{
	uint64_t e;

	if (walk_level(m, w, "PDPTE", s->cr3 & 0xffffffe0, linear, 30, 2, 8,
		       &e))
		return -EFAULT;
	if (walk_level(m, w, "PDE", e & PTE_ADDR, linear, 21, 9, 8, &e))
		return -EFAULT;
	if (e & PTE_PS) {
		leaf(w, e & PTE_ADDR & ~0x1fffffULL, linear, 21, gpa, left);
		return 0;
	}
	if (walk_level(m, w, "PTE", e & PTE_ADDR, linear, 12, 9, 8, &e))
		return -EFAULT;
	leaf(w, e & PTE_ADDR, linear, 12, gpa, left);
	return 0;
}

static int walk_long(struct machine *m, const struct kvm_sregs *s,
		     uint64_t linear, uint64_t *gpa, uint64_t *left,
		     struct mmu_walk *w)
{
	static const char *const names[] = {
		"PTE", "PDE", "PDPTE", "PML4E", "PML5E",
	};
	int levels = (s->cr4 & CR4_LA57) ? 5 : 4;
	uint64_t table = s->cr3 & PTE_ADDR, e;
	int shift = 12 + 9 * (levels - 1);

	for (; shift >= 12; shift -= 9) {
		if (walk_level(m, w, names[(shift - 12) / 9], table, linear,
			       shift, 9, 8, &e))
			return -EFAULT;
		/* Large pages exist at the 1 GiB and 2 MiB levels only. */
		if ((shift == 30 || shift == 21) && (e & PTE_PS)) {
			leaf(w, e & PTE_ADDR & ~((1ULL << shift) - 1), linear,
			     shift, gpa, left);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	leaf(w, table, linear, 12, gpa, left);
	return 0;
}

int mmu__walk(struct machine *m, const struct kvm_sregs *s,
	      uint64_t linear, uint64_t *gpa, uint64_t *left,
	      struct mmu_walk *w)
{
	if (w)
		memset(w, 0, sizeof(*w));
	switch (mmu__mode(s)) {
	case CPU_MODE_REAL:
	case CPU_MODE_PROT:
		/* No paging: linear is physical (A20 is always on here). */
		if (linear > 0xffffffffULL)
			return -EFAULT;
		*gpa = linear;
		*left = 0x100000000ULL - linear;
		return 0;
	case CPU_MODE_PROT_PAGING:
		return walk_32(m, s, linear & 0xffffffffULL, gpa, left, w);
	case CPU_MODE_PROT_PAE:
		return walk_pae(m, s, linear & 0xffffffffULL, gpa, left, w);
	default:
		return walk_long(m, s, linear, gpa, left, w);
	}
}

int mmu__translate(struct machine *m, const struct kvm_sregs *s,
		   uint64_t linear, uint64_t *gpa, uint64_t *left)
{
	return mmu__walk(m, s, linear, gpa, left, NULL);
}
