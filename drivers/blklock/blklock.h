/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock: internal interfaces between the module's parts.
 *
 *   format.c  on-disk header and lock records (pure)
 *   sense.c   SCSI result and sense decoding (pure)
 *   caw.c     one COMPARE AND WRITE and what became of it
 *   lock.c    lock state machine over a command-layer ops table
 *   hold.c    locks held by open files: waiting, backoff
 *   query.c   STATUS, VALIDATE, poll()
 *   report.c  dmesg reports of lock events, rate limited
 *   reap.c    stranded records: the reaper and BLKLOCK_IOC_BREAK
 *   request.c asking a holder to let go: request blocks (format 4)
 *   lease.c   this node's heartbeat, self-fencing, rejoin
 *   claim.c   this node id's slot taken at attach, left at detach
 *   watch.c   other nodes' heartbeats: liveness, eviction
 *   uevent.c  uevents of the heartbeat's state
 *   cmd.c     SCSI passthrough commands to the shared disk
 *   space.c   lockspaces: attach, detach
 *   sysfs.c   a lockspace's sysfs directory and counters
 *   mkspace.c writing a new lockspace (BLKLOCK_IOC_FORMAT)
 *   persist.c persistent attaches (BLKLOCK_IOC_DETACH, unload)
 *   hooks.c   fault hooks of the test build (debugfs)
 *   dev.c     /dev/blklock: open files, poll(), the ioctl dispatcher
 *   ioctl.c   the ioctl commands: argument checks and handlers, one table
 *   main.c    module parameters, init and exit
 */
#ifndef _BLKLOCK_H
#define _BLKLOCK_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <linux/blklock.h>

#include "compat.h"

/* ---- format.c: on-disk structures ---------------------------------- */

/*
 * Generations count up from 0 by one per change of owner, or restart at
 * CLOCK_REALTIME in ns when break repairs a damaged record: neither comes
 * near 2^63 (the year 2262).  A record at or above it is damaged, so a
 * generation never wraps.
 */
#define BLKLOCK_GENERATION_LIMIT	BIT_ULL(63)

/* Bytes at the start of a disk that format inspects for other owners. */
#define BLKLOCK_SIGNATURE_SCAN_BYTES	(72 * 1024)

/*
 * A READ racing a COMPARE AND WRITE of the same block may return it half
 * written on some targets (LIO fileio): a lock record or heartbeat slot
 * that fails its checksum is read this many times more before it is
 * called damaged.
 */
#define BLKLOCK_TORN_REREADS	2

/**
 * struct blklock_header - decoded lockspace header (block 0)
 * @version:	on-disk format version
 * @block_size:	logical block size at format time
 * @nr_locks:	number of lock records
 * @max_node_id: largest node id the lockspace accepts
 * @flags:	header flags, 0
 * @hb_interval_ms: how often every node renews its heartbeat slot
 * @lease_timeout_ms: a slot unchanged this long belongs to a dead node
 * @lock_lba:	device LBA of lock record 0
 * @hb_lba:	device LBA of the heartbeat slot of node 1
 * @req_lba:	device LBA of the request block of node 1 (format 4), 0
 *		before
 * @created:	format time, seconds since the epoch
 * @uuid:	lockspace uuid
 */
struct blklock_header {
	u32 version;
	u32 block_size;
	u32 nr_locks;
	u32 max_node_id;
	u32 flags;
	u32 hb_interval_ms;
	u32 lease_timeout_ms;
	u64 lock_lba;
	u64 hb_lba;
	u64 req_lba;
	u64 created;
	u8 uuid[16];
};

/**
 * struct blklock_req_entry - one request in a request block
 * @lock:	index of the lock asked for
 * @asker:	node id of the asker
 * @generation:	the generation of the hold asked to end
 * @when:	asker's CLOCK_REALTIME in ns (informational)
 */
struct blklock_req_entry {
	u32 lock;
	u32 asker;
	u64 generation;
	u64 when;
};

/**
 * struct blklock_reqblk - decoded request block of a node (format 4)
 * @node_id:	the node asked
 * @count:	requests ever appended; 0 for a block never written
 * @entry:	request k (1..@count) is entry[(k - 1) % BLKLOCK_REQ_RING]
 */
struct blklock_reqblk {
	u32 node_id;
	u64 count;
	struct blklock_req_entry entry[BLKLOCK_REQ_RING];
};

/**
 * struct blklock_hbrec - decoded heartbeat slot
 * @node_id:	the slot's node id
 * @flags:	BLKLOCK_HB_*
 * @incarnation: chosen by the node at attach; 0 if the slot was never used
 * @counter:	grows by one at every renewal
 * @timestamp:	writer's CLOCK_REALTIME in ns (informational)
 * @name:	the node's name (format 3), "" if none
 */
struct blklock_hbrec {
	u32 node_id;
	u32 flags;
	u64 incarnation;
	u64 counter;
	u64 timestamp;
	char name[BLKLOCK_NODE_NAME_MAX];
};

/**
 * struct blklock_rec - decoded lock record
 * @lock:	lock index
 * @owner:	owner node id, 0 when free
 * @flags:	BLKLOCK_LOCK_DELETED (format 4), else 0
 * @generation:	grows by one at every change of owner (fencing token)
 * @acquired:	owner's CLOCK_REALTIME in ns when it took the lock, 0 if free
 * @owner_incarnation: the owner's heartbeat incarnation, 0 if free
 * @name:	the lock's name (format 4), "" if none; kept by every change
 *		of owner
 */
