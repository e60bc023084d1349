// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the pure parts of multipath (path.c): which failures
 * are path errors (a command no longer awaited among them), and which
 * path the next command takes.
 */
#include <kunit/test.h>
#include <scsi/scsi.h>
#include <scsi/scsi_proto.h>

#include "compat.h"
#include "blklock.h"

struct path_error_case {
	const char *desc;
	int result;		/* host byte << 16 | SCSI status */
	int blk_error;
	bool path_error;
};

static const struct path_error_case path_error_cases[] = {
	{ "good", 0, 0, false },
	{ "timeout", DID_TIME_OUT << 16, -ETIMEDOUT, true },
	{ "no connect (device gone)", DID_NO_CONNECT << 16, -ENOLINK, true },
	{ "bad target", DID_BAD_TARGET << 16, -EIO, true },
	{ "abort", DID_ABORT << 16, -EIO, true },
	{ "transport disrupted", DID_TRANSPORT_DISRUPTED << 16, -EIO, true },
	{ "transport failfast", DID_TRANSPORT_FAILFAST << 16, -ENOLINK, true },
	{ "block layer I/O error, no SCSI answer", 0, -EIO, true },
	{ "block layer timeout, no SCSI answer", 0, -ETIMEDOUT, true },
	{ "busy (the target answered)", SAM_STAT_BUSY, -EIO, false },
	{ "reservation conflict", SAM_STAT_RESERVATION_CONFLICT, -EIO, false },
	{ "check condition", SAM_STAT_CHECK_CONDITION, -EIO, false },
	{ "task aborted by the target", SAM_STAT_TASK_ABORTED, -EIO, false },
};

static void path_error_desc(const struct path_error_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->desc);
}

KUNIT_ARRAY_PARAM(path_error, path_error_cases, path_error_desc);

static void path_error_classified(struct kunit *test)
{
	const struct path_error_case *c = test->param_value;
	struct blklock_cmd_result res = {};

	blklock_decode_result(c->result, c->blk_error, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, blklock_path_error(&res), c->path_error);
}

/* Failures before a command was sent: only a missing device is one. */
static void path_error_local(struct kunit *test)
{
	struct blklock_cmd_result res;

	blklock_cmd_fail(&res, -ENOMEM);
	KUNIT_EXPECT_FALSE(test, blklock_path_error(&res));
	blklock_cmd_fail(&res, -EINTR);
	KUNIT_EXPECT_FALSE(test, blklock_path_error(&res));
	blklock_cmd_fail(&res, -ENODEV);
	KUNIT_EXPECT_TRUE(test, blklock_path_error(&res));
	KUNIT_EXPECT_FALSE(test, res.uncertain);
	res.status = BLKLOCK_CMD_MISCOMPARE;
	KUNIT_EXPECT_FALSE(test, blklock_path_error(&res));
}

/*
 * A command blklock stopped waiting for: a path error of unknown
 * outcome, told as such in dmesg; a heartbeat command is awaited one
 * second more than its timeout, any other twice its timeout and two
 * seconds more.
 */
static void path_error_abandoned(struct kunit *test)
{
	struct blklock_cmd_result res = { .duration_ns = 1500 * NSEC_PER_MSEC };
	char why[64];

	blklock_cmd_abandoned(&res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_FAILED);
	KUNIT_EXPECT_TRUE(test, blklock_path_error(&res));
	KUNIT_EXPECT_TRUE(test, res.uncertain);
	KUNIT_EXPECT_EQ(test, res.error, -ETIME);
	KUNIT_EXPECT_EQ(test, res.host, DID_TIME_OUT);
	KUNIT_EXPECT_EQ(test, res.duration_ns, (u64)1500 * NSEC_PER_MSEC);
	blklock_describe_result(&res, why, sizeof(why));
	KUNIT_EXPECT_STREQ(test, why, "no answer in 1500 ms (errno -62)");
	KUNIT_EXPECT_EQ(test, blklock_exec_deadline(HZ, true), 2UL * HZ);
	KUNIT_EXPECT_EQ(test, blklock_exec_deadline(8 * HZ, false), 18UL * HZ);
	KUNIT_EXPECT_EQ(test, blklock_exec_deadline(0, false), 2UL * HZ);
}

static void path_next_choice(struct kunit *test)
{
	/* The active path while it works. */
	KUNIT_EXPECT_EQ(test, blklock_path_next(0, 1, 0), 0U);
	KUNIT_EXPECT_EQ(test, blklock_path_next(0, 4, 2), 2U);
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(0), 4, 2), 2U);
	/* Else the next working one, in cyclic order. */
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(0), 2, 0), 1U);
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(1), 2, 1), 0U);
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(2) | BIT(3), 4, 2), 0U);
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(1) | BIT(2), 4, 1), 3U);
	/* Every path failed: the active one. */
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(0), 1, 0), 0U);
	KUNIT_EXPECT_EQ(test, blklock_path_next(0xf, 4, 3), 3U);
	/* Bits beyond the paths in use do not count. */
	KUNIT_EXPECT_EQ(test, blklock_path_next(BIT(0) | BIT(3), 2, 0), 1U);
}

static struct kunit_case path_cases[] = {
	KUNIT_CASE_PARAM(path_error_classified, path_error_gen_params),
	KUNIT_CASE(path_error_local),
	KUNIT_CASE(path_error_abandoned),
	KUNIT_CASE(path_next_choice),
	{}
};

static struct kunit_suite path_suite = {
	.name = "blklock_path",
	.test_cases = path_cases,
};

kunit_test_suites(&path_suite);
