// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the command table.  Every command is one entry: its name,
 * its argument, its options, its line of --help and the function that
 * runs it.  parse_list() turns the words after the global options into
 * steps, once, before anything is sent to the kernel; a mistake anywhere
 * in the list is a usage error and nothing runs.
 *
 * Options of a command follow its argument (format and dump: anywhere
 * among their words) and take their value as --timeout=MS or
 * --timeout MS.
 *
 * LOCK is a lock number, a lock name (format 4), or --name NAME (-N NAME)
 * among the options: a bare word that starts with a digit, '+' or '-'
 * is a number (or a mistake), never a name, and so is a word that names
 * a command; such names need --name.  The name is resolved when the
 * step runs (ops.c: step_lock()), never while the list is parsed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "ondisk.h"

enum arg_kind {
	ARG_NONE,
	ARG_LOCK,	/* LOCK: a number or a name, or --name NAME */
	ARG_OPT_LOCK,	/* [LOCK]: absent at the end or before another word */
	ARG_NAME,	/* NAME: a lock name, or --name NAME */
	ARG_MS,		/* sleep's MS */
	ARG_DISK,	/* DISK, anywhere among the options */
	ARG_OPT_DISK,	/* [DISK]: a path right after the command */
};

enum opt_type { OPT_FLAG, OPT_U32, OPT_UUID, OPT_STR, OPT_SIGNAL };

struct cmd_opt {
	const char *name;	/* without the dashes */
	enum opt_type type;
	size_t field;		/* in struct step: bool, uint32_t, uint8_t[16], char *, int */
	uint32_t min, max;
	const char *what;	/* OPT_U32: "a number of ms", "a number" */
};

#define CMD_ALONE	0x1	/* the only command; not with --device */
#define CMD_ENDS_LIST	0x2	/* run: -- CMD [ARG]... ends the list */

struct cmd {
	const char *name;
	const char *synopsis;	/* what follows the name in --help */
	const char *help;	/* lines separated by \n */
	enum arg_kind arg;
	unsigned int flags;
	const struct cmd_opt *opts;	/* ends with a NULL name */
	int (*check)(const struct step *s);
	int (*exec)(const struct step *s);
};

#define FLAG(n, f) { n, OPT_FLAG, offsetof(struct step, f), 0, 0, NULL }
#define NUM(n, f, lo, hi, w) { n, OPT_U32, offsetof(struct step, f), lo, hi, w }
#define MS(n, f, lo, hi) NUM(n, f, lo, hi, "a number of ms")
/* --name NAME of the commands that take a LOCK or NAME; also -N NAME. */
#define LOCK_NAME { "name", OPT_STR, offsetof(struct step, name_opt), 0, 0, NULL }

static const struct cmd_opt wait_opts[] = {
	FLAG("nowait", nowait),
	MS("timeout", timeout_ms, 1, BLKLOCK_MAX_TIMEOUT_MS),
	LOCK_NAME,
	{ NULL },
};

static const struct cmd_opt run_opts[] = {
	FLAG("nowait", nowait),
	MS("timeout", timeout_ms, 1, BLKLOCK_MAX_TIMEOUT_MS),
	MS("kill-after", kill_after_ms, 0, BLKLOCK_MAX_TIMEOUT_MS),
	{ "on-request", OPT_SIGNAL, offsetof(struct step, on_request), 0, 0, NULL },
	LOCK_NAME,
	{ NULL },
};

static const struct cmd_opt lock_opts[] = {
	LOCK_NAME,
	{ NULL },
};

static const struct cmd_opt format_opts[] = {
	NUM("locks", locks, 1, BLKLOCK_MAX_LOCKS, "a number"),
	FLAG("force", force),
	{ "uuid", OPT_UUID, offsetof(struct step, uuid), 0, 0, NULL },
	NUM("max-nodes", max_nodes, 1, BLKLOCK_MAX_NODE_ID, "a number"),
	MS("heartbeat", heartbeat_ms, 100, 60000),
	MS("lease", lease_ms, 400, 600000),
	{ NULL },
};

static const struct cmd_opt dump_opts[] = {
	FLAG("no-wait", no_wait),
	{ NULL },
};

#define UUID(n, f) { n, OPT_UUID, offsetof(struct step, f), 0, 0, NULL }

static const struct cmd_opt attach_opts[] = {
	UUID("uuid", uuid),
	NUM("node", node, 1, BLKLOCK_MAX_NODE_ID, "a node id"),
	FLAG("persistent", persistent),
	{ "name", OPT_STR, offsetof(struct step, name), 0, 0, NULL },
	{ NULL },
};

