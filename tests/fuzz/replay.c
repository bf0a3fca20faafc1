/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-proto-replay: runs the fuzz target without libFuzzer, so every build
 * (gcc, sanitizers) exercises it: the seeds, the files or directories given
 * (a corpus, crash reproducers), and --mutations N deterministic mutations
 * of the seeds.  --write-seeds DIR writes the seeds as a starting corpus.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void mutate(uint8_t *p, size_t len, uint32_t *seed)
{
	unsigned int edits = 1 + rnd(seed) % 8;

	for (unsigned int e = 0; e < edits && len > 1; e++) {
		size_t at = 1 + rnd(seed) % (len - 1);

		switch (rnd(seed) % 4) {
		case 0:
			p[at] ^= (uint8_t)(1u << (rnd(seed) % 8));
			break;
		case 1:
			p[at] = (uint8_t)rnd(seed);
			break;
		case 2:
			p[at] = (uint8_t) "{}[]\":,0-9\\\x00\xff"[rnd(seed) % 14];
			break;
		default:
			p[at] = (uint8_t)(p[at] + 1);
			break;
		}
	}
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0) {
		perror(path);
		return 1;
	}
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	while (d != NULL && (de = readdir(d)) != NULL) {
		char file[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		ret |= run_file(file);
	}
	if (d != NULL)
		closedir(d);
	return ret;
}

static int write_seeds(const char *dir)
{
	uint8_t *seed;
	size_t len;

	mkdir(dir, 0755);
	for (unsigned int i = 0; (len = fuzz_seed(i, &seed)) > 0; i++) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%u", dir, i);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(seed, 1, len, f) != len) {
			perror(path);
			return 1;
		}
		fclose(f);
		free(seed);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mutations = 0;
	uint32_t state = 0x12345678;
	unsigned int n_seeds = 0, runs = 0;
	uint8_t *seed;
	size_t len;
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--write-seeds") == 0 && i + 1 < argc)
			return write_seeds(argv[i + 1]);
		if (strcmp(argv[i], "--mutations") == 0 && i + 1 < argc)
			mutations = strtoul(argv[++i], NULL, 10);
		else
			ret |= run_path(argv[i]);
	}
	while ((len = fuzz_seed(n_seeds, &seed)) > 0) {
		LLVMFuzzerTestOneInput(seed, len);
		free(seed);
		n_seeds++;
		runs++;
	}
	for (unsigned long m = 0; m < mutations; m++) {
		len = fuzz_seed(m % n_seeds, &seed);
		mutate(seed, len, &state);
		LLVMFuzzerTestOneInput(seed, len);
		free(seed);
		runs++;
	}
	printf("fuzz-proto-replay: %u inputs, no crash\n", runs);
	return ret;
}
