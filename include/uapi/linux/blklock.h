/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * blklock: a cluster lock service stored on a shared SCSI LUN.
 *
 * User-space ABI of /dev/blklock and the on-disk format of a lockspace.
 * Every structure has a fixed size, holds pointers as __u64 and ends with
 * reserved fields that callers must set to zero; the kernel rejects
 * anything else with EINVAL.  See Documentation/blklock/ioctl.rst and
 * Documentation/blklock/disk-format.rst.
 */
#ifndef _UAPI_LINUX_BLKLOCK_H
#define _UAPI_LINUX_BLKLOCK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define BLKLOCK_MISC_NAME	"blklock"

/* Node ids run from 1 to BLKLOCK_MAX_NODE_ID; 0 marks a free lock. */
#define BLKLOCK_MAX_NODE_ID	2000
/* Largest number of lock records a lockspace may hold. */
#define BLKLOCK_MAX_LOCKS	1048576U

/* ---- ioctls on /dev/blklock ------------------------------------------ */

#define BLKLOCK_IOC_MAGIC	0xB9

/* struct blklock_attach.flags */
#define BLKLOCK_ATTACH_PERSISTENT 0x1U	/* the module keeps the lockspace
					 * attached after the file closes,
					 * until BLKLOCK_IOC_DETACH or unload
					 */
#define BLKLOCK_ATTACH_SHARED	0x2U	/* open the disk without claiming it:
					 * a path that dm-multipath holds
					 */
#define BLKLOCK_ATTACH_FLAGS	(BLKLOCK_ATTACH_PERSISTENT | BLKLOCK_ATTACH_SHARED)

/* A node's name: 1 to 63 of A-Z a-z 0-9 . _ -, and the NUL. */
#define BLKLOCK_NODE_NAME_MAX	64

/**
 * struct blklock_attach - bind this open file to a lockspace
 * @path:	user pointer to the NUL-terminated path of the shared disk
 * @node_id:	node id this file acts as (1..BLKLOCK_MAX_NODE_ID)
 * @flags:	BLKLOCK_ATTACH_*
 * @name:	user pointer to this node's NUL-terminated name (its host
 *		name, say), written into its heartbeat slot where the
 *		lockspace has room for it (format 3), so that other nodes
 *		can tell who a node id is; 0 for none.  An attach that
 *		shares a lockspace attached already keeps its name.
 * @reserved:	must be 0
 */
struct blklock_attach {
	__u64 path;
	__u32 node_id;
	__u32 flags;
	__u64 name;
	__u64 reserved;
};

/* struct blklock_format.flags */
#define BLKLOCK_FORMAT_FORCE	0x1U		/* overwrite a foreign signature */
#define BLKLOCK_FORMAT_FLAGS	(BLKLOCK_FORMAT_FORCE)

/**
 * struct blklock_format - write an empty lockspace onto a disk
 * @path:		user pointer to the NUL-terminated path of the disk
 * @nr_locks:		number of lock records (1..BLKLOCK_MAX_LOCKS)
 * @flags:		BLKLOCK_FORMAT_*
 * @uuid:		lockspace uuid; all zero asks the kernel for a random one
 * @max_node_id:	heartbeat slots to create; 0 for BLKLOCK_MAX_NODE_ID
 * @hb_interval_ms:	heartbeat interval; 0 for the module's default
 * @lease_timeout_ms:	lease timeout; 0 for the module's default
 * @reserved:		must be 0
 */
struct blklock_format {
	__u64 path;
	__u32 nr_locks;
	__u32 flags;
	__u8  uuid[16];
	__u32 max_node_id;
	__u32 hb_interval_ms;
	__u32 lease_timeout_ms;
	__u32 reserved;
};

/**
 * struct blklock_info - the lockspace this file is bound to (output only)
 * @node_id:		node id of this file
 * @format_version:	on-disk format version of the lockspace
 * @block_size:		logical block size of the disk, bytes
 * @nr_locks:		number of lock records
 * @lock_lba:		LBA of lock 0 on the LUN
 * @uuid:		lockspace uuid
 * @disk:		kernel name of the disk ("sdb"), NUL-terminated
 * @max_node_id:	number of heartbeat slots (node ids 1..max_node_id)
 * @hb_interval_ms:	heartbeat interval of the lockspace
 * @lease_timeout_ms:	lease timeout of the lockspace
 * @hb_state:		BLKLOCK_HB_STATE_* of this node's heartbeat
 * @incarnation:	this node's current heartbeat incarnation
 * @reserved:		zero
 */
