// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of blklock's leases over the fake disk of blklock_test.c:
 * heartbeat renewal and its state machine, self-fencing, eviction of a
 * node whose slot stood still for a lease, the dating of slot READs, and
 * takeover of stale locks.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "blklock_test.h"

/* ---- leases: heartbeats, stale locks, self-fencing ----------------------- */

static void lease_stale_takeover(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	fake_set(f, 1, OTHER_NODE, 5);
	/* Watching starts: the slot has not stood still for a lease yet. */
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	fake_advance_ms(f, FAKE_LEASE_MS - 1);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	/* The owner renews: the lease starts again. */
	fake_hb_set(f, OTHER_NODE, OTHER_INC, 2, 0);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	fake_advance_ms(f, FAKE_LEASE_MS - 1);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 0);
	/*
	 * It stops: one lease later its slot is evicted, then the lock is
	 * broken with one CAW.
	 */
	fake_advance_ms(f, 2);
	f->caws = 0;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 6ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 1);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 1).owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 1).owner_incarnation, FAKE_INC);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).flags,
			(u32)BLKLOCK_HB_EVICTED);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).counter, 2ULL);
	/* The guess, the eviction of its slot, then the takeover. */
	KUNIT_EXPECT_EQ(test, f->caws, 3);
}

static void lease_incarnation_gone(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	/* The owner restarted with another incarnation. */
	fake_set_inc(f, 2, OTHER_NODE, 7, 0x9999);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 8ULL);
	/* The owner left cleanly (its slot says so). */
	fake_set(f, 3, OTHER_NODE, 2);
	fake_hb_set(f, OTHER_NODE, OTHER_INC, 9, BLKLOCK_HB_DETACHED);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	/* This node's own record from an earlier incarnation. */
	fake_set_inc(f, 4, FAKE_NODE, 11, 0x4444);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 4, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 12ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 3);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reclaims), 0);
}

static void lease_renew(struct kunit *test)
{
	struct fake *f = fake_new(test);

	blklock_lease_renew(&f->ls);
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).counter, 3ULL);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).incarnation,
			FAKE_INC);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.hb_sent), 2);
	/* Heartbeat commands time out within one interval. */
	KUNIT_EXPECT_EQ(test, f->caw_timeout_ms, (u32)FAKE_HB_MS);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
}

static void lease_duplicate_node_id(struct kunit *test)
{
	char name[BLKLOCK_LOCK_NAME_MAX];
	struct fake *f = fake_new(test);
	struct blklock_status st = {};
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A, 0, 0, &gen), 0);
	/* Another host writes this node id's slot. */
	fake_hb_set(f, FAKE_NODE, 0x7777, 40, 0);
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, f->ls.hb_state, BLKLOCK_HB_STOPPED);
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 0, HOLDER_A, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.state & BLKLOCK_STATE_LOST, BLKLOCK_STATE_LOST);
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 0, HOLDER_A, gen), -ENOLCK);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 0, HOLDER_A), -ENOLCK);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.locks_lost), 1);
	/* No lock can be taken any more; the other host's slot is left alone. */
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ENOLCK);
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).incarnation, 0x7777ULL);
}

static void lease_frozen_node(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 5, HOLDER_A, gen), 0);
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 5, HOLDER_A, gen + 1),
			-EINVAL);
	/* Frozen past the renewal deadline: the next renewal fences, then
	 * rejoins with a new incarnation.
	 */
	fake_advance_ms(f, blklock_fence_after_ms(FAKE_HB_MS, FAKE_LEASE_MS));
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_NE(test, fake_hb_get(test, f, FAKE_NODE).incarnation, FAKE_INC);
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 5, HOLDER_A, gen), -ENOLCK);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A, 0, 0, &gen),
			-ENOLCK);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 5, HOLDER_A), -ENOLCK);
	/* Its old record is stale now, for this node too. */
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 1);
}

static void lease_validate_taken(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_A, 0, 0, &gen), 0);
	f->caws = 0;
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 6, HOLDER_A, gen), 0);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 6).owner, FAKE_NODE);
	/* Another node broke it while this one was not looking. */
	fake_set(f, 6, OTHER_NODE, gen + 1);
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 6, HOLDER_A, gen), -ENOLCK);
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 6).owner, OTHER_NODE);
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 6, HOLDER_B, gen), -EPERM);
}

