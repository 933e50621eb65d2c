/*
 * Multiboot (version 1) kernels.  The header is the first 4-byte aligned
 * magic 0x1BADB002 in the file's first 8 KiB whose checksum holds.  With
 * flag 16 (the "a.out kludge") the header gives the load addresses;
 * otherwise the file must be ELF and is loaded by its segments.  The
 * information structure carries mem_lower/mem_upper, the memory map
 * (boot__e820's), the command line ("FILE --append") and the modules
 * given with --initrd (comma-separated), each loaded page-aligned after
 * the kernel with its path as its string.  The vCPU starts as the
 * specification says: flat 32-bit protected mode, paging off,
 * interrupts off, EAX = 0x2BADB002, EBX = the information structure.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "monitor/loader/kernel.h"
#include "monitor/util.h"

#define MB_MAGIC		0x1badb002U
#define MB_BOOT_MAGIC		0x2badb002U
#define MB_SEARCH		8192
/* Bits 0-15 are requirements: page-align modules, memory info, video. */
#define MB_FLAG_ALIGN		(1U << 0)
#define MB_FLAG_MEMINFO		(1U << 1)
#define MB_FLAG_VIDEO		(1U << 2)
#define MB_FLAG_AOUT		(1U << 16)
#define MB_FLAGS_KNOWN		(MB_FLAG_ALIGN | MB_FLAG_MEMINFO | \
				 MB_FLAG_VIDEO)

#define MBI_MEM			(1U << 0)
#define MBI_CMDLINE		(1U << 2)
#define MBI_MODS		(1U << 3)
#define MBI_MMAP		(1U << 6)
#define MBI_LOADER		(1U << 9)

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table;
	uint32_t boot_loader_name, apm_table;
	uint32_t vbe[6];
} __attribute__((packed));

struct mb_module {
	uint32_t start, end, string, reserved;
};

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

int multiboot__find(const uint8_t *buf, size_t size)
{
	size_t off, end = size < MB_SEARCH ? size : MB_SEARCH;
	uint32_t w[3];

	for (off = 0; off + 12 <= end; off += 4) {
		memcpy(w, buf + off, sizeof(w));
		if (w[0] == MB_MAGIC && (uint32_t)(w[0] + w[1] + w[2]) == 0)
			return off;
	}
	return -1;
}

/* Copy the a.out-kludge image; returns its end address or 0. */
static uint64_t mb__load_aout(struct kernel_image *k, int hoff,
			      const struct mb_header *h, uint8_t *ram,
			      uint64_t ram_size)
{
	const char *path = k->path;
	uint64_t foff, len, end, bss_end;

	if (h->header_addr < h->load_addr ||
	    h->header_addr - h->load_addr > (uint32_t)hoff) {
		pr_warn("%s: multiboot header_addr 0x%x and load_addr 0x%x "
			"do not fit the header's place in the file", path,
			h->header_addr, h->load_addr);
		return 0;
	}
	foff = hoff - (h->header_addr - h->load_addr);
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr) {
			pr_warn("%s: multiboot load_end_addr 0x%x is below "
				"load_addr 0x%x", path, h->load_end_addr,
				h->load_addr);
			return 0;
		}
		len = h->load_end_addr - h->load_addr;
	} else {
		len = k->image.size - foff;
	}
	if (len > k->image.size - foff) {
		pr_warn("%s: multiboot load_end_addr 0x%x is past the end of "
			"the file", path, h->load_end_addr);
		return 0;
	}
	end = h->load_addr + len;
	bss_end = h->bss_end_addr > end ? h->bss_end_addr : end;
	if (bss_end > ram_size) {
		pr_warn("%s: multiboot image at 0x%x-0x%llx is beyond guest "
			"memory (%llu MiB; see -m)", path, h->load_addr,
			(unsigned long long)bss_end,
			(unsigned long long)(ram_size / MiB));
		return 0;
	}
	if (h->load_addr < BOOT_HIGH) {
		pr_warn("%s: multiboot load_addr 0x%x is below 1 MiB", path,
			h->load_addr);
		return 0;
	}
	if (ram) {
		memcpy(ram + h->load_addr, k->image.buf + foff, len);
		memset(ram + end, 0, bss_end - end);
	}
	return bss_end;
}

/* The highest byte any ELF PT_LOAD segment covers (checked already). */
static uint64_t mb__elf_end(const uint8_t *buf)
{
	uint64_t end = 0;
	int i;

	if (buf[4] == 2) {
		uint64_t phoff;
		uint16_t phnum;

		memcpy(&phoff, buf + 0x20, 8);
		memcpy(&phnum, buf + 0x38, 2);
		for (i = 0; i < phnum; i++) {
			const uint8_t *p = buf + phoff + i * 56;
			uint64_t paddr, memsz;
			uint32_t type;

			memcpy(&type, p, 4);
			memcpy(&paddr, p + 24, 8);
			memcpy(&memsz, p + 40, 8);
			if (type == 1 && paddr + memsz > end)
				end = paddr + memsz;
		}
	} else {
		uint32_t phoff;
		uint16_t phnum;

		memcpy(&phoff, buf + 0x1c, 4);
		memcpy(&phnum, buf + 0x2c, 2);
		for (i = 0; i < phnum; i++) {
			const uint8_t *p = buf + phoff + i * 32;
			uint32_t type, paddr, memsz;

			memcpy(&type, p, 4);
			memcpy(&paddr, p + 12, 4);
			memcpy(&memsz, p + 20, 4);
			if (type == 1 && paddr + memsz > end)
				end = (uint64_t)paddr + memsz;
		}
	}
	return end;
}

