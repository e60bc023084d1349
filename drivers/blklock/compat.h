/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock: the differences between the kernels blklock supports
 * (Debian 12's 6.1 and 6.12), kept here so that no other file needs to
 * know about them.
 */
#ifndef _BLKLOCK_COMPAT_H
#define _BLKLOCK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>

/*
 * The BLKLOCK_HAVE_* flags come from feature tests of the headers in
 * compat.mk, not from version numbers: distributions backport.
 */
#ifdef BLKLOCK_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/**
 * struct blklock_bdev_handle - an opened block device
 * @bdev:	the block device, valid between open and close
 * @file:	on kernels that open block devices as files, that file
 * @mode:	on the others, the mode to close it with
 *
 * blklock_bdev_open() claims the device exclusively for a non-NULL
 * holder, and opens it without a claim for a NULL one.
 */
struct blklock_bdev_handle {
	struct block_device *bdev;
#ifdef BLKLOCK_HAVE_BDEV_FILE
	struct file *file;
#else
	fmode_t mode;
#endif
};

#ifdef BLKLOCK_HAVE_BDEV_FILE

static inline int blklock_bdev_open(const char *path, void *holder,
				    struct blklock_bdev_handle *h)
{
	struct file *f;

	f = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				   holder, NULL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	h->file = f;
	h->bdev = file_bdev(f);
	return 0;
}

static inline void blklock_bdev_close(struct blklock_bdev_handle *h)
{
	bdev_fput(h->file);
	h->file = NULL;
	h->bdev = NULL;
}

#else

static inline int blklock_bdev_open(const char *path, void *holder,
				    struct blklock_bdev_handle *h)
{
	fmode_t mode = FMODE_READ | FMODE_WRITE | (holder ? FMODE_EXCL : 0);
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, mode, holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	h->bdev = bdev;
	h->mode = mode;
	return 0;
}

static inline void blklock_bdev_close(struct blklock_bdev_handle *h)
{
	blkdev_put(h->bdev, h->mode);
	h->bdev = NULL;
}

#endif

#endif /* _BLKLOCK_COMPAT_H */
