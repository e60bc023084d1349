# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of attach, detach, probe, wait-device, start and stop that
# need no module: option errors, the configuration file's mistakes
# (FILE:LINE: what), probe's KEY=value lines, and finding a lockspace by
# uuid among fake SCSI disks (BLKLOCK_SYS_BLOCK and BLKLOCK_DEV_DIR point
# at a directory of sd* entries and one of image files), including a LUN
# seen through two paths, whose second path is added (through the fake
# device, $FAKE), and dm devices: dm-multipath ones attached through
# their paths (slaves), others refused.  Sourced by run.sh (t, f, pass,
# fail, jcheck, $T, $IMG, $FAKE).
# shellcheck disable=SC2015

U=0f8a1122-3344-4566-8788-99aabbccddee	# mkimage's uuid
OTHER=11111111-2222-3333-4444-555555555555

# Option errors: nothing is sent to the kernel.
t attach-no-node 2 'attach needs --node' -- attach /dev/sdb
t attach-disk-and-uuid 2 'attach needs a DISK or --uuid=UUID \(not both\)' -- attach /dev/sdb --uuid=$U --node=1
t attach-neither 2 'attach needs a DISK or --uuid=UUID \(neither' -- attach --node=1
t attach-bad-node 2 -- attach /dev/sdb --node=2001
t attach-bad-name 2 'attach --name=a b: a node name is 1 to 63 of' -- attach /dev/sdb --node=1 '--name=a b'
t attach-long-name 2 'a node name is 1 to 63 of' -- attach /dev/sdb --node=1 \
	--name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
t attach-bad-uuid 2 'needs a uuid' -- attach --uuid=xyz --node=1
t detach-neither 2 'detach needs a DISK or --uuid' -- detach
t detach-alone 2 'detach must be the only command' -- info detach /dev/sdb
t wait-device-no-uuid 2 'wait-device needs --uuid' -- wait-device
t wait-device-bad-timeout 2 'needs a number of seconds' -- wait-device --uuid=$U --timeout=x
t start-config-empty 2 -- start --config=
t probe-no-disk 2 'probe needs a DISK' -- probe
t stop-extra 2 -- stop --config=/x attach

# probe: KEY=value for a lockspace; exit 1 and nothing printed otherwise.
t probe-image 0 "^BLKLOCK_UUID=$U\$" '^BLKLOCK_VERSION=4$' '^BLKLOCK_LOCKS=16$' \
	'^BLKLOCK_MAX_NODES=8$' -- probe "$IMG"
head -c 1048576 /dev/zero > "$T/zero.img"
t probe-zero 1 -- probe "$T/zero.img"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && pass probe-zero-silent ||
	fail probe-zero-silent "printed: $(cat "$T/out" "$T/err" | head -c 200)"
t probe-missing 1 -- probe "$T/no-such-disk"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && pass probe-missing-silent || fail probe-missing-silent "printed something"

# The configuration file: every bad line named FILE:LINE, the others kept.
C=$T/blklock.conf
cat > "$C" <<EOC
# a comment

uuid=$U node=3 timeout=0   # inline comment
uuid=$U node=4
node=3
uuid=$OTHER
uuid=nothex node=1
uuid=$OTHER node=0
uuid=$OTHER node=2 colour=blue
uuid=$OTHER node=2 node=3
device=dev/sdb node=1
device=/dev/sdq node=1 timeout=-1
justaword
uuid=$OTHER node=2 timeout=86401
uuid=$OTHER node=2 name=bad/name
uuid=$OTHER node=2 name=a name=b
EOC
t conf-errors 3 "$C:4: the same lockspace or device as line 3" \
	"$C:5: no uuid= or device=" "$C:6: no node=" \
	"$C:7: uuid=nothex is not a uuid" "$C:8: node=0 is not a node id from 1 to 2000" \
	"$C:9: unknown key 'colour'" "$C:10: node= given twice" \
	"$C:11: device=dev/sdb is not an absolute path" \
	"$C:12: timeout=-1 is not a number of seconds" "$C:13: 'justaword' is not key=value" \
	"$C:14: timeout=86401" "$C:15: name=bad/name is not a node name" \
	"$C:16: name= given twice" -- -c "$T/no-control" start --config="$C"
