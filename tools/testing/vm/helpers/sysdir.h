/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sysfs directory of the lockspace attached through a disk, for the
 * test helpers: /sys/kernel/blklock/<uuid>:<node id>, whose "disk" file
 * names the disk.
 */
#ifndef BLKLOCK_TEST_SYSDIR_H
#define BLKLOCK_TEST_SYSDIR_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#define BLKLOCK_SYSFS "/sys/kernel/blklock"

/*
 * blklock_sysdir() - find the directory of the lockspace attached
 * through @disk (a path or a name: /dev/sdb or sdb) and write its path
 * to @dir.  Returns 0, or -1 when no lockspace is attached through it.
 */
static inline int blklock_sysdir(const char *disk, char *dir, size_t len)
{
	static const char pre[] = BLKLOCK_SYSFS "/";
	const char *base = strrchr(disk, '/');
	char path[512], name[64];
	size_t n;
	struct dirent *e;
	int ret = -1;
	DIR *d;

	base = base ? base + 1 : disk;
	d = opendir(BLKLOCK_SYSFS);
	if (!d)
		return -1;
	while (ret && (e = readdir(d))) {
		FILE *f;

		if (!strchr(e->d_name, ':'))
			continue;
		n = strlen(e->d_name);
		snprintf(path, sizeof(path), BLKLOCK_SYSFS "/%s/disk", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			if (!strcmp(name, base) && sizeof(pre) + n <= len) {
				memcpy(dir, pre, sizeof(pre) - 1);
				memcpy(dir + sizeof(pre) - 1, e->d_name, n + 1);
				ret = 0;
			}
		}
		fclose(f);
	}
	closedir(d);
	return ret;
}

#endif
