/*
 * The stub's life cycle and its serving loop: creating and freeing the
 * stub, the listening socket (TCP or a Unix socket) or serial line, and
 * gdbstub_serve(),
 * which accepts one client at a time and multiplexes that client, the
 * listening socket and the wake-up pipe in one poll().  Target stops come
 * in from other threads through gdbstub_report_stop(); the loop is the
 * only place that turns them into replies.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#include "gdbstub/internal.h"

/* How long a new client may wait for the previous one's hang-up. */
#define CLIENT_GONE_WAIT_MS	100

struct gdbstub *gdbstub_new(const struct gdbstub_config *cfg)
{
	struct gdbstub *s;

	if (!cfg || !cfg->arch || !cfg->ops || !cfg->ops->read_registers ||
	    !cfg->ops->write_registers || !cfg->ops->read_memory ||
	    !cfg->ops->write_memory || !cfg->ops->resume) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->arch = cfg->arch;
	s->ops = cfg->ops;
	s->target = cfg->target;
	s->log = cfg->log;
	s->log_ctx = cfg->log_ctx;
	s->notice = cfg->notice;
	s->listen_fd = -1;
	s->fd = -1;
	s->refused_fd = -1;
	s->serial_fd = -1;
	s->wake_fd[0] = s->wake_fd[1] = -1;
	/* Until the target reports its first stop it counts as running. */
	s->running = 1;
	pthread_mutex_init(&s->lock, NULL);
	s->pkt = malloc(GDBSTUB_REPLY_MAX + 1);
	s->pay = malloc(GDBSTUB_REPLY_MAX + 1);
	s->tx = malloc(GDBSTUB_REPLY_MAX + 16);
	s->mem = malloc(GDBSTUB_REPLY_MAX);
	s->regs = malloc(cfg->arch->regs_size);
	s->threads_xml = malloc(gdbstub_threads_xml_max());
	if (!s->pkt || !s->pay || !s->tx || !s->mem || !s->regs ||
	    !s->threads_xml ||
	    pipe2(s->wake_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		gdbstub_free(s);
		errno = ENOMEM;
		return NULL;
	}
	rsp_parser_init(&s->rx);
	return s;
}

void gdbstub_free(struct gdbstub *s)
{
	if (!s)
		return;
	if (s->fd >= 0 && s->fd != s->serial_fd)
		close(s->fd);
	if (s->serial_fd >= 0)
		close(s->serial_fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->refused_fd >= 0)
		close(s->refused_fd);
	if (s->unix_path) {
		unlink(s->unix_path);
		free(s->unix_path);
	}
	if (s->wake_fd[0] >= 0)
		close(s->wake_fd[0]);
	if (s->wake_fd[1] >= 0)
		close(s->wake_fd[1]);
	pthread_mutex_destroy(&s->lock);
	free(s->pkt);
	free(s->pay);
	free(s->tx);
	free(s->mem);
	free(s->regs);
	free(s->threads_xml);
	free(s);
}

static int listen_error(char *errbuf, size_t errlen, const char *spec,
			const char *what, int err)
{
	const char *hint = "";

	if (err == EADDRINUSE)
		hint = " (another debugger stub may be using it;"
		       " choose another port)";
	else if (err == EACCES)
		hint = " (ports below 1024 need privileges)";
	snprintf(errbuf, errlen, "%s: %s: %s%s", spec, what, strerror(err),
		 hint);
	return -1;
}

/* Only this machine can reach addr: 127.0.0.0/8, ::1 or v4-mapped. */
static int addr_is_loopback(const struct sockaddr *addr)
{
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)addr;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)addr;
		const uint8_t *b = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
	}
	return 0;
}