static void lease_fence(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 7, HOLDER_A, 0, 0, &gen), 0);
	blklock_lease_fence(&f->ls, "could not renew its heartbeat in time", true);
	KUNIT_EXPECT_FALSE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ENOLCK);
	/* The path comes back: new incarnation, locks may be taken again. */
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
}

static void lease_node_state(struct kunit *test)
{
	struct blklock_hbrec hb = { .node_id = 2, .incarnation = 5 };
	struct blklock_hbrec unused = { .node_id = 2 };
	struct blklock_hbrec left = { .node_id = 2, .incarnation = 5,
				      .flags = BLKLOCK_HB_DETACHED };

	KUNIT_EXPECT_EQ(test, blklock_node_state(-EBADMSG, &hb, true, 0, 6000),
			(u32)BLKLOCK_NODE_CORRUPT);
	KUNIT_EXPECT_EQ(test, blklock_node_state(0, &unused, false, 9000, 6000),
			(u32)BLKLOCK_NODE_UNUSED);
	KUNIT_EXPECT_EQ(test, blklock_node_state(0, &left, true, 9000, 6000),
			(u32)BLKLOCK_NODE_LEFT);
	KUNIT_EXPECT_EQ(test, blklock_node_state(0, &hb, false, 0, 6000),
			(u32)BLKLOCK_NODE_WATCHING);
	KUNIT_EXPECT_EQ(test, blklock_node_state(0, &hb, true, 5999, 6000),
			(u32)BLKLOCK_NODE_LIVE);
	/* Unchanged for a whole lease: stale, seen changing before or not. */
	KUNIT_EXPECT_EQ(test, blklock_node_state(0, &hb, true, 6000, 6000),
			(u32)BLKLOCK_NODE_STALE);
	KUNIT_EXPECT_EQ(test, blklock_node_state(0, &hb, false, 6000, 6000),
			(u32)BLKLOCK_NODE_STALE);
}

static void lease_nodes_view(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_node out[FAKE_NODES];

	fake_hb_set(f, 4, 0x4444, 7, BLKLOCK_HB_DETACHED);
	KUNIT_ASSERT_EQ(test, blklock_lease_nodes(&f->ls, 1, FAKE_NODES, false,
						  out), 0);
	KUNIT_EXPECT_EQ(test, out[FAKE_NODE - 1].state, (u32)BLKLOCK_NODE_SELF);
	KUNIT_EXPECT_EQ(test, out[1].state, (u32)BLKLOCK_NODE_UNUSED);
	KUNIT_EXPECT_EQ(test, out[OTHER_NODE - 1].state,
			(u32)BLKLOCK_NODE_WATCHING);
	KUNIT_EXPECT_EQ(test, out[OTHER_NODE - 1].incarnation, OTHER_INC);
	KUNIT_EXPECT_EQ(test, out[3].state, (u32)BLKLOCK_NODE_LEFT);
	KUNIT_EXPECT_EQ(test, out[3].node_id, 4U);

	/* The other node renews: seen changing, live. */
	fake_advance_ms(f, 500);
	fake_hb_set(f, OTHER_NODE, OTHER_INC, 2, 0);
	KUNIT_ASSERT_EQ(test, blklock_lease_nodes(&f->ls, OTHER_NODE, 1, false,
						  out), 0);
	KUNIT_EXPECT_EQ(test, out[0].state, (u32)BLKLOCK_NODE_LIVE);
	KUNIT_EXPECT_EQ(test, out[0].counter, 2ULL);
	KUNIT_EXPECT_EQ(test, out[0].unchanged_ms, 0ULL);

	/* Then it stops for a lease timeout, on this node's clock. */
	fake_advance_ms(f, FAKE_LEASE_MS);
	KUNIT_ASSERT_EQ(test, blklock_lease_nodes(&f->ls, 1, FAKE_NODES, false,
						  out), 0);
	KUNIT_EXPECT_EQ(test, out[OTHER_NODE - 1].state, (u32)BLKLOCK_NODE_STALE);
	KUNIT_EXPECT_EQ(test, out[OTHER_NODE - 1].unchanged_ms,
			(u64)FAKE_LEASE_MS);
	/* This node's own figure is the age of its last renewal. */
	KUNIT_EXPECT_EQ(test, out[FAKE_NODE - 1].unchanged_ms,
			(u64)FAKE_LEASE_MS + 500);

	/* A damaged slot is reported as such, not as a live node. */
	f->blocks[FAKE_HB_LBA + OTHER_NODE - 1][20] ^= 0xff;
	KUNIT_ASSERT_EQ(test, blklock_lease_nodes(&f->ls, OTHER_NODE, 1, false,
						  out), 0);
	KUNIT_EXPECT_EQ(test, out[0].state, (u32)BLKLOCK_NODE_CORRUPT);
	KUNIT_EXPECT_EQ(test, f->reads, 4);
}

