/*
 * PCI configuration mechanism #1 (0xcf8 address, 0xcfc-0xcff data) with
 * one device: an Intel 440FX host bridge (8086:1237) at 00:00.0, which
 * is what firmware such as SeaBIOS looks for to know its platform.  Its
 * configuration space is RAM apart from the read-only identification
 * registers, so PAM and SMRAM writes read back (guest RAM below 1 MiB
 * is always writable here, whatever PAM says).  Any other device reads
 * as absent (all-ones).  A byte write to 0xcf9 with bit 2 set is the
 * PIIX reset control register's "reset now": it ends the machine as the
 * i8042 reset does.  Called from vCPU threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/hw/pci.h"
#include "monitor/machine.h"
#include "monitor/util.h"

#define PCI_ADDR		0xcf8
#define PCI_DATA		0xcfc
#define PCI_ENABLE		0x80000000U

struct pci {
	struct machine *m;
	pthread_mutex_t lock;
	uint32_t addr;
	uint8_t host[256];	/* 00:00.0 configuration space */
};

/* The host bridge's offset for the current address, or -1. */
static int pci__offset(struct pci *p, uint16_t port)
{
	uint32_t a = p->addr;

	if (!(a & PCI_ENABLE) || (a & 0x00ffff00U) >> 8)
		return -1;	/* disabled, or not bus 0 device 0 fn 0 */
	return (a & 0xfc) + (port - PCI_DATA);
}

static void pci__in(void *opaque, uint16_t port, uint8_t *data, int size)
{
	struct pci *p = opaque;
	int off;

	pthread_mutex_lock(&p->lock);
	if (port >= PCI_ADDR && port < PCI_ADDR + 4) {
		uint32_t v = p->addr;

		memcpy(data, (uint8_t *)&v + (port - PCI_ADDR),
		       size > 4 - (port - PCI_ADDR) ? 4 - (port - PCI_ADDR) :
		       size);
	} else {
		off = pci__offset(p, port);
		if (off < 0 || off + size > 256)
			memset(data, 0xff, size);
		else
			memcpy(data, p->host + off, size);
	}
	pthread_mutex_unlock(&p->lock);
}

static void pci__out(void *opaque, uint16_t port, const uint8_t *data,
		     int size)
{
	struct pci *p = opaque;
	int off, i;

	pthread_mutex_lock(&p->lock);
	if (port == PCI_ADDR && size == 4) {
		memcpy(&p->addr, data, 4);
	} else if (port == PCI_ADDR + 1 && size == 1) {
		if (data[0] & 0x04) {
			pthread_mutex_unlock(&p->lock);
			pr_warn("the guest reset the machine (port 0xcf9 "
				"0x%02x); ending", data[0]);
			machine__exit(p->m, 0);
			return;
		}
	} else if (port >= PCI_DATA) {
		off = pci__offset(p, port);
		for (i = 0; off >= 0 && i < size && off + i < 256; i++) {
			/* IDs, revision, class, header type: read-only. */
			if (off + i < 0x0c || off + i == 0x0e)
				continue;
			p->host[off + i] = data[i];
		}
	}
	pthread_mutex_unlock(&p->lock);
}

/* io__destroy: the device goes with the machine. */
static void pci__release(void *opaque)
{
	struct pci *p = opaque;

	pthread_mutex_destroy(&p->lock);
	free(p);
}

int pci__init(struct machine *m)
{
	struct pci *p = xzalloc(sizeof(*p));
	struct io_dev dev = {
		.name = "pci",
		.base = PCI_ADDR,
		.len = 8,
		.in = pci__in,
		.out = pci__out,
		.opaque = p,
		.release = pci__release,
	};
	static const uint8_t id[] = {
		0x86, 0x80, 0x37, 0x12,		/* 8086:1237 */
		0x06, 0x00, 0x00, 0x00,		/* command, status */
		0x02, 0x00, 0x00, 0x06,		/* rev 2, class 06.00 */
	};

	p->m = m;
	pthread_mutex_init(&p->lock, NULL);
	memcpy(p->host, id, sizeof(id));
	return io__register(&m->io, &dev);
}