struct blklock_info {
	__u32 node_id;
	__u32 format_version;
	__u32 block_size;
	__u32 nr_locks;
	__u64 lock_lba;
	__u8  uuid[16];
	char  disk[32];
	__u32 max_node_id;
	__u32 hb_interval_ms;
	__u32 lease_timeout_ms;
	__u32 hb_state;
	__u64 incarnation;
	__u64 reserved;
};

/* struct blklock_info.hb_state */
#define BLKLOCK_HB_STATE_LIVE		1	/* renewing; locks may be held */
#define BLKLOCK_HB_STATE_FENCED		2	/* renewals late: all locks lost */
#define BLKLOCK_HB_STATE_STOPPED	3	/* node id in use by another host */

/* struct blklock_acquire.flags */
#define BLKLOCK_ACQUIRE_NOWAIT	0x1U		/* try once, EBUSY if held */
#define BLKLOCK_ACQUIRE_FLAGS	(BLKLOCK_ACQUIRE_NOWAIT)

/* Longest wait an acquire may ask for: one day. */
#define BLKLOCK_MAX_TIMEOUT_MS	86400000U

/**
 * struct blklock_acquire - take a lock
 * @lock:	lock index (0..nr_locks-1)
 * @flags:	BLKLOCK_ACQUIRE_*
 * @timeout_ms:	longest wait without NOWAIT; 0 waits until a signal
 * @reserved0:	must be 0
 * @generation:	out: the lock's new generation, a fencing token
 * @reserved:	must be 0
 */
struct blklock_acquire {
	__u32 lock;
	__u32 flags;
	__u32 timeout_ms;
	__u32 reserved0;
	__u64 generation;
	__u64 reserved[2];
};

/**
 * struct blklock_release - drop a lock held by this file
 * @lock:	lock index
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct blklock_release {
	__u32 lock;
	__u32 flags;
	__u64 reserved[2];
};

/* struct blklock_status.state */
#define BLKLOCK_STATE_HELD_BY_FILE	0x1U	/* this open file */
#define BLKLOCK_STATE_HELD_BY_NODE	0x2U	/* this node id */
#define BLKLOCK_STATE_LOST		0x4U	/* this file held it and lost it */

#define BLKLOCK_STATE_DELETED	0x8U	/* the record is a deleted name's
					 * tombstone (format 4)
					 */
#define BLKLOCK_STATE_REQUESTED	0x10U	/* this file holds the lock and a
					 * process (of any node) asked, with
					 * BLKLOCK_IOC_REQUEST, that it be let
					 * go (format 4)
					 */

/* A lock's name: 1 to 63 printable ASCII characters but space, and the NUL. */
#define BLKLOCK_LOCK_NAME_MAX	64

/**
 * struct blklock_status - read a lock record from the disk
 * @lock:	in: lock index
 * @flags:	in: must be 0
 * @owner:	out: owner node id, 0 when free
 * @state:	out: BLKLOCK_STATE_*
 * @generation:	out: generation of the record
 * @holder_pid:	in: must be 0; out: when an open file of this node holds
 *		the lock, the process that took it through that file (its
 *		thread group id in the caller's pid namespace; 0 if it is
 *		not visible there); else 0
 * @reserved0:	in: must be 0; out: zero
 * @name:	in: user pointer to BLKLOCK_LOCK_NAME_MAX bytes that receive
 *		the record's name, NUL-padded (empty for an unnamed record),
 *		or 0 for none
 */
struct blklock_status {
	__u32 lock;
	__u32 flags;
	__u32 owner;
	__u32 state;
	__u64 generation;
	__u32 holder_pid;
	__u32 reserved0;
	__u64 name;
};

/**
 * struct blklock_validate - prove, atomically, that a lock is still held
 * @lock:	lock index
 * @flags:	must be 0
 * @generation:	the generation the acquire returned
 * @reserved:	must be 0
 */
