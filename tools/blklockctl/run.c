// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: run LOCK -- CMD, and the waiting it shares with sleep and
 * with holding the locks at the end of the list.
 *
 * As with flock(1), CMD inherits the open /dev/blklock file, and a lock
 * belongs to the open file (description), not to a process: if
 * blklockctl alone is killed (the OOM killer), the lock stays held until
 * CMD and whatever inherited the file from it are gone too.  blklockctl
 * waits for CMD, watching the file: when the kernel reports a lost lock
 * (POLLPRI), it sends CMD SIGTERM and, if CMD still runs --kill-after
 * milliseconds later, SIGKILL.  With --on-request=SIGNAL it also watches
 * for requests (POLLRDBAND, format 4): when another process asks for the
 * lock (blklockctl request), CMD gets SIGNAL, once.
 *
 * Signals: SIGINT and SIGTERM have a handler installed without
 * SA_RESTART, so a waiting BLKLOCK_IOC_ACQUIRE returns EINTR.  Every
 * other wait happens in ppoll() with those signals blocked outside it,
 * so no signal is missed.
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
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_child(int sig)
{
	(void)sig;	/* only to interrupt ppoll() */
}

void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a waiting acquire returns EINTR */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/* Block SIGINT, SIGTERM and SIGCHLD; the old mask goes to @old. */
void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old);
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * ppoll() for at most @ms milliseconds (-1: no limit), with the signals
 * of @mask delivered only while it waits.  Called with them blocked.
 */
int wait_for(struct pollfd *fds, nfds_t n, int64_t ms, const sigset_t *mask)
{
	struct timespec ts;

	if (ms < 0)
		return ppoll(fds, n, NULL, mask);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	return ppoll(fds, n, &ts, mask);
}

/* The kernel reports a lost lock as POLLPRI | POLLERR on the file. */
bool revents_lost(const struct pollfd *p)
{
	return p->fd >= 0 && (p->revents & (POLLPRI | POLLERR | POLLNVAL));
}

static void set_env_u64(const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	setenv(name, buf, 1);
}

/*
 * In the child: CMD gets the open file (not close-on-exec) and the lock's
 * numbers, and its name when it was given by name.
 */
