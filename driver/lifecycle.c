/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Domain lifecycle: owns a domain's life.  The struct drv_domain of a
 * connection (new, lookup, release), starting QEMU, pause, resume,
 * and the helpers exit.c shares; a running domain's events and its end
 * (dispatch, wait, destroy, shutdown) are exit.c's.  It keeps a domain's status
 * file up to date through status.c and names its files through root.c;
 * opening and closing a root, and reconnecting to what a previous owner
 * left running, are conn.c's, which calls into this file, never the other
 * way round.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/caplog.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/sock.h"
#include "common/util.h"
#include "driver/accel.h"
#include "driver/command.h"
#include "driver/priv.h"
#include "driver/process.h"
#include "driver/sandbox.h"

/*
 * A QEMU that answers its monitor takes milliseconds; twenty starting at
 * once on a loaded two-core host took over ten seconds.  These only bound
 * how long a QEMU that never answers is waited for.
 */
#define QMP_CONNECT_TIMEOUT_MS 30000
#define QMP_COMMAND_TIMEOUT_MS 15000

/* Closes each descriptor that is open and marks it -1. */
static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(steal_fd(&fds[i]));
}

struct drv_domain *drv_domain_new(struct drv_conn *conn, struct domain_def *def)
{
	struct drv_domain *dom = vs_xcalloc(1, sizeof(*dom));

	dom->conn = conn;
	dom->def = def;
	dom->pidfd = -1;
	dom->seccomp_fd = -1;
	dom->output_fd = -1;
	dom->output_log.fd = -1;
	dom->serial_end = -1;
	for (size_t i = 0; i < DRV_MAX_CHANNELS; i++)
		dom->channel_ends[i] = -1;
	dom->state = DRV_STATE_SHUTOFF;
	dom->status_path = drv_root_path(conn, conn->run_dir, def->name, ".xml");
	dom->qmp_path = drv_root_path(conn, conn->run_dir, def->name, ".qmp.sock");
	dom->pid_path = drv_root_path(conn, conn->run_dir, def->name, ".pid");
	dom->log_path = drv_root_path(conn, conn->log_dir, def->name, ".log");
	dom->next = conn->domains;
	conn->domains = dom;
	return dom;
}

void drv_domain_release(struct drv_domain *dom)
{
	drv_qmp_free(dom->qmp);
	if (dom->pidfd >= 0)
		close(dom->pidfd);
	if (dom->seccomp_fd >= 0)
		close(dom->seccomp_fd);
	if (dom->output_fd >= 0)
		close(dom->output_fd);
	if (dom->serial_end >= 0)
		close(dom->serial_end);
	close_fds(dom->channel_ends, DRV_MAX_CHANNELS);
	vs_caplog_close(&dom->output_log);
	drv_domain_def_free(dom->def);
	free(dom->serial_pty);
	free(dom->status_path);
	free(dom->qmp_path);
	free(dom->pid_path);
	free(dom->log_path);
	free(dom);
}

/* Unlinks dom from its connection and frees it. */
static void domain_forget(struct drv_domain *dom)
{
	struct drv_domain **p;

	for (p = &dom->conn->domains; *p != NULL; p = &(*p)->next)
		if (*p == dom) {
			*p = dom->next;
			break;
		}
	drv_domain_release(dom);
}

struct drv_domain *drv_domain_lookup(struct drv_conn *conn, const char *name)
{
	for (struct drv_domain *d = conn->domains; d != NULL; d = d->next)
		if (strcmp(d->def->name, name) == 0)
			return d;
	return NULL;
}

int drv_domain_attach_monitor(struct drv_domain *dom, int timeout_ms, struct vs_error **err)
{
	int fd = vs_unix_connect(dom->qmp_path, err);

	if (fd < 0)
		return -1;
	dom->qmp = drv_qmp_new(fd); /* the QMP client owns fd from here */
	if (drv_qmp_handshake(dom->qmp, timeout_ms, err) < 0)
		return vs_error_prefix(err, "cannot talk to QEMU of domain `%s`", dom->def->name);
	return 0;
}

