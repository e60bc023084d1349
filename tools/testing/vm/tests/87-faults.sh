# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug
# Faults the lock protocol must survive (issue 9), driven by the fault
# hooks of the test build (/sys/kernel/debug/blklock/<disk>/):
#   - a fence while an acquire's COMPARE AND WRITE is in flight: the lock
#     is lost at once and its record freed;
#   - a fence while a renewal is in flight: the node never goes back to
#     LIVE with the old incarnation;
#   - an acquire whose command times out and lands later: the stranded
#     record is freed by the reaper;
#   - a release whose command times out and lands later: the file no
#     longer holds the lock, so nobody holds it twice; also when it is
#     the release of an acquire whose result could not be written back;
#   - a renewal whose command lands late: not a duplicate node id;
#   - damaged records refused and repaired by break; break refuses a
#     live owner;
#   - format refuses to overwrite a lockspace in which a node heartbeats.
. ./lock-lib.sh

ms_now() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
H=/sys/kernel/debug/blklock/$A
IO_MS=3000
REAP_MS=$((IO_MS + 1000))

owner_is() { [ "$(rec $((LL + $1)) owner)" = "$2" ]; }

modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null
insmod "$BLKLOCK_TEST_KO"
blklockctl format "$DISK_A" --locks 64 --max-nodes 8 --force >/dev/null 2>&1
check faults-format [ $? -eq 0 ]
rmmod blklock
insmod "$BLKLOCK_TEST_KO" dev="$DISK_A" node_id=1 io_timeout_ms=$IO_MS
D=$(sysdir "$A")
check faults-live [ "$(cat $D/heartbeat)" = live ]
LL=$(cat $D/lock_lba)

# ---- a fence while the acquire's command is in flight ----------------------
inc=$(cat $D/incarnation)
mark_dmesg
echo 1 > $H/fence_in_caw
$N1 acquire 10 --nowait > "$OUT/f-acq" 2>&1
check fence-acquire-refused [ $? -eq 5 ]
check fence-acquire-enolck grep -q ENOLCK "$OUT/f-acq"
check fence-acquire-dmesg has_dmesg "lock 10 was taken at generation 1 while this node lost its lease: it is lost at once, and freed"
wait_until 5 owner_is 10 0
check fence-acquire-record-freed [ $? -eq 0 ]
check fence-acquire-generation-kept [ "$(rec $((LL + 10)) generation)" = 1 ]
check fence-acquire-reaped [ "$(stat_a reaped)" = 1 ]
wait_until 5 hb_is live
check fence-acquire-rejoined [ $? -eq 0 ]
check fence-acquire-new-incarnation [ "$(cat $D/incarnation)" != "$inc" ]

# ---- a fence while a renewal is in flight ----------------------------------
blklock-abi hold-poll 11 30 > "$OUT/poll11" 2>&1 &
poller=$!
wait_file "$OUT/poll11" "acquired lock 11 generation" 20
inc=$(cat $D/incarnation)
mark_dmesg
trace_on blklock_hb_state
echo 2 > $H/fence_in_caw
wait "$poller"
check fence-renew-holder-told [ $? -eq 0 ]
check fence-renew-dmesg has_dmesg "was fenced by a test hook during a command"
wait_until 5 hb_is live
check fence-renew-rejoined [ $? -eq 0 ]
check fence-renew-new-incarnation [ "$(cat $D/incarnation)" != "$inc" ]
check fence-renew-rejoin-dmesg has_dmesg "rejoins as incarnation $(cat $D/incarnation)"
# The same two changes as trace events, once each, the rejoin with the
# new incarnation.
check fence-renew-trace-fence [ "$(count_trace blklock_hb_state "disk=$A node=1 event=deadline from=live to=fenced incarnation=$inc$")" = 1 ]
check fence-renew-trace-rejoin [ "$(count_trace blklock_hb_state "disk=$A node=1 event=renewed from=fenced to=live incarnation=$(cat $D/incarnation)$")" = 1 ]
trace_off fence-renew
# The old incarnation's record is stale for everyone at once.
gen=$(rec $((LL + 11)) generation)
$N2 acquire 11 --nowait release 11 > "$OUT/n2-11" 2>&1
check fence-renew-record-stale [ $? -eq 0 ]
check fence-renew-taken-over grep -q "acquired lock 11 generation $((gen + 1))$" "$OUT/n2-11"

