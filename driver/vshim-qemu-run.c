/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vshim-qemu-run: boots one domain XML through the embedded driver and waits
 * for it to end, like libvirt's virt-qemu-run.  Exits 0 when the guest powers
 * off or reboots (with on_poweroff/on_reboot = destroy), non-zero when QEMU
 * fails, the guest crashes, or a signal told us to stop.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "driver/driver.h"

static bool verbose;

static void stage(const char *what)
{
	if (verbose)
		fprintf(stderr, "vshim-qemu-run: %8.3f ms: %s\n", vs_uptime_ms(), what);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: vshim-qemu-run [--root DIR] [--verbose] [--debug] DOMAIN.xml\n"
		     "\n"
		     "Boots DOMAIN.xml with the embedded QEMU driver rooted at DIR (a temporary\n"
		     "directory, removed afterwards, when none is given) and waits for it to end.\n"
		     "\n"
		     "  -r, --root DIR   the driver's private root directory\n"
		     "  -v, --verbose    print each start-up stage with its time\n"
		     "  -d, --debug      print the driver's debug log\n"
		     "  -h, --help       show this help\n");
}

/* Blocks the signals that end a run and returns a signalfd reading them. */
static int watch_signals(struct vs_error **err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return vs_error_set(err, errno, "cannot block signals");
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		return vs_error_set(err, errno, "cannot create a signalfd");
	return fd;
}

/* Waits for the domain to end or a signal; returns the exit status. */
static int run(struct drv_domain *dom, int sigfd, struct vs_error **err)
{
	struct drv_end end;

	for (;;) {
		struct pollfd p[1 + DRV_POLL_FDS] = { { .fd = sigfd, .events = POLLIN } };
		int fds[DRV_POLL_FDS];
		nfds_t n = 1;

		drv_domain_poll_fds(dom, fds);
		for (int i = 0; i < DRV_POLL_FDS; i++)
			if (fds[i] >= 0)
				p[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return vs_error_set(err, errno, "cannot wait for the domain");
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				stage("signal received, destroying the domain");
				if (drv_domain_destroy(dom, err) < 0)
					return -1;
				vs_error_set(err, 0, "stopped by signal %u (%s)", si.ssi_signo,
					     strsignal((int)si.ssi_signo));
				return -1;
			}
		}
		int r = drv_domain_dispatch(dom, &end, err);
		if (r < 0)
			return -1;
		if (r > 0)
			break;
	}
	stage(end.detail);
	switch (end.reason) {
	case DRV_END_SHUTDOWN:
	case DRV_END_REBOOT:
		return 0;
	default:
		return vs_error_set(err, 0, "domain `%s` ended: %s", drv_domain_name(dom),
				    end.detail);
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_error struct vs_error *err = NULL;
	cleanup_free char *tmp_root = NULL;
	cleanup_close int sigfd = -1;
	struct domain_def *def = NULL;
	struct drv_conn *conn = NULL;
	struct drv_domain *dom;
	const char *root = NULL;
	int c, status = 1;

	while ((c = getopt_long(argc, argv, "r:vdh", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'd':
			vs_log_set_level(VS_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}

	stage("starting");
	sigfd = watch_signals(&err);
	if (sigfd < 0)
		goto out;
	def = drv_domain_parse_file(argv[optind], &err);
	if (def == NULL)
		goto out;
	stage("domain XML parsed");
	if (root == NULL) {
		const char *tmpdir = getenv("TMPDIR");

		tmp_root = vs_xasprintf("%s/vshim-qemu-run.XXXXXX", tmpdir ? tmpdir : "/tmp");
		if (mkdtemp(tmp_root) == NULL) {
			vs_error_set(&err, errno, "cannot create a temporary root `%s`", tmp_root);
			goto out;
		}
		root = tmp_root;
	}
	conn = drv_open(root, &err);
	if (conn == NULL)
		goto out;
	stage("driver root opened and locked");
	dom = drv_domain_create(conn, def, 0, &err);
	if (dom == NULL)
		goto out;
	stage("QEMU started, guest running");
	status = run(dom, sigfd, &err) < 0 ? 1 : 0;
out:
	drv_close(conn);
	drv_domain_def_free(def);
	if (tmp_root != NULL) {
		cleanup_error struct vs_error *rm_err = NULL;

		if (vs_rm_rf(tmp_root, &rm_err) < 0)
			fprintf(stderr, "vshim-qemu-run: warning: %s\n", rm_err->msg);
	}
	if (err != NULL) {
		fprintf(stderr, "vshim-qemu-run: error: %s\n", err->msg);
		status = status ? status : 1;
	}
	stage("done");
	return status;
}
