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
 * Those paths are then given to the lockspace: the first is attached,
 * the others added with BLKLOCK_IOC_ADD_PATH (attach.c, path.c).  The
 * same goes for a dm-multipath device (dm_lookup()): its paths, the SCSI
 * disks in /sys/block/dm-N/slaves, are used, never the dm device itself;
 * dm-multipath claims them, so they are opened without a claim (the
 * SHARED flags, mpath_holder()).
 *
 * BLKLOCK_SYS_BLOCK and BLKLOCK_DEV_DIR replace /sys/block and /dev, for
 * the host tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "discover.h"

/* The value of environment variable @name, or @dflt if it is unset or empty. */
const char *env_or(const char *name, const char *dflt)
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
int disk_name_cmp(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

static int by_name(const void *a, const void *b)
{
	const struct bl_found *x = a, *y = b;

	return disk_name_cmp(x->name, y->name);
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

/*
 * "using A" or "using A, adding B, C as paths", and the paths beyond
 * BLKLOCK_MAX_PATHS that are left out: what attach does with @n paths.
 */
void say_path_plan(const char *const *paths, size_t n)
{
	size_t used = n < BLKLOCK_MAX_PATHS ? n : BLKLOCK_MAX_PATHS;

	fprintf(stderr, "using %s", paths[0]);
	for (size_t k = 1; k < used; k++)
		fprintf(stderr, "%s%s", k == 1 ? ", adding " : ", ", paths[k]);
	if (used > 1)
		fprintf(stderr, " as %s", used > 2 ? "paths" : "a path");
	if (n > used)
		fprintf(stderr, "; a lockspace takes at most %d paths: not adding",
			BLKLOCK_MAX_PATHS);
	for (size_t k = used; k < n; k++)
		fprintf(stderr, "%s %s", k == used ? "" : ",", paths[k]);
	fputc('\n', stderr);
}

/**
 * pick_disks() - the disks to attach lockspace @uuid through
 * @uuid:	lockspace uuid
 * @found:	out: the disks, in name order: the first to attach through,
 *		the others paths to the same LUN
 * @max:	room in @found
 * @nr:		out: their number
 *
 * Says on stderr which paths it uses when one LUN has several, and why
 * it refuses when the disks may be different LUNs.
 *
 * Return: 0; ENODEV when no disk carries it (nothing printed);
 * ENOTUNIQ after saying which disks carry it; or an errno after saying
 * why the disks could not be listed.
 */
int pick_disks(const uint8_t uuid[16], struct bl_found *found, size_t max,
	       size_t *nr)
{
	const char *paths[BL_MAX_FOUND];
	char u[37];
	int n = find_lockspace(uuid, found, max < BL_MAX_FOUND ? max : BL_MAX_FOUND,
			       NULL);

	*nr = 0;
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
		fputs("; ", stderr);
		for (int k = 0; k < n; k++)
			paths[k] = found[k].path;
		say_path_plan(paths, (size_t)n);
	}
	*nr = (size_t)n;
	return 0;
}

/* ---- device-mapper multipath ---------------------------------------------- */

/* The first line of file @dir/@name into @out; 0 or an errno. */
static int read_line(const char *dir, const char *name, char *out, size_t len)
{
	char path[2 * PATH_MAX];
	FILE *f;
	int err = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return errno;
	if (!fgets(out, (int)len, f))
		err = ferror(f) ? EIO : 0;
	fclose(f);
	chomp(out);
	return err;
}

static int by_slave_name(const void *a, const void *b)
{
	return disk_name_cmp(a, b);
}

/* "dm-" and digits only. */
static bool dm_name(const char *name)
{
	if (strncmp(name, "dm-", 3) || !name[3])
		return false;
	for (name += 3; *name; name++)
		if (*name < '0' || *name > '9')
			return false;
	return true;
}

/*
 * The kernel name of block device node @path by its device number
 * (/sys/dev/block/MAJ:MIN): a /dev/mapper node that udev did not make a
 * link (dmsetup without udev makes nodes) is still dm-N.
 */
static bool name_by_devnum(const char *path, char *name, size_t len)
{
	char link[64], target[PATH_MAX];
	const char *base;
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return false;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(link, target))
		return false;
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (strlen(base) >= len)
		return false;
	strcpy(name, base);
	return true;
}

