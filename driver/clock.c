/* SPDX-License-Identifier: Apache-2.0 */
#include "clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>

/* A TSC reading and CLOCK_MONOTONIC_RAW taken as close together as we can. */
struct clock_pair {
	uint64_t tsc; /* the middle of the two TSC reads around the clock's */
	uint64_t ns;
	uint64_t spread; /* TSC ticks between the two reads: the pair's uncertainty */
};

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The tightest of a few pairs: a preempted read gives a wide one. */
static struct clock_pair take_pair(void)
{
	struct clock_pair best = { .spread = UINT64_MAX };

	for (int i = 0; i < 5; i++) {
		uint64_t a = __rdtsc();
		uint64_t ns = raw_ns();
		uint64_t b = __rdtsc();

		if (b - a < best.spread)
			best = (struct clock_pair){ .tsc = a + (b - a) / 2,
						    .ns = ns,
						    .spread = b - a };
	}
	return best;
}

static bool invariant_tsc(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007)
		return false;
	__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx);
	return (edx & (1u << 8)) != 0;
}

static uint64_t probe(void)
{
	struct timespec pause = { 0, DRV_CLOCK_PROBE_MS * 1000000L };
	struct clock_pair a, b;

	if (!invariant_tsc()) {
		vs_debug("driver",
			 "the host's TSC is not invariant: the guest keeps time on jiffies");
		return 0;
	}
	a = take_pair();
	nanosleep(&pause, NULL);
	b = take_pair();
	if (b.ns <= a.ns || b.tsc <= a.tsc)
		return 0;
	/* ticks * 1e9 / ns, in 128 bits. */
	uint64_t hz = (uint64_t)((unsigned __int128)(b.tsc - a.tsc) * 1000000000u / (b.ns - a.ns));

	vs_debug("driver", "the host's TSC runs at %llu Hz (measured over %llu us)",
		 (unsigned long long)hz, (unsigned long long)((b.ns - a.ns) / 1000));
	return hz;
}

/* This boot of the host, as the kernel names it (36 characters); false when unknown. */
static bool boot_id(char id[37])
{
	cleanup_free char *text = NULL;

	if (vs_read_file("/proc/sys/kernel/random/boot_id", 64, &text, NULL, NULL) < 0 ||
	    strlen(text) < 36)
		return false;
	memcpy(id, text, 36);
	id[36] = '\0';
	return true;
}

/* The rate cache holds for this boot, or 0; a rate outside 1 MHz-100 GHz is not believed. */
static uint64_t read_cache(const char *cache, const char *boot)
{
	cleanup_free char *text = NULL;
	char id[37];
	unsigned long long hz;

	if (vs_read_file(cache, 128, &text, NULL, NULL) < 0 ||
	    sscanf(text, "%36s %llu", id, &hz) != 2 || strcmp(id, boot) != 0 || hz < 1000000ull ||
	    hz > 100000000000ull)
		return 0;
	return hz;
}

uint64_t drv_clock_host_tsc_hz(const char *cache)
{
	static uint64_t hz;
	static bool done;
	char boot[37];

	if (done)
		return hz;
	done = true;
	if (cache != NULL && boot_id(boot) && (hz = read_cache(cache, boot)) != 0) {
		vs_debug("driver", "the host's TSC runs at %llu Hz (measured earlier in this boot)",
			 (unsigned long long)hz);
		return hz;
	}
	hz = probe();
	if (cache != NULL && hz != 0 && boot_id(boot)) {
		cleanup_free char *text = vs_xasprintf("%s %llu\n", boot, (unsigned long long)hz);
		cleanup_error struct vs_error *e = NULL;

		if (vs_write_file_atomic(cache, text, strlen(text), 0644, &e) < 0)
			vs_debug("driver", "the TSC rate is not kept: %s", e->msg);
	}
	return hz;
}

#else

uint64_t drv_clock_host_tsc_hz(const char *cache)
{
	(void)cache;
	return 0;
}

#endif
