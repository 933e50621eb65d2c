/*
 * nullstub: libgdbstub serving the null target (nulltarget.c), an
 * x86-64 machine that costs nothing.  It is the floor the benchmark
 * compares the real monitor against, and the peer the RSP conformance
 * tests talk to.
 *
 *	nullstub [-m MiB] [--threads N] [--debug-rsp] tcp:HOST:PORT|unix:PATH
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/nulltarget.h"

static void log_stderr(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	fputs("nullstub: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(void)
{
	fprintf(stderr, "usage: nullstub [-m MiB] [--threads N] "
		"[--debug-rsp] tcp:[HOST]:PORT|unix:PATH\n");
	exit(2);
}

static long number_arg(const char *opt, const char *val, long min, long max)
{
	char *end;
	long v;

	if (!val)
		usage();
	errno = 0;
	v = strtol(val, &end, 0);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "nullstub: %s: %s: expected %ld..%ld\n", opt,
			val, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct null_target nt;
	struct gdbstub_config cfg = {
		.arch = &gdbstub_arch_x86_64,
		.ops = &null_target_ops,
		.target = &nt,
	};
	const char *spec = NULL;
	char err[256];
	long mib = 32, nthreads = 1;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m"))
			mib = number_arg("-m", argv[++i], 1, 65536);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = number_arg("--threads", argv[++i], 1,
					      NULL_MAX_THREADS);
		else if (!strcmp(argv[i], "--debug-rsp"))
			cfg.log = log_stderr;
		else if (argv[i][0] == '-' || spec)
			usage();
		else
			spec = argv[i];
	}
	if (!spec)
		usage();
	ret = null_target_init(&nt, nthreads, (size_t)mib << 20);
	if (ret < 0) {
		fprintf(stderr, "nullstub: %ld MiB: %s\n", mib,
			strerror(-ret));
		return 1;
	}
	nt.stub = gdbstub_new(&cfg);
	if (!nt.stub) {
		fprintf(stderr, "nullstub: %s\n", strerror(errno));
		return 1;
	}
	if (gdbstub_listen(nt.stub, spec, err, sizeof(err)) < 0) {
		fprintf(stderr, "nullstub: %s\n", err);
		return 1;
	}
	/* Held at the first instruction, as the monitor's -S does. */
	null_target_report(&nt, GDBSTUB_STOP_SIGNAL, 1, GDBSTUB_SIGTRAP);
	printf("listening on %s\n", spec);
	fflush(stdout);
	ret = gdbstub_serve(nt.stub);
	gdbstub_free(nt.stub);
	null_target_fini(&nt);
	if (ret < 0) {
		fprintf(stderr, "nullstub: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