static const struct cmd_opt detach_opts[] = {
	UUID("uuid", uuid),
	{ NULL },
};

static const struct cmd_opt wait_device_opts[] = {
	UUID("uuid", uuid),
	NUM("timeout", wait_s, 0, 86400, "a number of seconds"),
	{ NULL },
};

static const struct cmd_opt config_opts[] = {
	{ "config", OPT_STR, offsetof(struct step, config), 0, 0, NULL },
	{ NULL },
};

static const struct cmd_opt no_opts[] = { { NULL } };

static bool has_uuid(const struct step *s)
{
	static const uint8_t nil[16];

	return memcmp(s->uuid, nil, sizeof(nil));
}

/* attach and detach: DISK or --uuid, not both. */
static int check_disk_or_uuid(const struct step *s)
{
	if (!s->disk == !has_uuid(s))
		return usage_error("%s needs a DISK or --uuid=UUID (%s)", cmd_name(s),
				   s->disk ? "not both" : "neither was given");
	if (s->disk && !*s->disk)
		return usage_error("%s: empty DISK", cmd_name(s));
	return 0;
}

static int check_attach(const struct step *s)
{
	int ret = check_disk_or_uuid(s);

	if (!ret && !s->node)
		return usage_error("attach needs --node=N (1..%u)", BLKLOCK_MAX_NODE_ID);
	if (!ret && s->name && !bl_node_name_valid(s->name))
		return usage_error("attach --name=%s: a node name is 1 to %d of A-Z a-z 0-9 . _ -",
				   s->name, BLKLOCK_NODE_NAME_MAX - 1);
	return ret;
}

static int check_add_path(const struct step *s)
{
	if (!s->disk)
		return usage_error("add-path needs a DISK");
	if (!*s->disk)
		return usage_error("add-path: empty DISK");
	return 0;
}

static int check_wait_device(const struct step *s)
{
	if (!has_uuid(s))
		return usage_error("wait-device needs --uuid=UUID");
	return 0;
}

static int check_wait(const struct step *s)
{
	if (s->nowait && s->timeout_ms)
		return usage_error("--nowait and --timeout exclude each other");
	return 0;
}

static int check_format(const struct step *s)
{
	if (!s->disk || !*s->disk)
		return usage_error("format needs a DISK");
	if (s->heartbeat_ms && s->lease_ms && s->lease_ms < 4 * s->heartbeat_ms)
		return usage_error("--lease must be at least 4 times --heartbeat");
	return 0;
}

static int check_dump(const struct step *s)
{
	if (!s->disk || !*s->disk)
		return usage_error("%s needs a DISK", cmd_name(s));
	return 0;
}

static int exec_status(const struct step *s)
{
	return s->has_lock ? cmd_status(s) : cmd_space_status(s);
}