/* blklock_hb_next_state(): every state x event x epoch_current. */
struct hb_case {
	enum blklock_hb_state from;
	enum blklock_hb_event ev;
	bool epoch_current;
	enum blklock_hb_state to;
};

#define HB(from, ev, cur, to) \
	{ BLKLOCK_HB_##from, BLKLOCK_HB_EV_##ev, cur, BLKLOCK_HB_##to }

static const struct hb_case hb_cases[] = {
	HB(LIVE, DEADLINE, false, FENCED),
	HB(LIVE, DEADLINE, true, FENCED),
	/* A renewal that wrote stays LIVE only in the epoch it began in. */
	HB(LIVE, WROTE, false, FENCED),
	HB(LIVE, WROTE, true, LIVE),
	HB(LIVE, EVICTED, false, FENCED),
	HB(LIVE, EVICTED, true, FENCED),
	HB(LIVE, DUPLICATE, false, STOPPED),
	HB(LIVE, DUPLICATE, true, STOPPED),
	HB(FENCED, DEADLINE, false, FENCED),
	HB(FENCED, DEADLINE, true, FENCED),
	/* Back to LIVE only with an incarnation chosen after the fence. */
	HB(FENCED, WROTE, false, FENCED),
	HB(FENCED, WROTE, true, LIVE),
	HB(FENCED, EVICTED, false, FENCED),
	HB(FENCED, EVICTED, true, FENCED),
	HB(FENCED, DUPLICATE, false, STOPPED),
	HB(FENCED, DUPLICATE, true, STOPPED),
	/* STOPPED is final. */
	HB(STOPPED, DEADLINE, false, STOPPED),
	HB(STOPPED, DEADLINE, true, STOPPED),
	HB(STOPPED, WROTE, false, STOPPED),
	HB(STOPPED, WROTE, true, STOPPED),
	HB(STOPPED, EVICTED, false, STOPPED),
	HB(STOPPED, EVICTED, true, STOPPED),
	HB(STOPPED, DUPLICATE, false, STOPPED),
	HB(STOPPED, DUPLICATE, true, STOPPED),
};

static const char *hb_state_name(enum blklock_hb_state s)
{
	switch (s) {
	case BLKLOCK_HB_LIVE:
		return "live";
	case BLKLOCK_HB_FENCED:
		return "fenced";
	case BLKLOCK_HB_STOPPED:
		return "stopped";
	}
	return "?";
}

static void hb_desc(const struct hb_case *c, char *desc)
{
	static const char * const ev[] = {
		[BLKLOCK_HB_EV_DEADLINE] = "deadline",
		[BLKLOCK_HB_EV_WROTE] = "wrote",
		[BLKLOCK_HB_EV_EVICTED] = "evicted",
		[BLKLOCK_HB_EV_DUPLICATE] = "duplicate",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s + %s%s -> %s",
		 hb_state_name(c->from), ev[c->ev],
		 c->epoch_current ? " (epoch current)" : "",
		 hb_state_name(c->to));
}

KUNIT_ARRAY_PARAM(hb, hb_cases, hb_desc);

static void lease_hb_next_state(struct kunit *test)
{
	const struct hb_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, blklock_hb_next_state(c->from, c->ev,
						    c->epoch_current), c->to);
}

/*
 * A fence while a renewal is in flight: the renewal writes its image,
 * but the node must not be LIVE again with the incarnation of before the
 * fence.  The next renewal starts a new incarnation and is LIVE.
 */