/*
 * Capabilities QEMU keeps: what serving the 9p shares with the host's
 * ownership needs, nothing else.  Not CAP_FSETID (a write to a set-user-ID
 * file clears the bit, a chmod cannot keep set-group-ID on a file whose
 * group QEMU is not in), CAP_MKNOD (no device nodes) or CAP_SETFCAP (no file
 * capabilities): sandbox.h.
 */
static size_t caps_for(const struct domain_def *def, int caps[8])
{
	static const int fs_caps[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
				       CAP_FOWNER };
	size_t n = 0;

	if (def->n_fs == 0 || geteuid() != 0)
		return 0;
	for (size_t i = 0; i < VS_ARRAY_SIZE(fs_caps); i++)
		caps[n++] = fs_caps[i];
	return n;
}

/* The last non-empty line of the domain log, for error messages. */
/*
 * The last non-empty line QEMU wrote to the domain log since it started
 * (after the command line open_log() wrote), for error messages; "" when
 * it said nothing.
 */
void drv_domain_log_tail(const struct drv_domain *dom, char *out, size_t size)
{
	char buf[4096];
	cleanup_close int fd = open(dom->log_path, O_RDONLY | O_CLOEXEC);
	off_t end, from;
	ssize_t n;

	out[0] = '\0';
	if (fd < 0 || (end = lseek(fd, 0, SEEK_END)) <= dom->log_start)
		return;
	from = end - dom->log_start > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1
							     : dom->log_start;
	n = pread(fd, buf, (size_t)(end - from), from);
	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	char *line = strrchr(buf, '\n');
	snprintf(out, size, "%s", line ? line + 1 : buf);
}

static int open_log(struct drv_domain *dom, const struct vs_strv *argv, struct vs_error **err)
{
	cleanup_free char *cmdline = vs_strv_join(argv, " ");
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	fd = open(dom->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot open domain log `%s`", dom->log_path);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%SZ", &tm);
	dprintf(fd, "%s: starting up\n%s\n", stamp, cmdline);
	dom->log_start = lseek(fd, 0, SEEK_END);
	return fd;
}

const char *drv_default_emulator(void)
{
	static const char *const candidates[] = { "/usr/bin/qemu-system-x86_64",
						  "/usr/local/bin/qemu-system-x86_64" };

	for (size_t i = 0; i < VS_ARRAY_SIZE(candidates); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return candidates[0];
}

/* Fills in what the driver chooses: channel socket paths under the root. */
static void complete_definition(struct drv_conn *conn, struct domain_def *def)
{
	for (size_t i = 0; i < def->n_channels; i++) {
		struct drv_channel *ch = &def->channels[i];

		if (ch->path == NULL) {
			cleanup_free char *suffix = vs_xasprintf(".%s.sock", ch->target_name);

			ch->path = drv_root_path(conn, conn->run_dir, def->name, suffix);
		}
	}
}

/* A deep copy through the XML form, which the driver keeps as the live definition. */
static struct domain_def *copy_definition(const struct domain_def *def, struct vs_error **err)
{
	cleanup_free char *xml = drv_domain_format(def, err);

	if (xml == NULL)
		return NULL;
	return drv_domain_parse_string(xml, "<live definition>", err);
}

/*
 * The files QEMU boots must be regular files: checked without following a
 * FIFO or a device put in their place into a hang.
 */
static int check_boot_file(const char *path, const char *what, struct vs_error **err)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (path == NULL)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot open the %s `%s`", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return vs_error_set(err, 0, "the %s `%s` is not a regular file", what, path);
	return 0;
}

/* What backs the ISA serial port: the <serial>, or a <console> standing for it; NULL: none. */
static const struct drv_chr *serial_backend(const struct domain_def *def)
{
	if (def->serial.type != DRV_CHR_NULL)
		return &def->serial;
	if (def->console.type != DRV_CHR_NULL && !def->console.virtio)
		return &def->console;
	return NULL;
}

/*
 * QEMU's stdout and stderr go through a pipe into the domain log, capped
 * (common/caplog.h): a guest can make QEMU print (a device's complaint
 * about what the guest's driver did, for each thing it did), and must not
 * fill the host's disk with it.  *w is the pipe's end for QEMU.
 */
