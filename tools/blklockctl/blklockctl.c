// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: command-line front end of /dev/blklock.
 *
 * Locks belong to the open /dev/blklock file, so they live as long as
 * blklockctl runs (and, under run, as long as the command that inherited
 * the file).  The command list is parsed once into steps (cmd.c), then
 * the steps run in order on one open file; locks still held when the list
 * ends are held until SIGINT or SIGTERM (or the end of standard input
 * with --until-eof), then released.  See blklockctl(8).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "json.h"

#define VERSION "1.0"

struct blc blc = {
	.control = "/dev/" BLKLOCK_MISC_NAME,
	.ctl = -1,
	.conflict_code = EXIT_BUSY,
};
volatile sig_atomic_t got_signal;

/* The options before the commands: getopt_long()'s table and --help's. */
struct global_opt {
	char key;
	const char *name;
	const char *arg;	/* NULL: takes none */
	const char *help;	/* lines separated by \n */
};

static const struct global_opt global_opts[] = {
	{ 'c', "control", "PATH", "control device (default /dev/blklock)" },
	{ 'D', "device", "DISK", "attach this file to DISK (with --node; CAP_SYS_ADMIN)" },
	{ 'n', "node", "ID", "node id to act as on DISK (1..2000)" },
	{ 'e', "until-eof", NULL, "hold remaining locks until standard input ends" },
	{ 'E', "conflict-exit-code", "N",
	  "exit status (0..255, default 1) when a lock is held\n"
	  "elsewhere or timed out, or break or delete is\n"
	  "refused (flock -E)" },
	{ 'J', "json", NULL, "print one JSON object per line on standard output" },
	{ 'q', "quiet", NULL, "print only errors" },
	{ 'h', "help", NULL, "this text" },
	{ 'V', "version", NULL, "version" },
};

#define NR_GLOBAL_OPTS (sizeof(global_opts) / sizeof(global_opts[0]))

static void print_options(FILE *f)
{
	char head[64];

	for (size_t k = 0; k < NR_GLOBAL_OPTS; k++) {
		const struct global_opt *o = &global_opts[k];
		const char *h = o->help;
		size_t len;

		snprintf(head, sizeof(head), "-%c, --%s%s%s", o->key, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-27s ", head);
		while ((len = strcspn(h, "\n")), h[len]) {
			fprintf(f, "%.*s\n%30s", (int)len, h, "");
			h += len + 1;
		}
		fprintf(f, "%s\n", h);
	}
}

static void usage(FILE *f)
{
	fputs("Usage: blklockctl [OPTIONS] COMMAND [ARGS] [COMMAND [ARGS]]...\n", f);
	print_usage_lines(f);
	fputs("\n"
"Take and drop blklock cluster locks through /dev/blklock.  Commands run in\n"
"order on one open file; locks still held at the end are held until SIGINT\n"
"or SIGTERM (or end of input with --until-eof), then released.  Locks belong\n"
"to the open file: they die with the last process that has it open.\n"
"\nCommands:\n", f);
	print_commands(f);
	fputs("\nOptions of a command follow it: --timeout=MS or --timeout MS.\n"
	      "\nOptions (before the commands):\n", f);
	print_options(f);
	fprintf(f, "\n"
"LOCK is 0..%u, MS 1..%u for --timeout (0..%u for sleep\n"
"and --kill-after).\n"
"LOCK may also be a lock name (format 4): 1 to %d printable ASCII characters,\n"
"no space; acquire and run create it, the others look it up.  A name that\n"
"starts with a digit, + or -, or is a command's, goes after --name (-N):\n"
"acquire --name 42.  delete and lookup take a NAME, the same way.\n"
"run exports BLKLOCK_LOCK, BLKLOCK_GENERATION (the fencing token) and\n"
"BLKLOCK_FD (the inherited /dev/blklock file) to CMD, and BLKLOCK_LOCK_NAME\n"
"for a lock given by name.\n"
"\n"
"Exit status: 0 success; 1 (or -E's N) lock busy (--nowait) or timed out, or\n"
"break refused (the owner is live), or delete refused (the lock is held), or\n"
"request gave up (its request block kept changing);\n"
"2 usage error; 3 other error; 4 interrupted by SIGINT/SIGTERM before the\n"
"commands were done; 5 a held lock was lost; run: CMD's status (126 cannot\n"
"execute, 127 not found, 128+N killed by signal N).\n",
		BLKLOCK_MAX_LOCKS - 1, BLKLOCK_MAX_TIMEOUT_MS, BLKLOCK_MAX_TIMEOUT_MS,
		BLKLOCK_LOCK_NAME_MAX - 1);
}

/* ---- holding the locks left at the end of the list ------------------------ */

enum hold_end { HOLD_SIGNAL, HOLD_EOF, HOLD_LOST, HOLD_ERROR };

static void holding_event(bool until_eof)
{
	const char *until = until_eof ? "end of input" : "SIGINT/SIGTERM";
	size_t n = nr_held_locks();
	char label[LOCK_LABEL_MAX];
	bool named = false;
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		if (n == 1)
			say("holding lock %s until %s\n",
			    lock_label(held_lock(0), held_lock_name(0), label, sizeof(label)),
			    until);
		else
			say("holding %zu locks until %s\n", n, until);
		return;
	}
	json_open(&j, "holding");
	json_array(&j, "locks");
	for (size_t i = 0; i < n; i++) {
		json_u64(&j, NULL, held_lock(i));
		named |= held_lock_name(i) != NULL;
	}
	json_end(&j);
	if (named) {
		json_array(&j, "names");
		for (size_t i = 0; i < n; i++)
			json_str(&j, NULL, held_lock_name(i));
		json_end(&j);
	}
	json_str(&j, "until", until_eof ? "end-of-input" : "signal");
	json_end(&j);
}

