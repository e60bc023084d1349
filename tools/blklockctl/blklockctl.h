/* SPDX-License-Identifier: GPL-2.0 */
/* blklockctl: what its source files share. */
#ifndef BLKLOCKCTL_H
#define BLKLOCKCTL_H

enum {
	EXIT_OK = 0,
	EXIT_BUSY = 1,		/* lock held elsewhere (--nowait), or timed out */
	EXIT_USAGE = 2,		/* nothing was sent to the kernel */
	EXIT_SYSTEM = 3,	/* any other error */
	EXIT_INTERRUPTED = 4,	/* SIGINT/SIGTERM before the list was done */
	EXIT_LOST = 5,		/* a held lock was lost (ENOLCK, poll) */
};

/* report.c */
int lockspace_status(int ctl, const char **what);
int cmd_dump(int argc, char **argv);

#endif
