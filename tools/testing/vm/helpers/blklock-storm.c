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
 *
 * blklock-storm soak [--think MS] [--acquire-timeout MS] DISK NODE WORKERS
 *                    BLOCK_SIZE SECONDS DIR LOCK:COUNTER_LBA...
 *
 * The soak mode of make soak (tools/testing/cluster/soak.sh): WORKERS
 * processes, each with its own open /dev/blklock bound to DISK as NODE,
 * loop without a bound on the number of iterations: each picks one of
 * the LOCKs at random, acquires it and makes the fenced update of that
 * lock's own counter block (as --fenced does), releases it, and sleeps
 * 0-MS ms (default 10) outside the lock.  An ACQUIRE waits up to
 * --acquire-timeout ms (default 30000; a short one sends a worker on to
 * another lock while the owner of this one is frozen).  Errors do not end a worker: a
 * fenced node (ENOLCK), a timed-out acquire or a failed command is
 * counted and the loop goes on.  They stop after the current attempt on
 * SIGUSR1 to the parent (DIR/pid holds its pid; it passes the signal on
 * to its process group) or after SECONDS of CLOCK_BOOTTIME.
 * Worker I writes one line per event to DIR/events.I (written out before
 * each call that may block, so that a worker stuck in the kernel leaves
 * every event it had):
 *   A LOCK GEN MS        lock acquired with generation GEN
 *   P LOCK GEN MS VALUE  the counter update is about to be sent, writing
 *                        VALUE (its outcome follows: W, F, M or U)
 *   W LOCK GEN MS VALUE  counter update accepted: the block now holds VALUE
 *   S LOCK GEN MS        refused: the counter already carries GEN or more
 *   V LOCK GEN MS        VALIDATE said ENOLCK: the lock was lost
 *   F LOCK GEN MS VALUE  the update's COMPARE AND WRITE reported a
 *                        miscompare or failed, but the block read back
 *                        holds its write image: accepted (see soak_update)
 *   M LOCK GEN MS VALUE  the update's COMPARE AND WRITE miscompared and the
 *                        block does not hold its image (it may have been
 *                        written and overwritten since: fate unknown)
 *   U LOCK GEN MS VALUE  the update's COMPARE AND WRITE failed and the block
 *                        does not hold its image: its fate is unknown (it
 *                        may land later, writing VALUE)
 *   E LOCK GEN MS ERRNO  reading the counter or VALIDATE failed
 *   L LOCK GEN MS        RELEASE said ENOLCK after an accepted update (W, F)
 *   R LOCK GEN MS ERRNO  RELEASE failed otherwise
 *   T LOCK 0 MS ERRNO    ACQUIRE failed (ENOLCK while fenced, ETIMEDOUT,
 *                        an I/O error)
 * The parent samples the node's heartbeat state and incarnation in sysfs
 * every 20 ms (a fence is at least one heartbeat interval long) and
 * rewrites DIR/progress every second with one line:
 *   MS acquired N accepted N accepted-read-back N refused N validate-lost N
 *   miscompared N unknown N errors N release-lost N release-failed N
 *   acquire-failed N fences N rejoins N stopped N old-incarnation N running N
 * where fences counts the changes from live to fenced or evicted,
 * rejoins the changes of incarnation, stopped the samples that said
 * stopped, old-incarnation the samples live again after a fence with an
 * incarnation that was live before it, running the workers left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "sgcaw.h"
#include "sysdir.h"

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

/* ---- soak mode ---------------------------------------------------------- */

#define SOAK_MAX_LOCKS	64

/* What one worker counted: its own slot, read by the parent. */
enum { C_A, C_W, C_F, C_S, C_V, C_M, C_U, C_E, C_L, C_R, C_T, C_NR };

struct soak_counts {
	_Atomic uint64_t n[C_NR];
};

struct soak {
	const char *disk, *dir;
	unsigned int node, workers, bs, think_ms, acq_ms, nlocks;
	unsigned long long deadline;
	unsigned int lock[SOAK_MAX_LOCKS];
	uint64_t lba[SOAK_MAX_LOCKS];
	struct soak_counts *counts;
};