struct blklock_validate {
	__u32 lock;
	__u32 flags;
	__u64 generation;
	__u64 reserved[2];
};

/* struct blklock_node.state */
#define BLKLOCK_NODE_UNUSED	0	/* slot never written by a node */
#define BLKLOCK_NODE_SELF	1	/* this node */
#define BLKLOCK_NODE_LIVE	2	/* seen changing, within a lease timeout */
#define BLKLOCK_NODE_WATCHING	3	/* not seen changing yet, for less than a lease */
#define BLKLOCK_NODE_STALE	4	/* unchanged for a lease timeout or more */
#define BLKLOCK_NODE_LEFT	5	/* the node detached cleanly */
#define BLKLOCK_NODE_CORRUPT	6	/* the slot fails its checks */
#define BLKLOCK_NODE_EVICTED	7	/* another node found it dead and
					 * marked its slot: its locks may be
					 * broken
					 */

/**
 * struct blklock_node - one heartbeat slot as this node sees it
 * @node_id:	the slot's node id
 * @state:	BLKLOCK_NODE_*
 * @incarnation: the incarnation the slot holds, 0 if unused
 * @counter:	the slot's renewal counter
 * @unchanged_ms: time since this node last saw the slot change, on this
 *		node's monotonic clock (for SELF: since its last renewal)
 * @timestamp:	the writer's CLOCK_REALTIME in ns at its last renewal
 *		(informational: clocks of nodes are not synchronised)
 * @reserved:	zero
 */
struct blklock_node {
	__u32 node_id;
	__u32 state;
	__u64 incarnation;
	__u64 counter;
	__u64 unchanged_ms;
	__u64 timestamp;
	__u64 reserved;
};

/* struct blklock_nodes.flags */
#define BLKLOCK_NODES_WAIT	0x1U	/* watch one and a half heartbeat
					 * intervals if a slot was not seen
					 * changing yet
					 */
#define BLKLOCK_NODES_FLAGS	(BLKLOCK_NODES_WAIT)

/**
 * struct blklock_nodes - read the heartbeat slots of a range of node ids
 * @nodes:	user pointer to an array of @count struct blklock_node
 * @first:	first node id (1..max_node_id)
 * @count:	in: entries in the array (1..BLKLOCK_MAX_NODE_ID); out:
 *		entries filled (fewer when the range passes max_node_id)
 * @flags:	BLKLOCK_NODES_*
 * @reserved0:	must be 0
 * @reserved:	must be 0
 */