struct blklock_rec {
	u32 lock;
	u32 owner;
	u32 flags;
	u64 generation;
	u64 acquired;
	u64 owner_incarnation;
	char name[BLKLOCK_LOCK_NAME_MAX];
};

/**
 * enum blklock_name_kind - what a record is to a name being probed for
 * @BLKLOCK_NAMEREC_EMPTY:	never named: probing stops; a name is created
 *				in the first such record
 * @BLKLOCK_NAMEREC_MATCH:	carries the name
 * @BLKLOCK_NAMEREC_DELETED:	a tombstone of the name: probing goes on;
 *				the name may be revived here
 * @BLKLOCK_NAMEREC_OTHER:	another name, or a tombstone of one (or of
 *				none): probing goes on
 */
enum blklock_name_kind {
	BLKLOCK_NAMEREC_EMPTY,
	BLKLOCK_NAMEREC_MATCH,
	BLKLOCK_NAMEREC_DELETED,
	BLKLOCK_NAMEREC_OTHER,
};

void blklock_header_encode(const struct blklock_header *h, void *blk, u32 bs);
int blklock_header_decode(const void *blk, u32 bs, struct blklock_header *h);
int blklock_header_check(const struct blklock_header *h, u32 bs, u64 nr_blocks);
void blklock_rec_encode(const struct blklock_rec *r, void *blk, u32 bs);
int blklock_rec_decode(const void *blk, u32 bs, u32 version, u32 index,
		       struct blklock_rec *r);
bool blklock_rec_equal(const struct blklock_rec *a,
		       const struct blklock_rec *b);
void blklock_hb_encode(const struct blklock_hbrec *r, void *blk, u32 bs);
int blklock_hb_decode(const void *blk, u32 bs, u32 version, u32 node_id,
		      struct blklock_hbrec *r);
void blklock_req_encode(const struct blklock_reqblk *q, void *blk, u32 bs);
int blklock_req_decode(const void *blk, u32 bs, u32 node_id,
		       struct blklock_reqblk *q);
void blklock_req_append(struct blklock_reqblk *q,
			const struct blklock_req_entry *e);
const struct blklock_req_entry *
blklock_req_entry_of(const struct blklock_reqblk *q, u64 k);
bool blklock_node_name_valid(const char *name);
bool blklock_lock_name_valid(const char *name);
u32 blklock_name_home(const char *name, u32 nr_locks);
enum blklock_name_kind blklock_name_kind(const struct blklock_rec *r,
					 const char *name);
bool blklock_lease_timing_valid(u32 hb_interval_ms, u32 lease_timeout_ms);
u32 blklock_fence_after_ms(u32 hb_interval_ms, u32 lease_timeout_ms);
const char *blklock_detect_signature(const void *buf, size_t len, u32 bs);

/* ---- sense.c: command results -------------------------------------- */

/**
 * enum blklock_cmd_status - what became of a SCSI command
 * @BLKLOCK_CMD_OK:		it completed
 * @BLKLOCK_CMD_MISCOMPARE:	COMPARE AND WRITE found other data, wrote nothing
 * @BLKLOCK_CMD_FAILED:		it failed; see &blklock_cmd_result.error
 */
enum blklock_cmd_status {
	BLKLOCK_CMD_OK,
	BLKLOCK_CMD_MISCOMPARE,
	BLKLOCK_CMD_FAILED,
};

/**
 * struct blklock_cmd_result - decoded outcome of one SCSI command
 * @status:	OK, MISCOMPARE or FAILED
 * @error:	0, or the negative errno that names the failure
 * @retry:	failed before it executed (unit attention, busy): may be resent
 * @uncertain:	may or may not have executed (timeout, abort, transport)
 * @info:	MISCOMPARE: offset of the first differing byte, -1 if unknown
 * @key:	sense key, when there was sense data
 * @asc:	additional sense code
 * @ascq:	additional sense code qualifier
 * @host:	SCSI host byte of the result
 * @scsi_status: SCSI status byte of the result
 * @duration_ns: time from submission to completion
 */
struct blklock_cmd_result {
	enum blklock_cmd_status status;
	int error;
	bool retry;
	bool uncertain;
	bool abandoned;
	s32 info;
	u8 key;
	u8 asc;
	u8 ascq;
	u8 host;
	u8 scsi_status;
	u64 duration_ns;
};

/**
 * enum blklock_fate - what became of a COMPARE AND WRITE, from its result
 *	and a READ of the block afterwards
 * @BLKLOCK_FATE_WROTE:	the block holds the write image: this command, or
 *			an earlier copy of it, wrote it
 * @BLKLOCK_FATE_NOT_RUN: the target certainly did not execute it
 * @BLKLOCK_FATE_FALSE_MISCOMPARE: a miscompare, yet the block holds the
 *			compare image
 * @BLKLOCK_FATE_UNKNOWN: it may still execute, later (timeout, abort,
 *			transport failure), and the block holds the compare
 *			image or could not be read
 * @BLKLOCK_FATE_CHANGED: the block holds something else: someone else
 *			changed it
 * @BLKLOCK_FATE_UNREAD: a miscompare (nothing written) and the block
 *			could not be read
 */