static _Noreturn void exec_child(char **cmd, uint32_t lock, const char *name,
				 uint64_t gen, const sigset_t *mask)
{
	int err;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (fcntl(blc.ctl, F_SETFD, 0)) {
		err = errno;
		fprintf(stderr, "blklockctl: cannot pass the open %s to %s: %s (%s)\n",
			blc.control, cmd[0], strerror(err), errno_name(err));
		_exit(126);
	}
	set_env_u64("BLKLOCK_GENERATION", gen);
	set_env_u64("BLKLOCK_LOCK", lock);
	set_env_u64("BLKLOCK_FD", (uint64_t)blc.ctl);
	if (name)
		setenv("BLKLOCK_LOCK_NAME", name, 1);
	else
		unsetenv("BLKLOCK_LOCK_NAME");	/* not an outer run's */
	execvp(cmd[0], cmd);
	err = errno;
	fprintf(stderr, "blklockctl: cannot run %s: %s (%s)\n", cmd[0],
		strerror(err), errno_name(err));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

/* What run knows of its command while it waits for it. */
struct child {
	pid_t pid;
	const char *name;
	uint32_t kill_after_ms;
	bool lost;		/* the kernel reported a lost lock */
	bool killed;		/* SIGKILL sent */
	int64_t kill_at;	/* when to send SIGKILL, once lost */
	int status;		/* from waitpid() */
	uint32_t lock;		/* run's LOCK */
	const char *lock_name;	/* its name, if given by one */
	int on_request;		/* --on-request's signal; 0: requests ignored */
	bool requested;		/* on_request sent: requests ignored from now on */
	int64_t rdband_at;	/* POLLRDBAND not watched before then */
};

/* A POLLRDBAND that reading STATUS did not end is looked at again this much later. */
#define RUN_REQUEST_RECHECK_MS 1000

/* The lock is lost: SIGTERM now (SIGKILL at once with --kill-after=0). */
static void child_lost(struct child *c)
{
	c->lost = true;
	if (!c->kill_after_ms) {
		fprintf(stderr, "blklockctl: a held lock is lost (the kernel reported it through poll): stopping %s with SIGKILL\n",
			c->name);
		kill(c->pid, SIGKILL);
		c->killed = true;
		return;
	}
	fprintf(stderr, "blklockctl: a held lock is lost (the kernel reported it through poll): stopping %s with SIGTERM (SIGKILL in %" PRIu32 " ms)\n",
		c->name, c->kill_after_ms);
	kill(c->pid, SIGTERM);
	c->kill_at = now_ms() + c->kill_after_ms;
}

/* How long to wait for the next event (-1: no limit); SIGKILL when due. */
static int64_t child_timeout(struct child *c)
{
	int64_t left;

	if (!c->lost || c->killed)
		return -1;
	left = c->kill_at - now_ms();
	if (left > 0)
		return left;
	fprintf(stderr, "blklockctl: %s still runs %" PRIu32 " ms after SIGTERM: sending SIGKILL\n",
		c->name, c->kill_after_ms);
	kill(c->pid, SIGKILL);
	c->killed = true;
	return -1;
}

/* Does run watch for requests now (--on-request, not sent yet, not muted)? */
static bool watch_requests(const struct child *c, int64_t now)
{
	return c->on_request && !c->requested && now >= c->rdband_at;
}

/* child_timeout(), or less if a muted POLLRDBAND is to be watched sooner. */
static int64_t next_timeout(struct child *c)
{
	int64_t left = child_timeout(c), now = now_ms();

	if (!c->on_request || c->requested || now >= c->rdband_at)
		return left;
	if (left < 0 || c->rdband_at - now < left)
		left = c->rdband_at - now;
	return left;
}

/* BLKLOCK_IOC_STATUS's state of @lock: reading it acknowledges a request. */
static bool lock_requested(uint32_t lock)
{
	struct blklock_status st;

	memset(&st, 0, sizeof(st));
	st.lock = lock;
	return !ioctl(blc.ctl, BLKLOCK_IOC_STATUS, &st) &&
	       (st.state & BLKLOCK_STATE_REQUESTED);
}

/* Does the file still report POLLRDBAND, right now? */
static bool rdband_pending(void)
{
	struct pollfd q = { .fd = blc.ctl, .events = POLLRDBAND };

	return wait_for(&q, 1, 0, NULL) > 0 && (q.revents & POLLRDBAND);
}

/*
 * POLLRDBAND: a request for a lock this file holds, reported until the
 * file reads that lock's STATUS.  Read the STATUS of every lock the file
 * holds (run's, and those taken earlier in the list); if run's lock was
 * requested, send CMD the signal, once.  If POLLRDBAND is still reported
 * afterwards (a lock CMD took through the inherited file, which run does
 * not know, or a failed STATUS), it is not watched again for a while, so
 * that run never spins.
 */
static void child_requested(struct child *c)
{
	char label[LOCK_LABEL_MAX], sig[SIGNAL_LABEL_MAX];
	bool mine = false;

	for (size_t i = 0; i < nr_held_locks(); i++)
		if (lock_requested(held_lock(i)) && held_lock(i) == c->lock)
			mine = true;
	if (!mine) {
		if (rdband_pending())
			c->rdband_at = now_ms() + RUN_REQUEST_RECHECK_MS;
		return;
	}
	if (!blc.quiet)
		fprintf(stderr, "blklockctl: lock %s was requested by another process: sending %s to the command (pid %ld)\n",
			lock_label(c->lock, c->lock_name, label, sizeof(label)),
			signal_label(c->on_request, sig, sizeof(sig)), (long)c->pid);
	kill(c->pid, c->on_request);
	c->requested = true;
}

/* Nothing to watch any more: just wait for CMD. */
static void child_reap(struct child *c, const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	block_signals(NULL);
}

/*
 * Wait for CMD with the signals blocked, passing SIGINT and SIGTERM on
 * and stopping it when the lock is lost.  Returns 0 or an exit code.
 */
static int supervise(struct child *c, const sigset_t *old)
{
	struct pollfd p = { .fd = blc.ctl };

	for (;;) {
		pid_t w = waitpid(c->pid, &c->status, WNOHANG);
		int64_t ms;
		int r;

		if (w == c->pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return fail(OP_OTHER, errno, "waitpid");
		if (got_signal) {
			kill(c->pid, got_signal);
			got_signal = 0;
		}
		ms = next_timeout(c);
		p.events = POLLPRI | (watch_requests(c, now_ms()) ? POLLRDBAND : 0);
		p.revents = 0;
		r = wait_for(&p, 1, ms, old);
		if (r < 0 && errno != EINTR) {
			fail(OP_OTHER, errno, "poll");
			child_reap(c, old);
			return 0;
		}
		if (r > 0 && revents_lost(&p) && !c->lost) {
			child_lost(c);
			p.fd = -1;	/* it stays set: stop watching */
		} else if (r > 0 && (p.revents & POLLRDBAND)) {
			child_requested(c);
		}
	}
}

/* run's exit status once CMD is done and the locks are released. */
static int run_status(const struct child *c, int released)
{
	if (c->lost || released == EXIT_LOST)
		return EXIT_LOST;
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status))
		return WEXITSTATUS(c->status);
	return released;	/* CMD succeeded: 0, or the release's error */
}

/*
 * run LOCK [--nowait | --timeout=MS] [--kill-after=MS] [--on-request=SIGNAL]
 * -- CMD [ARG]...:
 * take the lock (creating its name, if given by one), run CMD, release
 * the lock, and return CMD's status.
 */
int cmd_run(const struct step *s)
{
	struct child c = {
		.name = s->argv[0],
		.kill_after_ms = s->kill_after_ms,
		.lock_name = s->lock_name,
		.on_request = s->on_request,
	};
	uint32_t lock, result;
	uint64_t gen;
	sigset_t old;
	int ret;

	ret = step_lock(s, "acquire", BLKLOCK_NAME_CREATE, &lock, &result);
	if (ret)
		return ret;
	ret = do_acquire(lock, s->lock_name, result, s->nowait, s->timeout_ms, &gen);
	if (ret)
		return ret;
	c.lock = lock;
	fflush(NULL);
	block_signals(&old);
	c.pid = fork();
	if (c.pid < 0) {
		ret = fail(OP_OTHER, errno, "fork");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return ret;
	}
	if (!c.pid)
		exec_child(s->argv, lock, s->lock_name, gen, &old);
	ret = supervise(&c, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return ret;
	return run_status(&c, release_all());
}
