// SPDX-License-Identifier: GPL-2.0
/*
 * blklock KUnit: on-disk input fuzzing (issue 11).
 *
 * blklock acts on blocks other hosts wrote.  These parameterised suites
 * feed the decoders, and the lock state machine's read-back paths over
 * the fake disk (blklock_test.h), with mutated headers, lock records and
 * heartbeat slots: every single bit flip of a structure's bytes, and
 * every field set to boundary values under a recomputed, valid CRC.
 * Each input must be either accepted as a legal record, and then acted
 * on in full, or refused as damaged, and then not acted on at all.
 *
 * Inputs that the module accepts although they are impossible are known
 * gaps: the parameter that meets one is marked skipped with the input
 * in its reason, so the gap stays visible in every run.
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "blklock_test.h"

/* ---- parameters ----------------------------------------------------- */

/* A parameter is an index: its address in this array. */
static const char fuzz_slots[256];

static unsigned int fuzz_param(const struct kunit *test)
{
	return (const char *)test->param_value - fuzz_slots;
}

static const void *fuzz_next(const void *prev, unsigned int n)
{
	unsigned int i = prev ? (const char *)prev - fuzz_slots + 1 : 0;

	return i < n && i < sizeof(fuzz_slots) ? fuzz_slots + i : NULL;
}

enum fuzz_kind { FZ_HDR, FZ_REC, FZ_HB, FZ_KINDS };

/*
 * A field of an on-disk structure, in order: it ends where the next one
 * (or the CRC) starts.  4 or 8 bytes are a number, more a byte array.
 */
struct fuzz_field {
	const char *name;
	u16 off;
	u64 max;	/* largest legal value, for the boundary values */
};

static const struct fuzz_field hdr_fields[] = {
	{ "magic", offsetof(struct blklock_disk_header, magic),
	  U64_MAX },
	{ "version", offsetof(struct blklock_disk_header, version),
	  BLKLOCK_FORMAT_VERSION },
	{ "block_size", offsetof(struct blklock_disk_header, block_size),
	  4096 },
	{ "nr_locks", offsetof(struct blklock_disk_header, nr_locks),
	  BLKLOCK_MAX_LOCKS },
	{ "max_node_id", offsetof(struct blklock_disk_header, max_node_id),
	  BLKLOCK_MAX_NODE_ID },
	{ "lock_lba", offsetof(struct blklock_disk_header, lock_lba),
	  U64_MAX },
	{ "uuid", offsetof(struct blklock_disk_header, uuid),
	  0 },
	{ "created", offsetof(struct blklock_disk_header, created),
	  U64_MAX },
	{ "flags", offsetof(struct blklock_disk_header, flags),
	  U32_MAX },
	{ "hb_interval_ms", offsetof(struct blklock_disk_header, hb_interval_ms),
	  60000 },
	{ "lease_timeout_ms", offsetof(struct blklock_disk_header, lease_timeout_ms),
	  600000 },
	{ "reserved0", offsetof(struct blklock_disk_header, reserved0),
	  U32_MAX },
	{ "hb_lba", offsetof(struct blklock_disk_header, hb_lba),
	  U64_MAX },
	{ "req_lba", offsetof(struct blklock_disk_header, req_lba),
	  U64_MAX },
	{ "reserved", offsetof(struct blklock_disk_header, reserved),
	  0 },
};

static const struct fuzz_field rec_fields[] = {
	{ "magic", offsetof(struct blklock_disk_lock, magic),
	  U32_MAX },
	{ "lock", offsetof(struct blklock_disk_lock, lock),
	  BLKLOCK_MAX_LOCKS },
	{ "owner", offsetof(struct blklock_disk_lock, owner),
	  BLKLOCK_MAX_NODE_ID },
	{ "flags", offsetof(struct blklock_disk_lock, flags),
	  U32_MAX },
	{ "generation", offsetof(struct blklock_disk_lock, generation),
	  U64_MAX },
	{ "acquired", offsetof(struct blklock_disk_lock, acquired),
	  U64_MAX },
	{ "owner_incarnation", offsetof(struct blklock_disk_lock, owner_incarnation),
	  U64_MAX },
	{ "reserved", offsetof(struct blklock_disk_lock, reserved),
	  0 },
};

