/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/network.h"

#include <string.h>

int oci_network_plan(const struct oci_spec *spec, const char *mode, struct oci_network_plan *plan,
		     struct vs_error **err)
{
	const char *ann = oci_spec_annotation(spec, OCI_ANNOTATION_NETWORK);
	const struct oci_linux *lx = spec->linux_;

	*plan = (struct oci_network_plan){ .nics = OCI_NETWORK_NONE };
	for (size_t i = 0; lx != NULL && i < lx->n_namespaces; i++) {
		if (lx->namespaces[i].type == OCI_NS_NETWORK) {
			plan->has_ns = true;
			plan->ns_path = lx->namespaces[i].path;
		}
	}
	if (ann != NULL)
		mode = ann;
	else if (mode == NULL)
		mode = "auto";
	if (strcmp(mode, "auto") == 0)
		plan->nics = plan->has_ns ? OCI_NETWORK_NAMESPACE : OCI_NETWORK_USER;
	else if (strcmp(mode, "user") == 0)
		plan->nics = OCI_NETWORK_USER;
	else if (strcmp(mode, "none") != 0)
		return ann != NULL
			   ? vs_error_set(err, 0,
					  "annotations[\"%s\"]: must be auto, none or user, "
					  "not \"%s\"",
					  OCI_ANNOTATION_NETWORK, ann)
			   : vs_error_set(err, 0,
					  "[network] mode: must be auto, none or user, not "
					  "\"%s\"",
					  mode);
	return 0;
}
