# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug lio
# Requests (format 4): node 2 asks node 1, through the other path, to
# let a lock go.  The request lands in node 1's request block (read back
# raw here: magic, count, lock, asker, generation), node 1 reads it
# within a heartbeat interval or two: poll() says POLLRDBAND, STATUS says
# REQUESTED, and once STATUS was read poll() is quiet until the next
# request (blklock-abi hold-request).  A free lock is not asked; a
# request for a hold that has ended marks nothing; `blklockctl run
# --on-request=USR1` passes a request to its command as SIGUSR1; a
# damaged request block is reported once and rewritten by the next
# asker; a format 3 lockspace refuses with EOPNOTSUPP.
. ./lock-lib.sh

load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
check req-format [ $? -eq 0 ]
rmmod blklock
mark_dmesg
load_blklock dev="$DISK_A" node_id=1
check req-load [ $? -eq 0 ]
LL=$(cat "$(sysdir "$A")/lock_lba")
check req-layout [ "$LL" = 17 ]
RQ=9		# request block of node 1: hb_lba 1 + 8 slots

# Field of node 1's request block read raw through the other path:
# u32 at byte offset $1 (count: the low half of the u64 at 8).
req_u32() {
	dd if="$DISK_B" bs="$BS" skip=$RQ count=1 iflag=direct 2>/dev/null |
		od -A n -t u4 -j "$1" -N 4 | tr -d ' '
}
check req-region-empty [ "$(req_u32 0)$(req_u32 8)" = 00 ]

# ---- a request wakes the holder's poll ------------------------------------

blklock-abi hold-request 5 30 > "$OUT/hr" 2>&1 &
hr=$!
wait_file "$OUT/hr" "acquired lock 5 generation" 20
gen=$(sed -n 's/^acquired lock 5 generation //p' "$OUT/hr")
$N2 request 5 > "$OUT/r1" 2>&1
check req-sent [ $? -eq 0 ]
check req-sent-output grep -q "asked node 1 to release lock 5" "$OUT/r1"
check req-block-magic [ "$(req_u32 0)" = 1363889218 ]	# "BLKQ"
check req-block-count [ "$(req_u32 8)" = 1 ]
check req-block-entry [ "$(req_u32 16) $(req_u32 20) $(req_u32 24)" = "5 2 $gen" ]
check req-asker-dmesg has_dmesg "$B: asked node 1 to release lock 5 at generation $gen"
wait_file "$OUT/hr" "request 1: POLLRDBAND" 10
check req-poll-woke [ $? -eq 0 ]
figure "request to POLLRDBAND: $(sed -n 's/^request 1: POLLRDBAND after \([0-9-]*\) ms/\1/p' "$OUT/hr") ms (heartbeat interval 1000 ms)"
check req-holder-dmesg has_dmesg "$A: node 2 asks node 1 to release lock 5, held at generation $gen"
# A second request, from the holder's own node: a second wake-up.
$N1 request 5 > "$OUT/r2" 2>&1
check req-own-node-sent [ $? -eq 0 ]
wait $hr
check req-holder-checks [ $? -eq 0 ]
grep "^not ok" "$OUT/hr"
check req-second-wake grep -q "request 2: POLLRDBAND after" "$OUT/hr"
check req-block-count-2 [ "$(req_u32 8)" = 2 ]
check req-received [ "$(stat_a requests_received)" -ge 2 ]
check req-sent-stat [ "$(stat_a requests_sent)" -ge 1 ]

# ---- a free lock, an ended hold --------------------------------------------

$N2 request 5 > "$OUT/free" 2>&1
check req-free-exit [ $? -eq 0 ]
check req-free-output grep -q "lock 5 is free" "$OUT/free"
check req-free-nothing-written [ "$(req_u32 8)" = 2 ]
# Lock 6 is asked for while held at one generation, then let go and
# taken again before the holder reads its block: the new hold is not
# marked.
hold "$N1" 6
$N2 request 6 > /dev/null 2>&1
kill "$(cat "$OUT/hold.6.pid")"
wait "$(cat "$OUT/hold.6.pid")" 2>/dev/null
blklock-abi hold-request 6 3 > "$OUT/stale" 2>&1
check req-ended-hold-not-marked grep -q "^not ok poll-reports-request" "$OUT/stale"

# ---- run --on-request -------------------------------------------------------

rm -f "$OUT/sig"
$N1 run 7 --on-request=USR1 -- sh -c "trap 'echo usr1 > $OUT/sig; exit 0' USR1; while :; do sleep 0.1; done" > "$OUT/run" 2>&1 &
runner=$!
i=0
while [ $i -lt 100 ] && [ "$(rec $((LL + 7)) owner)" != 1 ]; do sleep 0.1; i=$((i + 1)); done
check req-run-holds [ "$(rec $((LL + 7)) owner)" = 1 ]
$N2 request 7 > /dev/null 2>&1
wait_file "$OUT/sig" usr1 10
check req-run-signalled [ $? -eq 0 ]
wait $runner
check req-run-exit [ $? -eq 0 ]
check req-run-said grep -q "requested" "$OUT/run"
$N2 acquire 7 --nowait release 7 > "$OUT/take7" 2>&1
check req-run-lock-free-after [ $? -eq 0 ]

# ---- a damaged request block --------------------------------------------------

mark_dmesg
hold "$N1" 8
printf 'garbage' | dd of="$DISK_A" bs=1 seek=$((RQ * BS + 40)) conv=notrunc 2>/dev/null
sync
i=0
while [ $i -lt 50 ] && ! has_dmesg "request block of node 1"; do sleep 0.1; i=$((i + 1)); done
check req-damaged-dmesg has_dmesg "$A: request block of node 1 (disk block $RQ) is damaged (bad checksum): the requests in it are lost; the next asker rewrites it"
$N2 request 8 > "$OUT/r8" 2>&1
check req-damaged-sent [ $? -eq 0 ]
check req-damaged-rewritten [ "$(req_u32 8)" = 1 ]
check req-damaged-entry [ "$(req_u32 16) $(req_u32 20)" = "8 2" ]
i=0
while [ $i -lt 50 ] && ! has_dmesg "node 2 asks node 1 to release lock 8"; do sleep 0.1; i=$((i + 1)); done
check req-damaged-then-marked has_dmesg "node 2 asks node 1 to release lock 8"
check req-damaged-reported-once [ "$(new_dmesg | grep -c 'request block of node 1')" = 1 ]
kill "$(cat "$OUT/hold.8.pid")"
wait "$(cat "$OUT/hold.8.pid")" 2>/dev/null
rmmod blklock
check req-unload [ $? -eq 0 ]

# ---- format 3: no requests ------------------------------------------------------

load_format3
check req-v3-load [ $? -eq 0 ]
$N2 request 3 > "$OUT/v3" 2>&1
check req-v3-refused grep -q 'EOPNOTSUPP' "$OUT/v3"
check req-v3-dmesg has_dmesg "$B: lock requests need format 4; this lockspace is format 3 (blklockctl format writes format 4)"
rmmod blklock
check req-v3-unload [ $? -eq 0 ]
check req-no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
