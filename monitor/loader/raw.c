/*
 * Raw image loader and the shared file reader.  Runs in main() before the
 * vCPUs exist, writing straight into guest RAM.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/loader/raw.h"
#include "monitor/machine.h"
#include "monitor/util.h"

int loader__read_file(const char *path, size_t max, uint8_t **buf,
		      size_t *size)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		pr_warn("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_warn("%s: %s", path, strerror(EISDIR));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_warn("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		pr_warn("%s: empty file", path);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		pr_warn("%s: too large (%lld bytes; at most %zu)", path,
			(long long)st.st_size, max);
		close(fd);
		return -1;
	}
	*buf = xzalloc(st.st_size);
	while (done < (size_t)st.st_size) {
		n = read(fd, *buf + done, st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_warn("%s: %s", path,
				n < 0 ? strerror(errno) : "file shrank");
			free(*buf);
			close(fd);
			return -1;
		}
		done += n;
	}
	close(fd);
	*size = done;
	return 0;
}

int raw__read(const char *path, uint64_t addr, uint64_t ram_size,
	      uint8_t **buf, size_t *size)
{
	if (addr >= ram_size) {
		pr_warn("%s: load address 0x%llx is beyond guest memory "
			"(%llu MiB)", path, (unsigned long long)addr,
			(unsigned long long)(ram_size / MiB));
		return -1;
	}
	return loader__read_file(path, ram_size - addr, buf, size);
}

void raw__place(struct machine *m, uint64_t addr, const uint8_t *buf,
		size_t size)
{
	memcpy(m->ram + addr, buf, size);
}