int multiboot__load(struct kernel_image *k, uint8_t *ram, uint64_t ram_size,
		    struct boot_entry *e)
{
	struct boot_e820 map[BOOT_E820_MAX];
	uint64_t end, at, mbi = BOOT_MBI, p;
	struct mb_module mods[KERNEL_MAX_MODULES];
	struct mb_info info;
	struct mb_header h;
	size_t cmdlen;
	int hoff, i, n;

	memset(mods, 0, sizeof(mods));
	hoff = multiboot__find(k->image.buf, k->image.size);
	memset(&h, 0, sizeof(h));
	memcpy(&h, k->image.buf + hoff,
	       k->image.size - hoff < sizeof(h) ? k->image.size - hoff :
	       sizeof(h));
	if (h.flags & 0xffff & ~MB_FLAGS_KNOWN) {
		pr_warn("%s: multiboot header requires unknown features "
			"(flags 0x%x)", k->path, h.flags);
		return -1;
	}
	if (h.flags & MB_FLAG_AOUT) {
		if (k->image.size - hoff < sizeof(h)) {
			pr_warn("%s: truncated multiboot header", k->path);
			return -1;
		}
		end = mb__load_aout(k, hoff, &h, ram, ram_size);
		if (!end)
			return -1;
		e->rip = h.entry_addr;
	} else {
		if (!elf__is_elf(k->image.buf, k->image.size)) {
			pr_warn("%s: multiboot header without load addresses "
				"(flag 16) in a file that is not ELF", k->path);
			return -1;
		}
		if (elf__load(k, ram, ram_size, e) < 0)
			return -1;
		if (e->rip > 0xffffffffULL) {
			pr_warn("%s: multiboot entry point 0x%llx is beyond "
				"4 GiB", k->path, (unsigned long long)e->rip);
			return -1;
		}
		end = mb__elf_end(k->image.buf);
	}

	/* Modules, page-aligned after the kernel. */
	at = (end + 0xfff) & ~0xfffULL;
	p = mbi + sizeof(info) + sizeof(mods) + sizeof(struct mb_mmap) *
	    BOOT_E820_MAX;
	for (i = 0; i < k->nr_mods; i++) {
		struct kernel_file *f = &k->mods[i];
		size_t len = strlen(f->path) + 1;

		if (at + f->size > ram_size) {
			pr_warn("%s: module does not fit in guest memory "
				"after the kernel (%llu MiB; see -m)", f->path,
				(unsigned long long)(ram_size / MiB));
			return -1;
		}
		if (p + len > BOOT_MBI_END) {
			pr_warn("%s: module names too long", f->path);
			return -1;
		}
		mods[i] = (struct mb_module){ at, at + f->size, p, 0 };
		if (ram) {
			memcpy(ram + at, f->buf, f->size);
			memcpy(ram + p, f->path, len);
		}
		p += len;
		at = (at + f->size + 0xfff) & ~0xfffULL;
	}

	/* The command line: the kernel's name, then --append. */
	cmdlen = strlen(k->path) + 1 + (k->append ? strlen(k->append) : 0) + 1;
	if (p + cmdlen + 6 > BOOT_MBI_END) {
		pr_warn("%s: --append line too long for multiboot (at most "
			"%llu bytes)", k->path,
			(unsigned long long)(BOOT_MBI_END - p - 6 -
					     strlen(k->path) - 2));
		return -1;
	}
	memset(&info, 0, sizeof(info));
	info.flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER;
	info.mem_lower = BOOT_EBDA / KiB;
	info.mem_upper = (ram_size - BOOT_HIGH) / KiB;
	info.cmdline = p;
	if (ram)
		snprintf((char *)ram + p, cmdlen, "%s%s%s", k->path,
			 k->append ? " " : "", k->append ? k->append : "");
	p += cmdlen;
	info.boot_loader_name = p;
	if (ram)
		memcpy(ram + p, "hvdbg", 6);
	if (k->nr_mods) {
		info.flags |= MBI_MODS;
		info.mods_count = k->nr_mods;
		info.mods_addr = mbi + sizeof(info);
	}
	n = boot__e820(ram_size, map);
	info.mmap_addr = mbi + sizeof(info) + sizeof(mods);
	info.mmap_length = n * sizeof(struct mb_mmap);
	if (ram) {
		for (i = 0; i < n; i++) {
			struct mb_mmap mm = { 20, map[i].addr, map[i].size,
					      map[i].type };

			memcpy(ram + info.mmap_addr + i * sizeof(mm), &mm,
			       sizeof(mm));
		}
		memcpy(ram + mbi, &info, sizeof(info));
		memcpy(ram + info.mods_addr, mods, sizeof(mods));
	}

	e->mode = BOOT_PROT32;
	e->rax = MB_BOOT_MAGIC;
	e->rbx = mbi;
	return 0;
}
