// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of blklock's pure parts: the on-disk format, SCSI result
 * decoding, what became of a COMPARE AND WRITE, and the lock state
 * machine, the reaper and BREAK driven over a fake disk that can
 * miscompare falsely, time out before or after executing, execute a
 * command late, fence the node while a command is in flight, or report
 * a unit attention.  The fake is shared with the lease suites
 * (blklock_lease_test.c) through blklock_test.h.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/crc32c.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_proto.h>
#include <scsi/scsi_status.h>

#include "blklock_test.h"

/* main.c, which owns the module parameters, is not linked into KUnit. */
unsigned int blklock_io_timeout_ms = 8000;

/* ---- on-disk format ----------------------------------------------------- */

static u32 std_crc32c(const void *p, size_t len)
{
	return ~crc32c(~0U, p, len);
}

static void format_crc_is_standard_crc32c(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, std_crc32c("123456789", 9), 0xe3069283U);
}

/* A record encoded by hand, with its CRC computed outside the kernel. */
static void format_record_golden(struct kunit *test)
{
	struct blklock_rec r = {
		.lock = 7, .owner = 1002, .generation = 15,
		.acquired = 1700000000123456789ULL,
	};
	static const u8 head[] = {
		0x42, 0x4c, 0x4b, 0x52,  7, 0, 0, 0,
		0xea, 0x03, 0, 0,        0, 0, 0, 0,
		15, 0, 0, 0, 0, 0, 0, 0,
	};
	u8 *blk = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_rec_encode(&r, blk, 512);
	KUNIT_EXPECT_MEMEQ(test, blk, head, sizeof(head));
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(blk + 24),
			1700000000123456789ULL);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 60), 0x8ecd2cb1U);
	KUNIT_EXPECT_NULL(test, memchr_inv(blk + 64, 0, 512 - 64));
}

static void format_record_roundtrip(struct kunit *test)
{
	static const u32 sizes[] = { 512, 4096 };
	struct blklock_rec r = { .lock = 3, .owner = 2000, .generation = ~0ULL - 1 };
	struct blklock_rec out;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *blk = kunit_kmalloc(test, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, blk);
		blklock_rec_encode(&r, blk, sizes[i]);
		KUNIT_EXPECT_EQ(test, test_rec_decode(blk, sizes[i], 3, &out), 0);
		KUNIT_EXPECT_TRUE(test, blklock_rec_equal(&r, &out));
	}
}

static void format_record_rejects(struct kunit *test)
{
	struct blklock_rec r = { .lock = 1, .owner = 5, .generation = 9 };
	struct blklock_rec out;
	u8 *blk = kunit_kmalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);

	/* A flipped bit in the generation: checksum mismatch. */
	blklock_rec_encode(&r, blk, 512);
	blk[16] ^= 0x04;
	KUNIT_EXPECT_EQ(test, test_rec_decode(blk, 512, 1, &out), -EBADMSG);

	/* Bad magic, e.g. an unformatted block. */
	memset(blk, 0, 512);
	KUNIT_EXPECT_EQ(test, test_rec_decode(blk, 512, 1, &out), -EUCLEAN);

	/* The record of another lock in this block. */
	blklock_rec_encode(&r, blk, 512);
	KUNIT_EXPECT_EQ(test, test_rec_decode(blk, 512, 2, &out), -EUCLEAN);

	/* Garbage after the record. */
	blklock_rec_encode(&r, blk, 512);
	blk[300] = 1;
	KUNIT_EXPECT_EQ(test, test_rec_decode(blk, 512, 1, &out), -EUCLEAN);

	/* Nonzero reserved bytes with a valid checksum. */
	blklock_rec_encode(&r, blk, 512);
	blk[40] = 1;
	put_unaligned_le32(std_crc32c(blk, 60), blk + 60);
	KUNIT_EXPECT_EQ(test, test_rec_decode(blk, 512, 1, &out), -EUCLEAN);
}

static void format_header(struct kunit *test)
{
	struct blklock_header h = {
		.version = BLKLOCK_FORMAT_VERSION, .block_size = 4096,
		.nr_locks = 100, .max_node_id = 4, .hb_lba = 1, .req_lba = 5,
		.lock_lba = 9, .hb_interval_ms = 1000, .lease_timeout_ms = 6000,
		.created = 1234, .uuid = { 1, 2, 3 },
	};
	struct blklock_header out;
	u8 *blk = kunit_kmalloc(test, 4096, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_header_encode(&h, blk, 4096);
	KUNIT_EXPECT_MEMEQ(test, blk, "BLKLOCK", 8);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 4096, &out), 0);
	KUNIT_EXPECT_EQ(test, out.nr_locks, 100U);
	KUNIT_EXPECT_EQ(test, out.lock_lba, 9ULL);
	KUNIT_EXPECT_EQ(test, out.hb_lba, 1ULL);
	KUNIT_EXPECT_EQ(test, out.req_lba, 5ULL);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(blk + 80), 5ULL);
	KUNIT_EXPECT_EQ(test, out.hb_interval_ms, 1000U);
	KUNIT_EXPECT_EQ(test, out.lease_timeout_ms, 6000U);
	KUNIT_EXPECT_MEMEQ(test, out.uuid, h.uuid, 16);
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 109), 0);
	/* One block short, another block size. */
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 108), -EUCLEAN);
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 512, 1000), -EUCLEAN);
	/* Locks over the request blocks, request blocks over the slots. */
	out.lock_lba = 8;
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 109), -EUCLEAN);
	out.lock_lba = 9;
	out.req_lba = 4;
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 109), -EUCLEAN);
	out.req_lba = 5;
	/* A lease shorter than four heartbeats. */
	out.lease_timeout_ms = 3999;
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 109), -EUCLEAN);
	out.lease_timeout_ms = 6000;
	out.nr_locks = 0;
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 109), -EUCLEAN);

	/* Format 3 has no request blocks: req_lba must be 0. */
	h.version = 3;
	blklock_header_encode(&h, blk, 4096);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 4096, &out), -EUCLEAN);
	h.req_lba = 0;
	h.lock_lba = 5;
	blklock_header_encode(&h, blk, 4096);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 4096, &out), 0);
	KUNIT_EXPECT_EQ(test, blklock_header_check(&out, 4096, 105), 0);
	blklock_header_encode(&h, blk, 4096);

	blk[12] ^= 1;
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 4096, &out), -EBADMSG);

	memset(blk, 0, 4096);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 4096, &out), -EMEDIUMTYPE);
}

static void format_header_version(struct kunit *test)
{
	struct blklock_header h = {
		.version = BLKLOCK_FORMAT_VERSION + 1, .block_size = 512,
		.nr_locks = 1, .max_node_id = 10, .lock_lba = 1,
	};
	struct blklock_header out;
	u8 *blk = kunit_kmalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_header_encode(&h, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 512, &out),
			-EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, out.version, BLKLOCK_FORMAT_VERSION + 1);
	/* Format 1 has no heartbeat region. */
	/* Format 2 (no node names) is still attached. */
	h.version = 2;
	blklock_header_encode(&h, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 512, &out), 0);
	KUNIT_EXPECT_EQ(test, out.version, 2U);
	h.version = 1;
	blklock_header_encode(&h, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 512, &out), -EPROTO);
	h.version = 0;
	blklock_header_encode(&h, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_header_decode(blk, 512, &out), -EUCLEAN);
}

