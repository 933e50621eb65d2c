/*
 * The x86-64 'g' packet as a C structure, so that the code filling it
 * (the monitor, the null target) names fields instead of computing
 * offsets.  Packed: the layout is the wire format, byte for byte, in
 * enum x86_regno order (x86.h) and little-endian like the guest.
 */
#ifndef GDBSTUB_X86_REGFILE_H
#define GDBSTUB_X86_REGFILE_H

#include <assert.h>
#include <stdint.h>

#include "gdbstub/x86/x86.h"

struct x86_gdb_regs {
	/* org.gnu.gdb.i386.core */
	uint64_t gpr[16];		/* X86_RAX .. X86_R15 */
	uint64_t rip;
	uint32_t eflags;
	uint32_t seg[6];		/* cs ss ds es fs gs selectors */
	uint8_t st[8][10];		/* 80-bit x87 registers */
	uint32_t fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop;
	/* org.gnu.gdb.i386.sse */
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	/* org.gnu.gdb.i386.segments */
	uint64_t fs_base, gs_base;
	/* org.hvdbg.x86.system */
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
	uint64_t gdtr_base;
	uint32_t gdtr_limit;
	uint64_t idtr_base;
	uint32_t idtr_limit;
	uint32_t ldtr;
	uint64_t ldtr_base;
	uint32_t ldtr_limit, ldtr_attr;
	uint32_t tr;
	uint64_t tr_base;
	uint32_t tr_limit, tr_attr;
	uint64_t seg_base[4];		/* cs ss ds es; fs/gs: fs_base etc. */
	uint32_t seg_limit[6];		/* cs ss ds es fs gs */
	uint32_t seg_attr[6];		/* X86_ATTR_* layout, see x86.h */
} __attribute__((packed));

/* The size GDB computes from the target description. */
#define X86_GDB_REGS_SIZE	792

static_assert(sizeof(struct x86_gdb_regs) == X86_GDB_REGS_SIZE,
	      "x86 register file must match the target description");

#endif
