/*
 * The debug-exit port (0xf4, one byte), as QEMU's isa-debug-exit at
 * iobase=0xf4: a guest that writes V ends hvdbg with status (V << 1) | 1.
 * Test guests use it to report their result.
 */
#ifndef HVDBG_HW_DEBUG_EXIT_H
#define HVDBG_HW_DEBUG_EXIT_H

#define DEBUG_EXIT_PORT	0xf4

struct machine;

int debug_exit__init(struct machine *m);

#endif
