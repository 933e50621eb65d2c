/*
 * Port 0x80 sink.  Reads return zero rather than all-ones because some
 * firmware reads it back as a delay and does not care about the value.
 */
#include "config.h"

#include <string.h>

#include "monitor/hw/port80.h"
#include "monitor/machine.h"

static void port80__in(void *opaque, uint16_t port, uint8_t *data, int size)
{
	(void)opaque;
	(void)port;
	memset(data, 0, size);
}

static void port80__out(void *opaque, uint16_t port, const uint8_t *data,
			int size)
{
	(void)opaque;
	(void)port;
	(void)data;
	(void)size;
}

int port80__init(struct machine *m)
{
	struct io_dev dev = {
		.name = "port80",
		.base = 0x80,
		.len = 1,
		.in = port80__in,
		.out = port80__out,
	};

	return io__register(&m->io, &dev);
}
