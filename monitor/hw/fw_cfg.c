/*
 * A read-only fw_cfg device in its traditional port form: the guest
 * writes a 16-bit key to port 0x510 and reads the item's bytes one at a
 * time from port 0x511 (past the end, or for a key nobody set: zeros).
 * SeaBIOS built for QEMU, which Debian ships, takes its settings from
 * here; hvdbg gives it the signature, the CPU count and two files:
 *   etc/sercon-port     0x3f8: mirror the screen on COM1, so a firmware
 *                       without a display shows its banner and messages
 *                       on the serial port (and thus in --serial)
 *   etc/show-boot-menu  0: no "Press ESC for boot menu" wait
 * Memory size comes from the CMOS, as SeaBIOS falls back to without an
 * etc/e820 file.  No DMA interface.  Called from vCPU threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/hw/fw_cfg.h"
#include "monitor/machine.h"
#include "monitor/util.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_ID		0x0001
#define FW_CFG_NB_CPUS		0x0005
#define FW_CFG_MAX_CPUS		0x000f
#define FW_CFG_FILE_DIR		0x0019
#define FW_CFG_FILE_FIRST	0x0020

#define FW_CFG_ITEMS		8
#define FW_CFG_NAME		56

struct fw_cfg_item {
	uint16_t key;
	const char *file;	/* NULL: not in the file directory */
	uint8_t *data;
	uint32_t size;
};

struct fw_cfg {
	pthread_mutex_t lock;
	struct fw_cfg_item items[FW_CFG_ITEMS];
	int nr_items;
	const struct fw_cfg_item *cur;
	uint32_t offset;
};

static void fw_cfg__add(struct fw_cfg *f, uint16_t key, const char *file,
			const void *data, uint32_t size)
{
	struct fw_cfg_item *it = &f->items[f->nr_items++];

	it->key = key;
	it->file = file;
	it->data = xzalloc(size);
	memcpy(it->data, data, size);
	it->size = size;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* The directory: a big-endian count, then 64-byte entries. */
static void fw_cfg__add_dir(struct fw_cfg *f)
{
	uint8_t dir[4 + FW_CFG_ITEMS * 64];
	uint32_t n = 0;
	int i;

	memset(dir, 0, sizeof(dir));
	for (i = 0; i < f->nr_items; i++) {
		const struct fw_cfg_item *it = &f->items[i];
		uint8_t *e = dir + 4 + n * 64;

		if (!it->file)
			continue;
		put_be32(e, it->size);
		e[4] = it->key >> 8;
		e[5] = it->key;
		strncpy((char *)e + 8, it->file, FW_CFG_NAME - 1);
		n++;
	}
	put_be32(dir, n);
	fw_cfg__add(f, FW_CFG_FILE_DIR, NULL, dir, 4 + n * 64);
}

static void fw_cfg__in(void *opaque, uint16_t port, uint8_t *data,
		       int size)
{
	struct fw_cfg *f = opaque;
	int i;

	memset(data, 0, size);
	if (port == FW_CFG_PORT_SEL)
		return;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < size; i++) {
		if (f->cur && f->offset < f->cur->size)
			data[i] = f->cur->data[f->offset];
		f->offset++;
	}
	pthread_mutex_unlock(&f->lock);
}

static void fw_cfg__out(void *opaque, uint16_t port, const uint8_t *data,
			int size)
{
	struct fw_cfg *f = opaque;
	uint16_t key = data[0] | (size > 1 ? data[1] << 8 : 0);
	int i;

	if (port != FW_CFG_PORT_SEL)
		return;		/* writes to items: not supported */
	pthread_mutex_lock(&f->lock);
	f->cur = NULL;
	f->offset = 0;
	for (i = 0; i < f->nr_items; i++)
		if (f->items[i].key == key)
			f->cur = &f->items[i];
	pthread_mutex_unlock(&f->lock);
}

/* io__destroy: the items and the device go with the machine. */
static void fw_cfg__release(void *opaque)
{
	struct fw_cfg *f = opaque;
	int i;

	for (i = 0; i < f->nr_items; i++)
		free(f->items[i].data);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int fw_cfg__init(struct machine *m, int nr_cpus)
{
	struct fw_cfg *f = xzalloc(sizeof(*f));
	struct io_dev dev = {
		.name = "fw_cfg",
		.base = FW_CFG_PORT_SEL,
		.len = 2,
		.in = fw_cfg__in,
		.out = fw_cfg__out,
		.opaque = f,
		.release = fw_cfg__release,
	};
	uint32_t id = 1;	/* traditional interface only */
	uint16_t cpus = nr_cpus, sercon = 0x3f8, menu = 0;

	pthread_mutex_init(&f->lock, NULL);
	fw_cfg__add(f, FW_CFG_SIGNATURE, NULL, "QEMU", 4);
	fw_cfg__add(f, FW_CFG_ID, NULL, &id, 4);
	fw_cfg__add(f, FW_CFG_NB_CPUS, NULL, &cpus, 2);
	fw_cfg__add(f, FW_CFG_MAX_CPUS, NULL, &cpus, 2);
	fw_cfg__add(f, FW_CFG_FILE_FIRST, "etc/sercon-port", &sercon, 2);
	fw_cfg__add(f, FW_CFG_FILE_FIRST + 1, "etc/show-boot-menu", &menu, 2);
	fw_cfg__add_dir(f);
	return io__register(&m->io, &dev);
}
