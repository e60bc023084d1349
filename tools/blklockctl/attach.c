// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: attaching lockspaces for the host rather than for one run.
 *
 *   attach (DISK | --uuid=UUID) --node=N [--persistent] [--name=NAME]
 *   detach (DISK | --uuid=UUID)
 *   probe DISK                 (udev IMPORT{program}: KEY=value lines)
 *   wait-device --uuid=UUID [--timeout=SECONDS]
 *   start [--config=FILE]      attach every lockspace of FILE persistently
 *   stop [--config=FILE]       end their persistent attaches
 *
 * A persistent attach (BLKLOCK_ATTACH_PERSISTENT) is held by the module
 * itself until BLKLOCK_IOC_DETACH or unload, so a boot service can
 * attach and exit.  See Documentation/blklock/admin-guide.rst.
 *
 * One LUN seen through several SCSI disks (--uuid finding several with
 * one designator, or a dm-multipath DISK) is attached through the first
 * disk, the others added as its paths (BLKLOCK_IOC_ADD_PATH, path.c).
 * A device-mapper device is never attached itself: blklock sends SCSI
 * commands, which only its SCSI disks take.  A SCSI disk that a
 * dm-multipath device holds is opened without a claim (the SHARED flags).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "config.h"
#include "discover.h"
#include "json.h"

#define POLL_MS 250

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void attach_event(const char *disk, uint32_t node, const char *name,
			 bool persistent, bool already)
{
	char named[BLKLOCK_NODE_NAME_MAX + 4] = "";
	struct json j;

	if (blc.quiet)
		return;
	if (name)
		snprintf(named, sizeof(named), " (%s)", name);
	if (!blc.json) {
		if (already)
			say("%s: attached persistently as node %" PRIu32 " already\n",
			    disk, node);
		else
			say("attached %s as node %" PRIu32 "%s%s\n", disk, node,
			    named, persistent ? " persistently" : "");
		return;
	}
	json_open(&j, "attached");
	json_str(&j, "disk", disk);
	json_u64(&j, "node", node);
	json_str(&j, "name", name);
	json_bool(&j, "persistent", persistent);
	json_bool(&j, "already", already);
	json_end(&j);
}

/*
 * Attach the control file to @disk as @node named @name (or NULL),
 * persistently if asked.  A lockspace persistent already (EEXIST) is
 * fine: the file is then bound to it with a plain attach, for the
 * commands that follow, and it keeps the name it has.
 *
 * A disk that a dm-multipath device holds as one of its paths is opened
 * without a claim (BLKLOCK_ATTACH_SHARED): dm-multipath has claimed it.
 */
static int attach_disk(const char *disk, uint32_t node, const char *name,
		       bool persistent)
{
	struct blklock_attach a;
	char holder[32], hint[256];
	bool already = false;
	uint32_t shared;
	int err;

	shared = mpath_holder(disk, holder, sizeof(holder)) ? BLKLOCK_ATTACH_SHARED : 0;
	memset(&a, 0, sizeof(a));
	a.path = (uintptr_t)disk;
	a.node_id = node;
	a.name = (uintptr_t)name;
	a.flags = (persistent ? BLKLOCK_ATTACH_PERSISTENT : 0) | shared;
	if (!ioctl(blc.ctl, BLKLOCK_IOC_ATTACH, &a))
		goto done;
	err = errno;
	if (err == EEXIST && persistent) {
		already = true;
		a.flags = shared;
		if (!ioctl(blc.ctl, BLKLOCK_IOC_ATTACH, &a))
			goto done;
		err = errno;
	}
	if (err == EINVAL && shared) {
		shared_hint(holder, hint, sizeof(hint));
		return fail_hint(OP_ATTACH, err, hint, "attach %s as node %" PRIu32 "%s",
				 disk, node, persistent ? " persistently" : "");
	}
	return fail(OP_ATTACH, err, "attach %s as node %" PRIu32 "%s", disk,
		    node, persistent ? " persistently" : "");
done:
	attach_event(disk, node, name, persistent, already);
	return 0;
}

