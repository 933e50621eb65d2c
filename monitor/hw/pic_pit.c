/*
 * PIC and PIT.  Where the accelerator has them (KVM_CREATE_IRQCHIP,
 * KVM_CREATE_PIT2) they live there: timer interrupts then reach the
 * guest, and a HLT waits in the kernel for one instead of exiting to
 * the monitor.  That is what a firmware or an OS kernel needs, so it is
 * the default for --bios and --kernel guests.
 *
 * Otherwise (plain --load guests, --irqchip off, or an accelerator
 * without them) the monitor models their registers only: the PICs keep
 * their initialization words and masks and read back as a PC's do, the
 * PIT's counters count down at 1.193182 MHz of host time and can be
 * latched and read, and port 0x61 shows channel 2's output, which is
 * what firmware calibrates its delay loops against.  No interrupt is
 * ever raised in this model.  Called from vCPU threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/hw/pic_pit.h"
#include "monitor/machine.h"
#include "monitor/util.h"

#define PIT_HZ		1193182ULL

/* Only what reads back: no interrupt is raised, so IRR/ISR stay 0. */
struct pic {
	uint8_t imr;
	uint8_t icw_step;	/* 0: ready; 2..4: next ICW expected */
	uint8_t icw4_needed;
};

struct pit_channel {
	uint8_t mode;		/* 0-5 */
	uint8_t access;		/* 1 lo, 2 hi, 3 lo then hi */
	bool write_hi;		/* next write is the high byte */
	bool read_hi;		/* next read is the high byte */
	bool latched;
	uint16_t latch;
	uint32_t reload;	/* 1-65536 */
	uint64_t start_ns;	/* when reload was loaded */
};

struct pic_pit {
	pthread_mutex_t lock;
	struct pic pic[2];
	struct pit_channel ch[3];
	uint8_t port61;		/* gate 2 (bit 0), speaker (bit 1) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t pit_ticks(const struct pit_channel *c)
{
	return (now_ns() - c->start_ns) * PIT_HZ / 1000000000ULL;
}

static uint16_t pit_count(const struct pit_channel *c)
{
	uint64_t t = pit_ticks(c);

	if (c->mode == 0 || c->mode == 1 || c->mode == 4 || c->mode == 5)
		return (uint16_t)(c->reload - t);	/* wraps on */
	return (uint16_t)(c->reload - t % c->reload);
}

static bool pit_out(const struct pit_channel *c)
{
	uint64_t t = pit_ticks(c);

	switch (c->mode) {
	case 0:
	case 1:
		return t >= c->reload;
	case 3:
		return t % c->reload < (c->reload + 1) / 2;
	default:
		return t % c->reload != c->reload - 1;
	}
}

static void pic_in(struct pic *p, int reg, uint8_t *v)
{
	if (reg == 1)
		*v = p->imr;
	else
		*v = 0;		/* IRR and ISR: nothing ever pending */
}

static void pic_out(struct pic *p, int reg, uint8_t v)
{
	if (reg == 0 && (v & 0x10)) {		/* ICW1 */
		p->icw_step = 2;
		p->icw4_needed = v & 1;
		p->imr = 0;
		return;
	}
	if (reg == 0)
		return;		/* OCW2 (EOI), OCW3: nothing is pending */
	switch (p->icw_step) {
	case 2:			/* vector base: no vectors are delivered */
		p->icw_step = 3;
		break;
	case 3:
		p->icw_step = p->icw4_needed ? 4 : 0;
		break;
	case 4:
		p->icw_step = 0;
		break;
	default:
		p->imr = v;
	}
}

static void pit_out_port(struct pic_pit *s, uint16_t port, uint8_t v)
{
	struct pit_channel *c;

	if (port == 0x43) {
		int n = v >> 6;

		if (n == 3)
			return;		/* read-back: not modelled */
		c = &s->ch[n];
		if (!(v & 0x30)) {	/* counter latch */
			c->latch = pit_count(c);
			c->latched = true;
			c->read_hi = false;
			return;
		}
		c->access = (v >> 4) & 3;
		c->mode = (v >> 1) & 7;
		if (c->mode > 5)
			c->mode -= 4;
		c->write_hi = false;
		c->read_hi = false;
		c->latched = false;
		return;
	}
	c = &s->ch[port - 0x40];
	if (c->access == 1 || (c->access == 3 && !c->write_hi)) {
		c->reload = (c->reload & 0xff00) | v;
		if (c->access == 3) {
			c->write_hi = true;
			return;
		}
	} else {
		c->reload = (c->reload & 0x00ff) | (v << 8);
		c->write_hi = false;
	}
	c->reload &= 0xffff;
	if (!c->reload)
		c->reload = 0x10000;
	c->start_ns = now_ns();
}

