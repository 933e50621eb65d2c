/*
 * The contract between the probe guest (probe-guest.S) and probe.c:
 * where the guest lives, which ports it talks on, where its tables and
 * data go.  Included from assembly too, so macros only.
 */
#ifndef HVDBG_PROBE_GUEST_H
#define HVDBG_PROBE_GUEST_H

#define PROBE_BASE		0x8000
#define PROBE_RAM		0x200000
#define PROBE_STACK		0x7000
#define PROBE_IDT32		0x3000
#define PROBE_IDT64		0x4000
#define PROBE_WDATA		0x6000	/* written by the body */
#define PROBE_RDATA		0x6010	/* read by the body */
#define PROBE_PML4		0x20000	/* PDPT and PD follow */

#define PROBE_PORT_READY	0xe0	/* value: the mode now ready */
#define PROBE_PORT_VECTOR	0xe1	/* value: vector the guest took */
#define PROBE_PORT_DONE		0xe2	/* the body ran to its end */

#define PROBE_MODE_REAL		0
#define PROBE_MODE_PROT32	1
#define PROBE_MODE_LONG64	2
#define PROBE_MODE_END		3

#ifndef __ASSEMBLER__
#include <stdint.h>

extern const uint8_t probe_guest_start[], probe_guest_end[];
extern const uint8_t probe_body16[], probe_hb16[], probe_int3_16[];
extern const uint8_t probe_body32[], probe_hb32[], probe_int3_32[];
extern const uint8_t probe_body64[], probe_hb64[], probe_int3_64[];
#endif

#endif
