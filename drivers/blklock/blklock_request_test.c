// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of lock requests (format 4): the request block's layout,
 * its ring, and BLKLOCK_IOC_REQUEST and the holder's read of its block
 * over the fake disk (node FAKE_NODE holds, PEER_NODE asks).
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/string.h>

#include "compat.h"
#include "blklock_test.h"

static u32 req_crc(const u8 *blk)
{
	return ~crc32c(~0U, blk, offsetof(struct blklock_disk_req, crc));
}

static void request_format_golden(struct kunit *test)
{
	struct blklock_reqblk q = {
		.node_id = 1, .count = 2,
		.entry = { { 7, 2, 12, 0x1000 }, { 3, 3, 5, 0x2000 } },
	};
	struct blklock_reqblk out;
	u8 *blk = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_req_encode(&q, blk, 512);
	KUNIT_EXPECT_MEMEQ(test, blk, "BLKQ", 4);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 4), 1U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(blk + 8), 2ULL);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 16), 7U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 20), 2U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(blk + 24), 12ULL);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 40), 3U);
	/* Computed apart from the module (Python, CRC-32C bit by bit). */
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 212), 0xf894013bU);
	KUNIT_EXPECT_NULL(test, memchr_inv(blk + 208, 0, 4));
	KUNIT_EXPECT_NULL(test, memchr_inv(blk + 216, 0, 512 - 216));
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 1, &out), 0);
	KUNIT_EXPECT_EQ(test, out.count, 2ULL);
	KUNIT_EXPECT_EQ(test, out.entry[1].generation, 5ULL);
	KUNIT_EXPECT_EQ(test, out.entry[1].when, 0x2000ULL);

	/* The block of another node; a flipped bit; count 0 with a magic. */
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 2, &out), -EUCLEAN);
	blk[30] ^= 1;
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 1, &out), -EBADMSG);
	blklock_req_encode(&q, blk, 512);
	put_unaligned_le64(0, blk + 8);
	put_unaligned_le32(req_crc(blk), blk + 212);
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 1, &out), -EUCLEAN);
	/* The reserved word, checksum right. */
	blklock_req_encode(&q, blk, 512);
	blk[208] = 1;
	put_unaligned_le32(req_crc(blk), blk + 212);
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 1, &out), -EUCLEAN);
	/* Garbage after the structure. */
	blklock_req_encode(&q, blk, 512);
	blk[300] = 1;
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 1, &out), -EUCLEAN);

	/* All zero: never asked; and count 0 encodes as all zero. */
	memset(blk, 0, 512);
	KUNIT_EXPECT_EQ(test, blklock_req_decode(blk, 512, 1, &out), 0);
	KUNIT_EXPECT_EQ(test, out.count, 0ULL);
	q.count = 0;
	blklock_req_encode(&q, blk, 512);
	KUNIT_EXPECT_NULL(test, memchr_inv(blk, 0, 512));
}

static void request_ring(struct kunit *test)
{
	struct blklock_reqblk q = { .node_id = 1 };
	struct blklock_req_entry e = { .asker = 2 };
	u32 i;

	for (i = 1; i <= BLKLOCK_REQ_RING + 1; i++) {
		e.lock = i;
		blklock_req_append(&q, &e);
	}
	KUNIT_EXPECT_EQ(test, q.count, (u64)BLKLOCK_REQ_RING + 1);
	/* Request 9 overwrote request 1; request 2 is still there. */
	KUNIT_EXPECT_EQ(test, q.entry[0].lock, BLKLOCK_REQ_RING + 1);
	KUNIT_EXPECT_EQ(test, blklock_req_entry_of(&q, 9)->lock, 9U);
	KUNIT_EXPECT_EQ(test, blklock_req_entry_of(&q, 2)->lock, 2U);
}

/* The request block of @node as the fake disk holds it. */
static struct blklock_reqblk req_get(struct kunit *test, struct fake *f,
				     u32 node)
{
	struct blklock_reqblk q;

	KUNIT_EXPECT_EQ(test, blklock_req_decode(f->blocks[FAKE_REQ_LBA + node - 1],
						 FAKE_BS, node, &q), 0);
	return q;
}

static u32 status_of(struct kunit *test, struct fake *f, u32 index,
		     const void *holder)
{
	struct blklock_status st = {};
	char name[BLKLOCK_LOCK_NAME_MAX];

	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, index, holder, &st, name),
			0);
	return st.state;
}