static const struct fuzz_field hb_fields[] = {
	{ "magic", offsetof(struct blklock_disk_hb, magic),
	  U32_MAX },
	{ "node_id", offsetof(struct blklock_disk_hb, node_id),
	  BLKLOCK_MAX_NODE_ID },
	{ "incarnation", offsetof(struct blklock_disk_hb, incarnation),
	  U64_MAX },
	{ "counter", offsetof(struct blklock_disk_hb, counter),
	  U64_MAX },
	{ "timestamp", offsetof(struct blklock_disk_hb, timestamp),
	  U64_MAX },
	{ "flags", offsetof(struct blklock_disk_hb, flags),
	  U32_MAX },
	{ "reserved", offsetof(struct blklock_disk_hb, reserved),
	  0 },
};

struct fuzz_type {
	const char *name;
	size_t size;
	size_t crc_off;
	size_t magic_len;
	const struct fuzz_field *fields;
	unsigned int nr_fields;
};

static const struct fuzz_type fuzz_types[FZ_KINDS] = {
	[FZ_HDR] = { "header", sizeof(struct blklock_disk_header),
		     offsetof(struct blklock_disk_header, crc), 8,
		     hdr_fields, ARRAY_SIZE(hdr_fields) },
	[FZ_REC] = { "record", sizeof(struct blklock_disk_lock),
		     offsetof(struct blklock_disk_lock, crc), 4,
		     rec_fields, ARRAY_SIZE(rec_fields) },
	[FZ_HB] = { "slot", sizeof(struct blklock_disk_hb),
		    offsetof(struct blklock_disk_hb, crc), 4,
		    hb_fields, ARRAY_SIZE(hb_fields) },
};

/* Boundary values: 0, 1, max - 1, max, max + 1, all ones. */
#define FUZZ_VALUES	6
static const char * const fuzz_value_names[FUZZ_VALUES] = {
	"0", "1", "max-1", "max", "max+1", "all-ones",
};

static size_t fuzz_size(const struct fuzz_type *t, const struct fuzz_field *fl)
{
	return (fl + 1 < t->fields + t->nr_fields ? fl[1].off : t->crc_off) -
	       fl->off;
}

static u64 fuzz_ones(size_t size)
{
	return size == 4 ? U32_MAX : U64_MAX;
}

static u64 fuzz_value(const struct fuzz_field *fl, size_t size, unsigned int v)
{
	switch (v) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return fl->max - 1;
	case 3:
		return fl->max;
	case 4:
		return (fl->max + 1) & fuzz_ones(size);
	default:
		return fuzz_ones(size);
	}
}

static u32 fuzz_crc(const void *p, size_t len)
{
	return ~crc32c(~0U, p, len);
}

/* Set field @fl of the structure at @blk to boundary value @v; fix the CRC. */
static void fuzz_set_field(const struct fuzz_type *t,
			   const struct fuzz_field *fl, unsigned int v, u8 *blk)
{
	size_t size = fuzz_size(t, fl);
	u8 *p = blk + fl->off;

	if (size == 4) {
		put_unaligned_le32(fuzz_value(fl, size, v), p);
	} else if (size == 8) {
		put_unaligned_le64(fuzz_value(fl, size, v), p);
	} else {
		/* Byte arrays: zero, first byte, last byte, pattern, ones. */
		memset(p, v >= 4 ? 0xff : v == 3 ? 0x5a : 0, size);
		if (v == 1)
			p[0] = 1;
		if (v == 2)
			p[size - 1] = 0x80;
	}
	put_unaligned_le32(fuzz_crc(blk, t->crc_off), blk + t->crc_off);
}

/* The lockspace every header fuzzed here describes, and its device. */
#define FZ_NR_BLOCKS	1000ULL
#define FZ_REC_INDEX	1
#define FZ_REC_OWNER	OTHER_NODE
#define FZ_REC_GEN	5ULL

static void fuzz_encode(enum fuzz_kind k, u8 *blk, u32 bs)
{
	struct blklock_header h = {
		.version = BLKLOCK_FORMAT_VERSION, .block_size = bs,
		.nr_locks = 100, .max_node_id = 4, .hb_lba = 1, .req_lba = 5,
		.lock_lba = 9, .hb_interval_ms = 1000, .lease_timeout_ms = 6000,
		.created = 1234, .uuid = { 1, 2, 3 },
	};
	struct blklock_rec r = {
		.lock = FZ_REC_INDEX, .owner = FZ_REC_OWNER,
		.generation = FZ_REC_GEN, .acquired = 42,
		.owner_incarnation = OTHER_INC,
	};
	struct blklock_hbrec hb = {
		.node_id = OTHER_NODE, .incarnation = OTHER_INC, .counter = 7,
		.timestamp = 9,
	};

	if (k == FZ_HDR)
		blklock_header_encode(&h, blk, bs);
	else if (k == FZ_REC)
		blklock_rec_encode(&r, blk, bs);
	else
		blklock_hb_encode(&hb, blk, bs);
}