static void format_heartbeat_slot(struct kunit *test)
{
	struct blklock_hbrec r = { .node_id = 7, .incarnation = 0xfeedULL,
				   .counter = 99, .timestamp = 5 };
	const u32 v = BLKLOCK_FORMAT_VERSION;
	struct blklock_hbrec out;
	u8 *blk = kunit_kmalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	blklock_hb_encode(&r, blk, 512);
	KUNIT_EXPECT_MEMEQ(test, blk, "BLKH", 4);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 60),
			std_crc32c(blk, 60));
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, v, 7, &out), 0);
	KUNIT_EXPECT_EQ(test, out.incarnation, 0xfeedULL);
	KUNIT_EXPECT_EQ(test, out.counter, 99ULL);
	/* The slot of another node, a flipped bit, unknown flags. */
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, v, 8, &out), -EUCLEAN);
	blk[16] ^= 1;
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, v, 7, &out), -EBADMSG);
	r.flags = 0x80;
	blklock_hb_encode(&r, blk, 512);
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, v, 7, &out), -EUCLEAN);
}

/* Format 3: a slot's name, after its 64 bytes, with its own CRC. */
static void format_heartbeat_name(struct kunit *test)
{
	struct blklock_hbrec r = { .node_id = 3, .incarnation = 1, .counter = 2 };
	struct blklock_hbrec out;
	u8 *blk = kunit_kmalloc(test, 512, GFP_KERNEL);
	u8 *name;

	KUNIT_ASSERT_NOT_NULL(test, blk);
	name = blk + 64;
	strscpy(r.name, "node-b.example_1", sizeof(r.name));
	blklock_hb_encode(&r, blk, 512);
	KUNIT_EXPECT_MEMEQ(test, name, "node-b.example_1", 17);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(blk + 128),
			std_crc32c(name, 64));
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), 0);
	KUNIT_EXPECT_STREQ(test, out.name, "node-b.example_1");
	/* Format 2 has no room for a name: such a slot is damaged there. */
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 2, 3, &out), -EUCLEAN);
	/* A torn name. */
	name[6] ^= 1;
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), -EBADMSG);
	name[6] ^= 1;
	/* Valid CRCs over what no node writes: a space, a byte after the
	 * NUL, 64 characters and no NUL, a CRC with no name.
	 */
	name[2] = ' ';
	put_unaligned_le32(std_crc32c(name, 64), blk + 128);
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), -EUCLEAN);
	name[2] = 'd';
	name[40] = 'x';
	put_unaligned_le32(std_crc32c(name, 64), blk + 128);
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), -EUCLEAN);
	memset(name, 'a', 64);
	put_unaligned_le32(std_crc32c(name, 64), blk + 128);
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), -EUCLEAN);
	memset(name, 0, 64);
	put_unaligned_le32(std_crc32c(name, 64), blk + 128);
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), -EUCLEAN);
	/* No name: nothing after the slot, read alike by formats 2 and 3. */
	r.name[0] = '\0';
	blklock_hb_encode(&r, blk, 512);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(name, 0, 512 - 64));
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 2, 3, &out), 0);
	KUNIT_EXPECT_EQ(test, blklock_hb_decode(blk, 512, 3, 3, &out), 0);
	KUNIT_EXPECT_STREQ(test, out.name, "");
}

static void format_node_name_valid(struct kunit *test)
{
	char n[BLKLOCK_NODE_NAME_MAX + 1];

	KUNIT_EXPECT_TRUE(test, blklock_node_name_valid("a"));
	KUNIT_EXPECT_TRUE(test, blklock_node_name_valid("Host-B.example.com"));
	KUNIT_EXPECT_TRUE(test, blklock_node_name_valid("db_1"));
	KUNIT_EXPECT_FALSE(test, blklock_node_name_valid(""));
	KUNIT_EXPECT_FALSE(test, blklock_node_name_valid("two words"));
	KUNIT_EXPECT_FALSE(test, blklock_node_name_valid("a\nblklock: forged"));
	KUNIT_EXPECT_FALSE(test, blklock_node_name_valid("caf\xc3\xa9"));
	KUNIT_EXPECT_FALSE(test, blklock_node_name_valid("node(3)"));
	memset(n, 'a', BLKLOCK_NODE_NAME_MAX - 1);
	n[BLKLOCK_NODE_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_TRUE(test, blklock_node_name_valid(n));
	n[BLKLOCK_NODE_NAME_MAX - 1] = 'a';
	n[BLKLOCK_NODE_NAME_MAX] = '\0';
	KUNIT_EXPECT_FALSE(test, blklock_node_name_valid(n));
}

static void format_lease_timing(struct kunit *test)
{
	/* Defaults: renew every second, lease 6 s, fence after 4 s. */
	KUNIT_EXPECT_TRUE(test, blklock_lease_timing_valid(1000, 6000));
	KUNIT_EXPECT_EQ(test, blklock_fence_after_ms(1000, 6000), 4000U);
	KUNIT_EXPECT_TRUE(test, blklock_lease_timing_valid(1000, 4000));
	KUNIT_EXPECT_EQ(test, blklock_fence_after_ms(1000, 4000), 2000U);
	KUNIT_EXPECT_FALSE(test, blklock_lease_timing_valid(1000, 3999));
	KUNIT_EXPECT_FALSE(test, blklock_lease_timing_valid(99, 1000));
	KUNIT_EXPECT_FALSE(test, blklock_lease_timing_valid(60001, 600000));
	KUNIT_EXPECT_FALSE(test, blklock_lease_timing_valid(1000, 600001));
}

static void format_signatures(struct kunit *test)
{
	size_t len = BLKLOCK_SIGNATURE_SCAN_BYTES;
	u8 *buf = kunit_kzalloc(test, len, GFP_KERNEL);
	struct blklock_header h = {
		.version = 1, .block_size = 512, .nr_locks = 1,
		.max_node_id = 1, .lock_lba = 1,
	};

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_NULL(test, blklock_detect_signature(buf, len, 512));

	buf[1080] = 0x53;
	buf[1081] = 0xef;
	KUNIT_EXPECT_STREQ(test, blklock_detect_signature(buf, len, 512),
			   "an ext2/3/4 filesystem");
	/* A buffer too short to hold the magic is not read past its end. */
	KUNIT_EXPECT_NULL(test, blklock_detect_signature(buf, 1081, 512));

	memset(buf, 0, len);
	memcpy(buf + 4096, "EFI PART", 8);
	KUNIT_EXPECT_NULL(test, blklock_detect_signature(buf, len, 512));
	KUNIT_EXPECT_STREQ(test, blklock_detect_signature(buf, len, 4096),
			   "a GPT partition table");

	memset(buf, 0, len);
	buf[510] = 0x55;
	buf[511] = 0xaa;
	KUNIT_EXPECT_STREQ(test, blklock_detect_signature(buf, len, 512),
			   "a DOS partition table or boot sector");

	memset(buf, 0, len);
	memcpy(buf + 65600, "_BHRfS_M", 8);
	KUNIT_EXPECT_STREQ(test, blklock_detect_signature(buf, len, 4096),
			   "a btrfs filesystem");

	memset(buf, 0, len);
	blklock_header_encode(&h, buf, 512);
	KUNIT_EXPECT_STREQ(test, blklock_detect_signature(buf, len, 512),
			   "a blklock lockspace");
}

static struct kunit_case format_cases[] = {
	KUNIT_CASE(format_crc_is_standard_crc32c),
	KUNIT_CASE(format_record_golden),
	KUNIT_CASE(format_record_roundtrip),
	KUNIT_CASE(format_record_rejects),
	KUNIT_CASE(format_header),
	KUNIT_CASE(format_header_version),
	KUNIT_CASE(format_heartbeat_slot),
	KUNIT_CASE(format_heartbeat_name),
	KUNIT_CASE(format_node_name_valid),
	KUNIT_CASE(format_lease_timing),
	KUNIT_CASE(format_signatures),
	{}
};

static struct kunit_suite format_suite = {
	.name = "blklock_format",
	.test_cases = format_cases,
};

/* ---- SCSI result decoding ---------------------------------------------- */

/* Fixed-format sense data; @info is stored with VALID set when >= 0. */
static void fixed_sense(u8 *s, u8 key, u8 asc, u8 ascq, s64 info)
{
	memset(s, 0, SCSI_SENSE_BUFFERSIZE);
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
	if (info >= 0) {
		s[0] |= 0x80;
		put_unaligned_be32(info, &s[3]);
	}
}

static void decode(int result, int blk_err, const u8 *sense,
		   struct blklock_cmd_result *res)
{
	blklock_decode_result(result, blk_err, sense,
			      sense ? SCSI_SENSE_BUFFERSIZE : 0, res);
}

static void sense_good(struct kunit *test)
{
	struct blklock_cmd_result res;

	decode(0, 0, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_OK);
	KUNIT_EXPECT_EQ(test, res.error, 0);
}

static void sense_miscompare_fixed(struct kunit *test)
{
	struct blklock_cmd_result res;
	u8 s[SCSI_SENSE_BUFFERSIZE];

	/* LIO: VALID set, INFORMATION = offset of the first differing byte. */
	fixed_sense(s, MISCOMPARE, 0x1d, 0, 8);
	decode(SAM_STAT_CHECK_CONDITION, -EIO, s, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_MISCOMPARE);
	KUNIT_EXPECT_EQ(test, res.info, 8);
	KUNIT_EXPECT_EQ(test, res.key, MISCOMPARE);
	KUNIT_EXPECT_EQ(test, res.asc, 0x1d);

	/* scsi_debug: no INFORMATION field. */
	fixed_sense(s, MISCOMPARE, 0x1d, 0, -1);
	decode(SAM_STAT_CHECK_CONDITION, -EIO, s, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_MISCOMPARE);
	KUNIT_EXPECT_EQ(test, res.info, -1);

	/* The mid-layer byte seen on 6.1 (result 0x402) changes nothing. */
	fixed_sense(s, MISCOMPARE, 0x1d, 0, 0);
	decode(0x400 | SAM_STAT_CHECK_CONDITION, -EIO, s, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_MISCOMPARE);
	KUNIT_EXPECT_EQ(test, res.info, 0);
}

static void sense_miscompare_descriptor(struct kunit *test)
{
	struct blklock_cmd_result res;
	u8 s[SCSI_SENSE_BUFFERSIZE] = {
		0x72, MISCOMPARE, 0x1d, 0x00, 0, 0, 0, 12,
		/* information descriptor: type 0, length 10, VALID */
		0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a,
	};

	decode(SAM_STAT_CHECK_CONDITION, -EIO, s, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_MISCOMPARE);
	KUNIT_EXPECT_EQ(test, res.info, 0x2a);
}

static void sense_errors(struct kunit *test)
{
	static const struct {
		u8 key, asc;
		int error;
		bool retry, uncertain;
	} cases[] = {
		{ NOT_READY, 0x04, -ENOMEDIUM, false, false },
		{ MEDIUM_ERROR, 0x11, -EIO, false, true },
		{ HARDWARE_ERROR, 0x44, -EIO, false, true },
		{ ILLEGAL_REQUEST, 0x20, -EOPNOTSUPP, false, false },
		{ ILLEGAL_REQUEST, 0x24, -EOPNOTSUPP, false, false },
		{ ILLEGAL_REQUEST, 0x21, -ERANGE, false, false },
		{ ILLEGAL_REQUEST, 0x26, -EREMOTEIO, false, false },
		{ UNIT_ATTENTION, 0x29, -ECONNRESET, true, false },
		{ DATA_PROTECT, 0x27, -EROFS, false, false },
		{ ABORTED_COMMAND, 0x47, -ECONNABORTED, false, true },
	};
	struct blklock_cmd_result res;
	u8 s[SCSI_SENSE_BUFFERSIZE];
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fixed_sense(s, cases[i].key, cases[i].asc, 0, -1);
		decode(SAM_STAT_CHECK_CONDITION, -EIO, s, &res);
		KUNIT_EXPECT_EQ_MSG(test, res.status, BLKLOCK_CMD_FAILED,
				    "sense key %x", cases[i].key);
		KUNIT_EXPECT_EQ_MSG(test, res.error, cases[i].error,
				    "sense %x/%x", cases[i].key, cases[i].asc);
		KUNIT_EXPECT_EQ(test, res.retry, cases[i].retry);
		KUNIT_EXPECT_EQ(test, res.uncertain, cases[i].uncertain);
	}

	/* RECOVERED ERROR: the command completed. */
	fixed_sense(s, RECOVERED_ERROR, 0x17, 0, -1);
	decode(SAM_STAT_CHECK_CONDITION, 0, s, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_OK);

	/* CHECK CONDITION without sense data. */
	decode(SAM_STAT_CHECK_CONDITION, -EIO, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_FAILED);
	KUNIT_EXPECT_EQ(test, res.error, -EIO);
}

