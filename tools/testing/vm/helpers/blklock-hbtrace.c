// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-hbtrace: watches a node's heartbeat state and incarnation in
 * sysfs, fast enough to see a state that lasts a few milliseconds.
 *
 *   blklock-hbtrace DISK SECONDS
 *
 * Reads "heartbeat" and "incarnation" of the lockspace attached through
 * DISK (/sys/kernel/blklock/<uuid>:<node id>, found by its "disk") every
 * millisecond for SECONDS and prints "MS STATE INCARNATION" at every
 * change (MS since the start).  At the end it checks the rule "after a
 * fence, never live again with an incarnation that was live before the
 * fence" and prints "ok no-old-incarnation-after-fence" or "not ok
 * ...: why"; it also says "stopped" if the state ever was stopped.
 * Exit 0 only if the rule held and the state was never stopped.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysdir.h"

#define MAX_SEEN 64

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = 0;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	char dir[256] = "", hb_path[300], inc_path[300], state[32], inc[32];
	char last_state[32] = "", last_inc[32] = "";
	/* incarnations seen live before the latest fence */
	char seen[MAX_SEEN][32];
	int nseen = 0, fenced = 0, bad = 0, stopped = 0, i;
	char why[128] = "";
	long long start, end;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DISK SECONDS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	start = now_ms();
	end = start + atoll(argv[2]) * 1000;
	while (now_ms() < end) {
		if (!dir[0] && !blklock_sysdir(argv[1], dir, sizeof(dir))) {
			snprintf(hb_path, sizeof(hb_path), "%s/heartbeat", dir);
			snprintf(inc_path, sizeof(inc_path), "%s/incarnation", dir);
		}
		if (!dir[0] || read_line(hb_path, state, sizeof(state)) ||
		    read_line(inc_path, inc, sizeof(inc))) {
			usleep(100000);
			continue;
		}
		if (strcmp(state, last_state) || strcmp(inc, last_inc)) {
			printf("%lld %s %s\n", now_ms() - start, state, inc);
			if (!strcmp(state, "stopped"))
				stopped = 1;
			if (strcmp(state, "live")) {
				fenced = 1;
			} else if (fenced) {
				for (i = 0; i < nseen; i++)
					if (!strcmp(seen[i], inc) && !bad) {
						bad = 1;
						snprintf(why, sizeof(why),
							 "live again with incarnation %s after a fence",
							 inc);
					}
			}
			if (!strcmp(state, "live") && nseen < MAX_SEEN) {
				for (i = 0; i < nseen && strcmp(seen[i], inc); i++)
					;
				if (i == nseen)
					strcpy(seen[nseen++], inc);
			}
			strcpy(last_state, state);
			strcpy(last_inc, inc);
		}
		usleep(1000);
	}
	if (bad)
		printf("not ok no-old-incarnation-after-fence: %s\n", why);
	else
		printf("ok no-old-incarnation-after-fence\n");
	if (stopped)
		printf("not ok never-stopped: the heartbeat was stopped\n");
	else
		printf("ok never-stopped\n");
	return bad || stopped;
}
