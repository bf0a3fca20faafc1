/* SPDX-License-Identifier: Apache-2.0 */
#include "clock.h"

#include <stdbool.h>
#include <time.h>

#include "common/log.h"

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

uint64_t drv_clock_host_tsc_hz(void)
{
	static uint64_t hz;
	static bool done;

	if (!done) {
		hz = probe();
		done = true;
	}
	return hz;
}

#else

uint64_t drv_clock_host_tsc_hz(void)
{
	return 0;
}

#endif