static void request_held(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct fake *p = fake_new_peer(test, f, PEER_NODE, PEER_INC);
	struct blklock_request out = {};
	struct blklock_reqblk q;
	u64 gen;

	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A, 0, 0, &gen),
			0);
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_A));

	f->caws = 0;
	p->caws = 0;
	KUNIT_EXPECT_EQ(test, blklock_request(&p->ls, 3, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_REQUEST_SENT);
	KUNIT_EXPECT_EQ(test, out.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, out.generation, gen);
	KUNIT_EXPECT_EQ(test, p->caws, 1);
	KUNIT_EXPECT_EQ(test, counter(&p->ls.stats.requests_sent), 1);
	q = req_get(test, f, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, q.count, 1ULL);
	KUNIT_EXPECT_EQ(test, q.entry[0].lock, 3U);
	KUNIT_EXPECT_EQ(test, q.entry[0].asker, PEER_NODE);
	KUNIT_EXPECT_EQ(test, q.entry[0].generation, gen);

	/* The holder reads it (one READ, no write): poll, then STATUS. */
	f->reads = 0;
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_EQ(test, f->reads, 1);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.requests_received), 1);
	KUNIT_EXPECT_TRUE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_B));
	KUNIT_EXPECT_EQ(test, status_of(test, f, 3, HOLDER_B),
			BLKLOCK_STATE_HELD_BY_NODE);
	KUNIT_EXPECT_TRUE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, status_of(test, f, 3, HOLDER_A),
			BLKLOCK_STATE_HELD_BY_FILE | BLKLOCK_STATE_HELD_BY_NODE |
			BLKLOCK_STATE_REQUESTED);
	/* Read: poll is quiet, STATUS still says it, until a new request. */
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	KUNIT_EXPECT_TRUE(test, status_of(test, f, 3, HOLDER_A) &
			  BLKLOCK_STATE_REQUESTED);
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	/* A file of the holder's own node may ask too. */
	KUNIT_EXPECT_EQ(test, blklock_request(&f->ls, 3, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_REQUEST_SENT);
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_TRUE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, req_get(test, f, FAKE_NODE).count, 2ULL);

	/* Released: the mark goes with the hold; a free lock is not asked. */
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 3, HOLDER_A), 0);
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	memset(&out, 0, sizeof(out));
	p->caws = 0;
	KUNIT_EXPECT_EQ(test, blklock_request(&p->ls, 3, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_REQUEST_FREE);
	KUNIT_EXPECT_EQ(test, out.owner, 0U);
	KUNIT_EXPECT_EQ(test, p->caws, 0);
	KUNIT_EXPECT_EQ(test, req_get(test, f, FAKE_NODE).count, 2ULL);
}

static void request_stale_generation(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct fake *p = fake_new_peer(test, f, PEER_NODE, PEER_INC);
	struct blklock_request out = {};
	u64 gen, gen2;

	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A, 0, 0, &gen),
			0);
	KUNIT_EXPECT_EQ(test, blklock_request(&p->ls, 3, &out), 0);
	/* Let go and taken again before the holder read its block. */
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 3, HOLDER_A), 0);
	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A, 0, 0, &gen2),
			0);
	KUNIT_EXPECT_NE(test, gen, gen2);
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	KUNIT_EXPECT_FALSE(test, status_of(test, f, 3, HOLDER_A) &
			   BLKLOCK_STATE_REQUESTED);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.requests_received), 0);
}

static void request_damaged_and_missed(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct fake *p = fake_new_peer(test, f, PEER_NODE, PEER_INC);
	struct blklock_request out = {};
	u64 gen;
	int i;

	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A, 0, 0, &gen),
			0);
	/* Garbage in the holder's block: reported, nothing marked. */
	f->blocks[FAKE_REQ_LBA][100] = 0x5a;
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_TRUE(test, f->ls.req_damaged);
	KUNIT_EXPECT_FALSE(test, blklock_holds_requested(&f->ls, HOLDER_A));
	/* The next asker rewrites it with its request alone. */
	KUNIT_EXPECT_EQ(test, blklock_request(&p->ls, 5, &out), 0);
	KUNIT_EXPECT_EQ(test, req_get(test, f, FAKE_NODE).count, 1ULL);
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_FALSE(test, f->ls.req_damaged);
	KUNIT_EXPECT_TRUE(test, blklock_holds_requested(&f->ls, HOLDER_A));

	/* Ten more within one interval: the ring kept eight of them. */
	for (i = 0; i < 10; i++) {
		memset(&out, 0, sizeof(out));
		KUNIT_EXPECT_EQ(test, blklock_request(&p->ls, 5, &out), 0);
	}
	blklock_requests_check(&f->ls);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.requests_missed), 2);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.requests_received), 9);

	/* A miscompare that changed nothing: sent again, once. */
	memset(&out, 0, sizeof(out));
	p->fault = FAKE_FALSE_MISCOMPARE;
	KUNIT_EXPECT_EQ(test, blklock_request(&p->ls, 5, &out), 0);
	KUNIT_EXPECT_EQ(test, req_get(test, f, FAKE_NODE).count, 12ULL);
}

static void request_old_format(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_request out = {};

	f->ls.hdr.version = 3;
	f->reads = 0;
	f->caws = 0;
	KUNIT_EXPECT_EQ(test, blklock_request(&f->ls, 1, &out), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, f->reads + f->caws, 0);
}

static struct kunit_case request_cases[] = {
	KUNIT_CASE(request_format_golden),
	KUNIT_CASE(request_ring),
	KUNIT_CASE(request_held),
	KUNIT_CASE(request_stale_generation),
	KUNIT_CASE(request_damaged_and_missed),
	KUNIT_CASE(request_old_format),
	{}
};

static struct kunit_suite request_suite = {
	.name = "blklock_request",
	.test_cases = request_cases,
};

kunit_test_suites(&request_suite);
