/*
 * The i8042 keyboard controller at ports 0x60 (data) and 0x64
 * (status/command), with no key ever pressed and no mouse.  It answers
 * what firmware and kernels ask at boot: the self tests, the command
 * byte, the output port (A20 and the reset line), and the keyboard's
 * own reset/identify/enable commands, each acknowledged.  Command 0xfe
 * (pulse the reset line) and an output-port write that drops bit 0 are
 * a machine reset: hvdbg has no way back to the reset vector with the
 * debugger's view intact, so it ends the machine, with exit status 0,
 * and says why on stderr.  Port 0x92 (the "fast A20" gate, whose bit 0
 * also resets) lives here too.  Called from vCPU threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/hw/i8042.h"
#include "monitor/machine.h"
#include "monitor/util.h"

#define STAT_OBF		0x01
#define STAT_SYS		0x04	/* POST passed */
#define STAT_CMD		0x08	/* last write was to 0x64 */
#define STAT_UNLOCKED		0x10
#define STAT_AUX		0x20	/* output byte is from the mouse */

#define OUTPORT_RESET		0x01	/* 0: reset asserted */
#define OUTPORT_A20		0x02

#define QUEUE			8

struct i8042 {
	struct machine *m;
	pthread_mutex_t lock;
	uint8_t cmd_byte;
	uint8_t outport;
	uint8_t status;
	/* The controller command whose data byte comes next on 0x60. */
	uint8_t pending;
	/* The keyboard command whose argument comes next (0xed, 0xf3). */
	uint8_t kbd_pending;
	uint8_t queue[QUEUE];
	int head, count;
};

static void i8042__push(struct i8042 *k, uint8_t v)
{
	if (k->count == QUEUE)
		return;
	k->queue[(k->head + k->count) % QUEUE] = v;
	k->count++;
}

static void i8042__reset(struct i8042 *k, const char *why)
{
	pr_warn("the guest reset the machine (%s); ending", why);
	machine__exit(k->m, 0);
}

/* A byte for the keyboard itself: every command is acknowledged. */
static void i8042__kbd(struct i8042 *k, uint8_t v)
{
	if (k->kbd_pending) {
		k->kbd_pending = 0;
		i8042__push(k, 0xfa);
		return;
	}
	switch (v) {
	case 0xff:		/* reset: ack, then "self test passed" */
		i8042__push(k, 0xfa);
		i8042__push(k, 0xaa);
		break;
	case 0xf2:		/* identify: an MF2 keyboard */
		i8042__push(k, 0xfa);
		i8042__push(k, 0xab);
		i8042__push(k, 0x83);
		break;
	case 0xed:		/* LEDs and typematic rate take an argument */
	case 0xf3:
		k->kbd_pending = v;
		i8042__push(k, 0xfa);
		break;
	case 0xee:		/* echo */
		i8042__push(k, 0xee);
		break;
	default:
		i8042__push(k, 0xfa);
	}
}

static void i8042__command(struct i8042 *k, uint8_t v)
{
	switch (v) {
	case 0x20:
		i8042__push(k, k->cmd_byte);
		break;
	case 0x60:		/* write command byte: data follows */
	case 0xd1:		/* write output port: data follows */
	case 0xd2:		/* write keyboard output buffer */
	case 0xd3:		/* write mouse output buffer */
	case 0xd4:		/* write to the mouse */
		k->pending = v;
		break;
	case 0xa7:
		k->cmd_byte |= 0x20;
		break;
	case 0xa8:
		k->cmd_byte &= ~0x20;
		break;
	case 0xa9:		/* mouse interface test: none attached */
		i8042__push(k, 0x02);
		break;
	case 0xaa:		/* controller self test */
		i8042__push(k, 0x55);
		break;
	case 0xab:		/* keyboard interface test */
		i8042__push(k, 0x00);
		break;
	case 0xad:
		k->cmd_byte |= 0x10;
		break;
	case 0xae:
		k->cmd_byte &= ~0x10;
		break;
	case 0xc0:		/* input port */
		i8042__push(k, 0x80);
		break;
	case 0xd0:
		i8042__push(k, k->outport);
		break;
	case 0xdd:		/* A20 off/on (some chipsets) */
		k->outport &= ~OUTPORT_A20;
		break;
	case 0xdf:
		k->outport |= OUTPORT_A20;
		break;
	case 0xfe:
		i8042__reset(k, "i8042 command 0xfe");
		break;
	default:
		/* 0xf0-0xff pulse output lines; bit 0 is reset. */
		if (v >= 0xf0 && !(v & 1))
			i8042__reset(k, "i8042 output pulse");
	}
}

