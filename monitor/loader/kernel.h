/*
 * --kernel FILE: an ELF32/ELF64 executable, a multiboot (v1) kernel or a
 * Linux bzImage, told apart by their headers (Linux setup header first,
 * then a multiboot header in the first 8 KiB, then the ELF magic).  The
 * image, its --initrd files and --append line are read and checked
 * before the accelerator is opened, so a bad image is reported with one
 * line naming the file and what is wrong, like any other user error.
 */
#ifndef HVDBG_LOADER_KERNEL_H
#define HVDBG_LOADER_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/loader/boot.h"

struct machine;

#define KERNEL_MAX_SIZE		(512u << 20)
#define KERNEL_MAX_MODULES	8

enum kernel_kind {
	KERNEL_ELF,
	KERNEL_MULTIBOOT,
	KERNEL_LINUX,
};

struct kernel_file {
	const char *path;
	uint8_t *buf;
	size_t size;
};

struct kernel_image {
	/* From the command line. */
	const char *path;
	const char *append;		/* NULL: empty */
	const char *initrd;		/* NULL: none; multiboot: a,b,... */
	int entry_bits;			/* --boot-entry: 0, 16, 32, 64 */

	/* Filled by kernel__read. */
	enum kernel_kind kind;
	struct kernel_file image;
	struct kernel_file mods[KERNEL_MAX_MODULES];
	int nr_mods;
};

/*
 * Read and check the kernel (and initrd or modules) for a machine with
 * ram_size bytes of RAM.  Prints "hvdbg: FILE: reason" and returns -1.
 */
int kernel__read(struct kernel_image *k, uint64_t ram_size);
/* Copy it into guest RAM and say how the vCPU starts. */
void kernel__place(struct machine *m, struct kernel_image *k,
		   struct boot_entry *e);
/* "ELF", "multiboot", "Linux bzImage": for messages. */
const char *kernel__kind_name(enum kernel_kind kind);

/*
 * The loaders behind it.  Each takes ram == NULL for a dry run that
 * only checks (ram_size bounds every address), and returns 0, or -1
 * after printing the error.
 */
int elf__load(struct kernel_image *k, uint8_t *ram, uint64_t ram_size,
	      struct boot_entry *e);
/* ELF headers: entry and mode only, for the multiboot loader. */
int elf__is_elf(const uint8_t *buf, size_t size);
int multiboot__find(const uint8_t *buf, size_t size);
int multiboot__load(struct kernel_image *k, uint8_t *ram,
		    uint64_t ram_size, struct boot_entry *e);
int linux__is_bzimage(const uint8_t *buf, size_t size);
int linux__load(struct kernel_image *k, uint8_t *ram, uint64_t ram_size,
		struct boot_entry *e);

#endif
