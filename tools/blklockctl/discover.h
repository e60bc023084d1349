/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklockctl: finding the disk that carries a lockspace (discover.c).
 */
#ifndef BLKLOCKCTL_DISCOVER_H
#define BLKLOCKCTL_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "ondisk.h"

/* A disk whose block 0 holds the lockspace looked for. */
struct bl_found {
	char name[32];		/* "sdb" */
	char path[320];		/* "/dev/sdb" */
	char designator[512];	/* sysfs wwid, or VPD 0x83 in hex; "" if none */
	struct bl_header h;
};

int find_lockspace(const uint8_t uuid[16], struct bl_found *out, size_t max,
		   size_t *scanned);
int pick_disk(const uint8_t uuid[16], struct bl_found *pick);

#endif