/*
 * Decode @blk as structure @k and, if it decodes, encode the result
 * again into @again: a decoder that accepts must lose nothing.
 */
static int fuzz_decode(enum fuzz_kind k, const u8 *blk, u32 bs,
		       struct blklock_header *h, u8 *again)
{
	struct blklock_hbrec hb;
	struct blklock_rec r;
	int ret;

	if (k == FZ_HDR) {
		ret = blklock_header_decode(blk, bs, h);
		if (!ret)
			blklock_header_encode(h, again, bs);
	} else if (k == FZ_REC) {
		/* Format 3: every byte after the record must be zero (the
		 * name of format 4 has its own cases in
		 * blklock_names_test.c).
		 */
		ret = blklock_rec_decode(blk, bs, 3, FZ_REC_INDEX, &r);
		if (!ret)
			blklock_rec_encode(&r, again, bs);
	} else {
		/* Format 2: every byte after the slot must be zero (the
		 * name of format 3 has its own cases in blklock_test.c).
		 */
		ret = blklock_hb_decode(blk, bs, 2, OTHER_NODE, &hb);
		if (!ret)
			blklock_hb_encode(&hb, again, bs);
	}
	return ret;
}

/* What the decoder must say of a block with a valid CRC, field by field. */
static int fuzz_expect_decode(enum fuzz_kind k, const u8 *blk, u32 bs)
{
	const struct fuzz_type *t = &fuzz_types[k];
	bool tail = !memchr_inv(blk + t->size, 0, bs - t->size);
	const struct blklock_disk_header *dh = (const void *)blk;
	const struct blklock_disk_lock *dl = (const void *)blk;
	const struct blklock_disk_hb *db = (const void *)blk;
	u32 version;

	if (k == FZ_HDR) {
		if (le64_to_cpu(dh->magic) != BLKLOCK_HEADER_MAGIC)
			return -EMEDIUMTYPE;
		version = le32_to_cpu(dh->version);
		if (version > BLKLOCK_FORMAT_VERSION)
			return -EPROTONOSUPPORT;
		if (version == 1)
			return -EPROTO;
		if (version < BLKLOCK_FORMAT_VERSION_MIN || dh->flags ||
		    dh->reserved0 || (version < 4 && dh->req_lba) ||
		    memchr_inv(dh->reserved, 0, sizeof(dh->reserved)) || !tail)
			return -EUCLEAN;
		return 0;
	}
	if (k == FZ_REC)
		return le32_to_cpu(dl->magic) != BLKLOCK_LOCK_MAGIC ||
		       le32_to_cpu(dl->lock) != FZ_REC_INDEX || dl->flags ||
		       memchr_inv(dl->reserved, 0, sizeof(dl->reserved)) ||
		       !tail ? -EUCLEAN : 0;
	return le32_to_cpu(db->magic) != BLKLOCK_HB_MAGIC ||
	       le32_to_cpu(db->node_id) != OTHER_NODE ||
	       (le32_to_cpu(db->flags) &
		~(BLKLOCK_HB_DETACHED | BLKLOCK_HB_EVICTED)) ||
	       memchr_inv(db->reserved, 0, sizeof(db->reserved)) ||
	       !tail ? -EUCLEAN : 0;
}

/* Does a decoded header describe a lockspace that fits the device? */
static bool fuzz_header_fits(const struct blklock_header *h, u32 bs,
			     u64 nr_blocks)
{
	u64 hb_end, req_end, lock_end;

	if (h->block_size != bs || !h->nr_locks ||
	    h->nr_locks > BLKLOCK_MAX_LOCKS || !h->max_node_id ||
	    h->max_node_id > BLKLOCK_MAX_NODE_ID)
		return false;
	if (h->hb_interval_ms < 100 || h->hb_interval_ms > 60000 ||
	    h->lease_timeout_ms < 4ULL * h->hb_interval_ms ||
	    h->lease_timeout_ms > 600000)
		return false;
	/*
	 * Slots after block 0, request blocks (format 4) after the slots,
	 * locks after both, all on the device.
	 */
	if (h->hb_lba < 1 || h->hb_lba > nr_blocks ||
	    check_add_overflow(h->hb_lba, (u64)h->max_node_id, &hb_end) ||
	    hb_end > h->lock_lba)
		return false;
	if (h->version >= 4 &&
	    (hb_end > h->req_lba ||
	     check_add_overflow(h->req_lba, (u64)h->max_node_id, &req_end) ||
	     req_end > h->lock_lba))
		return false;
	if (check_add_overflow(h->lock_lba, (u64)h->nr_locks, &lock_end) ||
	    lock_end > nr_blocks)
		return false;
	return true;
}