static int listen_tcp(struct gdbstub *s, const char *spec, const char *arg,
		      char *errbuf, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char host[256];
	const char *colon = strrchr(arg, ':');
	const char *port;
	size_t hlen;
	int fd = -1, err = 0, one = 1, gai;

	/* "tcp:PORT", "tcp::PORT", "tcp:HOST:PORT", "tcp:[V6]:PORT" */
	if (!colon) {
		port = arg;
		hlen = 0;
	} else {
		port = colon + 1;
		hlen = colon - arg;
	}
	if (hlen >= 2 && arg[0] == '[' && arg[hlen - 1] == ']') {
		arg++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host) || !*port ||
	    strspn(port, "0123456789") != strlen(port)) {
		snprintf(errbuf, errlen,
			 "%s: expected tcp:[HOST]:PORT with a numeric port",
			 spec);
		return -1;
	}
	if (hlen) {
		memcpy(host, arg, hlen);
		host[hlen] = 0;
	} else {
		strcpy(host, "127.0.0.1");
	}
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		snprintf(errbuf, errlen, "%s: %s: %s", spec, host,
			 gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1) == 0) {
			s->listen_local = addr_is_loopback(ai->ai_addr);
			break;
		}
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return listen_error(errbuf, errlen, spec, "cannot listen", err);
	s->listen_fd = fd;
	return 0;
}

static int listen_unix(struct gdbstub *s, const char *spec, const char *path,
		       char *errbuf, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (!*path || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(errbuf, errlen, "%s: socket path empty or too long",
			 spec);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return listen_error(errbuf, errlen, spec, "socket", errno);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return listen_error(errbuf, errlen, spec,
					    "refusing to replace", EEXIST);
		}
		/* A socket nobody answers on is left over: replace it. */
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			return listen_error(errbuf, errlen, spec,
					    "cannot listen", EADDRINUSE);
		}
		unlink(path);
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return listen_error(errbuf, errlen, spec, "socket",
					    errno);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = errno;

		close(fd);
		return listen_error(errbuf, errlen, spec, "bind", err);
	}
	/* Not yet listening, so nobody can connect before this. */
	if (chmod(path, 0600) < 0 || listen(fd, 1) < 0) {
		int err = errno;

		close(fd);
		unlink(path);
		return listen_error(errbuf, errlen, spec, "listen", err);
	}
	s->unix_path = strdup(path);
	s->listen_fd = fd;
	s->listen_local = 1;
	return 0;
}

