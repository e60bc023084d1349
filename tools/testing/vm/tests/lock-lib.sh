# shellcheck shell=sh disable=SC2034 # variables for the test files
# Helpers for the lock tests (busybox sh in the guest).  Sourced after
# lib.sh; uses DISK_A and DISK_B, two paths to one LUN.

A=$(basename "$DISK_A")
B=$(basename "$DISK_B")
BS=$(cat "/sys/block/$A/queue/logical_block_size")
OUT=/tmp/lock-test
# Each test file starts with no output of an earlier one.
rm -rf "$OUT"
mkdir -p "$OUT"

# blklockctl as node 1 through DISK_A (the module's own lockspace when it
# was loaded with dev=DISK_A node_id=1) and as node 2 through DISK_B.
# Plain words, not functions: "$N1 ... &" must leave blklockctl itself as
# the background job, so that signals reach it.
N1=blklockctl
N2="blklockctl --device $DISK_B --node 2"

# Field of the lock record at LBA, read through the other path: owner,
# generation, lock, magic, crc.
rec() {
	blklock-disk record "$DISK_B" "$1" | awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}

stat_a() { cat "$(sysdir "$A")/stats/$1"; }

# space_dir DISK NODE: the sysfs directory DISK's lockspace has while
# attached as NODE (named after the uuid on the disk and the node id).
space_dir() {
	echo "/sys/kernel/blklock/$(blklockctl probe "$1" | sed -n 's/^BLKLOCK_UUID=//p'):$2"
}

# The timestamp of the last kernel message: lines after it are new.  (A
# line count would go wrong once the ring buffer wraps.)
mark_dmesg() { dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' > "$OUT/mark"; }
new_dmesg() {
	dmesg | awk -v m="$(cat "$OUT/mark")" '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t + 0 > m + 0) print }'
}

# has_dmesg FIXED-STRING: the kernel said it since mark_dmesg.
has_dmesg() { new_dmesg | grep -qF -- "$1"; }
lacks_dmesg() { ! new_dmesg | grep -qF -- "$1"; }

# blklock's trace events (blklock_trace.h): trace_on [EVENT...] empties
# the buffer and records them (all of blklock's, or the EVENTs named)
# from now on; has_trace EVENT REGEX: an EVENT line since then whose
# fields match REGEX (extended, from the start of the fields);
# count_trace EVENT REGEX: how many.
TRACE=/sys/kernel/tracing
trace_on() {
	[ -d "$TRACE/events" ] || mount -t tracefs tracefs "$TRACE" || return 1
	echo 0 > "$TRACE/tracing_on"
	echo 8192 > "$TRACE/buffer_size_kb"
	echo > "$TRACE/trace"
	if [ $# = 0 ]; then
		echo 1 > "$TRACE/events/blklock/enable"
	else
		for _e in "$@"; do
			echo 1 > "$TRACE/events/blklock/$_e/enable" || return 1
		done
	fi
	echo 1 > "$TRACE/tracing_on"
}
has_trace() { grep -qE " $1: $2" "$TRACE/trace"; }
count_trace() { grep -cE " $1: $2" "$TRACE/trace"; }
trace_off() {
	echo 0 > "$TRACE/events/blklock/enable"
	cp "$TRACE/trace" "$OUT/trace.$1"
}

# wait_file FILE PATTERN SECONDS: until FILE holds PATTERN.
wait_file() {
	i=0
	while [ "$i" -lt $(($3 * 10)) ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# A lock held in the background by blklockctl: hold "$N1"|"$N2" LOCK.
hold() {
	# The file of an earlier hold of this lock must not satisfy the wait
	# before the new job's redirection has truncated it.
	rm -f "$OUT/hold.$2"
	# shellcheck disable=SC2086
	$1 acquire "$2" > "$OUT/hold.$2" 2>&1 &
	echo $! > "$OUT/hold.$2.pid"
	wait_file "$OUT/hold.$2" "acquired lock $2 " 20
}
unhold() {
	kill -TERM "$(cat "$OUT/hold.$1.pid")" 2>/dev/null
	wait "$(cat "$OUT/hold.$1.pid")" 2>/dev/null
}

# A lockspace of format 3 on $DISK_A (written as the current format, its
# version then set back), dmesg marked, the module loaded on it as node 1;
# load_format3 returns insmod's status.
load_format3() {
	load_blklock
	blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
	rmmod blklock
	blklock-disk set-version "$DISK_A" 3
	mark_dmesg
	load_blklock dev="$DISK_A" node_id=1
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds (status 1 if it
# never did).  hb_is STATE, path_is DISK STATE: the heartbeat, or a
# path, of the lockspace whose sysfs directory is $D is in STATE.
wait_until() {
	t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
hb_is() { [ "$(cat "$D/heartbeat")" = "$1" ]; }
path_is() { [ "$(cat "$D/paths/$1/state" 2>/dev/null)" = "$2" ]; }

# fit_arm DISK: fail_io_timeout ready for DISK (CONFIG_FAIL_IO_TIMEOUT,
# the debug kernel): every command's completion lost while times is
# above 0, which starts at 0 (echo N > $FIT/times arms it).  Status 1
# without fail_io_timeout.
FIT=/sys/kernel/debug/fail_io_timeout
fit_arm() {
	[ -d $FIT ] && [ -e "/sys/block/$1/io-timeout-fail" ] || return 1
	echo 100 > $FIT/probability
	echo 1 > $FIT/interval
	echo 0 > $FIT/verbose
	echo 0 > $FIT/times
	echo 1 > "/sys/block/$1/io-timeout-fail"
}
