# shellcheck shell=sh disable=SC2086
# The lock itself: format, attach, acquire/release through COMPARE AND
# WRITE, contention between two nodes (node 1 on DISK_A, node 2 on
# DISK_B: two paths to one LUN), the miscompare report in dmesg, the
# ioctl ABI, and the shared-counter storm.  Runs on scsi_debug and LIO.
. ./lock-lib.sh

# ---- format ------------------------------------------------------------

load_blklock
dd if=/dev/zero of="$DISK_A" bs=1M count=1 oflag=direct 2>/dev/null
mke2fs -q -F "$DISK_A" 4096 >/dev/null 2>&1
mark_dmesg
$N1 format "$DISK_A" --locks 64 > "$OUT/fmt1" 2>&1
rc=$?
check format-refuses-ext4 [ "$rc" -ne 0 ]
check format-refuses-ext4-errno grep -q "File exists" "$OUT/fmt1"
check format-refuses-ext4-dmesg has_dmesg "not formatting $DISK_A: it carries an ext2/3/4 filesystem (force overrides)"
check format-refuses-ext4-untouched [ "$(blklock-disk header "$DISK_B" | grep -c 'magic ok')" = 0 ]

mark_dmesg
$N1 format "$DISK_A" --locks 64 --force > "$OUT/fmt2" 2>&1
check format-force [ $? -eq 0 ]
check format-force-dmesg has_dmesg "overwriting an ext2/3/4 filesystem, as forced"
hdr=$(blklock-disk header "$DISK_B")
check format-header-on-disk [ "$hdr" = "version 4 locks 64 lock_lba 4001 block_size $BS nodes 2000 hb_lba 1 req_lba 2001 heartbeat 1000 lease 6000 magic ok crc ok" ]
check format-records-on-disk [ "$(blklock-disk record "$DISK_B" $((4001 + 63)))" = "owner 0 generation 0 lock 63 incarnation 0000000000000000 magic ok crc ok flags 0" ]
check format-slots-on-disk [ "$(blklock-disk hb "$DISK_B" 2000)" = "node 2000 incarnation 0000000000000000 counter 0 flags 0 magic ok crc ok" ]

mark_dmesg
$N1 format "$DISK_A" --locks 64 > "$OUT/fmt3" 2>&1
check format-refuses-lockspace [ $? -ne 0 ]
check format-refuses-lockspace-dmesg has_dmesg "it carries a blklock lockspace (force overrides)"
rmmod blklock

# ---- attach --------------------------------------------------------------

mark_dmesg
load_blklock dev="$DISK_A" node_id=1
check attach-at-load [ "$(cat "$(sysdir "$A")/node_id")" = 1 ]
check attach-at-load-dmesg has_dmesg "$A: attached lockspace"
LL=$(cat "$(sysdir "$A")/lock_lba")

# ---- acquire and release -----------------------------------------------

check trace-on trace_on
hold "$N1" 3
check acquire-holds [ "$(rec $((LL + 3)) owner)" = 1 ]
check acquire-generation grep -q "acquired lock 3 generation 1$" "$OUT/hold.3"
check acquire-record-crc [ "$(rec $((LL + 3)) crc)" = ok ]
unhold 3
check release-frees [ "$(rec $((LL + 3)) owner)" = 0 ]
check release-keeps-generation [ "$(rec $((LL + 3)) generation)" = 1 ]

