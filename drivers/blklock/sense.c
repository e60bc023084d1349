// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: what became of a SCSI command.
 *
 * Turns the mid-layer result, the block layer status and the sense data
 * of a passthrough command into a blklock_cmd_result: OK, MISCOMPARE
 * (with the offset of the first differing byte when the target gives
 * one), or FAILED with an errno that names the failure.  Pure: no I/O,
 * tested by KUnit.  Documentation/blklock/admin-guide.rst lists the
 * errnos.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <scsi/scsi.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_proto.h>
#include <scsi/scsi_status.h>

#include "blklock.h"

/* Additional sense codes blklock tells apart. */
#define BLKLOCK_ASC_MISCOMPARE		0x1d
#define BLKLOCK_ASC_INVALID_OPCODE	0x20
#define BLKLOCK_ASC_LBA_OUT_OF_RANGE	0x21
#define BLKLOCK_ASC_INVALID_FIELD_CDB	0x24

/**
 * blklock_cmd_fail() - record a failure that happened before or around a
 *	command rather than in the target
 * @res:	result to fill
 * @error:	negative errno
 */
void blklock_cmd_fail(struct blklock_cmd_result *res, int error)
{
	memset(res, 0, sizeof(*res));
	res->status = BLKLOCK_CMD_FAILED;
	res->error = error;
	res->info = -1;
}

/**
 * blklock_cmd_abandoned() - record a command blklock stopped waiting for
 * @res:	result to fill; its duration_ns is kept
 *
 * The command got no answer by its deadline (blklock_exec_deadline()):
 * it fails as a timed-out command does, a path error of unknown outcome
 * (it may still execute, later).
 */
void blklock_cmd_abandoned(struct blklock_cmd_result *res)
{
	u64 duration = res->duration_ns;

	blklock_cmd_fail(res, -ETIME);
	res->duration_ns = duration;
	res->host = DID_TIME_OUT;
	res->uncertain = true;
	res->abandoned = true;
}

static void blklock_decode_sense(const u8 *sense, unsigned int sense_len,
				 struct blklock_cmd_result *res)
{
	struct scsi_sense_hdr sshdr;
	u64 info;

	if (!sense || !scsi_normalize_sense(sense, sense_len, &sshdr)) {
		res->error = -EIO;	/* CHECK CONDITION without usable sense */
		return;
	}
	res->key = sshdr.sense_key;
	res->asc = sshdr.asc;
	res->ascq = sshdr.ascq;

	switch (sshdr.sense_key) {
	case MISCOMPARE:
		res->status = BLKLOCK_CMD_MISCOMPARE;
		res->error = -EILSEQ;
		if (scsi_get_sense_info_fld(sense, sense_len, &info) &&
		    info <= S32_MAX)
			res->info = info;
		return;
	case RECOVERED_ERROR:
		/* Completed, after recovery inside the target. */
		res->status = BLKLOCK_CMD_OK;
		res->error = 0;
		return;
	case NOT_READY:
		res->error = -ENOMEDIUM;
		return;
	case MEDIUM_ERROR:
	case HARDWARE_ERROR:
		res->error = -EIO;
		res->uncertain = true;
		return;
	case ILLEGAL_REQUEST:
		if (sshdr.asc == BLKLOCK_ASC_INVALID_OPCODE ||
		    sshdr.asc == BLKLOCK_ASC_INVALID_FIELD_CDB)
			res->error = -EOPNOTSUPP;
		else if (sshdr.asc == BLKLOCK_ASC_LBA_OUT_OF_RANGE)
			res->error = -ERANGE;
		else
			res->error = -EREMOTEIO;
		return;
	case UNIT_ATTENTION:
		/* Reported instead of executing the command: resend it. */
		res->error = -ECONNRESET;
		res->retry = true;
		return;
	case DATA_PROTECT:
		res->error = -EROFS;
		return;
	case ABORTED_COMMAND:
		res->error = -ECONNABORTED;
		res->uncertain = true;
		return;
	default:
		res->error = -EIO;
		res->uncertain = true;
		return;
	}
}

/**
 * blklock_decode_result() - classify the outcome of a passthrough command
 * @result:	scsi_cmnd result (host byte << 16 | status byte)
 * @blk_error:	errno of the block layer status, 0 if it had none
 * @sense:	sense buffer, may be NULL
 * @sense_len:	valid bytes in @sense
 * @res:	output; @res->duration_ns is left as it is
 *
 * Host-side failures (timeout, abort, lost transport) leave the command's
 * fate unknown and set @res->uncertain: COMPARE AND WRITE must then be
 * resolved by reading the block, never by guessing.
 */
void blklock_decode_result(int result, int blk_error, const u8 *sense,
			   unsigned int sense_len,
			   struct blklock_cmd_result *res)
{
	u64 duration = res->duration_ns;

	memset(res, 0, sizeof(*res));
	res->duration_ns = duration;
	res->info = -1;
	res->host = host_byte(result);
	res->scsi_status = result & 0xff;

	if (!result) {
		if (blk_error) {
			res->status = BLKLOCK_CMD_FAILED;
			res->error = blk_error;
			res->uncertain = true;
		}
		return;
	}

	res->status = BLKLOCK_CMD_FAILED;
	switch (res->host) {
	case DID_OK:
		break;
	case DID_TIME_OUT:
		res->error = -ETIME;
		res->uncertain = true;
		return;
	case DID_NO_CONNECT:
	case DID_BAD_TARGET:
		res->error = -ENODEV;
		res->uncertain = true;
		return;
	case DID_ABORT:
		res->error = -ECONNABORTED;
		res->uncertain = true;
		return;
	default:
		res->error = -ENOLINK;
		res->uncertain = true;
		return;
	}

