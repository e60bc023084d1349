# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug lio
# Node names (format 3): node 1 loaded with node_name=, node 2 attached
# with --name; each name is in its own heartbeat slot on the disk (read
# back with blklock-disk through the other path), in sysfs, in the
# attach line, in dump and status, and in the busy lock's dmesg detail
# line, while the seed's two lines stay as they are.  Bad names are
# refused (blklockctl before any ioctl; the kernel with EINVAL and one
# line).  A format 2 lockspace attaches without the name, and says so.
. ./lock-lib.sh

load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
check names-format [ $? -eq 0 ]
check names-format-4 [ "$(blklock-disk header "$DISK_B" | awk '{ print $2 }')" = 4 ]
rmmod blklock
mark_dmesg
load_blklock dev="$DISK_A" node_id=1 node_name=alpha.example
check names-load [ $? -eq 0 ]
S=$(sysdir "$A")
check names-sysfs-node1 [ "$(cat "$S/node_name")" = alpha.example ]
check names-attach-line has_dmesg "$A: attached lockspace $(cat "$S/uuid") as node 1 (alpha.example) (incarnation"
check names-slot-node1 sh -c "blklock-disk hb $DISK_B 1 | grep -q ' name alpha.example name_crc ok$'"
LL=$(cat "$S/lock_lba")

# Node 2, named, holds lock 3; node 1 finds it busy.
N2N="blklockctl attach $DISK_B --node=2 --name=beta"
hold "$N2N" 3
check names-node2-holds [ "$(rec $((LL + 3)) owner)" = 2 ]
check names-slot-node2 sh -c "blklock-disk hb $DISK_B 2 | grep -q ' name beta name_crc ok$'"
mark_dmesg
$N1 acquire 3 --nowait > "$OUT/busy" 2>&1
check names-busy [ $? -eq 1 ]
check names-seed-line-1 has_dmesg "blklock: atomic test and set of disk block $((LL + 3)) returned false for equality (expected=0, got=2)"
check names-seed-line-2 has_dmesg "blklock: lock acquisition failed. Node 2 already owns the lock."
check names-busy-detail has_dmesg "$A: lock 3: node 2 (beta) holds generation "
$N1 status 3 > "$OUT/status" 2>&1
check names-status grep -q "^lock 3: owner 2 generation [0-9]* .*; node 2 (beta) is live$" "$OUT/status"
blklockctl --json status 3 > "$OUT/status.json" 2>&1
check names-status-json grep -q '"owner_name":"beta"' "$OUT/status.json"
blklockctl dump --no-wait "$DISK_B" > "$OUT/dump" 2>&1
check names-dump-node1 grep -q "^node 1 (alpha.example) incarnation " "$OUT/dump"
check names-dump-node2 grep -q "^node 2 (beta) incarnation " "$OUT/dump"
check names-dump-owner grep -q "^lock 3 owner 2 (beta) generation " "$OUT/dump"
unhold 3

# Bad names: blklockctl refuses them itself (exit 2, nothing sent); the
# kernel refuses them too (blklock-abi, raw ioctls).
blklockctl attach "$DISK_B" --node=2 '--name=two words' > "$OUT/bad" 2>&1
check names-cli-refuses [ $? -eq 2 ]
mark_dmesg
blklock-abi names "$DISK_B" > "$OUT/abi" 2>&1
check names-ioctl-refuses [ $? -eq 0 ]
sed 's/^/abi: /' "$OUT/abi"
check names-ioctl-dmesg has_dmesg 'ATTACH: node name "two words": only 1 to 63 of A-Z a-z 0-9 . _ -'
check names-ioctl-long-dmesg has_dmesg "ATTACH: node name longer than 63 characters"
# A newline in a refused name is printed escaped, not as a line of its own.
check names-ioctl-newline-escaped has_dmesg 'ATTACH: node name "evil\nblklock: forged": only 1 to 63'
check names-ioctl-newline-no-forged-line sh -c "! dmesg | grep -q '^blklock: forged'"
rmmod blklock
check names-unload [ $? -eq 0 ]

# A bad node_name= refuses the load.
mark_dmesg
load_blklock dev="$DISK_A" node_id=1 node_name=no/slash 2> /dev/null
check names-bad-param-refused [ $? -ne 0 ]
check names-bad-param-dmesg has_dmesg "node_name=no/slash: a name is 1 to 63 of A-Z a-z 0-9 . _ -"

# Format 2 (a fresh lockspace, its version set back to 2: the slots
# that carry names would be damaged in format 2): attached as before,
# without the name, and dmesg says so.
load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
check names-v2-format [ $? -eq 0 ]
rmmod blklock
blklock-disk set-version "$DISK_A" 2
mark_dmesg
load_blklock dev="$DISK_A" node_id=1 node_name=alpha
check names-v2-load [ $? -eq 0 ]
S=$(sysdir "$A")
check names-v2-version [ "$(cat "$S/format_version")" = 2 ]
check names-v2-no-name [ -z "$(cat "$S/node_name")" ]
check names-v2-notice has_dmesg "$A: lockspace format 2 has no room for node names: node 1's name alpha is not stored"
check names-v2-slot-plain sh -c "! blklock-disk hb $DISK_B 1 | grep -q ' name '"
blklockctl dump --no-wait "$DISK_B" > "$OUT/dump2" 2>&1
check names-v2-dump grep -q "^node 1 incarnation " "$OUT/dump2"
rmmod blklock
check names-v2-unload [ $? -eq 0 ]
