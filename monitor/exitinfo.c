/*
 * Backend failures in words (see exitinfo.h).  The layouts decoded here
 * are those of the KVM ABI: internal.suberror and ndata/data[], the
 * emulation_failure overlay whose flags say which fields are valid, and
 * fail_entry.  The data words after the defined fields are "not ABI" by
 * KVM's own comment, so they are all shown as numbers, and only read
 * as Linux (5.15 to 6.x) lays them out: the hardware exit code, exit
 * information 1 and 2, and the event being delivered (the same format
 * on both vendors: valid bit 31, type in bits 10:8, vector in 7:0).  A
 * kernel that changes that order gets a wrong name next to a right
 * number, never a wrong number.  Exit code names follow the vendors' manuals (AMD APM
 * vol. 2 appendix C, Intel SDM vol. 3 appendix C).
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "monitor/exitinfo.h"
#include "monitor/util.h"

enum exitinfo_vendor exitinfo__vendor(const struct kvm_cpuid2 *cpuid)
{
	char id[13];
	uint32_t i;

	if (!cpuid)
		return EXITINFO_UNKNOWN;
	for (i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 0)
			continue;
		memcpy(id, &e->ebx, 4);
		memcpy(id + 4, &e->edx, 4);
		memcpy(id + 8, &e->ecx, 4);
		id[12] = 0;
		if (!strcmp(id, "AuthenticAMD") || !strcmp(id, "HygonGenuine"))
			return EXITINFO_SVM;
		if (!strcmp(id, "GenuineIntel"))
			return EXITINFO_VMX;
	}
	return EXITINFO_UNKNOWN;
}

const char *exitinfo__suberror(uint32_t suberror)
{
	static const char *const words[] = {
		[KVM_INTERNAL_ERROR_EMULATION] =
			"instruction emulation failed: KVM had to emulate "
			"an instruction and could not",
		[KVM_INTERNAL_ERROR_SIMUL_EX] =
			"simultaneous exceptions: a fault while KVM was "
			"delivering another one",
		[KVM_INTERNAL_ERROR_DELIVERY_EV] =
			"event delivery failed: a VM exit KVM cannot handle "
			"happened while an interrupt or exception was being "
			"delivered through the guest's IDT",
		[KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] =
			"unexpected exit: the hardware reported an exit "
			"reason KVM does not handle",
	};

	if (suberror < ARRAY_SIZE(words) && words[suberror])
		return words[suberror];
	return "unknown suberror";
}

/* SVM's exception intercepts, 0x40 + vector. */
static const char *const svm_vec[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "coprocessor overrun", "#TS", "#NP", "#SS", "#GP",
	"#PF", "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE",
	"#CP", "vector 22", "vector 23", "vector 24", "vector 25",
	"vector 26", "vector 27", "#HV", "#VC", "#SX", "vector 31",
};

static const char *svm_exit(uint64_t code)
{
	if (code < 0x10)
		return "CR read";
	if (code < 0x20)
		return "CR write";
	if (code < 0x30)
		return "DR read";
	if (code < 0x40)
		return "DR write";
	if (code < 0x60)
		return svm_vec[code - 0x40];
	switch (code) {
	case 0x60: return "INTR (physical interrupt)";
	case 0x61: return "NMI";
	case 0x62: return "SMI";
	case 0x63: return "INIT";
	case 0x64: return "VINTR (virtual interrupt window)";
	case 0x65: return "CR0 selective write";
	case 0x6e: return "RDTSC";
	case 0x72: return "CPUID";
	case 0x75: return "INTn (software interrupt)";
	case 0x78: return "HLT";
	case 0x7b: return "IOIO (port I/O)";
	case 0x7c: return "MSR";
	case 0x7d: return "task switch";
	case 0x7f: return "SHUTDOWN (triple fault)";
	case 0x80: return "VMRUN";
	case 0x81: return "VMMCALL";
	case 0x400: return "NPF (nested page fault)";
	case 0x401: return "AVIC incomplete IPI";
	case 0x402: return "AVIC access to an unaccelerated register";
	case 0x403: return "VMGEXIT";
	case (uint64_t)-1:
		return "INVALID (VMRUN found the guest state invalid)";
	}
	return NULL;
}

static const char *vmx_exit(uint64_t code)
{
	switch (code & 0xffff) {
	case 0: return "exception or NMI";
	case 1: return "external interrupt";
	case 2: return "triple fault";
	case 3: return "INIT";
	case 7: return "interrupt window";
	case 8: return "NMI window";
	case 9: return "task switch";
	case 10: return "CPUID";
	case 12: return "HLT";
	case 18: return "VMCALL";
	case 28: return "control-register access";
	case 29: return "debug-register access";
	case 30: return "I/O instruction";
	case 31: return "RDMSR";
	case 32: return "WRMSR";
	case 33: return "VM entry failure: invalid guest state";
	case 34: return "VM entry failure: MSR loading";
	case 37: return "monitor trap flag";
	case 41: return "VM entry failure: machine-check event";
	case 44: return "APIC access";
	case 48: return "EPT violation";
	case 49: return "EPT misconfiguration";
	}
	return NULL;
}