/* ---- decoders: single bit flips -------------------------------------- */

#define FZ_FLIP_PARAMS	(sizeof(struct blklock_disk_header) + \
			 sizeof(struct blklock_disk_lock) + \
			 sizeof(struct blklock_disk_hb))

static void fuzz_flip_param(unsigned int i, enum fuzz_kind *k,
			    unsigned int *byte)
{
	for (*k = FZ_HDR; *k < FZ_HB && i >= fuzz_types[*k].size; (*k)++)
		i -= fuzz_types[*k].size;
	*byte = i;
}

static const void *flip_gen_params(const void *prev, char *desc)
{
	const void *p = fuzz_next(prev, FZ_FLIP_PARAMS);
	unsigned int byte;
	enum fuzz_kind k;

	if (p) {
		fuzz_flip_param((const char *)p - fuzz_slots, &k, &byte);
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s byte %u",
			 fuzz_types[k].name, byte);
	}
	return p;
}

static const u32 fuzz_sizes[] = { 512, 4096 };

/*
 * Every bit flip of a structure's bytes, CRC included, is damage: the
 * magic's own check names it first (-EMEDIUMTYPE for a header, -EUCLEAN
 * for a record or slot), the CRC catches the rest (-EBADMSG).
 */
static void fuzz_decode_bitflip(struct kunit *test)
{
	struct blklock_header h;
	unsigned int byte, bit, s;
	enum fuzz_kind k;
	int want;

	fuzz_flip_param(fuzz_param(test), &k, &byte);
	want = byte >= fuzz_types[k].magic_len ? -EBADMSG :
	       k == FZ_HDR ? -EMEDIUMTYPE : -EUCLEAN;
	for (s = 0; s < ARRAY_SIZE(fuzz_sizes); s++) {
		u32 bs = fuzz_sizes[s];
		u8 *blk = kunit_kmalloc(test, 2 * bs, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, blk);
		for (bit = 0; bit < 8; bit++) {
			fuzz_encode(k, blk, bs);
			blk[byte] ^= 1 << bit;
			KUNIT_EXPECT_EQ_MSG(test, fuzz_decode(k, blk, bs, &h,
							      blk + bs), want,
					    "bs %u bit %u", bs, bit);
		}
		kunit_kfree(test, blk);
	}
}

/* A bit set after the structure, in the zero tail of its block. */
static void fuzz_decode_tail(struct kunit *test)
{
	struct blklock_header h;
	unsigned int s, at;
	enum fuzz_kind k;

	for (k = FZ_HDR; k < FZ_KINDS; k++) {
		for (s = 0; s < ARRAY_SIZE(fuzz_sizes); s++) {
			u32 bs = fuzz_sizes[s];
			u8 *blk = kunit_kmalloc(test, 2 * bs, GFP_KERNEL);
			const u32 where[] = { fuzz_types[k].size, bs - 1 };

			KUNIT_ASSERT_NOT_NULL(test, blk);
			for (at = 0; at < ARRAY_SIZE(where); at++) {
				fuzz_encode(k, blk, bs);
				blk[where[at]] = 0x01;
				KUNIT_EXPECT_EQ_MSG(test,
						    fuzz_decode(k, blk, bs, &h,
								blk + bs),
						    -EUCLEAN, "%s bs %u byte %u",
						    fuzz_types[k].name, bs,
						    where[at]);
			}
			kunit_kfree(test, blk);
		}
	}
}

/* ---- decoders: boundary values under a valid CRC ---------------------- */

static unsigned int fuzz_nr_fields(void)
{
	return ARRAY_SIZE(hdr_fields) + ARRAY_SIZE(rec_fields) +
	       ARRAY_SIZE(hb_fields);
}

