/*
 * The I/O dispatch table.  Called from vCPU threads; the table itself is
 * filled before any vCPU starts and is read-only afterwards, so lookups
 * need no lock.  Device callbacks do their own locking if they have state
 * shared between vCPUs.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "monitor/io.h"
#include "monitor/util.h"

void io__init(struct io_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->log_lock, NULL);
}

int io__register(struct io_bus *bus, const struct io_dev *dev)
{
	int i;

	if (bus->ndevs == IO_MAX_DEVS)
		return -ENOSPC;
	for (i = 0; i < bus->ndevs; i++) {
		const struct io_dev *d = &bus->devs[i];

		if (dev->base < d->base + d->len &&
		    d->base < dev->base + dev->len)
			return -EBUSY;
	}
	bus->devs[bus->ndevs++] = *dev;
	return 0;
}

int io__register_mmio(struct io_bus *bus, const struct io_mmio_dev *dev)
{
	int i;

	if (bus->nmmio_devs == IO_MAX_MMIO_DEVS)
		return -ENOSPC;
	for (i = 0; i < bus->nmmio_devs; i++) {
		const struct io_mmio_dev *d = &bus->mmio_devs[i];

		if (dev->base < d->base + d->len &&
		    d->base < dev->base + dev->len)
			return -EBUSY;
	}
	bus->mmio_devs[bus->nmmio_devs++] = *dev;
	return 0;
}

static const struct io_dev *io__find(struct io_bus *bus, uint16_t port)
{
	int i;

	for (i = 0; i < bus->ndevs; i++) {
		const struct io_dev *d = &bus->devs[i];

		if (port >= d->base && port - d->base < d->len)
			return d;
	}
	return NULL;
}

static void io__log_port(struct io_bus *bus, uint16_t port, int in)
{
	int first;

	pthread_mutex_lock(&bus->log_lock);
	first = !(bus->port_logged[port / 8] & (1 << (port % 8)));
	bus->port_logged[port / 8] |= 1 << (port % 8);
	pthread_mutex_unlock(&bus->log_lock);
	if (first)
		pr_warn("unhandled I/O port 0x%x (%s, logged once)", port,
			in ? "read" : "write");
}

void io__handle_pio(struct io_bus *bus, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int in = run->io.direction == KVM_EXIT_IO_IN;
	const struct io_dev *d = io__find(bus, run->io.port);
	uint32_t i;

	/* String I/O (rep ins/outs) arrives as count back-to-back items. */
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (!d) {
			if (in)
				memset(data, 0xff, run->io.size);
			continue;
		}
		if (in) {
			if (d->in)
				d->in(d->opaque, run->io.port, data,
				      run->io.size);
			else
				memset(data, 0xff, run->io.size);
		} else if (d->out) {
			d->out(d->opaque, run->io.port, data, run->io.size);
		}
	}
	if (!d)
		io__log_port(bus, run->io.port, in);
}

void io__destroy(struct io_bus *bus)
{
	int i;

	for (i = 0; i < bus->ndevs; i++)
		if (bus->devs[i].release)
			bus->devs[i].release(bus->devs[i].opaque);
	bus->ndevs = 0;
	for (i = 0; i < bus->nmmio_devs; i++)
		if (bus->mmio_devs[i].release)
			bus->mmio_devs[i].release(bus->mmio_devs[i].opaque);
	bus->nmmio_devs = 0;
	pthread_mutex_destroy(&bus->log_lock);
}

void io__handle_mmio(struct io_bus *bus, struct kvm_run *run)
{
	uint64_t page = run->mmio.phys_addr & ~0xfffULL;
	int i, first = 1;

	for (i = 0; i < bus->nmmio_devs; i++) {
		const struct io_mmio_dev *d = &bus->mmio_devs[i];
		uint64_t a = run->mmio.phys_addr;

		if (a >= d->base && a - d->base < d->len &&
		    run->mmio.len <= sizeof(run->mmio.data)) {
			d->access(d->opaque, a - d->base, run->mmio.data,
				  run->mmio.len, run->mmio.is_write);
			return;
		}
	}
	/* Nobody there: reads float high, writes vanish. */
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));

	pthread_mutex_lock(&bus->log_lock);
	for (i = 0; i < bus->nmmio_logged; i++)
		if (bus->mmio_logged[i] == page)
			first = 0;
	if (first && bus->nmmio_logged < IO_MMIO_LOG_PAGES)
		bus->mmio_logged[bus->nmmio_logged++] = page;
	else
		first = 0;
	pthread_mutex_unlock(&bus->log_lock);
	if (first)
		pr_warn("unhandled MMIO %s at 0x%llx (%u bytes; logged once per page)",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr,
			run->mmio.len);
}
