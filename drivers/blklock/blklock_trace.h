/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock: trace events, in /sys/kernel/tracing/events/blklock/.
 *
 * The protocol's events as they happen, for tools and tests that must
 * not depend on dmesg's wording (which is for people, and rate-limited):
 * every SCSI command with its block, result, sense and duration; what
 * became of each COMPARE AND WRITE; acquire and release, begin and end;
 * a lock taken over from a dead owner; a node's slot evicted; every
 * change of this node's heartbeat state (fence, eviction, rejoin).
 * Documentation/blklock/admin-guide.rst, "Trace events", lists them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM blklock

#if !defined(_BLKLOCK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _BLKLOCK_TRACE_H

#include <linux/tracepoint.h>
#include <scsi/scsi_proto.h>

#include "blklock.h"

/* Let user space tools decode the enums in the format files. */
TRACE_DEFINE_ENUM(BLKLOCK_CMD_OK);
TRACE_DEFINE_ENUM(BLKLOCK_CMD_MISCOMPARE);
TRACE_DEFINE_ENUM(BLKLOCK_CMD_FAILED);
TRACE_DEFINE_ENUM(BLKLOCK_FATE_WROTE);
TRACE_DEFINE_ENUM(BLKLOCK_FATE_NOT_RUN);
TRACE_DEFINE_ENUM(BLKLOCK_FATE_FALSE_MISCOMPARE);
TRACE_DEFINE_ENUM(BLKLOCK_FATE_UNKNOWN);
TRACE_DEFINE_ENUM(BLKLOCK_FATE_CHANGED);
TRACE_DEFINE_ENUM(BLKLOCK_FATE_UNREAD);
TRACE_DEFINE_ENUM(BLKLOCK_HB_LIVE);
TRACE_DEFINE_ENUM(BLKLOCK_HB_FENCED);
TRACE_DEFINE_ENUM(BLKLOCK_HB_STOPPED);
TRACE_DEFINE_ENUM(BLKLOCK_HB_EV_DEADLINE);
TRACE_DEFINE_ENUM(BLKLOCK_HB_EV_WROTE);
TRACE_DEFINE_ENUM(BLKLOCK_HB_EV_EVICTED);
TRACE_DEFINE_ENUM(BLKLOCK_HB_EV_DUPLICATE);

#define blklock_show_opcode(op)					\
	__print_symbolic(op,					\
			 { COMPARE_AND_WRITE, "compare-and-write" }, \
			 { READ_16, "read" },			\
			 { WRITE_16, "write" })

#define blklock_show_status(s)					\
	__print_symbolic(s,					\
			 { BLKLOCK_CMD_OK, "ok" },		\
			 { BLKLOCK_CMD_MISCOMPARE, "miscompare" }, \
			 { BLKLOCK_CMD_FAILED, "failed" })

#define blklock_show_fate(f)					\
	__print_symbolic(f,					\
			 { BLKLOCK_FATE_WROTE, "wrote" },	\
			 { BLKLOCK_FATE_NOT_RUN, "not-run" },	\
			 { BLKLOCK_FATE_FALSE_MISCOMPARE, "false-miscompare" }, \
			 { BLKLOCK_FATE_UNKNOWN, "unknown" },	\
			 { BLKLOCK_FATE_CHANGED, "changed" },	\
			 { BLKLOCK_FATE_UNREAD, "unread" })

#define blklock_show_hb_state(s)				\
	__print_symbolic(s,					\
			 { BLKLOCK_HB_LIVE, "live" },		\
			 { BLKLOCK_HB_FENCED, "fenced" },	\
			 { BLKLOCK_HB_STOPPED, "stopped" })

#define blklock_show_hb_event(e)				\
	__print_symbolic(e,					\
			 { BLKLOCK_HB_EV_DEADLINE, "deadline" },	\
			 { BLKLOCK_HB_EV_WROTE, "renewed" },	\
			 { BLKLOCK_HB_EV_EVICTED, "evicted" },	\
			 { BLKLOCK_HB_EV_DUPLICATE, "duplicate" })

#define blklock_show_owner(v)					\
	__print_symbolic(v,					\
			 { BLKLOCK_OWNER_LIVE, "this-node" },	\
			 { BLKLOCK_OWNER_DEAD, "dead" },	\
			 { BLKLOCK_OWNER_GONE, "gone" })

