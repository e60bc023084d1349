// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: command-line front end of /dev/blklock.
 *
 * Locks belong to the open /dev/blklock file, so they live as long as
 * blklockctl runs.  Commands run in order on one open file; locks still
 * held when the list ends are held until SIGINT or SIGTERM (or the end of
 * standard input with --until-eof), then released.  See blklockctl(8).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#define VERSION "1.0"

enum {
	EXIT_OK = 0,
	EXIT_BUSY = 1,		/* lock held elsewhere, or timed out */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
	EXIT_INTERRUPTED = 4,
};

static const char *control = "/dev/" BLKLOCK_MISC_NAME;
static bool quiet;
static int ctl = -1;
static volatile sig_atomic_t got_signal;

/* Locks this process holds, for the release at the end. */
static uint32_t held[64];
static unsigned int nr_held;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: blklockctl [OPTIONS] COMMAND [ARGS] [COMMAND [ARGS]]...\n"
"       blklockctl [OPTIONS] format DISK [--locks N] [--force] [--uuid UUID]\n"
"       blklockctl [OPTIONS] run LOCK [--nowait | --timeout MS] -- CMD [ARG]...\n"
"\n"
"Take and drop blklock cluster locks through /dev/blklock.  Commands run in\n"
"order on one open file; locks still held at the end are held until SIGINT\n"
"or SIGTERM (or end of input with --until-eof), then released.\n"
"\n"
"Commands:\n"
"  acquire LOCK [--nowait | --timeout MS]   take a lock (waits by default)\n"
"  release LOCK                             drop a lock taken earlier in the list\n"
"  status LOCK                              read a lock's record from the disk\n"
"  info                                     describe the lockspace\n"
"  sleep MS                                 pause\n"
"  format DISK [--locks N] [--force] [--uuid UUID]\n"
"                                           write an empty lockspace (default 1024 locks)\n"
"  run LOCK [--nowait | --timeout MS] -- CMD [ARG]...\n"
"                                           hold LOCK while CMD runs; exit with its status\n"
"\n"
"Options:\n"
"  -c, --control PATH   control device (default /dev/blklock)\n"
"  -D, --device DISK    attach this file to DISK (with --node; CAP_SYS_ADMIN)\n"
"  -n, --node ID        node id to act as on DISK (1..%u)\n"
"  -e, --until-eof      hold remaining locks until standard input ends\n"
"  -q, --quiet          print only errors\n"
"  -h, --help           this text\n"
"  -V, --version        version\n"
"\n"
"Exit status: 0 success; 1 lock busy or timed out; 2 usage error;\n"
"3 other error; 4 interrupted by a signal; run: CMD's status (126 cannot\n"
"execute, 127 not found, 128+N killed by signal N).\n",
		BLKLOCK_MAX_NODE_ID);
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENOLCK: return "ENOLCK";
	case ENOTTY: return "ENOTTY";
	case ETIME: return "ETIME";
	case ENOLINK: return "ENOLINK";
	case EBADMSG: return "EBADMSG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case ECONNABORTED: return "ECONNABORTED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ESTALE: return "ESTALE";
	case EUCLEAN: return "EUCLEAN";
	case EREMOTEIO: return "EREMOTEIO";
	case ENOMEDIUM: return "ENOMEDIUM";
	case EMEDIUMTYPE: return "EMEDIUMTYPE";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EAGAIN: return "EAGAIN";
	case EILSEQ: return "EILSEQ";
	default: return "?";
	}
}

static const char *errno_hint(int e)
{
	switch (e) {
	case EBUSY: return "the lock is held by another node or another file, or the disk is in use";
	case ETIMEDOUT: return "the lock stayed held for the whole timeout";
	case EOPNOTSUPP: return "the disk cannot do COMPARE AND WRITE (not SCSI, or the target refuses it)";
	case ENXIO: return "no lockspace attached: load blklock with dev= and node_id=, or use --device/--node";
	case ENOENT: return "is the blklock module loaded?";
	case EEXIST: return "the disk carries another signature; --force overwrites it";
	case EMEDIUMTYPE: return "the disk holds no lockspace: format it first";
	case EPERM: return "the file does not hold that lock, or CAP_SYS_ADMIN is needed";
	case EACCES: return "permission denied, or a SCSI reservation conflict";
	case ENOLCK: return "the lock was taken over by another node";
	case EDEADLK: return "this blklockctl already holds that lock";
	default: return NULL;
	}
}

