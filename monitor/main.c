/*
 * hvdbg's entry point: parse the command line, build the machine (memory,
 * images, devices, vCPUs), start the GDB server when asked, run, and turn
 * the way the guest ended into the process exit status.  Every failure a
 * user can cause ends here with one "hvdbg: THING: reason" line and a
 * non-zero status, before anything runs.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/gdbstub.h"
#include "monitor/console.h"
#include "monitor/hw/cmos.h"
#include "monitor/hw/debug_exit.h"
#include "monitor/hw/fw_cfg.h"
#include "monitor/hw/i8042.h"
#include "monitor/hw/mmio_test.h"
#include "monitor/hw/pci.h"
#include "monitor/hw/pic_pit.h"
#include "monitor/hw/port80.h"
#include "monitor/hw/uart8250.h"
#include "monitor/loader/bios.h"
#include "monitor/loader/boot.h"
#include "monitor/loader/kernel.h"
#include "monitor/loader/raw.h"
#include "monitor/machine.h"
#include "monitor/probe.h"
#include "monitor/shutdown.h"
#include "monitor/stub.h"
#include "monitor/util.h"
#include "monitor/vcpu.h"

#define DEFAULT_RAM		(128 * MiB)
#define DEFAULT_GDB		"tcp:127.0.0.1:1234"
#define MAX_LOADS		16

struct image {
	const char *path;
	uint64_t addr;
	uint8_t *buf;
	size_t size;
};

struct options {
	uint64_t ram_size;
	const char *bios;
	struct image loads[MAX_LOADS];
	int nr_loads;
	bool have_entry;
	uint16_t entry_seg, entry_ip;
	const char *gdb;
	bool hold;
	const char *serial;
	const char *accel;
	bool probe;
	const char *probe_query;
	bool debug_rsp;
	bool no_console;
	/* --kernel, --append, --initrd, --boot-entry */
	struct kernel_image kernel;
	/* --irqchip: -1 default (on for a PC guest), 0 off, 1 on */
	int irqchip;
	/* -smp N: vCPUs; the first boots, the others wait for SIPI. */
	int smp;
	/* --test-mmio: the testsuite's MMIO page, or 0 */
	uint64_t test_mmio;
};

enum {
	OPT_BIOS = 256, OPT_LOAD, OPT_ENTRY, OPT_GDB, OPT_SERIAL, OPT_ACCEL,
	OPT_PROBE, OPT_DEBUG_RSP,
	OPT_NO_CONSOLE,
	OPT_KERNEL, OPT_APPEND, OPT_INITRD, OPT_BOOT_ENTRY, OPT_IRQCHIP,
	OPT_SMP,
	OPT_TEST_MMIO,
};