# The one good line (3) was kept: start went on to open the control device.
grep -q 'cannot open .*no-control' "$T/err" && pass conf-good-line-kept ||
	fail conf-good-line-kept "$(tr '\n' '|' < "$T/err" | head -c 300)"
[ "$(grep -c "$C:" "$T/err")" = 13 ] && pass conf-error-count ||
	fail conf-error-count "$(grep -c "$C:" "$T/err") lines name the file, expected 13"
t conf-missing 3 "cannot read $T/none.conf" -- start --config="$T/none.conf"
printf '# nothing\n\n' > "$T/empty.conf"
t conf-empty 0 'names no lockspace' -- -c "$T/no-control" stop --config="$T/empty.conf"
printf 'uuid=%s node=1\n' $U > "$T/one.conf"
t stop-no-control 3 'cannot open' -- -c "$T/no-control" stop --config="$T/one.conf"

# Finding a lockspace by uuid among fake SCSI disks.
S=$T/sys D=$T/dev
mkdir -p "$S/sda/device" "$S/sdb/device" "$S/sdc/device" "$S/loop0" "$D"
cp "$T/zero.img" "$D/sda"
cp "$IMG" "$D/sdb"
cp "$IMG" "$D/sdc"
cp "$IMG" "$D/loop0"	# not a SCSI disk: never looked at
echo naa.600140511111 > "$S/sda/device/wwid"
echo naa.600140522222 > "$S/sdb/device/wwid"
echo naa.600140533333 > "$S/sdc/device/wwid"
export BLKLOCK_SYS_BLOCK=$S BLKLOCK_DEV_DIR=$D
t wait-device-found 0 "^lockspace $U is on $D/sdb, $D/sdc\$" -- wait-device --uuid=$U --timeout=0
t wait-device-timeout 3 "no SCSI disk carrying lockspace $OTHER appeared within 1 s" 'ETIMEDOUT' -- wait-device --uuid=$OTHER --timeout=1
# Two disks, different designators: refuse to choose, name both.
t attach-uuid-two-luns 3 "lockspace $U is on 2 disks: $D/sdb \(naa.600140522222\), $D/sdc \(naa.600140533333\)" \
	'refusing to choose' -- -c /dev/null attach --uuid=$U --node=1
# One designator: one LUN through two paths; the first path by name.
echo naa.600140522222 > "$S/sdc/device/wwid"
t attach-uuid-one-lun 3 "lockspace $U: one LUN \(naa.600140522222\) seen through 2 paths: $D/sdb, $D/sdc; using $D/sdb, adding $D/sdc as a path\$" \
	"attach $D/sdb as node 1" -- -c /dev/null attach --uuid=$U --node=1
! grep -q 'add path' "$T/err" && pass attach-uuid-failed-adds-nothing || fail attach-uuid-failed-adds-nothing "$(tr '\n' '|' < "$T/err")"

if [ -f "$SHIM" ] && LD_PRELOAD=$SHIM true 2>/dev/null; then
export FAKE_BLKLOCK_DIR=$T/adev
mkdir -p "$FAKE_BLKLOCK_DIR"
AL=$FAKE_BLKLOCK_DIR/log
# Attached through the first, the second added as a path.
f attach-uuid-adds-path 0 "^blklockctl: lockspace $U: one LUN \(naa.600140522222\) seen through 2 paths: $D/sdb, $D/sdc; using $D/sdb, adding $D/sdc as a path\$" -- \
	attach --uuid=$U --node=1 --persistent
printf '%s\n' "attached $D/sdb as node 1 persistently" "added path $D/sdc: 2 paths" > "$T/want"
cmp -s "$T/out" "$T/want" && pass attach-uuid-adds-path-lines || fail attach-uuid-adds-path-lines "$(tr '\n' '|' < "$T/out")"
[ "$(tr '\n' '|' < "$AL")" = "ATTACH path=$D/sdb node_id=1 flags=1 name=(none)|ADD_PATH path=$D/sdc flags=0|" ] &&
	pass attach-uuid-adds-path-ioctls || fail attach-uuid-adds-path-ioctls "$(tr '\n' '|' < "$AL")"
