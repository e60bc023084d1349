// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-bench: the measurements of `make bench`, run inside a VM.
 *
 *   blklock-bench caw DISK LBA SECONDS
 *	the physical limit: COMPARE AND WRITE of one block through SG_IO in
 *	a tight loop, each one flipping the block between two images (so
 *	each compares equal and writes)
 *   blklock-bench pairs LOCK SECONDS [DISK NODE]
 *	uncontended acquire + release pairs through /dev/blklock (the
 *	module's own lockspace, or DISK attached as NODE)
 *   blklock-bench pairs-count LOCK COUNT
 *	the same, exactly COUNT pairs (to match another program's count)
 *   blklock-bench contend LOCK SECONDS WORKERS [DISK NODE]
 *	WORKERS processes take and drop LOCK for SECONDS; acquire latency
 *	of every attempt is recorded
 *   blklock-bench hold FIRST COUNT [DISK NODE]
 *	take locks FIRST..FIRST+COUNT-1 and hold them until SIGTERM
 *
 * Every result is one line of JSON on stdout.  Timings use
 * CLOCK_MONOTONIC.  Exit status 0, 1 on an error (said on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include <linux/blklock.h>

#include "sgcaw.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "blklock-bench: %s: %s\n", what, strerror(errno));
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t percentile(uint64_t *v, size_t n, unsigned int p)
{
	if (!n)
		return 0;
	return v[(n - 1) * p / 100];
}

static int bench_caw(const char *disk, uint64_t lba, unsigned int seconds)
{
	unsigned char *buf;
	uint64_t start, end, n = 0;
	int fd, bs;

	fd = open(disk, O_RDWR | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKSSZGET, &bs))
		return die(disk);
	if (posix_memalign((void **)&buf, 4096, 3 * bs))
		return die("memory");
	/* buf: image A, image B, image A: [A|B] and [B|A] are both at hand. */
	if (pread(fd, buf, bs, lba * bs) != bs)
		return die("read");
	memcpy(buf + 2 * bs, buf, bs);
	memset(buf + bs, 0xa5, bs);
	if (!memcmp(buf, buf + bs, bs))
		memset(buf + bs, 0x5a, bs);
	start = now_ns();
	end = start + seconds * 1000000000ULL;
	do {
		int ret = sg_caw(fd, lba, buf + (n & 1) * bs, bs, 30000);

		if (ret) {
			fprintf(stderr, "blklock-bench: caw %" PRIu64 ": %s\n", n,
				ret == SGCAW_MISCOMPARE ? "miscompare" : strerror(errno));
			return 1;
		}
		n++;
	} while (now_ns() < end);
	end = now_ns();
	if (n & 1)	/* leave the block as it was */
		sg_caw(fd, lba, buf + bs, bs, 30000);
	printf("{\"test\":\"raw_caw\",\"ops\":%" PRIu64 ",\"seconds\":%.3f,\"per_second\":%.1f,\"mean_us\":%.1f}\n",
	       n, (end - start) / 1e9, n * 1e9 / (end - start),
	       (end - start) / 1e3 / n);
	return 0;
}

static int open_ctl(int argc, char **argv, int first)
{
	int ctl = open("/dev/blklock", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return -1;
	if (argc >= first + 2) {
		struct blklock_attach at = {
			.path = (uintptr_t)argv[first],
			.node_id = strtoul(argv[first + 1], NULL, 0),
		};

		if (ioctl(ctl, BLKLOCK_IOC_ATTACH, &at))
			return -1;
	}
	return ctl;
}

/* For @seconds, or exactly @count pairs when @count is not 0. */
static int bench_pairs(int ctl, uint32_t lock, unsigned int seconds,
		       uint64_t count)
{
	uint64_t start, end, n = 0, *lat;
	size_t cap = 1 << 20;

	lat = malloc(cap * sizeof(*lat));
	if (!lat)
		return die("memory");
	start = now_ns();
	end = start + seconds * 1000000000ULL;
	do {
		struct blklock_acquire aq = { .lock = lock, .flags = BLKLOCK_ACQUIRE_NOWAIT };
		struct blklock_release rl = { .lock = lock };
		uint64_t t = now_ns();

		if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &aq) ||
		    ioctl(ctl, BLKLOCK_IOC_RELEASE, &rl))
			return die("acquire/release");
		if (n < cap)
			lat[n] = now_ns() - t;
		n++;
	} while (count ? n < count : now_ns() < end);
	end = now_ns();
	if (n > cap)
		n = cap;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("{\"test\":\"%s\",\"pairs\":%" PRIu64 ",\"seconds\":%.3f,\"per_second\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
	       count ? "pairs_count" : "pairs",
	       n, (end - start) / 1e9, n * 1e9 / (end - start),
	       percentile(lat, n, 50) / 1e3, percentile(lat, n, 99) / 1e3);
	free(lat);
	return 0;
}

/* Shared between the contending workers: latencies of every acquire. */
struct shared {
	uint64_t count;
	uint64_t lat[];
};

static int bench_contend(int argc, char **argv)
{
	uint32_t lock = strtoul(argv[2], NULL, 0);
	unsigned int seconds = strtoul(argv[3], NULL, 0);
	unsigned int workers = strtoul(argv[4], NULL, 0), i;
	size_t cap = 1 << 18;
	struct shared *sh;
	uint64_t start, end, n;
	int status, failed = 0;

	sh = mmap(NULL, sizeof(*sh) + cap * sizeof(uint64_t),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return die("mmap");
	start = now_ns();
	end = start + seconds * 1000000000ULL;
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return die("fork");
		if (pid)
			continue;
		int ctl = open_ctl(argc, argv, 5);

		if (ctl < 0)
			_exit(die("open/attach"));
		while (now_ns() < end) {
			struct blklock_acquire aq = { .lock = lock, .timeout_ms = 60000 };
			struct blklock_release rl = { .lock = lock };
			uint64_t t = now_ns(), k;

			if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &aq))
				_exit(die("acquire"));
			k = __atomic_fetch_add(&sh->count, 1, __ATOMIC_RELAXED);
			if (k < cap)
				sh->lat[k] = now_ns() - t;
			if (ioctl(ctl, BLKLOCK_IOC_RELEASE, &rl))
				_exit(die("release"));
		}
		_exit(0);
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	end = now_ns();
	if (failed) {
		printf("{\"test\":\"contend\",\"workers\":%u,\"error\":\"a worker failed\"}\n",
		       workers);
		return 1;
	}
	n = sh->count < cap ? sh->count : cap;
	qsort(sh->lat, n, sizeof(uint64_t), cmp_u64);
	printf("{\"test\":\"contend\",\"workers\":%u,\"acquires\":%" PRIu64 ",\"seconds\":%.3f,\"per_second\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
	       workers, (uint64_t)sh->count, (end - start) / 1e9,
	       sh->count * 1e9 / (end - start), percentile(sh->lat, n, 50) / 1e3,
	       percentile(sh->lat, n, 99) / 1e3);
	return failed;
}

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static int bench_hold(int ctl, uint32_t first, uint32_t count)
{
	struct sigaction sa = { .sa_handler = on_term };
	uint32_t i;

	sigaction(SIGTERM, &sa, NULL);
	for (i = 0; i < count; i++) {
		struct blklock_acquire aq = { .lock = first + i, .flags = BLKLOCK_ACQUIRE_NOWAIT };

		if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &aq))
			return die("acquire");
	}
	printf("{\"test\":\"hold\",\"locks\":%u}\n", count);
	fflush(stdout);
	while (!done)
		pause();
	return 0;	/* close releases them */
}