/* No disk carries lockspace @uuid (pick_disks() said ENODEV). */
static int not_found(const uint8_t *uuid, const char *what)
{
	char u[37];

	return fail_hint(OP_ATTACH, ENODEV,
			 "no SCSI disk (/sys/block/sd*) carries it: is the LUN connected (iSCSI login, zoning)? wait-device waits for it",
			 "%s lockspace %s", what, fmt_uuid(uuid, u));
}

/* Attach through @paths[0], then add the others as paths of its LUN. */
static int attach_paths(const char *const *paths, size_t n, uint32_t node,
			const char *name, bool persistent)
{
	int ret = attach_disk(paths[0], node, name, persistent);

	return ret ? ret : add_other_paths(paths, n);
}

/* Lockspace @uuid: through every SCSI disk of its LUN (pick_disks()). */
static int attach_uuid(const uint8_t *uuid, uint32_t node, const char *name,
		       bool persistent)
{
	struct bl_found found[BL_MAX_FOUND];
	const char *paths[BL_MAX_FOUND];
	size_t n;
	int ret = pick_disks(uuid, found, BL_MAX_FOUND, &n);

	if (ret == ENODEV)
		return not_found(uuid, "attach");
	if (ret)
		return EXIT_SYSTEM;
	for (size_t k = 0; k < n; k++)
		paths[k] = found[k].path;
	return attach_paths(paths, n, node, name, persistent);
}

/* A device-mapper device that is not dm-multipath: not attached. */
static int dm_refused(const char *disk, const struct bl_dm *dm, uint32_t node)
{
	char what[224], hint[448];

	if (dm->uuid_err)
		snprintf(what, sizeof(what), "its dm uuid could not be read: %s",
			 strerror(dm->uuid_err));
	else if (!dm->uuid[0])
		snprintf(what, sizeof(what), "no dm uuid");
	else
		snprintf(what, sizeof(what), "dm uuid %.160s", dm->uuid);
	snprintf(hint, sizeof(hint),
		 "it is device-mapper device %s (%s), not dm-multipath (dm uuid mpath-...): blklock needs a SCSI disk; name one, or the dm-multipath device whose paths it should use",
		 dm->name, what);
	return fail_hint(OP_ATTACH, EINVAL, hint, "attach %s as node %" PRIu32,
			 disk, node);
}

/* A dm-multipath device: through its SCSI disks, never itself. */
static int attach_dm(const char *disk, const struct bl_dm *dm, uint32_t node,
		     const char *name, bool persistent)
{
	const char *paths[BL_MAX_FOUND];
	char hint[160];

	if (!dm_multipath(dm))
		return dm_refused(disk, dm, node);
	if (!dm->nr) {
		snprintf(hint, sizeof(hint),
			 "dm-multipath device %s lists no paths (slaves%s%s): are its SCSI disks connected?",
			 dm->name, dm->slaves_err ? ": " : " is empty",
			 dm->slaves_err ? strerror(dm->slaves_err) : "");
		return fail_hint(OP_ATTACH, ENODEV, hint, "attach %s as node %" PRIu32,
				 disk, node);
	}
	for (size_t k = 0; k < dm->nr; k++)
		paths[k] = dm->path[k];
	if (!blc.quiet) {
		fprintf(stderr, "blklockctl: %s is dm-multipath device %s (%s) over %zu path%s: ",
			disk, dm->name, dm->uuid, dm->nr, dm->nr == 1 ? "" : "s");
		for (size_t k = 0; k < dm->nr; k++)
			fprintf(stderr, "%s%s", k ? ", " : "", paths[k]);
		fputs("; ", stderr);
		say_path_plan(paths, dm->nr);
	}
	return attach_paths(paths, dm->nr, node, name, persistent);
}

