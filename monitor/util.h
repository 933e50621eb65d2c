/*
 * Small helpers shared by the whole monitor: the one-line error style
 * ("hvdbg: THING: reason"), size parsing for -m, and checked allocation.
 * Everything user-facing that fails goes through here so the message
 * format stays the same everywhere.
 */
#ifndef HVDBG_UTIL_H
#define HVDBG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KiB		(1024ULL)
#define MiB		(1024ULL * KiB)
#define GiB		(1024ULL * MiB)

/* Print "hvdbg: <message>" on stderr and exit with status 1. */
void die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* Print "hvdbg: <message>" on stderr and carry on. */
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xzalloc(size_t size);
char *xstrdup(const char *s);

/*
 * Parse "64M", "1G", "512K" or a plain byte count.  Returns 0, or -1 when
 * the text is not a size.
 */
int parse_size(const char *text, uint64_t *out);

/* Parse an unsigned number in C syntax (0x.., 0.., decimal), whole string. */
int parse_u64(const char *text, uint64_t *out);

#endif
