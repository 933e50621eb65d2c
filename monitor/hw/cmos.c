/*
 * CMOS RAM and real-time clock (MC146818) at ports 0x70/0x71.  The
 * clock registers show the host's time (UTC) in BCD, 24-hour mode, and
 * are never "updating"; status register D says the battery is good.
 * The memory-size registers are filled as a PC BIOS setup (and QEMU)
 * leaves them, since firmware such as SeaBIOS sizes RAM from them:
 *   0x15/0x16  base memory in KiB (640)
 *   0x17/0x18  and 0x30/0x31: KiB of RAM between 1 MiB and 64 MiB
 *   0x34/0x35  64 KiB blocks of RAM between 16 MiB and 4 GiB
 *   0x5b-0x5d  64 KiB blocks above 4 GiB (none: RAM ends below 3 GiB)
 *   0x5f       number of CPUs - 1
 * Bit 7 of the index port (NMI mask) is ignored.  Everything else is
 * plain RAM.  Called from vCPU threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/hw/cmos.h"
#include "monitor/machine.h"
#include "monitor/util.h"

#define CMOS_SECONDS		0x00
#define CMOS_MINUTES		0x02
#define CMOS_HOURS		0x04
#define CMOS_WEEKDAY		0x06
#define CMOS_DAY		0x07
#define CMOS_MONTH		0x08
#define CMOS_YEAR		0x09
#define CMOS_REG_A		0x0a
#define CMOS_REG_B		0x0b
#define CMOS_REG_C		0x0c
#define CMOS_REG_D		0x0d
#define CMOS_CENTURY		0x32

#define REG_B_24H		0x02

struct cmos {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
};

static uint8_t bcd(int v)
{
	return (v / 10) << 4 | (v % 10);
}

static uint8_t cmos__clock(struct cmos *c, uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;
	bool binary = c->ram[CMOS_REG_B] & 0x04;

	gmtime_r(&now, &tm);
#define CONV(v) (binary ? (uint8_t)(v) : bcd(v))
	switch (reg) {
	case CMOS_SECONDS:
		return CONV(tm.tm_sec);
	case CMOS_MINUTES:
		return CONV(tm.tm_min);
	case CMOS_HOURS:
		return CONV(tm.tm_hour);
	case CMOS_WEEKDAY:
		return CONV(tm.tm_wday + 1);
	case CMOS_DAY:
		return CONV(tm.tm_mday);
	case CMOS_MONTH:
		return CONV(tm.tm_mon + 1);
	case CMOS_YEAR:
		return CONV(tm.tm_year % 100);
	case CMOS_CENTURY:
		return CONV(19 + tm.tm_year / 100);
	}
#undef CONV
	return c->ram[reg];
}

static void cmos__in(void *opaque, uint16_t port, uint8_t *data, int size)
{
	struct cmos *c = opaque;
	uint8_t v;

	memset(data, 0, size);
	pthread_mutex_lock(&c->lock);
	if (port == 0x70) {
		v = c->index;
	} else {
		switch (c->index) {
		case CMOS_SECONDS: case CMOS_MINUTES: case CMOS_HOURS:
		case CMOS_WEEKDAY: case CMOS_DAY: case CMOS_MONTH:
		case CMOS_YEAR: case CMOS_CENTURY:
			v = cmos__clock(c, c->index);
			break;
		case CMOS_REG_A:
			/* 32.768 kHz, 1024 Hz rate, no update in progress. */
			v = c->ram[CMOS_REG_A] & 0x7f;
			break;
		case CMOS_REG_C:
			/* No interrupt flags: reading clears them anyway. */
			v = 0;
			break;
		case CMOS_REG_D:
			v = 0x80;	/* valid RAM and time */
			break;
		default:
			v = c->ram[c->index];
		}
	}
	pthread_mutex_unlock(&c->lock);
	data[0] = v;
}

static void cmos__out(void *opaque, uint16_t port, const uint8_t *data,
		      int size)
{
	struct cmos *c = opaque;

	(void)size;
	pthread_mutex_lock(&c->lock);
	if (port == 0x70) {
		c->index = data[0] & 0x7f;
	} else if (c->index != CMOS_REG_C && c->index != CMOS_REG_D) {
		/* The clock keeps the host's time; the rest is RAM. */
		c->ram[c->index] = data[0];
	}
	pthread_mutex_unlock(&c->lock);
}

static void put16(uint8_t *p, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	p[0] = v;
	p[1] = v >> 8;
}

/* io__destroy: the device goes with the machine. */
static void cmos__release(void *opaque)
{
	struct cmos *c = opaque;

	pthread_mutex_destroy(&c->lock);
	free(c);
}

int cmos__init(struct machine *m, int nr_cpus)
{
	struct cmos *c = xzalloc(sizeof(*c));
	struct io_dev dev = {
		.name = "cmos",
		.base = 0x70,
		.len = 2,
		.in = cmos__in,
		.out = cmos__out,
		.opaque = c,
		.release = cmos__release,
	};
	uint64_t ext = m->ram_size > 1 * MiB ? m->ram_size - 1 * MiB : 0;
	uint64_t above16 = m->ram_size > 16 * MiB ? m->ram_size - 16 * MiB : 0;

	pthread_mutex_init(&c->lock, NULL);
	c->ram[CMOS_REG_A] = 0x26;
	c->ram[CMOS_REG_B] = REG_B_24H;
	c->ram[CMOS_REG_D] = 0x80;
	put16(&c->ram[0x15], 640);
	put16(&c->ram[0x17], ext / KiB);
	put16(&c->ram[0x30], ext / KiB);
	put16(&c->ram[0x34], above16 / (64 * KiB));
	c->ram[0x5b] = c->ram[0x5c] = c->ram[0x5d] = 0;
	c->ram[0x5f] = nr_cpus - 1;
	return io__register(&m->io, &dev);
}