	switch (res->scsi_status) {
	case SAM_STAT_GOOD:
	case SAM_STAT_CONDITION_MET:
		res->status = BLKLOCK_CMD_OK;
		return;
	case SAM_STAT_CHECK_CONDITION:
		blklock_decode_sense(sense, sense_len, res);
		return;
	case SAM_STAT_BUSY:
	case SAM_STAT_TASK_SET_FULL:
		res->error = -EAGAIN;
		res->retry = true;
		return;
	case SAM_STAT_RESERVATION_CONFLICT:
		res->error = -EACCES;
		return;
	case SAM_STAT_TASK_ABORTED:
		res->error = -ECONNABORTED;
		res->uncertain = true;
		return;
	default:
		res->error = -EIO;
		res->uncertain = true;
		return;
	}
}

/**
 * blklock_describe_result() - one phrase for a failed command, for dmesg
 * @res:	the result
 * @buf:	output
 * @len:	size of @buf
 *
 * Return: the length written, as scnprintf().
 */
int blklock_describe_result(const struct blklock_cmd_result *res,
			    char *buf, size_t len)
{
	if (res->status == BLKLOCK_CMD_OK)
		return scnprintf(buf, len, "success");
	if (res->abandoned)
		return scnprintf(buf, len, "no answer in %llu ms (errno %d)",
				 div_u64(res->duration_ns, NSEC_PER_MSEC),
				 res->error);
	if (res->key || res->asc)
		return scnprintf(buf, len, "sense %02x/%02x/%02x (errno %d)",
				 res->key, res->asc, res->ascq, res->error);
	if (res->host != DID_OK)
		return scnprintf(buf, len, "host status 0x%02x (errno %d)",
				 res->host, res->error);
	if (res->scsi_status)
		return scnprintf(buf, len, "SCSI status 0x%02x (errno %d)",
				 res->scsi_status, res->error);
	return scnprintf(buf, len, "errno %d", res->error);
}

/**
 * blklock_caw_fate() - what became of a COMPARE AND WRITE
 * @status:	the last copy's status
 * @uncertain:	this copy, or an earlier copy of the same command, may
 *		still execute (timeout, abort, transport failure)
 * @read_error:	0 if the block was read back after the command, else the
 *		read's errno
 * @holds_write: the block read back holds the command's write image
 * @holds_compare: the block read back holds the command's compare image
 *
 * The one place that decides what a COMPARE AND WRITE did.  "The block
 * is unchanged, so it never ran" holds only for a command the target
 * certainly refused: a timed out copy may still land, later.  Pure.
 *
 * Return: a BLKLOCK_FATE_*.
 */
enum blklock_fate blklock_caw_fate(enum blklock_cmd_status status,
				   bool uncertain, int read_error,
				   bool holds_write, bool holds_compare)
{
	if (status == BLKLOCK_CMD_OK)
		return BLKLOCK_FATE_WROTE;
	if (read_error) {
		if (uncertain)
			return BLKLOCK_FATE_UNKNOWN;
		return status == BLKLOCK_CMD_MISCOMPARE ?
		       BLKLOCK_FATE_UNREAD : BLKLOCK_FATE_NOT_RUN;
	}
	if (holds_write)
		return BLKLOCK_FATE_WROTE;
	if (!holds_compare)
		return BLKLOCK_FATE_CHANGED;
	if (uncertain)
		return BLKLOCK_FATE_UNKNOWN;
	if (status == BLKLOCK_CMD_MISCOMPARE)
		return BLKLOCK_FATE_FALSE_MISCOMPARE;
	return BLKLOCK_FATE_NOT_RUN;
}

/**
 * blklock_fate_name() - a word for a fate, for dmesg
 * @fate:	a BLKLOCK_FATE_*
 *
 * Return: a static string.
 */
const char *blklock_fate_name(enum blklock_fate fate)
{
	static const char * const names[] = {
		[BLKLOCK_FATE_WROTE] = "wrote",
		[BLKLOCK_FATE_NOT_RUN] = "not executed",
		[BLKLOCK_FATE_FALSE_MISCOMPARE] = "false miscompare",
		[BLKLOCK_FATE_UNKNOWN] = "fate unknown",
		[BLKLOCK_FATE_CHANGED] = "block changed by another",
		[BLKLOCK_FATE_UNREAD] = "miscompare, block unreadable",
	};

	return fate < ARRAY_SIZE(names) ? names[fate] : "?";
}

/**
 * blklock_path_error() - did a command fail on its way, not in the target?
 * @res:	the command's result
 *
 * A path error is a failure without a SCSI answer: the initiator gave up
 * (timeout, abort), the transport or device went away, or the block
 * layer failed the request before it reached the target.  Another path
 * to the LUN may carry the next command.  A SCSI status (CHECK
 * CONDITION, BUSY, RESERVATION CONFLICT) came through this path, and a
 * local failure (no memory) would fail on any path: neither is one.
 *
 * Return: true for a path error.
 */
bool blklock_path_error(const struct blklock_cmd_result *res)
{
	if (res->status != BLKLOCK_CMD_FAILED)
		return false;
	if (res->host != DID_OK)
		return true;
	if (res->scsi_status != SAM_STAT_GOOD)
		return false;
	switch (res->error) {
	case -EIO:
	case -ENODEV:
	case -ENXIO:
	case -ENOLINK:
	case -ETIME:
	case -ETIMEDOUT:
	case -ECONNABORTED:
		return true;
	default:
		return false;
	}
}
