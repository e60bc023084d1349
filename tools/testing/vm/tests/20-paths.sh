# shellcheck shell=sh
# DISK_A and DISK_B are two paths to one LUN: a block written through one
# reads back through the other (O_DIRECT both ways, no page cache).
BS=$(cat "/sys/block/$(basename "$DISK_A")/queue/logical_block_size")
check two-disks [ "$DISK_A" != "$DISK_B" ]
check same-size [ "$(cat "/sys/block/$(basename "$DISK_A")/size")" = "$(cat "/sys/block/$(basename "$DISK_B")/size")" ]
for lba in 0 7 100; do
	head -c "$BS" /dev/urandom > /tmp/pattern
	dd if=/tmp/pattern of="$DISK_A" bs="$BS" seek=$lba count=1 oflag=direct conv=notrunc 2>/dev/null
	dd if="$DISK_B" of=/tmp/back bs="$BS" skip=$lba count=1 iflag=direct 2>/dev/null
	check "a-to-b-lba$lba" cmp -s /tmp/pattern /tmp/back
	head -c "$BS" /dev/urandom > /tmp/pattern
	dd if=/tmp/pattern of="$DISK_B" bs="$BS" seek=$lba count=1 oflag=direct conv=notrunc 2>/dev/null
	dd if="$DISK_A" of=/tmp/back bs="$BS" skip=$lba count=1 iflag=direct 2>/dev/null
	check "b-to-a-lba$lba" cmp -s /tmp/pattern /tmp/back
done
