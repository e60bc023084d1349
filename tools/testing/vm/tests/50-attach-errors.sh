# shellcheck shell=sh
# Refusals: no lockspace, a disk that is not SCSI, an unformatted disk, a
# header with a bad checksum, a newer format.  Each fails with its errno
# and one dmesg line, and writes nothing.
. ./lock-lib.sh

# Fails with ERRNO-TEXT (strerror) and the dmesg line, leaves block 0 as it was.
refused() {
	name=$1 text=$2 line=$3
	shift 3
	sum0=$(dd if="$DISK_B" bs="$BS" count=1 iflag=direct 2>/dev/null | md5sum)
	mark_dmesg
	"$@" > "$OUT/$name" 2>&1
	rc=$?
	check "$name-fails" [ "$rc" -ne 0 ]
	check "$name-errno" grep -q "$text" "$OUT/$name"
	check "$name-dmesg" has_dmesg "$line"
	check "$name-writes-nothing" [ "$(dd if="$DISK_B" bs="$BS" count=1 iflag=direct 2>/dev/null | md5sum)" = "$sum0" ]
}

load_blklock
refused no-lockspace "No such device or address" \
	"ACQUIRE: no lockspace: load blklock with dev= and node_id=" \
	blklockctl acquire 0

dd if=/dev/zero of="$DISK_A" bs=1M count=1 oflag=direct 2>/dev/null
refused attach-unformatted "Wrong medium type" \
	"cannot attach $DISK_B: block 0 holds no blklock lockspace (format it first)" \
	blklockctl --device "$DISK_B" --node 2 info

blklockctl format "$DISK_A" --locks 16 >/dev/null 2>&1
check format-for-errors [ $? -eq 0 ]
blklock-disk set-version "$DISK_A" 5
refused attach-newer-version "Protocol not supported" \
	"cannot attach $DISK_B: its lockspace has format version 5; this module knows versions 2 to 4" \
	blklockctl --device "$DISK_B" --node 2 info
blklock-disk set-version "$DISK_A" 1
refused attach-older-version "Protocol error" \
	"cannot attach $DISK_B: its lockspace has format version 1, which has no heartbeats" \
	blklockctl --device "$DISK_B" --node 2 info

blklock-disk set-version "$DISK_A" 4
check header-restored [ "$(blklock-disk header "$DISK_B" | grep -c 'crc ok')" = 1 ]
# Flip one byte of the uuid: the checksum no longer matches.
printf '\377' | dd of="$DISK_A" bs=1 seek=40 conv=notrunc 2>/dev/null
sync
refused attach-bad-crc "Bad message" \
	"cannot attach $DISK_B: the lockspace header fails its checksum" \
	blklockctl --device "$DISK_B" --node 2 info

blklockctl format "$DISK_A" --locks 16 --force >/dev/null 2>&1

modprobe loop 2>/dev/null
dd if=/dev/zero of=/tmp/loop.img bs=1M count=4 2>/dev/null
LOOP=$(losetup -f)
losetup "$LOOP" /tmp/loop.img
mark_dmesg
blklockctl format "$LOOP" --locks 4 > "$OUT/loopfmt" 2>&1
check not-scsi-format-fails [ $? -ne 0 ]
check not-scsi-format-errno grep -q "Operation not supported" "$OUT/loopfmt"
check not-scsi-format-dmesg has_dmesg "$LOOP (loop0) is not a SCSI disk: COMPARE AND WRITE cannot be sent to it"
check not-scsi-untouched [ "$(od -A n -t x1 -N 16 /tmp/loop.img | tr -d ' 0\n')" = "" ]
mark_dmesg
blklockctl --device "$LOOP" --node 1 info > "$OUT/loopatt" 2>&1
check not-scsi-attach-errno grep -q "Operation not supported" "$OUT/loopatt"
check not-scsi-attach-dmesg has_dmesg "is not a SCSI disk"
losetup -d "$LOOP"

mark_dmesg
rmmod blklock
check load-without-dev [ ! -e /dev/blklock ]
insmod "$BLKLOCK_KO" node_id=3 2>/dev/null
check load-node-without-dev-refused [ $? -ne 0 ]
check load-node-without-dev-dmesg has_dmesg "dev= and node_id= go together: got node_id= alone"
insmod "$BLKLOCK_KO" dev="$DISK_A" node_id=1 io_timeout_ms=5 2>/dev/null
check load-bad-timeout-refused [ $? -ne 0 ]
check no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"

# A SCSI target without COMPARE AND WRITE (LIO with emulate_caw=0):
# refused at format and at attach with EOPNOTSUPP, nothing written.
CAW_ATTR=/sys/kernel/config/target/core/fileio_0/lun0/attrib/emulate_caw
if [ -w "$CAW_ATTR" ]; then
	load_blklock
	blklockctl format "$DISK_A" --locks 16 --force >/dev/null 2>&1
	echo 0 > "$CAW_ATTR"
	check no-caw-target-set [ "$(cat "$CAW_ATTR")" = 0 ]
	refused no-caw-format "Operation not supported" \
		"does not support COMPARE AND WRITE: the target answered sense 05/20/00" \
		blklockctl format "$DISK_A" --locks 16 --force
	refused no-caw-attach "Operation not supported" \
		"does not support COMPARE AND WRITE: the target answered sense 05/20/00" \
		blklockctl --device "$DISK_B" --node 2 info
	echo 1 > "$CAW_ATTR"
	rmmod blklock
fi
