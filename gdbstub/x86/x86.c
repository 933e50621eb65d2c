/*
 * The x86-64 register architecture served by hvdbg: the register table
 * (names, sizes and offsets in the 'g' packet, derived from struct
 * x86_gdb_regs so they cannot drift from it), the registers sent with
 * every stop, and the target description files, which the build embeds
 * from the .xml files in gdbstub/x86.
 */
#include "config.h"

#include <stddef.h>

#include "gdbstub/gdbstub.h"
#include "gdbstub/x86/regfile.h"

#include "gdbstub/x86/xml.h"

/* Name, size and offset of one register, all from the structure. */
#define REGN(idx, str, field) [idx] = { str, \
	sizeof(((struct x86_gdb_regs *)0)->field), \
	offsetof(struct x86_gdb_regs, field) }

static const struct gdbstub_reg_info x86_64_regs[X86_NUM_REGS] = {
	REGN(X86_RAX, "rax", gpr[0]), REGN(X86_RBX, "rbx", gpr[1]),
	REGN(X86_RCX, "rcx", gpr[2]), REGN(X86_RDX, "rdx", gpr[3]),
	REGN(X86_RSI, "rsi", gpr[4]), REGN(X86_RDI, "rdi", gpr[5]),
	REGN(X86_RBP, "rbp", gpr[6]), REGN(X86_RSP, "rsp", gpr[7]),
	REGN(X86_R8, "r8", gpr[8]), REGN(X86_R9, "r9", gpr[9]),
	REGN(X86_R10, "r10", gpr[10]), REGN(X86_R11, "r11", gpr[11]),
	REGN(X86_R12, "r12", gpr[12]), REGN(X86_R13, "r13", gpr[13]),
	REGN(X86_R14, "r14", gpr[14]), REGN(X86_R15, "r15", gpr[15]),
	REGN(X86_RIP, "rip", rip), REGN(X86_EFLAGS, "eflags", eflags),
	REGN(X86_CS, "cs", seg[0]), REGN(X86_SS, "ss", seg[1]),
	REGN(X86_DS, "ds", seg[2]), REGN(X86_ES, "es", seg[3]),
	REGN(X86_FS, "fs", seg[4]), REGN(X86_GS, "gs", seg[5]),
	REGN(X86_ST0 + 0, "st0", st[0]), REGN(X86_ST0 + 1, "st1", st[1]),
	REGN(X86_ST0 + 2, "st2", st[2]), REGN(X86_ST0 + 3, "st3", st[3]),
	REGN(X86_ST0 + 4, "st4", st[4]), REGN(X86_ST0 + 5, "st5", st[5]),
	REGN(X86_ST0 + 6, "st6", st[6]), REGN(X86_ST0 + 7, "st7", st[7]),
	REGN(X86_FCTRL, "fctrl", fctrl), REGN(X86_FSTAT, "fstat", fstat),
	REGN(X86_FTAG, "ftag", ftag), REGN(X86_FISEG, "fiseg", fiseg),
	REGN(X86_FIOFF, "fioff", fioff), REGN(X86_FOSEG, "foseg", foseg),
	REGN(X86_FOOFF, "fooff", fooff), REGN(X86_FOP, "fop", fop),
	REGN(X86_XMM0 + 0, "xmm0", xmm[0]), REGN(X86_XMM0 + 1, "xmm1", xmm[1]),
	REGN(X86_XMM0 + 2, "xmm2", xmm[2]), REGN(X86_XMM0 + 3, "xmm3", xmm[3]),
	REGN(X86_XMM0 + 4, "xmm4", xmm[4]), REGN(X86_XMM0 + 5, "xmm5", xmm[5]),
	REGN(X86_XMM0 + 6, "xmm6", xmm[6]), REGN(X86_XMM0 + 7, "xmm7", xmm[7]),
	REGN(X86_XMM0 + 8, "xmm8", xmm[8]), REGN(X86_XMM0 + 9, "xmm9", xmm[9]),
	REGN(X86_XMM0 + 10, "xmm10", xmm[10]),
	REGN(X86_XMM0 + 11, "xmm11", xmm[11]),
	REGN(X86_XMM0 + 12, "xmm12", xmm[12]),
	REGN(X86_XMM0 + 13, "xmm13", xmm[13]),
	REGN(X86_XMM0 + 14, "xmm14", xmm[14]),
	REGN(X86_XMM0 + 15, "xmm15", xmm[15]),
	REGN(X86_MXCSR, "mxcsr", mxcsr),
	REGN(X86_FS_BASE, "fs_base", fs_base),
	REGN(X86_GS_BASE, "gs_base", gs_base),
	REGN(X86_CR0, "cr0", cr0), REGN(X86_CR2, "cr2", cr2),
	REGN(X86_CR3, "cr3", cr3), REGN(X86_CR4, "cr4", cr4),
	REGN(X86_CR8, "cr8", cr8), REGN(X86_EFER, "efer", efer),
	REGN(X86_DR0, "dr0", dr0), REGN(X86_DR1, "dr1", dr1),
	REGN(X86_DR2, "dr2", dr2), REGN(X86_DR3, "dr3", dr3),
	REGN(X86_DR6, "dr6", dr6), REGN(X86_DR7, "dr7", dr7),
	REGN(X86_GDTR_BASE, "gdtr_base", gdtr_base),
	REGN(X86_GDTR_LIMIT, "gdtr_limit", gdtr_limit),
	REGN(X86_IDTR_BASE, "idtr_base", idtr_base),
	REGN(X86_IDTR_LIMIT, "idtr_limit", idtr_limit),
	REGN(X86_LDTR, "ldtr", ldtr),
	REGN(X86_LDTR_BASE, "ldtr_base", ldtr_base),
	REGN(X86_LDTR_LIMIT, "ldtr_limit", ldtr_limit),
	REGN(X86_LDTR_ATTR, "ldtr_attr", ldtr_attr),
	REGN(X86_TR, "tr", tr),
	REGN(X86_TR_BASE, "tr_base", tr_base),
	REGN(X86_TR_LIMIT, "tr_limit", tr_limit),
	REGN(X86_TR_ATTR, "tr_attr", tr_attr),
	REGN(X86_CS_BASE, "cs_base", seg_base[0]),
	REGN(X86_SS_BASE, "ss_base", seg_base[1]),
	REGN(X86_DS_BASE, "ds_base", seg_base[2]),
	REGN(X86_ES_BASE, "es_base", seg_base[3]),
	REGN(X86_CS_LIMIT, "cs_limit", seg_limit[0]),
	REGN(X86_SS_LIMIT, "ss_limit", seg_limit[1]),
	REGN(X86_DS_LIMIT, "ds_limit", seg_limit[2]),
	REGN(X86_ES_LIMIT, "es_limit", seg_limit[3]),
	REGN(X86_FS_LIMIT, "fs_limit", seg_limit[4]),
	REGN(X86_GS_LIMIT, "gs_limit", seg_limit[5]),
	REGN(X86_CS_ATTR, "cs_attr", seg_attr[0]),
	REGN(X86_SS_ATTR, "ss_attr", seg_attr[1]),
	REGN(X86_DS_ATTR, "ds_attr", seg_attr[2]),
	REGN(X86_ES_ATTR, "es_attr", seg_attr[3]),
	REGN(X86_FS_ATTR, "fs_attr", seg_attr[4]),
	REGN(X86_GS_ATTR, "gs_attr", seg_attr[5]),
};

/* What GDB needs after every stop to show a frame without asking. */
static const int x86_64_expedite[] = { X86_RBP, X86_RSP, X86_RIP };

const struct gdbstub_arch gdbstub_arch_x86_64 = {
	.files = gdbstub_x86_64_xml,
	.nfiles = X86_64_NXML,
	.regs = x86_64_regs,
	.nregs = X86_NUM_REGS,
	.regs_size = sizeof(struct x86_gdb_regs),
	.expedite = x86_64_expedite,
	.nexpedite = sizeof(x86_64_expedite) / sizeof(x86_64_expedite[0]),
	.pc_regno = X86_RIP,
};
