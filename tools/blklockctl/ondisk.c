// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: reading a lockspace's blocks from user space.
 *
 * An independent implementation of the documented format
 * (Documentation/blklock/disk-format.rst): user space's CRC-32C
 * (tools/lib) and its own checks, so `blklockctl dump` works without the
 * module and does not share the module's mistakes.  Block devices are read with O_DIRECT,
 * so what is shown is what the LUN holds, not the page cache.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include <linux/blklock.h>

#include "crc32c.h"
#include "ondisk.h"

const char *bl_check_name(enum bl_check c)
{
	switch (c) {
	case BL_OK:
		return "ok";
	case BL_BAD_MAGIC:
		return "no blklock magic";
	case BL_BAD_CRC:
		return "checksum mismatch (torn or damaged block)";
	default:
		return "checksum ok but impossible fields";
	}
}

static bool zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

static bool crc_ok(const void *blk, size_t crc_off)
{
	uint32_t stored;

	memcpy(&stored, (const uint8_t *)blk + crc_off, sizeof(stored));
	return le32toh(stored) == crc32c(blk, crc_off);
}

enum bl_check bl_header_decode(const void *blk, struct bl_header *h)
{
	const struct blklock_disk_header *d = blk;

	if (le64toh(d->magic) != BLKLOCK_HEADER_MAGIC)
		return BL_BAD_MAGIC;
	if (!crc_ok(d, offsetof(struct blklock_disk_header, crc)))
		return BL_BAD_CRC;
	h->version = le32toh(d->version);
	h->block_size = le32toh(d->block_size);
	h->nr_locks = le32toh(d->nr_locks);
	h->max_node_id = le32toh(d->max_node_id);
	h->lock_lba = le64toh(d->lock_lba);
	h->hb_lba = le64toh(d->hb_lba);
	h->req_lba = le64toh(d->req_lba);
	h->created = le64toh(d->created);
	h->hb_interval_ms = le32toh(d->hb_interval_ms);
	h->lease_timeout_ms = le32toh(d->lease_timeout_ms);
	memcpy(h->uuid, d->uuid, sizeof(h->uuid));
	if (h->block_size < 512 || (h->block_size & (h->block_size - 1)) ||
	    !h->nr_locks || h->nr_locks > BLKLOCK_MAX_LOCKS)
		return BL_BAD_FIELDS;
	if (h->version >= 2 && (!h->max_node_id ||
				h->max_node_id > BLKLOCK_MAX_NODE_ID ||
				h->hb_lba < 1 ||
				h->lock_lba < h->hb_lba + h->max_node_id))
		return BL_BAD_FIELDS;
	/* Format 4: the request blocks lie between the slots and the records. */
	if (h->version >= 4 && (h->req_lba < h->hb_lba ||
				h->req_lba - h->hb_lba < h->max_node_id ||
				h->lock_lba < h->req_lba ||
				h->lock_lba - h->req_lba < h->max_node_id))
		return BL_BAD_FIELDS;
	if (h->version < 4 && h->req_lba)
		return BL_BAD_FIELDS;
	return BL_OK;
}

/* 1 to 63 of A-Z a-z 0-9 . _ - (BLKLOCK_NODE_NAME_MAX). */
bool bl_node_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i >= BLKLOCK_NODE_NAME_MAX - 1 ||
		    !((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return false;
	return i > 0;
}

/* 1 to 63 printable ASCII characters but space (BLKLOCK_LOCK_NAME_MAX). */
bool bl_lock_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i >= BLKLOCK_LOCK_NAME_MAX - 1 || name[i] < 0x21 || name[i] > 0x7e)
			return false;
	return i > 0;
}

/*
 * A name after a slot (format 3) or a lock record (format 4): 64 bytes,
 * NUL-padded, then the CRC-32C of those 64 bytes; all zero for none.
 * Both structures have this layout.
 */
static enum bl_check name_decode(const void *area, char *name,
				 bool (*valid)(const char *))
{
	const struct blklock_disk_hb_name *n = area;
	size_t len;

	_Static_assert(sizeof(struct blklock_disk_hb_name) ==
		       sizeof(struct blklock_disk_lock_name) &&
		       offsetof(struct blklock_disk_hb_name, crc) ==
		       offsetof(struct blklock_disk_lock_name, crc),
		       "slot and lock names share a layout");
	name[0] = '\0';
	if (zero(n, sizeof(*n)))
		return BL_OK;
	if (!crc_ok(n, offsetof(struct blklock_disk_hb_name, crc)))
		return BL_BAD_CRC;
	len = strnlen(n->name, sizeof(n->name));
	if (len == sizeof(n->name) ||
	    !zero(n->name + len, sizeof(n->name) - len))
		return BL_BAD_FIELDS;
	memcpy(name, n->name, len + 1);
	if (valid(name))
		return BL_OK;
	name[0] = '\0';
	return BL_BAD_FIELDS;
}

