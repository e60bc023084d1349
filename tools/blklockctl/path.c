// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the paths of a lockspace to its LUN.
 *
 *   add-path DISK     BLKLOCK_IOC_ADD_PATH on the file's lockspace
 *
 * and what status without LOCK shows of them: one line per path, from
 * the lockspace's sysfs directory, /sys/kernel/blklock/<uuid>:<node id>/
 * paths/<disk>/ (state, errors, failovers, failed_ms).  A module without
 * paths/ shows none.  BLKLOCK_SYSFS replaces /sys/kernel/blklock, for the
 * host tests.
 *
 * The kernel checks that the disk is the lockspace's LUN (its designator,
 * its block 0, this node's heartbeat slot read through both) and refuses
 * it otherwise; blklockctl only refuses a device-mapper device, which is
 * never a path itself (its SCSI disks are).  A SCSI disk that a
 * dm-multipath device holds as a path is opened without a claim
 * (BLKLOCK_PATH_SHARED): dm-multipath has claimed it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "discover.h"
#include "json.h"

/* ---- add-path ----------------------------------------------------------- */

/*
 * "added path DISK: N paths", or {"type":"path-added","disk":..,
 * "paths":N,"already":false}; @already: a path of the lockspace before
 * (attach, which adds the other paths of a LUN, found it so).
 */
static void path_event(const char *disk, uint32_t nr, bool already)
{
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		if (already)
			say("%s: a path of the lockspace already\n", disk);
		else
			say("added path %s: %" PRIu32 " paths\n", disk, nr);
		return;
	}
	json_open(&j, "path-added");
	json_str(&j, "disk", disk);
	if (already)
		json_null(&j, "paths");
	else
		json_u64(&j, "paths", nr);
	json_bool(&j, "already", already);
	json_end(&j);
}

/*
 * BLKLOCK_IOC_ADD_PATH of @disk to the file's lockspace.  @attaching:
 * attach adds the paths it found, and a path the lockspace has already
 * (attached persistently before, with its paths) is fine then.
 */
static int add_path(const char *disk, bool attaching)
{
	struct blklock_path_add a;
	char holder[32], hint[256];
	struct bl_dm dm;

	if (dm_lookup(disk, &dm)) {
		snprintf(hint, sizeof(hint),
			 "it is device-mapper device %s: a path is one of its SCSI disks (sd); attach a dm-multipath device to use all its paths",
			 dm.name);
		return fail_hint(OP_PATH, EINVAL, hint, "add path %s", disk);
	}
	memset(&a, 0, sizeof(a));
	a.path = (uintptr_t)disk;
	/* A path of a dm-multipath device: opened without a claim. */
	if (mpath_holder(disk, holder, sizeof(holder)))
		a.flags = BLKLOCK_PATH_SHARED;
	if (ioctl(blc.ctl, BLKLOCK_IOC_ADD_PATH, &a)) {
		if (errno == EEXIST && attaching) {
			path_event(disk, 0, true);
			return 0;
		}
		if (errno == EINVAL && a.flags) {
			shared_hint(holder, hint, sizeof(hint));
			return fail_hint(OP_PATH, EINVAL, hint, "add path %s", disk);
		}
		return fail(OP_PATH, errno, "add path %s", disk);
	}
	path_event(disk, a.nr_paths, false);
	return 0;
}

/**
 * add_other_paths() - add paths 1.. of @paths to the file's lockspace
 * @paths:	disks of one LUN; the file is attached through the first
 * @n:		their number; those beyond BLKLOCK_MAX_PATHS are left out
 *		(say_path_plan() said so)
 *
 * Every path is tried.
 *
 * Return: 0, or the exit code of the first that failed.
 */
