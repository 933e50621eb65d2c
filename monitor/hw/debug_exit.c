/*
 * Debug-exit device.  The write comes from a vCPU thread; ending the
 * machine tells GDB (a "W" reply) and wakes main(), and the vCPU's run
 * loop notices machine__exited() after the I/O and stops running.
 * The odd status keeps a guest's "0" distinguishable from a clean exit
 * of hvdbg itself.
 */
#include "config.h"

#include "monitor/hw/debug_exit.h"
#include "monitor/machine.h"

static void debug_exit__out(void *opaque, uint16_t port, const uint8_t *data,
			    int size)
{
	(void)port;
	(void)size;
	machine__exit(opaque, (data[0] << 1) | 1);
}

int debug_exit__init(struct machine *m)
{
	struct io_dev dev = {
		.name = "debug-exit",
		.base = DEBUG_EXIT_PORT,
		.len = 1,
		.out = debug_exit__out,
		.opaque = m,
	};

	return io__register(&m->io, &dev);
}
