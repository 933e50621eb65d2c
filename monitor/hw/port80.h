/*
 * Port 0x80, the POST-code and I/O-delay port: firmware and old kernels
 * write it constantly; it is ignored, and registered only so those writes
 * are not logged as unhandled.
 */
#ifndef HVDBG_HW_PORT80_H
#define HVDBG_HW_PORT80_H

struct machine;

int port80__init(struct machine *m);

#endif
