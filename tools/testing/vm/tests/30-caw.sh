# shellcheck shell=sh
# The LUN really implements COMPARE AND WRITE: sg_compare_and_write
# succeeds when the block matches (and writes), reports MISCOMPARE when it
# does not (and writes nothing).  Proven through both paths.
BS=$(cat "/sys/block/$(basename "$DISK_A")/queue/logical_block_size")
LBA=200
head -c "$BS" /dev/urandom > /tmp/old
head -c "$BS" /dev/urandom > /tmp/new
head -c "$BS" /dev/urandom > /tmp/other
dd if=/tmp/old of="$DISK_A" bs="$BS" seek=$LBA count=1 oflag=direct conv=notrunc 2>/dev/null
cat /tmp/old /tmp/new > /tmp/caw

sg_compare_and_write --in=/tmp/caw --lba=$LBA --num=1 --xferlen=$((2 * BS)) "$DISK_B" > /tmp/caw.out 2>&1
check caw-match-succeeds [ $? -eq 0 ]
dd if="$DISK_A" of=/tmp/back bs="$BS" skip=$LBA count=1 iflag=direct 2>/dev/null
check caw-match-wrote cmp -s /tmp/new /tmp/back

# The block now holds "new", not "old": the same command must miscompare.
sg_compare_and_write --in=/tmp/caw --lba=$LBA --num=1 --xferlen=$((2 * BS)) "$DISK_B" > /tmp/caw.out 2>&1
rc=$?
check caw-mismatch-exit-14 [ "$rc" -eq 14 ]
check caw-mismatch-says-miscompare grep -qi "miscompare" /tmp/caw.out
dd if="$DISK_A" of=/tmp/back bs="$BS" skip=$LBA count=1 iflag=direct 2>/dev/null
check caw-mismatch-wrote-nothing cmp -s /tmp/new /tmp/back

# Through the other path, from "new" to "other".
cat /tmp/new /tmp/other > /tmp/caw2
sg_compare_and_write --in=/tmp/caw2 --lba=$LBA --num=1 --xferlen=$((2 * BS)) "$DISK_A" > /tmp/caw.out 2>&1
check caw-other-path [ $? -eq 0 ]
dd if="$DISK_B" of=/tmp/back bs="$BS" skip=$LBA count=1 iflag=direct 2>/dev/null
check caw-other-path-wrote cmp -s /tmp/other /tmp/back