caw0=$(stat_a caw_sent)
rd0=$(stat_a reads)
$N1 acquire 3 status 3 release 3 status 3 > "$OUT/chain" 2>&1
check chain-rc [ $? -eq 0 ]
check chain-acquired grep -q "acquired lock 3 generation 2$" "$OUT/chain"
check chain-status-held grep -q "lock 3: owner 1 generation 2 held-by-this-file yes held-by-this-node yes" "$OUT/chain"
check chain-status-free grep -q "lock 3: owner 0 generation 2 held-by-this-file no held-by-this-node no" "$OUT/chain"
# The same, seen by the trace events: begin, the one COMPARE AND WRITE
# with its block and result, what became of it, the end with the
# generation; the release likewise.
check trace-acquire-begin has_trace blklock_acquire_begin "disk=$A lock=3 flags=0x0$"
check trace-acquire-cmd has_trace blklock_cmd "disk=$A op=compare-and-write lba=$((LL + 3)) bytes=$((2 * BS)) status=ok error=0 scsi_status=0x00 host=0x00 sense=00/00/00 info=-1 duration_us=[0-9]+$"
check trace-acquire-caw has_trace blklock_caw "disk=$A lba=$((LL + 3)) heartbeat=0 copies=1 fate=wrote$"
check trace-acquire-end has_trace blklock_acquire_end "disk=$A lock=3 ret=0 generation=1 owner=0 wait_us=[0-9]+$"
check trace-release-begin has_trace blklock_release_begin "disk=$A lock=3 flags=0x0$"
check trace-release-end has_trace blklock_release_end "disk=$A lock=3 ret=0 generation=2 owner=1 wait_us=[0-9]+$"
check trace-status-read has_trace blklock_cmd "disk=$A op=read lba=$((LL + 3)) bytes=$BS status=ok "
# Warm cache: one COMPARE AND WRITE per acquire and per release; the two
# status calls read the block.
check uncontended-one-caw-each [ $(($(stat_a caw_sent) - caw0)) = 2 ]
check status-reads [ $(($(stat_a reads) - rd0)) = 2 ]

# ---- contention between nodes -------------------------------------------

hold "$N2" 5
check node2-holds [ "$(rec $((LL + 5)) owner)" = 2 ]
mark_dmesg
$N1 acquire 5 --nowait > "$OUT/busy" 2>&1
check trylock-busy-exit [ $? -eq 1 ]
check trylock-busy-errno grep -q "Device or resource busy" "$OUT/busy"
check miscompare-line-1 has_dmesg "blklock: atomic test and set of disk block $((LL + 5)) returned false for equality (expected=0, got=2)"
check miscompare-line-2 has_dmesg "blklock: lock acquisition failed. Node 2 already owns the lock."
check miscompare-detail has_dmesg "$A: lock 5: node 2 holds generation 1"
if [ -d /sys/module/scsi_debug ]; then
	check miscompare-no-offset-scsi_debug has_dmesg "the target gave no offset"
else
	check miscompare-offset-lio has_dmesg "first difference at byte 8"
fi
check busy-untouched [ "$(rec $((LL + 5)) owner)" = 2 ]
# The miscompare as the trace events saw it: CHECK CONDITION, sense
# MISCOMPARE 0x0e/0x1d, the INFORMATION field where the target gives one
# (LIO: byte 8, the owner; scsi_debug: none), the block read back, and
# the acquire ending with EBUSY and the owner.
if [ -d /sys/module/scsi_debug ]; then info=-1; else info=8; fi
check trace-miscompare-cmd has_trace blklock_cmd "disk=$A op=compare-and-write lba=$((LL + 5)) bytes=$((2 * BS)) status=miscompare error=-84 scsi_status=0x02 host=0x00 sense=0e/1d/00 info=$info "
check trace-miscompare-caw has_trace blklock_caw "disk=$A lba=$((LL + 5)) heartbeat=0 copies=1 fate=changed$"
check trace-busy-end has_trace blklock_acquire_end "disk=$A lock=5 ret=-16 generation=0 owner=2 "

start=$(date +%s)
$N1 acquire 5 --timeout 1500 > "$OUT/tmo" 2>&1
rc=$?
check timeout-exit [ "$rc" -eq 1 ]
check timeout-errno grep -q "timed out" "$OUT/tmo"
check timeout-waited [ $(($(date +%s) - start)) -ge 1 ]
check trace-timeout-end has_trace blklock_acquire_end "disk=$A lock=5 ret=-110 generation=0 owner=2 "
# At least one heartbeat interval (1000 ms) since trace_on: a renewal.
check trace-heartbeat-caw has_trace blklock_caw "disk=$A lba=1 heartbeat=1 copies=1 fate=wrote$"
trace_off contention