static const struct option long_options[] = {
	{ "memory",	required_argument, NULL, 'm' },
	{ "bios",	required_argument, NULL, OPT_BIOS },
	{ "load",	required_argument, NULL, OPT_LOAD },
	{ "entry",	required_argument, NULL, OPT_ENTRY },
	{ "gdb",	required_argument, NULL, OPT_GDB },
	{ "serial",	required_argument, NULL, OPT_SERIAL },
	{ "accel",	required_argument, NULL, OPT_ACCEL },
	{ "probe",	optional_argument, NULL, OPT_PROBE },
	{ "debug-rsp",	no_argument,	   NULL, OPT_DEBUG_RSP },
	{ "no-console",	no_argument,	   NULL, OPT_NO_CONSOLE },
	{ "kernel",	required_argument, NULL, OPT_KERNEL },
	{ "append",	required_argument, NULL, OPT_APPEND },
	{ "initrd",	required_argument, NULL, OPT_INITRD },
	{ "boot-entry",	required_argument, NULL, OPT_BOOT_ENTRY },
	{ "irqchip",	required_argument, NULL, OPT_IRQCHIP },
	{ "smp",	required_argument, NULL, OPT_SMP },
	{ "test-mmio",	required_argument, NULL, OPT_TEST_MMIO },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "version",	no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	printf(
"Usage: hvdbg [OPTION]... --bios FILE | --kernel FILE | --load FILE@ADDR...\n"
"       hvdbg --probe[=FEATURE:MODE]\n"
"Run a PC guest on a hypervisor and let GDB debug it from its first\n"
"instruction.\n"
"\n"
"Guest:\n"
"  -m, --memory SIZE    guest RAM, e.g. 64M or 1G (default 128M, at most 3G)\n"
"      --bios FILE      firmware image; it ends at 1 MiB (its last 128 KiB)\n"
"                       and at 4 GiB, and the vCPU starts at the reset\n"
"                       vector F000:FFF0 (CS.base 0xFFFF0000)\n"
"      --kernel FILE    a Linux bzImage, a multiboot kernel or an ELF\n"
"                       executable, told apart by its headers; it starts\n"
"                       as its boot protocol says (ELF32: flat 32-bit\n"
"                       protected mode at e_entry; ELF64: 64-bit mode on\n"
"                       identity page tables of the first 4 GiB)\n"
"      --append STR     kernel command line (Linux, multiboot)\n"
"      --initrd FILE    Linux initrd; for multiboot, modules FILE[,FILE]...\n"
"      --boot-entry 16|32|64\n"
"                       Linux entry: the real-mode setup code (16, the\n"
"                       default), code32_start in protected mode (32) or\n"
"                       the 64-bit entry (64)\n"
"      --irqchip on|off PIC, IOAPIC, APIC and PIT in the accelerator (on\n"
"                       by default with --bios, --kernel and -smp above 1,\n"
"                       where the accelerator has them)\n"
"      -smp N           N vCPUs (1 to %d, default 1): vCPU 1 boots, the\n"
"                       others wait for INIT and SIPI from its local APIC\n"
"                       (the accelerator's irqchip where it has one, else\n"
"                       hvdbg's, which delivers no other interrupt)\n"
"      --test-mmio ADDR a 4 KiB MMIO test page at guest-physical ADDR,\n"
"                       outside RAM (for the testsuite)\n"
"      --load FILE@ADDR copy FILE to guest-physical ADDR (repeatable)\n"
"      --entry SEG:OFF  start in real mode at CS=SEG (base SEG*16), IP=OFF\n"
"      --entry ADDR     start in real mode at linear ADDR (below 1 MiB):\n"
"                       CS=0, IP=ADDR when ADDR < 64K, otherwise\n"
"                       CS=(ADDR>>4)&0xF000 and IP=ADDR-CS*16\n"
"                       (default: the reset vector with --bios, else the\n"
"                       first --load address)\n"
"      --serial stdio|file:PATH|none\n"
"                       where COM1 (8250 at 0x3f8) output goes (stdio)\n"
"      --accel NAME     accelerator: kvm (/dev/kvm; the default) or hvdbg\n"
"                       (/dev/hvdbg, the project's driver kmod/hvdbg.ko)\n"
"\n"
"Debugging:\n"
"  -s                   shorthand for --gdb " DEFAULT_GDB "\n"
"  -S                   hold the vCPU before its first instruction until\n"
"                       GDB resumes it (implies -s without --gdb)\n"
"      --gdb tcp:[HOST]:PORT|unix:PATH|serial:DEVICE[,BAUD]\n"
"                       serve the GDB remote protocol there; a serial\n"
"                       line is set raw, 8N1, at BAUD if given\n"
"      --debug-rsp      log protocol packets on stderr\n"
"      --no-console     no (hvdbg) prompt even when stdin is a terminal\n"
"      --probe          print which debug features the accelerator really\n"
"                       delivers in real, prot32 and long64 mode, and exit\n"
"      --probe=FEATURE:MODE\n"
"                       exit 0 if FEATURE works in MODE, 1 if not (with the\n"
"                       reason); FEATURE: step, int3, hbreak, watch, awatch,\n"
"                       blockirq (table rows single-step, int3-trap,\n"
"                       hw-breakpoint, write-watchpoint, access-watchpoint,\n"
"                       blockirq); MODE: real, prot32, long64\n"
"\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Numbers may be decimal or 0x-prefixed hex.  A guest that writes V to\n"
"port 0xf4 ends hvdbg with exit status (V << 1) | 1; GDB's kill ends it\n"
"with status 0; SIGINT, SIGTERM or SIGHUP with 128 + the signal number\n"
"(an attached GDB is told); a fatal guest error without GDB with 1.\n"
"GDB sees linear addresses: in real mode $pc is CS.base + IP.\n",
	MACHINE_MAX_VCPUS);
}