/* One wake-up of the hold: HOLD_SIGNAL to go on waiting (or for a signal). */
static enum hold_end hold_event(struct pollfd *p, int r)
{
	char buf[4096];

	if (r < 0 && errno != EINTR) {
		fail(OP_OTHER, errno, "poll");
		return HOLD_ERROR;	/* release the locks and exit */
	}
	if (r <= 0)
		return HOLD_SIGNAL;	/* a signal, checked by the caller */
	if (revents_lost(&p[0])) {
		fprintf(stderr, "blklockctl: a held lock is lost (the kernel reported it through poll)\n");
		return HOLD_LOST;
	}
	if (p[1].revents) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return HOLD_EOF;
	}
	return HOLD_SIGNAL;
}

/* Hold the locks left at the end of the list until a signal or end of input. */
static enum hold_end hold_until_done(bool until_eof)
{
	struct pollfd p[2] = {
		{ .fd = blc.ctl, .events = POLLPRI },
		{ .fd = until_eof ? STDIN_FILENO : -1, .events = POLLIN },
	};
	enum hold_end end = HOLD_SIGNAL;
	sigset_t old;

	holding_event(until_eof);
	block_signals(&old);
	while (!got_signal && end == HOLD_SIGNAL) {
		p[0].revents = p[1].revents = 0;
		end = hold_event(p, wait_for(p, 2, -1, &old));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return end;
}

/* ---- the command list ------------------------------------------------------ */

/* Run the steps on one open file; hold what is left; release it. */
static int run_steps(const struct step *steps, size_t nr, const char *device,
		     uint32_t node, bool until_eof)
{
	enum hold_end end;
	int ret, r;

	install_signals();
	ret = open_control();
	if (ret)
		return ret;
	if (device)
		ret = do_attach(device, node);
	for (size_t k = 0; k < nr && !ret; k++)
		ret = got_signal ? EXIT_INTERRUPTED : cmd_exec(&steps[k]);
	if (!ret && nr_held_locks()) {
		/* The list is done: a signal from now on is the normal end. */
		end = hold_until_done(until_eof);
		if (end == HOLD_LOST)
			ret = EXIT_LOST;
		else if (end == HOLD_ERROR)
			ret = EXIT_SYSTEM;
	}
	r = release_all();
	if (!ret)
		ret = r;
	close(blc.ctl);
	return ret;
}

struct globals {
	const char *device;
	uint32_t node;
	bool until_eof;
};

/* One global option; returns -1 to go on, or an exit code. */
static int global_option(int c, struct globals *g)
{
	uint32_t v;

	switch (c) {
	case 'c':
		if (!*optarg)
			return usage_error("--control needs a path");
		blc.control = optarg;
		return -1;
	case 'D':
		if (!*optarg)
			return usage_error("--device needs a disk");
		g->device = optarg;
		return -1;
	case 'n':
		if (!parse_u32(optarg, 1, BLKLOCK_MAX_NODE_ID, &g->node))
			return usage_error("--node needs a node id from 1 to %u",
					   BLKLOCK_MAX_NODE_ID);
		return -1;
	case 'E':
		if (!parse_u32(optarg, 0, 255, &v))
			return usage_error("--conflict-exit-code needs a number from 0 to 255");
		blc.conflict_code = (int)v;
		return -1;
	case 'e':
		g->until_eof = true;
		return -1;
	case 'J':
		blc.json = true;
		return -1;
	case 'q':
		blc.quiet = true;
		return -1;
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		printf("blklockctl %s (on-disk format %u)\n", VERSION,
		       BLKLOCK_FORMAT_VERSION);
		return 0;
	default:	/* getopt said what is wrong */
		fputs("Try 'blklockctl --help'.\n", stderr);
		return EXIT_USAGE;
	}
}

/* The options before the commands; returns -1 to go on, or an exit code. */
static int parse_globals(int argc, char **argv, struct globals *g)
{
	struct option opts[NR_GLOBAL_OPTS + 1];
	char short_opts[2 * NR_GLOBAL_OPTS + 2] = "+", *p = short_opts + 1;
	int c, ret = -1;

	memset(opts, 0, sizeof(opts));
	for (size_t k = 0; k < NR_GLOBAL_OPTS; k++) {
		opts[k].name = global_opts[k].name;
		opts[k].has_arg = global_opts[k].arg ? required_argument : no_argument;
		opts[k].val = global_opts[k].key;
		*p++ = global_opts[k].key;
		if (global_opts[k].arg)
			*p++ = ':';
	}
	*p = '\0';
	while (ret < 0 && (c = getopt_long(argc, argv, short_opts, opts, NULL)) != -1)
		ret = global_option(c, g);
	if (ret < 0 && !g->device != !g->node)
		ret = usage_error("--device and --node go together");
	return ret;
}

int main(int argc, char **argv)
{
	struct globals g = { 0 };
	struct step *steps;
	size_t nr;
	int ret;

	ret = parse_globals(argc, argv, &g);
	if (ret >= 0)
		return ret;
	ret = parse_list(argc - optind, argv + optind, &steps, &nr);
	if (ret)
		return ret;
	if (cmd_alone(&steps[0]) && g.device)
		ret = usage_error("%s takes its DISK as an argument, not --device",
				  cmd_name(&steps[0]));
	else if (cmd_alone(&steps[0]))
		ret = cmd_exec(&steps[0]);
	else
		ret = run_steps(steps, nr, g.device, g.node, g.until_eof);
	free(steps);
	return ret == EXIT_CONFLICT ? blc.conflict_code : ret;
}
