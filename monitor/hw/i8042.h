/*
 * i8042 keyboard controller at 0x60/0x64; a reset through it ends the
 * machine (see i8042.c).
 */
#ifndef HVDBG_HW_I8042_H
#define HVDBG_HW_I8042_H

struct machine;

int i8042__init(struct machine *m);

#endif