static void parse_load(struct options *o, const char *arg)
{
	const char *at = strrchr(arg, '@');
	char *path;

	if (!at || at == arg || parse_u64(at + 1, &o->loads[0].addr) < 0)
		die("--load %s: expected FILE@ADDR", arg);
	if (o->nr_loads == MAX_LOADS)
		die("--load %s: at most %d images", arg, MAX_LOADS);
	path = xstrdup(arg);
	path[at - arg] = 0;
	o->loads[o->nr_loads].path = path;
	parse_u64(at + 1, &o->loads[o->nr_loads].addr);
	o->nr_loads++;
}

static void set_entry_linear(struct options *o, uint64_t addr,
			     const char *arg)
{
	if (addr >= 1 * MiB)
		die("--entry %s: a real-mode entry must be below 1 MiB", arg);
	o->entry_seg = addr < 0x10000 ? 0 : (addr >> 4) & 0xf000;
	o->entry_ip = addr - ((uint64_t)o->entry_seg << 4);
}

static void parse_entry(struct options *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	uint64_t seg, off;
	char *s;

	o->have_entry = true;
	if (!colon) {
		if (parse_u64(arg, &off) < 0)
			die("--entry %s: expected SEG:OFF or ADDR", arg);
		set_entry_linear(o, off, arg);
		return;
	}
	s = xstrdup(arg);
	s[colon - arg] = 0;
	if (parse_u64(s, &seg) < 0 || parse_u64(colon + 1, &off) < 0)
		die("--entry %s: expected SEG:OFF or ADDR", arg);
	free(s);
	if (seg > 0xffff || off > 0xffff)
		die("--entry %s: segment and offset are 16-bit", arg);
	o->entry_seg = seg;
	o->entry_ip = off;
}

/* Some "-smp" was given with one dash and rewritten to "--smp". */
static bool smp_dashed;

/* "-smp..." as "--smp...": kept for the life of the process. */
static char *dash_smp(const char *arg)
{
	char *s = xzalloc(strlen(arg) + 2);

	s[0] = '-';
	strcpy(s + 1, arg);
	return s;
}

static void parse_smp(struct options *o, const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n < 1 || n > MACHINE_MAX_VCPUS)
		die("-smp %s: expected a number of vCPUs from 1 to %d", arg,
		    MACHINE_MAX_VCPUS);
	o->smp = n;
}