static const struct cmd commands[] = {
	{ "acquire", "LOCK [--nowait | --timeout=MS]",
	  "take a lock (waits by default)",
	  ARG_LOCK, 0, wait_opts, check_wait, cmd_acquire },
	{ "release", "LOCK", "drop a lock this file holds",
	  ARG_LOCK, 0, lock_opts, NULL, cmd_release },
	{ "status", "[LOCK]",
	  "LOCK: one line: its owner, whether that node\n"
	  "is live, which file of this node holds it;\n"
	  "without LOCK: its paths to the disk, every\n"
	  "node's heartbeat and every held lock",
	  ARG_OPT_LOCK, 0, lock_opts, NULL, exec_status },
	{ "validate", "LOCK",
	  "prove the lock is still held (one COMPARE AND WRITE)",
	  ARG_LOCK, 0, lock_opts, NULL, cmd_validate },
	{ "break", "LOCK",
	  "free a record nobody can release: its owner is\n"
	  "evicted, dead or gone, or it is damaged; refuses a\n"
	  "live owner and a lock a file of this node holds\n"
	  "(CAP_SYS_ADMIN)",
	  ARG_LOCK, 0, lock_opts, NULL, cmd_break },
	{ "request", "LOCK",
	  "ask the holder of a lock to release it: its\n"
	  "node learns it within a heartbeat (format 4;\n"
	  "advisory)",
	  ARG_LOCK, 0, lock_opts, NULL, cmd_request },
	{ "lookup", "NAME",
	  "print the number of the lock named NAME\n"
	  "(format 4)",
	  ARG_NAME, 0, lock_opts, NULL, cmd_lookup },
	{ "delete", "NAME",
	  "delete the name of a free lock: its record\n"
	  "stays as the name's tombstone, and acquire\n"
	  "or run by NAME gives it back (format 4)",
	  ARG_NAME, 0, lock_opts, NULL, cmd_delete },
	{ "info", "", "describe the lockspace",
	  ARG_NONE, 0, no_opts, NULL, cmd_info },
	{ "sleep", "MS", "pause",
	  ARG_MS, 0, no_opts, NULL, cmd_sleep },
	{ "run", "LOCK [--nowait | --timeout=MS] [--kill-after=MS]\n"
	  "[--on-request=SIGNAL] -- CMD [ARG]...",
	  "hold LOCK while CMD runs; CMD inherits the\n"
	  "open file (as with flock(1)); exit with its\n"
	  "status; if the lock is lost: SIGTERM, then\n"
	  "SIGKILL after --kill-after (default 5000 ms);\n"
	  "--on-request: send CMD SIGNAL once when\n"
	  "another process requests the lock (format 4)",
	  ARG_LOCK, CMD_ENDS_LIST, run_opts, check_wait, cmd_run },
	{ "format", "DISK [--locks=N] [--force] [--uuid=UUID] [--max-nodes=N]\n"
	  "[--heartbeat=MS] [--lease=MS]",
	  "write an empty lockspace (default 1024 locks,\n"
	  "2000 nodes, the module's heartbeat and lease)",
	  ARG_DISK, CMD_ALONE, format_opts, check_format, cmd_format },
	{ "dump", "DISK [--no-wait]",
	  "show the raw blocks without the module: header,\n"
	  "heartbeats (sampled for 1.5 intervals), held locks,\n"
	  "lock names and tombstones (format 4)",
	  ARG_DISK, CMD_ALONE, dump_opts, check_dump, cmd_dump },
	{ "attach", "(DISK | --uuid=UUID) --node=N [--persistent] [--name=NAME]",
	  "attach this file to the lockspace (--uuid: on\n"
	  "the SCSI disk that carries it; one LUN on\n"
	  "several disks: the others are added as paths;\n"
	  "a dm-multipath DISK: through its SCSI disks,\n"
	  "the same way); --persistent: the module keeps\n"
	  "it attached until detach; --name: this node's\n"
	  "name in its heartbeat slot (format 3), shown\n"
	  "by dump, status and dmesg (CAP_SYS_ADMIN)",
	  ARG_OPT_DISK, 0, attach_opts, check_attach, cmd_attach },
	{ "add-path", "DISK",
	  "give the lockspace another path to its LUN:\n"
	  "DISK, a SCSI disk that is the same LUN\n"
	  "(CAP_SYS_ADMIN)",
	  ARG_OPT_DISK, 0, no_opts, check_add_path, cmd_add_path },
	{ "detach", "(DISK | --uuid=UUID)",
	  "end a persistent attach (CAP_SYS_ADMIN)",
	  ARG_DISK, CMD_ALONE, detach_opts, check_disk_or_uuid, cmd_detach },
	{ "probe", "DISK",
	  "print BLKLOCK_UUID=... lines if DISK carries a\n"
	  "lockspace, else exit 1 silently (for udev)",
	  ARG_DISK, CMD_ALONE, no_opts, check_dump, cmd_probe },
	{ "wait-device", "--uuid=UUID [--timeout=SECONDS]",
	  "wait (default 90 s) for a SCSI disk carrying\n"
	  "the lockspace to appear",
	  ARG_NONE, CMD_ALONE, wait_device_opts, check_wait_device, cmd_wait_device },
	{ "start", "[--config=FILE]",
	  "attach every lockspace of FILE (default\n"
	  CONF_PATH ") persistently",
	  ARG_NONE, CMD_ALONE, config_opts, NULL, cmd_start },
	{ "stop", "[--config=FILE]",
	  "detach every lockspace of FILE",
	  ARG_NONE, CMD_ALONE, config_opts, NULL, cmd_stop },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cmd *find_cmd(const char *name)
{
	for (size_t k = 0; k < NR_COMMANDS; k++)
		if (!strcmp(name, commands[k].name))
			return &commands[k];
	return NULL;
}

/* Parse a decimal number in [min, max], digits only; false if it is not one. */
bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 8-4-4-4-12 hex digits, or 32 hex digits in a row. */
bool parse_uuid(const char *s, uint8_t *uuid)
{
	size_t len = strlen(s);

	if (len == 36) {
		if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
			return false;
	} else if (len != 32) {
		return false;
	}
	for (unsigned int i = 0; i < 16; i++) {
		int hi, lo;

		while (*s == '-' && len == 36)
			s++;
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0)
			return false;
		uuid[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return !*s;
}

/* Set option @o of @s from @val (NULL: none given). */
static int set_opt(const struct cmd_opt *o, struct step *s, const char *val)
{
	char *field = (char *)s + o->field;

	switch (o->type) {
	case OPT_FLAG:
		if (val)
			return usage_error("--%s takes no value", o->name);
		*(bool *)field = true;
		return 0;
	case OPT_U32:
		if (!parse_u32(val, o->min, o->max, (uint32_t *)field))
			return usage_error("--%s needs %s from %u to %u", o->name,
					   o->what, o->min, o->max);
		return 0;
	case OPT_UUID:
		if (!val || !parse_uuid(val, (uint8_t *)field))
			return usage_error("--%s needs a uuid: 32 hex digits, dashes as in 8-4-4-4-12 optional",
					   o->name);
		return 0;
	case OPT_STR:
		if (!val || !*val)
			return usage_error("--%s needs a value", o->name);
		*(const char **)field = val;
		return 0;
	case OPT_SIGNAL:
		if (!parse_signal(val, (int *)field))
			return usage_error("--%s needs a signal: a name such as TERM, SIGTERM or USR1, or a number from 1 to %d",
					   o->name, SIGRTMAX);
		return 0;
	}
	return EXIT_USAGE;
}

/*
 * The option of @c that word @w ("--name", "--name=value", and "-N" for
 * the lock name of a command that takes a LOCK or NAME) names, or NULL.
 */
static const struct cmd_opt *find_opt(const struct cmd *c, const char *w)
{
	const struct cmd_opt *o;
	bool short_name = !strcmp(w, "-N");
	size_t len;

	if (short_name)
		w = "--name";
	if (strncmp(w, "--", 2) || !w[2])
		return NULL;
	w += 2;
	len = strcspn(w, "=");
	for (o = c->opts; o->name; o++)
		if (strlen(o->name) == len && !strncmp(w, o->name, len))
			break;
	if (!o->name ||
	    (short_name && o->field != offsetof(struct step, name_opt)))
		return NULL;
	return o;
}

/*
 * The option of @c that argv[*i] names, with its value (the next word
 * when there is no '=' and it takes one); NULL for no such option.
 */
static const struct cmd_opt *match_opt(const struct cmd *c, int argc,
				       char **argv, int *i, const char **val)
{
	const char *w = argv[*i], *eq;
	const struct cmd_opt *o = find_opt(c, w);

	if (!o)
		return NULL;
	eq = w[1] == '-' ? strchr(w, '=') : NULL;	/* not -N */
	*val = eq ? eq + 1 : NULL;
	if (!*val && o->type != OPT_FLAG && *i + 1 < argc)
		*val = argv[++*i];
	return o;
}

/* DISK of format and dump: one word not starting with a dash. */
static int take_disk(const struct cmd *c, struct step *s, const char *w)
{
	if (s->disk)
		return usage_error("%s takes one DISK", c->name);
	s->disk = w;
	return 0;
}

/* The options of @c at argv[*i]: up to a word that is none (ARG_DISK: to the end). */
static int parse_opts(const struct cmd *c, struct step *s, int argc,
		      char **argv, int *i)
{
	for (; *i < argc; ++*i) {
		const char *w = argv[*i], *val;
		const struct cmd_opt *o;
		int ret;

		if (c->arg == ARG_DISK && (w[0] != '-' || !w[1])) {
			ret = take_disk(c, s, w);
		} else if ((strncmp(w, "--", 2) || !w[2]) && !find_opt(c, w)) {
			if (c->arg == ARG_DISK)
				return usage_error("%s: unknown option '%s'", c->name, w);
			return 0;	/* the next command, or run's -- */
		} else if ((o = match_opt(c, argc, argv, i, &val))) {
			ret = set_opt(o, s, val);
		} else {
			return usage_error("%s: unknown option '%s' (blklockctl's own options go before the commands)",
					   c->name, w);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_lock(const char *cmd, const char *arg, uint32_t *lock)
{
	if (!parse_u32(arg, 0, BLKLOCK_MAX_LOCKS - 1, lock))
		return usage_error("%s needs a lock number from 0 to %u, not '%s'",
				   cmd, BLKLOCK_MAX_LOCKS - 1, arg ? arg : "");
	return 0;
}

/* A bare word that starts so is a number (or a mistake), never a name. */
static bool looks_numeric(const char *w)
{
	return !*w || (*w >= '0' && *w <= '9') || *w == '+' || *w == '-';
}

/* What is wrong with a name that bl_lock_name_valid() refuses. */
static const char *name_rule(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	snprintf(buf, len, "a lock name is 1 to %d printable ASCII characters, no space%s",
		 BLKLOCK_LOCK_NAME_MAX - 1,
		 n >= BLKLOCK_LOCK_NAME_MAX ? " (this one is longer)" : "");
	return buf;
}

/* LOCK as a bare word: a number, or a name. */
static int parse_lock_word(const struct cmd *c, struct step *s, const char *w)
{
	char rule[96];

	if (looks_numeric(w))
		return parse_lock(c->name, w, &s->lock);
	if (find_cmd(w))
		return usage_error("%s needs a LOCK, not the command '%s' (a lock of that name goes after --name)",
				   c->name, w);
	if (!bl_lock_name_valid(w))
		return usage_error("%s needs a lock number from 0 to %u or a lock name, not '%s': %s",
				   c->name, BLKLOCK_MAX_LOCKS - 1, w,
				   name_rule(w, rule, sizeof(rule)));
	s->lock_name = w;
	return 0;
}

/* NAME of delete and lookup as a bare word. */
static int parse_name_word(const struct cmd *c, struct step *s, const char *w)
{
	char rule[96];

	if (looks_numeric(w) && *w)
		return usage_error("%s needs a lock name, not '%s' (a name that starts with a digit, '+' or '-' goes after --name)",
				   c->name, w);
	if (find_cmd(w))
		return usage_error("%s needs a NAME, not the command '%s' (a lock of that name goes after --name)",
				   c->name, w);
	if (!bl_lock_name_valid(w))
		return usage_error("%s needs a lock name, not '%s': %s", c->name, w,
				   name_rule(w, rule, sizeof(rule)));
	s->lock_name = w;
	return 0;
}

/*
 * After the options: --name NAME becomes the step's lock, and a command
 * that needs a LOCK or NAME has one.
 */
static int take_lock_name(const struct cmd *c, struct step *s)
{
	char rule[96];

	if (s->name_opt && s->has_lock)
		return usage_error("%s takes a LOCK or --name=NAME, not both", c->name);
	if (s->name_opt && !bl_lock_name_valid(s->name_opt))
		return usage_error("%s --name=%s: %s", c->name, s->name_opt,
				   name_rule(s->name_opt, rule, sizeof(rule)));
	if (s->name_opt) {
		s->lock_name = s->name_opt;
		s->has_lock = true;
	}
	if (!s->has_lock && (c->arg == ARG_LOCK || c->arg == ARG_NAME))
		return usage_error("%s needs a %s", c->name,
				   c->arg == ARG_LOCK ? "LOCK" : "NAME");
	return 0;
}

/* The argument of @c at argv[*i]. */
static int parse_arg(const struct cmd *c, struct step *s, int argc,
		     char **argv, int *i)
{
	const char *w = *i < argc ? argv[*i] : NULL;

	switch (c->arg) {
	case ARG_OPT_LOCK:
		if (!w || w[0] == '-' || find_cmd(w))
			return 0;
		/* fall through */
	case ARG_LOCK:
		if (!w)
			return usage_error("%s needs a LOCK", c->name);
		if (find_opt(c, w))
			return 0;	/* --name NAME, or no LOCK: take_lock_name() */
		++*i;
		s->has_lock = true;
		return parse_lock_word(c, s, w);
	case ARG_NAME:
		if (!w)
			return usage_error("%s needs a NAME", c->name);
		if (find_opt(c, w))
			return 0;
		++*i;
		s->has_lock = true;
		return parse_name_word(c, s, w);
	case ARG_OPT_DISK:
		if (w && w[0] != '-' && !find_cmd(w)) {
			s->disk = w;
			++*i;
		}
		return 0;
	case ARG_MS:
		*i += !!w;
		if (!parse_u32(w, 0, BLKLOCK_MAX_TIMEOUT_MS, &s->ms))
			return usage_error("%s needs a number of ms from 0 to %u",
					   c->name, BLKLOCK_MAX_TIMEOUT_MS);
		return 0;
	default:
		return 0;
	}
}

/* run's "-- CMD [ARG]...": the rest of the words. */
static int parse_command(const struct cmd *c, struct step *s, int argc,
			 char **argv, int *i)
{
	const char *nl = strchr(c->synopsis, '\n');
	int len = nl ? (int)(nl - c->synopsis) : (int)strlen(c->synopsis);

	if (*i + 1 >= argc || strcmp(argv[*i], "--"))
		return usage_error("%s needs %.*s%s%s", c->name, len, c->synopsis,
				   nl ? " " : "", nl ? nl + 1 : "");
	s->argv = argv + *i + 1;
	*i = argc;
	return 0;
}

static int parse_step(const struct cmd *c, struct step *s, int argc,
		      char **argv, int *i)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->cmd = c;
	s->locks = 1024;
	s->kill_after_ms = RUN_KILL_AFTER_MS;
	s->wait_s = 90;
	s->config = CONF_PATH;
	++*i;
	ret = parse_arg(c, s, argc, argv, i);
	if (!ret)
		ret = parse_opts(c, s, argc, argv, i);
	if (!ret)
		ret = take_lock_name(c, s);
	if (!ret && (c->flags & CMD_ENDS_LIST))
		ret = parse_command(c, s, argc, argv, i);
	if (!ret && c->check)
		ret = c->check(s);
	return ret;
}

static int unknown_command(const char *w)
{
	if (w[0] == '-')
		return usage_error("unknown command '%s' (options go before the commands)", w);
	return usage_error("unknown command '%s'", w);
}

/**
 * parse_list() - parse the command list into steps
 * @argc:	words of the list
 * @argv:	the words, NULL-terminated (run's CMD points into it)
 * @steps:	out: the steps, to free()
 * @nr:		out: their number
 *
 * Return: 0, or EXIT_USAGE after saying what is wrong.
 */
int parse_list(int argc, char **argv, struct step **steps, size_t *nr)
{
	struct step *v;
	size_t n = 0;
	int i = 0, ret = 0;

	*steps = NULL;
	*nr = 0;
	if (argc <= 0)
		return usage_error("no command given");
	v = calloc((size_t)argc, sizeof(*v));
	if (!v)
		return fail(OP_OTHER, ENOMEM, "parse the command list");
	while (i < argc && !ret) {
		const struct cmd *c = find_cmd(argv[i]);

		if (!c)
			ret = unknown_command(argv[i]);
		else if ((c->flags & CMD_ALONE) && n)
			ret = usage_error("%s must be the only command", c->name);
		else
			ret = parse_step(c, &v[n++], argc, argv, &i);
	}
	if (ret) {
		free(v);
		return ret;
	}
	*steps = v;
	*nr = n;
	return 0;
}

bool cmd_alone(const struct step *s)
{
	return s->cmd->flags & CMD_ALONE;
}

const char *cmd_name(const struct step *s)
{
	return s->cmd->name;
}

int cmd_exec(const struct step *s)
{
	return s->cmd->exec(s);
}

/* @text's lines, the first after what is already on the line. */
static void put_lines(FILE *f, const char *text, int indent)
{
	for (const char *p = text; *p; ) {
		size_t len = strcspn(p, "\n");

		if (p != text)
			fprintf(f, "%*s", indent, "");
		fprintf(f, "%.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

/* The Usage: lines of the commands that stand alone or end the list. */
void print_usage_lines(FILE *f)
{
	for (size_t k = 0; k < NR_COMMANDS; k++) {
		const struct cmd *c = &commands[k];

		if (!(c->flags & (CMD_ALONE | CMD_ENDS_LIST)))
			continue;
		fprintf(f, "       blklockctl [OPTIONS] %s ", c->name);
		put_lines(f, c->synopsis, 29 + (int)strlen(c->name));
	}
}

/* "  name synopsis   help", the help from column 43. */
void print_commands(FILE *f)
{
	char head[128];

	for (size_t k = 0; k < NR_COMMANDS; k++) {
		const struct cmd *c = &commands[k];

		snprintf(head, sizeof(head), "%s%s%.*s", c->name,
			 *c->synopsis ? " " : "",
			 (int)strcspn(c->synopsis, "\n"), c->synopsis);
		if (strlen(head) <= 40 && !strchr(c->synopsis, '\n')) {
			fprintf(f, "  %-40s ", head);
		} else {
			fprintf(f, "  %s ", c->name);
			put_lines(f, c->synopsis, 3 + (int)strlen(c->name));
			fprintf(f, "%43s", "");
		}
		put_lines(f, c->help, 43);
	}
}