# ---- an acquire whose command lands after it timed out ---------------------
mark_dmesg
echo 2000 > $H/late_lock_ms
t0=$(ms_now)
$N1 acquire 12 --nowait > "$OUT/late-acq" 2>&1
check late-acquire-fails [ $? -ne 0 ]
check late-acquire-etime grep -q "(ETIME)" "$OUT/late-acq"
check late-acquire-dmesg has_dmesg "acquire of lock 12: compare and write of disk block"
wait_until 6 owner_is 12 1
check late-acquire-landed [ $? -eq 0 ]
check late-acquire-landed-dmesg has_dmesg "test hook: a late compare and write reached disk block"
# Stranded: it names node 1, which holds it in no file.  The reaper frees
# it once the command's time is up (io timeout + one interval).
wait_until 15 owner_is 12 0
check late-acquire-reaped [ $? -eq 0 ]
t1=$(ms_now)
figure "stranded record of a late acquire freed $((t1 - t0)) ms after the acquire (reaper delay $REAP_MS ms)"
check late-acquire-reaped-in-time [ $((t1 - t0)) -le $((REAP_MS + 4000)) ]
check late-acquire-reaped-dmesg has_dmesg "lock 12: freed a record of this node that no file held (generation 1)"
check late-acquire-unknown-counted [ "$(stat_a unknown)" -ge 1 ]

# ---- a release whose command lands after it timed out ----------------------
hold "$N1" 13
gen=$(rec $((LL + 13)) generation)
mark_dmesg
echo 2000 > $H/late_lock_ms
unhold 13
check late-release-dmesg has_dmesg "release of lock 13: compare and write of disk block"
check late-release-enolck grep -q "release lock 13: .*ENOLCK" "$OUT/hold.13"
# Until it lands, the record still names node 1: node 2 must wait.
$N2 acquire 13 --nowait > "$OUT/n2-13a" 2>&1
check late-release-still-busy [ $? -eq 1 ]
wait_until 6 owner_is 13 0
check late-release-landed [ $? -eq 0 ]
check late-release-generation [ "$(rec $((LL + 13)) generation)" = "$gen" ]
hold "$N2" 13
check late-release-taken-once [ $? -eq 0 ]
check late-release-one-owner [ "$(rec $((LL + 13)) owner)/$(rec $((LL + 13)) generation)" = "2/$((gen + 1))" ]
sleep $(((REAP_MS + 2000) / 1000))
check late-release-reaper-left-it [ "$(rec $((LL + 13)) owner)" = 2 ]
unhold 13

# ---- an acquire whose result cannot be written back, and whose release -----
# ---- lands late -------------------------------------------------------------
# The kernel takes lock 15, then cannot write the result back (the page
# is write-protected with userfaultfd, then unmapped) and releases it;
# that release lands late (ENOLCK).  The file must hold nothing after
# the EFAULT: ATTACH of its own lockspace succeeds.
mark_dmesg
blklock-abi efault-after-loss 15 $H/late_lock_ms > "$OUT/efault" 2>&1
check efault-after-loss [ $? -eq 0 ]
sed 's/^/efault: /' "$OUT/efault"
check efault-release-late has_dmesg "release of lock 15: compare and write of disk block"
wait_until 6 owner_is 15 0
check efault-record-freed [ $? -eq 0 ]

