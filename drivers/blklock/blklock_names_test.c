// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of named locks (format 4): the record's name area, the
 * probe rules, and BLKLOCK_IOC_NAME's work over the fake disk.
 *
 * FAKE_LOCKS is 8: "n0" and "n6" both start at record 7 (CRC-32C mod 8),
 * so the second of them wraps to record 0; "vg0/lv1" starts at 0.
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/string.h>

#include "compat.h"
#include "blklock_test.h"

#define N0_HOME	7

static void names_format_golden(struct kunit *test)
{
	struct blklock_rec r = {
		.lock = 7, .generation = 15, .name = "vg0/lv1",
	};
	u8 *blk = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_rec_encode(&r, blk, 512);
	/* The first 64 bytes are those of the unnamed free record. */
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 60), 0xfa652378U);
	KUNIT_EXPECT_MEMEQ(test, blk + 64, "vg0/lv1", 8);
	KUNIT_EXPECT_NULL(test, memchr_inv(blk + 72, 0, 56));
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 128), 0xea0de723U);
	KUNIT_EXPECT_NULL(test, memchr_inv(blk + 132, 0, 512 - 132));

	/* Its tombstone: flags 1, the name and its CRC unchanged. */
	r.flags = BLKLOCK_LOCK_DELETED;
	blklock_rec_encode(&r, blk, 512);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 12), 1U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 60), 0xe64c3e7cU);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 128), 0xea0de723U);
}

static void names_format_rejects(struct kunit *test)
{
	struct blklock_rec r = { .lock = 1, .generation = 3, .name = "db" };
	struct blklock_rec out;
	u8 *blk = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_rec_encode(&r, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 4, 1, &out), 0);
	KUNIT_EXPECT_STREQ(test, out.name, "db");
	/* A named record is not a record of format 3: its tail is not zero. */
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 3, 1, &out), -EUCLEAN);

	/* A flipped bit in the name: its own checksum catches it. */
	blk[65] ^= 0x01;
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 4, 1, &out), -EBADMSG);

	/* A space in the name, checksum right: never written by blklock. */
	blklock_rec_encode(&r, blk, 512);
	blk[65] = ' ';
	put_unaligned_le32(~crc32c(~0U, blk + 64, 64), blk + 128);
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 4, 1, &out), -EUCLEAN);

	/* Bytes after the name's NUL. */
	blklock_rec_encode(&r, blk, 512);
	blk[100] = 'x';
	put_unaligned_le32(~crc32c(~0U, blk + 64, 64), blk + 128);
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 4, 1, &out), -EUCLEAN);

	/* DELETED exists from format 4 only; no other flag at all. */
	r.flags = BLKLOCK_LOCK_DELETED;
	r.name[0] = '\0';
	blklock_rec_encode(&r, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 4, 1, &out), 0);
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 3, 1, &out), -EUCLEAN);
	r.flags = 0x2;
	blklock_rec_encode(&r, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_rec_decode(blk, 512, 4, 1, &out), -EUCLEAN);
}

static void names_rules(struct kunit *test)
{
	char longest[BLKLOCK_LOCK_NAME_MAX], too_long[BLKLOCK_LOCK_NAME_MAX + 1];
	struct blklock_rec r = {};

	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	KUNIT_EXPECT_TRUE(test, blklock_lock_name_valid("vg0/lv1:x~!"));
	KUNIT_EXPECT_TRUE(test, blklock_lock_name_valid(longest));
	KUNIT_EXPECT_FALSE(test, blklock_lock_name_valid(too_long));
	KUNIT_EXPECT_FALSE(test, blklock_lock_name_valid(""));
	KUNIT_EXPECT_FALSE(test, blklock_lock_name_valid("a b"));
	KUNIT_EXPECT_FALSE(test, blklock_lock_name_valid("a\nb"));
	KUNIT_EXPECT_FALSE(test, blklock_lock_name_valid("a\x7f"));
	KUNIT_EXPECT_FALSE(test, blklock_lock_name_valid("\xc3\xa9"));

	/* CRC-32C of "123456789" is 0xe3069283 = 3808858755. */
	KUNIT_EXPECT_EQ(test, blklock_name_home("123456789", 1000), 755U);
	KUNIT_EXPECT_EQ(test, blklock_name_home("n0", FAKE_LOCKS), N0_HOME);
	KUNIT_EXPECT_EQ(test, blklock_name_home("n6", FAKE_LOCKS), N0_HOME);

	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n0"), BLKLOCK_NAMEREC_EMPTY);
	r.owner = 3;	/* held by number: still never named */
	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n0"), BLKLOCK_NAMEREC_EMPTY);
	r.flags = BLKLOCK_LOCK_DELETED;	/* a repair's nameless tombstone */
	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n0"), BLKLOCK_NAMEREC_OTHER);
	strscpy(r.name, "n0", sizeof(r.name));
	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n0"), BLKLOCK_NAMEREC_DELETED);
	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n6"), BLKLOCK_NAMEREC_OTHER);
	r.flags = 0;
	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n0"), BLKLOCK_NAMEREC_MATCH);
	KUNIT_EXPECT_EQ(test, blklock_name_kind(&r, "n"), BLKLOCK_NAMEREC_OTHER);
}

/* NAME @op on @f: its errno; the index and result through the pointers. */
static int name_op(struct fake *f, const char *name, u32 op, u32 *index,
		   u32 *result)
{
	return blklock_name_op(&f->ls, name, op, index, result);
}

