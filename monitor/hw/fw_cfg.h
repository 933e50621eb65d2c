/*
 * QEMU's firmware configuration interface (ports 0x510/0x511), with the
 * few items a firmware image needs to find its console (see fw_cfg.c).
 */
#ifndef HVDBG_HW_FW_CFG_H
#define HVDBG_HW_FW_CFG_H

struct machine;

int fw_cfg__init(struct machine *m, int nr_cpus);

#endif
