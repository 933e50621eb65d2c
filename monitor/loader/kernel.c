/*
 * --kernel: read the image and its companions, tell the kind apart and
 * hand it to its loader.  Runs in main(), the checks before the
 * accelerator is opened and the copy after guest RAM exists.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "monitor/loader/kernel.h"
#include "monitor/loader/raw.h"
#include "monitor/machine.h"
#include "monitor/util.h"

const char *kernel__kind_name(enum kernel_kind kind)
{
	switch (kind) {
	case KERNEL_ELF:
		return "ELF";
	case KERNEL_MULTIBOOT:
		return "multiboot";
	case KERNEL_LINUX:
		return "Linux bzImage";
	}
	return "?";
}

static int kernel__load(struct kernel_image *k, uint8_t *ram,
			uint64_t ram_size, struct boot_entry *e)
{
	memset(e, 0, sizeof(*e));
	switch (k->kind) {
	case KERNEL_LINUX:
		return linux__load(k, ram, ram_size, e);
	case KERNEL_MULTIBOOT:
		return multiboot__load(k, ram, ram_size, e);
	case KERNEL_ELF:
		return elf__load(k, ram, ram_size, e);
	}
	return -1;
}

/* --initrd: one file for Linux, a comma-separated list for multiboot. */
static int kernel__read_mods(struct kernel_image *k, uint64_t ram_size)
{
	char *list, *name, *save = NULL;

	if (!k->initrd)
		return 0;
	list = xstrdup(k->initrd);
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		struct kernel_file *f = &k->mods[k->nr_mods];

		if (k->nr_mods == KERNEL_MAX_MODULES ||
		    (k->kind != KERNEL_MULTIBOOT && k->nr_mods == 1)) {
			pr_warn("--initrd %s: %s kernels take %s", k->initrd,
				kernel__kind_name(k->kind),
				k->kind == KERNEL_MULTIBOOT ?
				"at most 8 modules" : "one initrd");
			free(list);
			return -1;
		}
		f->path = xstrdup(name);
		if (loader__read_file(f->path, ram_size, &f->buf,
				      &f->size) < 0) {
			free(list);
			return -1;
		}
		k->nr_mods++;
	}
	free(list);
	return 0;
}

int kernel__read(struct kernel_image *k, uint64_t ram_size)
{
	struct boot_entry e;
	const uint8_t *buf;
	size_t size;

	k->image.path = k->path;
	if (loader__read_file(k->path, KERNEL_MAX_SIZE, &k->image.buf,
			      &k->image.size) < 0)
		return -1;
	buf = k->image.buf;
	size = k->image.size;
	if (linux__is_bzimage(buf, size)) {
		k->kind = KERNEL_LINUX;
	} else if (multiboot__find(buf, size) >= 0) {
		k->kind = KERNEL_MULTIBOOT;
	} else if (elf__is_elf(buf, size)) {
		k->kind = KERNEL_ELF;
	} else {
		pr_warn("%s: not a kernel hvdbg can load (no Linux setup "
			"header, no multiboot header in the first 8 KiB, not "
			"ELF)", k->path);
		return -1;
	}
	if (k->entry_bits && k->kind != KERNEL_LINUX) {
		pr_warn("%s: --boot-entry is for Linux bzImages; %s kernels "
			"start where their headers say", k->path,
			kernel__kind_name(k->kind));
		return -1;
	}
	if (k->kind == KERNEL_ELF && k->initrd) {
		pr_warn("%s: --initrd needs a multiboot or Linux kernel, not "
			"a plain ELF file", k->path);
		return -1;
	}
	if (k->kind == KERNEL_ELF && k->append) {
		pr_warn("%s: --append needs a multiboot or Linux kernel, not "
			"a plain ELF file", k->path);
		return -1;
	}
	if (kernel__read_mods(k, ram_size) < 0)
		return -1;
	return kernel__load(k, NULL, ram_size, &e);
}

void kernel__place(struct machine *m, struct kernel_image *k,
		   struct boot_entry *e)
{
	/* Checked by the dry run in kernel__read: cannot fail now. */
	if (kernel__load(k, m->ram, m->ram_size, e) < 0)
		die("%s: cannot load", k->path);
}
