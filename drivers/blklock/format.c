// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: the on-disk format.
 *
 * Encoding and decoding of the lockspace header and of lock records,
 * and recognition of other signatures a disk may carry.  Pure functions
 * over memory buffers: no I/O, no locking, tested by KUnit.
 * Documentation/blklock/disk-format.rst describes every byte.
 */
#include <linux/crc32c.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "blklock.h"

/* Slot names and lock names share one layout on the disk. */
static_assert(BLKLOCK_NODE_NAME_MAX == BLKLOCK_LOCK_NAME_MAX);

/*
 * The standard CRC-32C (Castagnoli, as used by iSCSI and ext4 metadata):
 * initial value and final XOR all ones, so user-space tools can check
 * records with any CRC-32C implementation.
 */
static u32 blklock_crc(const void *p, size_t len)
{
	return ~crc32c(~0U, p, len);
}

static bool blklock_tail_is_zero(const void *blk, size_t from, u32 bs)
{
	return !memchr_inv((const u8 *)blk + from, 0, bs - from);
}

/**
 * blklock_header_encode() - build the header block of a lockspace
 * @h:		header fields
 * @blk:	output, @bs bytes
 * @bs:		logical block size
 */
void blklock_header_encode(const struct blklock_header *h, void *blk, u32 bs)
{
	struct blklock_disk_header *d = blk;

	memset(blk, 0, bs);
	d->magic = cpu_to_le64(BLKLOCK_HEADER_MAGIC);
	d->version = cpu_to_le32(h->version);
	d->block_size = cpu_to_le32(h->block_size);
	d->nr_locks = cpu_to_le32(h->nr_locks);
	d->max_node_id = cpu_to_le32(h->max_node_id);
	d->lock_lba = cpu_to_le64(h->lock_lba);
	memcpy(d->uuid, h->uuid, sizeof(d->uuid));
	d->created = cpu_to_le64(h->created);
	d->flags = cpu_to_le32(h->flags);
	d->hb_interval_ms = cpu_to_le32(h->hb_interval_ms);
	d->lease_timeout_ms = cpu_to_le32(h->lease_timeout_ms);
	d->hb_lba = cpu_to_le64(h->hb_lba);
	d->req_lba = cpu_to_le64(h->req_lba);
	d->crc = cpu_to_le32(blklock_crc(d, offsetof(typeof(*d), crc)));
}

/**
 * blklock_header_decode() - check and decode a header block
 * @blk:	block 0 of the device, @bs bytes
 * @bs:		logical block size
 * @h:		output
 *
 * Return: 0; -EMEDIUMTYPE if the block carries no lockspace; -EBADMSG if
 * its checksum is wrong; -EPROTONOSUPPORT if a newer blklock wrote it;
 * -EPROTO if an older one did (format 1 has no heartbeats); -EUCLEAN if
 * a field or the padding holds what no blklock writes (a req_lba before
 * format 4 included).
 */
int blklock_header_decode(const void *blk, u32 bs, struct blklock_header *h)
{
	const struct blklock_disk_header *d = blk;

	if (le64_to_cpu(d->magic) != BLKLOCK_HEADER_MAGIC)
		return -EMEDIUMTYPE;
	if (le32_to_cpu(d->crc) != blklock_crc(d, offsetof(typeof(*d), crc)))
		return -EBADMSG;
	h->version = le32_to_cpu(d->version);
	if (h->version > BLKLOCK_FORMAT_VERSION)
		return -EPROTONOSUPPORT;
	if (h->version == 1)
		return -EPROTO;
	if (h->version < BLKLOCK_FORMAT_VERSION_MIN)
		return -EUCLEAN;
	h->block_size = le32_to_cpu(d->block_size);
	h->nr_locks = le32_to_cpu(d->nr_locks);
	h->max_node_id = le32_to_cpu(d->max_node_id);
	h->lock_lba = le64_to_cpu(d->lock_lba);
	memcpy(h->uuid, d->uuid, sizeof(h->uuid));
	h->created = le64_to_cpu(d->created);
	h->flags = le32_to_cpu(d->flags);
	h->hb_interval_ms = le32_to_cpu(d->hb_interval_ms);
	h->lease_timeout_ms = le32_to_cpu(d->lease_timeout_ms);
	h->hb_lba = le64_to_cpu(d->hb_lba);
	h->req_lba = le64_to_cpu(d->req_lba);
	if (h->flags || d->reserved0 || (h->version < 4 && h->req_lba) ||
	    memchr_inv(d->reserved, 0, sizeof(d->reserved)) ||
	    !blklock_tail_is_zero(blk, sizeof(*d), bs))
		return -EUCLEAN;
	return 0;
}