enum blklock_fate {
	BLKLOCK_FATE_WROTE,
	BLKLOCK_FATE_NOT_RUN,
	BLKLOCK_FATE_FALSE_MISCOMPARE,
	BLKLOCK_FATE_UNKNOWN,
	BLKLOCK_FATE_CHANGED,
	BLKLOCK_FATE_UNREAD,
};

enum blklock_fate blklock_caw_fate(enum blklock_cmd_status status,
				   bool uncertain, int read_error,
				   bool holds_write, bool holds_compare);
const char *blklock_fate_name(enum blklock_fate fate);
void blklock_decode_result(int result, int blk_error, const u8 *sense,
			   unsigned int sense_len,
			   struct blklock_cmd_result *res);
void blklock_cmd_fail(struct blklock_cmd_result *res, int error);
void blklock_cmd_abandoned(struct blklock_cmd_result *res);
int blklock_describe_result(const struct blklock_cmd_result *res,
			    char *buf, size_t len);
bool blklock_path_error(const struct blklock_cmd_result *res);

/**
 * blklock_path_next() - the path commands should take
 * @failed:	bit i set: path i failed and has not worked since
 * @nr:		paths, at most BLKLOCK_MAX_PATHS
 * @from:	the active path
 *
 * Return: @from if it has not failed, else the first path after it (in
 * cyclic order) that has not, else @from: with every path failed,
 * commands go on to the active one (and fail as they would with one).
 */
static inline unsigned int blklock_path_next(unsigned long failed,
					     unsigned int nr,
					     unsigned int from)
{
	unsigned int i, p;

	for (i = 0; i < nr; i++) {
		p = (from + i) % nr;
		if (!(failed & BIT(p)))
			return p;
	}
	return from;
}

/* ---- cmd.c: SCSI passthrough to the shared disk --------------------- */

/**
 * struct blklock_disk - an exclusively opened SCSI disk (or partition)
 * @h:		the open block device
 * @q:		request queue of the whole disk
 * @name:	kernel name of the device ("sdb", "sdb1")
 * @block_size:	logical block size in bytes
 * @lba_offset:	LUN LBA of the device's first block (partition start)
 * @nr_blocks:	size of the device in logical blocks
 * @max_xfer_blocks: most blocks one READ or WRITE may carry
 * @devt:	device number
 * @fua:	the disk has a volatile write cache and honours FUA
 */
struct blklock_disk {
	struct blklock_bdev_handle h;
	struct request_queue *q;
	char name[BDEVNAME_SIZE];
	u32 block_size;
	u64 lba_offset;
	u64 nr_blocks;
	u32 max_xfer_blocks;
	dev_t devt;
	bool fua;
	atomic64_t abandoned;	/* commands no longer awaited (cmd.c) */
};

/**
 * blklock_exec_deadline() - how long blklock waits for a command
 * @timeout:	the command's timeout (jiffies), as the SCSI layer gets it
 * @heartbeat:	a heartbeat command (its timeout is one interval at most)
 *		that another path could carry
 *
 * Long enough for the block layer's timer (rounded up to a whole second)
 * to fire and the SCSI error handler to end a timed-out command where
 * the host driver lets it: twice the timeout and two seconds more.  Not
 * forever where the driver or its transport keeps commands instead
 * (virtio-scsi never times one out, an iSCSI session may hold them
 * across reconnects).  A heartbeat command that another path could
 * carry waits one second more than its timeout only, so that a renewal
 * stuck in a hung path leaves time to renew through the other before
 * the node must fence.  (With one path, waiting less would only end
 * the wait before the error handler does, and queue the next renewal
 * behind it.)  After the
 * deadline the command is abandoned: it fails as a timeout does, and
 * may still execute later.
 *
 * Return: the deadline in jiffies.
 */
static inline unsigned long blklock_exec_deadline(unsigned long timeout,
						  bool heartbeat)
{
	if (heartbeat)
		return timeout + HZ;
	return 2 * timeout + 2 * HZ;
}

int blklock_disk_open(const char *path, void *holder, struct blklock_disk *d);
void blklock_disk_close(struct blklock_disk *d);
void blklock_cmd_drain(void);
/* Room for a LUN designator as scsi_vpd_lun_id() writes it. */
#define BLKLOCK_LUN_ID_MAX	96
int blklock_disk_lun_id(struct blklock_disk *d, char *id, size_t len);
void blklock_disk_caw(struct blklock_disk *d, u64 lba, void *buf,
		      u32 timeout_ms, bool hurry,
		      struct blklock_cmd_result *res);
void blklock_disk_read(struct blklock_disk *d, u64 lba, u32 nr, void *buf,
		       struct blklock_cmd_result *res);
void blklock_disk_write(struct blklock_disk *d, u64 lba, u32 nr,
			void *buf, struct blklock_cmd_result *res);

/* ---- lockspaces ------------------------------------------------------ */

struct blklock_space;

/**
 * struct blklock_path - one path (SCSI disk) to the lockspace's LUN
 * @d:		the disk, opened exclusively
 * @kobj:	its directory under the lockspace's paths/ in sysfs, or NULL
 * @errors:	commands that failed on it with a path error
 * @failovers:	times commands left it for another path
 * @failed_ms:	when it last failed (CLOCK_BOOTTIME, ms), 0 if never
 */