static void sense_host_and_status(struct kunit *test)
{
	struct blklock_cmd_result res;

	decode(DID_TIME_OUT << 16, -ETIMEDOUT, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_FAILED);
	KUNIT_EXPECT_EQ(test, res.error, -ETIME);
	KUNIT_EXPECT_TRUE(test, res.uncertain);

	decode(DID_NO_CONNECT << 16, -EIO, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.error, -ENODEV);

	decode(DID_ABORT << 16, -EIO, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.error, -ECONNABORTED);

	decode(DID_TRANSPORT_DISRUPTED << 16, -EIO, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.error, -ENOLINK);
	KUNIT_EXPECT_TRUE(test, res.uncertain);

	decode(SAM_STAT_BUSY, -EIO, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.error, -EAGAIN);
	KUNIT_EXPECT_TRUE(test, res.retry);

	decode(SAM_STAT_RESERVATION_CONFLICT, -EIO, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.error, -EACCES);
	KUNIT_EXPECT_FALSE(test, res.retry);

	/* The block layer failed the request without a SCSI result. */
	decode(0, -ENOMEM, NULL, &res);
	KUNIT_EXPECT_EQ(test, res.status, BLKLOCK_CMD_FAILED);
	KUNIT_EXPECT_EQ(test, res.error, -ENOMEM);
}

/*
 * blklock_caw_fate(): every status x uncertain x read error x what the
 * block read back holds.  A block can hold both images only when they
 * are the same (VALIDATE writes the record onto itself); after a failed
 * read the caller passes false for both, but the decision must not
 * depend on them.
 */
struct fate_case {
	enum blklock_cmd_status status;
	bool uncertain;
	int read_error;
	bool holds_write;
	bool holds_compare;
	enum blklock_fate fate;
};

