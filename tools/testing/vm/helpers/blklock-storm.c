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
 * With --fenced first, holders may be frozen (SIGSTOP, and the node's
 * heartbeat paused) and lose the lock meanwhile, so the counter block is
 * a storage consumer that enforces fencing itself: the update is one
 * COMPARE AND WRITE from the block as read to the new value, and is
 * refused if the block carries a generation not below the holder's.
 * Between two updates a worker sleeps 0-20 ms outside the lock.
 * Each worker goes on until ITERATIONS updates went through (at most
 * 4 x ITERATIONS attempts, 120 s) or SIGUSR1 asks it to stop after the
 * current attempt.  The parent becomes a process group leader so that
 * the caller can stop, resume or end a whole node's workers.  Lines:
 *   A GEN MS    lock acquired with generation GEN
 *   W GEN MS VALUE  counter update accepted: the block now holds VALUE
 *   S GEN MS    refused: the counter already carries GEN or more
 *   V GEN MS    VALIDATE said ENOLCK: the lock was lost
 *   M GEN MS    the update's COMPARE AND WRITE miscompared
 *   L GEN MS    RELEASE said ENOLCK after the update
 * MS is CLOCK_BOOTTIME in ms (the clock of /proc/uptime).
 *
 * Exit status: 0 if every worker completed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "sgcaw.h"

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

static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void event(char kind, uint64_t gen, uint64_t value)
{
	if (kind == 'W')
		printf("W %" PRIu64 " %llu %" PRIu64 "\n", gen, boot_ms(), value);
	else
		printf("%c %" PRIu64 " %llu\n", kind, gen, boot_ms());
	fflush(stdout);
}

/* One fenced update of the counter; returns the event letter. */
static char fenced_update(int ctl, int fd, unsigned int lock, uint64_t lba,
			  unsigned int bs, uint64_t gen, unsigned char *buf)
{
	struct blklock_validate va = { .lock = lock, .generation = gen };
	struct counter *old = (void *)buf, *new = (void *)(buf + bs);
	int ret;

	if (pread(fd, buf, bs, lba * bs) != (ssize_t)bs)
		return 'E';
	memcpy(new, old, bs);
	if (new->magic != COUNTER_MAGIC) {
		memset(new, 0, bs);
		new->magic = COUNTER_MAGIC;
	}
	if (new->generation >= gen)
		return 'S';
	if (ioctl(ctl, BLKLOCK_IOC_VALIDATE, &va))
		return errno == ENOLCK ? 'V' : 'E';
	new->value++;
	new->generation = gen;
	ret = sg_caw(fd, lba, buf, bs, 30000);
	if (ret == SGCAW_MISCOMPARE)
		return 'M';
	return ret ? 'E' : 'W';
}

static int fenced_worker(const char *disk, unsigned int node,
			 unsigned int lock, uint64_t lba,
			 unsigned int iterations, unsigned int bs, int id)
{
	struct blklock_attach at = { .path = (uintptr_t)disk, .node_id = node };
	unsigned long long deadline = boot_ms() + 120000;
	unsigned int done = 0, attempts = 0, seed = getpid();
	unsigned char *buf;
	int ctl, fd;

	ctl = open("/dev/blklock", O_RDWR | O_CLOEXEC);
	fd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (ctl < 0 || fd < 0 || ioctl(ctl, BLKLOCK_IOC_ATTACH, &at) ||
	    posix_memalign((void **)&buf, 4096, 2 * bs)) {
		perror("worker setup");
		return 1;
	}
	while (!stop && done < iterations && attempts++ < 4 * iterations &&
	       boot_ms() < deadline) {
		struct blklock_acquire aq = { .lock = lock, .timeout_ms = 30000 };
		struct blklock_release rl = { .lock = lock };
		char what;

		if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &aq)) {
			if (errno == ENOLCK) {	/* fenced, rejoining */
				usleep(100000);
				continue;
			}
			if (errno == EINTR && stop)
				break;
			fprintf(stderr, "worker %d: acquire: %s\n", id, strerror(errno));
			return 1;
		}
		event('A', aq.generation, 0);
		what = fenced_update(ctl, fd, lock, lba, bs, aq.generation, buf);
		if (what == 'E') {
			fprintf(stderr, "worker %d: counter update: %s\n", id,
				strerror(errno));
			return 1;
		}
		event(what, aq.generation, ((struct counter *)(buf + bs))->value);
		if (what == 'W')
			done++;
		if (ioctl(ctl, BLKLOCK_IOC_RELEASE, &rl)) {
			if (errno != ENOLCK) {
				fprintf(stderr, "worker %d: release: %s\n", id,
					strerror(errno));
				return 1;
			}
			if (what == 'W')
				event('L', aq.generation, 0);
		}
		/* Work outside the lock, as an application would, so that
		 * the other node gets its turn (there is no queue on disk).
		 */
		usleep(rand_r(&seed) % 20000);
	}
	if (done < iterations && !stop)
		fprintf(stderr, "worker %d: %u of %u updates in %u attempts\n", id,
			done, iterations, attempts);
	return done < iterations && !stop;
}

int main(int argc, char **argv)
{
	int fenced = argc > 1 && !strcmp(argv[1], "--fenced");
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
	if (fenced) {
		struct sigaction sa = { .sa_handler = on_usr1,
					.sa_flags = SA_RESTART };

		argc--;
		argv++;
		setpgid(0, 0);
		sigaction(SIGUSR1, &sa, NULL);	/* the workers inherit it */
	}
	if (argc != 8) {
		fprintf(stderr,
			"usage: %s [--fenced] DISK NODE LOCK COUNTER_LBA ITERATIONS WORKERS BLOCK_SIZE\n"
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
		if (!pid && fenced)
			_exit(fenced_worker(argv[1], node, lock, lba, iterations,
					    bs, i));
		if (!pid)
			_exit(worker(argv[1], node, lock, lba, iterations, bs, i));
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	return failed;
}