static int open_output(struct drv_domain *dom, int *w, struct vs_error **err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return vs_error_set(err, errno, "cannot create a pipe for QEMU's output");
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0 ||
	    vs_caplog_open(&dom->output_log, dom->log_path, DRV_QEMU_LOG_SIZE, DRV_QEMU_LOG_RATE,
			   vs_now_ns(), err) < 0) {
		if (err != NULL && *err == NULL)
			vs_error_set(err, errno, "cannot read QEMU's output");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	dom->output_fd = p[0];
	*w = p[1];
	return 0;
}

/* Moves what QEMU printed into the domain log, without waiting; closes the pipe at its end. */
void drv_domain_read_output(struct drv_domain *dom)
{
	char buf[16384];

	while (dom->output_fd >= 0) {
		ssize_t n = read(dom->output_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(steal_fd(&dom->output_fd));
			return;
		}
		vs_caplog_write(&dom->output_log, buf, (size_t)n, vs_now_ns());
	}
}

/* The file the caller handed over for name, or -1. */
static int file_for(const struct drv_file *files, size_t n_files, const char *name)
{
	for (size_t i = 0; i < n_files; i++)
		if (strcmp(files[i].name, name) == 0)
			return files[i].fd;
	return -1;
}

/*
 * The host's ends of the domain's sockets, connected before QEMU starts:
 * each connection waits in its listening socket's backlog until QEMU's
 * main loop accepts it, as soon as it runs.  QMP's always, with the
 * handshake begun at once; with DRV_CREATE_CONNECTED also each channel's
 * and a unix serial port's, so that the guest, whose vCPUs run from QEMU's
 * start, never writes to a port whose host end is not there yet (a
 * virtio-serial port holds the guest's writes until it is; a serial port
 * drops them).
 */
static int connect_host_ends(struct drv_domain *dom, const struct drv_chr *serial,
			     unsigned int flags, struct vs_error **err)
{
	const struct domain_def *def = dom->def;
	int fd = vs_unix_connect(dom->qmp_path, err);

	if (fd < 0)
		return -1;
	dom->qmp = drv_qmp_new(fd); /* the QMP client owns fd from here */
	if (drv_qmp_handshake_begin(dom->qmp, err) < 0)
		return -1;
	if (!(flags & DRV_CREATE_CONNECTED))
		return 0;
	for (size_t i = 0; i < def->n_channels; i++) {
		dom->channel_ends[i] = vs_unix_connect(def->channels[i].path, err);
		if (dom->channel_ends[i] < 0)
			return -1;
	}
	if (serial != NULL && serial->type == DRV_CHR_UNIX) {
		dom->serial_end = vs_unix_connect(serial->path, err);
		if (dom->serial_end < 0)
			return -1;
	}
	return 0;
}