enum bl_check bl_hb_decode(const void *blk, uint32_t bs, uint32_t version,
			   uint32_t node_id, struct bl_hb *r)
{
	const struct blklock_disk_hb *d = blk;
	size_t end = sizeof(*d);
	enum bl_check c;

	if (le32toh(d->magic) != BLKLOCK_HB_MAGIC)
		return BL_BAD_MAGIC;
	if (!crc_ok(d, offsetof(struct blklock_disk_hb, crc)))
		return BL_BAD_CRC;
	r->node_id = le32toh(d->node_id);
	r->flags = le32toh(d->flags);
	r->incarnation = le64toh(d->incarnation);
	r->counter = le64toh(d->counter);
	r->timestamp = le64toh(d->timestamp);
	r->name[0] = '\0';
	if (version >= 3) {
		c = name_decode(d + 1, r->name, bl_node_name_valid);
		if (c != BL_OK)
			return c;
		end += sizeof(struct blklock_disk_hb_name);
	}
	if (r->node_id != node_id ||
	    (r->flags & ~(BLKLOCK_HB_DETACHED | BLKLOCK_HB_EVICTED)) ||
	    !zero(d->reserved, sizeof(d->reserved)) ||
	    !zero((const uint8_t *)blk + end, bs - end))
		return BL_BAD_FIELDS;
	return BL_OK;
}

/* A used entry of a request block: an asker, a lock, a held generation. */
static bool req_entry_ok(const struct blklock_disk_req_entry *e,
			 struct bl_req_entry *out)
{
	out->lock = le32toh(e->lock);
	out->asker = le32toh(e->asker);
	out->generation = le64toh(e->generation);
	out->when = le64toh(e->when);
	return out->lock < BLKLOCK_MAX_LOCKS && out->asker &&
	       out->asker <= BLKLOCK_MAX_NODE_ID && out->generation;
}

/*
 * bl_req_decode() - the request block of node @node_id (format 4)
 *
 * An all-zero block has had no request: BL_OK with count 0.  Otherwise
 * the magic, the checksum, the node id, a count of at least 1, the
 * entries the count says were written (an asker, a generation; the
 * others still zero) and the zero rest of the block.
 */
enum bl_check bl_req_decode(const void *blk, uint32_t bs, uint32_t node_id,
			    struct bl_req *r)
{
	const struct blklock_disk_req *d = blk;
	const size_t end = sizeof(*d);
	bool ok = true;
	uint32_t i;

	_Static_assert(BLKLOCK_REQ_RING == sizeof(r->entry) / sizeof(r->entry[0]),
		       "struct bl_req holds the whole ring");
	memset(r, 0, sizeof(*r));
	if (zero(blk, bs))
		return BL_OK;
	if (le32toh(d->magic) != BLKLOCK_REQ_MAGIC)
		return BL_BAD_MAGIC;
	if (!crc_ok(d, offsetof(struct blklock_disk_req, crc)))
		return BL_BAD_CRC;
	r->node_id = le32toh(d->node_id);
	r->count = le64toh(d->count);
	r->nr = r->count < BLKLOCK_REQ_RING ? (uint32_t)r->count : BLKLOCK_REQ_RING;
	for (i = 0; i < BLKLOCK_REQ_RING; i++) {
		if (i < r->nr)
			ok &= req_entry_ok(&d->entry[i], &r->entry[i]);
		else
			ok &= zero(&d->entry[i], sizeof(d->entry[i]));
	}
	if (!ok || r->node_id != node_id || !r->count || d->reserved ||
	    !zero((const uint8_t *)blk + end, bs - end))
		return BL_BAD_FIELDS;
	return BL_OK;
}

/* Request number @k (count - nr < k <= count) of a decoded block. */
const struct bl_req_entry *bl_req_nth(const struct bl_req *r, uint64_t k)
{
	return &r->entry[(k - 1) % BLKLOCK_REQ_RING];
}