/* DISK: a SCSI disk, or a dm-multipath device through its paths. */
static int attach_named(const char *disk, uint32_t node, const char *name,
			bool persistent)
{
	struct bl_dm dm;

	if (dm_lookup(disk, &dm))
		return attach_dm(disk, &dm, node, name, persistent);
	return attach_disk(disk, node, name, persistent);
}

int cmd_attach(const struct step *s)
{
	if (s->disk)
		return attach_named(s->disk, s->node, s->name, s->persistent);
	return attach_uuid(s->uuid, s->node, s->name, s->persistent);
}

/* BLKLOCK_IOC_DETACH of @disk, or of lockspace @uuid when @disk is NULL. */
static int detach_ioctl(const char *disk, const uint8_t *uuid)
{
	struct blklock_detach d;

	memset(&d, 0, sizeof(d));
	if (disk)
		d.path = (uintptr_t)disk;
	else
		memcpy(d.uuid, uuid, sizeof(d.uuid));
	return ioctl(blc.ctl, BLKLOCK_IOC_DETACH, &d) ? errno : 0;
}

static const char *detach_name(const char *disk, const uint8_t *uuid,
			       char *buf, size_t len)
{
	char u[37];

	if (disk)
		return disk;
	snprintf(buf, len, "lockspace %s", fmt_uuid(uuid, u));
	return buf;
}

int cmd_detach(const struct step *s)
{
	const char *disk = s->disk;
	struct bl_dm dm;
	char name[64];
	int ret = open_control(), e;

	if (ret)
		return ret;
	/* A dm-multipath device: the lockspace is attached through its paths. */
	if (disk && dm_lookup(disk, &dm) && dm_multipath(&dm) && dm.nr)
		disk = dm.path[0];
	e = detach_ioctl(disk, s->uuid);
	if (e)
		return fail(OP_DETACH, e, "detach %s",
			    detach_name(s->disk, s->uuid, name, sizeof(name)));
	say("detached %s\n", detach_name(s->disk, s->uuid, name, sizeof(name)));
	return 0;
}

/* probe DISK: KEY=value lines for udev; exit 1 silently if no lockspace. */
int cmd_probe(const struct step *s)
{
	struct bl_header h;
	char u[37];

	if (!bl_probe(s->disk, &h))
		return 1;
	printf("BLKLOCK_UUID=%s\nBLKLOCK_VERSION=%" PRIu32 "\nBLKLOCK_LOCKS=%" PRIu32
	       "\nBLKLOCK_MAX_NODES=%" PRIu32 "\nBLKLOCK_BLOCK_SIZE=%" PRIu32 "\n",
	       fmt_uuid(h.uuid, u), h.version, h.nr_locks, h.max_node_id,
	       h.block_size);
	return fflush(stdout) ? EXIT_SYSTEM : 0;
}

/*
 * Wait up to @timeout_s for a disk carrying @uuid; the disks found are in
 * @found.  Returns their number (0 on timeout), or -1 if the disks cannot
 * be listed.
 */
static int wait_uuid(const uint8_t *uuid, uint32_t timeout_s,
		     struct bl_found *found, size_t max)
{
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	int n;

	while ((n = find_lockspace(uuid, found, max, NULL)) == 0 &&
	       now_ms() < deadline)
		sleep_ms(POLL_MS);
	return n;
}

int cmd_wait_device(const struct step *s)
{
	struct bl_found found[16];
	char u[37];
	int n = wait_uuid(s->uuid, s->wait_s, found, 16);

	fmt_uuid(s->uuid, u);
	if (n < 0)
		return fail(OP_OTHER, errno, "list the SCSI disks");
	if (n == 0)
		return fail_hint(OP_OTHER, ETIMEDOUT,
				 "is the LUN connected (iSCSI login, zoning)?",
				 "no SCSI disk carrying lockspace %s appeared within %" PRIu32 " s",
				 u, s->wait_s);
	if (!blc.quiet) {
		printf("lockspace %s is on", u);
		for (int k = 0; k < n; k++)
			printf("%s %s", k ? "," : "", found[k].path);
		printf("\n");
	}
	return 0;
}