static FILE *soak_open(const struct soak *sk, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sk->dir, name);
	f = fopen(path, "w");
	if (!f)
		perror(path);
	return f;
}

/*
 * One fenced update of the counter: W, F, S, V, M, U, or E (errno set).
 * @buf holds 3 * @bs bytes: the compare image, the write image, and room
 * for a read-back.  A COMPARE AND WRITE that reported a miscompare or
 * failed may have been written all the same: a command whose response
 * was lost when the path was cut is sent again by the initiator once it
 * has logged in again (QEMU's libiscsi requeues it), and the second
 * execution miscompares against the block the first one wrote.  So the
 * block is read back: if it holds this update's write image (its
 * generation is this holder's, found nowhere else), the update landed.
 */
static char soak_update(FILE *ev, int ctl, int fd, unsigned int lock,
			uint64_t lba, unsigned int bs, uint64_t gen,
			unsigned char *buf)
{
	struct blklock_validate va = { .lock = lock, .generation = gen };
	struct counter *old = (void *)buf, *new = (void *)(buf + bs);
	unsigned char *back = buf + 2 * bs;
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
	/* On the record before it is sent: a worker may never come back. */
	fprintf(ev, "P %u %" PRIu64 " %llu %" PRIu64 "\n", lock, gen,
		boot_ms(), (uint64_t)new->value);
	fflush(ev);
	ret = sg_caw(fd, lba, buf, bs, 30000);
	if (ret == SGCAW_OK)
		return 'W';
	if (pread(fd, back, bs, lba * bs) == (ssize_t)bs && !memcmp(back, new, bs))
		return 'F';
	return ret == SGCAW_MISCOMPARE ? 'M' : 'U';
}

static int soak_worker(const struct soak *sk, int id)
{
	struct blklock_attach at = { .path = (uintptr_t)sk->disk,
				     .node_id = sk->node };
	struct soak_counts *cn = &sk->counts[id];
	unsigned int seed = getpid() * 2654435761U ^ (unsigned int)boot_ms();
	unsigned char *buf;
	char name[32];
	FILE *ev;
	int ctl, fd, tries;

	snprintf(name, sizeof(name), "events.%d", id);
	ev = soak_open(sk, name);
	if (!ev)
		return 1;
	setvbuf(ev, NULL, _IOFBF, 1 << 16);
	ctl = open("/dev/blklock", O_RDWR | O_CLOEXEC);
	fd = open(sk->disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (ctl < 0 || fd < 0 || posix_memalign((void **)&buf, 4096, 3 * sk->bs)) {
		perror("worker setup");
		return 1;
	}
	/* The node may be fenced or the path cut right now: try a while. */
	for (tries = 0; ioctl(ctl, BLKLOCK_IOC_ATTACH, &at); tries++) {
		if (tries == 600 || stop) {
			perror("BLKLOCK_IOC_ATTACH");
			return 1;
		}
		usleep(100000);
	}
	while (!stop && boot_ms() < sk->deadline) {
		unsigned int k = rand_r(&seed) % sk->nlocks, lock = sk->lock[k];
		struct blklock_acquire aq = { .lock = lock,
					      .timeout_ms = sk->acq_ms };
		struct blklock_release rl = { .lock = lock };
		struct counter *new = (void *)(buf + sk->bs);
		unsigned long long now;
		char what;

		/*
		 * Every line is written out before the next call that may
		 * block: a worker stuck in the kernel (a disk that never
		 * answers) leaves its events whole for the verdict.
		 */
		fflush(ev);
		if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &aq)) {
			int e = errno;

			if (e == EINTR && stop)
				break;
			fprintf(ev, "T %u 0 %llu %d\n", lock, boot_ms(), e);
			atomic_fetch_add(&cn->n[C_T], 1);
			usleep(100000);
			continue;
		}
		fprintf(ev, "A %u %" PRIu64 " %llu\n", lock,
			(uint64_t)aq.generation, boot_ms());
		atomic_fetch_add(&cn->n[C_A], 1);
		fflush(ev);
		what = soak_update(ev, ctl, fd, lock, sk->lba[k], sk->bs,
				   aq.generation, buf);
		now = boot_ms();
		switch (what) {
		case 'W':
		case 'F':
		case 'M':
		case 'U':
			fprintf(ev, "%c %u %" PRIu64 " %llu %" PRIu64 "\n", what,
				lock, (uint64_t)aq.generation, now,
				(uint64_t)new->value);
			atomic_fetch_add(&cn->n[what == 'W' ? C_W : what == 'F' ? C_F :
						what == 'M' ? C_M : C_U], 1);
			break;
		case 'E':
			fprintf(ev, "E %u %" PRIu64 " %llu %d\n", lock,
				(uint64_t)aq.generation, now, errno);
			atomic_fetch_add(&cn->n[C_E], 1);
			break;
		default:
			fprintf(ev, "%c %u %" PRIu64 " %llu\n", what, lock,
				(uint64_t)aq.generation, now);
			atomic_fetch_add(&cn->n[what == 'S' ? C_S : C_V], 1);
		}
		if (ioctl(ctl, BLKLOCK_IOC_RELEASE, &rl)) {
			int e = errno;

			if (e != ENOLCK) {
				fprintf(ev, "R %u %" PRIu64 " %llu %d\n", lock,
					(uint64_t)aq.generation, boot_ms(), e);
				atomic_fetch_add(&cn->n[C_R], 1);
			} else if (what == 'W' || what == 'F') {
				fprintf(ev, "L %u %" PRIu64 " %llu\n", lock,
					(uint64_t)aq.generation, boot_ms());
				atomic_fetch_add(&cn->n[C_L], 1);
			}
		}
		if (sk->think_ms)
			usleep(rand_r(&seed) % (sk->think_ms * 1000));
	}
	fclose(ev);
	return 0;
}