f attach-uuid-adds-path-list 0 "^added path $D/sdc: 2 paths\$" '^node 4$' -- attach --uuid=$U --node=4 info
f attach-uuid-adds-path-json 0 -- -J attach --uuid=$U --node=1 --name=db1
P=$D jcheck attach-uuid-adds-path-json "$T/out" 'L == [{"type": "attached", "disk": E["P"] + "/sdb", "node": 1, "name": "db1", "persistent": False, "already": False},
{"type": "path-added", "disk": E["P"] + "/sdc", "paths": 2, "already": False}]'
f attach-uuid-adds-path-quiet 0 -- -q attach --uuid=$U --node=1
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && grep -q "^ADD_PATH path=$D/sdc " "$AL" &&
	pass attach-uuid-adds-path-quiet-silent || fail attach-uuid-adds-path-quiet-silent "$(cat "$T/out" "$T/err" | head -c 200)"
# A path the lockspace has already (attached persistently before, with
# its paths): fine.  Any other refusal fails the attach, after the attach.
FAKE_BLKLOCK_ADD_PATH_ERRNO=17 f attach-uuid-path-already 0 "^attached $D/sdb as node 1 persistently\$" \
	"^$D/sdc: a path of the lockspace already\$" -- attach --uuid=$U --node=1 --persistent
FAKE_BLKLOCK_ADD_PATH_ERRNO=17 f attach-uuid-path-already-json 0 -- -J attach --uuid=$U --node=1
P=$D jcheck attach-uuid-path-already-json "$T/out" 'L[1] == {"type": "path-added", "disk": E["P"] + "/sdc", "paths": None, "already": True}'
FAKE_BLKLOCK_ADD_PATH_ERRNO=18 f attach-uuid-path-refused 3 "^attached $D/sdb as node 1\$" \
	"^blklockctl: add path $D/sdc: Invalid cross-device link \\(EXDEV\\); it is not the lockspace's LUN" -- attach --uuid=$U --node=1 info
! grep -q '^node ' "$T/out" && pass attach-uuid-path-refused-stops || fail attach-uuid-path-refused-stops "$(tr '\n' '|' < "$T/out")"
# Five disks of one LUN: four paths at most, the fifth left out.
for d in sdd sde sdf; do
	mkdir -p "$S/$d/device"
	echo naa.600140522222 > "$S/$d/device/wwid"
	cp "$IMG" "$D/$d"
done
: > "$AL"
f attach-uuid-max-paths 0 "seen through 5 paths: $D/sdb, $D/sdc, $D/sdd, $D/sde, $D/sdf; using $D/sdb, adding $D/sdc, $D/sdd, $D/sde as paths; a lockspace takes at most 4 paths: not adding $D/sdf\$" \
	"^added path $D/sde: 4 paths\$" -- attach --uuid=$U --node=1
[ "$(grep -c '^ADD_PATH' "$AL")" = 3 ] && ! grep -q "$D/sdf" "$AL" && pass attach-uuid-max-paths-ioctls || fail attach-uuid-max-paths-ioctls "$(tr '\n' '|' < "$AL")"
rm -r "$S/sdd" "$S/sde" "$S/sdf" "$D/sdd" "$D/sde" "$D/sdf"
# start: a uuid= line does the same.
printf 'uuid=%s node=6 timeout=0\n' $U > "$T/paths.conf"
f start-uuid-adds-path 0 "^attached $D/sdb as node 6 persistently\$" "^added path $D/sdc: 2 paths\$" -- start --config="$T/paths.conf"

# Device-mapper devices, /dev/mapper/NAME links to /dev/dm-N: dm-0 is
# multipath over sdc and sdb (which name it in their holders/), dm-1 LVM
# on sda, dm-2 without a dm uuid, dm-3 multipath without paths.  Only
# sysfs is read: no ioctl names a dm device.  The paths dm-multipath
# holds are opened without a claim: ATTACH_SHARED (2), PATH_SHARED (1).
mkdir -p "$D/mapper"
for n in 0 1 2 3; do
	cp "$IMG" "$D/dm-$n"
	mkdir -p "$S/dm-$n/dm" "$S/dm-$n/slaves"
