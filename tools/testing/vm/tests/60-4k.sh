# shellcheck shell=sh
# profiles: scsi_debug
# 4096-byte logical blocks (scsi_debug only): the same format, lock and
# storm on a LUN with 4K sectors.  Puts the 512-byte disks back after.
. ./lock-lib.sh

if [ ! -d /sys/module/scsi_debug ]; then
	skip 4k-blocks "needs scsi_debug (sector_size=4096)"
	return 0 2>/dev/null || exit 0
fi

reload_sd() {
	rmmod scsi_debug
	modprobe scsi_debug dev_size_mb=64 num_tgts=2 "$@"
	wait_disks
}

reload_sd sector_size=4096
. ./lock-lib.sh
check 4k-block-size [ "$BS" = 4096 ]
load_blklock
blklockctl format "$DISK_A" --locks 32 > "$OUT/fmt4k" 2>&1
check 4k-format [ $? -eq 0 ]
check 4k-header [ "$(blklock-disk header "$DISK_B")" = "version 4 locks 32 lock_lba 4001 block_size 4096 nodes 2000 hb_lba 1 req_lba 2001 heartbeat 1000 lease 6000 magic ok crc ok" ]
blklockctl --device "$DISK_A" --node 1 acquire 4 status 4 release 4 > "$OUT/c4k" 2>&1
check 4k-acquire grep -q "lock 4: owner 1 generation 1 held-by-this-file yes" "$OUT/c4k"
check 4k-record [ "$(blklock-disk record "$DISK_B" 4005 | sed 's/ incarnation [0-9a-f]*//')" = "owner 0 generation 1 lock 4 magic ok crc ok flags 0" ]
N=15
blklock-storm "$DISK_A" 1 7 4040 $N 2 4096 > "$OUT/g1" 2>&1 &
p1=$!
blklock-storm "$DISK_B" 2 7 4040 $N 2 4096 > "$OUT/g2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
check 4k-storm-ok [ "$r1$?" = 00 ]
check 4k-storm-counter [ "$(blklock-storm read "$DISK_B" 4040 4096)" = $((4 * N)) ]
check 4k-storm-unique [ "$(cat "$OUT/g1" "$OUT/g2" | sort -n | uniq -d | wc -l)" = 0 ]
rmmod blklock
check 4k-unload [ $? -eq 0 ]
reload_sd
