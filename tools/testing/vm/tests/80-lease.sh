# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug
# Leases (test build of the module, with the hb_pause hook): heartbeat
# I/O does not grow with the locks held; a frozen holder's lock is taken
# over within lease + one heartbeat; the holder, thawed, learns it lost
# the lock (poll, ENOLCK); duplicate node ids are detected on both sides.
. ./lock-lib.sh

ms_now() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null
insmod "$BLKLOCK_TEST_KO"
blklockctl format "$DISK_A" --locks 1100 --max-nodes 8 --force >/dev/null 2>&1
check lease-format [ $? -eq 0 ]
rmmod blklock
# Every uevent of blklock's lockspaces, as udev would see them.
# shellcheck disable=SC2016 # expanded by uevent's sh, per event
uevent sh -c 'case $DEVPATH in /kernel/blklock/*) echo "$ACTION $DEVPATH $BLKLOCK_HEARTBEAT $BLKLOCK_NODE_ID $BLKLOCK_UUID $BLKLOCK_DISK" >> /tmp/lock-test/uevents ;; esac' &
ueventd=$!
sleep 0.5
insmod "$BLKLOCK_TEST_KO" dev="$DISK_A" node_id=1
# The lockspace's sysfs directory is named after its uuid and node id.
D=$(sysdir "$A")
check lease-sysfs-by-uuid [ "$D" = "$(space_dir "$DISK_B" 1)" ]
check lease-live [ "$(cat $D/heartbeat)" = live ]
check lease-timings [ "$(cat $D/hb_interval_ms)/$(cat $D/lease_timeout_ms)/$(cat $D/fence_after_ms)" = 1000/6000/4000 ]
LL=$(cat $D/lock_lba)
inc1=$(cat $D/incarnation)
blklock-disk hb "$DISK_B" 1 | grep -q "node 1 incarnation $inc1 "
check lease-slot-incarnation [ $? -eq 0 ]

# ---- heartbeat I/O: one command per interval, whatever the locks held --
hold "$N1" 0
h0=$(stat_a hb_sent)
sleep 5
h1=$(stat_a hb_sent)
unhold 0
locks=""
i=1
while [ $i -le 1000 ]; do locks="$locks acquire $i"; i=$((i + 1)); done
blklockctl $locks > "$OUT/many" 2>&1 &
many=$!
wait_file "$OUT/many" "holding 1000 locks" 120
check lease-1000-held [ $? -eq 0 ]
h2=$(stat_a hb_sent)
sleep 5
h3=$(stat_a hb_sent)
kill -TERM $many
wait $many
figure "heartbeat I/O per 5 s: $((h1 - h0)) with 1 lock held, $((h3 - h2)) with 1000 locks held (interval 1000 ms)"
check lease-hb-budget-1-lock [ $((h1 - h0)) -ge 3 ] && [ $((h1 - h0)) -le 7 ]
check lease-hb-budget-1000-locks [ $((h3 - h2)) -ge 3 ] && [ $((h3 - h2)) -le 7 ]

# ---- a frozen holder's lock is taken over ----------------------------------
blklock-abi hold-poll 3 60 > "$OUT/poll" 2>&1 &
poller=$!
wait_file "$OUT/poll" "acquired lock 3 generation" 20
gen=$(sed -n 's/^acquired lock 3 generation //p' "$OUT/poll")
check takeover-holder [ "$(rec $((LL + 3)) owner)" = 1 ]
check trace-on trace_on
mark_dmesg
echo 1 > "/sys/kernel/debug/blklock/$A/hb_pause"
t0=$(ms_now)
hold "$N2" 3
t1=$(ms_now)
figure "takeover of a frozen node's lock: $((t1 - t0)) ms (lease 6000 ms + heartbeat 1000 ms = 7000 ms)"
check takeover-acquired grep -q "acquired lock 3 generation $((gen + 1))$" "$OUT/hold.3"
check takeover-within-lease-plus-interval [ $((t1 - t0)) -le 8000 ]
check takeover-not-before-lease [ $((t1 - t0)) -ge 5000 ]
# Node 2 (the lockspace on $B) evicted node 1's slot, then took lock 3
# from it: the trace events say so, and dmesg tells the administrator.
check takeover-trace-evict has_trace blklock_evict "disk=$B node=1 incarnation=$inc1 counter=[0-9]+ still_ms=[0-9]+ fate=wrote ret=0$"
check takeover-trace has_trace blklock_takeover "disk=$B lock=3 owner=1 incarnation=$inc1 owner_was=dead generation=$((gen + 1)) unchanged_ms=[0-9]+$"
check takeover-trace-acquired has_trace blklock_acquire_end "disk=$B lock=3 ret=0 generation=$((gen + 1)) owner=1 "
check takeover-dmesg has_dmesg "blklock: $B: breaking stale lock 3 held by node 1 (heartbeat unchanged for"
check takeover-on-disk [ "$(rec $((LL + 3)) owner)/$(rec $((LL + 3)) generation)" = "2/$((gen + 1))" ]

