/*
 * The PC's 8259A interrupt controllers (0x20/0x21, 0xa0/0xa1) and 8254
 * timer (0x40-0x43, with the gate and output of channel 2 at port 0x61).
 * See pic_pit.c for where they live.
 */
#ifndef HVDBG_HW_PIC_PIT_H
#define HVDBG_HW_PIC_PIT_H

#include <stdbool.h>

struct machine;

/*
 * in_kernel: ask the accelerator for its irqchip and PIT; where it has
 * none, fall back to the monitor's model unless required (then print
 * why and return -1).  Must run before the first vCPU is created.
 */
int pic_pit__init(struct machine *m, bool in_kernel, bool required);

#endif