/**
 * blklock_header_check() - does a decoded header fit this device?
 * @h:		decoded header
 * @bs:		the device's logical block size
 * @nr_blocks:	the device's size in logical blocks
 *
 * Return: 0, or -EUCLEAN when the header does not describe a lockspace
 * that fits on this device (other block size, regions that overlap or
 * pass its end, lease timing outside blklock_lease_timing_valid()).
 */
int blklock_header_check(const struct blklock_header *h, u32 bs, u64 nr_blocks)
{
	if (h->block_size != bs)
		return -EUCLEAN;
	if (!h->nr_locks || h->nr_locks > BLKLOCK_MAX_LOCKS)
		return -EUCLEAN;
	if (!h->max_node_id || h->max_node_id > BLKLOCK_MAX_NODE_ID)
		return -EUCLEAN;
	if (!blklock_lease_timing_valid(h->hb_interval_ms, h->lease_timeout_ms))
		return -EUCLEAN;
	/*
	 * Slots, request blocks (format 4) and records, in that order: no
	 * sum may wrap.
	 */
	if (h->hb_lba < 1 || h->hb_lba > nr_blocks)
		return -EUCLEAN;
	if (h->version >= 4 &&
	    (h->req_lba < h->hb_lba || h->req_lba - h->hb_lba < h->max_node_id ||
	     h->lock_lba < h->req_lba ||
	     h->lock_lba - h->req_lba < h->max_node_id))
		return -EUCLEAN;
	if (h->lock_lba < h->hb_lba || h->lock_lba - h->hb_lba < h->max_node_id)
		return -EUCLEAN;
	if (h->lock_lba > nr_blocks || nr_blocks - h->lock_lba < h->nr_locks)
		return -EUCLEAN;
	return 0;
}

/**
 * blklock_lease_timing_valid() - can a lockspace use these timings?
 * @hb_interval_ms:	heartbeat interval
 * @lease_timeout_ms:	lease timeout
 *
 * The interval must be 100 ms to 60 s, and the lease at least four
 * intervals: a node fences itself two intervals before its lease ends
 * (blklock_fence_after_ms()), which leaves it at least two renewals.
 *
 * Return: true if they are usable.
 */
bool blklock_lease_timing_valid(u32 hb_interval_ms, u32 lease_timeout_ms)
{
	return hb_interval_ms >= 100 && hb_interval_ms <= 60000 &&
	       lease_timeout_ms >= 4 * hb_interval_ms &&
	       lease_timeout_ms <= 600000;
}

/**
 * blklock_fence_after_ms() - how long a node may go without renewing its
 *	heartbeat before it must consider its locks lost
 * @hb_interval_ms:	heartbeat interval
 * @lease_timeout_ms:	lease timeout
 *
 * Other nodes measure the lease from the moment they see a renewal,
 * which is no earlier than its submission; the holder counts from the
 * submission of its last successful renewal and stops two intervals
 * short of the lease.
 *
 * Return: the self-fence deadline, ms after the last good renewal.
 */
u32 blklock_fence_after_ms(u32 hb_interval_ms, u32 lease_timeout_ms)
{
	return lease_timeout_ms - 2 * hb_interval_ms;
}

static bool blklock_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/**
 * blklock_node_name_valid() - may a node carry this name?
 * @name:	NUL-terminated
 *
 * Return: true for 1 to BLKLOCK_NODE_NAME_MAX - 1 characters of
 * A-Z a-z 0-9 . _ - (a host name fits; nothing that could forge a dmesg
 * line or a field of blklockctl's output does).
 */
