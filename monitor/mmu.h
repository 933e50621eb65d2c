/*
 * Linear → guest-physical translation for every x86 paging mode, done in
 * software by walking the guest's own page tables in guest RAM, so GDB can
 * read and write memory the way the vCPU sees it at the moment it
 * stopped.  Also names the CPU mode for "monitor mode" and thread lists.
 */
#ifndef HVDBG_MMU_H
#define HVDBG_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct machine;

enum cpu_mode {
	CPU_MODE_REAL,
	CPU_MODE_PROT,		/* protected, paging off */
	CPU_MODE_PROT_PAGING,	/* 32-bit paging */
	CPU_MODE_PROT_PAE,
	CPU_MODE_LONG,		/* 64-bit code segment */
	CPU_MODE_LONG_COMPAT,	/* long mode, 16/32-bit code segment */
};

enum cpu_mode mmu__mode(const struct kvm_sregs *s);
/* "real", "protected", "protected (paging)", "long", ... */
const char *mmu__mode_name(enum cpu_mode mode);

/*
 * Translate; *left is how many bytes from linear to the end of its page
 * (or of the 4 GiB wrap in non-paged modes).  Returns 0, or -EFAULT when
 * the address is not mapped or a table lies outside guest memory.
 */
int mmu__translate(struct machine *m, const struct kvm_sregs *s,
		   uint64_t linear, uint64_t *gpa, uint64_t *left);

#define MMU_MAX_LEVELS		5

/* One table entry a walk read, for "monitor translate". */
struct mmu_level {
	const char *name;	/* "PML4E", "PDPTE", "PDE", "PTE", ... */
	unsigned int index;
	uint64_t table;		/* guest-physical address of the table */
	uint64_t entry;		/* as read; not present unless bit 0 */
	bool outside;		/* the table is not in guest memory */
};

/* The levels a walk went through; page_shift is set when it mapped. */
struct mmu_walk {
	int nr;
	struct mmu_level lvl[MMU_MAX_LEVELS];
	int page_shift;		/* 12, 21, 22 or 30; 0 without paging */
};

/*
 * mmu__translate that also records each level in w (which may be NULL).
 * On -EFAULT the last level recorded is where the walk stopped.
 */
int mmu__walk(struct machine *m, const struct kvm_sregs *s,
	      uint64_t linear, uint64_t *gpa, uint64_t *left,
	      struct mmu_walk *w);

/* The PC as GDB sees it: CS.base + RIP except in 64-bit code. */
uint64_t mmu__linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s);

#endif
