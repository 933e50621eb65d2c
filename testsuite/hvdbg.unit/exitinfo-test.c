/*
 * Unit tests of monitor/exitinfo.c: KVM's internal errors and VM entry
 * failures in words, from run areas filled by hand the way KVM fills
 * them (the layouts measured on kvm_amd and read from the KVM ABI), and
 * the vendor found in a CPUID leaf 0.  Run by unit.exp through
 * host_execute; every line of output is one PASSED or FAILED result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dejagnu.h>

#include "monitor/exitinfo.h"

static void check(int cond, const char *what)
{
	if (cond)
		pass("%s", what);
	else
		fail("%s", what);
}

static void has(const char *text, const char *part, const char *what)
{
	check(strstr(text, part) != NULL, what);
	if (!strstr(text, part))
		note("in: %s", text);
}

/* What kvm_amd gave for a jump to 512 MiB with no memory there. */
static void test_emulation_npf(void)
{
	struct kvm_run run;
	char buf[1024];

	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run.internal.ndata = 6;
	run.internal.data[0] = 0;		/* flags: no bytes */
	run.internal.data[1] = 0x400;		/* NPF */
	run.internal.data[2] = 0x100000014ULL;
	run.internal.data[3] = 0x20000000;
	exitinfo__internal(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "KVM internal error 1 (instruction emulation failed",
	    "emulation failure named");
	has(buf, "\n  hardware exit 0x400: NPF (nested page fault)\n",
	    "SVM exit 0x400 named");
	has(buf, "more data from KVM: 100000014 20000000 0 0\n",
	    "the remaining words shown");
	check(buf[strlen(buf) - 1] == '\n', "every line ends in a newline");
}

static void test_emulation_bytes(void)
{
	struct kvm_run run;
	char buf[1024];

	memset(&run, 0, sizeof(run));
	run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run.internal.ndata = 3;
	run.emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run.emulation_failure.insn_size = 3;
	run.emulation_failure.insn_bytes[0] = 0x0f;
	run.emulation_failure.insn_bytes[1] = 0x01;
	run.emulation_failure.insn_bytes[2] = 0xd9;
	exitinfo__internal(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "instruction bytes KVM saw: 0f 01 d9\n",
	    "instruction bytes shown");
	check(!strstr(buf, "hardware exit"),
	      "no hardware exit when none given");

	run.emulation_failure.insn_size = 0;
	exitinfo__internal(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "no instruction bytes", "an empty fetch said so");

	run.emulation_failure.insn_size = 200;
	exitinfo__internal(&run, EXITINFO_SVM, buf, sizeof(buf));
	check(strlen(buf) < 300, "a bogus instruction size is clamped");
}

/* What kvm_amd gave for ud2 with the IDT at 512 MiB (noidt.S). */
static void test_emulation_delivering(void)
{
	static const uint8_t ud2[15] = { 0x0f, 0x0b, 0xb0, 0x0a };
	struct kvm_run run;
	unsigned int type, vector;
	char buf[1024];

	memset(&run, 0, sizeof(run));
	run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run.internal.ndata = 9;
	run.emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run.emulation_failure.insn_size = 15;
	memcpy(run.emulation_failure.insn_bytes, ud2, sizeof(ud2));
	run.internal.data[3] = 0x400;
	run.internal.data[4] = 0x100000004ULL;
	run.internal.data[5] = 0x20000030;
	run.internal.data[6] = 0x80000306;
	exitinfo__internal(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "instruction bytes KVM saw: 0f 0b b0 0a 00",
	    "bytes before the data words");
	has(buf, "hardware exit 0x400: NPF (nested page fault)\n"
	    "  while delivering exception #UD (vector 6)\n",
	    "the event being delivered named");
	check(exitinfo__delivering(&run, &type, &vector) && type == 3 &&
	      vector == 6, "the event found for the caller");
	run.internal.data[6] = 0x306;
	check(!exitinfo__delivering(&run, &type, &vector),
	      "no event without the valid bit");
	run.internal.ndata = 6;
	check(!exitinfo__delivering(&run, &type, &vector),
	      "no event without its word");
}