bool blklock_node_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i >= BLKLOCK_NODE_NAME_MAX - 1 ||
		    !blklock_name_char(name[i]))
			return false;
	return i > 0;
}

/**
 * blklock_lock_name_valid() - may a lock carry this name?
 * @name:	NUL-terminated
 *
 * Return: true for 1 to BLKLOCK_LOCK_NAME_MAX - 1 printable ASCII
 * characters other than space (a path, a VG/LV pair or a resource name
 * of sanlock fits; nothing that could forge a dmesg line or split a
 * field of blklockctl's output does).
 */
bool blklock_lock_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i >= BLKLOCK_LOCK_NAME_MAX - 1 || name[i] < 0x21 ||
		    name[i] > 0x7e)
			return false;
	return i > 0;
}

/**
 * blklock_name_home() - the record a lock name is looked for first
 * @name:	a valid lock name
 * @nr_locks:	records in the lockspace
 *
 * Return: CRC-32C of the name's characters modulo @nr_locks; probing goes
 * on to the next index from there, wrapping at @nr_locks.
 */
u32 blklock_name_home(const char *name, u32 nr_locks)
{
	return blklock_crc(name, strlen(name)) % nr_locks;
}

/**
 * blklock_name_kind() - what a decoded record is to a name probed for
 * @r:		a record of a format 4 lockspace
 * @name:	the name
 *
 * Return: EMPTY for a record no name ever had, MATCH or DELETED for the
 * name's record or its tombstone, OTHER for anything else (another
 * name, its tombstone, or the nameless tombstone a repair leaves).
 */
enum blklock_name_kind blklock_name_kind(const struct blklock_rec *r,
					 const char *name)
{
	if (!r->name[0])
		return (r->flags & BLKLOCK_LOCK_DELETED) ?
		       BLKLOCK_NAMEREC_OTHER : BLKLOCK_NAMEREC_EMPTY;
	if (strcmp(r->name, name))
		return BLKLOCK_NAMEREC_OTHER;
	return (r->flags & BLKLOCK_LOCK_DELETED) ? BLKLOCK_NAMEREC_DELETED :
	       BLKLOCK_NAMEREC_MATCH;
}

/*
 * A name area (struct blklock_disk_hb_name or blklock_disk_lock_name: 64
 * NUL-padded bytes and the CRC-32C of them), all zero for no name.
 */
static void blklock_name_put(char *area, __le32 *crc, const char *name)
{
	if (!name[0])
		return;
	strscpy_pad(area, name, BLKLOCK_NODE_NAME_MAX);
	*crc = cpu_to_le32(blklock_crc(area, BLKLOCK_NODE_NAME_MAX));
}

static int blklock_name_get(const char *area, __le32 crc, char *name,
			    bool (*valid)(const char *name))
{
	size_t len;

	if (!crc && !memchr_inv(area, 0, BLKLOCK_NODE_NAME_MAX))
		return 0;
	if (le32_to_cpu(crc) != blklock_crc(area, BLKLOCK_NODE_NAME_MAX))
		return -EBADMSG;
	len = strnlen(area, BLKLOCK_NODE_NAME_MAX);
	if (len == BLKLOCK_NODE_NAME_MAX ||
	    memchr_inv(area + len, 0, BLKLOCK_NODE_NAME_MAX - len))
		return -EUCLEAN;
	memcpy(name, area, len + 1);
	return valid(name) ? 0 : -EUCLEAN;
}

/**
 * blklock_hb_encode() - build the block image of a heartbeat slot
 * @r:		slot fields; a name only in a lockspace of format 3
 * @blk:	output, @bs bytes
 * @bs:		logical block size
 */
