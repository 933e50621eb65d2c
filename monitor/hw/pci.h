/*
 * PCI configuration space (0xcf8/0xcfc) with an i440FX host bridge at
 * 00:00.0 and nothing else (see pci.c).
 */
#ifndef HVDBG_HW_PCI_H
#define HVDBG_HW_PCI_H

struct machine;

int pci__init(struct machine *m);

#endif
