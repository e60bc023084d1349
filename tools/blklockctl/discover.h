/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklockctl: finding the disks that carry a lockspace (discover.c).
 */
#ifndef BLKLOCKCTL_DISCOVER_H
#define BLKLOCKCTL_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ondisk.h"

/* Disks looked at for one lockspace, paths of one dm-multipath device. */
#define BL_MAX_FOUND	16

/* A disk whose block 0 holds the lockspace looked for. */
struct bl_found {
	char name[32];		/* "sdb" */
	char path[320];		/* "/dev/sdb" */
	char designator[512];	/* sysfs wwid, or VPD 0x83 in hex; "" if none */
	struct bl_header h;
};

/* A device-mapper device, from sysfs. */
struct bl_dm {
	char name[32];		/* "dm-3" */
	char uuid[160];		/* its dm uuid ("mpath-..." for multipath); "" if none */
	int uuid_err;		/* errno of reading dm/uuid, or 0 */
	int slaves_err;		/* errno of listing slaves/, or 0 */
	size_t nr;		/* multipath: its paths, in name order */
	char slave[BL_MAX_FOUND][32];	/* "sdb" */
	char path[BL_MAX_FOUND][320];	/* "/dev/sdb" */
};

const char *env_or(const char *name, const char *dflt);
int disk_name_cmp(const char *x, const char *y);
int find_lockspace(const uint8_t uuid[16], struct bl_found *out, size_t max,
		   size_t *scanned);
int pick_disks(const uint8_t uuid[16], struct bl_found *found, size_t max,
	       size_t *nr);
void say_path_plan(const char *const *paths, size_t n);
bool dm_lookup(const char *disk, struct bl_dm *dm);
bool dm_multipath(const struct bl_dm *dm);
bool mpath_holder(const char *disk, char *name, size_t len);
void shared_hint(const char *dm, char *hint, size_t len);

#endif