#define FATE(st, unc, rerr, w, c, result) \
	{ BLKLOCK_CMD_##st, unc, rerr, w, c, BLKLOCK_FATE_##result }

static const struct fate_case fate_cases[] = {
	/* The target says it wrote: nothing else counts. */
	FATE(OK, false, 0, false, false, WROTE),
	FATE(OK, false, 0, false, true, WROTE),
	FATE(OK, false, 0, true, false, WROTE),
	FATE(OK, false, 0, true, true, WROTE),
	FATE(OK, false, -EIO, false, false, WROTE),
	FATE(OK, false, -EIO, false, true, WROTE),
	FATE(OK, false, -EIO, true, false, WROTE),
	FATE(OK, false, -EIO, true, true, WROTE),
	FATE(OK, true, 0, false, false, WROTE),
	FATE(OK, true, 0, false, true, WROTE),
	FATE(OK, true, 0, true, false, WROTE),
	FATE(OK, true, 0, true, true, WROTE),
	FATE(OK, true, -EIO, false, false, WROTE),
	FATE(OK, true, -EIO, false, true, WROTE),
	FATE(OK, true, -EIO, true, false, WROTE),
	FATE(OK, true, -EIO, true, true, WROTE),
	/* A miscompare wrote nothing, unless the block says otherwise. */
	FATE(MISCOMPARE, false, 0, false, false, CHANGED),
	FATE(MISCOMPARE, false, 0, false, true, FALSE_MISCOMPARE),
	FATE(MISCOMPARE, false, 0, true, false, WROTE),
	FATE(MISCOMPARE, false, 0, true, true, WROTE),
	FATE(MISCOMPARE, false, -EIO, false, false, UNREAD),
	FATE(MISCOMPARE, false, -EIO, false, true, UNREAD),
	FATE(MISCOMPARE, false, -EIO, true, false, UNREAD),
	FATE(MISCOMPARE, false, -EIO, true, true, UNREAD),
	/* ... after an earlier copy timed out: that copy may still land. */
	FATE(MISCOMPARE, true, 0, false, false, CHANGED),
	FATE(MISCOMPARE, true, 0, false, true, UNKNOWN),
	FATE(MISCOMPARE, true, 0, true, false, WROTE),
	FATE(MISCOMPARE, true, 0, true, true, WROTE),
	FATE(MISCOMPARE, true, -EIO, false, false, UNKNOWN),
	FATE(MISCOMPARE, true, -EIO, false, true, UNKNOWN),
	FATE(MISCOMPARE, true, -EIO, true, false, UNKNOWN),
	FATE(MISCOMPARE, true, -EIO, true, true, UNKNOWN),
	/* Certainly refused: an unchanged block means it did not run. */
	FATE(FAILED, false, 0, false, false, CHANGED),
	FATE(FAILED, false, 0, false, true, NOT_RUN),
	FATE(FAILED, false, 0, true, false, WROTE),
	FATE(FAILED, false, 0, true, true, WROTE),
	FATE(FAILED, false, -EIO, false, false, NOT_RUN),
	FATE(FAILED, false, -EIO, false, true, NOT_RUN),
	FATE(FAILED, false, -EIO, true, false, NOT_RUN),
	FATE(FAILED, false, -EIO, true, true, NOT_RUN),
	/* Timed out: an unchanged block proves nothing. */
	FATE(FAILED, true, 0, false, false, CHANGED),
	FATE(FAILED, true, 0, false, true, UNKNOWN),
	FATE(FAILED, true, 0, true, false, WROTE),
	FATE(FAILED, true, 0, true, true, WROTE),
	FATE(FAILED, true, -EIO, false, false, UNKNOWN),
	FATE(FAILED, true, -EIO, false, true, UNKNOWN),
	FATE(FAILED, true, -EIO, true, false, UNKNOWN),
	FATE(FAILED, true, -EIO, true, true, UNKNOWN),
};

static void fate_desc(const struct fate_case *c, char *desc)
{
	static const char * const st[] = {
		[BLKLOCK_CMD_OK] = "ok",
		[BLKLOCK_CMD_MISCOMPARE] = "miscompare",
		[BLKLOCK_CMD_FAILED] = "failed",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s%s%s%s%s -> %s",
		 st[c->status], c->uncertain ? " uncertain" : "",
		 c->read_error ? " unread" : "",
		 c->holds_write ? " holds-write" : "",
		 c->holds_compare ? " holds-compare" : "",
		 blklock_fate_name(c->fate));
}

KUNIT_ARRAY_PARAM(fate, fate_cases, fate_desc);

static void sense_caw_fate(struct kunit *test)
{
	const struct fate_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, blklock_caw_fate(c->status, c->uncertain,
					       c->read_error, c->holds_write,
					       c->holds_compare), c->fate);
}

/* The table above names each of the 48 combinations exactly once. */
static void sense_caw_fate_table_complete(struct kunit *test)
{
	DECLARE_BITMAP(seen, 48);
	int i, bit;

	bitmap_zero(seen, 48);
	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(fate_cases), 48);
	for (i = 0; i < ARRAY_SIZE(fate_cases); i++) {
		const struct fate_case *c = &fate_cases[i];

		bit = c->status * 16 + c->uncertain * 8 + !!c->read_error * 4 +
		      c->holds_write * 2 + c->holds_compare;
		KUNIT_EXPECT_FALSE_MSG(test, test_and_set_bit(bit, seen),
				       "row %d repeats a combination", i);
	}
	KUNIT_EXPECT_TRUE(test, bitmap_full(seen, 48));
	KUNIT_EXPECT_STREQ(test, blklock_fate_name(BLKLOCK_FATE_UNREAD),
			   "miscompare, block unreadable");
	KUNIT_EXPECT_STREQ(test, blklock_fate_name(BLKLOCK_FATE_UNREAD + 1), "?");
}

static struct kunit_case sense_cases[] = {
	KUNIT_CASE(sense_good),
	KUNIT_CASE(sense_miscompare_fixed),
	KUNIT_CASE(sense_miscompare_descriptor),
	KUNIT_CASE(sense_errors),
	KUNIT_CASE(sense_host_and_status),
	KUNIT_CASE_PARAM(sense_caw_fate, fate_gen_params),
	KUNIT_CASE(sense_caw_fate_table_complete),
	{}
};

static struct kunit_suite sense_suite = {
	.name = "blklock_sense",
	.test_cases = sense_cases,
};

/* ---- the fake disk (blklock_test.h) ------------------------------------ */

static struct fake *to_fake(struct blklock_space *ls)
{
	return container_of(ls, struct fake, ls);
}

static void fake_miscompare(struct blklock_cmd_result *res)
{
	blklock_decode_result(SAM_STAT_CHECK_CONDITION, -EIO, NULL, 0, res);
	res->status = BLKLOCK_CMD_MISCOMPARE;
	res->error = -EILSEQ;
	res->info = -1;
}

static void fake_timeout(struct blklock_cmd_result *res)
{
	blklock_decode_result(DID_TIME_OUT << 16, -ETIMEDOUT, NULL, 0, res);
}

static void fake_caw(struct blklock_space *ls, u64 lba, void *buf,
		     u32 timeout_ms, struct blklock_cmd_result *res)
{
	struct fake *f = to_fake(ls);
	enum fake_fault fault = f->fault;
	bool same = !memcmp(f->blocks[lba], buf, FAKE_BS);

	if (f->fault_skip) {
		f->fault_skip--;
		fault = FAKE_NONE;
	} else {
		f->fault = FAKE_NONE;
	}
	f->caws++;
	f->caw_timeout_ms = timeout_ms;
	memcpy(f->last_caw, buf, 2 * FAKE_BS);
	res->duration_ns = 1000;
	switch (fault) {
	case FAKE_FALSE_MISCOMPARE:
		fake_miscompare(res);
		return;
	case FAKE_RAN_THEN_MISCOMPARE:
	case FAKE_RAN_THEN_TIMEOUT:
		if (same)
			memcpy(f->blocks[lba], buf + FAKE_BS, FAKE_BS);
		if (fault == FAKE_RAN_THEN_MISCOMPARE)
			fake_miscompare(res);
		else
			fake_timeout(res);
		return;
	case FAKE_TIMEOUT:
		fake_timeout(res);
		return;
	case FAKE_LATE:
		f->late_valid = true;
		f->late_lba = lba;
		memcpy(f->late, buf, 2 * FAKE_BS);
		fake_timeout(res);
		return;
	case FAKE_UNIT_ATTENTION:
		blklock_cmd_fail(res, -ECONNRESET);
		res->retry = true;
		return;
	case FAKE_FENCE_DURING:
		/* After the caller's snapshot, before the target executes it. */
		blklock_lease_fence(ls, "was fenced by the test mid-command", true);
		break;
	default:
		break;
	}
	if (fault == FAKE_RELEASED_AFTER && !same) {
		struct blklock_rec r;

		KUNIT_ASSERT_EQ(f->test, test_rec_decode(f->blocks[lba], FAKE_BS,
							 lba - FAKE_LOCK_LBA, &r), 0);
		blklock_rec_free(&r);
		blklock_rec_encode(&r, f->blocks[lba], FAKE_BS);
		fake_miscompare(res);
		return;
	}
	if (same) {
		memcpy(f->blocks[lba], buf + FAKE_BS, FAKE_BS);
		blklock_decode_result(0, 0, NULL, 0, res);
	} else {
		fake_miscompare(res);
	}
}

