# shellcheck shell=sh disable=SC2086
# A lockspace over two paths to its LUN (path.c).  LIO's two tcm_loop
# LUNs share one backstore and report one LUN designator: the second is
# added as a path; the active path is taken offline while a lock is
# held: the commands fail over, the heartbeat stays live, the lock stays
# held; the path comes back (probed) and is used again; with both paths
# offline the node fences as with one.  scsi_debug's two disks share one
# store but report two LUN designators: the second is refused as a path.
# (Removing a path's disk while locks are held: 92-path-remove.)
. ./lock-lib.sh

sdev_state() { echo "$2" > "/sys/block/$1/device/state"; }
# kept STEP [WHY]: three heartbeat intervals after a failover (less than
# fence_after_ms), the node is live, not fenced, lock 3's holder and
# record are kept, and at most two renewals failed or were late since
# late0.
kept() {
	sleep 3
	check "$1-live" hb_is live
	check "$1-no-fence" lacks_dmesg "every lock it holds is lost"
	check "$1-holder-kept" sh -c "kill -0 $(cat "$OUT/hold.3.pid") && ! grep -q lost $OUT/hold.3"
	check "$1-record-kept" [ "$(rec $((LL + 3)) owner)" = 1 ]
	late=$(($(stat_a hb_late) - late0))
	figure "$1: $late renewal(s) failed or late ${2:-}"
	check "$1-late-bounded" [ $late -le 2 ]
}

load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
check format [ $? -eq 0 ]
rmmod blklock
load_blklock dev="$DISK_A" node_id=1
D=$(sysdir "$A")
LL=$(cat $D/lock_lba)
check one-path [ "$(ls $D/paths)" = "$A" ]
check one-path-active path_is $A active

if [ -d /sys/module/scsi_debug ]; then
	mark_dmesg
	blklockctl add-path "$DISK_B" > "$OUT/add" 2>&1
	check refused-other-designator grep -q EXDEV "$OUT/add"
	check refused-dmesg has_dmesg "$A: cannot add path $DISK_B: its LUN designator"
	check refused-one-path [ "$(ls $D/paths)" = "$A" ]
	rmmod blklock
	check unload [ $? -eq 0 ]
	skip failover "scsi_debug's disks report two LUN designators, so they are not paths of one LUN; the LIO profile runs it"
	exit 0
fi

# ---- adding a path ---------------------------------------------------------
mark_dmesg
blklockctl add-path "$DISK_B" > "$OUT/add" 2>&1
check add-path [ $? -eq 0 ]
sed 's/^/add-path: /' "$OUT/add"
check add-output grep -q "added path $DISK_B: 2 paths" "$OUT/add"
check add-dmesg has_dmesg "$A: added path $DISK_B ($B) to lockspace $(cat $D/uuid) as node 1: 2 paths"
check add-standby path_is $B standby
check add-active-kept path_is $A active
blklockctl add-path "$DISK_B" > "$OUT/again" 2>&1
check add-again-refused grep -q EEXIST "$OUT/again"
blklockctl add-path "$DISK_A" > "$OUT/self" 2>&1
check add-self-refused grep -q EEXIST "$OUT/self"
blklockctl add-path /dev/null > "$OUT/null" 2>&1
check add-not-block-refused sh -c "! grep -q 'added path' $OUT/null && [ -n \"\$(cat $OUT/null)\" ]"
check two-paths [ "$(ls $D/paths | tr '\n' ' ')" = "$A $B " ]

# ---- the active path goes offline while a lock is held ------------------------
hold "$N1" 3
check held [ "$(rec $((LL + 3)) owner)" = 1 ]
late0=$(stat_a hb_late)
mark_dmesg
check trace-on trace_on blklock_path
sdev_state $A offline
wait_until 10 path_is $A failed
check failover-marked [ $? -eq 0 ]
check failover-active path_is $B active
check failover-dmesg has_dmesg "$A: path $A failed ("
check failover-dmesg-next has_dmesg "): commands go through $B now"
check failover-trace has_trace blklock_path "disk=$A path=$A event=failed active=$B error=-[0-9]+"
sent=$(stat_a hb_sent)
kept failover "(the one that met the dead path, and the next)"
check failover-renewing [ "$(stat_a hb_sent)" -ge $((sent + 2)) ]
$N1 acquire 4 --nowait validate 4 release 4 > "$OUT/other" 2>&1
check failover-lock-ops [ $? -eq 0 ]
check failover-errors [ "$(cat $D/paths/$A/errors)" -ge 1 ]
check failover-count [ "$(cat $D/paths/$A/failovers)" = 1 ]
check failover-failed-ms [ "$(cat $D/paths/$A/failed_ms)" -gt 0 ]

# ---- it comes back: probed, then standby ----------------------------------------
sdev_state $A running
wait_until 15 path_is $A standby
check return-standby [ $? -eq 0 ]
check return-dmesg has_dmesg "$A: path $A works again"
check return-active-stays path_is $B active
check return-trace has_trace blklock_path "disk=$A path=$A event=works active=$B error=0"
trace_off multipath

# ---- the active path stops answering: a command times out ---------------------
# (fail_io_timeout, on kernels with CONFIG_FAIL_IO_TIMEOUT: the debug
# kernel.)  The next command through $B executes but its completion is
# lost: it times out (a heartbeat command after one interval) and the
# SCSI error handler ends it with host status DID_TIME_OUT, a path error.
if fit_arm $B; then
	late0=$(stat_a hb_late)
	fo0=$(cat $D/paths/$B/failovers)
	mark_dmesg
	check timeout-trace-on trace_on blklock_path blklock_cmd
	echo 1 > $FIT/times
	wait_until 20 path_is $B failed
	check timeout-failover [ $? -eq 0 ]
	echo 0 > /sys/block/$B/io-timeout-fail
	check timeout-active path_is $A active
	check timeout-cmd-timed-out has_trace blklock_cmd "disk=$B .* status=failed error=-62 .*host=0x03"
	check timeout-path-trace has_trace blklock_path "disk=$A path=$B event=failed active=$A error=-62"
	check timeout-count [ "$(cat $D/paths/$B/failovers)" = $((fo0 + 1)) ]
	kept timeout
	wait_until 15 path_is $B standby
	check timeout-return-standby [ $? -eq 0 ]
	trace_off timeout
else
	skip timeout-failover "no $FIT or /sys/block/$B/io-timeout-fail (CONFIG_FAIL_IO_TIMEOUT: the debug kernel runs it)"
fi

# ---- both paths offline: the node fences as with one path ------------------------
mark_dmesg
sdev_state $A offline
sdev_state $B offline
wait_until 15 hb_is fenced
check all-fenced [ $? -eq 0 ]
wait_file "$OUT/hold.3" "a held lock is lost" 10
check all-holder-told [ $? -eq 0 ]
check all-dmesg has_dmesg "and no other path works"
sdev_state $A running
sdev_state $B running
wait_until 20 hb_is live
check all-rejoined [ $? -eq 0 ]
unhold 3
rmmod blklock
check unload [ $? -eq 0 ]
check sysfs-gone [ ! -e "$D" ]
