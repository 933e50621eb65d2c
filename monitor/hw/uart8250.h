/*
 * A minimal 8250/16550 UART at COM1 (0x3f8): enough for a guest that
 * writes bytes to THR and polls LSR.  No interrupts, no receive path.
 */
#ifndef HVDBG_HW_UART8250_H
#define HVDBG_HW_UART8250_H

struct machine;

/*
 * spec is "stdio", "file:PATH" or "none".  Returns 0, or -1 after
 * printing "hvdbg: ..." when the spec is bad or the file cannot be opened.
 */
int uart8250__init(struct machine *m, const char *spec);

#endif