/* The node renews: its slot's counter grows by one. */
static void fake_hb_bump(struct fake *f, u32 node)
{
	struct blklock_hbrec r = fake_hb_get(f->test, f, node);

	r.counter++;
	blklock_hb_encode(&r, f->blocks[FAKE_HB_LBA + node - 1], FAKE_BS);
}

static void fake_read(struct blklock_space *ls, u64 lba, u32 nr, void *buf,
		      struct blklock_cmd_result *res)
{
	struct fake *f = to_fake(ls);
	u32 slot = f->renewing_node;

	f->reads++;
	if (slot && lba <= FAKE_HB_LBA + slot - 1 &&
	    FAKE_HB_LBA + slot - 1 < lba + nr)
		fake_hb_bump(f, slot);
	memcpy(buf, f->blocks[lba], nr * FAKE_BS);
	if (f->torn_reads) {
		f->torn_reads--;
		((u8 *)buf)[20] ^= 0xff;
	}
	blklock_decode_result(0, 0, NULL, 0, res);
	/* A READ that completes late: the clock moved while it was queued. */
	res->duration_ns = (u64)f->read_delay_ms * NSEC_PER_MSEC;
	fake_advance_ms(f, f->read_delay_ms);
	f->read_delay_ms = 0;
}

static u64 fake_now(struct blklock_space *ls)
{
	return to_fake(ls)->now;
}

static const struct blklock_io_ops fake_ops = {
	.caw = fake_caw,
	.read = fake_read,
	.now_ns = fake_now,
};

void fake_advance_ms(struct fake *f, u64 ms)
{
	f->now += ms * NSEC_PER_MSEC;
}

/*
 * The FAKE_LATE command reaches the disk now: it writes if the block
 * holds its compare image.  Returns true if it wrote.
 */
bool fake_land(struct fake *f)
{
	bool same;

	if (!f->late_valid)
		return false;
	f->late_valid = false;
	same = !memcmp(f->blocks[f->late_lba], f->late[0], FAKE_BS);
	if (same)
		memcpy(f->blocks[f->late_lba], f->late[1], FAKE_BS);
	return same;
}

void fake_hb_set(struct fake *f, u32 node, u64 inc, u64 counter, u32 flags)
{
	struct blklock_hbrec r = { .node_id = node, .incarnation = inc,
				   .counter = counter, .flags = flags };

	blklock_hb_encode(&r, f->blocks[FAKE_HB_LBA + node - 1], FAKE_BS);
}

struct blklock_hbrec fake_hb_get(struct kunit *test, struct fake *f, u32 node)
{
	struct blklock_hbrec r = {};

	KUNIT_EXPECT_EQ(test, blklock_hb_decode(f->blocks[FAKE_HB_LBA + node - 1],
						FAKE_BS, BLKLOCK_FORMAT_VERSION,
						node, &r), 0);
	return r;
}

void fake_set_inc(struct fake *f, u32 index, u32 owner, u64 gen, u64 inc)
{
	struct blklock_rec r = { .lock = index, .owner = owner,
				 .generation = gen, .acquired = owner ? 42 : 0,
				 .owner_incarnation = owner ? inc : 0 };

	blklock_rec_encode(&r, f->blocks[FAKE_LOCK_LBA + index], FAKE_BS);
}

/* A record as its owner would write it: with its live incarnation. */
void fake_set(struct fake *f, u32 index, u32 owner, u64 gen)
{
	u64 inc = OTHER_INC;

	if (owner == FAKE_NODE)
		inc = FAKE_INC;
	else if (owner == PEER_NODE)
		inc = PEER_INC;
	fake_set_inc(f, index, owner, gen, inc);
}

struct blklock_rec fake_get(struct kunit *test, struct fake *f, u32 index)
{
	struct blklock_rec r = {};

	KUNIT_EXPECT_EQ(test, test_rec_decode(f->blocks[FAKE_LOCK_LBA + index],
					      FAKE_BS, index, &r), 0);
	return r;
}

/* The in-memory state of a lock the test touched. */
struct blklock_lock *fake_lock(struct kunit *test, struct fake *f, u32 index)
{
	struct blklock_lock *lk = xa_load(&f->ls.locks, index);

	KUNIT_ASSERT_NOT_NULL(test, lk);
	return lk;
}

static void fake_exit(void *data)
{
	blklock_space_destroy(data);
}

/* Node @node, heartbeating as @inc (counter 1), over the disk @blocks. */
static struct fake *fake_node(struct kunit *test, u8 (*blocks)[FAKE_BS],
			      u32 node, u64 inc)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->test = test;
	f->blocks = blocks;
	strscpy(f->ls.name, "fake", sizeof(f->ls.name));
	f->ls.node_id = node;
	f->ls.block_size = FAKE_BS;
	f->ls.hdr = (struct blklock_header) {
		.version = BLKLOCK_FORMAT_VERSION, .block_size = FAKE_BS,
		.nr_locks = FAKE_LOCKS, .max_node_id = FAKE_NODES,
		.hb_interval_ms = FAKE_HB_MS, .lease_timeout_ms = FAKE_LEASE_MS,
		.hb_lba = FAKE_HB_LBA, .req_lba = FAKE_REQ_LBA,
		.lock_lba = FAKE_LOCK_LBA,
	};
	f->ls.ops = &fake_ops;
	/*
	 * Far ahead of the real CLOCK_BOOTTIME, so that the fence hrtimer,
	 * armed on the fake clock's figures, never fires during a test.
	 */
	f->now = 1000 * NSEC_PER_SEC;
	blklock_space_init(&f->ls);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_exit, &f->ls), 0);
	fake_hb_set(f, node, inc, 1, 0);
	f->ls.hb = fake_hb_get(test, f, node);
	f->ls.last_renew_ns = f->now;
	return f;
}

struct fake *fake_new(struct kunit *test)
{
	u8 (*blocks)[FAKE_BS] = kunit_kcalloc(test, FAKE_BLOCKS, FAKE_BS,
					      GFP_KERNEL);
	struct fake *f;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 1; i <= FAKE_NODES; i++) {
		struct blklock_hbrec r = { .node_id = i };

		blklock_hb_encode(&r, blocks[FAKE_HB_LBA + i - 1], FAKE_BS);
	}
	/* This node heartbeats as FAKE_INC; node OTHER_NODE as OTHER_INC. */
	f = fake_node(test, blocks, FAKE_NODE, FAKE_INC);
	fake_hb_set(f, OTHER_NODE, OTHER_INC, 1, 0);
	for (i = 0; i < FAKE_LOCKS; i++)
		fake_set(f, i, 0, 0);
	return f;
}

/* Another node on the same disk, with its own clock, starting at f's. */
struct fake *fake_new_peer(struct kunit *test, struct fake *f, u32 node,
			   u64 inc)
{
	struct fake *p = fake_node(test, f->blocks, node, inc);

	p->now = f->now;
	p->ls.last_renew_ns = p->now;
	return p;
}

/* ---- lock state machine over the fake disk ------------------------------ */