static int spawn_qemu(struct drv_domain *dom, const struct drv_file *files, size_t n_files,
		      unsigned int flags, struct vs_error **err)
{
	struct domain_def *def = dom->def;
	cleanup_strv struct vs_strv argv = { 0 };
	cleanup_close int log_fd = -1, out_w = -1;
	cleanup_free int *net_fds = vs_xcalloc(def->n_nets + 1, sizeof(int));
	const struct drv_chr *serial = serial_backend(def);
	int fds[1 + DRV_MAX_CHANNELS + 1], channel_fds[DRV_MAX_CHANNELS];
	int pass[1 + DRV_MAX_CHANNELS + 1 + DRV_DOMAIN_DEVICES_MAX];
	size_t n_fds = 0, n_pass;
	int caps[8], serial_fd = 0;
	int r = -1;

	if (def->n_channels > DRV_MAX_CHANNELS)
		return vs_error_set(err, 0, "domain `%s` has more than %d channels", def->name,
				    DRV_MAX_CHANNELS);
	if (check_boot_file(def->kernel, "guest kernel", err) < 0 ||
	    check_boot_file(def->initrd, "guest initramfs", err) < 0)
		return -1;
	for (size_t i = 0; i < VS_ARRAY_SIZE(fds); i++)
		fds[i] = -1;

	vs_debug("driver", "binding QMP socket `%s`", dom->qmp_path);
	fds[n_fds] = vs_unix_listen(dom->qmp_path, 1, err);
	if (fds[n_fds++] < 0)
		goto out;
	for (size_t i = 0; i < def->n_channels; i++) {
		vs_debug("driver", "binding channel `%s` at `%s`", def->channels[i].target_name,
			 def->channels[i].path);
		fds[n_fds] = vs_unix_listen(def->channels[i].path, 1, err);
		if (fds[n_fds++] < 0)
			goto out;
	}
	/* A unix serial port too: its owner may connect before QEMU runs. */
	if (serial != NULL && serial->type == DRV_CHR_UNIX) {
		vs_debug("driver", "binding the serial port at `%s`", serial->path);
		fds[n_fds] = vs_unix_listen(serial->path, 1, err);
		if (fds[n_fds++] < 0)
			goto out;
		serial_fd = 3 + (int)n_fds - 1;
	}
	if (connect_host_ends(dom, serial, flags, err) < 0)
		goto out;

	/*
	 * In the child, the QMP socket is fd 3, the channels follow, then the
	 * serial port, then the taps of the ethernet interfaces in their order.
	 */
	memcpy(pass, fds, n_fds * sizeof(*fds));
	n_pass = n_fds;
	for (size_t i = 0; i < def->n_channels; i++)
		channel_fds[i] = 4 + (int)i;
	for (size_t i = 0; i < def->n_nets; i++) {
		const struct drv_net *net = &def->nets[i];
		int fd = net->type == DRV_NET_ETHERNET ? file_for(files, n_files, net->target) : -1;

		net_fds[i] = -1;
		if (net->type != DRV_NET_ETHERNET)
			continue;
		if (fd < 0) {
			vs_error_code(err, EBADF,
				      "domain `%s`: no descriptor was handed over for tap `%s`",
				      def->name, net->target);
			goto out;
		}
		vs_debug("driver", "tap `%s` on descriptor %d becomes %zu in QEMU", net->target, fd,
			 3 + n_pass);
		net_fds[i] = 3 + (int)n_pass;
		pass[n_pass++] = fd;
	}

	struct drv_command_ctx ctx = {
		.emulator = def->emulator ? def->emulator : drv_default_emulator(),
		.accel = dom->accel,
		.qmp_fd = 3,
		.channel_fds = channel_fds,
		.serial_fd = serial_fd,
		.pidfile = dom->pid_path,
		.net_fds = net_fds,
		.paused = flags & DRV_CREATE_PAUSED,
	};
	vs_debug("driver", "building the QEMU command line (accel %s)", drv_accel_name(dom->accel));
	if (drv_command_build(def, &ctx, &argv, err) < 0)
		goto out;
	log_fd = open_log(dom, &argv, err);
	if (log_fd < 0 || open_output(dom, &out_w, err) < 0)
		goto out;

	struct drv_spawn spawn = {
		.argv = argv.v,
		.pass_fds = pass,
		.n_pass_fds = n_pass,
		.log_fd = out_w,
		.keep_caps = caps,
		.n_keep_caps = caps_for(def, caps),
		.no_thp = def->hugepages == DRV_HUGEPAGES_OFF,
	};
	dom->pid = drv_process_spawn(&spawn, &dom->pidfd, &dom->seccomp_fd, err);
	if (dom->pid < 0)
		goto out;
	dom->is_child = true;
	dom->start_time = vs_proc_start_time(dom->pid);
	r = 0;
out:
	close_fds(fds, n_fds);
	return r;
}

