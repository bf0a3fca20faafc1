/* SPDX-License-Identifier: Apache-2.0 */
/* The container and its requests: CREATE, START, EXEC (container.h). */
#include "guest/agent/container.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "guest/agent/channel.h"
#include "guest/agent/net.h"
#include "guest/agent/ns.h"
#include "guest/agent/process.h"

void agent_container_free(struct agent_container *c)
{
	if (c == NULL)
		return;
	agent_ns_close(&c->ns);
	free(c->binds);
	oci_spec_free(c->spec);
	free(c->rootfs);
	free(c->id);
	free(c);
}

static void reply_error(struct agent *a, const struct proto_request *req, int errnum,
			const char *msg)
{
	proto_guest_error(&a->ch->out, req->tag, req->id, errnum, 0, msg);
}

void agent_container_create(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_container *c;
	struct oci_spec *spec;

	if (a->ctr != NULL) {
		reply_error(a, req, EEXIST, "a container was already created in this VM");
		return;
	}
	spec = oci_spec_parse(req->create.config, req->create.config_len, "config.json", &err);
	if (spec != NULL && (spec->process == NULL || spec->process->n_args == 0))
		vs_error_code(&err, EINVAL, "config.json: process.args is required");
	/* The VM's NICs first: the container shares the VM's network namespace. */
	if (err == NULL && req->create.has_network)
		agent_net_configure(&req->create.network, -1, &err);
	if (err != NULL) {
		reply_error(a, req, err->errnum ? err->errnum : EINVAL, err->msg);
		oci_spec_free(spec);
		return;
	}
	c = vs_xcalloc(1, sizeof(*c));
	c->spec = spec;
	agent_ns_plan(&c->ns, spec->linux_, req->create.has_network);
	c->id = vs_xstrdup(req->create.container_id);
	c->binds = vs_xcalloc(req->create.n_binds, sizeof(*c->binds));
	if (req->create.n_binds > 0)
		memcpy(c->binds, req->create.binds, req->create.n_binds * sizeof(*c->binds));
	c->n_binds = req->create.n_binds;
	c->rootfs = vs_xasprintf("%s/rootfs", a->run_dir);
	a->ctr = c;
	vs_debug("agent", "creating container `%s`", c->id);
	if (vs_mkdir_p(c->rootfs, 0755, &err) < 0 ||
	    agent_process_spawn(a, c, PROTO_INIT_ID, c->spec->process, true, req->tag, PROTO_CREATE,
				&err) == NULL) {
		reply_error(a, req, err->errnum, err->msg);
		agent_container_free(c);
		a->ctr = NULL;
	}
}

void agent_container_start(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_process *p = agent_process_find(a, PROTO_INIT_ID);

	if (a->ctr == NULL || p == NULL || p->reaped || p->sync_fd < 0) {
		reply_error(a, req, ESRCH, "the container process is not running");
		return;
	}
	if (p->state != AGENT_PROC_CREATED) {
		reply_error(a, req, EBUSY, "the container process is not waiting to start");
		return;
	}
	vs_debug("agent", "starting container `%s`", a->ctr->id);
	if (agent_process_start(a, p, req->tag, &err) < 0)
		reply_error(a, req, err->errnum, err->msg);
}

void agent_container_network(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct agent_process *p = agent_process_find(a, PROTO_INIT_ID);

	if (a->ctr == NULL || p == NULL || p->state != AGENT_PROC_CREATED) {
		reply_error(a, req, EBUSY, "the container process is not waiting to start");
		return;
	}
	if (a->ctr->ns.fds[AGENT_NS_NET] < 0) {
		reply_error(a, req, EINVAL,
			    "the container has no network namespace of its own to put NICs in");
		return;
	}
	vs_debug("agent", "configuring %zu NICs in the network namespace of `%s`", req->network.n,
		 a->ctr->id);
	if (agent_net_configure(&req->network, a->ctr->ns.fds[AGENT_NS_NET], &err) < 0)
		reply_error(a, req, err->errnum, err->msg);
	else
		proto_guest_ok(&a->ch->out, req->tag, req->id);
}

void agent_container_exec(struct agent *a, const struct proto_request *req)
{
	cleanup_error struct vs_error *err = NULL;
	struct oci_process *proc;

	if (a->ctr == NULL || a->ctr->state != AGENT_CTR_READY ||
	    a->ctr->ns.fds[AGENT_NS_MNT] < 0) {
		reply_error(a, req, ESRCH, "the container is not running");
		return;
	}
	if (agent_process_find(a, req->id) != NULL) {
		reply_error(a, req, EEXIST, "the process id is in use");
		return;
	}
	proc = oci_process_parse(req->exec.process, req->exec.len, "process.json", &err);
	if (proc != NULL && proc->n_args == 0)
		vs_error_code(&err, EINVAL, "process.json: args is required");
	if (err == NULL)
		agent_process_spawn(a, a->ctr, req->id, proc, false, req->tag, PROTO_EXEC, &err);
	if (err != NULL)
		reply_error(a, req, err->errnum ? err->errnum : EINVAL, err->msg);
	/* The child has its own copy from here. */
	oci_process_free(proc);
}

void agent_container_service(struct agent *a)
{
	if (a->ctr != NULL && a->ctr->state == AGENT_CTR_FAILED) {
		agent_container_free(a->ctr);
		a->ctr = NULL;
	}
}