# While node 1 is still frozen, an administrator looks at the lockspace:
# through the module as node 2, and from the raw blocks without it.
$N2 status > "$OUT/status" 2>&1
check status-exit [ $? -eq 0 ]
sed 's/^/status: /' "$OUT/status"
check status-self grep -q "^node 2 self counter " "$OUT/status"
check status-frozen-node-evicted grep -q "^node 1 evicted counter .* unchanged for [0-9][0-9.]* m*s " "$OUT/status"
check status-lock-owner grep -q "^lock 3 owner 2 generation $((gen + 1)) incarnation " "$OUT/status"
check status-lock-verdict sh -c "grep -A1 '^lock 3 owner' $OUT/status | grep -q 'held by this node'"
check status-unused-slots grep -q "^(6 node slots never used)" "$OUT/status"
blklockctl dump "$DISK_B" > "$OUT/dump" 2>&1
check dump-exit [ $? -eq 0 ]
sed 's/^/dump: /' "$OUT/dump"
check dump-header grep -q "heartbeat interval 1000 ms, lease timeout 6000 ms" "$OUT/dump"
check dump-frozen-node-evicted grep -q "^node 1 incarnation $inc1 counter [0-9]* flags evicted" "$OUT/dump"
check dump-live-node grep -q "^node 2 incarnation [0-9a-f]* counter [0-9]* live (+" "$OUT/dump"
check dump-lock-owner grep -q "^lock 3 owner 2 generation $((gen + 1)) " "$OUT/dump"
check dump-lock-verdict sh -c "grep -A1 '^lock 3 owner' $OUT/dump | grep -q 'owner alive'"

