/*
 * Helpers for the monitor's error reporting and argument parsing.  The
 * error helpers keep every user-facing failure to one line that names the
 * thing that failed and why, so scripts and tests can match on it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/util.h"

static void vprint(const char *fmt, va_list ap)
{
	fputs("hvdbg: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	exit(1);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void *xzalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

int parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (!*text || *text == '-')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 0);
	if (errno || *end)
		return -1;
	return 0;
}

int parse_size(const char *text, uint64_t *out)
{
	uint64_t v, mult = 1;
	char *end;

	if (!*text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K':
		mult = KiB;
		end++;
		break;
	case 'm': case 'M':
		mult = MiB;
		end++;
		break;
	case 'g': case 'G':
		mult = GiB;
		end++;
		break;
	}
	/* Accept "64MiB" and "64MB" too; anything else is a typo. */
	if (mult != 1 && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end)
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}