void blklock_hb_encode(const struct blklock_hbrec *r, void *blk, u32 bs)
{
	struct blklock_disk_hb *d = blk;
	struct blklock_disk_hb_name *n = blk + sizeof(*d);

	memset(blk, 0, bs);
	d->magic = cpu_to_le32(BLKLOCK_HB_MAGIC);
	d->node_id = cpu_to_le32(r->node_id);
	d->incarnation = cpu_to_le64(r->incarnation);
	d->counter = cpu_to_le64(r->counter);
	d->timestamp = cpu_to_le64(r->timestamp);
	d->flags = cpu_to_le32(r->flags);
	d->crc = cpu_to_le32(blklock_crc(d, offsetof(typeof(*d), crc)));
	blklock_name_put(n->name, &n->crc, r->name);
}

/**
 * blklock_hb_decode() - check and decode a heartbeat slot block
 * @blk:	the slot's block, @bs bytes
 * @bs:		logical block size
 * @version:	the lockspace's format version: from 3, a slot may carry
 *		the node's name
 * @node_id:	the node id this slot belongs to
 * @r:		output
 *
 * Return: 0, -EBADMSG on a checksum mismatch, -EUCLEAN if the block is
 * not the slot of @node_id.
 */
int blklock_hb_decode(const void *blk, u32 bs, u32 version, u32 node_id,
		      struct blklock_hbrec *r)
{
	const struct blklock_disk_hb *d = blk;
	size_t end = sizeof(*d);
	int ret;

	if (le32_to_cpu(d->magic) != BLKLOCK_HB_MAGIC)
		return -EUCLEAN;
	if (le32_to_cpu(d->crc) != blklock_crc(d, offsetof(typeof(*d), crc)))
		return -EBADMSG;
	r->node_id = le32_to_cpu(d->node_id);
	r->incarnation = le64_to_cpu(d->incarnation);
	r->counter = le64_to_cpu(d->counter);
	r->timestamp = le64_to_cpu(d->timestamp);
	r->flags = le32_to_cpu(d->flags);
	memset(r->name, 0, sizeof(r->name));
	if (version >= 3) {
		const struct blklock_disk_hb_name *n = blk + end;

		ret = blklock_name_get(n->name, n->crc, r->name,
				       blklock_node_name_valid);
		if (ret)
			return ret;
		end += sizeof(*n);
	}
	if (r->node_id != node_id ||
	    (r->flags & ~(BLKLOCK_HB_DETACHED | BLKLOCK_HB_EVICTED)) ||
	    memchr_inv(d->reserved, 0, sizeof(d->reserved)) ||
	    !blklock_tail_is_zero(blk, end, bs))
		return -EUCLEAN;
	return 0;
}

/**
 * blklock_rec_encode() - build the block image of a lock record
 * @r:		record fields; a name or a flag only in a lockspace of
 *		format 4
 * @blk:	output, @bs bytes
 * @bs:		logical block size
 */
void blklock_rec_encode(const struct blklock_rec *r, void *blk, u32 bs)
{
	struct blklock_disk_lock *d = blk;
	struct blklock_disk_lock_name *n = blk + sizeof(*d);

	memset(blk, 0, bs);
	d->magic = cpu_to_le32(BLKLOCK_LOCK_MAGIC);
	d->lock = cpu_to_le32(r->lock);
	d->owner = cpu_to_le32(r->owner);
	d->flags = cpu_to_le32(r->flags);
	d->generation = cpu_to_le64(r->generation);
	d->acquired = cpu_to_le64(r->acquired);
	d->owner_incarnation = cpu_to_le64(r->owner_incarnation);
	d->crc = cpu_to_le32(blklock_crc(d, offsetof(typeof(*d), crc)));
	blklock_name_put(n->name, &n->crc, r->name);
}

/**
 * blklock_rec_decode() - check and decode a lock record block
 * @blk:	the record's block, @bs bytes
 * @bs:		logical block size
 * @version:	the lockspace's format version: from 4, a record may carry
 *		a name and the flag BLKLOCK_LOCK_DELETED
 * @index:	the lock index this block belongs to
 * @r:		output
 *
 * Return: 0; -EBADMSG on a checksum mismatch (of the record or of its
 * name); -EUCLEAN if the block is not a lock record for @index (bad
 * magic, other index, unknown flags, a bad name, nonzero padding).
 */