struct blklock_path {
	struct blklock_disk *d;
	struct kobject *kobj;
	atomic64_t errors;
	atomic64_t failovers;
	atomic64_t failed_ms;
	unsigned int probe_every;	/* probe work runs per probe (path.c) */
	unsigned int probe_wait;	/* runs to skip before the next one */
};

/**
 * struct blklock_io_ops - the command layer as the lock logic sees it
 * @caw: COMPARE AND WRITE of one block; @buf holds the compare image
 *	followed by the write image; @timeout_ms 0 means io_timeout_ms
 * @read: READ of @nr blocks into @buf
 * @now_ns: the clock leases are measured with (CLOCK_BOOTTIME)
 *
 * LBAs are relative to the start of the lockspace's device.  KUnit
 * tests plug a fake disk and a fake clock in here.
 */
struct blklock_io_ops {
	void (*caw)(struct blklock_space *ls, u64 lba, void *buf,
		    u32 timeout_ms, struct blklock_cmd_result *res);
	void (*read)(struct blklock_space *ls, u64 lba, u32 nr, void *buf,
		     struct blklock_cmd_result *res);
	u64 (*now_ns)(struct blklock_space *ls);
};

/**
 * struct blklock_latency - running latency figures of one command type
 * @count:	commands measured
 * @total_ns:	sum of their latencies
 * @max_ns:	the largest
 */
struct blklock_latency {
	atomic64_t count;
	atomic64_t total_ns;
	atomic64_t max_ns;
};

/**
 * struct blklock_stats - per-lockspace counters, shown in sysfs
 * @caw_sent:		COMPARE AND WRITE commands sent
 * @miscompares:	of those, how many miscompared
 * @false_miscompares:	miscompares after which the block held the compare image
 * @retried_successes:	failures after which the block held our write image
 * @stale_cache:	miscompares caused by an outdated cached record
 * @reads:		READ commands sent
 * @errors:		commands that failed
 * @acquires:		locks acquired
 * @releases:		locks released
 * @busy:		acquire attempts that found the lock held by another node
 * @reclaims:		locks taken back from an earlier attach of this node id
 * @corrupt:		lock records that failed to decode
 * @reports_suppressed:	miscompare reports held back by rate limiting
 * @hb_sent:		heartbeat renewals sent
 * @hb_late:		renewals that failed or came later than 1.5 intervals
 * @takeovers:		stale locks of dead nodes taken over
 * @locks_lost:		locks this node lost (fence, duplicate id, taken)
 * @evictions:		slots of dead nodes this node marked evicted
 * @evicted:		times this node found its own slot evicted
 * @unknown:		COMPARE AND WRITEs whose fate stayed unknown
 * @reaped:		stranded records of this node freed by the reaper
 * @requests_sent:	requests this node appended to request blocks
 * @requests_received:	requests that named a hold of this node
 * @requests_missed:	requests overwritten before this node read them
 * @caw_latency:	COMPARE AND WRITE latency
 * @read_latency:	READ latency
 */
struct blklock_stats {
	atomic64_t caw_sent;
	atomic64_t miscompares;
	atomic64_t false_miscompares;
	atomic64_t retried_successes;
	atomic64_t stale_cache;
	atomic64_t reads;
	atomic64_t errors;
	atomic64_t acquires;
	atomic64_t releases;
	atomic64_t busy;
	atomic64_t reclaims;
	atomic64_t corrupt;
	atomic64_t reports_suppressed;
	atomic64_t hb_sent;
	atomic64_t hb_late;
	atomic64_t takeovers;
	atomic64_t locks_lost;
	atomic64_t evictions;
	atomic64_t evicted;
	atomic64_t unknown;
	atomic64_t reaped;
	atomic64_t requests_sent;
	atomic64_t requests_received;
	atomic64_t requests_missed;
	struct blklock_latency caw_latency;
	struct blklock_latency read_latency;
};

/**
 * enum blklock_hb_state - the heartbeat of this node in a lockspace
 * @BLKLOCK_HB_LIVE:	renewing; locks may be held
 * @BLKLOCK_HB_FENCED:	not renewed in time, or evicted by another node:
 *			every lock is lost; renewals go on, and the first
 *			that succeeds starts a new incarnation
 * @BLKLOCK_HB_STOPPED:	another host writes this node id's slot: stopped
 */
enum blklock_hb_state {
	BLKLOCK_HB_LIVE = BLKLOCK_HB_STATE_LIVE,
	BLKLOCK_HB_FENCED = BLKLOCK_HB_STATE_FENCED,
	BLKLOCK_HB_STOPPED = BLKLOCK_HB_STATE_STOPPED,
};

