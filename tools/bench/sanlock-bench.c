// SPDX-License-Identifier: GPL-2.0
/*
 * sanlock-bench: the baseline of `make bench`.  Acquires and releases one
 * sanlock resource lease (a paxos lease on the same LUN as blklock's
 * locks) through the sanlock daemon for SECONDS, the way an application
 * would use sanlock: sanlock_register(), then sanlock_acquire() and
 * sanlock_release() in a loop.
 *
 *   sanlock-bench LOCKSPACE:RESOURCE:PATH:OFFSET SECONDS
 *
 * Prints one JSON line like blklock-bench.  Needs a running daemon whose
 * lockspace is added (sanlock client add_lockspace).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sanlock.h>
#include <sanlock_resource.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sanlk_resource *res = NULL;
	uint64_t start, end, n = 0, worst = 0;
	int sock, ret;

	if (argc != 3) {
		fprintf(stderr, "usage: sanlock-bench LS:RES:PATH:OFFSET SECONDS\n");
		return 2;
	}
	ret = sanlock_str_to_res(argv[1], &res);
	if (ret) {
		fprintf(stderr, "sanlock-bench: bad resource %s: %d\n", argv[1], ret);
		return 1;
	}
	sock = sanlock_register();
	if (sock < 0) {
		fprintf(stderr, "sanlock-bench: sanlock_register: %d (is the daemon running?)\n",
			sock);
		return 1;
	}
	start = now_ns();
	end = start + strtoull(argv[2], NULL, 0) * 1000000000ULL;
	do {
		uint64_t t = now_ns();

		ret = sanlock_acquire(sock, -1, 0, 1, &res, NULL);
		if (ret) {
			fprintf(stderr, "sanlock-bench: acquire %" PRIu64 ": %d\n", n, ret);
			return 1;
		}
		ret = sanlock_release(sock, -1, 0, 1, &res);
		if (ret) {
			fprintf(stderr, "sanlock-bench: release %" PRIu64 ": %d\n", n, ret);
			return 1;
		}
		t = now_ns() - t;
		if (t > worst)
			worst = t;
		n++;
	} while (now_ns() < end);
	end = now_ns();
	printf("{\"test\":\"sanlock_pairs\",\"pairs\":%" PRIu64 ",\"seconds\":%.3f,\"per_second\":%.1f,\"mean_us\":%.1f,\"max_us\":%.1f}\n",
	       n, (end - start) / 1e9, n * 1e9 / (end - start),
	       (end - start) / 1e3 / n, worst / 1e3);
	free(res);
	return 0;
}