static void parse_options(struct options *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->ram_size = DEFAULT_RAM;
	o->serial = "stdio";
	o->accel = "kvm";
	o->irqchip = -1;
	o->smp = 1;

	/* QEMU's spelling, one dash, which getopt would take for -s -m. */
	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "-smp") || !strncmp(argv[c], "-smp=", 5)) {
			argv[c] = dash_smp(argv[c]);
			smp_dashed = true;
		}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:sShV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_size(optarg, &o->ram_size) < 0)
				die("-m %s: not a size (e.g. 64M, 1G)", optarg);
			if (o->ram_size > MACHINE_MAX_RAM)
				die("-m %s: at most 3G is supported (RAM ends "
				    "below the PCI hole)", optarg);
			if (o->ram_size < 1 * MiB)
				die("-m %s: at least 1M is needed", optarg);
			if (o->ram_size & 0xfff)
				die("-m %s: must be a multiple of 4K", optarg);
			break;
		case OPT_BIOS:
			o->bios = optarg;
			break;
		case OPT_LOAD:
			parse_load(o, optarg);
			break;
		case OPT_ENTRY:
			parse_entry(o, optarg);
			break;
		case 's':
			if (!o->gdb)
				o->gdb = DEFAULT_GDB;
			break;
		case 'S':
			o->hold = true;
			break;
		case OPT_GDB:
			if (strncmp(optarg, "tcp:", 4) &&
			    strncmp(optarg, "unix:", 5) &&
			    strncmp(optarg, "serial:", 7))
				die("--gdb %s: expected tcp:[HOST]:PORT, "
				    "unix:PATH or serial:DEVICE[,BAUD]",
				    optarg);
			o->gdb = optarg;
			break;
		case OPT_SERIAL:
			if (strcmp(optarg, "stdio") && strcmp(optarg, "none") &&
			    (strncmp(optarg, "file:", 5) || !optarg[5]))
				die("--serial %s: expected stdio, file:PATH or "
				    "none", optarg);
			o->serial = optarg;
			break;
		case OPT_ACCEL:
			o->accel = optarg;
			break;
		case OPT_PROBE:
			o->probe = true;
			o->probe_query = optarg;
			break;
		case OPT_DEBUG_RSP:
			o->debug_rsp = true;
			break;
		case OPT_NO_CONSOLE:
			o->no_console = true;
			break;
		case OPT_KERNEL:
			o->kernel.path = optarg;
			break;
		case OPT_APPEND:
			o->kernel.append = optarg;
			break;
		case OPT_INITRD:
			o->kernel.initrd = optarg;
			break;
		case OPT_BOOT_ENTRY:
			if (strcmp(optarg, "16") && strcmp(optarg, "32") &&
			    strcmp(optarg, "64"))
				die("--boot-entry %s: expected 16, 32 or 64",
				    optarg);
			o->kernel.entry_bits = atoi(optarg);
			break;
		case OPT_IRQCHIP:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				die("--irqchip %s: expected on or off",
				    optarg);
			o->irqchip = !strcmp(optarg, "on");
			break;
		case OPT_SMP:
			parse_smp(o, optarg);
			break;
		case OPT_TEST_MMIO:
			if (parse_u64(optarg, &o->test_mmio) || !o->test_mmio)
				die("--test-mmio %s: expected a guest-physical "
				    "address", optarg);
			break;
		case 'h':
			usage();
			exit(0);
		case 'V':
			printf("hvdbg %s\n", PACKAGE_VERSION);
			exit(0);
		case ':':
			/* Named as typed: "-smp" came in as "--smp". */
			die("%s: option requires an argument (see --help)",
			    argv[optind - 1] + (optopt == OPT_SMP &&
						smp_dashed));
		default:
			if (optopt)
				die("-%c: unknown option (see --help)", optopt);
			die("%s: unknown option (see --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("%s: unexpected argument (see --help)", argv[optind]);
	if (o->hold && !o->gdb)
		o->gdb = DEFAULT_GDB;
	if (!o->kernel.path && (o->kernel.append || o->kernel.initrd ||
				o->kernel.entry_bits))
		die("%s: needs --kernel FILE", o->kernel.append ? "--append" :
		    o->kernel.initrd ? "--initrd" : "--boot-entry");
	if (o->kernel.path && o->bios)
		die("--kernel %s: cannot be combined with --bios",
		    o->kernel.path);
	if (o->kernel.path && o->have_entry)
		die("--kernel %s: starts where its headers say; --entry does "
		    "not apply", o->kernel.path);
}

/*
 * No --entry and no BIOS: start at the first image.  Called after the
 * images are read, so that a load address beyond RAM is reported as
 * such and not as a bad entry point.
 */
static void default_entry(struct options *o)
{
	char arg[32];

	if (o->have_entry || o->bios || o->kernel.path || !o->nr_loads)
		return;
	snprintf(arg, sizeof(arg), "0x%llx",
		 (unsigned long long)o->loads[0].addr);
	set_entry_linear(o, o->loads[0].addr, arg);
	o->have_entry = true;
}