int add_other_paths(const char *const *paths, size_t n)
{
	int ret = 0;

	for (size_t k = 1; k < n && k < BLKLOCK_MAX_PATHS; k++) {
		int r = add_path(paths[k], true);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

int cmd_add_path(const struct step *s)
{
	return add_path(s->disk, false);
}

/* ---- status: the paths, from sysfs ------------------------------------------ */

struct path_state {
	char disk[64];		/* "sdb" */
	char state[16];		/* active, standby, failed; "" if unreadable */
	uint64_t errors, failovers, failed_ms;
};

/* The first line of @dir/@name, without its newline; false if none. */
static bool read_attr(const char *dir, const char *name, char *out, size_t len)
{
	char path[2 * PATH_MAX];
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

static bool read_u64_attr(const char *dir, const char *name, uint64_t *v)
{
	unsigned long long n;
	char buf[32], *end;

	if (!read_attr(dir, name, buf, sizeof(buf)) || buf[0] < '0' || buf[0] > '9')
		return false;
	errno = 0;
	n = strtoull(buf, &end, 10);
	if (errno || *end)
		return false;
	*v = n;
	return true;
}

/*
 * The sysfs directory of the file's lockspace: the one under
 * /sys/kernel/blklock whose uuid and node_id are INFO's.  False if there
 * is none (no sysfs, another module).
 */
static bool space_dir(const struct blklock_info *i, char *out, size_t len)
{
	const char *root = env_or("BLKLOCK_SYSFS", "/sys/kernel/blklock");
	char uuid[37], dir[PATH_MAX], buf[64];
	struct dirent *e;
	bool found = false;
	uint64_t node;
	DIR *d = opendir(root);

	if (!d)
		return false;
	fmt_uuid(i->uuid, uuid);
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name);
		found = read_attr(dir, "uuid", buf, sizeof(buf)) &&
			!strcasecmp(buf, uuid) &&
			read_u64_attr(dir, "node_id", &node) && node == i->node_id;
	}
	closedir(d);
	if (found)
		snprintf(out, len, "%s", dir);
	return found;
}

static int by_disk(const void *a, const void *b)
{
	const struct path_state *x = a, *y = b;

	return disk_name_cmp(x->disk, y->disk);
}

/* Read paths/ of the lockspace: up to @max into @p; their number. */
static size_t read_paths(const struct blklock_info *i, struct path_state *p,
			 size_t max)
{
	char sdir[PATH_MAX], dir[PATH_MAX + 16], pdir[PATH_MAX + 300];
	struct path_state tmp;
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	if (!space_dir(i, sdir, sizeof(sdir)))
		return 0;
	snprintf(dir, sizeof(dir), "%s/paths", sdir);
	d = opendir(dir);
	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		struct path_state *s = &p[n];

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(s->disk))
			continue;
		memset(s, 0, sizeof(*s));
		strcpy(s->disk, e->d_name);
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, e->d_name);
		if (!read_attr(pdir, "state", s->state, sizeof(s->state)) ||
		    !read_u64_attr(pdir, "errors", &s->errors) ||
		    !read_u64_attr(pdir, "failovers", &s->failovers) ||
		    !read_u64_attr(pdir, "failed_ms", &s->failed_ms))
			s->state[0] = '\0';
		n++;
	}
	closedir(d);
	/* By name, the attach path (INFO's disk) first: sdc, sdb, sdaa. */
	qsort(p, n, sizeof(*p), by_disk);
	for (size_t k = 1; k < n; k++) {
		if (strcmp(p[k].disk, i->disk))
			continue;
		tmp = p[k];
		memmove(&p[1], &p[0], k * sizeof(*p));
		p[0] = tmp;
		break;
	}
	return n;
}

static uint64_t boottime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void path_text(const struct path_state *p, uint64_t now)
{
	char ago[32];

	if (!p->state[0]) {
		printf("path %s: unknown (its sysfs files could not be read)\n", p->disk);
		return;
	}
	printf("path %s: %s, %" PRIu64 " error%s, %" PRIu64 " failover%s", p->disk,
	       p->state, p->errors, p->errors == 1 ? "" : "s", p->failovers,
	       p->failovers == 1 ? "" : "s");
	if (p->failed_ms)
		printf(", last failed %s ago",
		       fmt_ms(now > p->failed_ms ? now - p->failed_ms : 0, ago, sizeof(ago)));
	printf("\n");
}

static void path_json(struct json *j, const struct path_state *p, uint64_t now)
{
	bool known = p->state[0];

	json_object(j, NULL);
	json_str(j, "disk", p->disk);
	json_str(j, "state", known ? p->state : "unknown");
	if (known) {
		json_u64(j, "errors", p->errors);
		json_u64(j, "failovers", p->failovers);
	} else {
		json_null(j, "errors");
		json_null(j, "failovers");
	}
	if (known && p->failed_ms)
		json_u64(j, "failed_ago_ms", now > p->failed_ms ? now - p->failed_ms : 0);
	else
		json_null(j, "failed_ago_ms");
	json_end(j);
}

/**
 * print_paths() - the paths of the file's lockspace, for status
 * @i:		INFO of the lockspace
 * @j:		--json: a "paths" array into the open object; NULL: text lines
 *
 * Nothing when the module has no paths/ directory for the lockspace.
 */
void print_paths(const struct blklock_info *i, struct json *j)
{
	struct path_state p[BL_MAX_FOUND];
	size_t n = read_paths(i, p, BL_MAX_FOUND);
	uint64_t now = boottime_ms();

	if (!n)
		return;
	if (j)
		json_array(j, "paths");
	for (size_t k = 0; k < n; k++) {
		if (j)
			path_json(j, &p[k], now);
		else
			path_text(&p[k], now);
	}
	if (j)
		json_end(j);
}