done
echo mpath-3600140522222 > "$S/dm-0/dm/uuid"
: > "$S/dm-0/slaves/sdc"; : > "$S/dm-0/slaves/sdb"
mkdir -p "$S/sdb/holders" "$S/sdc/holders" "$S/sda/holders"
: > "$S/sdb/holders/dm-0"; : > "$S/sdc/holders/dm-0"
echo LVM-Yq3bVd0GxXdI2 > "$S/dm-1/dm/uuid"
: > "$S/dm-1/slaves/sda"; : > "$S/sda/holders/dm-1"
echo mpath-3600140533333 > "$S/dm-3/dm/uuid"
ln -s ../dm-0 "$D/mapper/mpatha"
ln -s ../dm-1 "$D/mapper/vg-lv"
: > "$AL"
f attach-dm-multipath 0 "^blklockctl: $D/mapper/mpatha is dm-multipath device dm-0 \(mpath-3600140522222\) over 2 paths: $D/sdb, $D/sdc; using $D/sdb, adding $D/sdc as a path\$" -- \
	attach "$D/mapper/mpatha" --node=3
printf '%s\n' "attached $D/sdb as node 3" "added path $D/sdc: 2 paths" > "$T/want"
cmp -s "$T/out" "$T/want" && pass attach-dm-multipath-lines || fail attach-dm-multipath-lines "$(tr '\n' '|' < "$T/out")"
[ "$(tr '\n' '|' < "$AL")" = "ATTACH path=$D/sdb node_id=3 flags=2 name=(none)|ADD_PATH path=$D/sdc flags=1|" ] &&
	pass attach-dm-multipath-ioctls || fail attach-dm-multipath-ioctls "$(tr '\n' '|' < "$AL")"
# A module that refuses the open without a claim (older, or nothing holds the disk).
FAKE_BLKLOCK_ATTACH_ERRNO=22 f attach-dm-multipath-shared-refused 3 "^blklockctl: attach $D/sdb as node 3: Invalid argument \\(EINVAL\\); a path of dm-multipath device dm-0, opened without a claim \\(SHARED\\): a blklock module older than this blklockctl refuses that, and so does one that finds no driver holding the disk; see dmesg\$" -- \
	attach "$D/mapper/mpatha" --node=3
FAKE_BLKLOCK_ADD_PATH_ERRNO=22 f add-path-shared-refused 3 "^blklockctl: add path $D/sdc: Invalid argument \\(EINVAL\\); a path of dm-multipath device dm-0, opened without a claim \\(SHARED\\): " -- \
	add-path "$D/sdc"
# Its paths named directly, or found by uuid, are opened without a claim too;
# a disk that something else (LVM) holds is claimed as always.
: > "$AL"
f attach-mpath-path-shared 0 "^attached $D/sdc as node 5\$" "^added path $D/sdb: 2 paths\$" -- attach "$D/sdc" --node=5 add-path "$D/sdb"
[ "$(tr '\n' '|' < "$AL")" = "ATTACH path=$D/sdc node_id=5 flags=2 name=(none)|ADD_PATH path=$D/sdb flags=1|" ] &&
	pass attach-mpath-path-shared-ioctls || fail attach-mpath-path-shared-ioctls "$(tr '\n' '|' < "$AL")"
: > "$AL"
f attach-uuid-mpath-shared 0 "^added path $D/sdc: 2 paths\$" -- attach --uuid=$U --node=1 --persistent
[ "$(tr '\n' '|' < "$AL")" = "ATTACH path=$D/sdb node_id=1 flags=3 name=(none)|ADD_PATH path=$D/sdc flags=1|" ] &&
	pass attach-uuid-mpath-shared-ioctls || fail attach-uuid-mpath-shared-ioctls "$(tr '\n' '|' < "$AL")"
