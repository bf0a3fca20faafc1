/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sock.h"
#include "common/util.h"

void ctl_put_str(yajl_gen g, const char *key, const char *value)
{
	proto_json_key(g, key);
	yajl_gen_string(g, (const unsigned char *)value, strlen(value));
}

int ctl_send(int sock, yajl_gen g, const int *fds, size_t n_fds, struct vs_error **err)
{
	const unsigned char *buf;
	size_t len;
	int r = 0;

	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	if (len > CTL_MAX_MSG)
		r = vs_error_code(err, EMSGSIZE, "a control message of %zu bytes is too long", len);
	else if (vs_send_with_fds(sock, buf, len, fds, n_fds) < 0)
		r = vs_error_set(err, errno, "cannot talk to the container's monitor");
	yajl_gen_free(g);
	return r;
}

int ctl_send_error(int sock, const char *message)
{
	yajl_gen g = proto_json_begin();

	ctl_put_str(g, "error", message);
	return ctl_send(sock, g, NULL, 0, NULL);
}

yajl_val ctl_recv(int sock, int *fds, size_t *n_fds, struct vs_error **err)
{
	cleanup_free char *buf = vs_xmalloc(CTL_MAX_MSG + 1);
	size_t none = 0;
	char parse_err[128];
	ssize_t n;
	yajl_val v;

	if (n_fds == NULL)
		n_fds = &none;
	n = vs_recv_with_fds(sock, buf, CTL_MAX_MSG, fds, n_fds);
	if (n < 0) {
		vs_error_set(err, errno, "cannot read a control message");
		return NULL;
	}
	if (n == 0)
		return NULL;
	buf[n] = '\0';
	v = yajl_tree_parse(buf, parse_err, sizeof(parse_err));
	if (v == NULL || !YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		for (size_t i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		vs_error_code(err, EPROTO, "a control message is not a JSON object");
		return NULL;
	}
	return v;
}

static yajl_val member(yajl_val msg, const char *key, yajl_type type)
{
	const char *path[] = { key, NULL };

	return yajl_tree_get(msg, path, type);
}

const char *ctl_get_str(yajl_val msg, const char *key)
{
	yajl_val v = member(msg, key, yajl_t_string);

	return v != NULL ? YAJL_GET_STRING(v) : NULL;
}

long long ctl_get_int(yajl_val msg, const char *key, long long fallback)
{
	yajl_val v = member(msg, key, yajl_t_number);

	return v != NULL && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : fallback;
}

bool ctl_get_bool(yajl_val msg, const char *key)
{
	return member(msg, key, yajl_t_true) != NULL;
}

int ctl_connect(const char *dir, const char *id, struct vs_error **err)
{
	cleanup_free char *path = vs_xasprintf("%s/%s", dir, CTL_SOCKET);
	cleanup_error struct vs_error *e = NULL;
	int fd = vs_unix_connect_seqpacket(path, &e);

	if (fd < 0 && e != NULL && (e->errnum == ECONNREFUSED || e->errnum == ENOENT))
		return vs_error_code(err, ESRCH, "container not running: `%s` has no monitor", id);
	if (fd < 0) {
		*err = steal_pointer(&e);
		return -1;
	}
	return fd;
}

yajl_val ctl_call(const char *dir, const char *id, yajl_gen request, const int *fds, size_t n_fds,
		  int *sock, struct vs_error **err)
{
	cleanup_close int fd = ctl_connect(dir, id, err);
	yajl_val reply;
	const char *msg;

	if (fd < 0) {
		yajl_gen_free(request);
		return NULL;
	}
	if (ctl_send(fd, request, fds, n_fds, err) < 0 ||
	    (reply = ctl_recv(fd, NULL, NULL, err)) == NULL) {
		/* A monitor that ends closes the connections it had not answered. */
		if (*err == NULL || (*err)->errnum == EPIPE || (*err)->errnum == ECONNRESET) {
			vs_error_free(steal_pointer(err));
			vs_error_code(err, ESRCH,
				      "container not running: the monitor of `%s` ended", id);
		}
		return NULL;
	}
	msg = ctl_get_str(reply, "error");
	if (msg != NULL) {
		vs_error_set(err, 0, "%s", msg);
		(*err)->errnum = (int)ctl_get_int(reply, "status", 0); /* exec: 126, 127 */
		yajl_tree_free(reply);
		return NULL;
	}
	if (sock != NULL)
		*sock = steal_fd(&fd);
	return reply;
}