static void lease_fence_during_renewal(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_hbrec hb;
	u64 gen = 0;
	int epoch;

	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A, 0, 0, &gen), 0);
	epoch = atomic_read(&f->ls.loss_epoch);
	f->fault = FAKE_FENCE_DURING;
	blklock_lease_renew(&f->ls);
	hb = fake_hb_get(test, f, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, hb.counter, 2ULL);
	KUNIT_EXPECT_EQ(test, hb.incarnation, FAKE_INC);
	KUNIT_EXPECT_EQ(test, f->ls.hb_state, BLKLOCK_HB_FENCED);
	KUNIT_EXPECT_FALSE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.loss_epoch), epoch + 1);
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 0, HOLDER_A, gen), -ENOLCK);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ENOLCK);
	/* What it wrote is what it believes is on the disk. */
	KUNIT_EXPECT_TRUE(test, blklock_hb_equal(&f->ls.hb, &hb));

	fake_advance_ms(f, FAKE_HB_MS);
	blklock_lease_renew(&f->ls);
	hb = fake_hb_get(test, f, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, hb.counter, 3ULL);
	KUNIT_EXPECT_NE(test, hb.incarnation, FAKE_INC);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.loss_epoch), epoch + 1);
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 1).owner_incarnation,
			hb.incarnation);
}

/*
 * A renewal whose command timed out, then reached the disk before the
 * next renewal: the next renewal resends the very same image, finds it
 * on the disk, and goes on; it is not another host writing this slot.
 */
static void lease_unknown_renewal_lands_late(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u8 *img = kunit_kmalloc(test, FAKE_BS, GFP_KERNEL);
	int epoch = atomic_read(&f->ls.loss_epoch);
	u64 first;

	KUNIT_ASSERT_NOT_NULL(test, img);
	f->fault = FAKE_LATE;
	first = f->now;
	blklock_lease_renew(&f->ls);
	/* Heartbeat commands time out within one interval. */
	KUNIT_EXPECT_EQ(test, f->caw_timeout_ms, (u32)FAKE_HB_MS);
	memcpy(img, f->last_caw[1], FAKE_BS);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).counter, 1ULL);
	KUNIT_EXPECT_TRUE(test, f->ls.hb_pending_valid);
	KUNIT_EXPECT_EQ(test, f->ls.hb_pending.counter, 2ULL);
	KUNIT_EXPECT_EQ(test, f->ls.hb.counter, 1ULL);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.unknown), 1);

	KUNIT_EXPECT_TRUE(test, fake_land(f));
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).counter, 2ULL);

	fake_advance_ms(f, FAKE_HB_MS);
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_MEMEQ(test, f->last_caw[1], img, FAKE_BS);
	KUNIT_EXPECT_EQ(test, f->ls.hb_state, BLKLOCK_HB_LIVE);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.loss_epoch), epoch);
	KUNIT_EXPECT_FALSE(test, f->ls.hb_pending_valid);
	KUNIT_EXPECT_EQ(test, f->ls.hb.counter, 2ULL);
	KUNIT_EXPECT_EQ(test, f->ls.hb.incarnation, FAKE_INC);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.retried_successes), 1);
	KUNIT_EXPECT_MEMEQ(test, f->blocks[FAKE_HB_LBA + FAKE_NODE - 1], img,
			   FAKE_BS);
	/* It may have landed when first sent: the lease counts from then. */
	KUNIT_EXPECT_EQ(test, f->ls.last_renew_ns, first);

	fake_advance_ms(f, FAKE_HB_MS);
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).counter, 3ULL);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).incarnation,
			FAKE_INC);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
}

/*
 * A renewal whose command timed out and never lands: the next renewal
 * resends the same image and succeeds.  Should the lost copy arrive
 * after all, it miscompares.
 */
static void lease_unknown_renewal_never_lands(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u8 *img = kunit_kmalloc(test, FAKE_BS, GFP_KERNEL);
	u64 first;

	KUNIT_ASSERT_NOT_NULL(test, img);
	f->fault = FAKE_LATE;
	first = f->now;
	blklock_lease_renew(&f->ls);
	memcpy(img, f->last_caw[1], FAKE_BS);
	KUNIT_EXPECT_TRUE(test, f->ls.hb_pending_valid);

	fake_advance_ms(f, FAKE_HB_MS);
	f->caws = 0;
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_MEMEQ(test, f->last_caw[1], img, FAKE_BS);
	KUNIT_EXPECT_MEMEQ(test, f->blocks[FAKE_HB_LBA + FAKE_NODE - 1], img,
			   FAKE_BS);
	KUNIT_EXPECT_FALSE(test, f->ls.hb_pending_valid);
	KUNIT_EXPECT_EQ(test, f->ls.hb.counter, 2ULL);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.retried_successes), 0);
	KUNIT_EXPECT_EQ(test, f->ls.last_renew_ns, first);

	KUNIT_EXPECT_FALSE(test, fake_land(f));
	fake_advance_ms(f, FAKE_HB_MS);
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).counter, 3ULL);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&f->ls));
}

