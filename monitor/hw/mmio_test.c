/*
 * The testsuite's MMIO device: a page of bytes behind MMIO exits (see
 * mmio_test.h).  Accesses come from vCPU threads; a lock keeps each one
 * whole when several vCPUs touch the page.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/hw/mmio_test.h"
#include "monitor/machine.h"
#include "monitor/util.h"

struct mmio_test {
	pthread_mutex_t lock;
	uint8_t bytes[MMIO_TEST_SIZE];
};

static void mmio_test__access(void *opaque, uint64_t off, uint8_t *data,
			      int len, int is_write)
{
	struct mmio_test *t = opaque;

	/* The emulators never split an access across the page's end. */
	if (off + len > MMIO_TEST_SIZE)
		len = MMIO_TEST_SIZE - off;
	pthread_mutex_lock(&t->lock);
	if (is_write)
		memcpy(&t->bytes[off], data, len);
	else
		memcpy(data, &t->bytes[off], len);
	pthread_mutex_unlock(&t->lock);
}

static void mmio_test__release(void *opaque)
{
	struct mmio_test *t = opaque;

	pthread_mutex_destroy(&t->lock);
	free(t);
}

int mmio_test__init(struct machine *m, uint64_t gpa)
{
	struct mmio_test *t;
	struct io_mmio_dev dev = {
		.name = "mmio-test",
		.base = gpa,
		.len = MMIO_TEST_SIZE,
		.access = mmio_test__access,
		.release = mmio_test__release,
	};
	int i;

	if ((gpa & (MMIO_TEST_SIZE - 1)) ||
	    machine__gpa_to_host(m, gpa, MMIO_TEST_SIZE))
		die("--test-mmio 0x%llx: not a page-aligned address outside "
		    "RAM and ROM", (unsigned long long)gpa);
	t = xzalloc(sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	for (i = 0; i < MMIO_TEST_SIZE; i++)
		t->bytes[i] = MMIO_TEST_BYTE(i);
	dev.opaque = t;
	if (io__register_mmio(&m->io, &dev) < 0)
		die("--test-mmio 0x%llx: cannot register the device",
		    (unsigned long long)gpa);
	return 0;
}