int blklock_rec_decode(const void *blk, u32 bs, u32 version, u32 index,
		       struct blklock_rec *r)
{
	const struct blklock_disk_lock *d = blk;
	u32 known = version >= 4 ? BLKLOCK_LOCK_DELETED : 0;
	size_t end = sizeof(*d);
	int ret;

	if (le32_to_cpu(d->magic) != BLKLOCK_LOCK_MAGIC)
		return -EUCLEAN;
	if (le32_to_cpu(d->crc) != blklock_crc(d, offsetof(typeof(*d), crc)))
		return -EBADMSG;
	r->lock = le32_to_cpu(d->lock);
	r->owner = le32_to_cpu(d->owner);
	r->flags = le32_to_cpu(d->flags);
	r->generation = le64_to_cpu(d->generation);
	r->acquired = le64_to_cpu(d->acquired);
	r->owner_incarnation = le64_to_cpu(d->owner_incarnation);
	memset(r->name, 0, sizeof(r->name));
	if (version >= 4) {
		const struct blklock_disk_lock_name *n = blk + end;

		ret = blklock_name_get(n->name, n->crc, r->name,
				       blklock_lock_name_valid);
		if (ret)
			return ret;
		end += sizeof(*n);
	}
	if (r->lock != index || (r->flags & ~known) ||
	    memchr_inv(d->reserved, 0, sizeof(d->reserved)) ||
	    !blklock_tail_is_zero(blk, end, bs))
		return -EUCLEAN;
	return 0;
}

/**
 * blklock_rec_equal() - would two records encode to the same block?
 * @a:	a record
 * @b:	another
 *
 * Return: true if every field matches.
 */
bool blklock_rec_equal(const struct blklock_rec *a, const struct blklock_rec *b)
{
	return a->lock == b->lock && a->owner == b->owner &&
	       a->flags == b->flags && a->generation == b->generation &&
	       a->acquired == b->acquired &&
	       a->owner_incarnation == b->owner_incarnation &&
	       !strcmp(a->name, b->name);
}

struct blklock_signature {
	const char *name;
	size_t offset;		/* bytes from the start of the disk */
	const char *magic;
	size_t len;
};

/* Offsets as in util-linux's libblkid and the formats' own headers. */
static const struct blklock_signature blklock_signatures[] = {
	{ "a blklock lockspace", 0, "BLKLOCK\0", 8 },
	{ "an XFS filesystem", 0, "XFSB", 4 },
	{ "a LUKS volume", 0, "LUKS\xba\xbe", 6 },
	{ "an LVM2 physical volume", 512, "LABELONE", 8 },
	{ "an LVM2 physical volume", 1024, "LABELONE", 8 },
	{ "an ext2/3/4 filesystem", 1080, "\x53\xef", 2 },
	{ "Linux swap", 4086, "SWAPSPACE2", 10 },
	{ "Linux swap", 4086, "SWAP-SPACE", 10 },
	{ "an ISO 9660 filesystem", 32769, "CD001", 5 },
	{ "a btrfs filesystem", 65600, "_BHRfS_M", 8 },
	{ "a sanlock lockspace", 0, "\x10\x20\x21\x12", 4 },
	{ "a sanlock resource", 0, "\x10\x20\x15\x06", 4 },
};

/**
 * blklock_detect_signature() - name what else a disk holds
 * @buf:	the first bytes of the disk
 * @len:	how many (BLKLOCK_SIGNATURE_SCAN_BYTES, or the disk's size)
 * @bs:		logical block size (locates the GPT header)
 *
 * Return: a phrase naming the signature found ("an ext2/3/4 filesystem"),
 * or NULL if none of the known ones is there.
 */
const char *blklock_detect_signature(const void *buf, size_t len, u32 bs)
{
	const u8 *p = buf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(blklock_signatures); i++) {
		const struct blklock_signature *s = &blklock_signatures[i];

		if (s->offset + s->len <= len &&
		    !memcmp(p + s->offset, s->magic, s->len))
			return s->name;
	}
	if ((size_t)bs + 8 <= len && !memcmp(p + bs, "EFI PART", 8))
		return "a GPT partition table";
	if (len >= 512 && p[510] == 0x55 && p[511] == 0xaa)
		return "a DOS partition table or boot sector";
	return NULL;
}