$N1 acquire 5 --timeout 30000 release 5 > "$OUT/waiter" 2>&1 &
waiter=$!
sleep 1
unhold 5
wait "$waiter"
check wait-then-acquire [ $? -eq 0 ]
check wait-then-acquire-generation grep -q "acquired lock 5 generation 2$" "$OUT/waiter"
check wait-then-released [ "$(rec $((LL + 5)) owner)" = 0 ]

# A signal ends a blocking wait.
hold "$N2" 9
$N1 acquire 9 > "$OUT/intr" 2>&1 &
waiter=$!
sleep 1
kill -INT "$waiter"
wait "$waiter"
check signal-ends-wait [ $? -eq 4 ]
unhold 9

# ---- locks belong to the open file ----------------------------------------

$N1 acquire 6 > "$OUT/kill6" 2>&1 &
pid=$!
wait_file "$OUT/kill6" "acquired lock 6 " 20
kill -KILL "$pid"
wait "$pid" 2>/dev/null
check close-releases [ "$(rec $((LL + 6)) owner)" = 0 ]

before=$(blklock-disk record "$DISK_B" $((LL + 7)))
caw0=$(stat_a caw_sent)
mark_dmesg
$N1 release 7 > "$OUT/rel7" 2>&1
check release-not-held-exit [ $? -eq 3 ]
check release-not-held-errno grep -q "Operation not permitted" "$OUT/rel7"
check release-not-held-dmesg has_dmesg "RELEASE: this file does not hold lock 7 of $A"
check release-not-held-no-io [ "$(stat_a caw_sent)" = "$caw0" ]
check release-not-held-untouched [ "$(blklock-disk record "$DISK_B" $((LL + 7)))" = "$before" ]

# Two files of one node: arbitrated in memory, no disk I/O.
hold "$N1" 11
caw0=$(stat_a caw_sent)
mark_dmesg
$N1 acquire 11 --nowait > "$OUT/local" 2>&1
check local-busy-exit [ $? -eq 1 ]
check local-busy-no-io [ "$(stat_a caw_sent)" = "$caw0" ]
check local-busy-no-miscompare lacks_dmesg "atomic test and set"
# status from another file names the process that holds it.
$N1 status 11 > "$OUT/status11" 2>&1
check status-names-holder-pid grep -q "^lock 11: owner 1 generation [0-9]* held-by-this-file no held-by-this-node yes; node 1 is this node (heartbeat live): held by pid $(cat "$OUT/hold.11.pid") through another open file of this node$" "$OUT/status11"
unhold 11

# ---- run ------------------------------------------------------------------