: > "$AL"
f attach-lvm-held-claimed 0 "^attached $D/sda as node 5\$" -- attach "$D/sda" --node=5
grep -qx "ATTACH path=$D/sda node_id=5 flags=0 name=(none)" "$AL" && pass attach-lvm-held-claimed-ioctl || fail attach-lvm-held-claimed-ioctl "$(tr '\n' '|' < "$AL")"
f attach-dm-multipath-by-dm-name 0 "^attached $D/sdb as node 3 persistently\$" "^added path $D/sdc: 2 paths\$" -- attach "$D/dm-0" --node=3 --persistent
f attach-dm-multipath-json 0 -- -J attach "$D/mapper/mpatha" --node=3
P=$D jcheck attach-dm-multipath-json "$T/out" 'L == [{"type": "attached", "disk": E["P"] + "/sdb", "node": 3, "name": None, "persistent": False, "already": False},
{"type": "path-added", "disk": E["P"] + "/sdc", "paths": 2, "already": False}]'
: > "$AL"
f attach-dm-not-multipath 3 "^blklockctl: attach $D/mapper/vg-lv as node 1: Invalid argument \(EINVAL\); it is device-mapper device dm-1 \(dm uuid LVM-Yq3bVd0GxXdI2\), not dm-multipath \(dm uuid mpath-\.\.\.\): blklock needs a SCSI disk; name one, or the dm-multipath device whose paths it should use\$" -- \
	attach "$D/mapper/vg-lv" --node=1
[ ! -s "$AL" ] && [ ! -s "$T/out" ] && pass attach-dm-not-multipath-nothing-sent || fail attach-dm-not-multipath-nothing-sent "$(tr '\n' '|' < "$AL")"
f attach-dm-no-uuid 3 "^blklockctl: attach $D/dm-2 as node 1: Invalid argument \(EINVAL\); it is device-mapper device dm-2 \(its dm uuid could not be read: No such file or directory\), not dm-multipath" -- \
	attach "$D/dm-2" --node=1
: > "$S/dm-2/dm/uuid"
f attach-dm-empty-uuid 3 "device-mapper device dm-2 \(no dm uuid\), not dm-multipath" -- attach "$D/dm-2" --node=1
f attach-dm-no-paths 3 "^blklockctl: attach $D/dm-3 as node 1: No such device \(ENODEV\); dm-multipath device dm-3 lists no paths \(slaves is empty\): are its SCSI disks connected\?\$" -- \
	attach "$D/dm-3" --node=1
[ ! -s "$AL" ] && pass attach-dm-refused-nothing-sent || fail attach-dm-refused-nothing-sent "$(tr '\n' '|' < "$AL")"
# add-path never takes a dm device: its SCSI disks are the paths.
f add-path-dm 3 "^blklockctl: add path $D/mapper/mpatha: Invalid argument \(EINVAL\); it is device-mapper device dm-0: a path is one of its SCSI disks \(sd\); attach a dm-multipath device to use all its paths\$" -- \
	add-path "$D/mapper/mpatha"
[ ! -s "$AL" ] && pass add-path-dm-nothing-sent || fail add-path-dm-nothing-sent "$(tr '\n' '|' < "$AL")"
# start: a device= line naming a dm-multipath device.
printf 'device=%s node=7 timeout=0\n' "$D/mapper/mpatha" > "$T/dm.conf"
: > "$AL"
f start-dm-multipath 0 "^attached $D/sdb as node 7 persistently\$" "^added path $D/sdc: 2 paths\$" -- start --config="$T/dm.conf"
! grep -q 'dm-\|mapper' "$AL" && pass start-dm-multipath-ioctls || fail start-dm-multipath-ioctls "$(tr '\n' '|' < "$AL")"
else
	skip attach-paths "no $SHIM"
fi

# A missing designator proves nothing.
: > "$S/sdc/device/wwid"
t attach-uuid-no-designator 3 "$D/sdc \(no SCSI designator\)" 'refusing to choose' -- -c /dev/null attach --uuid=$U --node=1
rm "$D/sdc"
t attach-uuid-not-found 3 "attach lockspace $OTHER: .*ENODEV" -- -c /dev/null attach --uuid=$OTHER --node=1
t attach-uuid-one 3 "attach $D/sdb as node 2 persistently" -- -c /dev/null attach --uuid=$U --node=2 --persistent
unset BLKLOCK_SYS_BLOCK BLKLOCK_DEV_DIR