/**
 * blklock_req_encode() - build a request block (format 4)
 * @q:		its fields; @q->count 0 makes the all-zero block of a node
 *		never asked
 * @blk:	output, @bs bytes
 * @bs:		logical block size
 */
void blklock_req_encode(const struct blklock_reqblk *q, void *blk, u32 bs)
{
	struct blklock_disk_req *d = blk;
	int i;

	memset(blk, 0, bs);
	if (!q->count)
		return;
	d->magic = cpu_to_le32(BLKLOCK_REQ_MAGIC);
	d->node_id = cpu_to_le32(q->node_id);
	d->count = cpu_to_le64(q->count);
	for (i = 0; i < BLKLOCK_REQ_RING; i++) {
		d->entry[i].lock = cpu_to_le32(q->entry[i].lock);
		d->entry[i].asker = cpu_to_le32(q->entry[i].asker);
		d->entry[i].generation = cpu_to_le64(q->entry[i].generation);
		d->entry[i].when = cpu_to_le64(q->entry[i].when);
	}
	d->crc = cpu_to_le32(blklock_crc(d, offsetof(typeof(*d), crc)));
}

/**
 * blklock_req_decode() - check and decode the request block of a node
 * @blk:	the block, @bs bytes
 * @bs:		logical block size
 * @node_id:	the node whose block it is
 * @q:		output; count 0 for an all-zero block
 *
 * Return: 0; -EBADMSG if the checksum is wrong; -EUCLEAN if a field or
 * the padding holds what no blklock writes (another magic or node id).
 */
int blklock_req_decode(const void *blk, u32 bs, u32 node_id,
		       struct blklock_reqblk *q)
{
	const struct blklock_disk_req *d = blk;
	int i;

	memset(q, 0, sizeof(*q));
	q->node_id = node_id;
	if (blklock_tail_is_zero(blk, 0, bs))
		return 0;
	if (le32_to_cpu(d->magic) != BLKLOCK_REQ_MAGIC ||
	    le32_to_cpu(d->node_id) != node_id || d->reserved ||
	    !blklock_tail_is_zero(blk, sizeof(*d), bs))
		return -EUCLEAN;
	if (le32_to_cpu(d->crc) != blklock_crc(d, offsetof(typeof(*d), crc)))
		return -EBADMSG;
	q->count = le64_to_cpu(d->count);
	if (!q->count)
		return -EUCLEAN;
	for (i = 0; i < BLKLOCK_REQ_RING; i++) {
		q->entry[i].lock = le32_to_cpu(d->entry[i].lock);
		q->entry[i].asker = le32_to_cpu(d->entry[i].asker);
		q->entry[i].generation = le64_to_cpu(d->entry[i].generation);
		q->entry[i].when = le64_to_cpu(d->entry[i].when);
	}
	return 0;
}

/**
 * blklock_req_append() - add a request to a decoded request block
 * @q:		the block as read (count 0: empty, or damaged and rewritten)
 * @e:		the request
 *
 * Request number k lives in entry (k - 1) mod BLKLOCK_REQ_RING: the new
 * one overwrites the oldest of a full ring.
 */
void blklock_req_append(struct blklock_reqblk *q,
			const struct blklock_req_entry *e)
{
	q->entry[q->count % BLKLOCK_REQ_RING] = *e;
	q->count++;
}

/**
 * blklock_req_entry_of() - request number @k of a decoded request block
 * @q:		the block
 * @k:		1 .. @q->count, and no more than BLKLOCK_REQ_RING before it
 *
 * Return: the entry that holds it.
 */
const struct blklock_req_entry *
blklock_req_entry_of(const struct blklock_reqblk *q, u64 k)
{
	return &q->entry[(k - 1) % BLKLOCK_REQ_RING];
}