const char *exitinfo__hw_exit(enum exitinfo_vendor v, uint64_t code)
{
	switch (v) {
	case EXITINFO_SVM:
		return svm_exit(code);
	case EXITINFO_VMX:
		return vmx_exit(code);
	default:
		return NULL;
	}
}

/* Append to buf, never past its end. */
static void add(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strnlen(buf, size);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static void add_hw_exit(char *buf, size_t size, enum exitinfo_vendor v,
			uint64_t code)
{
	const char *name = exitinfo__hw_exit(v, code);

	add(buf, size, "  hardware exit 0x%llx: %s%s\n",
	    (unsigned long long)code,
	    v == EXITINFO_SVM && code >= 0x40 && code < 0x60 ?
	    "exception intercepted: " : "",
	    name ? name :
	    v == EXITINFO_UNKNOWN ? "(vendor unknown)" : "(no name known)");
}

/* Where exitinfo__internal's data words start after the overlay. */
static uint32_t internal_skip(const struct kvm_run *run)
{
	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    run->internal.ndata < 1)
		return 0;
	if (run->emulation_failure.flags &
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES &&
	    run->internal.ndata >= 3)
		return 3;
	return 1;
}

bool exitinfo__delivering(const struct kvm_run *run, unsigned int *type,
			  unsigned int *vector)
{
	uint32_t ndata = run->internal.ndata, skip = internal_skip(run);
	uint64_t info;

	if (ndata > ARRAY_SIZE(run->internal.data))
		ndata = ARRAY_SIZE(run->internal.data);
	/* exit code, info 1, info 2, then the event. */
	if (ndata < skip + 4)
		return false;
	info = run->internal.data[skip + 3];
	if (!(info & 0x80000000u))
		return false;
	*type = (info >> 8) & 7;
	*vector = info & 0xff;
	return true;
}

static void add_event(char *buf, size_t size, unsigned int type,
		      unsigned int vector)
{
	static const char *const types[8] = {
		"external interrupt", "event type 1", "NMI", "exception",
		"software interrupt", "privileged software exception",
		"software exception", "event type 7",
	};

	add(buf, size, "  while delivering %s %s%s(vector %u)\n", types[type],
	    type == 3 && vector < 32 ? svm_vec[vector] : "",
	    type == 3 && vector < 32 ? " " : "", vector);
}

static void add_words(char *buf, size_t size, const char *what,
		      const __u64 *w, uint32_t n)
{
	uint32_t i;

	if (!n)
		return;
	add(buf, size, "  %s:", what);
	for (i = 0; i < n; i++)
		add(buf, size, " %llx", (unsigned long long)w[i]);
	add(buf, size, "\n");
}

char *exitinfo__internal(const struct kvm_run *run, enum exitinfo_vendor v,
			 char *buf, size_t size)
{
	uint32_t sub = run->internal.suberror;
	uint32_t ndata = run->internal.ndata;
	const __u64 *data = run->internal.data;
	uint32_t skip = internal_skip(run);
	unsigned int type, vector;

	if (!size)
		return buf;
	buf[0] = 0;
	/* data[] has 16 words; a larger count is a kernel bug, not ours. */
	if (ndata > ARRAY_SIZE(run->internal.data))
		ndata = ARRAY_SIZE(run->internal.data);
	add(buf, size, "KVM internal error %u (%s)", sub,
	    exitinfo__suberror(sub));
	if (sub == KVM_INTERNAL_ERROR_EMULATION && ndata >= 1) {
		/* The emulation_failure overlay: flags, then what they
		 * say is valid, 64-bit aligned. */
		const __u8 *insn = run->emulation_failure.insn_bytes;
		unsigned int i, n;

		if (skip == 3) {
			n = run->emulation_failure.insn_size;
			if (n > sizeof(run->emulation_failure.insn_bytes))
				n = sizeof(run->emulation_failure.insn_bytes);
			if (!n)
				add(buf, size, "\n  no instruction bytes: KVM "
				    "could not even fetch the instruction");
			else
				add(buf, size, "\n  instruction bytes KVM saw:");
			for (i = 0; i < n; i++)
				add(buf, size, " %02x", insn[i]);
		}
	}
	add(buf, size, "\n");
	if (ndata > skip) {
		add_hw_exit(buf, size, v, data[skip]);
		if (exitinfo__delivering(run, &type, &vector))
			add_event(buf, size, type, vector);
		add_words(buf, size, "more data from KVM", data + skip + 1,
			  ndata - skip - 1);
	}
	return buf;
}

char *exitinfo__fail_entry(const struct kvm_run *run, enum exitinfo_vendor v,
			   char *buf, size_t size)
{
	uint64_t code = run->fail_entry.hardware_entry_failure_reason;
	const char *name = exitinfo__hw_exit(v, code);

	if (!size)
		return buf;
	buf[0] = 0;
	add(buf, size, "VM entry failed on host CPU %u: the hardware refused "
	    "the vCPU's state\n", run->fail_entry.cpu);
	add(buf, size, "  hardware reason 0x%llx: %s\n",
	    (unsigned long long)code,
	    name ? name :
	    v == EXITINFO_UNKNOWN ? "(vendor unknown)" : "(no name known)");
	return buf;
}
