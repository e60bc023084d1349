/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklockctl: what its source files share.
 *
 *   blklockctl.c  main: global options, the command list run in order,
 *                 holding the locks left at its end
 *   cmd.c         the command table: parsing the list into steps, --help
 *   ops.c         the commands on /dev/blklock, and the locks this file holds
 *   run.c         run: the command under the lock; signals and waiting
 *   request.c     request LOCK, and the signal of run --on-request
 *   errors.c      error messages, errno hints and exit codes
 *   json.c        the --json writer
 *   report.c      status without LOCK (the whole lockspace)
 *   dump.c        dump DISK (the raw blocks, without the module)
 *   ondisk.c      reading a lockspace's blocks from user space
 *   attach.c      attach, detach, probe, wait-device, start, stop
 *   config.c      the configuration file of start and stop
 *   discover.c    finding the disks that carry a lockspace uuid, and the
 *                 paths of a dm-multipath device
 *   path.c        add-path, and the paths that status shows
 */
#ifndef BLKLOCKCTL_H
#define BLKLOCKCTL_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum {
	EXIT_OK = 0,
	EXIT_BUSY = 1,		/* lock held elsewhere (--nowait), or timed out */
	EXIT_USAGE = 2,		/* nothing was sent to the kernel */
	EXIT_SYSTEM = 3,	/* any other error */
	EXIT_INTERRUPTED = 4,	/* SIGINT/SIGTERM before the list was done */
	EXIT_LOST = 5,		/* a held lock was lost (ENOLCK, poll) */
	/*
	 * Internal, never an exit status: a conflict (EXIT_BUSY's cases),
	 * which main() turns into -E's code (EXIT_BUSY by default).  Above
	 * 255, so that it cannot be the status of run's command.
	 */
	EXIT_CONFLICT = 256,
};

/* What failed, to choose the exit code and the hint of an errno. */
enum op {
	OP_OPEN,
	OP_ATTACH,
	OP_FORMAT,
	OP_INFO,
	OP_ACQUIRE,
	OP_RELEASE,
	OP_STATUS,
	OP_VALIDATE,
	OP_BREAK,
	OP_DETACH,
	OP_NAME,	/* BLKLOCK_IOC_NAME: a lock's name to its index */
	OP_REQUEST,	/* BLKLOCK_IOC_REQUEST */
	OP_PATH,	/* BLKLOCK_IOC_ADD_PATH */
	OP_OTHER,
};

/* The global options and the open control file. */
struct blc {
	const char *control;	/* path of the control device */
	int ctl;		/* its open file, or -1 */
	bool quiet;		/* -q: errors only */
	bool json;		/* -J: one JSON object per line on stdout */
	int conflict_code;	/* -E: exit status of a conflict */
};
extern struct blc blc;
extern volatile sig_atomic_t got_signal;

/* One command of the list, parsed (cmd.c) before anything runs. */
struct step {
	const struct cmd *cmd;
	bool has_lock;		/* status: LOCK given */
	uint32_t lock;		/* LOCK as a number, when lock_name is NULL */
	const char *lock_name;	/* LOCK as a name (bare word or --name), or NULL */
	const char *name_opt;	/* --name NAME (-N NAME) of a lock command */
	uint32_t ms;		/* sleep */
	bool nowait;		/* acquire, run */
	uint32_t timeout_ms;	/* acquire, run: 0 waits until a signal */
	uint32_t kill_after_ms;	/* run: SIGKILL this long after SIGTERM */
	int on_request;		/* run: signal for CMD when the lock is requested; 0: none */
	char **argv;		/* run: CMD [ARG]..., NULL-terminated */
	const char *disk;	/* format, dump, attach, detach, probe, add-path */
	bool no_wait;		/* dump */
	bool force;		/* format */
	uint8_t uuid[16];	/* format, attach, detach, wait-device */
	uint32_t node;		/* attach */
	bool persistent;	/* attach */
	const char *name;	/* attach: this node's name, or NULL */
	uint32_t wait_s;	/* wait-device */
	const char *config;	/* start, stop */
	uint32_t locks, max_nodes, heartbeat_ms, lease_ms;	/* format */
};

/* The configuration file of start and stop. */
#define CONF_PATH "/etc/blklock.conf"

/* Default grace between SIGTERM and SIGKILL when run's lock is lost. */
#define RUN_KILL_AFTER_MS 5000U

/* cmd.c */
int parse_list(int argc, char **argv, struct step **steps, size_t *nr);
void print_usage_lines(FILE *f);
void print_commands(FILE *f);
bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
bool parse_uuid(const char *s, uint8_t *uuid);
bool cmd_alone(const struct step *s);
const char *cmd_name(const struct step *s);
int cmd_exec(const struct step *s);

/* errors.c */
const char *errno_name(int e);
int exit_code(enum op op, int e);
int fail(enum op op, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fail_hint(enum op op, int err, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ops.c */
int open_control(void);
int do_attach(const char *disk, uint32_t node);
int step_lock(const struct step *s, const char *verb, uint32_t op,
	      uint32_t *lock, uint32_t *result);
const char *lock_label(uint32_t lock, const char *name, char *buf, size_t len);
#define LOCK_LABEL_MAX 96	/* "4294967295 (NAME)" and the NUL */
int do_acquire(uint32_t lock, const char *name, uint32_t name_result,
	       bool nowait, uint32_t timeout_ms, uint64_t *generation);
int release_all(void);
size_t nr_held_locks(void);
uint32_t held_lock(size_t i);
const char *held_lock_name(size_t i);
int cmd_acquire(const struct step *s);
int cmd_release(const struct step *s);
int cmd_status(const struct step *s);
int cmd_validate(const struct step *s);
int cmd_break(const struct step *s);
int cmd_delete(const struct step *s);
int cmd_lookup(const struct step *s);
const char *name_result_name(uint32_t r);
int cmd_info(const struct step *s);
int cmd_sleep(const struct step *s);
int cmd_format(const struct step *s);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* run.c */
void install_signals(void);
void block_signals(sigset_t *old);
int64_t now_ms(void);
int wait_for(struct pollfd *fds, nfds_t n, int64_t ms,
	     const sigset_t *mask);
bool revents_lost(const struct pollfd *p);
int cmd_run(const struct step *s);

/* request.c */
bool parse_signal(const char *s, int *sig);
const char *signal_label(int sig, char *buf, size_t len);
#define SIGNAL_LABEL_MAX 16	/* "SIGSTKFLT", "signal 64" and the NUL */
int cmd_request(const struct step *s);

/* report.c */
int cmd_space_status(const struct step *s);
const char *node_state_name(uint32_t s);
const char *hb_state_name(uint32_t s);
const char *fmt_ms(uint64_t ms, char *buf, size_t len);
const char *fmt_wall(uint64_t ns, char *buf, size_t len);
const char *fmt_uuid(const uint8_t *u, char buf[37]);
const char *fmt_hex64(uint64_t v, char buf[17]);

/* dump.c */
int cmd_dump(const struct step *s);

/* path.c */
struct json;
struct blklock_info;
int add_other_paths(const char *const *paths, size_t n);
int cmd_add_path(const struct step *s);
void print_paths(const struct blklock_info *i, struct json *j);

/* attach.c */
int cmd_attach(const struct step *s);
int cmd_detach(const struct step *s);
int cmd_probe(const struct step *s);
int cmd_wait_device(const struct step *s);
int cmd_start(const struct step *s);
int cmd_stop(const struct step *s);

#endif
