/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/hostconf.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* A configuration file larger than this is refused (it is a few hundred bytes). */
#define HOSTCONF_MAX_SIZE (64u << 10)
#define MAX_KERNEL_DIRS	  16u
/* The console log: at least a page, at most 1 GiB per file; 1 KiB/s to 64 MiB/s. */
#define MIN_LOG_SIZE 4096ull
#define MAX_LOG_SIZE (1ull << 30)
#define MIN_LOG_RATE 1024ull
#define MAX_LOG_RATE (64ull << 20)

const char *const oci_annotation_names[] = {
	"memory", "vcpus", "kernel", "accel", "machine", "tb-cache", "hugepages", "network",
};
const size_t oci_annotation_count = VS_ARRAY_SIZE(oci_annotation_names);
const char *const oci_annotation_help[] = {
	"guest memory in MiB",
	"number of vCPUs",
	"guest kernel (vmlinux) path, under a directory vshim.conf allows",
	"auto, kvm or tcg",
	"microvm or q35",
	"TCG translation cache in MiB",
	"auto, on or off: transparent huge pages for guest memory",
	"auto, none or user: the caller's network namespace, only lo, or QEMU's user-mode network",
};
_Static_assert(VS_ARRAY_SIZE(oci_annotation_help) == VS_ARRAY_SIZE(oci_annotation_names),
	       "every annotation has its help");

const char *oci_annotation_name(enum oci_vm_annotation a)
{
	for (size_t i = 0; i < oci_annotation_count; i++)
		if (a == 1u << i)
			return oci_annotation_names[i];
	return NULL;
}

void oci_hostconf_defaults(struct oci_hostconf *conf)
{
	*conf = (struct oci_hostconf){
		.memory_mib = OCI_VM_DEFAULT_MEMORY_MIB,
		.vcpus = 1,
		.accel = vs_xstrdup("auto"),
		.machine = vs_xstrdup("microvm"),
		.network_mode = vs_xstrdup("auto"),
		.max_memory_mib = OCI_VM_MAX_MEMORY_MIB,
		.max_vcpus = OCI_VM_MAX_VCPUS,
		/* Every annotation but the kernel, which needs kernel_dirs. */
		.allowed = ((1u << oci_annotation_count) - 1) & ~(unsigned int)OCI_ANN_KERNEL,
		.console_log_size = 1ull << 20,
		.console_log_rate = 64ull << 10,
	};
}

void oci_hostconf_clear(struct oci_hostconf *conf)
{
	free(conf->path);
	free(conf->kernel);
	free(conf->initrd);
	free(conf->accel);
	free(conf->machine);
	free(conf->network_mode);
	for (size_t i = 0; i < conf->n_kernel_dirs; i++)
		free(conf->kernel_dirs[i]);
	free(conf->kernel_dirs);
	*conf = (struct oci_hostconf){ 0 };
}

/* What the handler found wrong; ini_parse_string() tells the line. */
struct parse {
	struct oci_hostconf *conf;
	char *problem;
	unsigned int seen_dirs; /* kernel_dirs given: replaces, does not add */
};

static int problem(struct parse *p, const char *fmt, ...) VS_PRINTF(2, 3);
static int problem(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->problem != NULL)
		return 0;
	va_start(ap, fmt);
	if (vasprintf(&p->problem, fmt, ap) < 0)
		p->problem = NULL;
	va_end(ap);
	return 0;
}

/* A decimal number without sign, at most 18 digits, in [min, max]. */
static bool number_in(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t n = strspn(s, "0123456789");
	uint64_t v;

	if (n == 0 || n > 18 || s[n] != '\0')
		return false;
	v = strtoull(s, NULL, 10);
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int set_uint(struct parse *p, const char *section, const char *key, const char *value,
		    const char *unit, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!number_in(value, min, max, out))
		return problem(p, "[%s] %s: must be %s between %llu and %llu, not \"%s\"", section,
			       key, unit, (unsigned long long)min, (unsigned long long)max, value);
	return 1;
}

static int set_choice(struct parse *p, const char *section, const char *key, const char *value,
		      const char *a, const char *b, const char *c, char **out)
{
	if (strcmp(value, a) != 0 && strcmp(value, b) != 0 && (c == NULL || strcmp(value, c) != 0))
		return c != NULL ? problem(p, "[%s] %s: must be %s, %s or %s, not \"%s\"", section,
					   key, a, b, c, value)
				 : problem(p, "[%s] %s: must be %s or %s, not \"%s\"", section, key,
					   a, b, value);
	free(*out);
	*out = vs_xstrdup(value);
	return 1;
}

