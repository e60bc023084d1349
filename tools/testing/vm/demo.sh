# shellcheck shell=sh disable=SC2086
# The demo shown by `make demo`, run in the guest: two nodes share one
# LUN (scsi_debug, two paths to one store) and fight over locks.
. ./lock-lib.sh

step() { echo; echo "### $*"; }
show() { echo "\$ $*"; "$@" 2>&1 | sed 's/^/  /'; }

step "Two paths to one LUN: $DISK_A and $DISK_B"
echo "hello from $A" | dd of="$DISK_A" bs="$BS" conv=sync oflag=direct 2>/dev/null
printf '  read back through %s: ' "$B"
dd if="$DISK_B" bs="$BS" count=1 iflag=direct 2>/dev/null | head -n 1

step "The LUN does COMPARE AND WRITE (SBC opcode 0x89)"
head -c "$BS" /dev/zero > /tmp/z
head -c "$BS" /dev/urandom > /tmp/r
dd if=/tmp/z of="$DISK_A" bs="$BS" seek=300 oflag=direct 2>/dev/null
cat /tmp/z /tmp/r > /tmp/caw
sg_compare_and_write --in=/tmp/caw --lba=300 --num=1 --xferlen=$((2 * BS)) "$DISK_B" >/dev/null 2>&1
echo "  compare zeros, write random: exit $? (0 = written)"
sg_compare_and_write --in=/tmp/caw --lba=300 --num=1 --xferlen=$((2 * BS)) "$DISK_B" >/dev/null 2>&1
echo "  the same again: exit $? (14 = MISCOMPARE, nothing written)"

step "Load blklock, format the LUN with 64 locks"
load_blklock
show ls -l /dev/blklock
show blklockctl format "$DISK_A" --locks 64 --force
rmmod blklock

step "Node 1 attaches at load (insmod blklock.ko dev=$DISK_A node_id=1)"
load_blklock dev="$DISK_A" node_id=1
show blklockctl info
dmesg | grep 'blklock:' | tail -n 2 | sed 's/^/  dmesg: /'

step "Node 2 (through $DISK_B) takes lock 7 and holds it"
hold "$N2" 7
sed 's/^/  node 2: /' "$OUT/hold.7"

step "Node 1 tries lock 7: the target's compare fails"
mark_dmesg
$N1 acquire 7 --nowait 2>&1 | sed 's/^/  node 1: /'
new_dmesg | sed 's/^/  dmesg: /'

step "Node 1 waits; node 2 lets go; node 1 gets it with the next generation"
$N1 acquire 7 --timeout 20000 release 7 > "$OUT/w" 2>&1 &
w=$!
sleep 1
unhold 7
wait $w
sed 's/^/  node 1: /' "$OUT/w"

step "Hold a lock around a command; the generation is a fencing token"
show blklockctl run 3 -- sh -c 'echo "  running under lock $BLKLOCK_LOCK, generation $BLKLOCK_GENERATION"'

step "Shared counter: 2 nodes x 2 workers x 25 increments under lock 13"
blklock-storm "$DISK_A" 1 13 200 25 2 "$BS" > "$OUT/g1" &
p1=$!
blklock-storm "$DISK_B" 2 13 200 25 2 "$BS" > "$OUT/g2" &
wait $p1 $!
echo "  counter: $(blklock-storm read "$DISK_B" 200 "$BS") (expected 100)"
echo "  generations handed out: $(cat "$OUT/g1" "$OUT/g2" | wc -l), duplicates: $(cat "$OUT/g1" "$OUT/g2" | sort -n | uniq -d | wc -l)"

step "Counters of node 1 ($(sysdir "$A")/stats)"
for s in caw_sent miscompares false_miscompares reads busy acquires releases reports_suppressed caw_latency_avg_us; do
	printf '  %-20s %s\n' "$s" "$(stat_a $s)"
done

step "Unload"
rmmod blklock && echo "  unloaded"
dmesg | grep 'blklock:' | tail -n 2 | sed 's/^/  dmesg: /'
