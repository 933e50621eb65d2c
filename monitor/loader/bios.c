/*
 * BIOS loader.  Runs in main() before the vCPUs exist.  The image's tail
 * is copied into RAM below 1 MiB rather than mapped, because KVM memory
 * slots may not overlap and RAM already covers that range.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "monitor/loader/bios.h"
#include "monitor/loader/raw.h"
#include "monitor/machine.h"
#include "monitor/util.h"

int bios__read(const char *path, uint8_t **buf, size_t *size)
{
	return loader__read_file(path, BIOS_MAX_SIZE, buf, size);
}

int bios__place(struct machine *m, const char *path, const uint8_t *buf,
		size_t size)
{
	int r = machine__map_rom(m, buf, size);

	if (r == -ENOMEM) {
		pr_warn("%s: guest memory must cover the first MiB", path);
		return -1;
	}
	if (r < 0) {
		pr_warn("%s: cannot map at the top of 4 GiB: %s", path,
			strerror(-r));
		return -1;
	}
	return 0;
}