# Node 1 thaws: it finds its deadline passed and its slot evicted, loses
# every lock, the holder hears of the loss through poll(), and the next
# renewal (one interval later) rejoins with a new incarnation.
blklock-abi poll-sysfs "$D/heartbeat" 60 > "$OUT/pollsys" 2>&1 &
pollsys=$!
sleep 0.2
mark_dmesg
echo 0 > "/sys/kernel/debug/blklock/$A/hb_pause"
i=0
while kill -0 $poller 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait $poller
check thaw-poll-and-enolck [ $? -eq 0 ]
sed 's/^/node 1: /' "$OUT/poll"
check thaw-fence-dmesg has_dmesg "node 1 was frozen past its renewal deadline: every lock it holds is lost"
check thaw-evicted-dmesg has_dmesg "node 1 found its heartbeat slot evicted by another node"
check thaw-evicted-counted [ "$(stat_a evicted)" = 1 ]
i=0
while [ "$(cat $D/heartbeat)" != live ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
check thaw-rejoin-dmesg has_dmesg "renewed its heartbeat after"
check thaw-live-again [ "$(cat $D/heartbeat)" = live ]
check thaw-new-incarnation [ "$(cat $D/incarnation)" != "$inc1" ]
# Node 1's heartbeat state, as the trace events saw it change: the fence
# at its deadline, its slot found evicted, the rejoin (new incarnation).
check thaw-trace-fence has_trace blklock_hb_state "disk=$A node=1 event=deadline from=live to=fenced incarnation=$inc1$"
check thaw-trace-evicted has_trace blklock_hb_state "disk=$A node=1 event=evicted from=fenced to=fenced "
check thaw-trace-rejoin has_trace blklock_hb_state "disk=$A node=1 event=renewed from=fenced to=live incarnation=$(cat $D/incarnation)$"
check thaw-trace-lost has_trace blklock_release_end "disk=$A lock=3 ret=-37 generation=$gen owner=1 "
trace_off thaw
# The same changes reached user space: a "change" uevent for each, and
# poll() on the heartbeat file woke with the fence.
uuid=$(cat $D/uuid)
check uevent-add grep -q "^add /kernel/blklock/$uuid:1 live 1 $uuid $A$" "$OUT/uevents"
check uevent-fenced grep -q "^change /kernel/blklock/$uuid:1 fenced 1 $uuid $A$" "$OUT/uevents"
check uevent-live-again sh -c "grep -n '^change /kernel/blklock/$uuid:1 ' $OUT/uevents | tail -n 1 | grep -q ' live 1 '"
wait $pollsys
check sysfs-poll-woke [ $? -eq 0 ]
check sysfs-poll-says-fenced grep -q "woke, now fenced" "$OUT/pollsys"
sed 's/^/uevent: /' "$OUT/uevents"
check thaw-not-double-owned [ "$(rec $((LL + 3)) owner)" = 2 ]
check thaw-locks-lost-counted [ "$(stat_a locks_lost)" -ge 1 ]
unhold 3

# ---- duplicate node id, at attach: another host heartbeats node 3 -----------
(
	i=1
	while [ $i -le 40 ]; do
		blklock-disk hb-forge "$DISK_A" 3 0x7373 $i
		i=$((i + 1))
		sleep 0.3
	done
) &
forger=$!
mark_dmesg
blklockctl --device "$DISK_B" --node 3 info > "$OUT/dup3" 2>&1
check dup-attach-refused [ $? -ne 0 ]
check dup-attach-errno grep -q "EADDRINUSE" "$OUT/dup3"
check dup-attach-dmesg has_dmesg "node id 3 is in use by another host: its heartbeat slot on $B went from counter"
kill $forger
wait $forger 2>/dev/null

# ---- duplicate node id, running: another host writes node 1's slot ----------
hold "$N1" 5
mark_dmesg
blklock-disk hb-forge "$DISK_B" 1 0x5151 999
sleep 2
check dup-running-dmesg has_dmesg "blklock: node id 1 is in use by another host (slot of $A expected incarnation"
check dup-running-stopped [ "$(cat $D/heartbeat)" = stopped ]
holder=$(cat "$OUT/hold.5.pid")
i=0
while kill -0 "$holder" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$holder"
check dup-running-holder-lost [ $? -eq 5 ]
$N1 acquire 6 --nowait > "$OUT/dup-acq" 2>&1
check dup-running-no-new-locks [ $? -eq 5 ]
check dup-slot-left-alone sh -c "blklock-disk hb $DISK_B 1 | grep -q 'incarnation 0000000000005151 counter 999 '"

rmmod blklock
check lease-unload [ $? -eq 0 ]
sleep 0.5
check uevent-remove grep -q "^remove /kernel/blklock/$uuid:1 " "$OUT/uevents"
check uevent-stopped grep -q "^change /kernel/blklock/$uuid:1 stopped 1 " "$OUT/uevents"
kill $ueventd 2>/dev/null

# dump needs no module; a damaged record is named and makes it exit 3.
blklockctl dump --no-wait "$DISK_B" > "$OUT/dump2" 2>&1
check dump-without-module [ $? -eq 0 ]
check dump-left-node grep -q "^node 2 incarnation [0-9a-f]* counter [0-9]* left (detached cleanly)" "$OUT/dump2"
dd if=/dev/zero of="$DISK_B" bs="$BS" seek=$((LL + 1090)) count=1 oflag=direct 2>/dev/null
blklockctl dump --no-wait "$DISK_B" > "$OUT/dump3" 2>&1
check dump-damaged-exit [ $? -eq 3 ]
check dump-damaged-named grep -q "^lock 1090 (LBA $((LL + 1090))) DAMAGED: no blklock magic" "$OUT/dump3"
blklockctl dump --no-wait /dev/null > "$OUT/dump4" 2>&1
check dump-not-a-disk [ $? -eq 3 ]
check lease-no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