/* Parameter @i of a boundary case over the types in [@first, @last]. */
static void fuzz_field_param(unsigned int i, enum fuzz_kind first,
			     enum fuzz_kind last, enum fuzz_kind *k,
			     const struct fuzz_field **fl, unsigned int *v)
{
	*v = i % FUZZ_VALUES;
	i /= FUZZ_VALUES;
	for (*k = first; *k < last && i >= fuzz_types[*k].nr_fields; (*k)++)
		i -= fuzz_types[*k].nr_fields;
	*fl = &fuzz_types[*k].fields[i];
}

static void fuzz_field_desc(unsigned int i, enum fuzz_kind first,
			    enum fuzz_kind last, char *desc)
{
	const struct fuzz_field *fl;
	enum fuzz_kind k;
	unsigned int v;

	fuzz_field_param(i, first, last, &k, &fl, &v);
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s = %s",
		 fuzz_types[k].name, fl->name, fuzz_value_names[v]);
}

static const void *field_gen_params(const void *prev, char *desc)
{
	const void *p = fuzz_next(prev, fuzz_nr_fields() * FUZZ_VALUES);

	if (p)
		fuzz_field_desc((const char *)p - fuzz_slots, FZ_HDR, FZ_HB,
				desc);
	return p;
}

/*
 * A field at a boundary value, the CRC valid: the decoder returns
 * exactly what the format's rules say (checked field by field here),
 * and what it accepts encodes back to the same block.  An accepted
 * header must also pass blklock_header_check() exactly when it fits
 * the device.
 */
static void fuzz_decode_field(struct kunit *test)
{
	const struct fuzz_field *fl;
	struct blklock_header h;
	unsigned int v, s;
	enum fuzz_kind k;
	int ret, want;

	fuzz_field_param(fuzz_param(test), FZ_HDR, FZ_HB, &k, &fl, &v);
	for (s = 0; s < ARRAY_SIZE(fuzz_sizes); s++) {
		u32 bs = fuzz_sizes[s];
		u8 *blk = kunit_kmalloc(test, 2 * bs, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, blk);
		fuzz_encode(k, blk, bs);
		fuzz_set_field(&fuzz_types[k], fl, v, blk);
		want = fuzz_expect_decode(k, blk, bs);
		ret = fuzz_decode(k, blk, bs, &h, blk + bs);
		KUNIT_EXPECT_EQ_MSG(test, ret, want, "bs %u", bs);
		if (!ret)
			KUNIT_EXPECT_MEMEQ_MSG(test, blk + bs, blk, bs,
					       "bs %u: decoded != encoded", bs);
		if (k == FZ_HDR && !ret) {
			bool fits = fuzz_header_fits(&h, bs, FZ_NR_BLOCKS);

			ret = blklock_header_check(&h, bs, FZ_NR_BLOCKS);
			KUNIT_EXPECT_EQ_MSG(test, ret, fits ? 0 : -EUCLEAN,
					    "bs %u: header_check", bs);
		}
		kunit_kfree(test, blk);
	}
}

/* ---- the lock state machine over mutated lock records ------------------ */

/* The whole fake disk, to prove that nothing was written. */
static u8 *fuzz_disk_copy(struct kunit *test, struct fake *f)
{
	u8 *copy = kunit_kmalloc(test, FAKE_BLOCKS * FAKE_BS, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, f->blocks, FAKE_BLOCKS * FAKE_BS);
	return copy;
}

static bool fuzz_disk_same(struct fake *f, const u8 *copy)
{
	return !memcmp(f->blocks, copy, FAKE_BLOCKS * FAKE_BS);
}

/* Every block but lock @index's is as in @copy. */
static bool fuzz_disk_same_but(struct fake *f, const u8 *copy, u32 index)
{
	u64 lba = FAKE_LOCK_LBA + index;

	return !memcmp(f->blocks, copy, lba * FAKE_BS) &&
	       !memcmp(f->blocks[lba + 1], copy + (lba + 1) * FAKE_BS,
		       (FAKE_BLOCKS - lba - 1) * FAKE_BS);
}

/*
 * Lock FZ_REC_INDEX's block holds @img.  A damaged record (one that does
 * not decode, or names an owner above max_node_id) must be refused by
 * acquire with no CAW and no write, and repaired by BREAK as free at a
 * generation above any it held.  A legal record is acted on in full:
 * taken (free, this incarnation's leftover, a gone owner's) at its
 * generation + 1, or -EBUSY for the live owner with nothing written.
 */