static int read_sys(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

#define SOAK_MAX_INC	4096

static int soak(int argc, char **argv)
{
	static char seen[SOAK_MAX_INC][24];
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	struct soak sk = { .think_ms = 10, .acq_ms = 30000 };
	char dir[256] = "", hb_path[300], inc_path[300];
	char last_state[32] = "", last_inc[24] = "";
	uint64_t fences = 0, rejoins = 0, stopped = 0, old_inc = 0;
	unsigned long long next_report = 0;
	unsigned int i, running, nseen = 0, fenced_since = 0;
	int forwarded = 0;
	FILE *f;
	int status, failed = 0;

	while (argc > 2 && (!strcmp(argv[0], "--think") ||
			    !strcmp(argv[0], "--acquire-timeout"))) {
		if (!strcmp(argv[0], "--think"))
			sk.think_ms = strtoul(argv[1], NULL, 0);
		else
			sk.acq_ms = strtoul(argv[1], NULL, 0);
		argc -= 2;
		argv += 2;
	}
	if (argc < 7) {
		fprintf(stderr,
			"usage: blklock-storm soak [--think MS] [--acquire-timeout MS] DISK NODE WORKERS BLOCK_SIZE SECONDS DIR LOCK:COUNTER_LBA...\n");
		return 2;
	}
	sk.disk = argv[0];
	sk.node = strtoul(argv[1], NULL, 0);
	sk.workers = strtoul(argv[2], NULL, 0);
	sk.bs = strtoul(argv[3], NULL, 0);
	sk.deadline = boot_ms() + strtoull(argv[4], NULL, 0) * 1000;
	sk.dir = argv[5];
	for (i = 6; i < (unsigned int)argc && sk.nlocks < SOAK_MAX_LOCKS; i++) {
		char *colon;

		sk.lock[sk.nlocks] = strtoul(argv[i], &colon, 0);
		if (*colon != ':') {
			fprintf(stderr, "soak: %s is not LOCK:COUNTER_LBA\n", argv[i]);
			return 2;
		}
		sk.lba[sk.nlocks++] = strtoull(colon + 1, NULL, 0);
	}
	if (!sk.workers || !sk.bs || !sk.nlocks)
		return 2;
	sk.counts = mmap(NULL, sk.workers * sizeof(*sk.counts),
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sk.counts == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	setpgid(0, 0);
	sigaction(SIGUSR1, &sa, NULL);	/* the workers inherit it */
	f = soak_open(&sk, "pid");
	if (!f)
		return 1;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	for (i = 0; i < sk.workers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			_exit(soak_worker(&sk, i));
	}
	hb_path[0] = inc_path[0] = '\0';
	running = sk.workers;
	while (running) {
		char state[32], inc[24], inc2[24];
		unsigned long long now = boot_ms();

		if (stop && !forwarded) {
			/* SIGUSR1 to this process: pass it on to the workers */
			forwarded = 1;
			kill(0, SIGUSR1);
		}

		while (running && waitpid(-1, &status, WNOHANG) > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				failed = 1;
		}
		if (!dir[0] && !blklock_sysdir(sk.disk, dir, sizeof(dir))) {
			snprintf(hb_path, sizeof(hb_path), "%s/heartbeat", dir);
			snprintf(inc_path, sizeof(inc_path), "%s/incarnation", dir);
		}
		/* A consistent sample: the incarnation did not change around
		 * the read of the state.
		 */
		if (dir[0] && !read_sys(inc_path, inc, sizeof(inc)) &&
		    !read_sys(hb_path, state, sizeof(state)) &&
		    !read_sys(inc_path, inc2, sizeof(inc2)) && !strcmp(inc, inc2)) {
			int live = !strcmp(state, "live");

			if (strcmp(state, last_state)) {
				if (!strcmp(last_state, "live"))
					fences++;
				if (!strcmp(state, "stopped"))
					stopped++;
				if (!live)
					fenced_since = nseen;
				snprintf(last_state, sizeof(last_state), "%s", state);
			}
			if (last_inc[0] && strcmp(inc, last_inc))
				rejoins++;
			snprintf(last_inc, sizeof(last_inc), "%s", inc);
			if (live) {
				unsigned int j, known = 0;

				for (j = 0; j < nseen; j++)
					if (!strcmp(seen[j], inc)) {
						known = 1;
						/* live before the latest fence */
						if (j < fenced_since)
							old_inc++;
						break;
					}
				if (!known && nseen < SOAK_MAX_INC)
					snprintf(seen[nseen++], sizeof(seen[0]), "%s", inc);
			}
		}
		if (now >= next_report || !running) {
			uint64_t t[C_NR] = { 0 };
			unsigned int w, c;
			char tmp[512], path[512];

			for (w = 0; w < sk.workers; w++)
				for (c = 0; c < C_NR; c++)
					t[c] += atomic_load(&sk.counts[w].n[c]);
			snprintf(tmp, sizeof(tmp), "%s/progress.tmp", sk.dir);
			snprintf(path, sizeof(path), "%s/progress", sk.dir);
			f = fopen(tmp, "w");
			if (f) {
				fprintf(f,
					"%llu acquired %" PRIu64 " accepted %" PRIu64
					" accepted-read-back %" PRIu64
					" refused %" PRIu64 " validate-lost %" PRIu64
					" miscompared %" PRIu64 " unknown %" PRIu64
					" errors %" PRIu64 " release-lost %" PRIu64
					" release-failed %" PRIu64 " acquire-failed %" PRIu64
					" fences %" PRIu64 " rejoins %" PRIu64
					" stopped %" PRIu64 " old-incarnation %" PRIu64
					" running %u\n",
					now, t[C_A], t[C_W], t[C_F], t[C_S], t[C_V], t[C_M],
					t[C_U], t[C_E], t[C_L], t[C_R], t[C_T],
					fences, rejoins, stopped, old_inc, running);
				fclose(f);
				rename(tmp, path);
			}
			next_report = now + 1000;
		}
		if (running)
			usleep(20000);
	}
	return failed;
}

int main(int argc, char **argv)
{
	int fenced = argc > 1 && !strcmp(argv[1], "--fenced");
	unsigned int node, lock, iterations, workers, bs, i;
	uint64_t lba;
	int status, failed = 0;

	if (argc > 1 && !strcmp(argv[1], "soak"))
		return soak(argc - 2, argv + 2);
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