/**
 * struct blklock_space - one lockspace as seen by one node id
 * @kobj:	sysfs directory /sys/kernel/blklock/<uuid>:<node_id>
 * @list:	entry in the list of attached lockspaces
 * @users:	open files bound to it, plus one for the module's own
 *		(dev=) and one for a persistent attach
 * @persistent:	attached with BLKLOCK_ATTACH_PERSISTENT; the module holds
 *		a use of it (persist.c, under its mutex)
 * @name:	device name, used in messages and the "disk" attribute
 * @node_id:	this node's id in the lockspace
 * @node_name:	this node's name in its heartbeat slot (format 3), "" if
 *		none
 * @block_size:	logical block size
 * @lba_offset:	LUN LBA of the device's block 0 (for messages)
 * @hdr:	the header read at attach
 * @ops:	command layer
 * @disk:	the open disk, NULL for a KUnit fake
 * @locks:	in-memory state of the locks touched so far, by index
 * @stats:	counters
 * @report_rs:	rate limit of miscompare reports
 * @report_missed: reports suppressed since the last one printed
 * @hb_lock:	protects @hb_state, @hb, @hb_epoch, @hb_pending*,
 *		@last_renew_ns and changes of @loss_epoch
 * @hb_state:	LIVE, FENCED or STOPPED
 * @hb:		the slot image this node believes is on the disk
 * @hb_epoch:	the loss epoch in which @hb's incarnation was chosen or
 *		last confirmed: locks may be taken under it only while it is
 *		the current loss epoch
 * @hb_pending:	image of a renewal whose fate is unknown: resent as it is
 * @hb_pending_epoch: @hb_epoch of @hb_pending
 * @hb_pending_submit: submission time of @hb_pending's first copy: if it
 *		lands, the lease counts from then
 * @hb_pending_valid: @hb_pending is set
 * @last_renew_ns: submission time of the last successful renewal
 * @loss_epoch:	grows each time this node loses all its locks
 * @loss_wq:	poll() waiters for lost locks
 * @hb_buf:	preallocated buffer of the heartbeat (3 blocks)
 * @hb_work:	periodic renewal
 * @fence_timer: absolute timer on the lease clock at the fence deadline
 * @hb_paused:	test hook: the node behaves as if frozen
 * @state_work:	sends the uevent of a heartbeat state change
 * @uevents:	the sysfs directory exists: state changes send uevents
 * @watch_mutex: protects @watch
 * @watch:	what this node saw of other nodes' slots, by node id
 * @reap_work:	the reaper of stranded records
 * @reap_pending: records waiting for the reaper
 * @names_mutex: protects @names and @names_count
 * @names:	names this node found or created, to their index (names.c)
 * @names_count: entries in @names
 * @req_work:	reads this node's request block once per interval
 *		while it holds locks (request.c)
 * @req_seen:	requests of that block already read, U64_MAX before the
 *		first read
 * @req_damaged: the block did not decode at the last read (reported)
 * @hooks:	fault hooks of the test build, NULL otherwise
 * @debugfs:	test hooks directory, NULL in production builds
 */
struct blklock_space {
	struct kobject kobj;
	struct list_head list;
	unsigned int users;
	bool persistent;
	char name[BDEVNAME_SIZE];
	u32 node_id;
	char node_name[BLKLOCK_NODE_NAME_MAX];
	u32 block_size;
	u64 lba_offset;
	struct blklock_header hdr;
	const struct blklock_io_ops *ops;
	struct blklock_disk *disk;
	struct mutex paths_mutex;	/* serialises adding paths */
	struct blklock_path paths[BLKLOCK_MAX_PATHS];
	unsigned int nr_paths;
	atomic_t path_active;
	unsigned long path_failed;	/* bit i: path i failed (atomic bitops) */
	atomic_t path_switches;		/* failovers, of every path */
	struct delayed_work path_work;
	struct kobject *paths_kobj;
	struct xarray locks;
	struct blklock_stats stats;
	struct ratelimit_state report_rs;
	atomic_t report_missed;
	spinlock_t hb_lock;		/* heartbeat state */
	enum blklock_hb_state hb_state;
	struct blklock_hbrec hb;
	int hb_epoch;
	struct blklock_hbrec hb_pending;
	int hb_pending_epoch;
	u64 hb_pending_submit;
	bool hb_pending_valid;
	u64 last_renew_ns;
	atomic_t loss_epoch;
	wait_queue_head_t loss_wq;
	void *hb_buf;
	struct delayed_work hb_work;
	struct hrtimer fence_timer;
	bool hb_paused;
	struct work_struct state_work;
	bool uevents;
	struct mutex watch_mutex;	/* protects watch */
	struct xarray watch;
	struct delayed_work reap_work;
	atomic_t reap_pending;
	struct mutex names_mutex;	/* protects names */
	DECLARE_HASHTABLE(names, 6);
	unsigned int names_count;
	struct delayed_work req_work;
	u64 req_seen;
	bool req_damaged;
	struct blklock_hooks *hooks;
	struct dentry *debugfs;
};

/**
 * struct blklock_lock - in-memory state of one lock on this node
 * @mutex:	serialises disk commands and state changes of this lock
 * @wq:		files of this node waiting for @holder to let go
 * @holder:	the open file that holds the lock, NULL if none
 * @holder_pid:	the process that took it through @holder (STATUS reports
 *		it), with @mutex held; NULL if none
 * @index:	lock index
 * @cached_valid: @cached is what the disk held after our last command
 * @cached:	last record seen on, or written to, the disk
 * @mine:	the record this node wrote when it took the lock
 * @epoch:	loss_epoch of the lockspace sampled before the command that
 *		took the lock
 * @lost:	the lock was found taken by another node while held
 * @reap_valid:	a record of this node may be on the disk with no file
 *		holding it
 * @reap:	the last such record noted: the reaper frees any record of
 *		this node under its incarnation
 * @reap_after_ns: not before this time (lease clock): every command that
 *		may still land has had its chance
 * @requested:	a request named this hold (request.c): STATUS of the
 *		holding file says REQUESTED until the lock is let go
 * @request_unseen: and the holding file has not read STATUS since the
 *		last request: poll() says EPOLLRDBAND
 */