/* Generations at or above 2^63 are damage (disk-format.rst). */
#define FZ_GENERATION_LIMIT	BIT_ULL(63)

static void fuzz_lock_run(struct kunit *test, const u8 *img, const char *what)
{
	struct fake *f = fake_new(test);
	struct blklock_break out = {};
	u64 lba = FAKE_LOCK_LBA + FZ_REC_INDEX;
	struct blklock_rec old, now;
	int dec, ret;
	u64 gen = 0, t;
	u8 *before;

	memcpy(f->blocks[lba], img, FAKE_BS);
	before = fuzz_disk_copy(test, f);
	dec = test_rec_decode(img, FAKE_BS, FZ_REC_INDEX, &old);
	ret = blklock_acquire(&f->ls, FZ_REC_INDEX, HOLDER_A,
			      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen);

	/*
	 * Damaged, by the format's rules (disk-format.rst), written out here
	 * independently of the module: a record that does not decode, or
	 * that decodes to what blklock never writes.
	 */
	if (dec || old.owner > FAKE_NODES ||
	    (old.owner && !old.owner_incarnation) ||
	    old.generation >= FZ_GENERATION_LIMIT) {
		KUNIT_EXPECT_EQ_MSG(test, ret, dec ?: -EUCLEAN, "%s", what);
		KUNIT_EXPECT_EQ_MSG(test, f->caws, 0, "%s", what);
		KUNIT_EXPECT_TRUE_MSG(test, fuzz_disk_same(f, before), "%s", what);
		KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 0);

		t = ktime_get_real_ns();
		ret = blklock_break(&f->ls, FZ_REC_INDEX, HOLDER_A, &out);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s: break", what);
		if (ret) {
			KUNIT_EXPECT_TRUE(test, fuzz_disk_same(f, before));
			return;
		}
		KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_BREAK_REPAIRED);
		KUNIT_EXPECT_EQ(test, out.owner, 0U);
		KUNIT_EXPECT_TRUE(test, fuzz_disk_same_but(f, before,
							   FZ_REC_INDEX));
		KUNIT_ASSERT_EQ_MSG(test, test_rec_decode(f->blocks[lba], FAKE_BS,
							  FZ_REC_INDEX, &now),
				    0, "%s: break wrote a bad block", what);
		KUNIT_EXPECT_EQ(test, now.owner, 0U);
		KUNIT_EXPECT_EQ(test, now.acquired, 0ULL);
		KUNIT_EXPECT_EQ(test, now.owner_incarnation, 0ULL);
		KUNIT_EXPECT_EQ(test, now.generation, out.generation);
		if (!dec && old.generation >= t &&
		    old.generation + 1 < FZ_GENERATION_LIMIT) {
			KUNIT_EXPECT_EQ(test, now.generation, old.generation + 1);
		} else {
			KUNIT_EXPECT_GE(test, now.generation, t);
		}
		return;
	}

	if (old.owner == OTHER_NODE && old.owner_incarnation == OTHER_INC) {
		/* The live owner's record: busy, nothing written. */
		KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY, "%s", what);
		KUNIT_EXPECT_TRUE_MSG(test, fuzz_disk_same(f, before), "%s", what);
		/* BREAK sees the owner renew and refuses. */
		f->renewing_node = OTHER_NODE;
		KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, FZ_REC_INDEX,
						    HOLDER_A, &out), -EBUSY);
		KUNIT_EXPECT_MEMEQ(test, f->blocks[lba], img, FAKE_BS);
		return;
	}

	/* Free, this incarnation's own, or a gone owner's: taken. */
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", what);
	if (ret)
		return;
	KUNIT_EXPECT_TRUE(test, fuzz_disk_same_but(f, before, FZ_REC_INDEX));
	KUNIT_ASSERT_EQ(test, test_rec_decode(f->blocks[lba], FAKE_BS,
					      FZ_REC_INDEX, &now), 0);
	KUNIT_EXPECT_EQ(test, now.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, now.owner_incarnation, FAKE_INC);
	KUNIT_EXPECT_EQ(test, now.generation, gen);
	KUNIT_EXPECT_EQ(test, gen, old.generation + 1);
	/* A lock a file of this node holds: BREAK refuses, writes nothing. */
	memcpy(before, f->blocks, FAKE_BLOCKS * FAKE_BS);
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, FZ_REC_INDEX, HOLDER_B,
					    &out), -EBUSY);
	KUNIT_EXPECT_TRUE(test, fuzz_disk_same(f, before));
}

