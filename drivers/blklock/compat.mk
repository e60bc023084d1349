# SPDX-License-Identifier: GPL-2.0
#
# Feature tests of the kernel headers blklock builds against, turned into
# -D flags for compat.h.  Included by the top-level Kbuild (out-of-tree)
# and by drivers/blklock/Makefile (in-tree, for KUnit).

blklock_have = $(shell grep -qs '$(1)' $(srctree)/include/$(2) && echo -D$(3))

blklock_compat_flags := \
	$(call blklock_have,bdev_file_open_by_path,linux/blkdev.h,BLKLOCK_HAVE_BDEV_FILE) \
	$(if $(wildcard $(srctree)/include/linux/unaligned.h),-DBLKLOCK_HAVE_LINUX_UNALIGNED)
