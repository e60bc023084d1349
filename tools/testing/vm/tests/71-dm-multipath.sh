# shellcheck shell=sh disable=SC2086
# profiles: lio
# A lockspace attached through a dm-multipath device: LIO's two LUNs (one
# LUN) under a dm-multipath map built with dmsetup (no multipathd in the
# guest).  blklockctl attaches the map's sd paths, opened without a claim
# since dm-multipath holds them; the map's first path goes offline while
# a lock is held: blklock fails over by itself (it never sends commands
# to the dm device), the lock stays held.  Debian's kernels have
# dm-multipath as modules; the debug kernel has none (SKIP).
. ./lock-lib.sh


if ! modprobe dm_multipath 2>/dev/null || ! modprobe dm_round_robin 2>/dev/null ||
	! command -v dmsetup > /dev/null; then
	skip dm-multipath "this kernel or guest has no dm-multipath (dm_multipath, dm_round_robin, dmsetup)"
	exit 0
fi

load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
check format [ $? -eq 0 ]
# No udev in the guest: dmsetup makes the /dev/mapper node itself.
export DM_DISABLE_UDEV=1
SZ=$(blockdev --getsz "$DISK_A")
dmsetup create mpath_test --uuid mpath-blklocktest --table \
	"0 $SZ multipath 0 0 1 1 round-robin 0 2 1 $(cat /sys/block/$A/dev) 1000 $(cat /sys/block/$B/dev) 1000"
check dm-created [ $? -eq 0 ]
DM=$(dmsetup info -c --noheadings -o blkdevname mpath_test)
check dm-holds-paths sh -c "[ -e /sys/block/$A/holders/$DM ] && [ -e /sys/block/$B/holders/$DM ]"

mark_dmesg
blklockctl attach /dev/mapper/mpath_test --node=1 --persistent > "$OUT/attach" 2>&1
check attach-dm [ $? -eq 0 ]
sed 's/^/attach: /' "$OUT/attach"
D=$(space_dir "$DISK_A" 1)
check attach-two-paths [ "$(ls $D/paths | tr '\n' ' ')" = "$A $B " ]
check attach-disk-is-sd [ "$(cat $D/disk)" = "$A" ]
check attach-dmesg has_dmesg "$A: added path /dev/$B ($B) to lockspace"
LL=$(cat $D/lock_lba)

# Another node id through a path of the lockspace is refused.
blklockctl attach "$DISK_B" --node=2 > "$OUT/excl" 2>&1
check other-node-refused grep -q EBUSY "$OUT/excl"

# A later process shares the persistent lockspace through any of its paths.
NDM="blklockctl --device $DISK_A --node 1"
$NDM acquire 3 > "$OUT/hold.3" 2>&1 &
echo $! > "$OUT/hold.3.pid"
wait_file "$OUT/hold.3" "acquired lock 3 " 20
check held [ $? -eq 0 ]
check held-record [ "$(rec $((LL + 3)) owner)" = 1 ]
echo offline > /sys/block/$A/device/state
wait_until 10 path_is $A failed
check failover [ $? -eq 0 ]
check failover-active path_is $B active
sleep 3
check failover-live [ "$(cat $D/heartbeat)" = live ]
check failover-holder-kept sh -c "kill -0 $(cat "$OUT/hold.3.pid") && ! grep -q lost $OUT/hold.3"
echo running > /sys/block/$A/device/state
wait_until 15 path_is $A standby
check return-standby [ $? -eq 0 ]
unhold 3
check released [ "$(rec $((LL + 3)) owner)" = 0 ]
blklockctl detach /dev/mapper/mpath_test > "$OUT/detach" 2>&1
check detach [ $? -eq 0 ]
check detached [ ! -e "$D" ]
dmsetup remove mpath_test
check dm-removed [ $? -eq 0 ]
rmmod blklock
check unload [ $? -eq 0 ]
