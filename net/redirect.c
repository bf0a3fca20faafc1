/* SPDX-License-Identifier: Apache-2.0 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "net/nl.h"

/* The ingress qdisc's handle, ffff:, and the parent of its filters. */
#define INGRESS_HANDLE TC_H_MAKE(TC_H_INGRESS, 0)
/* The priority of the one filter (tc's "prio 1"). */
#define FILTER_PRIO 1

static struct tcmsg *tc_header(struct nlmsghdr *nlh, uint16_t type, uint16_t flags, int ifindex)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	return tcm;
}

static int add_ingress(struct net_nl *nl, int ifindex, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm = tc_header(nlh, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex);

	tcm->tcm_parent = TC_H_INGRESS;
	tcm->tcm_handle = INGRESS_HANDLE;
	mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
	if (net_nl_request(nl, nlh, err) == 0)
		return 0;
	if (err != NULL && *err != NULL && (*err)->errnum == EEXIST)
		return vs_error_prefix(err,
				       "interface %d already has an ingress qdisc, perhaps another "
				       "container's",
				       ifindex);
	return vs_error_prefix(err, "cannot add an ingress qdisc to interface %d", ifindex);
}

/*
 * u32 filter, protocol all, one all-zero key (matches every frame), terminal,
 * with one action: mirred egress redirect to interface to, the frame stolen.
 */
static int add_filter(struct net_nl *nl, int from, int to, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm = tc_header(nlh, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, from);
	struct {
		struct tc_u32_sel sel;
		struct tc_u32_key key;
	} sel = { .sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 } };
	struct tc_mirred mirred = {
		.action = TC_ACT_STOLEN,
		.eaction = TCA_EGRESS_REDIR,
		.ifindex = (uint32_t)to,
	};
	struct nlattr *opts, *acts, *act, *act_opts;

	tcm->tcm_parent = INGRESS_HANDLE;
	tcm->tcm_info = TC_H_MAKE(FILTER_PRIO << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	act = mnl_attr_nest_start(nlh, 1); /* the first action of the list */
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	act_opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(mirred), &mirred);
	mnl_attr_nest_end(nlh, act_opts);
	mnl_attr_nest_end(nlh, act);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(sel), &sel);
	mnl_attr_nest_end(nlh, opts);
	if (net_nl_request(nl, nlh, err) < 0)
		return vs_error_prefix(err, "cannot add a filter redirecting interface %d to %d",
				       from, to);
	return 0;
}

static int del_ingress(struct net_nl *nl, int ifindex, struct vs_error **err)
{
	char buf[NET_NL_REQUEST_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm = tc_header(nlh, RTM_DELQDISC, 0, ifindex);
	struct vs_error *e = NULL;

	tcm->tcm_parent = TC_H_INGRESS;
	tcm->tcm_handle = INGRESS_HANDLE;
	if (net_nl_request(nl, nlh, &e) == 0)
		return 0;
	/* ENOENT or EINVAL: no ingress qdisc; ENODEV: no interface. */
	if (e->errnum == ENOENT || e->errnum == EINVAL || e->errnum == ENODEV) {
		vs_debug("net", "interface %d has no ingress qdisc to remove (%s)", ifindex,
			 e->msg);
		vs_error_free(e);
		return 0;
	}
	vs_error_propagate(err, e);
	return vs_error_prefix(err, "cannot remove the ingress qdisc of interface %d", ifindex);
}

int net_redirect_add(int from, int to, struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };
	cleanup_error struct vs_error *undo = NULL;

	if (from <= 0 || to <= 0 || from == to)
		return vs_error_code(err, EINVAL, "cannot redirect interface %d to interface %d",
				     from, to);
	if (net_nl_open(&nl, err) < 0 || add_ingress(&nl, from, err) < 0)
		return -1;
	if (add_filter(&nl, from, to, err) < 0) {
		del_ingress(&nl, from, &undo);
		return -1;
	}
	vs_debug("net", "frames arriving on interface %d leave through interface %d", from, to);
	return 0;
}

int net_redirect_del(int ifindex, struct vs_error **err)
{
	cleanup_net_nl struct net_nl nl = { .sock = NULL };

	if (ifindex <= 0)
		return vs_error_code(err, EINVAL, "interface index %d is not valid", ifindex);
	if (net_nl_open(&nl, err) < 0)
		return -1;
	return del_ingress(&nl, ifindex, err);
}
