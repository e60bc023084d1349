# shellcheck shell=sh
# profiles: scsi_debug lio
# Persistent attach and the boot commands: probe, wait-device, attach
# --uuid (one LUN through two paths), attach --persistent with no process
# keeping /dev/blklock open, detach, start and stop with a configuration
# file and its mistakes, and rmmod with a persistent lockspace.  Every
# detach leaves the slot "left" on the disk (read back with dump).
#
# scsi_debug's two disks share one store but carry different SCSI
# designators, so attach --uuid must refuse to choose between them; LIO's
# two LUNs of one backstore carry the same designator: one LUN, the
# first path by name is used.
. ./lock-lib.sh

U=7a1b2c3d-4e5f-4061-8273-9485a6b7c8d9
OTHER=11111111-2222-3333-4444-555555555555
nr_spaces() {
	n=0
	for d in /sys/kernel/blklock/*:*; do
		[ -d "$d" ] && n=$((n + 1))
	done
	echo $n
}
slot_left() { blklockctl dump --no-wait "$DISK_B" 2>&1 | grep -qE "^node $1 incarnation [0-9a-f]+ counter [0-9]+ left"; }
persistent_a() { [ "$(cat "$(sysdir "$A")/persistent" 2>/dev/null)" = "$1" ]; }

load_blklock

# probe: silent exit 1 without a lockspace, KEY=value lines with one.
dd if=/dev/zero of="$DISK_A" bs=1M count=1 oflag=direct 2>/dev/null
blklockctl probe "$DISK_B" > "$OUT/probe0" 2>&1
check probe-blank-exit-1 [ $? -eq 1 ]
check probe-blank-silent [ ! -s "$OUT/probe0" ]
blklockctl format "$DISK_A" --locks 16 --uuid="$U" > "$OUT/format" 2>&1
check format [ $? -eq 0 ]
blklockctl probe "$DISK_B" > "$OUT/probe1" 2>&1
check probe-exit-0 [ $? -eq 0 ]
check probe-uuid grep -qx "BLKLOCK_UUID=$U" "$OUT/probe1"
check probe-locks grep -qx "BLKLOCK_LOCKS=16" "$OUT/probe1"
check probe-version grep -qx "BLKLOCK_VERSION=4" "$OUT/probe1"
modprobe loop 2>/dev/null
dd if=/dev/zero of=/tmp/loop.img bs=1M count=1 2>/dev/null
LOOP=$(losetup -f)
losetup "$LOOP" /tmp/loop.img
blklockctl probe "$LOOP" > "$OUT/probe-loop" 2>&1
check probe-other-disk-exit-1 [ $? -eq 1 ]
check probe-other-disk-silent [ ! -s "$OUT/probe-loop" ]
losetup -d "$LOOP"

# wait-device: both paths at once; a lockspace nowhere times out.
blklockctl wait-device --uuid="$U" --timeout=5 > "$OUT/wait" 2>&1
check wait-device-found [ $? -eq 0 ]
check wait-device-names-both grep -qx "lockspace $U is on $DISK_A, $DISK_B" "$OUT/wait"
blklockctl wait-device --uuid="$OTHER" --timeout=1 > "$OUT/wait2" 2>&1
check wait-device-timeout [ $? -eq 3 ]
check wait-device-timeout-says grep -q "no SCSI disk carrying lockspace $OTHER appeared within 1 s.*ETIMEDOUT" "$OUT/wait2"

# attach --uuid: the two paths are detected; never attached twice.
mark_dmesg
blklockctl attach --uuid="$U" --node=1 --persistent > "$OUT/byuuid" 2>&1
rc=$?
case $PROFILE in
scsi_debug)
	check uuid-two-designators-refused [ $rc -eq 3 ]
	check uuid-two-designators-says grep -q "lockspace $U is on 2 disks: $DISK_A (.*), $DISK_B (.*); their SCSI designators differ.*refusing to choose" "$OUT/byuuid"
	check uuid-refused-attaches-nothing [ "$(nr_spaces)" = 0 ]
	ATTACH="attach $DISK_A"
	CONF_NAME="device=$DISK_A uuid=$U"
	;;
lio)
	check uuid-one-lun-attached [ $rc -eq 0 ]
	check uuid-one-lun-says grep -q "lockspace $U: one LUN (.*) seen through 2 paths: $DISK_A, $DISK_B; using $DISK_A" "$OUT/byuuid"
	check uuid-one-lun-once [ "$(nr_spaces)" = 1 ]
	check uuid-one-lun-second-path grep -q "^added path $DISK_B: 2 paths" "$OUT/byuuid"
	check uuid-one-lun-paths [ "$(ls "$(sysdir "$A")/paths" | tr '\n' ' ')" = "$A $B " ]
	blklockctl detach --uuid="$U" > /dev/null 2>&1
	ATTACH="attach --uuid=$U"
	CONF_NAME="uuid=$U"
	;;
esac

# A persistent attach outlives blklockctl.
mark_dmesg
# shellcheck disable=SC2086 # ATTACH is words
blklockctl $ATTACH --node=1 --persistent > "$OUT/attach" 2>&1
check persistent-attach [ $? -eq 0 ]
check persistent-attach-says grep -q "attached $DISK_A as node 1 persistently" "$OUT/attach"
check persistent-attach-dmesg has_dmesg "$A: lockspace $U attached persistently as node 1, until detach or unload"
check no-blklockctl-running [ -z "$(pidof blklockctl)" ]
check persistent-sysfs persistent_a 1
check persistent-live [ "$(cat "$(sysdir "$A")/heartbeat")" = live ]
hb0=$(stat_a hb_sent)
sleep 3
check persistent-heartbeat-moves [ "$(stat_a hb_sent)" -gt "$hb0" ]
blklockctl attach "$DISK_A" --node=1 acquire 3 status 3 release 3 > "$OUT/use" 2>&1
check fresh-open-takes-lock [ $? -eq 0 ]
check fresh-open-acquired grep -q "acquired lock 3 generation" "$OUT/use"
check still-persistent-after-close persistent_a 1
# Again: already attached, fine (start is idempotent).
mark_dmesg
# shellcheck disable=SC2086
blklockctl $ATTACH --node=1 --persistent > "$OUT/again" 2>&1
check persistent-again-ok [ $? -eq 0 ]
check persistent-again-says grep -q "$DISK_A: attached persistently as node 1 already" "$OUT/again"
check persistent-again-dmesg has_dmesg "$A: lockspace $U is attached persistently as node 1 already"
# The same node id through the other path: refused, unless attach by
# uuid made that disk a path of the lockspace (LIO: one LUN), which then
# shares it.
blklockctl attach "$DISK_B" --node=1 --persistent > "$OUT/twice" 2>&1
rc=$?
if [ "$ATTACH" = "attach $DISK_A" ]; then
	check other-path-refused [ $rc -eq 3 ]
	check other-path-eaddrinuse grep -q EADDRINUSE "$OUT/twice"
else
	check other-path-shares [ $rc -eq 0 ]
	check other-path-shares-says grep -q "attached persistently as node 1 already" "$OUT/twice"
fi
check other-path-once [ "$(nr_spaces)" = 1 ]

# detach: ENOENT for what is not persistent, then the real one.
mark_dmesg
blklockctl detach --uuid="$OTHER" > "$OUT/det-other" 2>&1
check detach-unknown-enoent [ $? -eq 3 ]
check detach-unknown-says grep -q "detach lockspace $OTHER: No such file or directory (ENOENT)" "$OUT/det-other"
check detach-unknown-dmesg has_dmesg "DETACH: no persistent attach of lockspace $OTHER"
if [ "$ATTACH" = "attach $DISK_A" ]; then
	blklockctl detach "$DISK_B" > "$OUT/det-b" 2>&1
	check detach-other-path-enoent [ $? -eq 3 ]
	check detach-other-path-dmesg has_dmesg "DETACH: no persistent attach through $DISK_B"
fi
mark_dmesg
# (With LIO, DISK_B is a path of the lockspace: detach DISK_B would do.)
blklockctl detach --uuid="$U" > "$OUT/det" 2>&1
check detach [ $? -eq 0 ]
check detach-says grep -qx "detached lockspace $U" "$OUT/det"
check detach-dmesg has_dmesg "$A: persistent attach of lockspace $U as node 1 ended (detach)"
check detach-detached-dmesg has_dmesg "$A: detached node 1"
check detach-sysfs-gone [ "$(nr_spaces)" = 0 ]
check detach-slot-left slot_left 1

# start and stop with a configuration file.
cat > /tmp/blklock.conf <<EOC
# blklock lockspaces of this host

$CONF_NAME node=2 timeout=10   # the shared LUN
EOC
mark_dmesg
blklockctl start --config=/tmp/blklock.conf > "$OUT/start" 2>&1
check start [ $? -eq 0 ]
check start-says grep -q "attached $DISK_A as node 2 persistently" "$OUT/start"
check start-persistent persistent_a 1
check start-node [ "$(cat "$(sysdir "$A")/node_id")" = 2 ]
blklockctl start --config=/tmp/blklock.conf > "$OUT/start2" 2>&1
check start-again-ok [ $? -eq 0 ]
check start-again-says grep -q "attached persistently as node 2 already" "$OUT/start2"
blklockctl stop --config=/tmp/blklock.conf > "$OUT/stop" 2>&1
check stop [ $? -eq 0 ]
check stop-sysfs-gone [ "$(nr_spaces)" = 0 ]
check stop-slot-left slot_left 2
blklockctl stop --config=/tmp/blklock.conf > "$OUT/stop2" 2>&1
check stop-again-ok [ $? -eq 0 ]
check stop-again-says grep -q "not attached persistently" "$OUT/stop2"

# Mistakes: each bad line named, nothing attached for it, the good one is.
cat > /tmp/bad.conf <<EOC
uuid=$OTHER
$CONF_NAME node=3 timeout=10
uuid=$OTHER node=2001
uuid=$OTHER node=4 color=red
EOC
blklockctl start --config=/tmp/bad.conf > "$OUT/bad" 2>&1
check bad-config-fails [ $? -eq 3 ]
check bad-config-line-1 grep -q "/tmp/bad.conf:1: no node=" "$OUT/bad"
check bad-config-line-3 grep -q "/tmp/bad.conf:3: node=2001 is not a node id" "$OUT/bad"
check bad-config-line-4 grep -q "/tmp/bad.conf:4: unknown key 'color'" "$OUT/bad"
check bad-config-good-line-attached [ "$(cat "$(sysdir "$A")/node_id" 2>/dev/null)" = 3 ]
check bad-config-only-one [ "$(nr_spaces)" = 1 ]
blklockctl stop --config=/tmp/bad.conf > /dev/null 2>&1
check bad-config-stop-detaches [ "$(nr_spaces)" = 0 ]
printf 'uuid=%s node=4 timeout=1\n' "$OTHER" > /tmp/missing.conf
blklockctl start --config=/tmp/missing.conf > "$OUT/missing" 2>&1
check start-missing-disk-fails [ $? -eq 3 ]
check start-missing-disk-says grep -q "/tmp/missing.conf:1: no SCSI disk carrying lockspace $OTHER appeared within 1 s" "$OUT/missing"
if [ "$PROFILE" = scsi_debug ]; then
	printf 'uuid=%s node=4 timeout=5\n' "$U" > /tmp/twopaths.conf
	blklockctl start --config=/tmp/twopaths.conf > "$OUT/twopaths" 2>&1
	check start-uuid-two-designators-fails [ $? -eq 3 ]
	check start-uuid-two-designators-says grep -q "refusing to choose" "$OUT/twopaths"
	check start-uuid-two-designators-nothing [ "$(nr_spaces)" = 0 ]
fi

# rmmod with a persistent lockspace: it detaches, the slot says left.
# shellcheck disable=SC2086
blklockctl $ATTACH --node=5 --persistent > "$OUT/attach5" 2>&1
check attach-before-rmmod [ $? -eq 0 ]
mark_dmesg
rmmod blklock
check rmmod-persistent [ $? -eq 0 ]
check rmmod-ended-dmesg has_dmesg "$A: persistent attach of lockspace $U as node 5 ended (unload)"
check rmmod-detached-dmesg has_dmesg "$A: detached node 5"
check rmmod-slot-left slot_left 5
