// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: finding the disk that carries a lockspace, by its uuid.
 *
 * Every SCSI disk (/sys/block/sd*, whole disks only) is opened read-only
 * and its block 0 decoded (ondisk.c); nothing is written.  A LUN seen
 * through several paths shows up as several sd disks carrying the same
 * lockspace: when their SCSI designators (sysfs device/wwid, from VPD
 * page 0x83) are all present and equal, they are one LUN and the first
 * path by name is used, saying so; otherwise blklockctl refuses to
 * choose (ENOTUNIQ) and lists them, so that nothing is attached twice.
 *
 * BLKLOCK_SYS_BLOCK and BLKLOCK_DEV_DIR replace /sys/block and /dev, for
 * the host tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blklockctl.h"
#include "discover.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

/* Strip trailing white space and newlines from @s. */
static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* The SCSI designator of disk @name: sysfs wwid, else VPD 0x83 in hex. */
static void read_designator(const char *sys, const char *name, char *out,
			    size_t len)
{
	unsigned char raw[255];
	char path[512];
	size_t n, k;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s/device/wwid", sys, name);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(out, (int)len, f))
			out[0] = '\0';
		fclose(f);
		chomp(out);
		if (out[0])
			return;
	}
	snprintf(path, sizeof(path), "%s/%s/device/vpd_pg83", sys, name);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	for (k = 0; k < n && 2 * k + 2 < len; k++)
		snprintf(out + 2 * k, 3, "%02x", raw[k]);
}

/* sdb before sdc, sdz before sdaa. */
static int by_name(const void *a, const void *b)
{
	const struct bl_found *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->name, y->name);
}

/**
 * find_lockspace() - the SCSI disks whose block 0 holds lockspace @uuid
 * @uuid:	lockspace uuid
 * @out:	array of @max entries, filled in name order
 * @max:	its size
 * @scanned:	out: how many sd disks were looked at (NULL: not wanted)
 *
 * Return: the number of disks found (at most @max), or -1 with errno
 * set when the disks cannot be listed.
 */
int find_lockspace(const uint8_t uuid[16], struct bl_found *out, size_t max,
		   size_t *scanned)
{
	const char *sys = env_or("BLKLOCK_SYS_BLOCK", "/sys/block");
	const char *dev = env_or("BLKLOCK_DEV_DIR", "/dev");
	struct bl_header h;
	struct dirent *e;
	size_t n = 0, seen = 0;
	DIR *d = opendir(sys);

	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		struct bl_found *f = &out[n];

		if (strncmp(e->d_name, "sd", 2) || strlen(e->d_name) >= sizeof(f->name))
			continue;
		seen++;
		snprintf(f->path, sizeof(f->path), "%s/%s", dev, e->d_name);
		if (!bl_probe(f->path, &h) || memcmp(h.uuid, uuid, 16))
			continue;
		strcpy(f->name, e->d_name);
		f->h = h;
		read_designator(sys, e->d_name, f->designator, sizeof(f->designator));
		n++;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), by_name);
	if (scanned)
		*scanned = seen;
	return (int)n;
}

/* True if the disks all carry one designator: paths to one LUN. */
static bool one_lun(const struct bl_found *f, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!f[k].designator[0] || strcmp(f[k].designator, f[0].designator))
			return false;
	return true;
}

static void list_paths(const struct bl_found *f, size_t n, bool designators)
{
	for (size_t k = 0; k < n; k++) {
		fprintf(stderr, "%s%s", k ? ", " : "", f[k].path);
		if (designators)
			fprintf(stderr, " (%s)", f[k].designator[0] ?
				f[k].designator : "no SCSI designator");
	}
}

/**
 * pick_disk() - the one disk to attach lockspace @uuid through
 * @uuid:	lockspace uuid
 * @pick:	out: the disk
 *
 * Says on stderr which path it chose when one LUN has several, and why
 * it refuses when the disks may be different LUNs.
 *
 * Return: 0; ENODEV when no disk carries it (nothing printed);
 * ENOTUNIQ after saying which disks carry it; or an errno after saying
 * why the disks could not be listed.
 */
int pick_disk(const uint8_t uuid[16], struct bl_found *pick)
{
	struct bl_found found[16];
	char u[37];
	int n = find_lockspace(uuid, found, 16, NULL);

	if (n < 0) {
		int e = errno;

		fprintf(stderr, "blklockctl: cannot list the SCSI disks: %s\n",
			strerror(e));
		return e;
	}
	if (n == 0)
		return ENODEV;
	fmt_uuid(uuid, u);
	if (n > 1 && !one_lun(found, (size_t)n)) {
		fprintf(stderr, "blklockctl: lockspace %s is on %d disks: ", u, n);
		list_paths(found, (size_t)n, true);
		fprintf(stderr, "; their SCSI designators differ or are missing, so they may be different LUNs holding copies of one lockspace: refusing to choose; name the disk (attach DISK, or device= in the configuration)\n");
		return ENOTUNIQ;
	}
	if (n > 1 && !blc.quiet) {
		fprintf(stderr, "blklockctl: lockspace %s: one LUN (%s) seen through %d paths: ",
			u, found[0].designator, n);
		list_paths(found, (size_t)n, false);
		fprintf(stderr, "; using %s\n", found[0].path);
	}
	*pick = found[0];
	return 0;
}
