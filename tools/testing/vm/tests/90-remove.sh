# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug
# The disk disappears (echo 1 > .../delete) while node 2 holds a lock and
# node 1 waits for it: no oops, no hang, the waiter gets an error, and
# the module unloads afterwards.  scsi_debug only; runs last (90-), as it
# deletes the disks.
. ./lock-lib.sh

if [ ! -d /sys/module/scsi_debug ]; then
	skip device-removal "deletes the scsi_debug disks; LIO removal is not covered"
	return 0 2>/dev/null || exit 0
fi

load_blklock
blklockctl format "$DISK_A" --locks 16 --force >/dev/null 2>&1
rmmod blklock
insmod "$BLKLOCK_KO" dev="$DISK_A" node_id=1
LL=$(cat "$(sysdir "$A")/lock_lba")
hold "$N2" 2
check removal-holder [ "$(rec $((LL + 2)) owner)" = 2 ]
$N1 acquire 2 --timeout 60000 > "$OUT/waiter" 2>&1 &
waiter=$!
sleep 1
mark_dmesg
echo 1 > "/sys/block/$B/device/delete"
echo 1 > "/sys/block/$A/device/delete"
i=0
while kill -0 "$waiter" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check removal-waiter-returns sh -c "! kill -0 $waiter 2>/dev/null"
wait "$waiter"
check removal-waiter-error [ $? -eq 3 ]
sed 's/^/waiter: /' "$OUT/waiter"
check removal-waiter-errno grep -qE "\((ENODEV|ENXIO|EIO|ENOLINK)\)" "$OUT/waiter"
# The holder's heartbeat cannot be renewed: within the self-fence
# deadline (4 s) plus an I/O timeout the kernel reports the loss and
# blklockctl exits 5 by itself.
holder=$(cat "$OUT/hold.2.pid")
i=0
while kill -0 "$holder" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check removal-holder-exits sh -c "! kill -0 $holder 2>/dev/null"
wait "$holder"
check removal-holder-lost [ $? -eq 5 ]
sed 's/^/holder: /' "$OUT/hold.2"
check removal-holder-told grep -q "a held lock is lost" "$OUT/hold.2"
# The fence timer or the next renewal, whichever runs first, says it.
check removal-fence-dmesg has_dmesg ": every lock it holds is lost"
unhold 2
rmmod blklock
check removal-unload [ $? -eq 0 ]
check removal-sysfs-gone [ ! -e /sys/kernel/blklock ]
check removal-no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace|hung task'"
