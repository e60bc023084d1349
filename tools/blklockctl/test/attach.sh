# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of attach, detach, probe, wait-device, start and stop that
# need no module: option errors, the configuration file's mistakes
# (FILE:LINE: what), probe's KEY=value lines, and finding a lockspace by
# uuid among fake SCSI disks (BLKLOCK_SYS_BLOCK and BLKLOCK_DEV_DIR point
# at a directory of sd* entries and one of image files), including a LUN
# seen through two paths.  Sourced by run.sh (t, pass, fail, $T, $IMG).
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
t probe-image 0 "^BLKLOCK_UUID=$U\$" '^BLKLOCK_VERSION=3$' '^BLKLOCK_LOCKS=16$' \
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
t attach-uuid-one-lun 3 "lockspace $U: one LUN \(naa.600140522222\) seen through 2 paths: $D/sdb, $D/sdc; using $D/sdb" \
	"attach $D/sdb as node 1" -- -c /dev/null attach --uuid=$U --node=1
# A missing designator proves nothing.
: > "$S/sdc/device/wwid"
t attach-uuid-no-designator 3 "$D/sdc \(no SCSI designator\)" 'refusing to choose' -- -c /dev/null attach --uuid=$U --node=1
rm "$D/sdc"
t attach-uuid-not-found 3 "attach lockspace $OTHER: .*ENODEV" -- -c /dev/null attach --uuid=$OTHER --node=1
t attach-uuid-one 3 "attach $D/sdb as node 2 persistently" -- -c /dev/null attach --uuid=$U --node=2 --persistent
unset BLKLOCK_SYS_BLOCK BLKLOCK_DEV_DIR