static void test_other_suberrors(void)
{
	struct kvm_run run;
	char buf[1024];

	memset(&run, 0, sizeof(run));
	run.internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	run.internal.ndata = 2;
	run.internal.data[0] = 0x4e;		/* #PF intercepted */
	run.internal.data[1] = 7;
	exitinfo__internal(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "KVM internal error 3 (event delivery failed",
	    "delivery failure named");
	has(buf, "hardware exit 0x4e: exception intercepted: #PF",
	    "SVM exception intercept named");

	run.internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
	run.internal.ndata = 0;
	exitinfo__internal(&run, EXITINFO_VMX, buf, sizeof(buf));
	has(buf, "KVM internal error 2 (simultaneous exceptions",
	    "simultaneous exceptions named");
	check(!strchr(buf, '\n') || !strchr(strchr(buf, '\n') + 1, '\n'),
	      "no data words, one line");

	run.internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run.internal.ndata = 2;
	run.internal.data[0] = 48;		/* EPT violation */
	run.internal.data[1] = 1;
	exitinfo__internal(&run, EXITINFO_VMX, buf, sizeof(buf));
	has(buf, "KVM internal error 4 (unexpected exit",
	    "unexpected exit named");
	has(buf, "hardware exit 0x30: EPT violation", "VMX exit 48 named");

	run.internal.suberror = 99;
	run.internal.ndata = 1000;		/* a kernel gone mad */
	exitinfo__internal(&run, EXITINFO_UNKNOWN, buf, sizeof(buf));
	has(buf, "KVM internal error 99 (unknown suberror)",
	    "an unknown suberror keeps its number");
	has(buf, "(vendor unknown)", "no name without a vendor");
	check(strlen(buf) < sizeof(buf) - 1, "ndata beyond data[] is clamped");

	exitinfo__internal(&run, EXITINFO_SVM, buf, 16);
	check(strlen(buf) == 15, "a small buffer is cut, not overrun");
}

static void test_fail_entry(void)
{
	struct kvm_run run;
	char buf[512];

	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_FAIL_ENTRY;
	run.fail_entry.hardware_entry_failure_reason = (uint64_t)-1;
	run.fail_entry.cpu = 1;
	exitinfo__fail_entry(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "VM entry failed on host CPU 1", "entry failure and CPU");
	has(buf, "hardware reason 0xffffffffffffffff: INVALID (VMRUN found "
	    "the guest state invalid)", "SVM_EXIT_ERR named");

	run.fail_entry.hardware_entry_failure_reason = 0x80000021;
	exitinfo__fail_entry(&run, EXITINFO_VMX, buf, sizeof(buf));
	has(buf, "hardware reason 0x80000021: VM entry failure: invalid "
	    "guest state", "VMX invalid guest state named");

	run.fail_entry.hardware_entry_failure_reason = 0x1234;
	exitinfo__fail_entry(&run, EXITINFO_SVM, buf, sizeof(buf));
	has(buf, "hardware reason 0x1234: (no name known)",
	    "an unknown reason keeps its number");
}

static void test_vendor(void)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[2];
	} id;

	check(exitinfo__vendor(NULL) == EXITINFO_UNKNOWN,
	      "no CPUID, no vendor");
	memset(&id, 0, sizeof(id));
	id.c.nent = 2;
	id.e[0].function = 1;
	id.e[1].function = 0;
	memcpy(&id.e[1].ebx, "Auth", 4);
	memcpy(&id.e[1].edx, "enti", 4);
	memcpy(&id.e[1].ecx, "cAMD", 4);
	check(exitinfo__vendor(&id.c) == EXITINFO_SVM, "AMD means SVM");
	memcpy(&id.e[1].ebx, "Genu", 4);
	memcpy(&id.e[1].edx, "ineI", 4);
	memcpy(&id.e[1].ecx, "ntel", 4);
	check(exitinfo__vendor(&id.c) == EXITINFO_VMX, "Intel means VMX");
}

int main(void)
{
	test_emulation_npf();
	test_emulation_bytes();
	test_emulation_delivering();
	test_other_suberrors();
	test_fail_entry();
	test_vendor();
	totals();
	return 0;
}
