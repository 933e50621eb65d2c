/*
 * Raw images: a file copied byte for byte to a guest-physical address
 * (boot sectors, flat binaries).  Also the file reader the other loaders
 * share, so every loader fails with the same "hvdbg: FILE: reason" lines.
 */
#ifndef HVDBG_LOADER_RAW_H
#define HVDBG_LOADER_RAW_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/*
 * Read all of path (at most max bytes) into a new buffer.  Prints
 * "hvdbg: PATH: reason" and returns -1 on a missing, unreadable, empty or
 * oversized file.
 */
int loader__read_file(const char *path, size_t max, uint8_t **buf,
		      size_t *size);

/*
 * Read path for loading at guest-physical addr in ram_size bytes of RAM,
 * checking that it fits; prints the error and returns -1.  Done before
 * the accelerator is opened so file errors come first.
 */
int raw__read(const char *path, uint64_t addr, uint64_t ram_size,
	      uint8_t **buf, size_t *size);
/* Copy an image read by raw__read into guest RAM. */
void raw__place(struct machine *m, uint64_t addr, const uint8_t *buf,
		size_t size);

#endif