static void i8042__in(void *opaque, uint16_t port, uint8_t *data, int size)
{
	struct i8042 *k = opaque;
	uint8_t v;

	memset(data, 0, size);
	pthread_mutex_lock(&k->lock);
	if (port == 0x64) {
		v = k->status | STAT_SYS | STAT_UNLOCKED |
		    (k->count ? STAT_OBF : 0);
	} else if (k->count) {
		v = k->queue[k->head];
		k->head = (k->head + 1) % QUEUE;
		k->count--;
	} else {
		v = 0;
	}
	pthread_mutex_unlock(&k->lock);
	data[0] = v;
}

static void i8042__out(void *opaque, uint16_t port, const uint8_t *data,
		       int size)
{
	struct i8042 *k = opaque;
	uint8_t v = data[0], cmd;

	(void)size;
	pthread_mutex_lock(&k->lock);
	if (port == 0x64) {
		k->status |= STAT_CMD;
		k->pending = 0;
		i8042__command(k, v);
		pthread_mutex_unlock(&k->lock);
		return;
	}
	k->status &= ~STAT_CMD;
	cmd = k->pending;
	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->cmd_byte = v;
		break;
	case 0xd1:
		k->outport = v;
		if (!(v & OUTPORT_RESET))
			i8042__reset(k, "i8042 output port reset line");
		break;
	case 0xd2:
	case 0xd3:
		i8042__push(k, v);
		break;
	case 0xd4:		/* no mouse: nothing answers */
		break;
	default:
		i8042__kbd(k, v);
	}
	pthread_mutex_unlock(&k->lock);
}

/* Port 0x92, "fast A20": bit 1 A20 (always on), bit 0 resets. */
static void port92__in(void *opaque, uint16_t port, uint8_t *data,
		       int size)
{
	(void)opaque;
	(void)port;
	memset(data, 0, size);
	data[0] = OUTPORT_A20;
}

static void port92__out(void *opaque, uint16_t port, const uint8_t *data,
			int size)
{
	(void)port;
	(void)size;
	if (data[0] & 1)
		i8042__reset(opaque, "port 0x92 bit 0");
}

/* io__destroy: once, through the data port's registration. */
static void i8042__release(void *opaque)
{
	struct i8042 *k = opaque;

	pthread_mutex_destroy(&k->lock);
	free(k);
}

int i8042__init(struct machine *m)
{
	struct i8042 *k = xzalloc(sizeof(*k));
	struct io_dev data = {
		.name = "i8042-data",
		.base = 0x60,
		.len = 1,
		.in = i8042__in,
		.out = i8042__out,
		.opaque = k,
	};
	struct io_dev cmd = data;
	int r;

	k->m = m;
	pthread_mutex_init(&k->lock, NULL);
	k->cmd_byte = 0x61;	/* translate, system flag, kbd interrupt */
	k->outport = OUTPORT_RESET | OUTPORT_A20;
	cmd.name = "i8042-cmd";
	cmd.base = 0x64;
	struct io_dev a20 = {
		.name = "port92",
		.base = 0x92,
		.len = 1,
		.in = port92__in,
		.out = port92__out,
		.opaque = k,
	};

	data.release = i8042__release;
	r = io__register(&m->io, &data);
	if (r < 0)
		return r;
	r = io__register(&m->io, &a20);
	if (r < 0)
		return r;
	return io__register(&m->io, &cmd);
}