/**
 * dm_lookup() - is @disk a device-mapper device, and which are its paths
 * @disk:	a path, such as /dev/dm-3 or /dev/mapper/mpatha (resolved
 *		with realpath(3))
 * @dm:		out: the dm device: its name, its dm uuid, and for
 *		dm-multipath its paths (/sys/block/dm-N/slaves) in name order
 *
 * Only sysfs is read: nothing is opened on the dm device.
 *
 * Return: true if @disk is a dm device (dm_multipath() tells which kind);
 * false if it is not one, or cannot be resolved (the caller's open
 * reports that).
 */
bool dm_lookup(const char *disk, struct bl_dm *dm)
{
	const char *sys = env_or("BLKLOCK_SYS_BLOCK", "/sys/block");
	const char *dev = env_or("BLKLOCK_DEV_DIR", "/dev");
	char real[PATH_MAX], dir[PATH_MAX + 64];
	const char *base;
	struct dirent *e;
	DIR *d;

	memset(dm, 0, sizeof(*dm));
	if (!realpath(disk, real))
		return false;
	base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	if (!dm_name(base) && name_by_devnum(real, dm->name, sizeof(dm->name)))
		base = dm->name;
	if (!dm_name(base) || strlen(base) >= sizeof(dm->name))
		return false;
	if (base != dm->name)
		strcpy(dm->name, base);
	snprintf(dir, sizeof(dir), "%s/%s/dm", sys, base);
	dm->uuid_err = read_line(dir, "uuid", dm->uuid, sizeof(dm->uuid));
	if (!dm_multipath(dm))
		return true;
	snprintf(dir, sizeof(dir), "%s/%s/slaves", sys, base);
	d = opendir(dir);
	if (!d) {
		dm->slaves_err = errno;
		return true;
	}
	while ((e = readdir(d)) && dm->nr < BL_MAX_FOUND) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(dm->slave[0]))
			continue;
		strcpy(dm->slave[dm->nr++], e->d_name);
	}
	closedir(d);
	qsort(dm->slave, dm->nr, sizeof(dm->slave[0]), by_slave_name);
	for (size_t k = 0; k < dm->nr; k++)
		snprintf(dm->path[k], sizeof(dm->path[k]), "%s/%s", dev, dm->slave[k]);
	return true;
}

/* A dm-multipath device: its dm uuid starts with "mpath-". */
bool dm_multipath(const struct bl_dm *dm)
{
	return !strncmp(dm->uuid, "mpath-", 6);
}

/**
 * mpath_holder() - the dm-multipath device that holds @disk as a path
 * @disk:	a path of a disk (resolved with realpath(3))
 * @name:	out: the dm device, "dm-0"; "" if none
 * @len:	room in @name
 *
 * From /sys/block/<disk>/holders: dm-multipath claims its paths, so
 * blklock must open such a disk without a claim (the SHARED flags).
 *
 * Return: true if a dm-multipath device holds it.
 */
bool mpath_holder(const char *disk, char *name, size_t len)
{
	const char *sys = env_or("BLKLOCK_SYS_BLOCK", "/sys/block");
	char real[PATH_MAX], dir[PATH_MAX + 64], uuid[16];
	const char *base;
	bool found = false;
	struct dirent *e;
	DIR *d;

	name[0] = '\0';
	if (!realpath(disk, real))
		return false;
	base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	snprintf(dir, sizeof(dir), "%s/%s/holders", sys, base);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (!dm_name(e->d_name) || strlen(e->d_name) >= len)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s/dm", sys, e->d_name);
		found = !read_line(dir, "uuid", uuid, sizeof(uuid)) &&
			!strncmp(uuid, "mpath-", 6);
		if (found)
			strcpy(name, e->d_name);
	}
	closedir(d);
	return found;
}

/* Why the kernel refused (EINVAL) to open a path of dm-multipath device @dm without a claim. */
void shared_hint(const char *dm, char *hint, size_t len)
{
	snprintf(hint, len,
		 "a path of dm-multipath device %s, opened without a claim (SHARED): a blklock module older than this blklockctl refuses that, and so does one that finds no driver holding the disk; see dmesg",
		 dm);
}