static const void *lock_flip_gen_params(const void *prev, char *desc)
{
	const void *p = fuzz_next(prev, sizeof(struct blklock_disk_lock));

	if (p)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "record byte %u",
			 (unsigned int)((const char *)p - fuzz_slots));
	return p;
}

/* The live owner's record with one bit flipped: refused, then repaired. */
static void fuzz_lock_bitflip(struct kunit *test)
{
	unsigned int byte = fuzz_param(test), bit;
	struct blklock_rec r;
	u8 img[FAKE_BS];
	char what[32];

	for (bit = 0; bit < 8; bit++) {
		fuzz_encode(FZ_REC, img, FAKE_BS);
		img[byte] ^= 1 << bit;
		snprintf(what, sizeof(what), "bit %u", bit);
		KUNIT_EXPECT_NE(test, test_rec_decode(img, FAKE_BS,
						      FZ_REC_INDEX, &r), 0);
		fuzz_lock_run(test, img, what);
	}
}

static const void *lock_field_gen_params(const void *prev, char *desc)
{
	const void *p = fuzz_next(prev, ARRAY_SIZE(rec_fields) * FUZZ_VALUES);

	if (p)
		fuzz_field_desc((const char *)p - fuzz_slots, FZ_REC, FZ_REC,
				desc);
	return p;
}

/* The live owner's record with one field at a boundary value, CRC valid. */
static void fuzz_lock_field(struct kunit *test)
{
	const struct fuzz_field *fl;
	enum fuzz_kind k;
	unsigned int v;
	u8 img[FAKE_BS];

	fuzz_field_param(fuzz_param(test), FZ_REC, FZ_REC, &k, &fl, &v);
	fuzz_encode(FZ_REC, img, FAKE_BS);
	fuzz_set_field(&fuzz_types[FZ_REC], fl, v, img);
	fuzz_lock_run(test, img, fl->name);
}

/* The same over a free record at generation FZ_REC_GEN. */
static void fuzz_lock_free_field(struct kunit *test)
{
	struct blklock_rec r = {
		.lock = FZ_REC_INDEX, .generation = FZ_REC_GEN,
	};
	const struct fuzz_field *fl;
	enum fuzz_kind k;
	unsigned int v;
	u8 img[FAKE_BS];

	fuzz_field_param(fuzz_param(test), FZ_REC, FZ_REC, &k, &fl, &v);
	blklock_rec_encode(&r, img, FAKE_BS);
	fuzz_set_field(&fuzz_types[FZ_REC], fl, v, img);
	fuzz_lock_run(test, img, fl->name);
}

/* Two fields at once: an owner above max_node_id at the last generation. */
static void fuzz_lock_damaged_last_generation(struct kunit *test)
{
	struct blklock_rec r = {
		.lock = FZ_REC_INDEX, .owner = FAKE_NODES + 1,
		.generation = U64_MAX, .acquired = 42,
		.owner_incarnation = OTHER_INC,
	};
	u8 img[FAKE_BS];

	blklock_rec_encode(&r, img, FAKE_BS);
	fuzz_lock_run(test, img, "owner max+1, generation all-ones");
}

/* ---- the owner's heartbeat slot mutated behind a valid record ----------- */

/*
 * Lock FZ_REC_INDEX names OTHER_NODE (live incarnation OTHER_INC), whose
 * slot holds @img.  A slot that does not decode must stop acquire and
 * BREAK with the decoder's errno: no eviction, no takeover, nothing
 * written.  A legal slot is judged: another incarnation, or DETACHED or
 * EVICTED, lets acquire take the lock; the owner's live image does not.
 */
