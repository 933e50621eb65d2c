/*
 * COM1 as an 8250 with a FIFO-less transmitter that is always ready: LSR
 * reports THR empty and transmitter idle, so polling guests never wait.
 * Writes to THR go straight to the chosen output.  The divisor latch and
 * scratch registers keep what the guest wrote because firmware probes for
 * a UART by writing and reading them back.  Called from vCPU threads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/hw/uart8250.h"
#include "monitor/machine.h"
#include "monitor/util.h"

#define UART_BASE	0x3f8
#define UART_LEN	8

#define UART_RBR_THR	0	/* DLL when DLAB */
#define UART_IER	1	/* DLM when DLAB */
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_LCR_DLAB	0x80
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_IIR_NONE	0x01
/* CTS, DSR and DCD asserted: a terminal is attached. */
#define UART_MSR_IDLE	0xb0

struct uart8250 {
	pthread_mutex_t lock;
	int fd;			/* -1: output discarded */
	uint8_t dll, dlm, ier, lcr, mcr, scr;
};

static void uart8250__in(void *opaque, uint16_t port, uint8_t *data,
			 int size)
{
	struct uart8250 *u = opaque;
	uint8_t v = 0;

	pthread_mutex_lock(&u->lock);
	switch (port - UART_BASE) {
	case UART_RBR_THR:
		v = (u->lcr & UART_LCR_DLAB) ? u->dll : 0;
		break;
	case UART_IER:
		v = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		v = UART_IIR_NONE;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT;
		break;
	case UART_MSR:
		v = UART_MSR_IDLE;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	pthread_mutex_unlock(&u->lock);
	memset(data, 0, size);
	data[0] = v;
}

static void uart8250__putc(struct uart8250 *u, uint8_t c)
{
	ssize_t r;

	if (u->fd < 0)
		return;
	do {
		r = write(u->fd, &c, 1);
	} while (r < 0 && errno == EINTR);
}

static void uart8250__out(void *opaque, uint16_t port, const uint8_t *data,
			  int size)
{
	struct uart8250 *u = opaque;
	uint8_t v = data[0];

	(void)size;
	pthread_mutex_lock(&u->lock);
	switch (port - UART_BASE) {
	case UART_RBR_THR:
		if (u->lcr & UART_LCR_DLAB)
			u->dll = v;
		else
			uart8250__putc(u, v);
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	}
	pthread_mutex_unlock(&u->lock);
}

static void uart8250__release(void *opaque)
{
	struct uart8250 *u = opaque;

	if (u->fd > STDERR_FILENO)
		close(u->fd);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

int uart8250__init(struct machine *m, const char *spec)
{
	struct uart8250 *u = xzalloc(sizeof(*u));
	struct io_dev dev = {
		.name = "uart8250",
		.base = UART_BASE,
		.len = UART_LEN,
		.in = uart8250__in,
		.out = uart8250__out,
		.opaque = u,
		.release = uart8250__release,
	};

	pthread_mutex_init(&u->lock, NULL);
	if (!strcmp(spec, "stdio")) {
		u->fd = STDOUT_FILENO;
	} else if (!strcmp(spec, "none")) {
		u->fd = -1;
	} else if (!strncmp(spec, "file:", 5) && spec[5]) {
		u->fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC |
			     O_CLOEXEC, 0644);
		if (u->fd < 0) {
			pr_warn("%s: %s", spec + 5, strerror(errno));
			return -1;
		}
	} else {
		pr_warn("--serial %s: expected stdio, file:PATH or none", spec);
		return -1;
	}
	if (io__register(&m->io, &dev) < 0) {
		pr_warn("uart8250: port 0x%x already taken", UART_BASE);
		return -1;
	}
	return 0;
}
