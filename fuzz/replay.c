/*
 * fuzz-replay: runs saved inputs through the fuzz harness without
 * libFuzzer, so that any compiler (and any sanitizer build) replays the
 * corpus and the regressions in `make check'.  A bad reply or a sanitizer
 * finding aborts, as under the fuzzer.
 *
 *	fuzz-replay FILE...
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs are small; anything larger is not one of ours. */
#define REPLAY_MAX	(1 << 20)

int main(int argc, char **argv)
{
	static uint8_t buf[REPLAY_MAX];
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz-replay FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		if (ferror(f) || !feof(f)) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", argv[i],
				ferror(f) ? strerror(errno) : "too large");
			fclose(f);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("replayed %s (%zu bytes)\n", argv[i], n);
	}
	return 0;
}