static uint8_t pit_in_port(struct pic_pit *s, uint16_t port)
{
	struct pit_channel *c = &s->ch[port - 0x40];
	uint16_t count = c->latched ? c->latch : pit_count(c);
	uint8_t v;

	if (c->access == 2 || (c->access == 3 && c->read_hi)) {
		v = count >> 8;
		c->read_hi = false;
		c->latched = false;
	} else {
		v = count;
		if (c->access == 3)
			c->read_hi = true;
		else
			c->latched = false;
	}
	return v;
}

static void pic_pit__in(void *opaque, uint16_t port, uint8_t *data,
			int size)
{
	struct pic_pit *s = opaque;
	uint8_t v = 0;

	memset(data, 0, size);
	pthread_mutex_lock(&s->lock);
	if (port == 0x20 || port == 0x21)
		pic_in(&s->pic[0], port & 1, &v);
	else if (port == 0xa0 || port == 0xa1)
		pic_in(&s->pic[1], port & 1, &v);
	else if (port >= 0x40 && port <= 0x42)
		v = pit_in_port(s, port);
	else if (port == 0x61)
		v = (s->port61 & 3) | (pit_out(&s->ch[2]) ? 0x20 : 0) |
		    ((now_ns() / 15000) & 1 ? 0x10 : 0);	/* refresh */
	pthread_mutex_unlock(&s->lock);
	data[0] = v;
}

static void pic_pit__out(void *opaque, uint16_t port, const uint8_t *data,
			 int size)
{
	struct pic_pit *s = opaque;

	(void)size;
	pthread_mutex_lock(&s->lock);
	if (port == 0x20 || port == 0x21)
		pic_out(&s->pic[0], port & 1, data[0]);
	else if (port == 0xa0 || port == 0xa1)
		pic_out(&s->pic[1], port & 1, data[0]);
	else if (port >= 0x40 && port <= 0x43)
		pit_out_port(s, port, data[0]);
	else if (port == 0x61)
		s->port61 = data[0] & 3;
	pthread_mutex_unlock(&s->lock);
}

/* io__destroy: once, through the first range's registration. */
static void pic_pit__release(void *opaque)
{
	struct pic_pit *s = opaque;

	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int pic_pit__monitor(struct machine *m)
{
	static const uint16_t ranges[][2] = {
		{ 0x20, 2 }, { 0xa0, 2 }, { 0x40, 4 }, { 0x61, 1 },
	};
	struct pic_pit *s = xzalloc(sizeof(*s));
	size_t i;
	int r;

	pthread_mutex_init(&s->lock, NULL);
	s->pic[0].imr = s->pic[1].imr = 0xff;
	for (i = 0; i < 3; i++) {
		s->ch[i].reload = 0x10000;
		s->ch[i].access = 3;
		s->ch[i].mode = 3;
		s->ch[i].start_ns = now_ns();
	}
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		struct io_dev dev = {
			.name = "pic-pit",
			.base = ranges[i][0],
			.len = ranges[i][1],
			.in = pic_pit__in,
			.out = pic_pit__out,
			.opaque = s,
			.release = i ? NULL : pic_pit__release,
		};

		r = io__register(&m->io, &dev);
		if (r < 0)
			return r;
	}
	return 0;
}

int pic_pit__init(struct machine *m, bool in_kernel, bool required)
{
	const struct backend_ops *ops = m->be.ops;
	int r = -ENOTSUP;

	if (in_kernel && ops->create_irqchip && ops->create_pit) {
		r = ops->create_irqchip(&m->vm);
		if (!r)
			r = ops->create_pit(&m->vm);
		if (!r) {
			m->irqchip = true;
			return 0;
		}
	}
	if (in_kernel && required) {
		pr_warn("--irqchip on: %s: no in-kernel irqchip and PIT: %s",
			m->be.path, strerror(-r));
		return -1;
	}
	/* An irqchip made without its PIT stays; the ports are ours. */
	r = pic_pit__monitor(m);
	if (r < 0)
		pr_warn("pic-pit: cannot register its ports: %s",
			strerror(-r));
	return r;
}