static void lock_acquire_release(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_rec r;
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 1ULL);
	r = fake_get(test, f, 2);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	/* First touch: one READ to learn the record, then one CAW. */
	KUNIT_EXPECT_EQ(test, f->reads, 1);
	KUNIT_EXPECT_EQ(test, f->caws, 1);

	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 2, HOLDER_A), 0);
	r = fake_get(test, f, 2);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, r.acquired, 0ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 2);

	/* With a current cache, an uncontended acquire is one CAW. */
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_B, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 2ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 3);
	KUNIT_EXPECT_EQ(test, f->reads, 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.acquires), 2);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.releases), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.miscompares), 0);
}

static void lock_held_by_other_node(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_rec r;
	u64 gen = 0;

	fake_set(f, 0, OTHER_NODE, 5);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	r = fake_get(test, f, 0);
	KUNIT_EXPECT_EQ(test, r.owner, OTHER_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 5ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.busy), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.miscompares), 1);

	/* The owner lets go (generation kept): one CAW takes it. */
	fake_set(f, 0, 0, 5);
	f->caws = 0;
	f->reads = 0;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 6ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, f->reads, 0);
}

static void lock_timeout_while_held(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	fake_set(f, 1, OTHER_NODE, 3);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A, 0, 60, &gen),
			-ETIMEDOUT);
	KUNIT_EXPECT_GT(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 1).owner, OTHER_NODE);
}

static void lock_false_miscompare(struct kunit *test)
{
	char name[BLKLOCK_LOCK_NAME_MAX];
	struct fake *f = fake_new(test);
	u64 gen = 0;

	blklock_status(&f->ls, 0, HOLDER_A, &(struct blklock_status){}, name);
	f->fault = FAKE_FALSE_MISCOMPARE;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 1ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 2);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.false_miscompares), 1);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 0).owner, FAKE_NODE);
}

/*
 * The owner releases between our miscompare and the read that follows:
 * the read shows the free record we guessed.  That is a race, not a
 * false miscompare, and the retry takes the lock.
 */
static void lock_released_between_caw_and_read(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	fake_set(f, 2, OTHER_NODE, 8);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	f->fault = FAKE_RELEASED_AFTER;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 9ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.stale_cache), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.false_miscompares), 0);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 2).owner, FAKE_NODE);
}

static void lock_retried_after_success(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	/* The write landed, the answer said miscompare: we hold it. */
	f->fault = FAKE_RAN_THEN_MISCOMPARE;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 1ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.retried_successes), 1);

	/* Same for release, after a timeout that hid a success. */
	f->fault = FAKE_RAN_THEN_TIMEOUT;
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 3, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 3).owner, 0U);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.retried_successes), 2);
}

static void lock_timeout_before_executing(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	f->fault = FAKE_TIMEOUT;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 4, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ETIME);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 4).owner, 0U);
	/* Resolved by reading, not by guessing. */
	KUNIT_EXPECT_EQ(test, f->reads, 2);
	/* Nothing held: release is refused without I/O. */
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 4, HOLDER_A), -EPERM);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
}

static void lock_unit_attention_resent(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	f->fault = FAKE_UNIT_ATTENTION;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, f->caws, 2);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 5).owner, FAKE_NODE);
}

static void lock_stale_cache(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 0, HOLDER_A), 0);
	/* Other nodes took and released it meanwhile. */
	fake_set(f, 0, 0, 9);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 10ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.stale_cache), 1);
}

static void lock_local_arbitration(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;
	int caws;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_A, 0, 0, &gen), 0);
	caws = f->caws;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_B, 0, 30, &gen),
			-ETIMEDOUT);
	/* Another file of this node: no disk I/O at all. */
	KUNIT_EXPECT_EQ(test, f->caws, caws);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_A, 0, 0, &gen),
			-EDEADLK);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 6, HOLDER_B), -EPERM);
	KUNIT_EXPECT_EQ(test, f->caws, caws);
}

static void lock_taken_while_held(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 7, HOLDER_A, 0, 0, &gen), 0);
	fake_set(f, 7, OTHER_NODE, gen + 1);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 7, HOLDER_A), -ENOLCK);
	/* The other node's record is left alone. */
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 7).owner, OTHER_NODE);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 7, HOLDER_A), -EPERM);
}

static void lock_reclaim_own_leftover(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	/* An earlier attach of this node id left the lock held. */
	fake_set(f, 2, FAKE_NODE, 4);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 5ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reclaims), 1);
}

static void lock_corrupt_record(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 gen = 0;

	f->blocks[FAKE_LOCK_LBA + 1][20] ^= 0xff;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBADMSG);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.corrupt), 1);
}

/*
 * A READ that raced a COMPARE AND WRITE of the block may return it half
 * written (LIO fileio does): a record or slot that fails its checksum
 * is read again before it is called damaged.  Found by the ioctl fuzzer
 * (a STATUS said EBADMSG on 6.1 with LIO).
 */
static void lock_torn_read(struct kunit *test)
{
	char name[BLKLOCK_LOCK_NAME_MAX];
	struct fake *f = fake_new(test);
	struct blklock_status st = {};
	struct blklock_hbrec hb;
	u8 buf[FAKE_BS];
	u64 gen = 0;

	f->torn_reads = BLKLOCK_TORN_REREADS;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, f->reads, BLKLOCK_TORN_REREADS + 1);
	KUNIT_EXPECT_EQ(test, f->caws, 1);

	f->torn_reads = 1;
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 1, HOLDER_A, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.owner, (u32)FAKE_NODE);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.corrupt), 0);

	fake_hb_set(f, OTHER_NODE, OTHER_INC, 3, 0);
	f->torn_reads = 1;
	KUNIT_EXPECT_EQ(test, blklock_read_hb(&f->ls, OTHER_NODE, buf, &hb), 0);
	KUNIT_EXPECT_EQ(test, hb.counter, 3ULL);

	/* Damage that stays is damage. */
	f->torn_reads = BLKLOCK_TORN_REREADS + 1;
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 2, HOLDER_A, &st, name), -EBADMSG);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.corrupt), 1);
}

static void lock_release_all(struct kunit *test)
{
	char name[BLKLOCK_LOCK_NAME_MAX];
	struct fake *f = fake_new(test);
	struct blklock_status st = {};
	u64 gen = 0;

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 0, HOLDER_A, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 2, HOLDER_B, 0, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 1, HOLDER_A, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, st.state, BLKLOCK_STATE_HELD_BY_FILE |
			BLKLOCK_STATE_HELD_BY_NODE);
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 1, HOLDER_B, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.state, BLKLOCK_STATE_HELD_BY_NODE);
	/* Another file is told which process took it. */
	KUNIT_EXPECT_EQ(test, st.holder_pid, (u32)task_tgid_vnr(current));

	blklock_release_all(&f->ls, HOLDER_A);
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 1, HOLDER_B, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.holder_pid, 0U);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 0).owner, 0U);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 1).owner, 0U);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 2).owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 1, HOLDER_A, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.owner, 0U);
	KUNIT_EXPECT_EQ(test, st.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, st.state, 0U);
}

/*
 * A fence while the acquire's command is in flight: the command lands,
 * but the lock was taken under a loss epoch that has passed, so it is
 * lost at once and left to the reaper, which frees it on its next pass
 * (the command's fate is known: nothing of it can land later).
 */
static void lock_fence_during_acquire(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_lock *lk;
	struct blklock_rec r;
	u64 gen = 0;

	f->fault = FAKE_FENCE_DURING;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ENOLCK);
	KUNIT_EXPECT_FALSE(test, blklock_lease_live(&f->ls));
	r = fake_get(test, f, 3);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, FAKE_INC);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.acquires), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.locks_lost), 1);
	lk = fake_lock(test, f, 3);
	KUNIT_EXPECT_NULL(test, lk->holder);
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 3, HOLDER_A), -EPERM);
	KUNIT_EXPECT_TRUE(test, lk->reap_valid);
	KUNIT_EXPECT_TRUE(test, blklock_rec_equal(&lk->reap, &r));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.reap_pending), 1);

	f->caws = 0;
	blklock_reap_workfn(&f->ls.reap_work.work);
	r = fake_get(test, f, 3);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, 0ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 1);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.reap_pending), 0);

	/* Rejoined with a new incarnation, the node takes it properly. */
	blklock_lease_renew(&f->ls);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 2ULL);
	KUNIT_EXPECT_NE(test, fake_get(test, f, 3).owner_incarnation, FAKE_INC);
}