static void log_rsp(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	fputs("hvdbg: rsp: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
	va_end(ap);
}

/* Read every image before touching the accelerator: file errors first. */
static void read_images(struct options *o, uint8_t **bios, size_t *bios_size)
{
	int i;

	if (o->bios && bios__read(o->bios, bios, bios_size) < 0)
		exit(1);
	if (o->kernel.path && kernel__read(&o->kernel, o->ram_size) < 0)
		exit(1);
	for (i = 0; i < o->nr_loads; i++)
		if (raw__read(o->loads[i].path, o->loads[i].addr, o->ram_size,
			      &o->loads[i].buf, &o->loads[i].size) < 0)
			exit(1);
}

/* Events of the GDB server the user hears of without --debug-rsp. */
static void notice_rsp(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	fputs("hvdbg: gdb: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The stub made before the machine, until a vCPU thread may use it. */
static struct gdbstub *early_gdb;

/* A setup failure must not leave a Unix socket behind. */
static void free_early_gdb(void)
{
	gdbstub_free(early_gdb);
	early_gdb = NULL;
}

/*
 * Listen before the accelerator is opened: a bad address or a busy port
 * is the user's to fix, like a bad option or a missing file, and is
 * reported even on a machine without /dev/kvm.  Nobody is served until
 * the machine is built; a client that connects early waits in the
 * backlog.  m is only remembered here, not used.
 */
static struct gdbstub *gdb_listen(struct machine *m, struct options *o)
{
	struct gdbstub_config cfg = {
		.arch = &gdbstub_arch_x86_64,
		.ops = &stub_ops,
		.target = m,
		.log = o->debug_rsp ? log_rsp : NULL,
		.notice = notice_rsp,
	};
	char err[256];

	early_gdb = gdbstub_new(&cfg);
	if (!early_gdb)
		die("%s: cannot create the GDB server", o->gdb);
	atexit(free_early_gdb);
	if (gdbstub_listen(early_gdb, o->gdb, err, sizeof(err)) < 0) {
		/* The library's message may already name the address. */
		if (!strncmp(err, o->gdb, strlen(o->gdb)))
			die("%s", err);
		die("%s: %s", o->gdb, err);
	}
	if (!gdbstub_listen_local(early_gdb))
		pr_warn("warning: %s is not a loopback address: anyone who "
			"can reach it controls the guest", o->gdb);
	return early_gdb;
}

/*
 * The way out, whatever ended the machine: every vCPU thread stopped and
 * joined, the state a signal interrupted shown, and everything the
 * machine holds freed, so that nothing outlives main() and a leak
 * checker finds nothing left behind.
 */
static void teardown(struct machine *m, struct options *o, uint8_t *bios)
{
	int sig = shutdown__signal();
	char why[64];
	int i;

	for (i = 0; i < m->nr_vcpus; i++)
		vcpu__stop_thread(m->vcpus[i]);
	shutdown__stop();
	for (i = 0; i < m->nr_vcpus; i++) {
		if (sig) {
			snprintf(why, sizeof(why), "state when %s came",
				 shutdown__signame(sig));
			vcpu__dump(m->vcpus[i], why);
		}
		vcpu__free(m->vcpus[i]);
		m->vcpus[i] = NULL;
	}
	m->nr_vcpus = 0;
	gdbstub_free(m->gdb);
	m->gdb = NULL;
	free(m->probe);
	io__destroy(&m->io);
	machine__destroy(m);
	for (i = 0; i < o->nr_loads; i++) {
		free(o->loads[i].buf);
		free((char *)o->loads[i].path);
	}
	free(bios);
}

int main(int argc, char **argv)
{
	struct options o;
	struct machine m;
	struct gdbstub *gdb = NULL;
	struct boot_entry boot;
	struct vcpu *v;
	uint8_t *bios = NULL;
	size_t bios_size = 0;
	int i, r, status;

	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	parse_options(&o, argc, argv);
	if (o.probe)
		return probe__main(o.accel, o.probe_query, o.irqchip);
	shutdown__block();
	if (!o.bios && !o.nr_loads && !o.kernel.path)
		die("no guest: give --bios FILE, --kernel FILE or --load "
		    "FILE@ADDR (see --help)");
	read_images(&o, &bios, &bios_size);
	default_entry(&o);
	if (o.gdb)
		gdb = gdb_listen(&m, &o);

	machine__init(&m, o.accel, o.ram_size);
	m.gdb = gdb;
	r = shutdown__start(&m);
	if (r < 0)
		die("cannot start the signal thread: %s", strerror(-r));
	/* Before any vCPU: the local APICs come with the irqchip.  Other
	 * guests keep HLT and the PIC/PIT ports in the monitor, and -smp
	 * without an irqchip gets hvdbg's INIT/SIPI model (lapic.c). */
	if (pic_pit__init(&m, o.irqchip == 1 ||
			  (o.irqchip == -1 &&
			   (o.smp > 1 || o.bios || o.kernel.path)),
			  o.irqchip == 1) < 0)
		exit(1);
	for (i = 0; i < o.nr_loads; i++)
		raw__place(&m, o.loads[i].addr, o.loads[i].buf,
			   o.loads[i].size);
	if (bios && bios__place(&m, o.bios, bios, bios_size) < 0)
		exit(1);
	if (uart8250__init(&m, o.serial) < 0)
		exit(1);
	if (debug_exit__init(&m) < 0 || port80__init(&m) < 0)
		die("cannot register the I/O devices");
	if (cmos__init(&m, 1) < 0 || i8042__init(&m) < 0 ||
	    pci__init(&m) < 0)
		die("cannot register the PC devices");
	if (o.bios && fw_cfg__init(&m, 1) < 0)
		die("cannot register the fw_cfg device");
	if (o.test_mmio)
		mmio_test__init(&m, o.test_mmio);
	if (o.kernel.path)
		kernel__place(&m, &o.kernel, &boot);
	m.dbg.blockirq = m.be.ops->check_cap(&m.be, KVM_CAP_SET_GUEST_DEBUG2) &
			 KVM_GUESTDBG_BLOCKIRQ;

	r = vcpu__create(&m, 0, &v);
	if (r < 0)
		die("%s: cannot create vCPU 1: %s", m.be.path, strerror(-r));
	m.vcpus[m.nr_vcpus++] = v;
	if (o.kernel.path)
		r = boot__apply(&m, v, &boot);
	else if (o.have_entry)
		r = vcpu__set_real_entry(v, o.entry_seg, o.entry_ip);
	else
		r = vcpu__set_reset_entry(v);
	if (r < 0)
		die("%s: cannot set the entry state: %s", m.be.path,
		    strerror(-r));
	for (i = 1; i < o.smp; i++) {
		r = vcpu__create(&m, i, &m.vcpus[i]);
		if (!r)
			r = vcpu__wait_for_sipi(m.vcpus[i]);
		if (r < 0)
			die("%s: cannot create vCPU %d: %s", m.be.path, i + 1,
			    strerror(-r));
		m.nr_vcpus++;
	}

	if (o.gdb)
		pr_warn("waiting for gdb on %s", o.gdb);
	for (i = 0; i < m.nr_vcpus; i++) {
		r = vcpu__start(m.vcpus[i], o.hold);
		if (r < 0)
			die("vCPU %d: cannot start its thread: %s", i + 1,
			    strerror(-r));
	}
	/* From here on the vCPU thread reports stops to the stub. */
	early_gdb = NULL;
	if (!o.no_console)
		console__start(&m, o.hold);

	if (o.gdb) {
		if (o.hold) {
			/* The library counts the target as running until
			 * told otherwise. */
			struct gdbstub_stop st = {
				.reason = GDBSTUB_STOP_SIGNAL,
				.tid = 1,
				.signal = GDBSTUB_SIGTRAP,
			};

			gdbstub_report_stop(m.gdb, &st);
		}
		r = gdbstub_serve(m.gdb);
		if (r < 0 && !machine__exited(&m))
			die("%s: %s", o.gdb, strerror(-r));
		pthread_mutex_lock(&m.lock);
		status = m.exited ? m.exit_status : 0;
		pthread_mutex_unlock(&m.lock);
	} else {
		status = machine__wait(&m);
	}
	console__end(&m);
	teardown(&m, &o, bios);
	fflush(stdout);
	return status;
}
