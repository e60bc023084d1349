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
 * struct blklock_bdev_handle - an exclusively opened block device
 * @bdev:	the block device, valid between open and close
 * @file:	on kernels that open block devices as files, that file
 */
struct blklock_bdev_handle {
	struct block_device *bdev;
#ifdef BLKLOCK_HAVE_BDEV_FILE
	struct file *file;
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
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE | FMODE_EXCL,
				  holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	h->bdev = bdev;
	return 0;
}

static inline void blklock_bdev_close(struct blklock_bdev_handle *h)
{
	blkdev_put(h->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
	h->bdev = NULL;
}

#endif

#endif /* _BLKLOCK_COMPAT_H */