static int fail(int err, const char *fmt, ...)
{
	const char *hint = errno_hint(err);
	va_list ap;

	fputs("blklockctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (%s)", strerror(err), errno_name(err));
	if (hint)
		fprintf(stderr, "; %s", hint);
	fputc('\n', stderr);
	if (err == EINTR)
		return EXIT_INTERRUPTED;
	if (err == EBUSY || err == ETIMEDOUT)
		return EXIT_BUSY;
	return EXIT_SYSTEM;
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("blklockctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'blklockctl --help'.\n", stderr);
	return EXIT_USAGE;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Parse an unsigned decimal number in [min, max]; false if it is not one. */
static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_uuid(const char *s, uint8_t *uuid)
{
	unsigned int i = 0;

	for (; *s && i < 16; s++) {
		unsigned int byte;

		if (*s == '-')
			continue;
		if (sscanf(s, "%2x", &byte) != 1 || !s[1] || s[1] == '-')
			return false;
		uuid[i++] = byte;
		s++;
	}
	return i == 16 && !*s;
}

static void print_uuid(const uint8_t *u)
{
	int i;

	for (i = 0; i < 16; i++)
		printf("%02x%s", u[i], (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

static void on_signal(int sig)
{
	got_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a waiting acquire returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int open_control(void)
{
	if (ctl >= 0)
		return 0;
	ctl = open(control, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail(errno, "cannot open %s", control);
	return 0;
}

static void forget(uint32_t lock)
{
	unsigned int i;

	for (i = 0; i < nr_held; i++) {
		if (held[i] == lock) {
			held[i] = held[--nr_held];
			return;
		}
	}
}

static int do_acquire(uint32_t lock, bool nowait, uint32_t timeout_ms,
		      uint64_t *generation)
{
	struct blklock_acquire a;

	memset(&a, 0, sizeof(a));
	a.lock = lock;
	a.flags = nowait ? BLKLOCK_ACQUIRE_NOWAIT : 0;
	a.timeout_ms = timeout_ms;
	if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &a))
		return fail(errno, "acquire lock %" PRIu32, lock);
	if (nr_held < sizeof(held) / sizeof(held[0]))
		held[nr_held++] = lock;
	*generation = a.generation;
	say("acquired lock %" PRIu32 " generation %" PRIu64 "\n", lock,
	    (uint64_t)a.generation);
	return 0;
}

static int do_release(uint32_t lock)
{
	struct blklock_release r;

	memset(&r, 0, sizeof(r));
	r.lock = lock;
	if (ioctl(ctl, BLKLOCK_IOC_RELEASE, &r)) {
		int err = errno;

		if (err == ENOLCK)
			forget(lock);
		return fail(err, "release lock %" PRIu32, lock);
	}
	forget(lock);
	say("released lock %" PRIu32 "\n", lock);
	return 0;
}

static int do_status(uint32_t lock)
{
	struct blklock_status s;

	memset(&s, 0, sizeof(s));
	s.lock = lock;
	if (ioctl(ctl, BLKLOCK_IOC_STATUS, &s))
		return fail(errno, "status of lock %" PRIu32, lock);
	say("lock %" PRIu32 ": owner %" PRIu32 " generation %" PRIu64
	    " held-by-this-file %s held-by-this-node %s\n", lock, s.owner,
	    (uint64_t)s.generation,
	    s.state & BLKLOCK_STATE_HELD_BY_FILE ? "yes" : "no",
	    s.state & BLKLOCK_STATE_HELD_BY_NODE ? "yes" : "no");
	return 0;
}

static int do_info(void)
{
	struct blklock_info i;

	memset(&i, 0, sizeof(i));
	if (ioctl(ctl, BLKLOCK_IOC_INFO, &i))
		return fail(errno, "info");
	if (quiet)
		return 0;
	printf("node %" PRIu32 "\ndisk %s\nformat %" PRIu32 "\nblock-size %" PRIu32
	       "\nlocks %" PRIu32 "\nlock-lba %" PRIu64 "\nuuid ", i.node_id,
	       i.disk, i.format_version, i.block_size, i.nr_locks,
	       (uint64_t)i.lock_lba);
	print_uuid(i.uuid);
	printf("\n");
	fflush(stdout);
	return 0;
}

static int do_attach(const char *disk, uint32_t node)
{
	struct blklock_attach a;

	memset(&a, 0, sizeof(a));
	a.path = (uintptr_t)disk;
	a.node_id = node;
	if (ioctl(ctl, BLKLOCK_IOC_ATTACH, &a))
		return fail(errno, "attach %s as node %" PRIu32, disk, node);
	return 0;
}

/* Release what is still held; returns the first error's exit code. */
static int release_all(void)
{
	int ret = 0;

	while (nr_held) {
		int r = do_release(held[nr_held - 1]);

		if (r) {
			forget(held[nr_held - 1]);
			if (!ret)
				ret = r;
		}
	}
	return ret;
}

/* Parse "--nowait" / "--timeout MS" after a LOCK argument. */
static int parse_wait(char **argv, int *i, int argc, bool *nowait,
		      uint32_t *timeout)
{
	*nowait = false;
	*timeout = 0;
	while (*i < argc) {
		if (!strcmp(argv[*i], "--nowait")) {
			*nowait = true;
		} else if (!strcmp(argv[*i], "--timeout")) {
			if (*i + 1 >= argc ||
			    !parse_u32(argv[*i + 1], 1, BLKLOCK_MAX_TIMEOUT_MS, timeout))
				return usage_error("--timeout needs a number of ms from 1 to %u",
						   BLKLOCK_MAX_TIMEOUT_MS);
			(*i)++;
		} else {
			break;
		}
		(*i)++;
	}
	if (*nowait && *timeout)
		return usage_error("--nowait and --timeout exclude each other");
	return 0;
}

static int parse_lock(const char *cmd, const char *arg, uint32_t *lock)
{
	if (!parse_u32(arg, 0, BLKLOCK_MAX_LOCKS - 1, lock))
		return usage_error("%s needs a lock number from 0 to %u", cmd,
				   BLKLOCK_MAX_LOCKS - 1);
	return 0;
}

static int cmd_format(int argc, char **argv)
{
	struct blklock_format f;
	uint32_t locks = 1024;
	const char *disk = NULL;
	int i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force")) {
			f.flags |= BLKLOCK_FORMAT_FORCE;
		} else if (!strcmp(argv[i], "--locks")) {
			if (i + 1 >= argc || !parse_u32(argv[++i], 1, BLKLOCK_MAX_LOCKS, &locks))
				return usage_error("--locks needs a number from 1 to %u",
						   BLKLOCK_MAX_LOCKS);
		} else if (!strcmp(argv[i], "--uuid")) {
			if (i + 1 >= argc || !parse_uuid(argv[++i], f.uuid))
				return usage_error("--uuid needs a uuid like 0f8a...-...");
		} else if (argv[i][0] == '-') {
			return usage_error("format: unknown option '%s'", argv[i]);
		} else if (!disk) {
			disk = argv[i];
		} else {
			return usage_error("format takes one disk");
		}
	}
	if (!disk)
		return usage_error("format needs a DISK");
	f.path = (uintptr_t)disk;
	f.nr_locks = locks;
	if (open_control())
		return EXIT_SYSTEM;
	if (ioctl(ctl, BLKLOCK_IOC_FORMAT, &f))
		return fail(errno, "format %s", disk);
	say("formatted %s: %" PRIu32 " locks\n", disk, locks);
	return 0;
}

/* Parse the arguments of run without running anything. */
static int check_run(int argc, char **argv)
{
	uint32_t lock, timeout;
	bool nowait;
	int i = 1, ret;

	if (argc < 1)
		return usage_error("run needs LOCK -- CMD");
	ret = parse_lock("run", argv[0], &lock);
	if (!ret)
		ret = parse_wait(argv, &i, argc, &nowait, &timeout);
	if (!ret && (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc))
		ret = usage_error("run needs LOCK [--nowait | --timeout MS] -- CMD [ARG]...");
	return ret;
}

static int cmd_run(int argc, char **argv)
{
	uint32_t lock, timeout;
	uint64_t gen;
	bool nowait;
	char buf[32];
	int i = 1, ret, status;
	pid_t pid;

	ret = check_run(argc, argv);
	if (ret)
		return ret;
	parse_lock("run", argv[0], &lock);
	parse_wait(argv, &i, argc, &nowait, &timeout);
	ret = do_acquire(lock, nowait, timeout, &gen);
	if (ret)
		return ret;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = fail(errno, "fork");
		release_all();
		return ret;
	}
	if (!pid) {
		snprintf(buf, sizeof(buf), "%" PRIu64, gen);
		setenv("BLKLOCK_GENERATION", buf, 1);
		snprintf(buf, sizeof(buf), "%" PRIu32, lock);
		setenv("BLKLOCK_LOCK", buf, 1);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[i + 1], &argv[i + 1]);
		fprintf(stderr, "blklockctl: cannot run %s: %s\n", argv[i + 1],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = fail(errno, "waitpid");
			release_all();
			return ret;
		}
		/* Pass SIGINT/SIGTERM on to the command and keep waiting. */
		if (got_signal)
			kill(pid, got_signal);
		got_signal = 0;
	}
	ret = release_all();
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return ret;
}