struct blklock_lock {
	struct mutex mutex;	/* disk commands and state of this lock */
	wait_queue_head_t wq;
	const void *holder;
	struct pid *holder_pid;
	u32 index;
	bool cached_valid;
	struct blklock_rec cached;
	struct blklock_rec mine;
	int epoch;
	bool lost;
	bool reap_valid;
	struct blklock_rec reap;
	u64 reap_after_ns;
	bool requested;
	bool request_unseen;
};

/**
 * struct blklock_caw - one COMPARE AND WRITE and its read-back
 * @lba:	block, relative to the lockspace's device
 * @buf:	compare image, write image, and room for the read-back: three
 *		blocks
 * @timeout_ms:	command timeout, 0 for io_timeout_ms
 * @seen:	the compare image is one this node saw on the disk (a false
 *		miscompare is worth a report), not a guess
 * @heartbeat:	a renewal of this node's slot: counted in hb_sent, not in
 *		caw_sent and the latency figures
 * @uncertain:	a copy of the command may still land (set by
 *		blklock_caw_resolve(), kept across its resends)
 * @res:	the last command's result
 */
struct blklock_caw {
	u64 lba;
	void *buf;
	u32 timeout_ms;
	bool seen;
	bool heartbeat;
	bool uncertain;
	struct blklock_cmd_result res;
};

/* caw.c */
enum blklock_fate blklock_caw_resolve(struct blklock_space *ls,
				      struct blklock_caw *op);
int blklock_fate_errno(const struct blklock_caw *op, enum blklock_fate fate);
int blklock_read_blocks(struct blklock_space *ls, u64 lba, u32 nr, void *buf,
			u32 timeout_ms, struct blklock_cmd_result *res);

static inline void *blklock_caw_found(struct blklock_space *ls,
				      struct blklock_caw *op)
{
	return op->buf + 2 * ls->block_size;
}

/* report.c */
/* Room for "lock L (NAME)": 10 digits, a name of 63 characters. */
struct blklock_label {
	char s[sizeof("lock 4294967295 ()") + BLKLOCK_LOCK_NAME_MAX];
};

const char *blklock_lock_label(struct blklock_label *lb, u32 index,
			       const struct blklock_rec *r);
bool blklock_may_report(struct blklock_space *ls);
void blklock_report_busy(struct blklock_space *ls, const struct blklock_lock *lk,
			 const struct blklock_rec *expected,
			 const struct blklock_cmd_result *res);
void blklock_report_takeover(struct blklock_space *ls, u32 index,
			     const struct blklock_rec *old, int stale,
			     u64 unchanged_ms);
void blklock_report_fate(struct blklock_space *ls, const char *what, u32 index,
			 struct blklock_caw *op, enum blklock_fate fate,
			 bool reaped);

/* sysfs.c */
extern const struct kobj_type blklock_space_ktype;
void blklock_sysfs_init(void);

/* lock.c */
void blklock_space_init(struct blklock_space *ls);
void blklock_space_destroy(struct blklock_space *ls);
int blklock_acquire_disk(struct blklock_space *ls, struct blklock_lock *lk,
			 bool quiet, u32 *owner);
int blklock_release_disk(struct blklock_space *ls, struct blklock_lock *lk);

/* hold.c */
int blklock_acquire(struct blklock_space *ls, u32 index, const void *holder,
		    u32 flags, u32 timeout_ms, u64 *generation);
int blklock_release(struct blklock_space *ls, u32 index, const void *holder);
void blklock_release_all(struct blklock_space *ls, const void *holder);
struct blklock_lock *blklock_lock_read(struct blklock_space *ls, u32 index);
int blklock_status(struct blklock_space *ls, u32 index, const void *holder,
		   struct blklock_status *st, char *name);
int blklock_validate(struct blklock_space *ls, u32 index, const void *holder,
		     u64 generation);
bool blklock_holds_lost(struct blklock_space *ls, const void *holder);
bool blklock_lost(struct blklock_space *ls, struct blklock_lock *lk);
struct blklock_lock *blklock_lock_get(struct blklock_space *ls, u32 index);
u64 blklock_lock_lba(const struct blklock_space *ls, u32 index);
int blklock_decode_found(struct blklock_space *ls, struct blklock_lock *lk,
			 const void *blk);
int blklock_read_rec(struct blklock_space *ls, struct blklock_lock *lk,
		     void *buf);
void blklock_rec_free(struct blklock_rec *r);
const char *blklock_rec_impossible(const struct blklock_space *ls,
				   const struct blklock_rec *r);

/* A record of this lockspace, decoded under its format version. */
static inline int blklock_ls_rec_decode(const struct blklock_space *ls,
					const void *blk, u32 index,
					struct blklock_rec *r)
{
	return blklock_rec_decode(blk, ls->block_size, ls->hdr.version, index,
				  r);
}

