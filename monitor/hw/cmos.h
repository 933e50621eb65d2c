/*
 * CMOS RAM and RTC at ports 0x70-0x71, with the memory-size registers
 * firmware reads to size RAM (see cmos.c).
 */
#ifndef HVDBG_HW_CMOS_H
#define HVDBG_HW_CMOS_H

struct machine;

/* Call after guest RAM is sized.  Returns 0 or -EBUSY. */
int cmos__init(struct machine *m, int nr_cpus);

#endif
