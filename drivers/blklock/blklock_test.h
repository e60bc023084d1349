/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock KUnit: the fake disk and clock the lock and lease suites drive
 * the module over (implemented in blklock_test.c).
 *
 * The fake disk holds block 0 (unused), the heartbeat slots of nodes
 * 1..FAKE_NODES, their request blocks and FAKE_LOCKS lock records.  Each fake lockspace has its
 * own lease clock; two lockspaces (two nodes) may share one disk.
 */
#ifndef _BLKLOCK_TEST_H
#define _BLKLOCK_TEST_H

#include <kunit/test.h>

#include "blklock.h"

#define FAKE_BS		512
#define FAKE_LOCKS	8
#define FAKE_NODES	4
#define FAKE_NODE	1
#define PEER_NODE	2
#define OTHER_NODE	3
#define FAKE_INC	0x1111ULL
#define PEER_INC	0x2222ULL
#define OTHER_INC	0x3333ULL
#define FAKE_HB_MS	1000
#define FAKE_LEASE_MS	6000
#define FAKE_HB_LBA	1
#define FAKE_REQ_LBA	(FAKE_HB_LBA + FAKE_NODES)
#define FAKE_LOCK_LBA	(FAKE_REQ_LBA + FAKE_NODES)
#define FAKE_BLOCKS	(FAKE_LOCK_LBA + FAKE_LOCKS)
/* io_timeout_ms + hb_interval_ms: the reaper's delay after an unknown fate */
#define FAKE_REAP_MS	(8000 + FAKE_HB_MS)

/* What the fake does to the next COMPARE AND WRITE. */
enum fake_fault {
	FAKE_NONE,
	FAKE_FALSE_MISCOMPARE,	/* reports a miscompare, writes nothing */
	FAKE_RAN_THEN_MISCOMPARE, /* writes, then reports a miscompare */
	FAKE_RAN_THEN_TIMEOUT,	/* writes, then reports a timeout */
	FAKE_TIMEOUT,		/* times out before executing */
	FAKE_UNIT_ATTENTION,	/* unit attention, not executed */
	FAKE_RELEASED_AFTER,	/* the owner releases just after the command */
	FAKE_FENCE_DURING,	/* the node is fenced while it is in flight */
	FAKE_LATE,		/* times out; fake_land() executes it later */
};

/**
 * struct fake - a lockspace over a fake disk
 * @ls:		the lockspace
 * @blocks:	the disk, FAKE_BLOCKS blocks, maybe shared with a peer
 * @now:	this node's lease clock, ns
 * @fault:	what happens to the next COMPARE AND WRITE
 * @fault_skip:	COMPARE AND WRITEs that pass unharmed before @fault applies
 * @test:	the test
 * @caws:	COMPARE AND WRITEs received
 * @reads:	READs received
 * @caw_timeout_ms: timeout of the last COMPARE AND WRITE
 * @last_caw:	compare and write images of the last COMPARE AND WRITE
 * @read_delay_ms: the next READ completes this much later (the clock
 *		moves while it is in flight); it samples the disk at once
 * @renewing_node: every READ of this node's slot finds it renewed
 * @torn_reads:	the next READs return their first block with a byte
 *		flipped, as a READ that raced a write may find it
 * @late_valid:	a FAKE_LATE command waits for fake_land()
 * @late_lba:	its block
 * @late:	its images
 */
struct fake {
	struct blklock_space ls;
	u8 (*blocks)[FAKE_BS];
	u64 now;
	enum fake_fault fault;
	int fault_skip;
	struct kunit *test;
	int caws;
	int reads;
	u32 caw_timeout_ms;
	u8 last_caw[2][FAKE_BS];
	u32 read_delay_ms;
	u32 renewing_node;
	int torn_reads;
	bool late_valid;
	u64 late_lba;
	u8 late[2][FAKE_BS];
};

#define HOLDER_A ((const void *)0xa)
#define HOLDER_B ((const void *)0xb)

struct fake *fake_new(struct kunit *test);
struct fake *fake_new_peer(struct kunit *test, struct fake *f, u32 node,
			   u64 inc);
void fake_advance_ms(struct fake *f, u64 ms);
bool fake_land(struct fake *f);
void fake_hb_set(struct fake *f, u32 node, u64 inc, u64 counter, u32 flags);
struct blklock_hbrec fake_hb_get(struct kunit *test, struct fake *f,
				 u32 node);
void fake_set_inc(struct fake *f, u32 index, u32 owner, u64 gen, u64 inc);
void fake_set(struct fake *f, u32 index, u32 owner, u64 gen);
struct blklock_rec fake_get(struct kunit *test, struct fake *f, u32 index);
struct blklock_lock *fake_lock(struct kunit *test, struct fake *f, u32 index);

/* A record of a lockspace of the current format. */
static inline int test_rec_decode(const void *blk, u32 bs, u32 index,
				  struct blklock_rec *r)
{
	return blklock_rec_decode(blk, bs, BLKLOCK_FORMAT_VERSION, index, r);
}

static inline s64 counter(atomic64_t *v)
{
	return atomic64_read(v);
}

#endif /* _BLKLOCK_TEST_H */
