/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst) for
 * bzImages, version 2.02 and later.  The protected-mode part is loaded
 * at 1 MiB, the command line (--append) at BOOT_CMDLINE, the initrd
 * (--initrd) page-aligned as high as initrd_addr_max and RAM allow.
 * Three entries (--boot-entry):
 *   16 (default)  the real-mode setup code is loaded at BOOT_SETUP and
 *                 started at its segment + 0x20, as a boot loader does;
 *                 it asks the BIOS for the memory map, so the IVT and a
 *                 minimal BIOS services stub are installed (boot.c);
 *   32            flat protected mode at code32_start, ESI = a fresh
 *                 boot_params (zero page) with the setup header and an
 *                 E820 map, no BIOS needed;
 *   64            64-bit mode at the load address + 0x200 on identity
 *                 page tables, RSI = boot_params; needs XLF_KERNEL_64.
 */
#include "config.h"

#include <string.h>

#include "monitor/loader/kernel.h"
#include "monitor/util.h"

/* Offsets in the boot sector / boot_params. */
#define BP_ALT_MEM_K		0x1e0
#define BP_E820_ENTRIES		0x1e8
#define BP_SETUP_SECTS		0x1f1
#define BP_HDR			0x1f1
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP			0x200
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_CODE32_START		0x214
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_HEAP_END_PTR		0x224
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_XLOADFLAGS		0x236
#define BP_CMDLINE_SIZE		0x238
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define LOADED_HIGH		0x01
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01

/* Where the setup code's heap ends (and its stack starts). */
#define SETUP_HEAP_END		0xfe00

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

int linux__is_bzimage(const uint8_t *buf, size_t size)
{
	return size >= 0x300 && !memcmp(buf + BP_HEADER, "HdrS", 4);
}

int linux__load(struct kernel_image *k, uint8_t *ram, uint64_t ram_size,
		struct boot_entry *e)
{
	const uint8_t *buf = k->image.buf;
	const char *path = k->path;
	size_t setup_size, kernel_size, cmdlen, hdr_end;
	uint32_t cmdline_max = 255, initrd_max = 0x37ffffff, code32;
	uint64_t initrd_at = 0, top;
	uint16_t version;
	uint8_t *bp = NULL;
	int sects, bits = k->entry_bits ? k->entry_bits : 16;

	if (get16(buf + BP_BOOT_FLAG) != 0xaa55) {
		pr_warn("%s: Linux setup header without the 0xAA55 boot flag",
			path);
		return -1;
	}
	version = get16(buf + BP_VERSION);
	if (version < 0x202) {
		pr_warn("%s: Linux boot protocol %u.%02u is too old (2.02 or "
			"later is supported)", path, version >> 8,
			version & 0xff);
		return -1;
	}
	if (!(buf[BP_LOADFLAGS] & LOADED_HIGH)) {
		pr_warn("%s: a zImage (loaded low); only bzImages are "
			"supported", path);
		return -1;
	}
	sects = buf[BP_SETUP_SECTS] ? buf[BP_SETUP_SECTS] : 4;
	setup_size = (sects + 1) * 512;
	if (setup_size >= k->image.size) {
		pr_warn("%s: setup code (%d sectors) fills the whole file: no "
			"protected-mode kernel", path, sects);
		return -1;
	}
	if (bits == 16 && setup_size > SETUP_HEAP_END - 0x1000) {
		pr_warn("%s: setup code of %zu bytes leaves no room for its "
			"heap and stack", path, setup_size);
		return -1;
	}
	kernel_size = k->image.size - setup_size;
	if (BOOT_HIGH + kernel_size > ram_size) {
		pr_warn("%s: kernel (%zu bytes at 1 MiB) does not fit in "
			"guest memory (%llu MiB; see -m)", path, kernel_size,
			(unsigned long long)(ram_size / MiB));
		return -1;
	}
	if (version >= 0x203)
		initrd_max = get32(buf + BP_INITRD_ADDR_MAX);
	if (version >= 0x206)
		cmdline_max = get32(buf + BP_CMDLINE_SIZE);
	code32 = get32(buf + BP_CODE32_START);