static void names_create_lookup_delete(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u32 index = ~0U, result = 0;
	struct blklock_rec r;

	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_LOOKUP, &index,
				      &result), -ENOENT);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, index, N0_HOME);
	KUNIT_EXPECT_EQ(test, result, BLKLOCK_NAME_CREATED);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	r = fake_get(test, f, N0_HOME);
	KUNIT_EXPECT_STREQ(test, r.name, "n0");
	KUNIT_EXPECT_EQ(test, r.flags, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 0ULL);

	/* Known now: one READ of its record, no probe, no write. */
	f->reads = 0;
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, result, BLKLOCK_NAME_FOUND);
	KUNIT_EXPECT_EQ(test, f->reads, 1);
	KUNIT_EXPECT_EQ(test, f->caws, 1);

	/* Same home, taken: probing wraps to record 0. */
	KUNIT_EXPECT_EQ(test, name_op(f, "n6", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, index, 0U);

	/* Deleted: a tombstone, still passed over by the probe for n6. */
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_DELETE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, result, BLKLOCK_NAME_REMOVED);
	r = fake_get(test, f, N0_HOME);
	KUNIT_EXPECT_STREQ(test, r.name, "n0");
	KUNIT_EXPECT_EQ(test, r.flags, BLKLOCK_LOCK_DELETED);
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_LOOKUP, &index,
				      &result), -ENOENT);
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_DELETE, &index,
				      &result), -ENOENT);
	KUNIT_EXPECT_EQ(test, name_op(f, "n6", BLKLOCK_NAME_LOOKUP, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, index, 0U);

	/* Created again: its own tombstone is revived, same index. */
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, index, N0_HOME);
	KUNIT_EXPECT_EQ(test, result, BLKLOCK_NAME_REVIVED);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, N0_HOME).flags, 0U);
}

/* Another node learns the name from the disk, not from a cache. */
static void names_two_nodes(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct fake *p = fake_new_peer(test, f, PEER_NODE, PEER_INC);
	u32 index = ~0U, result = 0;

	KUNIT_EXPECT_EQ(test, name_op(p, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, result, BLKLOCK_NAME_FOUND);
	KUNIT_EXPECT_EQ(test, index, N0_HOME);
	KUNIT_EXPECT_EQ(test, f->caws, 0);

	/* The peer deletes it: this node's cached index reads the tombstone. */
	KUNIT_EXPECT_EQ(test, name_op(p, "n0", BLKLOCK_NAME_DELETE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_LOOKUP, &index,
				      &result), -ENOENT);
}

static void names_held(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u32 index = ~0U, result = 0;
	struct blklock_rec r;
	u64 gen = 0;

	KUNIT_ASSERT_EQ(test, name_op(f, "vg0/lv1", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_ASSERT_EQ(test, index, 0U);
	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	r = fake_get(test, f, 0);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_STREQ(test, r.name, "vg0/lv1");

	/* Held: not deleted, nothing written. */
	f->caws = 0;
	KUNIT_EXPECT_EQ(test, name_op(f, "vg0/lv1", BLKLOCK_NAME_DELETE, &index,
				      &result), -EBUSY);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 0).flags, 0U);

	/* Release keeps the name, and the generation. */
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 0, HOLDER_A), 0);
	r = fake_get(test, f, 0);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, gen);
	KUNIT_EXPECT_STREQ(test, r.name, "vg0/lv1");

	/* A never-named record held by number blocks a name that goes there. */
	fake_set(f, N0_HOME, PEER_NODE, 2);
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), -EBUSY);
	KUNIT_EXPECT_EQ(test, index, N0_HOME);
}

static void names_damaged_and_full(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_break out = {};
	u32 index = ~0U, result = 0, i;
	char name[8];

	/* A damaged record on the probe may be the name's: stop there. */
	f->blocks[FAKE_LOCK_LBA + N0_HOME][20] ^= 0x10;
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), -EBADMSG);
	KUNIT_EXPECT_EQ(test, f->caws, 0);

	/* Repaired: a nameless tombstone that probing passes. */
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, N0_HOME, HOLDER_A, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_BREAK_REPAIRED);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, N0_HOME).flags,
			BLKLOCK_LOCK_DELETED);
	KUNIT_EXPECT_STREQ(test, fake_get(test, f, N0_HOME).name, "");
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), 0);
	KUNIT_EXPECT_EQ(test, index, 0U);

	/* Every record taken: no room. */
	for (i = 1; i < FAKE_LOCKS; i++) {
		if (i == N0_HOME)
			continue;
		snprintf(name, sizeof(name), "x%u", i);
		KUNIT_EXPECT_EQ(test, name_op(f, name, BLKLOCK_NAME_CREATE,
					      &index, &result), 0);
	}
	KUNIT_EXPECT_EQ(test, name_op(f, "n6", BLKLOCK_NAME_CREATE, &index,
				      &result), -ENOSPC);
	KUNIT_EXPECT_EQ(test, name_op(f, "n6", BLKLOCK_NAME_LOOKUP, &index,
				      &result), -ENOENT);
}

static void names_old_format(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u32 index = ~0U, result = 0;

	f->ls.hdr.version = 3;
	f->reads = 0;
	f->caws = 0;
	KUNIT_EXPECT_EQ(test, name_op(f, "n0", BLKLOCK_NAME_CREATE, &index,
				      &result), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, f->reads + f->caws, 0);
}

static struct kunit_case names_cases[] = {
	KUNIT_CASE(names_format_golden),
	KUNIT_CASE(names_format_rejects),
	KUNIT_CASE(names_rules),
	KUNIT_CASE(names_create_lookup_delete),
	KUNIT_CASE(names_two_nodes),
	KUNIT_CASE(names_held),
	KUNIT_CASE(names_damaged_and_full),
	KUNIT_CASE(names_old_format),
	{}
};

static struct kunit_suite names_suite = {
	.name = "blklock_names",
	.test_cases = names_cases,
};

kunit_test_suites(&names_suite);
