# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Path failover, inside one VM with the LIO profile (make bench runs it
# through tools/testing/vm/run.sh --profile lio --script): LIO's two
# tcm_loop LUNs are two paths ($DISK_A, $DISK_B) to one LUN.  A lock is
# held while the active path is taken offline, TRIES times; the trace
# events say when the cut was made (a trace_marker line), when blklock
# saw the path fail, when the first command through the other path
# succeeded, and how far apart the successful heartbeat renewals around
# the cut were.  The baseline, in the same run: the same cut with one
# path, which fences the node.  Every figure is one "@@BENCH " line.
TRIES=5
TRACE=/sys/kernel/tracing
A=${DISK_A#/dev/} B=${DISK_B#/dev/}

emit() { echo "@@BENCH {\"ndelay_ns\":0,\"profile\":\"lio\",$1"; }
state() { cat /sys/kernel/blklock/*:*/paths/"$1"/state 2>/dev/null; }
# until SECONDS CMD...: until CMD succeeds, at most SECONDS.
until_ok() {
	n=$(($1 * 10))
	shift
	while ! "$@" && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	"$@"
}
is_state() { [ "$(state "$1")" = "$2" ]; }
hb_is() { [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" = "$1" ]; }
# trace_ms: the trace as "MS EVENT REST" lines (MS: the event's time in
# milliseconds, the clock trace_marker writes in too).
trace_ms() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) {
		t = substr($i, 1, length($i) - 1); ev = $(i + 1)
		sub(/:$/, "", ev); $1 = ""; print int(t * 1000 + 0.5), ev, $0; break } }' "$TRACE/trace"
}
trace_start() {
	echo 0 > $TRACE/tracing_on
	echo > $TRACE/trace
	for e in blklock_cmd blklock_caw blklock_path blklock_hb_state; do
		echo 1 > $TRACE/events/blklock/$e/enable
	done
	echo 1 > $TRACE/tracing_on
}

mount -t tracefs tracefs $TRACE 2>/dev/null
echo 8192 > $TRACE/buffer_size_kb
modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null
if ! insmod "$BLKLOCK_TEST_KO"; then
	echo "failover: cannot load $BLKLOCK_TEST_KO"
	exit 1
fi
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null
rmmod blklock

# ---- two paths: TRIES cuts of the active one ---------------------------------
insmod "$BLKLOCK_TEST_KO" dev="$DISK_A" node_id=1
blklockctl add-path "$DISK_B" > /dev/null || echo "failover: add-path $DISK_B failed"
blklock-bench hold 3 1 > /tmp/fo-hold 2>&1 &
hp=$!
until_ok 20 grep -q hold /tmp/fo-hold
try=1
while [ $try -le $TRIES ]; do
	if is_state "$A" active; then act=$A other=$B; else act=$B other=$A; fi
	until_ok 20 is_state "$other" standby
	trace_start
	sleep 2.5		# renewals through the active path before the cut
	echo "blklock-bench: cut $act" > $TRACE/trace_marker
	echo offline > /sys/block/"$act"/device/state
	until_ok 15 is_state "$act" failed
	sleep 3			# renewals through the other path
	echo 0 > $TRACE/tracing_on
	trace_ms > /tmp/fo-trace.$try
	echo running > /sys/block/"$act"/device/state
	# cut: the marker; failed: blklock marked the path failed; ok: the
	# first successful command through the other path after that;
	# gap: the longest time between two successful heartbeat renewals
	# around the cut.
	r=$(awk -v act="$act" -v other="$other" '
		$2 == "tracing_mark_write" && /blklock-bench: cut/ { cut = $1 }
		cut && !failed && $2 == "blklock_path" && / event=failed/ { failed = $1 }
		failed && !ok && $2 == "blklock_cmd" && (" " $0 " ") ~ (" disk=" other " ") && / status=ok / { ok = $1 }
		$2 == "blklock_caw" && / heartbeat=1 / && / fate=wrote/ {
			if (last && $1 - last > gap) gap = $1 - last; last = $1 }
		END { printf "%d %d %d", failed - cut, ok - failed, gap }' /tmp/fo-trace.$try)
	set -- $r
	fenced=no
	grep -q 'blklock_hb_state.*to=fenced' /tmp/fo-trace.$try && fenced=yes
	emit "\"test\":\"failover\",\"try\":$try,\"from\":\"$act\",\"to\":\"$other\",\"cut_to_failed_ms\":$1,\"failed_to_ok_ms\":$2,\"renewal_gap_ms\":$3,\"hb_interval_ms\":$(cat /sys/kernel/blklock/*:*/hb_interval_ms),\"fenced\":\"$fenced\"}"
	until_ok 15 is_state "$act" standby
	try=$((try + 1))
done
grep -q 'lost' /tmp/fo-hold && echo "failover: the holder was told of a loss: $(cat /tmp/fo-hold)"
kill -TERM $hp
wait $hp
rmmod blklock

# ---- the baseline: one path, the same cut fences the node ---------------------
insmod "$BLKLOCK_TEST_KO" dev="$DISK_A" node_id=1
blklock-bench hold 3 1 > /tmp/fo-hold 2>&1 &
hp=$!
until_ok 20 grep -q hold /tmp/fo-hold
trace_start
sleep 2.5
echo "blklock-bench: cut $A" > $TRACE/trace_marker
echo offline > /sys/block/"$A"/device/state
until_ok 20 hb_is fenced
echo 0 > $TRACE/tracing_on
ms=$(trace_ms | awk '$2 == "tracing_mark_write" && /blklock-bench: cut/ { cut = $1 }
	cut && $2 == "blklock_hb_state" && / to=fenced/ { print $1 - cut; exit }')
emit "\"test\":\"one_path_cut\",\"cut_to_fenced_ms\":${ms:-null},\"fence_after_ms\":$(cat /sys/kernel/blklock/*:*/fence_after_ms)}"
echo running > /sys/block/"$A"/device/state
kill -TERM $hp
wait $hp
rmmod blklock