/*
 * A lock record; in format 4 also the name after it and the flag
 * BLKLOCK_LOCK_DELETED (a tombstone, with its name or, after a repair,
 * without one).  Before format 4 flags are 0 and the rest of the block
 * is zero.
 */
enum bl_check bl_lock_decode(const void *blk, uint32_t bs, uint32_t version,
			     uint32_t index, struct bl_lock *r)
{
	const struct blklock_disk_lock *d = blk;
	uint32_t flags_ok = version >= 4 ? BLKLOCK_LOCK_DELETED : 0;
	size_t end = sizeof(*d);
	enum bl_check c;

	if (le32toh(d->magic) != BLKLOCK_LOCK_MAGIC)
		return BL_BAD_MAGIC;
	if (!crc_ok(d, offsetof(struct blklock_disk_lock, crc)))
		return BL_BAD_CRC;
	r->lock = le32toh(d->lock);
	r->owner = le32toh(d->owner);
	r->flags = le32toh(d->flags);
	r->generation = le64toh(d->generation);
	r->acquired = le64toh(d->acquired);
	r->owner_incarnation = le64toh(d->owner_incarnation);
	r->name[0] = '\0';
	if (version >= 4) {
		c = name_decode(d + 1, r->name, bl_lock_name_valid);
		if (c != BL_OK)
			return c;
		end += sizeof(struct blklock_disk_lock_name);
	}
	if (r->lock != index || (r->flags & ~flags_ok) ||
	    r->owner > BLKLOCK_MAX_NODE_ID ||
	    !zero(d->reserved, sizeof(d->reserved)) ||
	    !zero((const uint8_t *)blk + end, bs - end))
		return BL_BAD_FIELDS;
	return BL_OK;
}

void *bl_alloc(const struct bl_disk *d, uint32_t nr)
{
	void *p;

	if (posix_memalign(&p, 4096, (size_t)nr * d->bs))
		return NULL;
	return p;
}