static int set_path(struct parse *p, const char *section, const char *key, const char *value,
		    char **out)
{
	if (value[0] != '/')
		return problem(p, "[%s] %s: must be an absolute path, not \"%s\"", section, key,
			       value);
	free(*out);
	*out = vs_xstrdup(value);
	return 1;
}

static int handle_vm(struct parse *p, const char *key, const char *value)
{
	struct oci_hostconf *c = p->conf;
	uint64_t v;

	if (strcmp(key, "memory") == 0) {
		if (set_uint(p, "vm", key, value, "a number of MiB", OCI_VM_MIN_MEMORY_MIB,
			     OCI_VM_MAX_MEMORY_MIB, &v) == 0)
			return 0;
		c->memory_mib = (unsigned int)v;
	} else if (strcmp(key, "vcpus") == 0) {
		if (set_uint(p, "vm", key, value, "a number", 1, OCI_VM_MAX_VCPUS, &v) == 0)
			return 0;
		c->vcpus = (unsigned int)v;
	} else if (strcmp(key, "max_memory") == 0) {
		if (set_uint(p, "vm", key, value, "a number of MiB", OCI_VM_MIN_MEMORY_MIB,
			     OCI_VM_MAX_MEMORY_MIB, &v) == 0)
			return 0;
		c->max_memory_mib = (unsigned int)v;
	} else if (strcmp(key, "max_vcpus") == 0) {
		if (set_uint(p, "vm", key, value, "a number", 1, OCI_VM_MAX_VCPUS, &v) == 0)
			return 0;
		c->max_vcpus = (unsigned int)v;
	} else if (strcmp(key, "kernel") == 0) {
		return set_path(p, "vm", key, value, &c->kernel);
	} else if (strcmp(key, "initrd") == 0) {
		return set_path(p, "vm", key, value, &c->initrd);
	} else if (strcmp(key, "accel") == 0) {
		return set_choice(p, "vm", key, value, "auto", "kvm", "tcg", &c->accel);
	} else if (strcmp(key, "machine") == 0) {
		return set_choice(p, "vm", key, value, "microvm", "q35", NULL, &c->machine);
	} else {
		return problem(p, "[vm] %s: unknown setting", key);
	}
	return 1;
}

/* Splits a space-separated list; calls fn for each word until it returns 0. */
static int each_word(struct parse *p, const char *value, int (*fn)(struct parse *, const char *))
{
	cleanup_free char *copy = vs_xstrdup(value);
	char *save = NULL;

	for (char *w = strtok_r(copy, " \t,", &save); w != NULL; w = strtok_r(NULL, " \t,", &save))
		if (fn(p, w) == 0)
			return 0;
	return 1;
}

static int allow_word(struct parse *p, const char *w)
{
	for (size_t i = 0; i < oci_annotation_count; i++) {
		if (strcmp(oci_annotation_names[i], w) == 0) {
			p->conf->allowed |= 1u << i;
			return 1;
		}
	}
	return problem(p,
		       "[annotations] allow: unknown annotation \"%s\" (known: memory, vcpus, "
		       "kernel, accel, machine, tb-cache, hugepages, network)",
		       w);
}

static int kernel_dir_word(struct parse *p, const char *w)
{
	struct oci_hostconf *c = p->conf;

	if (w[0] != '/')
		return problem(p, "[annotations] kernel_dirs: \"%s\" is not an absolute path", w);
	if (c->n_kernel_dirs == MAX_KERNEL_DIRS)
		return problem(p, "[annotations] kernel_dirs: more than %u directories",
			       MAX_KERNEL_DIRS);
	c->kernel_dirs = vs_xrealloc(c->kernel_dirs, (c->n_kernel_dirs + 1) * sizeof(char *));
	c->kernel_dirs[c->n_kernel_dirs++] = vs_xstrdup(w);
	return 1;
}

static int handle_annotations(struct parse *p, const char *key, const char *value)
{
	struct oci_hostconf *c = p->conf;

	if (strcmp(key, "allow") == 0) {
		c->allowed = 0;
		return each_word(p, value, allow_word);
	}
	if (strcmp(key, "kernel_dirs") == 0) {
		for (size_t i = 0; i < c->n_kernel_dirs; i++)
			free(c->kernel_dirs[i]);
		c->n_kernel_dirs = 0;
		return each_word(p, value, kernel_dir_word);
	}
	return problem(p, "[annotations] %s: unknown setting", key);
}

