/*
 * The testsuite's MMIO device (--test-mmio ADDR): one 4 KiB page of
 * guest-physical address space that is not memory.  Every access to it
 * leaves the guest as an MMIO exit and is served here from a byte
 * store that starts as a known pattern (byte N is MMIO_TEST_BYTE(N)),
 * so a guest can check that loads and stores of every width and
 * addressing form reach the right bytes.  No PC has it; it exists for
 * the tests of the accelerators' instruction emulation.
 */
#ifndef HVDBG_HW_MMIO_TEST_H
#define HVDBG_HW_MMIO_TEST_H

#include <stdint.h>

#define MMIO_TEST_SIZE		4096
#define MMIO_TEST_BYTE(n)	((uint8_t)((n) * 13 + 0x5a))

struct machine;

/* Exits with one line on a bad address. */
int mmio_test__init(struct machine *m, uint64_t gpa);

#endif
