/*
 * The x86-64 register file as hvdbg serves it to GDB: one layout for the
 * whole session, whatever mode the guest CPU is in, so that a guest
 * moving from real to protected to long mode never changes packet sizes.
 * Order and sizes here must match target.xml and the feature files.
 */
#ifndef GDBSTUB_X86_H
#define GDBSTUB_X86_H

enum x86_regno {
	/* org.gnu.gdb.i386.core */
	X86_RAX, X86_RBX, X86_RCX, X86_RDX, X86_RSI, X86_RDI, X86_RBP, X86_RSP,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_RIP,			/* 8 bytes */
	X86_EFLAGS,			/* 4 bytes, and so on to X86_FOP */
	X86_CS, X86_SS, X86_DS, X86_ES, X86_FS, X86_GS,
	X86_ST0,			/* st0..st7: 10 bytes each */
	X86_FCTRL = X86_ST0 + 8,
	X86_FSTAT, X86_FTAG, X86_FISEG, X86_FIOFF, X86_FOSEG, X86_FOOFF,
	X86_FOP,
	/* org.gnu.gdb.i386.sse */
	X86_XMM0,			/* xmm0..xmm15: 16 bytes each */
	X86_MXCSR = X86_XMM0 + 16,	/* 4 bytes */
	/* org.gnu.gdb.i386.segments */
	X86_FS_BASE, X86_GS_BASE,	/* 8 bytes */
	/* org.hvdbg.x86.system: 8 bytes unless noted */
	X86_CR0, X86_CR2, X86_CR3, X86_CR4, X86_CR8, X86_EFER,
	X86_DR0, X86_DR1, X86_DR2, X86_DR3, X86_DR6, X86_DR7,
	X86_GDTR_BASE, X86_GDTR_LIMIT,	/* limit: 4 bytes */
	X86_IDTR_BASE, X86_IDTR_LIMIT,	/* limit: 4 bytes */
	X86_LDTR, X86_LDTR_BASE, X86_LDTR_LIMIT, X86_LDTR_ATTR,
	X86_TR, X86_TR_BASE, X86_TR_LIMIT, X86_TR_ATTR,
					/* selectors, limits, attrs: 4 bytes */
	X86_CS_BASE, X86_SS_BASE, X86_DS_BASE, X86_ES_BASE,
	X86_CS_LIMIT, X86_SS_LIMIT, X86_DS_LIMIT, X86_ES_LIMIT,
	X86_FS_LIMIT, X86_GS_LIMIT,	/* 4 bytes */
	X86_CS_ATTR, X86_SS_ATTR, X86_DS_ATTR, X86_ES_ATTR,
	X86_FS_ATTR, X86_GS_ATTR,	/* 4 bytes */
	X86_NUM_REGS
};

/*
 * Segment attribute word, as shown to GDB: the descriptor's type (bits
 * 0-3), S (4), DPL (5-6), P (7), AVL (12), L (13), D/B (14), G (15),
 * and bit 16 set when the segment is unusable.
 */
#define X86_ATTR_UNUSABLE	(1u << 16)

#endif