# ---- a renewal that lands late, before and after the next one --------------
blklock-abi hold-poll 14 12 > "$OUT/poll14" 2>&1 &
poller=$!
wait_file "$OUT/poll14" "acquired lock 14 generation" 20
lost0=$(stat_a locks_lost)
mark_dmesg
trace_on blklock_hb_state
echo 400 > $H/late_hb_ms
sleep 3
echo 2500 > $H/late_hb_ms
sleep 5
check late-renewal-live [ "$(cat $D/heartbeat)" = live ]
# No change of state at all: not fenced, not taken for a duplicate.
check late-renewal-no-state-change [ "$(count_trace blklock_hb_state "disk=$A ")" = 0 ]
trace_off late-renewal
check late-renewal-not-duplicate lacks_dmesg "is in use by another host"
check late-renewal-landed-dmesg has_dmesg "test hook: a late compare and write reached disk block"
check late-renewal-no-loss [ "$(stat_a locks_lost)" = "$lost0" ]
check late-renewal-holder-kept sh -c "kill -0 $poller"
kill $poller 2>/dev/null
wait $poller 2>/dev/null

# ---- damaged records and break ---------------------------------------------
blklock-disk craft "$DISK_B" 20 99 7 0x1234 | dd of="$DISK_B" bs="$BS" seek=$((LL + 20)) oflag=direct 2>/dev/null
mark_dmesg
$N1 acquire 20 --nowait release 20 > "$OUT/dmg" 2>&1
check damaged-refused [ $? -eq 3 ]
check damaged-euclean grep -q EUCLEAN "$OUT/dmg"
check damaged-dmesg has_dmesg "holds lock 20 with an owner above the lockspace's node ids (owner 99, generation 7): damaged"
check damaged-untouched [ "$(rec $((LL + 20)) owner)" = 99 ]
now_s=$(date +%s)
blklockctl break 20 > "$OUT/brk20" 2>&1
check break-damaged [ $? -eq 0 ]
check break-damaged-free [ "$(rec $((LL + 20)) owner)" = 0 ]
g=$(rec $((LL + 20)) generation)
check break-damaged-generation-above [ "${g%?????????}" -ge "$now_s" ]
check break-damaged-dmesg has_dmesg "lock 20 broken by the administrator: a damaged record"
$N1 acquire 20 --nowait release 20 > "$OUT/acq20" 2>&1
check break-damaged-usable grep -q "acquired lock 20 generation $((g + 1))$" "$OUT/acq20"

blklockctl break 21 > "$OUT/brk21" 2>&1
check break-free-nothing [ $? -eq 0 ]
check break-free-says grep -q "free" "$OUT/brk21"
hold "$N2" 22
blklockctl break 22 > "$OUT/brk22" 2>&1
check break-live-refused [ $? -eq 1 ]
check break-live-untouched [ "$(rec $((LL + 22)) owner)" = 2 ]
unhold 22

rmmod blklock
check faults-unload [ $? -eq 0 ]

# ---- format over a lockspace another host heartbeats in ---------------------
insmod "$BLKLOCK_TEST_KO"
(
	i=1
	while [ $i -le 60 ]; do
		blklock-disk hb-forge "$DISK_A" 5 0x5555 $i
		i=$((i + 1))
		sleep 0.3
	done
) &
forger=$!
hdr0=$(dd if="$DISK_B" bs="$BS" count=1 iflag=direct 2>/dev/null | md5sum)
mark_dmesg
t0=$(ms_now)
blklockctl format "$DISK_A" --locks 64 --max-nodes 8 --force > "$OUT/fmt-live" 2>&1
check format-live-refused [ $? -ne 0 ]
check format-live-dmesg has_dmesg "node 5 is heartbeating in lockspace"
check format-live-watched [ $(($(ms_now) - t0)) -ge 6000 ]
check format-live-kept [ "$(dd if="$DISK_B" bs="$BS" count=1 iflag=direct 2>/dev/null | md5sum)" = "$hdr0" ]
kill $forger
wait $forger 2>/dev/null
blklockctl format "$DISK_A" --locks 64 --max-nodes 8 --force > "$OUT/fmt-dead" 2>&1
check format-dead-node-ok [ $? -eq 0 ]
rmmod blklock