	if (bits == 32 && code32 != BOOT_HIGH) {
		pr_warn("%s: no 32-bit entry at 1 MiB (code32_start is "
			"0x%x): use --boot-entry=16", path, code32);
		return -1;
	}
	if (bits == 64 && (version < 0x20c ||
			   !(get16(buf + BP_XLOADFLAGS) & XLF_KERNEL_64))) {
		pr_warn("%s: no 64-bit entry (needs boot protocol 2.12 and "
			"XLF_KERNEL_64): use --boot-entry=16", path);
		return -1;
	}

	cmdlen = k->append ? strlen(k->append) : 0;
	if (cmdlen > cmdline_max) {
		pr_warn("%s: --append line is %zu bytes, the kernel takes at "
			"most %u", path, cmdlen, cmdline_max);
		return -1;
	}

	if (k->nr_mods) {
		top = ram_size < (uint64_t)initrd_max + 1 ? ram_size :
		      (uint64_t)initrd_max + 1;
		if (top < k->mods[0].size) {
			pr_warn("%s: initrd does not fit below 0x%llx",
				k->mods[0].path, (unsigned long long)top);
			return -1;
		}
		initrd_at = (top - k->mods[0].size) & ~0xfffULL;
		if (initrd_at < BOOT_HIGH + kernel_size) {
			pr_warn("%s: initrd (%zu bytes) does not fit between "
				"the kernel and 0x%llx (see -m)",
				k->mods[0].path, k->mods[0].size,
				(unsigned long long)top);
			return -1;
		}
	}
	if (!ram)
		return 0;

	/* The protected-mode kernel, the command line, the initrd. */
	memcpy(ram + BOOT_HIGH, buf + setup_size, kernel_size);
	memset(ram + BOOT_CMDLINE, 0, cmdlen + 1);
	if (cmdlen)
		memcpy(ram + BOOT_CMDLINE, k->append, cmdlen);
	if (k->nr_mods)
		memcpy(ram + initrd_at, k->mods[0].buf, k->mods[0].size);

	/* The setup code itself (16) or a zero page with its header. */
	bp = ram + BOOT_SETUP;
	memset(bp, 0, 0x1000);
	if (bits == 16) {
		memcpy(bp, buf, setup_size);
	} else {
		hdr_end = BP_JUMP + 2 + buf[BP_JUMP + 1];
		if (hdr_end > setup_size)
			hdr_end = setup_size;
		memcpy(bp + BP_HDR, buf + BP_HDR, hdr_end - BP_HDR);
	}
	bp[BP_TYPE_OF_LOADER] = 0xff;
	put32(bp + BP_CMD_LINE_PTR, BOOT_CMDLINE);
	put32(bp + BP_RAMDISK_IMAGE, initrd_at);
	put32(bp + BP_RAMDISK_SIZE, k->nr_mods ? k->mods[0].size : 0);

	memset(e, 0, sizeof(*e));
	if (bits == 16) {
		bp[BP_LOADFLAGS] |= CAN_USE_HEAP;
		put16(bp + BP_HEAP_END_PTR, SETUP_HEAP_END - 0x200);
		e->mode = BOOT_REAL;
		e->cs = (BOOT_SETUP >> 4) + 0x20;
		e->ip = 0;
		e->ds = BOOT_SETUP >> 4;
		e->sp = SETUP_HEAP_END;
		e->bios_services = true;
		return 0;
	}

	{
		struct boot_e820 map[BOOT_E820_MAX];
		int i, n = boot__e820(ram_size, map);

		for (i = 0; i < n && i < BP_E820_MAX; i++)
			memcpy(bp + BP_E820_TABLE + i * sizeof(map[0]),
			       &map[i], sizeof(map[0]));
		bp[BP_E820_ENTRIES] = n;
		put32(bp + BP_ALT_MEM_K, (ram_size - BOOT_HIGH) / KiB);
	}
	e->mode = bits == 64 ? BOOT_LONG64 : BOOT_PROT32;
	e->rip = bits == 64 ? BOOT_HIGH + 0x200 : BOOT_HIGH;
	e->rsi = BOOT_SETUP;
	return 0;
}
