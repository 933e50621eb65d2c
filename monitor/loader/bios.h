/*
 * BIOS images (SeaBIOS's bios.bin and the like): mapped so that they end
 * at 1 MiB (their last 128 KiB, the part a PC shows there) and at 4 GiB
 * (all of it, read-only), for a vCPU starting at the reset vector.
 */
#ifndef HVDBG_LOADER_BIOS_H
#define HVDBG_LOADER_BIOS_H

#include <stddef.h>
#include <stdint.h>

struct machine;

#define BIOS_MAX_SIZE	(16u << 20)

/* Read the image; prints "hvdbg: FILE: reason" and returns -1. */
int bios__read(const char *path, uint8_t **buf, size_t *size);
/* Map an image read by bios__read; prints the error and returns -1. */
int bios__place(struct machine *m, const char *path, const uint8_t *buf,
		size_t size);

#endif