static int query_serial_pty(struct drv_domain *dom, struct vs_error **err)
{
	yajl_val ret = NULL;

	if (drv_qmp_command(dom->qmp, "query-chardev", NULL, QMP_COMMAND_TIMEOUT_MS, &ret, err) < 0)
		return -1;
	for (size_t i = 0; YAJL_IS_ARRAY(ret) && i < ret->u.array.len; i++) {
		const char *label_path[] = { "label", NULL }, *file_path[] = { "filename", NULL };
		yajl_val label = yajl_tree_get(ret->u.array.values[i], label_path, yajl_t_string);
		yajl_val file = yajl_tree_get(ret->u.array.values[i], file_path, yajl_t_string);

		if (label && file && strcmp(label->u.string, "charserial0") == 0 &&
		    strncmp(file->u.string, "pty:", 4) == 0)
			dom->serial_pty = vs_xstrdup(file->u.string + 4);
	}
	yajl_tree_free(ret);
	return 0;
}

/*
 * Waits for the QMP handshake begun before QEMU started.  The guest may
 * already run: QEMU's seccomp calls are answered and its output read
 * meanwhile.  QEMU failing before its greeting, or dying half-way, closes
 * the monitor (or resets the connection still waiting in the backlog),
 * which fails here; a monitor that never answers fails at timeout_ms.
 */
static int wait_monitor(struct drv_domain *dom, int timeout_ms, struct vs_error **err)
{
	uint64_t deadline = vs_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!drv_qmp_ready(dom->qmp)) {
		struct pollfd p[4] = { { .fd = drv_qmp_fd(dom->qmp), .events = POLLIN },
				       { .fd = dom->seccomp_fd, .events = POLLIN },
				       { .fd = dom->output_fd, .events = POLLIN },
				       { .fd = dom->pidfd, .events = POLLIN } };
		uint64_t now = vs_now_ns();

		if (now >= deadline)
			return vs_error_code(err, ETIMEDOUT,
					     "QEMU did not complete the QMP handshake within %d ms",
					     timeout_ms);
		if (poll(p, VS_ARRAY_SIZE(p), (int)((deadline - now + 999999) / 1000000)) < 0) {
			if (errno == EINTR)
				continue;
			return vs_error_set(err, errno, "cannot wait for the QEMU monitor");
		}
		if (p[1].revents != 0)
			drv_domain_serve_sandbox(dom);
		if (p[2].revents != 0)
			drv_domain_read_output(dom);
		if (p[0].revents != 0 && drv_qmp_read(dom->qmp, err) < 0)
			return vs_error_prefix(err, "QMP handshake failed");
		/* Its end shows on the monitor first; this is for a QEMU whose socket lives on. */
		if (p[3].revents != 0 && p[0].revents == 0 && !drv_qmp_ready(dom->qmp))
			return vs_error_set(err, 0, "QEMU ended before its monitor answered");
	}
	return 0;
}

/* Kills QEMU for good after a failed start and forgets the domain. */
static void abandon(struct drv_domain *dom)
{
	cleanup_error struct vs_error *e = NULL;

	if (dom->pid > 0 && !dom->ended && drv_domain_destroy(dom, &e) < 0)
		vs_warn("driver", "%s", e->msg);
	drv_status_remove(dom);
	domain_forget(dom);
}

struct drv_domain *drv_domain_create(struct drv_conn *conn, const struct domain_def *def,
				     unsigned int flags, struct vs_error **err)
{
	return drv_domain_create_with_files(conn, def, NULL, 0, flags, err);
}

