/*
 * hvdbg's own local APIC, for accelerators without an in-kernel irqchip
 * (/dev/hvdbg, or /dev/kvm with --irqchip off): just enough of the page
 * at 0xfee00000 for a boot processor to start the others with INIT and
 * STARTUP IPIs.  Nothing else is delivered: there is no interrupt
 * controller behind it.
 */
#ifndef HVDBG_LAPIC_H
#define HVDBG_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#define LAPIC_BASE		0xfee00000ULL
#define LAPIC_SIZE		0x1000ULL

struct machine;
struct vcpu;

/* One vCPU's registers; only its own thread reads or writes them. */
struct lapic {
	uint32_t svr;
	uint32_t icr_lo, icr_hi;
};

/* Is gpa in the local APIC page, and is the page the model's? */
bool lapic__owns(struct machine *m, uint64_t gpa);
/* Serve v's access described by run->mmio (v's own thread). */
void lapic__mmio(struct vcpu *v, struct kvm_run *run);
/* Registers as after RESET (before v's thread starts). */
void lapic__reset(struct vcpu *v);

/*
 * Put v's backend vCPU in the state INIT leaves (real mode at F000:FFF0,
 * CS base 0xffff0000, paging and long mode off), or start it at SIPI
 * vector vec (CS = vec << 8, base vec << 12, IP 0).  Called by v's
 * thread, or by another while v is parked and cannot start.
 */
int lapic__init_state(struct vcpu *v);
int lapic__sipi_state(struct vcpu *v, uint8_t vec);

#endif