/* The speeds termios names; "serial:DEV,BAUD" must give one of them. */
static const struct {
	unsigned long bps;
	speed_t code;
} serial_speeds[] = {
	{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
	{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
	{ 460800, B460800 }, { 921600, B921600 },
};

/*
 * "serial:DEVICE[,BAUD]": the line is opened now and set raw, 8N1,
 * without modem control (CLOCAL) so that a missing carrier neither
 * blocks the open nor hangs the session up; the speed is left as it is
 * unless BAUD is given.
 */
static int listen_serial(struct gdbstub *s, const char *spec,
			 const char *arg, char *errbuf, size_t errlen)
{
	const char *comma = strchr(arg, ',');
	char path[256];
	struct termios t;
	unsigned long bps = 0;
	speed_t code = 0;
	size_t plen = comma ? (size_t)(comma - arg) : strlen(arg);
	size_t i;
	char *end;
	int fd, err;

	if (!plen || plen >= sizeof(path)) {
		snprintf(errbuf, errlen, "%s: expected serial:DEVICE[,BAUD]",
			 spec);
		return -1;
	}
	memcpy(path, arg, plen);
	path[plen] = 0;
	if (comma) {
		bps = strtoul(comma + 1, &end, 10);
		for (i = 0; i < sizeof(serial_speeds) /
				sizeof(serial_speeds[0]); i++)
			if (serial_speeds[i].bps == bps)
				code = serial_speeds[i].code;
		if (!comma[1] || *end || !code) {
			snprintf(errbuf, errlen, "%s: unsupported baud rate "
				 "\"%s\" (9600, 19200, 38400, 57600, 115200, "
				 "230400, 460800 or 921600)", spec, comma + 1);
			return -1;
		}
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return listen_error(errbuf, errlen, spec, "cannot open", errno);
	if (tcgetattr(fd, &t) < 0) {
		err = errno;
		close(fd);
		if (err == ENOTTY) {
			snprintf(errbuf, errlen, "%s: not a serial line "
				 "(a terminal device)", spec);
			return -1;
		}
		return listen_error(errbuf, errlen, spec, "tcgetattr", err);
	}
	cfmakeraw(&t);
	t.c_cflag &= ~(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (code && (cfsetispeed(&t, code) < 0 || cfsetospeed(&t, code) < 0)) {
		err = errno;
		close(fd);
		return listen_error(errbuf, errlen, spec, "baud rate", err);
	}
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		err = errno;
		close(fd);
		return listen_error(errbuf, errlen, spec, "tcsetattr", err);
	}
	/* Whatever was on the line before us is nobody's packet. */
	tcflush(fd, TCIOFLUSH);
	/* Replies are written whole: blocking writes. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	s->serial_fd = fd;
	return 0;
}

int gdbstub_listen(struct gdbstub *s, const char *spec, char *errbuf,
		   size_t errlen)
{
	char dummy[1];

	if (!errbuf) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	if (s->listen_fd >= 0 || s->serial_fd >= 0) {
		snprintf(errbuf, errlen, "%s: already listening", spec);
		return -1;
	}
	if (!strncmp(spec, "tcp:", 4))
		return listen_tcp(s, spec, spec + 4, errbuf, errlen);
	if (!strncmp(spec, "unix:", 5))
		return listen_unix(s, spec, spec + 5, errbuf, errlen);
	if (!strncmp(spec, "serial:", 7))
		return listen_serial(s, spec, spec + 7, errbuf, errlen);
	snprintf(errbuf, errlen,
		 "%s: expected tcp:[HOST]:PORT, unix:PATH or "
		 "serial:DEVICE[,BAUD]", spec);
	return -1;
}

int gdbstub_listen_local(struct gdbstub *s)
{
	return s->serial_fd >= 0 || (s->listen_fd >= 0 && s->listen_local);
}

static void wake(struct gdbstub *s)
{
	char c = 0;

	/* Full pipe: a wake-up is already pending, which is enough. */
	if (write(s->wake_fd[1], &c, 1) < 0 && errno != EAGAIN)
		gdbstub_logf(s, "wake: %s", strerror(errno));
}

static void drain_wake(struct gdbstub *s)
{
	char buf[64];

	while (read(s->wake_fd[0], buf, sizeof(buf)) > 0)
		;
}

static int on_serving_thread(struct gdbstub *s)
{
	return atomic_load(&s->serving_flag) &&
	       pthread_equal(pthread_self(), s->serve_thread);
}

void gdbstub_report_stop(struct gdbstub *s, const struct gdbstub_stop *st)
{
	int final = st->reason == GDBSTUB_STOP_EXITED ||
		    st->reason == GDBSTUB_STOP_TERMINATED;

	pthread_mutex_lock(&s->lock);
	/*
	 * Keep the first stop until it is taken: it is the one that
	 * stopped the machine.  An exit always wins.
	 */
	if (!s->stop_pending || final) {
		s->pending = *st;
		s->pending_extra[0] = 0;
		if (st->extra) {
			size_t n = strlen(st->extra);

			if (n >= sizeof(s->pending_extra)) {
				/* Keep whole "name:value;" pairs only. */
				n = sizeof(s->pending_extra) - 1;
				while (n && st->extra[n - 1] != ';')
					n--;
			}
			memcpy(s->pending_extra, st->extra, n);
			s->pending_extra[n] = 0;
		}
		s->pending_message[0] = 0;
		if (st->message)
			snprintf(s->pending_message,
				 sizeof(s->pending_message), "%s",
				 st->message);
		s->stop_pending = 1;
	}
	pthread_mutex_unlock(&s->lock);
	if (!on_serving_thread(s))
		wake(s);
}

void gdbstub_shutdown(struct gdbstub *s)
{
	atomic_store(&s->shutdown_req, 1);
	wake(s);
}

int gdbstub_connected(struct gdbstub *s)
{
	return atomic_load(&s->connected);
}

/*
 * Whether the connected client has hung up.  A client that closes and
 * at once reconnects can have its new connection seen before the old
 * one's end, so wait a moment for the hang-up before calling the
 * newcomer a second client.
 */
static int client_gone(struct gdbstub *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&pfd, 1, CLIENT_GONE_WAIT_MS) <= 0)
		return 0;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return 1;
	return recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* How long a refused client may take to read why. */
#define REFUSED_LINGER_MS	2000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void refused_close(struct gdbstub *s)
{
	close(s->refused_fd);
	s->refused_fd = -1;
}

/*
 * One session at a time; never mix a second client in.  The newcomer
 * gets an ack and one error packet saying why: GDB reads them as the
 * answer to its first request and prints "Remote failure reply: E...",
 * which beats a bare "Remote connection closed".  A fresh socket's buffer has room for
 * it, so the write does not wait.  Whatever the newcomer sends is read
 * and dropped (refused_input), never dispatched.
 */
static void refuse_client(struct gdbstub *s, int fd)
{
	static const char why[] = "E.another debugger is already attached; "
				  "only one session at a time";
	char frame[1 + sizeof(why) + RSP_FRAME_OVERHEAD];
	size_t n;

	/* The ack first: GDB drops a packet that comes before it. */
	frame[0] = '+';
	n = 1 + rsp_frame(frame + 1, why, sizeof(why) - 1, 1);
	gdbstub_logf(s, "second client refused");
	if (s->notice)
		s->notice(s->log_ctx, "refused a second debugger connection: "
			  "one is already attached");
	if (s->refused_fd >= 0) {
		close(fd);
		return;
	}
	if (send(fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		gdbstub_logf(s, "refuse: %s", strerror(errno));
		close(fd);
		return;
	}
	s->refused_fd = fd;
	s->refused_packets = 0;
	s->refused_deadline = now_ms() + REFUSED_LINGER_MS;
}

/* The refused client sent something, or hung up. */
static void refused_input(struct gdbstub *s)
{
	char buf[512];
	ssize_t n;
	int i;

	for (i = 0; i < 64; i++) {
		n = recv(s->refused_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			refused_close(s);
			return;
		}
		if (n < 0)
			return;
		/* A second request means the first one's answer was read. */
		while (n > 0)
			if (buf[--n] == '#' && ++s->refused_packets >= 2) {
				refused_close(s);
				return;
			}
	}
}

static void accept_client(struct gdbstub *s)
{
	int one = 1;
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		gdbstub_logf(s, "accept: %s", strerror(errno));
		return;
	}
	if (s->fd >= 0 && client_gone(s))
		gdbstub_conn_close(s);
	if (s->fd >= 0) {
		refuse_client(s, fd);
		return;
	}
	/* Replies are single writes; do not let Nagle hold them back. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	gdbstub_conn_open(s, fd);
	gdbstub_logf(s, "client connected");
	if (s->running) {
		s->hold_input = 1;
		if (s->ops->interrupt)
			s->ops->interrupt(s->target);
	}
}

static void read_client(struct gdbstub *s, char *buf)
{
	ssize_t n = read(s->fd, buf, GDBSTUB_READ_CHUNK);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			gdbstub_logf(s, "read: %s", strerror(errno));
		gdbstub_conn_close(s);
		return;
	}
	if (gdbstub_conn_input(s, buf, n) < 0)
		gdbstub_conn_close(s);
}

/* How long a new serial session waits for a running target to stop. */
#define SERIAL_STOP_WAIT_MS	5000

/*
 * Bytes on the serial line with no session open.  A session starts at
 * the first '$' or Ctrl-C; anything before it (a stray '+' acking the
 * last session's final reply, line noise) is dropped, so that it does
 * not stop a target a detached GDB left running.  Like a TCP client
 * arriving, a new session first stops a running target: here by waiting
 * for the stop, since the bytes are read already.
 */
static void read_serial(struct gdbstub *s, char *buf)
{
	ssize_t n = read(s->serial_fd, buf, GDBSTUB_READ_CHUNK);
	struct pollfd pfd = { .fd = s->wake_fd[0], .events = POLLIN };
	size_t start;
	int waited;

	if (n <= 0)
		return;
	for (start = 0; start < (size_t)n; start++)
		if (buf[start] == '$' || buf[start] == 0x03)
			break;
	if (start == (size_t)n)
		return;
	gdbstub_conn_open(s, s->serial_fd);
	gdbstub_logf(s, "client on the serial line");
	if (s->running && s->ops->interrupt) {
		s->hold_input = 1;
		s->ops->interrupt(s->target);
		for (waited = 0; s->hold_input && s->running &&
		     waited < SERIAL_STOP_WAIT_MS; waited += 100) {
			gdbstub_take_stop(s);
			if (!s->running)
				break;
			if (poll(&pfd, 1, 100) > 0)
				drain_wake(s);
		}
		s->hold_input = 0;
	}
	if (gdbstub_conn_input(s, buf + start, n - start) < 0)
		gdbstub_conn_close(s);
}

int gdbstub_serve(struct gdbstub *s)
{
	char *buf = malloc(GDBSTUB_READ_CHUNK);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	s->serve_thread = pthread_self();
	atomic_store(&s->serving_flag, 1);
	for (;;) {
		struct pollfd pfd[5];
		int n = 0, i_listen = -1, i_client = -1, i_refused = -1;
		int i_serial = -1, wait_ms = -1;

		gdbstub_take_stop(s);
		if (s->done || atomic_load(&s->shutdown_req))
			break;
		pfd[n].fd = s->wake_fd[0];
		pfd[n++].events = POLLIN;
		if (s->listen_fd >= 0) {
			i_listen = n;
			pfd[n].fd = s->listen_fd;
			pfd[n++].events = POLLIN;
		}
		if (s->fd >= 0 && !s->hold_input) {
			i_client = n;
			pfd[n].fd = s->fd;
			pfd[n++].events = POLLIN;
		}
		if (s->refused_fd >= 0) {
			long long left = s->refused_deadline - now_ms();

			if (left <= 0) {
				refused_close(s);
			} else {
				i_refused = n;
				pfd[n].fd = s->refused_fd;
				pfd[n++].events = POLLIN;
				wait_ms = left;
			}
		}
		if (s->serial_fd >= 0 && s->fd < 0) {
			i_serial = n;
			pfd[n].fd = s->serial_fd;
			pfd[n++].events = POLLIN;
		}
		if (s->fd < 0 && s->listen_fd < 0 && s->serial_fd < 0) {
			ret = -ENOTCONN;
			break;
		}
		if (poll(pfd, n, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (pfd[0].revents)
			drain_wake(s);
		if (i_client >= 0 && pfd[i_client].revents)
			read_client(s, buf);
		if (i_refused >= 0 && pfd[i_refused].revents)
			refused_input(s);
		if (i_listen >= 0 && pfd[i_listen].revents)
			accept_client(s);
		if (i_serial >= 0 && pfd[i_serial].revents)
			read_serial(s, buf);
	}
	if (s->fd >= 0) {
		conn_flush(s);
		if (s->fd != s->serial_fd)
			close(s->fd);
		s->fd = -1;
		atomic_store(&s->connected, 0);
	}
	atomic_store(&s->serving_flag, 0);
	free(buf);
	return ret;
}
