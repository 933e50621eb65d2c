/*
 * The state a loaded kernel starts in, and the low-memory layout the
 * loaders share.  A kernel loader (ELF, multiboot, Linux) fills a struct
 * boot_entry from its image's headers; boot__apply() then writes the
 * tables that mode needs into guest RAM (a GDT, identity page tables for
 * long mode, a real-mode IVT with minimal BIOS services) and sets the
 * vCPU's registers.  Runs in main() before the vCPU thread starts.
 *
 * Guest-physical layout below 1 MiB while a kernel boots:
 *   0x00000-0x003ff  real-mode IVT (16-bit entries only)
 *   0x00400-0x004ff  BIOS data area: base memory size, EBDA segment
 *   0x00500-0x0053f  GDT: 0x10 code (32- or 64-bit), 0x18 data, flat
 *   0x01000-0x06fff  long-mode page tables: PML4, PDPT, four PDs with
 *                    2 MiB pages mapping the first 4 GiB 1:1
 *   0x08000-0x0ffff  multiboot information, memory map, strings
 *   0x10000-0x1ffff  Linux real-mode part / boot_params (zero page)
 *   0x20000-0x2ffff  Linux command line
 *   0x9fc00-0x9ffff  EBDA (reserved in the memory map)
 *   0xf0000-0xfffff  BIOS services stub (16-bit Linux entry only)
 * Kernels load at 1 MiB and above.
 */
#ifndef HVDBG_LOADER_BOOT_H
#define HVDBG_LOADER_BOOT_H

#include <stdbool.h>
#include <stdint.h>

struct machine;
struct vcpu;

#define BOOT_GDT		0x500ULL
#define BOOT_PML4		0x1000ULL	/* PDPT, then 4 PDs follow */
#define BOOT_PT_END		0x7000ULL
#define BOOT_MBI		0x8000ULL
#define BOOT_MBI_END		0x10000ULL
#define BOOT_SETUP		0x10000ULL
#define BOOT_CMDLINE		0x20000ULL
#define BOOT_CMDLINE_END	0x30000ULL
#define BOOT_EBDA		0x9fc00ULL
#define BOOT_BIOS_STUB		0xf0000ULL
#define BOOT_HIGH		0x100000ULL

#define BOOT_CS			0x10
#define BOOT_DS			0x18

enum boot_mode {
	BOOT_REAL,		/* 16-bit real mode at cs:ip */
	BOOT_PROT32,		/* flat 32-bit protected mode, paging off */
	BOOT_LONG64,		/* 64-bit, first 4 GiB identity-mapped */
};

struct boot_entry {
	enum boot_mode mode;
	/* BOOT_REAL: CS:IP, and DS=ES=FS=GS=SS=ds with SP=sp. */
	uint16_t cs, ip, ds, sp;
	/* BOOT_PROT32 / BOOT_LONG64 */
	uint64_t rip;
	/* General registers the boot protocol passes values in. */
	uint64_t rax, rbx, rsi, rsp;
	/* Install the real-mode IVT and BIOS services stub (Linux's
	 * 16-bit setup code calls the BIOS for the memory map). */
	bool bios_services;
};

/* One memory-map entry as E820 and multiboot both lay it out. */
struct boot_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define BOOT_E820_RAM		1
#define BOOT_E820_RESERVED	2
#define BOOT_E820_MAX		8

/*
 * The PC memory map of a machine with ram_size bytes of RAM: base memory
 * up to the EBDA, the EBDA and BIOS area reserved, RAM from 1 MiB, and
 * the BIOS ROM below 4 GiB reserved.  Returns the number of entries.
 */
int boot__e820(uint64_t ram_size, struct boot_e820 *map);

/*
 * Write what e needs into guest memory and set vCPU v to start there.
 * Returns 0 or a negative errno from the backend.
 */
int boot__apply(struct machine *m, struct vcpu *v,
		const struct boot_entry *e);

/* "real", "prot32", "long64": for messages. */
const char *boot__mode_name(enum boot_mode mode);

#endif