static int handle_console(struct parse *p, const char *key, const char *value)
{
	struct oci_hostconf *c = p->conf;

	if (strcmp(key, "log_size") == 0)
		return set_uint(p, "console", key, value, "a number of bytes", MIN_LOG_SIZE,
				MAX_LOG_SIZE, &c->console_log_size);
	if (strcmp(key, "log_rate") == 0)
		return set_uint(p, "console", key, value, "a number of bytes per second",
				MIN_LOG_RATE, MAX_LOG_RATE, &c->console_log_rate);
	return problem(p, "[console] %s: unknown setting", key);
}

static int handle_network(struct parse *p, const char *key, const char *value)
{
	if (strcmp(key, "mode") == 0)
		return set_choice(p, "network", key, value, "auto", "none", "user",
				  &p->conf->network_mode);
	return problem(p, "[network] %s: unknown setting", key);
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;

	if (p->problem != NULL)
		return 0;
	if (section[0] == '\0')
		return problem(p, "%s: a setting outside any section", key);
	if (strcmp(section, "vm") == 0)
		return handle_vm(p, key, value);
	if (strcmp(section, "annotations") == 0)
		return handle_annotations(p, key, value);
	if (strcmp(section, "network") == 0)
		return handle_network(p, key, value);
	if (strcmp(section, "console") == 0)
		return handle_console(p, key, value);
	return problem(p, "[%s]: unknown section", section);
}

/* Whole-file checks, once every line is read. */
static int check(const struct oci_hostconf *c, const char *source, struct vs_error **err)
{
	if (c->memory_mib > c->max_memory_mib)
		return vs_error_set(err, 0,
				    "%s: [vm] memory (%u MiB) is more than max_memory (%u MiB)",
				    source, c->memory_mib, c->max_memory_mib);
	if (c->vcpus > c->max_vcpus)
		return vs_error_set(err, 0, "%s: [vm] vcpus (%u) is more than max_vcpus (%u)",
				    source, c->vcpus, c->max_vcpus);
	if ((c->allowed & OCI_ANN_KERNEL) && c->n_kernel_dirs == 0)
		return vs_error_set(
		    err, 0,
		    "%s: [annotations] allow has \"kernel\" but kernel_dirs names no "
		    "directory a kernel may come from",
		    source);
	return 0;
}

int oci_hostconf_parse(const char *text, const char *source, struct oci_hostconf *conf,
		       struct vs_error **err)
{
	struct parse p = { .conf = conf };
	int line;

	oci_hostconf_defaults(conf);
	line = ini_parse_string(text, handler, &p);
	if (line != 0 || p.problem != NULL) {
		if (p.problem == NULL)
			vs_error_set(err, 0, "%s:%d: not a `key = value` line or `[section]`",
				     source, line);
		else if (line > 0)
			vs_error_set(err, 0, "%s:%d: %s", source, line, p.problem);
		else
			vs_error_set(err, 0, "%s: %s", source, p.problem);
		free(p.problem);
		oci_hostconf_clear(conf);
		return -1;
	}
	if (check(conf, source, err) < 0) {
		oci_hostconf_clear(conf);
		return -1;
	}
	conf->path = vs_xstrdup(source);
	return 0;
}

int oci_hostconf_load(const char *path, struct oci_hostconf *conf, struct vs_error **err)
{
	const char *env = getenv(OCI_HOSTCONF_ENV);
	bool must_exist = path != NULL || (env != NULL && env[0] != '\0');
	cleanup_free char *text = NULL;
	size_t len;

	if (path == NULL)
		path = must_exist ? env : OCI_HOSTCONF_PATH;
	if (!must_exist && access(path, F_OK) < 0 && errno == ENOENT) {
		oci_hostconf_defaults(conf);
		return 0;
	}
	if (vs_read_file(path, HOSTCONF_MAX_SIZE, &text, &len, err) < 0)
		return vs_error_prefix(err, "the host configuration");
	if (strlen(text) != len)
		return vs_error_set(err, 0, "%s: contains a NUL byte", path);
	return oci_hostconf_parse(text, path, conf, err);
}
