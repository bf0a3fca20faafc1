/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linked with -static against vshim-oci-static, as the guest agent is:
 * parses a process object (capabilities go through libcap, the JSON through
 * yajl) and checks what came out.  Exits 0 on success.
 */
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "oci/mounts.h"
#include "oci/spec.h"

int main(void)
{
	static const char doc[] =
	    "{\"user\":{\"uid\":7,\"gid\":8},\"args\":[\"/init\"],\"cwd\":\"/\","
	    "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}}";
	char *ro[] = { "ro" };
	struct oci_mount m = { .options = ro, .n_options = 1 };
	struct vs_error *err = NULL;
	struct oci_process *p = oci_process_parse(doc, strlen(doc), "static", &err);
	int ok;

	if (p == NULL) {
		fprintf(stderr, "static_test: %s\n", err->msg);
		return 1;
	}
	ok = p->user.uid == 7 && p->n_args == 1 && strcmp(p->args[0], "/init") == 0 &&
	     p->caps.n_bounding == 1 && p->caps.bounding[0] == CAP_SYS_ADMIN &&
	     oci_mounts_is_readonly(&m);
	oci_process_free(p);
	if (!ok) {
		fprintf(stderr, "static_test: the parsed process is wrong\n");
		return 1;
	}
	return 0;
}