struct drv_domain *drv_domain_create_with_files(struct drv_conn *conn, const struct domain_def *def,
						const struct drv_file *files, size_t n_files,
						unsigned int flags, struct vs_error **err)
{
	struct drv_domain *dom;
	struct domain_def *live;
	enum drv_accel accel;

	vs_debug("driver", "creating domain `%s`", def->name);
	if (drv_domain_lookup(conn, def->name) != NULL) {
		vs_error_code(err, EEXIST, "domain `%s` already exists", def->name);
		return NULL;
	}
	if (drv_accel_resolve(def->accel, &accel, err) < 0)
		return NULL;
	live = copy_definition(def, err);
	if (live == NULL)
		return NULL;
	complete_definition(conn, live);
	dom = drv_domain_new(conn, live);
	dom->accel = accel;

	if (spawn_qemu(dom, files, n_files, flags, err) < 0)
		goto fail;
	dom->state = flags & DRV_CREATE_PAUSED ? DRV_STATE_PAUSED : DRV_STATE_RUNNING;
	if (drv_status_save(dom, err) < 0)
		goto fail;
	vs_debug("driver", "waiting for QMP%s",
		 flags & DRV_CREATE_PAUSED ? "" : " while the guest boots");
	if (wait_monitor(dom, QMP_CONNECT_TIMEOUT_MS, err) < 0) {
		vs_error_prefix(err, "cannot talk to QEMU of domain `%s`", def->name);
		goto fail;
	}
	if (live->serial.type == DRV_CHR_PTY && query_serial_pty(dom, err) < 0)
		goto fail;
	vs_debug("driver", "domain `%s` is %s (pid %d)", def->name,
		 dom->state == DRV_STATE_RUNNING ? "running" : "paused", (int)dom->pid);
	return dom;

fail:
	if (dom->pid > 0) {
		char tail[400];

		drv_domain_read_output(dom);
		drv_domain_log_tail(dom, tail, sizeof(tail));
		if (tail[0] != '\0')
			vs_error_prefix(err, "QEMU said `%s`", tail);
	}
	vs_error_prefix(err, "cannot start domain `%s`", def->name);
	abandon(dom);
	return NULL;
}

int drv_domain_simple_command(struct drv_domain *dom, const char *cmd, struct vs_error **err)
{
	if (dom->qmp == NULL || dom->ended)
		return vs_error_set(err, 0, "domain `%s` is not running", dom->def->name);
	vs_debug("driver", "%s: %s", dom->def->name, cmd);
	return drv_qmp_command(dom->qmp, cmd, NULL, QMP_COMMAND_TIMEOUT_MS, NULL, err);
}

int drv_domain_pause(struct drv_domain *dom, struct vs_error **err)
{
	if (drv_domain_simple_command(dom, "stop", err) < 0)
		return -1;
	dom->state = DRV_STATE_PAUSED;
	return drv_status_save(dom, err);
}

int drv_domain_resume(struct drv_domain *dom, struct vs_error **err)
{
	if (drv_domain_simple_command(dom, "cont", err) < 0)
		return -1;
	dom->state = DRV_STATE_RUNNING;
	return drv_status_save(dom, err);
}

enum drv_state drv_domain_state(const struct drv_domain *dom)
{
	return dom->ended ? DRV_STATE_SHUTOFF : dom->state;
}

int drv_domain_open_channel(struct drv_domain *dom, const char *name, struct vs_error **err)
{
	for (size_t i = 0; i < dom->def->n_channels; i++) {
		if (strcmp(dom->def->channels[i].target_name, name) != 0)
			continue;
		if (dom->channel_ends[i] >= 0)
			return steal_fd(&dom->channel_ends[i]); /* the caller's from here */
		return vs_unix_connect(dom->def->channels[i].path, err);
	}
	return vs_error_code(err, ENOENT, "domain `%s` has no channel named `%s`", dom->def->name,
			     name);
}

int drv_domain_open_serial(struct drv_domain *dom, struct vs_error **err)
{
	const struct drv_chr *serial = serial_backend(dom->def);

	if (dom->serial_end >= 0)
		return steal_fd(&dom->serial_end); /* the caller's from here */
	if (serial == NULL || serial->type != DRV_CHR_UNIX)
		return vs_error_code(err, ENOENT, "domain `%s` has no unix serial port",
				     dom->def->name);
	return vs_unix_connect(serial->path, err);
}

const char *drv_domain_name(const struct drv_domain *dom)
{
	return dom->def->name;
}

pid_t drv_domain_pid(const struct drv_domain *dom)
{
	return dom->pid;
}

enum drv_accel drv_domain_accel(const struct drv_domain *dom)
{
	return dom->accel;
}

const char *drv_domain_serial_pty(const struct drv_domain *dom)
{
	return dom->serial_pty;
}

const char *drv_end_reason_name(enum drv_end_reason reason)
{
	static const char *const names[] = { "shutdown", "reboot", "crashed", "destroyed",
					     "failed" };

	return names[reason];
}
