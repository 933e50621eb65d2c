/*
 * ELF32 and ELF64 executables.  PT_LOAD segments are copied to their
 * physical addresses (p_paddr) with the rest of p_memsz zeroed; the vCPU
 * starts at e_entry in the mode the class implies: ELF32 in flat 32-bit
 * protected mode, ELF64 in 64-bit mode on identity page tables covering
 * the first 4 GiB (boot.h).  An entry point that lies inside a segment's
 * virtual range (a kernel linked high, loaded low) is translated to the
 * physical address it was loaded at.  Symbols are left to GDB.
 */
#include "config.h"

#include <elf.h>
#include <string.h>

#include "monitor/loader/kernel.h"
#include "monitor/util.h"

/* The fields this loader uses, whatever the class. */
struct elf_seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

int elf__is_elf(const uint8_t *buf, size_t size)
{
	return size >= EI_NIDENT && !memcmp(buf, ELFMAG, SELFMAG);
}

static int elf__seg(const uint8_t *buf, bool is64, uint64_t phoff,
		    int i, struct elf_seg *s)
{
	if (is64) {
		Elf64_Phdr p;

		memcpy(&p, buf + phoff + i * sizeof(p), sizeof(p));
		*s = (struct elf_seg){ p.p_type, p.p_offset, p.p_vaddr,
				       p.p_paddr, p.p_filesz, p.p_memsz };
	} else {
		Elf32_Phdr p;

		memcpy(&p, buf + phoff + i * sizeof(p), sizeof(p));
		*s = (struct elf_seg){ p.p_type, p.p_offset, p.p_vaddr,
				       p.p_paddr, p.p_filesz, p.p_memsz };
	}
	return 0;
}

int elf__load(struct kernel_image *k, uint8_t *ram, uint64_t ram_size,
	      struct boot_entry *e)
{
	const uint8_t *buf = k->image.buf;
	size_t size = k->image.size;
	const char *path = k->path;
	uint64_t phoff, entry, phent;
	bool is64, found = false;
	int i, phnum, loads = 0;
	uint16_t type, machine;
	struct elf_seg s;

	if (!elf__is_elf(buf, size)) {
		pr_warn("%s: not an ELF file", path);
		return -1;
	}
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64) {
		pr_warn("%s: ELF class %u is neither ELF32 nor ELF64", path,
			buf[EI_CLASS]);
		return -1;
	}
	is64 = buf[EI_CLASS] == ELFCLASS64;
	if (buf[EI_DATA] != ELFDATA2LSB) {
		pr_warn("%s: not a little-endian ELF file", path);
		return -1;
	}
	if (size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
		pr_warn("%s: truncated ELF header", path);
		return -1;
	}
	if (is64) {
		Elf64_Ehdr h;

		memcpy(&h, buf, sizeof(h));
		type = h.e_type;
		machine = h.e_machine;
		phoff = h.e_phoff;
		phnum = h.e_phnum;
		phent = h.e_phentsize;
		entry = h.e_entry;
	} else {
		Elf32_Ehdr h;

		memcpy(&h, buf, sizeof(h));
		type = h.e_type;
		machine = h.e_machine;
		phoff = h.e_phoff;
		phnum = h.e_phnum;
		phent = h.e_phentsize;
		entry = h.e_entry;
	}
	if (type != ET_EXEC) {
		pr_warn("%s: ELF type %u is not an executable (ET_EXEC)", path,
			type);
		return -1;
	}
	if (machine != (is64 ? EM_X86_64 : EM_386)) {
		pr_warn("%s: ELF machine %u is not %s", path, machine,
			is64 ? "x86-64" : "i386");
		return -1;
	}
	if (phent != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    phoff > size || (uint64_t)phnum * phent > size - phoff) {
		pr_warn("%s: program headers lie outside the file", path);
		return -1;
	}
	for (i = 0; i < phnum; i++) {
		elf__seg(buf, is64, phoff, i, &s);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if (s.filesz > s.memsz || s.offset > size ||
		    s.filesz > size - s.offset) {
			pr_warn("%s: segment %d lies outside the file", path,
				i);
			return -1;
		}
		if (s.paddr >= ram_size || s.memsz > ram_size - s.paddr) {
			pr_warn("%s: segment %d at 0x%llx-0x%llx is beyond "
				"guest memory (%llu MiB; see -m)", path, i,
				(unsigned long long)s.paddr,
				(unsigned long long)(s.paddr + s.memsz),
				(unsigned long long)(ram_size / MiB));
			return -1;
		}
		if (!ram && s.paddr < BOOT_PT_END &&
		    s.paddr + s.memsz > BOOT_GDT)
			pr_warn("%s: segment %d at 0x%llx overlaps the boot "
				"tables at 0x%llx-0x%llx", path, i,
				(unsigned long long)s.paddr,
				(unsigned long long)BOOT_GDT,
				(unsigned long long)BOOT_PT_END);
		if (ram) {
			memcpy(ram + s.paddr, buf + s.offset, s.filesz);
			memset(ram + s.paddr + s.filesz, 0,
			       s.memsz - s.filesz);
		}
		if (!found && entry >= s.vaddr && entry - s.vaddr < s.memsz) {
			entry = entry - s.vaddr + s.paddr;
			found = true;
		}
		loads++;
	}
	if (!loads) {
		pr_warn("%s: no loadable segment (PT_LOAD)", path);
		return -1;
	}
	if (!is64 && entry > 0xffffffffULL) {
		pr_warn("%s: entry point 0x%llx is beyond 4 GiB", path,
			(unsigned long long)entry);
		return -1;
	}
	if (e) {
		memset(e, 0, sizeof(*e));
		e->mode = is64 ? BOOT_LONG64 : BOOT_PROT32;
		e->rip = entry;
	}
	return 0;
}