$N1 run 8 -- sh -c 'exit 7'
check run-exit-status [ $? -eq 7 ]
$N1 run 8 -- sh -c 'echo "gen=$BLKLOCK_GENERATION lock=$BLKLOCK_LOCK"' > "$OUT/run" 2>&1
check run-env grep -q "gen=2 lock=8" "$OUT/run"
$N1 run 8 -- sh -c "blklock-disk record $DISK_B $((LL + 8))" > "$OUT/run2" 2>&1
check run-holds-lock grep -q "owner 1 generation 3 " "$OUT/run2"
check run-releases [ "$(rec $((LL + 8)) owner)" = 0 ]
# CMD inherits the open file: killing blklockctl alone leaves the lock
# held until CMD ends, as with flock(1).
rm -f "$OUT/go" "$OUT/started"
$N1 run 8 -- sh -c "touch $OUT/started; while [ ! -e $OUT/go ]; do sleep 0.1; done" > "$OUT/run3" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && [ ! -e "$OUT/started" ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
check run-parent-killed-lock-held [ "$(rec $((LL + 8)) owner)" = 1 ]
touch "$OUT/go"
i=0
while [ $i -lt 50 ] && [ "$(rec $((LL + 8)) owner)" != 0 ]; do sleep 0.1; i=$((i + 1)); done
check run-cmd-end-frees-lock [ "$(rec $((LL + 8)) owner)" = 0 ]

# ---- ABI ------------------------------------------------------------------

caw0=$(stat_a caw_sent)
rd0=$(stat_a reads)
mark_dmesg
blklock-abi reject > "$OUT/abi" 2>&1
check abi-reject [ $? -eq 0 ]
grep "^not ok" "$OUT/abi" | head -3
check abi-reject-no-io [ "$(stat_a caw_sent)$(stat_a reads)" = "$caw0$rd0" ]
check abi-reject-dmesg has_dmesg "ACQUIRE: reserved fields must be zero"
blklock-abi cycle 10 > "$OUT/abi64" 2>&1
check abi-64bit-cycle [ $? -eq 0 ]
if command -v blklock-abi32 >/dev/null; then
	blklock-abi32 cycle 10 > "$OUT/abi32" 2>&1
	check abi-32bit-cycle [ $? -eq 0 ]
	blklock-abi32 reject > "$OUT/abi32r" 2>&1
	check abi-32bit-reject [ $? -eq 0 ]
else
	skip abi-32bit "no 32-bit build of blklock-abi (gcc-multilib missing)"
fi

# ---- rate limiting --------------------------------------------------------

hold "$N2" 12
sup0=$(stat_a reports_suppressed)
mark_dmesg
i=0
t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
while [ $i -lt 30 ]; do
	$N1 acquire 12 --nowait >/dev/null 2>&1
	i=$((i + 1))
done
el=$(($(cut -d' ' -f1 /proc/uptime | tr -d .) - t0))
lines=$(new_dmesg | grep -c "atomic test and set of disk block $((LL + 12))")
# Burst of 10 per 5 s: 30 tries in at most two windows print at most 20.
# On a slow kernel (the debug one) the tries may span more windows, and
# the bound then says nothing: that is a skip, not a pass.
if [ "$el" -lt 500 ]; then
	check ratelimit-bounded [ "$lines" -le 20 ]
	check ratelimit-counted [ $(($(stat_a reports_suppressed) - sup0)) -ge 10 ]
else
	skip ratelimit-bounded "30 tries took $((el / 100)) s, more than one 5 s window"
fi
unhold 12

# ---- shared-counter storm ---------------------------------------------------

N=25
blklock-storm "$DISK_A" 1 13 $((LL + 64)) $N 2 "$BS" > "$OUT/g1" 2> "$OUT/e1" &
p1=$!
blklock-storm "$DISK_B" 2 13 $((LL + 64)) $N 2 "$BS" > "$OUT/g2" 2> "$OUT/e2" &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
check storm-workers-ok [ "$r1$r2" = 00 ]
cat "$OUT/e1" "$OUT/e2" | head -5
check storm-counter-exact [ "$(blklock-storm read "$DISK_B" $((LL + 64)) "$BS")" = $((4 * N)) ]
check storm-generations-all [ "$(cat "$OUT/g1" "$OUT/g2" | wc -l)" = $((4 * N)) ]
check storm-generations-unique [ "$(cat "$OUT/g1" "$OUT/g2" | sort -n | uniq -d | wc -l)" = 0 ]
check storm-lock-free [ "$(rec $((LL + 13)) owner)" = 0 ]

# ---- unload -----------------------------------------------------------------

mark_dmesg
rmmod blklock
check unload [ $? -eq 0 ]
check unload-sysfs-gone [ ! -e /sys/kernel/blklock ]
check unload-dev-gone [ ! -e /dev/blklock ]
check unload-dmesg has_dmesg "$A: detached node 1"
check no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