/* names.c */
int blklock_name_op(struct blklock_space *ls, const char *name, u32 op,
		    u32 *index, u32 *result);
void blklock_names_init(struct blklock_space *ls);
void blklock_names_destroy(struct blklock_space *ls);

/* request.c */
int blklock_request(struct blklock_space *ls, u32 index,
		    struct blklock_request *out);
bool blklock_holds_requested(struct blklock_space *ls, const void *holder);
void blklock_requests_check(struct blklock_space *ls);
void blklock_requests_start(struct blklock_space *ls);
void blklock_requests_init(struct blklock_space *ls);
void blklock_requests_stop(struct blklock_space *ls);

/* reap.c */
void blklock_reap_note(struct blklock_space *ls, struct blklock_lock *lk,
		       const struct blklock_rec *img, u64 delay_ns);
void blklock_reap_workfn(struct work_struct *work);
int blklock_break(struct blklock_space *ls, u32 index, const void *holder,
		  struct blklock_break *out);

/* watch.c: what blklock_lease_owner_stale() says of a lock's owner */
#define BLKLOCK_OWNER_LIVE	0	/* heartbeating, or not yet dead */
#define BLKLOCK_OWNER_DEAD	1	/* slot unchanged for a lease, now evicted */
#define BLKLOCK_OWNER_GONE	2	/* its incarnation no longer heartbeats */

/**
 * struct blklock_verdict - details of blklock_lease_owner_stale()
 * @unchanged_ms: how long the owner's slot has stood still, as this node
 *		saw it
 * @seen_change: this node has seen the slot change: the owner renews
 */
struct blklock_verdict {
	u64 unchanged_ms;
	bool seen_change;
};

/* lease.c: the events that change this node's heartbeat state */
enum blklock_hb_event {
	BLKLOCK_HB_EV_DEADLINE,		/* the fence deadline passed */
	BLKLOCK_HB_EV_WROTE,		/* a renewal wrote its image */
	BLKLOCK_HB_EV_EVICTED,		/* another node evicted this slot */
	BLKLOCK_HB_EV_DUPLICATE,	/* another host writes this slot */
};

enum blklock_hb_state blklock_hb_next_state(enum blklock_hb_state state,
					    enum blklock_hb_event ev,
					    bool epoch_current);
void blklock_lease_init(struct blklock_space *ls);
void blklock_lease_destroy(struct blklock_space *ls);
void blklock_lease_start(struct blklock_space *ls);
void blklock_lease_renew(struct blklock_space *ls);
void blklock_lease_fence(struct blklock_space *ls, const char *why,
			 bool on_time);
void blklock_lease_events(struct blklock_space *ls, bool on);
const char *blklock_hb_state_name(enum blklock_hb_state state);
void blklock_state_workfn(struct work_struct *work);
bool blklock_lease_live(struct blklock_space *ls);
bool blklock_lease_snapshot(struct blklock_space *ls, u64 *incarnation,
			    int *epoch);
void blklock_lease_set_paused(struct blklock_space *ls, bool paused);
u64 blklock_hb_lba(const struct blklock_space *ls, u32 node_id);
u64 blklock_new_incarnation(void);
enum blklock_fate blklock_hb_write(struct blklock_space *ls,
				   const struct blklock_hbrec *cur,
				   const struct blklock_hbrec *next,
				   struct blklock_hbrec *found, int *err);

/* claim.c */
int blklock_lease_claim(struct blklock_space *ls);
void blklock_lease_leave(struct blklock_space *ls);
u32 blklock_hb_timeout_ms(const struct blklock_space *ls);
bool blklock_hb_equal(const struct blklock_hbrec *a,
		      const struct blklock_hbrec *b);
bool blklock_hb_same_renewal(const struct blklock_hbrec *a,
			     const struct blklock_hbrec *b);
int blklock_read_hb(struct blklock_space *ls, u32 node_id, void *buf,
		    struct blklock_hbrec *r);

/* watch.c */
void blklock_watch_name(struct blklock_space *ls, u32 node_id, char *name);
void blklock_watch_init(struct blklock_space *ls);
void blklock_watch_destroy(struct blklock_space *ls);
int blklock_lease_owner_stale(struct blklock_space *ls,
			      const struct blklock_rec *rec,
			      struct blklock_verdict *v);
u32 blklock_node_state(int decoded, const struct blklock_hbrec *hb,
		       bool seen_change, u64 unchanged_ms, u32 lease_timeout_ms);
int blklock_lease_nodes(struct blklock_space *ls, u32 first, u32 count,
			bool wait, struct blklock_node *out);

/* space.c */
int blklock_space_get(const char *path, u32 node_id, const char *node_name,
		      bool shared, struct blklock_space **lsp);
void blklock_space_use(struct blklock_space *ls);
void blklock_space_put(struct blklock_space *ls);
int blklock_refuse_attached(struct blklock_disk *d, const char *path,
			    const void *blk0);
int blklock_probe_caw(struct blklock_disk *d, const char *path,
		      const void *blk0);