/*
 * An acquire whose command timed out, then nothing: the lock is not
 * taken; after the reaper's delay the block still holds the free record,
 * so the reaper drops its entry and writes nothing.  A timeout that hid
 * a success is an acquire.
 */
static void lock_acquire_timeout_reaped(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_lock *lk;
	struct blklock_rec r;
	u64 gen = 0;
	int reads;

	f->fault = FAKE_TIMEOUT;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 4, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ETIME);	/* DID_TIME_OUT's errno */
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.unknown), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.acquires), 0);
	lk = fake_lock(test, f, 4);
	KUNIT_EXPECT_NULL(test, lk->holder);
	KUNIT_EXPECT_TRUE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, lk->reap.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, lk->reap.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, lk->reap.owner_incarnation, FAKE_INC);

	/* Before the delay the command may still land: hands off. */
	fake_advance_ms(f, FAKE_REAP_MS - 1);
	reads = f->reads;
	blklock_reap_workfn(&f->ls.reap_work.work);
	KUNIT_EXPECT_EQ(test, f->reads, reads);
	KUNIT_EXPECT_TRUE(test, lk->reap_valid);

	fake_advance_ms(f, 1);
	blklock_reap_workfn(&f->ls.reap_work.work);
	KUNIT_EXPECT_EQ(test, f->reads, reads + 1);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.reap_pending), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 0);
	r = fake_get(test, f, 4);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 0ULL);

	/* Ran, then timed out: the read-back shows the write image. */
	f->fault = FAKE_RAN_THEN_TIMEOUT;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 4, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 1ULL);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 4).owner, FAKE_NODE);
	KUNIT_EXPECT_PTR_EQ(test, lk->holder, HOLDER_A);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.unknown), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.retried_successes), 1);
}

/*
 * An acquire whose command timed out and reached the disk later: the
 * record names this node and no file holds it.  The reaper frees it at
 * the same generation once the delay has passed.
 */
static void lock_acquire_lands_late(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_lock *lk;
	struct blklock_rec r;
	u64 gen = 0;
	int caws;

	f->fault = FAKE_LATE;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ETIME);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 5).owner, 0U);
	KUNIT_EXPECT_TRUE(test, fake_land(f));
	r = fake_get(test, f, 5);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	lk = fake_lock(test, f, 5);
	KUNIT_EXPECT_NULL(test, lk->holder);
	KUNIT_EXPECT_TRUE(test, blklock_rec_equal(&lk->reap, &r));

	fake_advance_ms(f, FAKE_REAP_MS - 1);
	caws = f->caws;
	blklock_reap_workfn(&f->ls.reap_work.work);
	KUNIT_EXPECT_EQ(test, f->caws, caws);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 5).owner, FAKE_NODE);

	fake_advance_ms(f, 1);
	blklock_reap_workfn(&f->ls.reap_work.work);
	KUNIT_EXPECT_EQ(test, f->caws, caws + 1);
	r = fake_get(test, f, 5);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, 0ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 1);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.reap_pending), 0);

	/* The lock is free for the next acquire, at generation 2. */
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_B,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 2ULL);
}

/*
 * An acquire guessed that the live owner let go (its COMPARE AND WRITE
 * compares the free record the owner's release leaves) and the command
 * timed out; the read-back shows the owner's record.  The command may
 * still land, after the owner releases: the image goes to the reaper,
 * which frees the record nobody on this node holds.  Found by the model
 * (model.rst, "What the model found").
 */
static void lock_guess_lands_after_release(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_lock *lk;
	struct blklock_rec r;
	u64 gen = 0;

	fake_set(f, 6, OTHER_NODE, 4);
	f->fault = FAKE_LATE;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EBUSY);
	lk = fake_lock(test, f, 6);
	KUNIT_EXPECT_NULL(test, lk->holder);
	KUNIT_EXPECT_TRUE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, lk->reap.generation, 5ULL);
	KUNIT_EXPECT_EQ(test, lk->reap.owner_incarnation, FAKE_INC);

	/* The owner releases; then the late command lands on its image. */
	r = fake_get(test, f, 6);
	blklock_rec_free(&r);
	blklock_rec_encode(&r, f->blocks[FAKE_LOCK_LBA + 6], FAKE_BS);
	KUNIT_EXPECT_TRUE(test, fake_land(f));
	r = fake_get(test, f, 6);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 5ULL);

	fake_advance_ms(f, FAKE_REAP_MS);
	blklock_reap_workfn(&f->ls.reap_work.work);
	r = fake_get(test, f, 6);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 5ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 1);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);
}

/*
 * A release whose command timed out: the file no longer holds the lock
 * (ENOLCK) and the reaper frees the record after the delay.  If the
 * release itself lands late, the reaper finds the block free and drops
 * its entry without writing.
 */
static void lock_release_unknown(struct kunit *test)
{
	char name[BLKLOCK_LOCK_NAME_MAX];
	struct fake *f = fake_new(test);
	struct blklock_status st = {};
	struct blklock_lock *lk;
	struct blklock_rec r;
	u64 gen = 0;
	int caws;

	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 6, HOLDER_A, 0, 0, &gen), 0);
	f->fault = FAKE_TIMEOUT;
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 6, HOLDER_A), -ENOLCK);
	lk = fake_lock(test, f, 6);
	KUNIT_EXPECT_NULL(test, lk->holder);
	KUNIT_EXPECT_FALSE(test, blklock_holds_lost(&f->ls, HOLDER_A));
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 6, HOLDER_A), -EPERM);
	KUNIT_EXPECT_EQ(test, blklock_validate(&f->ls, 6, HOLDER_A, gen), -EPERM);
	r = fake_get(test, f, 6);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_TRUE(test, lk->reap_valid);
	KUNIT_EXPECT_TRUE(test, blklock_rec_equal(&lk->reap, &r));
	KUNIT_EXPECT_EQ(test, blklock_status(&f->ls, 6, HOLDER_A, &st, name), 0);
	KUNIT_EXPECT_EQ(test, st.state, BLKLOCK_STATE_HELD_BY_NODE);

	fake_advance_ms(f, FAKE_REAP_MS);
	caws = f->caws;
	blklock_reap_workfn(&f->ls.reap_work.work);
	KUNIT_EXPECT_EQ(test, f->caws, caws + 1);
	r = fake_get(test, f, 6);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 1);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);

	/* The release lands late, before the reaper looks. */
	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 7, HOLDER_A, 0, 0, &gen), 0);
	f->fault = FAKE_LATE;
	KUNIT_EXPECT_EQ(test, blklock_release(&f->ls, 7, HOLDER_A), -ENOLCK);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 7).owner, FAKE_NODE);
	KUNIT_EXPECT_TRUE(test, fake_land(f));
	r = fake_get(test, f, 7);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	lk = fake_lock(test, f, 7);
	KUNIT_EXPECT_TRUE(test, lk->reap_valid);
	fake_advance_ms(f, FAKE_REAP_MS);
	caws = f->caws;
	blklock_reap_workfn(&f->ls.reap_work.work);
	KUNIT_EXPECT_EQ(test, f->caws, caws);
	KUNIT_EXPECT_FALSE(test, lk->reap_valid);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ls.reap_pending), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 1);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 7).owner, 0U);
}

