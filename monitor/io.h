/*
 * Port I/O and MMIO dispatch.  Devices register a port range with in/out
 * callbacks in a small table; the vCPU run loop hands every I/O or MMIO
 * exit to io__handle_*() which finds the owner.  Accesses nobody owns are
 * logged once (per port, or per page for MMIO) and read as all-ones, as on
 * a PC bus with nothing answering.
 */
#ifndef HVDBG_IO_H
#define HVDBG_IO_H

#include <pthread.h>
#include <stdint.h>
#include <linux/kvm.h>

#define IO_MAX_DEVS		32
#define IO_MMIO_LOG_PAGES	64

struct io_dev {
	const char *name;
	uint16_t base;
	uint16_t len;
	/* size is 1, 2 or 4; data is little-endian, in fills all of it. */
	void (*in)(void *opaque, uint16_t port, uint8_t *data, int size);
	void (*out)(void *opaque, uint16_t port, const uint8_t *data,
		    int size);
	void *opaque;
	/* Optional: free opaque when the machine goes (io__destroy). */
	void (*release)(void *opaque);
};

/* A range of guest-physical addresses served by MMIO exits. */
struct io_mmio_dev {
	const char *name;
	uint64_t base;
	uint64_t len;
	/* off from base; data holds len (1-8) little-endian bytes. */
	void (*access)(void *opaque, uint64_t off, uint8_t *data, int len,
		       int is_write);
	void *opaque;
	void (*release)(void *opaque);
};

#define IO_MAX_MMIO_DEVS	4

struct io_bus {
	struct io_dev devs[IO_MAX_DEVS];
	int ndevs;
	struct io_mmio_dev mmio_devs[IO_MAX_MMIO_DEVS];
	int nmmio_devs;
	/* Log-once bookkeeping; several vCPU threads may miss at once. */
	pthread_mutex_t log_lock;
	uint8_t port_logged[65536 / 8];
	uint64_t mmio_logged[IO_MMIO_LOG_PAGES];
	int nmmio_logged;
};

void io__init(struct io_bus *bus);
/* Returns 0, or -EBUSY when the range overlaps a registered one. */
int io__register(struct io_bus *bus, const struct io_dev *dev);
/* Returns 0, -ENOSPC, or -EBUSY when the range overlaps another. */
int io__register_mmio(struct io_bus *bus, const struct io_mmio_dev *dev);
/* Serve a KVM_EXIT_IO / KVM_EXIT_MMIO described by run. */
void io__handle_pio(struct io_bus *bus, struct kvm_run *run);
void io__handle_mmio(struct io_bus *bus, struct kvm_run *run);
/* Release every device; no vCPU may run any more. */
void io__destroy(struct io_bus *bus);

#endif