/*
 * Node 2 holds a lock and stops (a paused VM: its clock stands still).
 * Node 1 watches its slot for a lease, evicts it and takes the lock.
 * When node 2 resumes, its renewal finds the mark: every lock is lost;
 * the renewal after that rejoins with a new incarnation.
 */
static void lease_eviction(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct fake *p = fake_new_peer(test, f, PEER_NODE, PEER_INC);
	struct blklock_hbrec before, hb;
	struct blklock_rec r;
	u64 gen = 0, pgen = 0;
	int epoch;

	KUNIT_ASSERT_EQ(test, blklock_acquire(&p->ls, 2, HOLDER_B, 0, 0, &pgen), 0);
	KUNIT_EXPECT_EQ(test, pgen, 1ULL);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	before = fake_hb_get(test, f, PEER_NODE);

	fake_advance_ms(f, FAKE_LEASE_MS);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 2ULL);
	hb = fake_hb_get(test, f, PEER_NODE);
	KUNIT_EXPECT_EQ(test, hb.flags, (u32)BLKLOCK_HB_EVICTED);
	hb.flags = 0;
	KUNIT_EXPECT_TRUE(test, blklock_hb_equal(&hb, &before));
	r = fake_get(test, f, 2);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, FAKE_INC);
	KUNIT_EXPECT_EQ(test, r.generation, pgen + 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 1);

	/* Node 2 resumes, still believing it holds the lock. */
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&p->ls));
	KUNIT_EXPECT_FALSE(test, blklock_holds_lost(&p->ls, HOLDER_B));
	epoch = atomic_read(&p->ls.loss_epoch);
	fake_advance_ms(p, FAKE_HB_MS);
	blklock_lease_renew(&p->ls);
	KUNIT_EXPECT_EQ(test, p->ls.hb_state, BLKLOCK_HB_FENCED);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->ls.loss_epoch), epoch + 1);
	KUNIT_EXPECT_EQ(test, counter(&p->ls.stats.evicted), 1);
	KUNIT_EXPECT_TRUE(test, blklock_holds_lost(&p->ls, HOLDER_B));
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, p, PEER_NODE).flags,
			(u32)BLKLOCK_HB_EVICTED);
	KUNIT_EXPECT_EQ(test, blklock_validate(&p->ls, 2, HOLDER_B, pgen),
			-ENOLCK);
	KUNIT_EXPECT_EQ(test, blklock_release(&p->ls, 2, HOLDER_B), -ENOLCK);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&p->ls, 3, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &pgen),
			-ENOLCK);

	fake_advance_ms(p, FAKE_HB_MS);
	blklock_lease_renew(&p->ls);
	hb = fake_hb_get(test, p, PEER_NODE);
	KUNIT_EXPECT_TRUE(test, blklock_lease_live(&p->ls));
	KUNIT_EXPECT_EQ(test, hb.flags, 0U);
	KUNIT_EXPECT_NE(test, hb.incarnation, PEER_INC);
	KUNIT_EXPECT_EQ(test, hb.counter, before.counter + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->ls.loss_epoch), epoch + 1);
	/* Node 1's record was left alone. */
	r = fake_get(test, f, 2);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 2ULL);
}

static const struct blklock_rec other_rec = {
	.lock = 1, .owner = OTHER_NODE, .generation = 5, .acquired = 42,
	.owner_incarnation = OTHER_INC,
};

/*
 * Finding 1: a READ that completes late may have sampled the slot long
 * before it completed, so a sighting is dated at its submission.  Seen
 * unchanged since lease - 1 s before the late READ's submission, the
 * owner is live, though the READ completes past the lease.
 */