/* One SCSI command, as it completed (cmd.c). */
TRACE_EVENT(blklock_cmd,
	TP_PROTO(const char *disk, const u8 *cdb, unsigned int bytes,
		 const struct blklock_cmd_result *res),
	TP_ARGS(disk, cdb, bytes, res),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u64, lba)
		__field(u64, duration_ns)
		__field(unsigned int, bytes)
		__field(int, status)
		__field(int, error)
		__field(s32, info)
		__field(u8, opcode)
		__field(u8, scsi_status)
		__field(u8, host)
		__field(u8, key)
		__field(u8, asc)
		__field(u8, ascq)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->opcode = cdb[0];
		__entry->lba = get_unaligned_be64(&cdb[2]);
		__entry->bytes = bytes;
		__entry->status = res->status;
		__entry->error = res->error;
		__entry->info = res->info;
		__entry->scsi_status = res->scsi_status;
		__entry->host = res->host;
		__entry->key = res->key;
		__entry->asc = res->asc;
		__entry->ascq = res->ascq;
		__entry->duration_ns = res->duration_ns;
	),
	TP_printk("disk=%s op=%s lba=%llu bytes=%u status=%s error=%d scsi_status=0x%02x host=0x%02x sense=%02x/%02x/%02x info=%d duration_us=%llu",
		  __entry->disk, blklock_show_opcode(__entry->opcode),
		  __entry->lba, __entry->bytes,
		  blklock_show_status(__entry->status), __entry->error,
		  __entry->scsi_status, __entry->host, __entry->key,
		  __entry->asc, __entry->ascq, __entry->info,
		  div_u64(__entry->duration_ns, NSEC_PER_USEC))
);

/* What became of a COMPARE AND WRITE, after any resend and read (caw.c). */
TRACE_EVENT(blklock_caw,
	TP_PROTO(const char *disk, u64 lba, bool heartbeat, int copies,
		 enum blklock_fate fate),
	TP_ARGS(disk, lba, heartbeat, copies, fate),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u64, lba)
		__field(int, copies)
		__field(int, fate)
		__field(bool, heartbeat)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->lba = lba;
		__entry->heartbeat = heartbeat;
		__entry->copies = copies;
		__entry->fate = fate;
	),
	TP_printk("disk=%s lba=%llu heartbeat=%d copies=%d fate=%s",
		  __entry->disk, __entry->lba, __entry->heartbeat,
		  __entry->copies, blklock_show_fate(__entry->fate))
);

DECLARE_EVENT_CLASS(blklock_lock_begin,
	TP_PROTO(const char *disk, u32 index, u32 flags),
	TP_ARGS(disk, index, flags),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u32, index)
		__field(u32, flags)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->index = index;
		__entry->flags = flags;
	),
	TP_printk("disk=%s lock=%u flags=0x%x",
		  __entry->disk, __entry->index, __entry->flags)
);

DEFINE_EVENT(blklock_lock_begin, blklock_acquire_begin,
	TP_PROTO(const char *disk, u32 index, u32 flags),
	TP_ARGS(disk, index, flags));

DEFINE_EVENT(blklock_lock_begin, blklock_release_begin,
	TP_PROTO(const char *disk, u32 index, u32 flags),
	TP_ARGS(disk, index, flags));

DECLARE_EVENT_CLASS(blklock_lock_end,
	TP_PROTO(const char *disk, u32 index, int ret, u64 generation,
		 u32 owner, u64 wait_ns),
	TP_ARGS(disk, index, ret, generation, owner, wait_ns),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u64, generation)
		__field(u64, wait_ns)
		__field(u32, index)
		__field(u32, owner)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->index = index;
		__entry->ret = ret;
		__entry->generation = generation;
		__entry->owner = owner;
		__entry->wait_ns = wait_ns;
	),
	TP_printk("disk=%s lock=%u ret=%d generation=%llu owner=%u wait_us=%llu",
		  __entry->disk, __entry->index, __entry->ret,
		  __entry->generation, __entry->owner,
		  div_u64(__entry->wait_ns, NSEC_PER_USEC))
);

/* owner: the other node last seen holding it (0: none). */
DEFINE_EVENT(blklock_lock_end, blklock_acquire_end,
	TP_PROTO(const char *disk, u32 index, int ret, u64 generation,
		 u32 owner, u64 wait_ns),
	TP_ARGS(disk, index, ret, generation, owner, wait_ns));