int bl_read(const struct bl_disk *d, uint64_t lba, uint32_t nr, void *buf)
{
	size_t len = (size_t)nr * d->bs, done = 0;

	while (done < len) {
		ssize_t n = pread(d->fd, (char *)buf + done, len - done,
				  (off_t)(lba * d->bs + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ENXIO;
			return -1;
		}
		done += n;
	}
	return 0;
}

/* Print to @err (stderr, or nothing when NULL) what bl_open_to() found wrong. */
static void complain(FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void complain(FILE *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
}

/*
 * Open @path read-only and read its header; what is wrong goes to @err.
 * Returns -1 (with d->fd closed or -1), or 0 with d->h filled.
 */
static int bl_open_to(struct bl_disk *d, const char *path, FILE *err)
{
	uint8_t first[4096] __attribute__((aligned(4096)));
	struct stat st;
	enum bl_check c;
	int bs;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st)) {
		complain(err, "blklockctl: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes;

		close(d->fd);
		d->fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (d->fd < 0 || ioctl(d->fd, BLKSSZGET, &bs) ||
		    ioctl(d->fd, BLKGETSIZE64, &bytes)) {
			complain(err, "blklockctl: %s: %s\n", path, strerror(errno));
			goto fail;
		}
		d->direct = true;
		d->bs = bs;
		d->nr_blocks = bytes / d->bs;
	} else if (S_ISREG(st.st_mode)) {
		/* An image file: the header says its block size. */
		d->bs = 512;
		d->nr_blocks = st.st_size / 512;
	} else {
		complain(err, "blklockctl: %s: not a block device or an image file\n",
			 path);
		goto fail;
	}
	if (d->bs > sizeof(first) || d->nr_blocks < 1 || bl_read(d, 0, 1, first)) {
		complain(err, "blklockctl: %s: cannot read block 0: %s\n", path,
			 d->nr_blocks ? strerror(errno) : "empty");
		goto fail;
	}
	c = bl_header_decode(first, &d->h);
	if (c != BL_OK) {
		complain(err, "blklockctl: %s: block 0 is not a valid blklock header: %s\n",
			 path, bl_check_name(c));
		goto fail;
	}
	if (!d->direct) {
		d->bs = d->h.block_size;
		d->nr_blocks = st.st_size / d->bs;
	}
	if (d->h.block_size != d->bs) {
		complain(err, "blklockctl: %s: the header says block size %u but the device has %u\n",
			 path, d->h.block_size, d->bs);
		goto fail;
	}
	if (d->h.version < BLKLOCK_FORMAT_VERSION_MIN ||
	    d->h.version > BLKLOCK_FORMAT_VERSION) {
		complain(err, "blklockctl: %s: on-disk format %u; this blklockctl reads formats %u to %u\n",
			 path, d->h.version, BLKLOCK_FORMAT_VERSION_MIN,
			 BLKLOCK_FORMAT_VERSION);
		goto fail;
	}
	if (d->h.lock_lba + d->h.nr_locks > d->nr_blocks) {
		complain(err, "blklockctl: %s: the header places %u locks at LBA %llu but the device has %llu blocks\n",
			 path, d->h.nr_locks, (unsigned long long)d->h.lock_lba,
			 (unsigned long long)d->nr_blocks);
		goto fail;
	}
	return 0;
fail:
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	return -1;
}

/*
 * Open @path read-only and read its header.  Prints what is wrong and
 * returns -1, or returns 0 with d->h filled.
 */
int bl_open(struct bl_disk *d, const char *path)
{
	return bl_open_to(d, path, stderr);
}

/*
 * bl_probe() - does @path hold a lockspace this blklockctl can read?
 *
 * The same checks as bl_open(), silently; on success the header is in
 * *@h and nothing stays open.  For a quick look before FORMAT: any
 * failure (no permission, not a disk, no lockspace) just returns false.
 */
bool bl_probe(const char *path, struct bl_header *h)
{
	struct bl_disk d;

	if (bl_open_to(&d, path, NULL))
		return false;
	*h = d.h;
	close(d.fd);
	return true;
}

/*
 * bl_node_name() - the name node @id's heartbeat slot on @path carries
 * (format 3), read silently into @name (BLKLOCK_NODE_NAME_MAX bytes).
 * Returns false, with @name empty, when there is none or it cannot be
 * read.
 */
bool bl_node_name(const char *path, uint32_t id, char *name)
{
	struct bl_disk d;
	struct bl_hb hb;
	void *buf;
	bool ok = false;

	name[0] = '\0';
	if (bl_open_to(&d, path, NULL))
		return false;
	buf = id && id <= d.h.max_node_id ? bl_alloc(&d, 1) : NULL;
	if (buf && !bl_read(&d, d.h.hb_lba + id - 1, 1, buf) &&
	    bl_hb_decode(buf, d.bs, d.h.version, id, &hb) == BL_OK &&
	    hb.name[0]) {
		memcpy(name, hb.name, sizeof(hb.name));
		ok = true;
	}
	free(buf);
	close(d.fd);
	return ok;
}

/**
 * bl_scan_locks() - visit every lock record that is not a plain free one
 * @d:		open lockspace
 * @fn:		called for each held, damaged, named or deleted record (a
 *		name and a tombstone exist in format 4 only), in index order
 * @ctx:	passed to @fn
 * @st:		out: counts of what was seen
 *
 * Reads the lock region in chunks of 256 blocks.  Returns 0, or -1 with
 * errno set by a failed read.
 */
int bl_scan_locks(const struct bl_disk *d, bl_lock_fn fn, void *ctx,
		  struct bl_scan *st)
{
	const uint32_t chunk = 256;
	uint8_t *buf = bl_alloc(d, chunk);
	uint32_t i, n, k;

	memset(st, 0, sizeof(*st));
	if (!buf)
		return -1;
	for (i = 0; i < d->h.nr_locks; i += n) {
		n = d->h.nr_locks - i < chunk ? d->h.nr_locks - i : chunk;
		if (bl_read(d, d->h.lock_lba + i, n, buf)) {
			free(buf);
			return -1;
		}
		for (k = 0; k < n; k++) {
			struct bl_lock r = { 0 };
			enum bl_check c = bl_lock_decode(buf + (size_t)k * d->bs,
							  d->bs, d->h.version,
							  i + k, &r);
			bool deleted = r.flags & BLKLOCK_LOCK_DELETED;

			if (c != BL_OK)
				st->damaged++;
			else if (r.owner)
				st->held++;
			else
				st->free++;
			if (c == BL_OK && deleted)
				st->deleted++;
			else if (c == BL_OK && r.name[0])
				st->named++;
			if (c == BL_OK && r.generation > st->max_generation)
				st->max_generation = r.generation;
			if (c != BL_OK || r.owner || r.name[0] || deleted)
				fn(ctx, i + k, c, &r);
		}
	}
	free(buf);
	return 0;
}
