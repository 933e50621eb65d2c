/*
 * Machine setup and teardown: open the accelerator, create the VM, give
 * it RAM below the PCI hole and a BIOS ROM at the top of 4 GiB.  Runs in
 * main() before any vCPU thread exists, except machine__exit() and the
 * memory lookup, which vCPU and GDB threads call at any time.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "gdbstub/gdbstub.h"
#include "monitor/machine.h"
#include "monitor/util.h"

static void machine__init_cmd_lock(struct machine *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m->cmd_lock, &a);
	pthread_mutexattr_destroy(&a);
}

int machine__init(struct machine *m, const char *accel, uint64_t ram_size)
{
	int r;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	pthread_mutex_init(&m->step_lock, NULL);
	pthread_cond_init(&m->step_cond, NULL);
	m->step_last = -1;
	m->step_stuck = ~0UL;
	machine__init_cmd_lock(m);
	io__init(&m->io);
	debug__init(&m->dbg);

	r = backend__open(&m->be, accel);
	if (r == -ENOENT && !m->be.ops)
		die("--accel %s: unknown accelerator (known: %s)", accel,
		    backend__names());
	if (r == -ENOTSUP)
		die("%s: not a KVM API %d device", m->be.path,
		    KVM_API_VERSION);
	if (r < 0)
		die("%s: %s", m->be.path, strerror(-r));

	r = m->be.ops->vm_create(&m->be, &m->vm);
	if (r < 0)
		die("%s: cannot create a VM: %s", m->be.path, strerror(-r));

	m->ram_size = ram_size;
	m->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->ram == MAP_FAILED)
		die("-m %llu: cannot allocate guest memory: %s",
		    (unsigned long long)ram_size, strerror(errno));
	madvise(m->ram, ram_size, MADV_MERGEABLE);
	r = m->be.ops->set_memory(&m->vm, MEM_SLOT_RAM, 0, ram_size, m->ram,
				  false);
	if (r < 0)
		die("%s: cannot map guest memory: %s", m->be.path,
		    strerror(-r));
	return 0;
}

struct vcpu *machine__cur(struct machine *m)
{
	if (m->cur < 0 || m->cur >= m->nr_vcpus)
		return m->nr_vcpus ? m->vcpus[0] : NULL;
	return m->vcpus[m->cur];
}

int machine__map_rom(struct machine *m, const uint8_t *image, size_t size)
{
	uint64_t low = size < 128 * KiB ? size : 128 * KiB;
	uint64_t span = (size + 0xfff) & ~0xfffULL;
	int r;

	/* The tail of the image answers at F000:FFF0 in real mode ... */
	if (low > m->ram_size || 1 * MiB > m->ram_size)
		return -ENOMEM;
	memcpy(m->ram + 1 * MiB - low, image + size - low, low);

	/* ... and the whole image at the reset vector's CS.base. */
	m->rom = mmap(NULL, span, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->rom == MAP_FAILED)
		return -errno;
	memcpy(m->rom + span - size, image, size);
	m->rom_size = span;
	m->rom_gpa = 4 * GiB - span;
	r = m->be.ops->set_memory(&m->vm, MEM_SLOT_ROM, m->rom_gpa, span,
				  m->rom, true);
	return r;
}

void machine__destroy(struct machine *m)
{
	if (m->vm.fd > 0)
		m->be.ops->vm_destroy(&m->vm);
	if (m->ram && m->ram != MAP_FAILED)
		munmap(m->ram, m->ram_size);
	if (m->rom && m->rom != MAP_FAILED)
		munmap(m->rom, m->rom_size);
	backend__close(&m->be);
}

uint8_t *machine__gpa_to_host(struct machine *m, uint64_t gpa, size_t len)
{
	if (gpa < m->ram_size && len <= m->ram_size - gpa)
		return m->ram + gpa;
	if (m->rom && gpa >= m->rom_gpa && gpa - m->rom_gpa < m->rom_size &&
	    len <= m->rom_size - (gpa - m->rom_gpa))
		return m->rom + (gpa - m->rom_gpa);
	return NULL;
}

void machine__exit(struct machine *m, int status)
{
	struct gdbstub_stop st = {
		.reason = GDBSTUB_STOP_EXITED,
		.tid = 1,
		.exit_code = status & 0xff,
	};

	pthread_mutex_lock(&m->lock);
	if (m->exited) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	m->exited = true;
	m->exit_status = status;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);

	if (m->gdb) {
		gdbstub_report_stop(m->gdb, &st);
		/* Nobody to read the W reply: let gdbstub_serve() return. */
		if (!gdbstub_connected(m->gdb))
			gdbstub_shutdown(m->gdb);
	}
}

bool machine__exited(struct machine *m)
{
	bool e;

	pthread_mutex_lock(&m->lock);
	e = m->exited;
	pthread_mutex_unlock(&m->lock);
	return e;
}

int machine__wait(struct machine *m)
{
	int status;

	pthread_mutex_lock(&m->lock);
	while (!m->exited)
		pthread_cond_wait(&m->cond, &m->lock);
	status = m->exit_status;
	pthread_mutex_unlock(&m->lock);
	return status;
}