static void lease_watch_late_read(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_verdict v = {};
	u64 t0 = f->now;

	KUNIT_EXPECT_EQ(test, blklock_lease_owner_stale(&f->ls, &other_rec, &v),
			BLKLOCK_OWNER_LIVE);
	KUNIT_EXPECT_EQ(test, v.unchanged_ms, 0ULL);
	KUNIT_EXPECT_FALSE(test, v.seen_change);

	fake_advance_ms(f, FAKE_LEASE_MS - 1000);
	f->read_delay_ms = 3000;
	KUNIT_EXPECT_EQ(test, blklock_lease_owner_stale(&f->ls, &other_rec, &v),
			BLKLOCK_OWNER_LIVE);
	KUNIT_EXPECT_EQ(test, f->now - t0,
			(u64)(FAKE_LEASE_MS + 2000) * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, v.unchanged_ms, (u64)FAKE_LEASE_MS - 1000);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).flags, 0U);

	/* A READ submitted a lease after the sighting: dead, and evicted. */
	KUNIT_EXPECT_EQ(test, blklock_lease_owner_stale(&f->ls, &other_rec, &v),
			BLKLOCK_OWNER_DEAD);
	KUNIT_EXPECT_EQ(test, v.unchanged_ms, (u64)FAKE_LEASE_MS + 2000);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).flags,
			(u32)BLKLOCK_HB_EVICTED);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 1);
}

/*
 * The first sighting of a value by a late READ is dated at the READ's
 * completion: the value may have been written just before it sampled.
 */
static void lease_watch_first_sighting_late(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_verdict v = {};

	f->read_delay_ms = 3000;
	KUNIT_EXPECT_EQ(test, blklock_lease_owner_stale(&f->ls, &other_rec, &v),
			BLKLOCK_OWNER_LIVE);
	KUNIT_EXPECT_EQ(test, v.unchanged_ms, 0ULL);

	/* Past a lease from its submission, 1 ms short from its completion. */
	fake_advance_ms(f, FAKE_LEASE_MS - 1);
	KUNIT_EXPECT_EQ(test, blklock_lease_owner_stale(&f->ls, &other_rec, &v),
			BLKLOCK_OWNER_LIVE);
	KUNIT_EXPECT_EQ(test, v.unchanged_ms, (u64)FAKE_LEASE_MS - 1);
	KUNIT_EXPECT_EQ(test, f->caws, 0);

	fake_advance_ms(f, 1);
	KUNIT_EXPECT_EQ(test, blklock_lease_owner_stale(&f->ls, &other_rec, &v),
			BLKLOCK_OWNER_DEAD);
	KUNIT_EXPECT_EQ(test, v.unchanged_ms, (u64)FAKE_LEASE_MS);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 1);
}

/*
 * The eviction's command times out (it may land later, harmlessly: the
 * owner had not renewed for a lease).  The owner is busy for now and a
 * later attempt evicts it; the acquire does not fail with the command's
 * errno.
 */
static void lease_evict_unknown(struct kunit *test)
{
	struct fake *f;
	u64 gen = 0;

	f = fake_new(test);
	fake_set(f, 1, OTHER_NODE, 5);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	fake_advance_ms(f, FAKE_LEASE_MS);
	f->fault = FAKE_TIMEOUT;
	f->fault_skip = 1;	/* the guess of a free record passes */
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).flags, 0U);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 1).owner, OTHER_NODE);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 0);

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 6ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 1);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).flags,
			(u32)BLKLOCK_HB_EVICTED);
}

static struct kunit_case lease_cases[] = {
	KUNIT_CASE(lease_stale_takeover),
	KUNIT_CASE(lease_incarnation_gone),
	KUNIT_CASE(lease_renew),
	KUNIT_CASE(lease_duplicate_node_id),
	KUNIT_CASE(lease_frozen_node),
	KUNIT_CASE(lease_validate_taken),
	KUNIT_CASE(lease_fence),
	KUNIT_CASE(lease_node_state),
	KUNIT_CASE(lease_nodes_view),
	KUNIT_CASE_PARAM(lease_hb_next_state, hb_gen_params),
	KUNIT_CASE(lease_fence_during_renewal),
	KUNIT_CASE(lease_unknown_renewal_lands_late),
	KUNIT_CASE(lease_unknown_renewal_never_lands),
	KUNIT_CASE(lease_eviction),
	KUNIT_CASE(lease_watch_late_read),
	KUNIT_CASE(lease_watch_first_sighting_late),
	KUNIT_CASE(lease_evict_unknown),
	{}
};

static struct kunit_suite lease_suite = {
	.name = "blklock_lease",
	.test_cases = lease_cases,
};

kunit_test_suites(&lease_suite);