struct blklock_nodes {
	__u64 nodes;
	__u32 first;
	__u32 count;
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

#define BLKLOCK_IOC_ATTACH	_IOW(BLKLOCK_IOC_MAGIC, 0x01, struct blklock_attach)
#define BLKLOCK_IOC_FORMAT	_IOW(BLKLOCK_IOC_MAGIC, 0x02, struct blklock_format)
#define BLKLOCK_IOC_INFO	_IOR(BLKLOCK_IOC_MAGIC, 0x03, struct blklock_info)
#define BLKLOCK_IOC_ACQUIRE	_IOWR(BLKLOCK_IOC_MAGIC, 0x04, struct blklock_acquire)
#define BLKLOCK_IOC_RELEASE	_IOW(BLKLOCK_IOC_MAGIC, 0x05, struct blklock_release)
#define BLKLOCK_IOC_STATUS	_IOWR(BLKLOCK_IOC_MAGIC, 0x06, struct blklock_status)
#define BLKLOCK_IOC_VALIDATE	_IOW(BLKLOCK_IOC_MAGIC, 0x07, struct blklock_validate)
/* struct blklock_break.result */
#define BLKLOCK_BREAK_WAS_FREE	1	/* the record was free: nothing written */
#define BLKLOCK_BREAK_FREED	2	/* a record of a dead, evicted or left
					 * node, or one of this node that no
					 * file holds, was freed
					 */
#define BLKLOCK_BREAK_REPAIRED	3	/* a damaged record was rewritten as
					 * free at a new generation
					 */

/**
 * struct blklock_break - free a lock record nobody can release (admin)
 * @lock:	lock index
 * @flags:	must be 0
 * @owner:	out: the node id the record named (0 if free or damaged)
 * @result:	out: BLKLOCK_BREAK_*
 * @old_generation: out: the generation the record held (0 if it did not
 *		decode at all)
 * @generation:	out: the generation of the free record written
 * @reserved:	must be 0
 *
 * Refuses (EBUSY) a record whose owner is live, or that a file of this
 * node holds.  A record that blklock could not have written (bad
 * checksum, impossible contents, an owner above max_node_id) is
 * rewritten as free at a generation above any it could have held.
 */
struct blklock_break {
	__u32 lock;
	__u32 flags;
	__u32 owner;
	__u32 result;
	__u64 old_generation;
	__u64 generation;
	__u64 reserved[2];
};

#define BLKLOCK_IOC_NODES	_IOWR(BLKLOCK_IOC_MAGIC, 0x08, struct blklock_nodes)
#define BLKLOCK_IOC_BREAK	_IOWR(BLKLOCK_IOC_MAGIC, 0x09, struct blklock_break)

/**
 * struct blklock_detach - end a persistent attach (admin)
 * @path:	user pointer to the NUL-terminated path of the disk it was
 *		attached through, or 0 to name the lockspace by @uuid
 * @uuid:	the lockspace uuid when @path is 0; all zero otherwise
 * @flags:	must be 0
 * @reserved0:	must be 0
 * @reserved:	must be 0
 *
 * The module drops its use of the lockspace; the lockspace detaches
 * (its heartbeat slot says left) once no open file uses it either.
 */
struct blklock_detach {
	__u64 path;
	__u8  uuid[16];
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

#define BLKLOCK_IOC_DETACH	_IOW(BLKLOCK_IOC_MAGIC, 0x0a, struct blklock_detach)

/* struct blklock_name.op */
#define BLKLOCK_NAME_LOOKUP	0	/* find the name: ENOENT if it has no
					 * record (or only a tombstone)
					 */
#define BLKLOCK_NAME_CREATE	1	/* find it, or give it a record */
#define BLKLOCK_NAME_DELETE	2	/* turn its free record into a
					 * tombstone: EBUSY while held
					 */

/* struct blklock_name.result */
#define BLKLOCK_NAME_FOUND	1	/* the name has this record */
#define BLKLOCK_NAME_CREATED	2	/* an unnamed record was given it */
#define BLKLOCK_NAME_REVIVED	3	/* its own tombstone was named again */
#define BLKLOCK_NAME_REMOVED	4	/* its record is now a tombstone */

/**
 * struct blklock_name - find, create or delete a named lock (format 4)
 * @name:	user pointer to the NUL-terminated name: 1 to
 *		BLKLOCK_LOCK_NAME_MAX - 1 printable ASCII characters but
 *		space
 * @op:		BLKLOCK_NAME_*
 * @lock:	in: must be 0; out: the index of the name's record; the lock
 *		is then taken, released, validated and read by this index,
 *		which stays the name's for the life of the lockspace
 * @result:	in: must be 0; out: BLKLOCK_NAME_FOUND, _CREATED, _REVIVED
 *		or _REMOVED
 * @flags:	must be 0
 * @reserved:	must be 0
 *
 * A name lives in the record at its hash (CRC-32C of the name modulo
 * nr_locks) or, probing linearly, the first record after it that no
 * other name holds.  A lockspace of format 2 or 3 has no names:
 * EOPNOTSUPP.
 */
struct blklock_name {
	__u64 name;
	__u32 op;
	__u32 lock;
	__u32 result;
	__u32 flags;
	__u64 reserved[2];
};

#define BLKLOCK_IOC_NAME	_IOWR(BLKLOCK_IOC_MAGIC, 0x0b, struct blklock_name)

/* struct blklock_request.result */
#define BLKLOCK_REQUEST_SENT	1	/* the request is in the holder's
					 * request block: its node reads it
					 * within one heartbeat interval
					 */
#define BLKLOCK_REQUEST_FREE	2	/* the lock was free: nothing sent */

/**
 * struct blklock_request - ask the holder of a lock to let it go (format 4)
 * @lock:	lock index
 * @flags:	must be 0
 * @owner:	in: must be 0; out: the node asked (0 if the lock was free)
 * @result:	in: must be 0; out: BLKLOCK_REQUEST_SENT or _FREE
 * @generation:	in: must be 0; out: the generation of the hold asked to end
 * @reserved:	must be 0
 *
 * Appends (lock, this node, generation) to the owner's request block with
 * one COMPARE AND WRITE.  The owner's node reads its request block once
 * per heartbeat interval while it holds locks; if the file that holds
 * the lock still holds that generation, its STATUS says
 * BLKLOCK_STATE_REQUESTED and poll() on it reports EPOLLRDBAND until
 * that file reads the lock's STATUS.  A request is advisory: nothing
 * makes the holder let go.  EBUSY: the request block kept changing
 * under other askers; EOPNOTSUPP: a lockspace of format 2 or 3.
 */
struct blklock_request {
	__u32 lock;
	__u32 flags;
	__u32 owner;
	__u32 result;
	__u64 generation;
	__u64 reserved[2];
};

#define BLKLOCK_IOC_REQUEST	_IOWR(BLKLOCK_IOC_MAGIC, 0x0c, struct blklock_request)

/* Paths (SCSI disks) one lockspace may use to reach its LUN. */
#define BLKLOCK_MAX_PATHS	4

/* struct blklock_path_add.flags */
#define BLKLOCK_PATH_SHARED	0x1U	/* open the disk without claiming it:
					 * a path that dm-multipath holds
					 */
#define BLKLOCK_PATH_FLAGS	(BLKLOCK_PATH_SHARED)

/**
 * struct blklock_path_add - give the file's lockspace another path to
 *	its LUN (needs CAP_SYS_ADMIN)
 * @path:	user pointer to the NUL-terminated path of a SCSI disk that
 *		is the same LUN: the same LUN designator (VPD page 0x83),
 *		the same block 0, the same heartbeat slot of this node
 * @flags:	BLKLOCK_PATH_*
 * @nr_paths:	out: the lockspace's paths afterwards; must be 0 on input
 * @reserved:	must be 0
 *
 * Commands go to one path; one that fails with a path error (no SCSI
 * answer: timeout, lost transport, device gone) is settled through
 * another, as a command of unknown outcome is, and the failed path is
 * probed until it works again.
 */
struct blklock_path_add {
	__u64 path;
	__u32 flags;
	__u32 nr_paths;
	__u64 reserved[2];
};

#define BLKLOCK_IOC_ADD_PATH	_IOWR(BLKLOCK_IOC_MAGIC, 0x0d, struct blklock_path_add)

/* ---- on-disk format ---------------------------------------------------- */

/*
 * All fields are little-endian.  Block 0 of the device holds the header;
 * the heartbeat slot of node n lives alone in logical block hb_lba + n - 1
 * and lock i in block lock_lba + i.  A structure fills the start of its
 * block and every byte after it is zero.  crc is the standard CRC-32C
 * (Castagnoli, as in iSCSI) of the bytes before it.  Format 3 differs
 * from format 2 only by the node's name a heartbeat slot may carry after
 * its struct blklock_disk_hb (struct blklock_disk_hb_name); format 4 from
 * format 3 only by the name a lock record may carry after its struct
 * blklock_disk_lock (struct blklock_disk_lock_name), the flag
 * BLKLOCK_LOCK_DELETED, and the request blocks: the one of node n lives
 * alone in block req_lba + n - 1, between the slots and the records
 * (req_lba is 0 before format 4).
 */
#define BLKLOCK_FORMAT_VERSION	4	/* what format writes */
#define BLKLOCK_FORMAT_VERSION_MIN 2	/* the oldest this module attaches */
#define BLKLOCK_HEADER_MAGIC	0x004b434f4c4b4c42ULL	/* "BLKLOCK\0" */
#define BLKLOCK_LOCK_MAGIC	0x524b4c42U		/* "BLKR" */
#define BLKLOCK_HB_MAGIC	0x484b4c42U		/* "BLKH" */
#define BLKLOCK_REQ_MAGIC	0x514b4c42U		/* "BLKQ" */
/* Entries of a request block: the last this many requests to a node. */
#define BLKLOCK_REQ_RING	8

/* struct blklock_disk_lock.flags (format 4) */
#define BLKLOCK_LOCK_DELETED	0x1U	/* a tombstone: the name it carries
					 * (or none, after a repair) was
					 * deleted; probing goes on past it
					 */

/* struct blklock_disk_hb.flags */
#define BLKLOCK_HB_DETACHED	0x1U	/* the node left cleanly */
#define BLKLOCK_HB_EVICTED	0x2U	/* another node found the slot unchanged
					 * for a lease and marked it, with one
					 * COMPARE AND WRITE from the exact image
					 * it watched, before breaking its locks
					 */

struct blklock_disk_header {
	__le64 magic;
	__le32 version;
	__le32 block_size;
	__le32 nr_locks;
	__le32 max_node_id;	/* heartbeat slots, node ids 1..max_node_id */
	__le64 lock_lba;
	__u8   uuid[16];
	__le64 created;		/* seconds since the epoch, informational */
	__le32 flags;		/* 0 */
	__le32 hb_interval_ms;	/* every node renews its slot this often */
	__le32 lease_timeout_ms; /* a slot unchanged this long is dead */
	__le32 reserved0;	/* 0 */
	__le64 hb_lba;		/* slot of node 1 */
	__le64 req_lba;		/* request block of node 1 (format 4), else 0 */
	__u8   reserved[36];	/* 0 */
	__le32 crc;		/* CRC-32C of bytes 0..123 */
};

struct blklock_disk_hb {
	__le32 magic;
	__le32 node_id;		/* the slot's node id */
	__le64 incarnation;	/* chosen at attach; 0: never used */
	__le64 counter;		/* +1 at every renewal */
	__le64 timestamp;	/* writer's CLOCK_REALTIME, ns, informational */
	__le32 flags;		/* BLKLOCK_HB_* */
	__u8   reserved[24];	/* 0 */
	__le32 crc;		/* CRC-32C of bytes 0..59 */
};

/*
 * Format 3: the bytes after a slot's struct blklock_disk_hb (at byte 64
 * of the block).  All zero when the node gave no name.
 */
struct blklock_disk_hb_name {
	char   name[BLKLOCK_NODE_NAME_MAX];	/* NUL-padded */
	__le32 crc;		/* CRC-32C of the name's 64 bytes */
};

struct blklock_disk_lock {
	__le32 magic;
	__le32 lock;		/* index of this record */
	__le32 owner;		/* node id, 0 when free */
	__le32 flags;		/* BLKLOCK_LOCK_DELETED; 0 before format 4 */
	__le64 generation;	/* +1 at every change of owner */
	__le64 acquired;	/* owner's CLOCK_REALTIME, ns; 0 when free */
	__le64 owner_incarnation; /* owner's heartbeat incarnation; 0 if free */
	__u8   reserved[20];	/* 0 */
	__le32 crc;		/* CRC-32C of bytes 0..59 */
};

/*
 * Format 4: the bytes after a record's struct blklock_disk_lock (at byte
 * 64 of the block).  All zero for an unnamed record.
 */
struct blklock_disk_lock_name {
	char   name[BLKLOCK_LOCK_NAME_MAX];	/* NUL-padded */
	__le32 crc;		/* CRC-32C of the name's 64 bytes */
};

/*
 * Format 4: the request block of node n, where askers append (lock,
 * asker, generation) with one COMPARE AND WRITE.  Request number k
 * (1..count) is entry[(k - 1) % BLKLOCK_REQ_RING]; an all-zero block has
 * had no request yet.  Only askers write it; its node only reads it.
 */
struct blklock_disk_req_entry {
	__le32 lock;		/* index of the lock asked for */
	__le32 asker;		/* node id of the asker */
	__le64 generation;	/* the generation of the hold asked to end */
	__le64 when;		/* asker's CLOCK_REALTIME, ns, informational */
};

struct blklock_disk_req {
	__le32 magic;		/* BLKLOCK_REQ_MAGIC */
	__le32 node_id;		/* the node asked: the block's node id */
	__le64 count;		/* requests ever appended */
	struct blklock_disk_req_entry entry[BLKLOCK_REQ_RING];
	__le32 reserved;	/* 0 */
	__le32 crc;		/* CRC-32C of bytes 0..211 */
};

#endif /* _UAPI_LINUX_BLKLOCK_H */
