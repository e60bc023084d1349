// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-storm: the shared-counter test.
 *
 * WORKERS processes, each with its own open /dev/blklock bound to DISK as
 * NODE, take lock LOCK ITERATIONS times.  Under the lock each one reads
 * the counter block at COUNTER_LBA (O_DIRECT), checks that the generation
 * stored there by the previous holder is smaller than its own (the
 * storage consumer's fencing check), and writes counter + 1 with its own
 * generation.  Every generation obtained is printed on stdout, one per
 * line, so the caller can check that none was handed out twice.
 *
 * Exit status: 0 if every iteration went through and no fencing check
 * failed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/blklock.h>

#define COUNTER_MAGIC 0x434e5452U	/* "RTNC" */

struct counter {
	uint32_t magic;
	uint32_t pad;
	uint64_t value;
	uint64_t generation;
};

static int worker(const char *disk, unsigned int node, unsigned int lock,
		  uint64_t lba, unsigned int iterations, unsigned int bs,
		  int id)
{
	struct blklock_attach at = { .path = (uintptr_t)disk, .node_id = node };
	struct counter *c;
	void *buf;
	int ctl, fd;
	unsigned int i;

	ctl = open("/dev/blklock", O_RDWR | O_CLOEXEC);
	fd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (ctl < 0 || fd < 0) {
		perror("open");
		return 1;
	}
	if (ioctl(ctl, BLKLOCK_IOC_ATTACH, &at)) {
		perror("BLKLOCK_IOC_ATTACH");
		return 1;
	}
	if (posix_memalign(&buf, 4096, bs))
		return 1;
	c = buf;
	for (i = 0; i < iterations; i++) {
		struct blklock_acquire aq = { .lock = lock, .timeout_ms = 60000 };
		struct blklock_release rl = { .lock = lock };

		if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &aq)) {
			fprintf(stderr, "worker %d: acquire %u: %s\n", id, i,
				strerror(errno));
			return 1;
		}
		if (pread(fd, buf, bs, lba * bs) != (ssize_t)bs) {
			perror("pread");
			return 1;
		}
		if (c->magic != COUNTER_MAGIC) {
			memset(buf, 0, bs);
			c->magic = COUNTER_MAGIC;
		}
		if (c->generation >= aq.generation) {
			fprintf(stderr,
				"worker %d: fencing violation: block written at generation %" PRIu64 ", we hold %" PRIu64 "\n",
				id, (uint64_t)c->generation, (uint64_t)aq.generation);
			return 1;
		}
		c->value++;
		c->generation = aq.generation;
		if (pwrite(fd, buf, bs, lba * bs) != (ssize_t)bs) {
			perror("pwrite");
			return 1;
		}
		printf("%" PRIu64 "\n", (uint64_t)aq.generation);
		if (ioctl(ctl, BLKLOCK_IOC_RELEASE, &rl)) {
			fprintf(stderr, "worker %d: release %u: %s\n", id, i,
				strerror(errno));
			return 1;
		}
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int node, lock, iterations, workers, bs, i;
	uint64_t lba;
	int status, failed = 0;

	if (argc == 5 && !strcmp(argv[1], "read")) {
		/* blklock-storm read DISK COUNTER_LBA BLOCK_SIZE */
		struct counter *c;
		void *buf;
		int fd = open(argv[2], O_RDONLY | O_DIRECT);

		bs = strtoul(argv[4], NULL, 0);
		if (fd < 0 || !bs || posix_memalign(&buf, 4096, bs) ||
		    pread(fd, buf, bs, strtoull(argv[3], NULL, 0) * bs) != (ssize_t)bs) {
			perror("read");
			return 1;
		}
		c = buf;
		printf("%" PRIu64 "\n", c->magic == COUNTER_MAGIC ?
		       (uint64_t)c->value : 0);
		return 0;
	}
	if (argc != 8) {
		fprintf(stderr,
			"usage: %s DISK NODE LOCK COUNTER_LBA ITERATIONS WORKERS BLOCK_SIZE\n"
			"       %s read DISK COUNTER_LBA BLOCK_SIZE\n",
			argv[0], argv[0]);
		return 2;
	}
	node = strtoul(argv[2], NULL, 0);
	lock = strtoul(argv[3], NULL, 0);
	lba = strtoull(argv[4], NULL, 0);
	iterations = strtoul(argv[5], NULL, 0);
	workers = strtoul(argv[6], NULL, 0);
	bs = strtoul(argv[7], NULL, 0);
	fflush(stdout);
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			_exit(worker(argv[1], node, lock, lba, iterations, bs, i));
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	return failed;
}