int main(int argc, char **argv)
{
	int ctl;

	if (argc == 5 && !strcmp(argv[1], "caw"))
		return bench_caw(argv[2], strtoull(argv[3], NULL, 0),
				 strtoul(argv[4], NULL, 0));
	if ((argc == 4 || argc == 6) && !strcmp(argv[1], "pairs")) {
		ctl = open_ctl(argc, argv, 4);
		if (ctl < 0)
			return die("open/attach");
		return bench_pairs(ctl, strtoul(argv[2], NULL, 0),
				   strtoul(argv[3], NULL, 0), 0);
	}
	if (argc == 4 && !strcmp(argv[1], "pairs-count")) {
		uint64_t count = strtoull(argv[3], NULL, 0);

		if (!count) {
			fprintf(stderr, "blklock-bench: COUNT must be at least 1\n");
			return 2;
		}
		ctl = open_ctl(argc, argv, 4);
		if (ctl < 0)
			return die("open");
		return bench_pairs(ctl, strtoul(argv[2], NULL, 0), 0, count);
	}
	if ((argc == 5 || argc == 7) && !strcmp(argv[1], "contend"))
		return bench_contend(argc, argv);
	if ((argc == 4 || argc == 6) && !strcmp(argv[1], "hold")) {
		ctl = open_ctl(argc, argv, 4);
		if (ctl < 0)
			return die("open/attach");
		return bench_hold(ctl, strtoul(argv[2], NULL, 0),
				  strtoul(argv[3], NULL, 0));
	}
	fprintf(stderr,
		"usage: blklock-bench caw DISK LBA SECONDS\n"
		"       blklock-bench pairs LOCK SECONDS [DISK NODE]\n"
		"       blklock-bench pairs-count LOCK COUNT\n"
		"       blklock-bench contend LOCK SECONDS WORKERS [DISK NODE]\n"
		"       blklock-bench hold FIRST COUNT [DISK NODE]\n");
	return 2;
}