static int do_sleep(uint32_t ms);

static void hold_until_done(bool until_eof)
{
	char buf[256];

	if (!nr_held)
		return;
	if (until_eof) {
		say("holding %u lock(s) until end of input\n", nr_held);
		while (!got_signal && read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
		return;
	}
	if (nr_held == 1)
		say("holding lock %" PRIu32 " until SIGINT/SIGTERM\n", held[0]);
	else
		say("holding %u locks until SIGINT/SIGTERM\n", nr_held);
	while (!got_signal)
		pause();
}

/*
 * Run (or with @dry only parse) the command list argv[first..].  Returns
 * an exit code, or minus the exit code of a run command.
 */
static int run_list(int argc, char **argv, int first, bool dry)
{
	int i, ret = 0;

	for (i = first; i < argc && !ret; ) {
		const char *cmd = argv[i++];
		uint32_t lock, ms, timeout;
		uint64_t gen;
		bool nowait;

		if (!strcmp(cmd, "run")) {
			if (dry)
				return check_run(argc - i, argv + i);
			ret = cmd_run(argc - i, argv + i);
			release_all();
			return -ret;
		}
		if (!strcmp(cmd, "info")) {
			if (!dry)
				ret = do_info();
			continue;
		}
		if (!strcmp(cmd, "sleep")) {
			if (i >= argc || !parse_u32(argv[i], 0, BLKLOCK_MAX_TIMEOUT_MS, &ms))
				return usage_error("sleep needs a number of ms");
			i++;
			if (!dry)
				ret = do_sleep(ms);
			continue;
		}
		if (strcmp(cmd, "acquire") && strcmp(cmd, "release") &&
		    strcmp(cmd, "status"))
			return usage_error("unknown command '%s'", cmd);
		if (i >= argc)
			return usage_error("%s needs a LOCK", cmd);
		ret = parse_lock(cmd, argv[i++], &lock);
		if (ret)
			return ret;
		if (!strcmp(cmd, "acquire")) {
			ret = parse_wait(argv, &i, argc, &nowait, &timeout);
			if (!ret && !dry)
				ret = do_acquire(lock, nowait, timeout, &gen);
		} else if (dry) {
			continue;
		} else if (!strcmp(cmd, "release")) {
			ret = do_release(lock);
		} else {
			ret = do_status(lock);
		}
	}
	return ret;
}

static int do_sleep(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !got_signal)
		;
	return got_signal ? EXIT_INTERRUPTED : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'D' },
		{ "node", required_argument, NULL, 'n' },
		{ "until-eof", no_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *device = NULL;
	bool until_eof = false;
	uint32_t node = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+c:D:n:eqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			control = optarg;
			break;
		case 'D':
			device = optarg;
			break;
		case 'n':
			if (!parse_u32(optarg, 1, BLKLOCK_MAX_NODE_ID, &node))
				return usage_error("--node needs a node id from 1 to %u",
						   BLKLOCK_MAX_NODE_ID);
			break;
		case 'e':
			until_eof = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("blklockctl %s (on-disk format %u)\n", VERSION,
			       BLKLOCK_FORMAT_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!device != !node)
		return usage_error("--device and --node go together");
	if (optind >= argc)
		return usage_error("no command given");
	if (!strcmp(argv[optind], "format")) {
		if (device)
			return usage_error("format takes its DISK as an argument, not --device");
		return cmd_format(argc - optind - 1, argv + optind + 1);
	}

	/* Check the whole list before touching the device. */
	ret = run_list(argc, argv, optind, true);
	if (ret)
		return ret;
	install_signals();
	if (open_control())
		return EXIT_SYSTEM;
	if (device) {
		ret = do_attach(device, node);
		if (ret)
			return ret;
	}
	ret = run_list(argc, argv, optind, false);
	if (ret < 0)
		return -ret;	/* run: the command's status, locks released */
	if (!ret && !got_signal)
		hold_until_done(until_eof);
	if (!ret && got_signal && nr_held)
		ret = EXIT_INTERRUPTED;
	c = release_all();
	if (!ret)
		ret = c;
	close(ctl);
	return ret;
}