/* ---- start and stop ----------------------------------------------------- */

/* Wait up to e->timeout_s for e->device to carry a (the) lockspace. */
static int wait_conf_device(const struct conf_entry *e, const char *file)
{
	int64_t deadline = now_ms() + (int64_t)e->timeout_s * 1000;
	struct bl_header h;
	char u[37], v[37];

	while (!bl_probe(e->device, &h) && now_ms() < deadline)
		sleep_ms(POLL_MS);
	if (!bl_probe(e->device, &h)) {
		fprintf(stderr, "blklockctl: %s:%u: %s carries no blklock lockspace after %" PRIu32 " s (missing, unreadable or not formatted)\n",
			file, e->line, e->device, e->timeout_s);
		return EXIT_SYSTEM;
	}
	if (e->has_uuid && memcmp(h.uuid, e->uuid, 16)) {
		fprintf(stderr, "blklockctl: %s:%u: %s carries lockspace %s, not %s: not attaching it\n",
			file, e->line, e->device, fmt_uuid(h.uuid, u),
			fmt_uuid(e->uuid, v));
		return EXIT_SYSTEM;
	}
	return 0;
}

/* start: one line of the configuration. */
static int start_entry(const struct conf_entry *e, const char *file)
{
	struct bl_found found[BL_MAX_FOUND];
	char u[37];
	int n, ret;

	if (e->device) {
		ret = wait_conf_device(e, file);
		return ret ? ret : attach_named(e->device, e->node, e->name, true);
	}
	fmt_uuid(e->uuid, u);
	n = wait_uuid(e->uuid, e->timeout_s, found, BL_MAX_FOUND);
	if (n <= 0) {
		fprintf(stderr, "blklockctl: %s:%u: no SCSI disk carrying lockspace %s appeared within %" PRIu32 " s\n",
			file, e->line, u, e->timeout_s);
		return EXIT_SYSTEM;
	}
	return attach_uuid(e->uuid, e->node, e->name, true);
}

/* Read the configuration; a bad line fails the command, not the others. */
static int read_conf(const struct step *s, struct conf *c, int *ret)
{
	int nbad = conf_read(s->config, c);

	if (nbad < 0)
		return -1;
	*ret = nbad ? EXIT_SYSTEM : 0;
	if (!c->n && !nbad && !blc.quiet)
		say("%s names no lockspace\n", s->config);
	return 0;
}

/*
 * Run @fn on every line of the step's configuration (in reverse order
 * if @reverse: stop undoes start); the first failure is the exit status,
 * and the other lines are tried all the same.
 */
static int each_entry(const struct step *s, bool reverse,
		      int (*fn)(const struct conf_entry *e, const char *file))
{
	struct conf c;
	int ret, r;

	if (read_conf(s, &c, &ret))
		return EXIT_SYSTEM;
	if (c.n && (r = open_control())) {
		conf_free(&c);
		return r;
	}
	for (size_t k = 0; k < c.n; k++) {
		r = fn(&c.v[reverse ? c.n - 1 - k : k], s->config);
		if (r && !ret)
			ret = r;
	}
	conf_free(&c);
	return ret;
}

int cmd_start(const struct step *s)
{
	return each_entry(s, false, start_entry);
}

/* stop: one line; a lockspace not attached persistently is fine. */
static int stop_entry(const struct conf_entry *e, const char *file)
{
	const char *disk = e->has_uuid ? NULL : e->device;
	char name[64];
	int err = detach_ioctl(disk, e->uuid);

	detach_name(disk, e->uuid, name, sizeof(name));
	if (err == ENOENT) {
		say("%s: not attached persistently\n", name);
		return 0;
	}
	if (err) {
		fprintf(stderr, "blklockctl: %s:%u: ", file, e->line);
		return fail(OP_DETACH, err, "detach %s", name);
	}
	say("detached %s\n", name);
	return 0;
}

int cmd_stop(const struct step *s)
{
	return each_entry(s, true, stop_entry);
}