static void fuzz_slot_run(struct kunit *test, const u8 *img, const char *what)
{
	struct fake *f = fake_new(test);
	u64 lba = FAKE_LOCK_LBA + FZ_REC_INDEX;
	struct blklock_break out = {};
	struct blklock_hbrec hb;
	struct blklock_rec now;
	int dec, ret;
	u64 gen = 0;
	u8 *before;

	fake_set(f, FZ_REC_INDEX, OTHER_NODE, FZ_REC_GEN);
	memcpy(f->blocks[FAKE_HB_LBA + OTHER_NODE - 1], img, FAKE_BS);
	before = fuzz_disk_copy(test, f);
	dec = blklock_hb_decode(img, FAKE_BS, f->ls.hdr.version, OTHER_NODE,
				&hb);
	ret = blklock_acquire(&f->ls, FZ_REC_INDEX, HOLDER_A,
			      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen);

	if (dec) {
		KUNIT_EXPECT_EQ_MSG(test, ret, dec, "%s", what);
		KUNIT_EXPECT_TRUE_MSG(test, fuzz_disk_same(f, before), "%s", what);
		KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 0);
		KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 0);
		KUNIT_EXPECT_EQ_MSG(test, blklock_break(&f->ls, FZ_REC_INDEX,
							HOLDER_A, &out), dec,
				    "%s: break", what);
		KUNIT_EXPECT_TRUE_MSG(test, fuzz_disk_same(f, before), "%s", what);
		return;
	}
	if (hb.incarnation == OTHER_INC &&
	    !(hb.flags & (BLKLOCK_HB_DETACHED | BLKLOCK_HB_EVICTED))) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY, "%s", what);
		KUNIT_EXPECT_TRUE_MSG(test, fuzz_disk_same(f, before), "%s", what);
		return;
	}
	/* The record's incarnation no longer heartbeats: taken over. */
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", what);
	KUNIT_EXPECT_EQ(test, gen, FZ_REC_GEN + 1);
	KUNIT_EXPECT_TRUE(test, fuzz_disk_same_but(f, before, FZ_REC_INDEX));
	KUNIT_ASSERT_EQ(test, test_rec_decode(f->blocks[lba], FAKE_BS,
					      FZ_REC_INDEX, &now), 0);
	KUNIT_EXPECT_EQ(test, now.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, now.generation, FZ_REC_GEN + 1);
}

static const void *slot_flip_gen_params(const void *prev, char *desc)
{
	const void *p = fuzz_next(prev, sizeof(struct blklock_disk_hb));

	if (p)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "slot byte %u",
			 (unsigned int)((const char *)p - fuzz_slots));
	return p;
}

static void fuzz_slot_bitflip(struct kunit *test)
{
	unsigned int byte = fuzz_param(test), bit;
	u8 img[FAKE_BS];
	char what[32];

	for (bit = 0; bit < 8; bit++) {
		fuzz_encode(FZ_HB, img, FAKE_BS);
		img[byte] ^= 1 << bit;
		snprintf(what, sizeof(what), "bit %u", bit);
		fuzz_slot_run(test, img, what);
	}
}

static const void *slot_field_gen_params(const void *prev, char *desc)
{
	const void *p = fuzz_next(prev, ARRAY_SIZE(hb_fields) * FUZZ_VALUES);

	if (p)
		fuzz_field_desc((const char *)p - fuzz_slots, FZ_HB, FZ_HB,
				desc);
	return p;
}

static void fuzz_slot_field(struct kunit *test)
{
	const struct fuzz_field *fl;
	enum fuzz_kind k;
	unsigned int v;
	u8 img[FAKE_BS];

	fuzz_field_param(fuzz_param(test), FZ_HB, FZ_HB, &k, &fl, &v);
	fuzz_encode(FZ_HB, img, FAKE_BS);
	fuzz_set_field(&fuzz_types[FZ_HB], fl, v, img);
	fuzz_slot_run(test, img, fl->name);
}

static struct kunit_case fuzz_cases[] = {
	KUNIT_CASE_PARAM(fuzz_decode_bitflip, flip_gen_params),
	KUNIT_CASE(fuzz_decode_tail),
	KUNIT_CASE_PARAM(fuzz_decode_field, field_gen_params),
	KUNIT_CASE_PARAM(fuzz_lock_bitflip, lock_flip_gen_params),
	KUNIT_CASE_PARAM(fuzz_lock_field, lock_field_gen_params),
	KUNIT_CASE_PARAM(fuzz_lock_free_field, lock_field_gen_params),
	KUNIT_CASE(fuzz_lock_damaged_last_generation),
	KUNIT_CASE_PARAM(fuzz_slot_bitflip, slot_flip_gen_params),
	KUNIT_CASE_PARAM(fuzz_slot_field, slot_field_gen_params),
	{}
};

static struct kunit_suite fuzz_suite = {
	.name = "blklock_fuzz",
	.test_cases = fuzz_cases,
};

kunit_test_suites(&fuzz_suite);
