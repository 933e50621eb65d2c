/*
 * Backend failures in words.  When KVM gives up on a vCPU it says so with
 * numbers: an internal-error suberror with a few data words, or a VM
 * entry failure with the hardware's reason code.  These functions turn
 * them into text a user can act on.  They only read the run area's
 * fields and know nothing of the machine, so unit tests drive them with
 * hand-made kvm_run structures.
 */
#ifndef HVDBG_EXITINFO_H
#define HVDBG_EXITINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Whose exit codes the hardware words are: they differ completely. */
enum exitinfo_vendor {
	EXITINFO_UNKNOWN,
	EXITINFO_SVM,		/* AMD: VMCB EXITCODE */
	EXITINFO_VMX,		/* Intel: basic exit reason */
};

/* From KVM_GET_SUPPORTED_CPUID's leaf 0 vendor string; NULL: unknown. */
enum exitinfo_vendor exitinfo__vendor(const struct kvm_cpuid2 *cpuid);

/* "instruction emulation failed" for KVM_INTERNAL_ERROR_EMULATION... */
const char *exitinfo__suberror(uint32_t suberror);

/* A hardware exit code by name ("NPF (nested page fault)"), or NULL. */
const char *exitinfo__hw_exit(enum exitinfo_vendor v, uint64_t code);

/*
 * Describe a KVM_EXIT_INTERNAL_ERROR in buf, as lines that each end in a
 * newline: "KVM internal error 1 (instruction emulation failed: ...)",
 * then one indented line per thing KVM attached (instruction bytes, the
 * hardware exit, further data words).  Cut short if buf is too small.
 * Returns buf.
 */
char *exitinfo__internal(const struct kvm_run *run, enum exitinfo_vendor v,
			 char *buf, size_t size);

/*
 * Was an event being delivered when KVM gave up (from the data words of
 * a KVM_EXIT_INTERNAL_ERROR)?  type: 0 external interrupt, 2 NMI,
 * 3 exception, 4 software interrupt...; vector: its IDT vector.
 */
bool exitinfo__delivering(const struct kvm_run *run, unsigned int *type,
			  unsigned int *vector);

/* The same for KVM_EXIT_FAIL_ENTRY. */
char *exitinfo__fail_entry(const struct kvm_run *run, enum exitinfo_vendor v,
			   char *buf, size_t size);

#endif