/* owner: this node; generation: the one released. */
DEFINE_EVENT(blklock_lock_end, blklock_release_end,
	TP_PROTO(const char *disk, u32 index, int ret, u64 generation,
		 u32 owner, u64 wait_ns),
	TP_ARGS(disk, index, ret, generation, owner, wait_ns));

/* A lock taken from a record that named a node (report.c). */
TRACE_EVENT(blklock_takeover,
	TP_PROTO(const char *disk, u32 index, const struct blklock_rec *old,
		 int verdict, u64 unchanged_ms),
	TP_ARGS(disk, index, old, verdict, unchanged_ms),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u64, generation)
		__field(u64, incarnation)
		__field(u64, unchanged_ms)
		__field(u32, index)
		__field(u32, owner)
		__field(int, verdict)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->index = index;
		__entry->owner = old->owner;
		__entry->incarnation = old->owner_incarnation;
		__entry->generation = old->generation;
		__entry->verdict = verdict;
		__entry->unchanged_ms = unchanged_ms;
	),
	TP_printk("disk=%s lock=%u owner=%u incarnation=%016llx owner_was=%s generation=%llu unchanged_ms=%llu",
		  __entry->disk, __entry->index, __entry->owner,
		  __entry->incarnation, blklock_show_owner(__entry->verdict),
		  __entry->generation + 1, __entry->unchanged_ms)
);

/* Another node's heartbeat slot marked evicted by this node (watch.c). */
TRACE_EVENT(blklock_evict,
	TP_PROTO(const char *disk, const struct blklock_hbrec *hb,
		 u64 still_ms, enum blklock_fate fate, int ret),
	TP_ARGS(disk, hb, still_ms, fate, ret),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u64, incarnation)
		__field(u64, counter)
		__field(u64, still_ms)
		__field(u32, node)
		__field(int, fate)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->node = hb->node_id;
		__entry->incarnation = hb->incarnation;
		__entry->counter = hb->counter;
		__entry->still_ms = still_ms;
		__entry->fate = fate;
		__entry->ret = ret;
	),
	TP_printk("disk=%s node=%u incarnation=%016llx counter=%llu still_ms=%llu fate=%s ret=%d",
		  __entry->disk, __entry->node, __entry->incarnation,
		  __entry->counter, __entry->still_ms,
		  blklock_show_fate(__entry->fate), __entry->ret)
);

/* This node's heartbeat state changed (lease.c, blklock_hb_apply()). */
TRACE_EVENT(blklock_hb_state,
	TP_PROTO(const char *disk, u32 node, enum blklock_hb_event ev,
		 enum blklock_hb_state from, enum blklock_hb_state to,
		 u64 incarnation),
	TP_ARGS(disk, node, ev, from, to, incarnation),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__field(u64, incarnation)
		__field(u32, node)
		__field(int, ev)
		__field(int, from)
		__field(int, to)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		__entry->node = node;
		__entry->ev = ev;
		__entry->from = from;
		__entry->to = to;
		__entry->incarnation = incarnation;
	),
	TP_printk("disk=%s node=%u event=%s from=%s to=%s incarnation=%016llx",
		  __entry->disk, __entry->node,
		  blklock_show_hb_event(__entry->ev),
		  blklock_show_hb_state(__entry->from),
		  blklock_show_hb_state(__entry->to), __entry->incarnation)
);

/*
 * A path of the lockspace changed (path.c): it failed (@active is the
 * path commands go through now, the same one if no other works), or it
 * works again.
 */
TRACE_EVENT(blklock_path,
	TP_PROTO(const char *disk, const char *path, bool failed,
		 const char *active, int error),
	TP_ARGS(disk, path, failed, active, error),
	TP_STRUCT__entry(
		__array(char, disk, BDEVNAME_SIZE)
		__array(char, path, BDEVNAME_SIZE)
		__array(char, active, BDEVNAME_SIZE)
		__field(bool, failed)
		__field(int, error)
	),
	TP_fast_assign(
		strscpy(__entry->disk, disk, BDEVNAME_SIZE);
		strscpy(__entry->path, path, BDEVNAME_SIZE);
		strscpy(__entry->active, active, BDEVNAME_SIZE);
		__entry->failed = failed;
		__entry->error = error;
	),
	TP_printk("disk=%s path=%s event=%s active=%s error=%d",
		  __entry->disk, __entry->path,
		  __entry->failed ? "failed" : "works", __entry->active,
		  __entry->error)
);

#endif /* _BLKLOCK_TRACE_H */

/* This header lives outside include/trace/events. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE blklock_trace
#include <trace/define_trace.h>
