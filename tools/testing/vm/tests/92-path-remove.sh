# shellcheck shell=sh disable=SC2086
# profiles: lio
# A path's disk is removed (echo 1 > .../delete) while a lock is held
# through a lockspace with two paths: the lockspace goes on through the
# other path, the lock stays held, and the module unloads cleanly.  LIO
# only (its two LUNs are one LUN: 70-multipath); runs last, as it deletes
# a disk.
. ./lock-lib.sh


load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
rmmod blklock
load_blklock dev="$DISK_A" node_id=1
D=$(sysdir "$A")
LL=$(cat $D/lock_lba)
blklockctl add-path "$DISK_B" > "$OUT/add" 2>&1
check add-path [ $? -eq 0 ]
hold "$N1" 5
check held [ "$(rec $((LL + 5)) owner)" = 1 ]
mark_dmesg
echo 1 > "/sys/block/$A/device/delete"
wait_until 10 path_is $A failed
check removed-path-failed [ $? -eq 0 ]
check removed-other-active path_is $B active
check removed-dmesg has_dmesg "$A: path $A failed ("
sleep 3
check removed-live [ "$(cat $D/heartbeat)" = live ]
check removed-no-fence lacks_dmesg "every lock it holds is lost"
check removed-holder-kept sh -c "kill -0 $(cat "$OUT/hold.5.pid") && ! grep -q lost $OUT/hold.5"
check removed-record-kept [ "$(rec $((LL + 5)) owner)" = 1 ]
$N1 acquire 6 --nowait release 6 > "$OUT/other" 2>&1
check removed-lock-ops [ $? -eq 0 ]
unhold 5
check released [ "$(rec $((LL + 5)) owner)" = 0 ]
rmmod blklock
check unload [ $? -eq 0 ]
check no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace|hung task'"