/* path.c */
void blklock_paths_init(struct blklock_space *ls, struct blklock_disk *d);
unsigned int blklock_nr_paths(struct blklock_space *ls);
void blklock_paths_sysfs(struct blklock_space *ls);
void blklock_path_sysfs_add(struct blklock_space *ls, unsigned int i);
void blklock_paths_sysfs_del(struct blklock_space *ls);
void blklock_paths_close(struct blklock_space *ls);
void blklock_paths_free(struct blklock_space *ls);
void blklock_path_caw(struct blklock_space *ls, u64 lba, void *buf,
		      u32 timeout_ms, struct blklock_cmd_result *res);
void blklock_path_read(struct blklock_space *ls, u64 lba, u32 nr, void *buf,
		       struct blklock_cmd_result *res);
int blklock_path_add(struct blklock_space *ls, const char *path, bool shared,
		     u32 *nr_paths);

/* persist.c */
int blklock_persist_add(struct blklock_space *ls);
int blklock_persist_detach(const struct blklock_detach *a);
void blklock_persist_exit(void);

/* mkspace.c */
int blklock_format_disk(const char *path, const struct blklock_format *f);

/* hooks.c: fault hooks, in the test build only */
struct blklock_hooks;
#ifdef BLKLOCK_TEST_HOOKS
bool blklock_hooks_caw(struct blklock_space *ls, u64 lba, void *buf,
		       struct blklock_cmd_result *res);
void blklock_hooks_add(struct blklock_space *ls);
void blklock_hooks_remove(struct blklock_space *ls);
void blklock_hooks_init(void);
void blklock_hooks_exit(void);
#else
static inline bool blklock_hooks_caw(struct blklock_space *ls, u64 lba,
				     void *buf, struct blklock_cmd_result *res)
{
	return false;
}

static inline void blklock_hooks_add(struct blklock_space *ls)
{
}

static inline void blklock_hooks_remove(struct blklock_space *ls)
{
}

static inline void blklock_hooks_init(void)
{
}

static inline void blklock_hooks_exit(void)
{
}
#endif
int blklock_spaces_init(void);
void blklock_spaces_exit(void);

/* dev.c, ioctl.c */

/*
 * Refuse an ioctl argument: one rate-limited dmesg line naming the
 * process and the command, and @err (blklock_reject(): -EINVAL).
 */
#define blklock_refuse(err, what, fmt, ...)				\
({									\
	pr_warn_ratelimited("%s[%d]: %s: " fmt "\n", current->comm,	\
			    task_pid_nr(current), what, ##__VA_ARGS__);	\
	err;								\
})
#define blklock_reject(what, fmt, ...)					\
	blklock_refuse(-EINVAL, what, fmt, ##__VA_ARGS__)

/**
 * struct blklock_file - an open /dev/blklock
 * @sem:	held for reading by lock ioctls, for writing by ATTACH
 * @ls:		the lockspace this file is bound to, or NULL
 * @held:	number of locks this file holds
 */
struct blklock_file {
	struct rw_semaphore sem;
	struct blklock_space *ls;
	atomic_t held;
};

/* The argument of any ioctl, copied in (and out) by the dispatcher. */
union blklock_ioc_arg {
	u32 lock;	/* the first field of the commands on one lock */
	struct blklock_attach attach;
	struct blklock_format format;
	struct blklock_info info;
	struct blklock_acquire acquire;
	struct blklock_release release;
	struct blklock_status status;
	struct blklock_validate validate;
	struct blklock_nodes nodes;
	struct blklock_break brk;
	struct blklock_detach detach;
	struct blklock_name name;
	struct blklock_request request;
	struct blklock_path_add path_add;
};

/* struct blklock_ioc.flags: what the dispatcher does around a command */
#define BLKLOCK_IOC_ADMIN	BIT(0)	/* needs CAP_SYS_ADMIN */
#define BLKLOCK_IOC_SPACE	BIT(1)	/* runs on the file's lockspace, its
					 * f->sem held for reading (ENXIO
					 * without one)
					 */
#define BLKLOCK_IOC_INDEX	BIT(2)	/* the argument's lock must exist */
#define BLKLOCK_IOC_OUT		BIT(3)	/* copied back when run() succeeds */

/**
 * struct blklock_ioc - one ioctl command (ioctl.c)
 * @cmd:	the command, with its size and direction
 * @what:	its name in dmesg lines
 * @flags:	BLKLOCK_IOC_*
 * @check:	refuses a bad argument before anything is touched, with
 *		blklock_reject(); NULL: nothing to check
 * @run:	does the command; @ls is NULL without BLKLOCK_IOC_SPACE,
 *		@argp is for a command that copies back by itself
 */
struct blklock_ioc {
	unsigned int cmd;
	const char *what;
	unsigned int flags;
	int (*check)(const union blklock_ioc_arg *u, const char *what);
	int (*run)(struct blklock_file *f, struct blklock_space *ls,
		   union blklock_ioc_arg *u, void __user *argp);
};

const struct blklock_ioc *blklock_ioc_find(unsigned int cmd);
int blklock_dev_init(void);
void blklock_dev_exit(void);

extern struct workqueue_struct *blklock_wq;

/* main.c: module parameters */
extern unsigned int blklock_io_timeout_ms;
extern unsigned int blklock_hb_interval_ms;
extern unsigned int blklock_lease_timeout_ms;
extern bool blklock_fua;
extern struct blklock_space *blklock_default_space;

#endif /* _BLKLOCK_H */