/*
 * A record of this node id under another incarnation whose slot holds
 * that incarnation: another host uses this node id.  Never taken, not
 * even after a lease, and this node's slot is never evicted.
 */
static void lock_own_id_other_host(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_rec r;
	u64 gen = 0;
	int i;

	fake_set_inc(f, 4, FAKE_NODE, 3, 0x7777);
	fake_hb_set(f, FAKE_NODE, 0x7777, 50, 0);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 4, HOLDER_A,
						      BLKLOCK_ACQUIRE_NOWAIT, 0,
						      &gen), -EBUSY);
		fake_advance_ms(f, FAKE_LEASE_MS + 1);
	}
	r = fake_get(test, f, 4);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, 0x7777ULL);
	KUNIT_EXPECT_EQ(test, r.generation, 3ULL);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).flags, 0U);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, FAKE_NODE).counter, 50ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.busy), 2);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reclaims), 0);
	/* Each attempt: the guess of a free record, no other write. */
	KUNIT_EXPECT_EQ(test, f->caws, 2);
}

/*
 * A record with a valid checksum naming a node above max_node_id: damage.
 * Acquire refuses it without writing; BREAK rewrites it as free at a
 * generation no acquisition count reaches.
 */
static void lock_owner_above_max(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_break out = {};
	struct blklock_rec r;
	u64 gen = 0, t;

	fake_set_inc(f, 5, FAKE_NODES + 1, 7, 0x5555);
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-EUCLEAN);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.corrupt), 1);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.takeovers), 0);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 5).owner, FAKE_NODES + 1);

	t = ktime_get_real_ns();
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, 5, HOLDER_A, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_BREAK_REPAIRED);
	KUNIT_EXPECT_EQ(test, out.owner, 0U);
	KUNIT_EXPECT_EQ(test, out.old_generation, 7ULL);
	KUNIT_EXPECT_GE(test, out.generation, t);
	KUNIT_EXPECT_EQ(test, f->caws, 1);
	r = fake_get(test, f, 5);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, 0ULL);
	KUNIT_EXPECT_EQ(test, r.generation, out.generation);

	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 5, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, out.generation + 1);
}

static void lock_break(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct blklock_break out = {};
	struct blklock_rec r;
	u64 gen = 0;

	/* A free record: nothing to do, nothing written. */
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, 0, HOLDER_A, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_BREAK_WAS_FREE);
	KUNIT_EXPECT_EQ(test, out.generation, 0ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 0);

	/* This node's record that no file holds: freed, generation kept. */
	fake_set(f, 2, FAKE_NODE, 4);
	memset(&out, 0, sizeof(out));
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, 2, HOLDER_A, &out), 0);
	KUNIT_EXPECT_EQ(test, out.result, BLKLOCK_BREAK_FREED);
	KUNIT_EXPECT_EQ(test, out.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, out.old_generation, 4ULL);
	KUNIT_EXPECT_EQ(test, out.generation, 4ULL);
	r = fake_get(test, f, 2);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, 0ULL);
	KUNIT_EXPECT_EQ(test, r.generation, 4ULL);
	KUNIT_EXPECT_EQ(test, f->caws, 1);

	/* A lock a file of this node holds: refused. */
	KUNIT_ASSERT_EQ(test, blklock_acquire(&f->ls, 3, HOLDER_A, 0, 0, &gen), 0);
	f->caws = 0;
	memset(&out, 0, sizeof(out));
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, 3, HOLDER_B, &out), -EBUSY);
	KUNIT_EXPECT_EQ(test, fake_get(test, f, 3).owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, f->caws, 0);

	/*
	 * A live node's record: its slot moves between two READs (the
	 * break watches it half an interval apart).  Refused, no eviction.
	 */
	fake_set(f, 1, OTHER_NODE, 5);
	f->renewing_node = OTHER_NODE;
	memset(&out, 0, sizeof(out));
	KUNIT_EXPECT_EQ(test, blklock_break(&f->ls, 1, HOLDER_A, &out), -EBUSY);
	KUNIT_EXPECT_EQ(test, out.owner, OTHER_NODE);
	r = fake_get(test, f, 1);
	KUNIT_EXPECT_EQ(test, r.owner, OTHER_NODE);
	KUNIT_EXPECT_EQ(test, r.generation, 5ULL);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).flags, 0U);
	KUNIT_EXPECT_EQ(test, fake_hb_get(test, f, OTHER_NODE).counter, 3ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.evictions), 0);
	KUNIT_EXPECT_EQ(test, f->caws, 0);
}

/*
 * Two acquires of one lock time out in a row (an application retrying
 * after ETIME).  The first lands late, the second never does: the record
 * names this node's live incarnation and no file holds it.  The reaper
 * must free it, or every other node waits for ever.
 */
static void lock_reap_two_unknown_acquires(struct kunit *test)
{
	struct fake *f;
	struct blklock_rec r;
	u64 gen = 0;

	f = fake_new(test);
	f->fault = FAKE_LATE;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ETIME);
	f->fault = FAKE_TIMEOUT;
	KUNIT_EXPECT_EQ(test, blklock_acquire(&f->ls, 1, HOLDER_A,
					      BLKLOCK_ACQUIRE_NOWAIT, 0, &gen),
			-ETIME);
	KUNIT_EXPECT_TRUE(test, fake_land(f));
	r = fake_get(test, f, 1);
	KUNIT_EXPECT_EQ(test, r.owner, FAKE_NODE);
	KUNIT_EXPECT_EQ(test, r.owner_incarnation, FAKE_INC);
	KUNIT_EXPECT_NULL(test, fake_lock(test, f, 1)->holder);

	fake_advance_ms(f, FAKE_REAP_MS);
	blklock_reap_workfn(&f->ls.reap_work.work);
	r = fake_get(test, f, 1);
	KUNIT_EXPECT_EQ(test, r.owner, 0U);
	KUNIT_EXPECT_EQ(test, r.generation, 1ULL);
	KUNIT_EXPECT_EQ(test, counter(&f->ls.stats.reaped), 1);
}

static struct kunit_case lock_cases[] = {
	KUNIT_CASE(lock_acquire_release),
	KUNIT_CASE(lock_held_by_other_node),
	KUNIT_CASE(lock_timeout_while_held),
	KUNIT_CASE(lock_false_miscompare),
	KUNIT_CASE(lock_released_between_caw_and_read),
	KUNIT_CASE(lock_retried_after_success),
	KUNIT_CASE(lock_timeout_before_executing),
	KUNIT_CASE(lock_unit_attention_resent),
	KUNIT_CASE(lock_stale_cache),
	KUNIT_CASE(lock_local_arbitration),
	KUNIT_CASE(lock_taken_while_held),
	KUNIT_CASE(lock_reclaim_own_leftover),
	KUNIT_CASE(lock_corrupt_record),
	KUNIT_CASE(lock_torn_read),
	KUNIT_CASE(lock_release_all),
	KUNIT_CASE(lock_fence_during_acquire),
	KUNIT_CASE(lock_acquire_timeout_reaped),
	KUNIT_CASE(lock_acquire_lands_late),
	KUNIT_CASE(lock_guess_lands_after_release),
	KUNIT_CASE(lock_release_unknown),
	KUNIT_CASE(lock_own_id_other_host),
	KUNIT_CASE(lock_owner_above_max),
	KUNIT_CASE(lock_break),
	KUNIT_CASE(lock_reap_two_unknown_acquires),
	{}
};

static struct kunit_suite lock_suite = {
	.name = "blklock_lock",
	.test_cases = lock_cases,
};

kunit_test_suites(&format_suite, &sense_suite, &lock_suite);

MODULE_DESCRIPTION("KUnit tests for blklock");
MODULE_LICENSE("GPL");
