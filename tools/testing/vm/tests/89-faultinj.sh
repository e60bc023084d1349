# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug
# I/O failure injection (issue 11), on every kernel, with scsi_debug's own
# error injection and the production module:
#   - a READ error (MEDIUM ERROR) on one block: a lock record, another
#     node's heartbeat slot, the header and a slot read at attach;
#   - every command on both paths timing out, while a lock is held and the
#     heartbeat runs: acquire, release and attach fail, the node fences,
#     the holder is told, the node rejoins, the reaper frees what the
#     release left;
#   - every command executing but answering ABORTED COMMAND (transport):
#     acquire and release land although they report a failure;
#   - every third command timing out: the heartbeat rides it out;
#   - detach (rmmod) while every command times out;
# and, where scsi_debug has per-device error injection (6.12: debugfs
# scsi_debug/<h:c:t:l>/error), on the path of node 1 only: COMPARE AND
# WRITE answered with each kind of failure for acquire, release and
# validate, and a path on which every COMPARE AND WRITE times out (fence,
# eviction by node 2, takeover, rejoin).  Each case checks the errno, the
# dmesg line, the records on the disk, that no record is left that names
# a live node with no holder once the reaper's delay has passed, and that
# the module unloads.
. ./lock-lib.sh

ms_now() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
SD=/sys/bus/pseudo/drivers/scsi_debug
SP=/sys/module/scsi_debug/parameters
IO_MS=400
HB_MS=500
LEASE_MS=6000
FENCE_MS=5000
# The reaper's delay is io_timeout + one interval.
REAP_S=3

# A line in dmesg that the times of later lines are measured from.
kmsg_mark() { echo "blklock-test: $1" > /dev/kmsg; }
# since_mark TEXT: ms from the last kmsg_mark to the first later line
# holding TEXT.
since_mark() {
	dmesg | awk -v s="$1" '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t) }
		/blklock-test: / { m = t; f = "" }
		index($0, s) && m != "" && f == "" { f = t }
		END { if (f == "") print 999999; else printf "%d\n", (f - m) * 1000 }'
}
owner_gen() { echo "$(rec $((LL + $1)) owner)/$(rec $((LL + $1)) generation)"; }
count_dmesg() { new_dmesg | grep -cF -- "$1"; }
# said_once LINE: dmesg holds LINE once, or the rate limit held it back
# and said so (reports that come at the same instant contend for it).
said_once() {
	n=$(count_dmesg "$1")
	[ "$n" = 1 ] || { [ "$n" = 0 ] && has_dmesg "reports suppressed by rate limiting"; }
}

# scsi_debug's global injection, on every command of both paths:
# sd_inject OPTS EVERY_NTH (4: the command is dropped and times out;
# 16: it executes, then answers ABORTED COMMAND).
sd_inject() { echo "$1" > $SD/opts; echo "$2" > $SD/every_nth; }
sd_clear() { echo 0 > $SD/every_nth; echo 0 > $SD/opts; }
# A MEDIUM ERROR for every READ of one LBA (both paths).
medium() {
	echo "$1" > $SP/medium_error_start
	echo 1 > $SP/medium_error_count
	echo 2 > $SD/opts
}

# Lock L's record is cached by node 1: the next acquire starts with its
# COMPARE AND WRITE, not with a READ.
prime() { $N1 acquire "$1" --nowait release "$1" > /dev/null 2>&1; }

# not_orphan L: no file holds lock L, so its record must be free, or name
# a node incarnation that no longer heartbeats (node 2 then takes it at
# once, without waiting).  A record naming node 1's live incarnation
# would keep every other node out: an orphan.
not_orphan() {
	o=$(rec $((LL + $1)) owner)
	[ "$o" = 0 ] && return 0
	if [ "$o" = 1 ] && [ "$(rec $((LL + $1)) incarnation)" = "$(cat $D/incarnation)" ]; then
		echo "lock $1: record names node 1's live incarnation; no file holds it"
		return 1
	fi
	$N2 acquire "$1" --nowait release "$1" > "$OUT/orphan.$1" 2>&1 && return 0
	echo "lock $1: node 2 cannot take it: $(cat "$OUT/orphan.$1")"
	return 1
}

T_START=$(ms_now)
modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null
sd_clear
insmod "$BLKLOCK_KO"
blklockctl format "$DISK_A" --locks 64 --max-nodes 8 --heartbeat $HB_MS \
	--lease $LEASE_MS --force > /dev/null 2>&1
check format [ $? -eq 0 ]
D=$(space_dir "$DISK_A" 1)
D2=${D%:1}:2
rmmod blklock
insmod "$BLKLOCK_KO" dev="$DISK_A" node_id=1 io_timeout_ms=$IO_MS
check live [ "$(cat $D/heartbeat)" = live ]
check fence-after [ "$(cat $D/fence_after_ms)" = $FENCE_MS ]
LL=$(cat $D/lock_lba)
HL=$(cat $D/hb_lba)

# ---- a READ error on one block (MEDIUM ERROR, both paths) ------------------
mark_dmesg
medium $((LL + 5))
$N1 acquire 5 --nowait release 5 > "$OUT/m5" 2>&1
rc=$?
$N1 status 5 > "$OUT/m5s" 2>&1
rcs=$?
sd_clear
check read-lock-acquire-fails [ $rc -eq 3 ]
check read-lock-acquire-eio grep -q "acquire lock 5: .*(EIO)" "$OUT/m5"
check read-lock-status-eio sh -c "[ $rcs -eq 3 ] && grep -q '(EIO)' $OUT/m5s"
check read-lock-dmesg has_dmesg "$A: cannot read lock 5 at disk block $((LL + 5)): sense 03/11/00 (errno -5)"
check read-lock-dmesg-once-per-call [ "$(count_dmesg 'cannot read lock 5')" = 2 ]
check read-lock-untouched [ "$(owner_gen 5)" = 0/0 ]
$N1 acquire 5 --nowait release 5 > "$OUT/m5b" 2>&1
check read-lock-retry grep -q "acquired lock 5 generation 1$" "$OUT/m5b"

# Node 2 holds lock 6; node 1 cannot read node 2's heartbeat slot.
hold "$N2" 6
mark_dmesg
medium $((HL + 1))
$N1 acquire 6 --nowait release 6 > "$OUT/m6" 2>&1
rc=$?
sd_clear
check read-owner-slot-fails [ $rc -eq 3 ]
check read-owner-slot-eio grep -q "acquire lock 6: .*(EIO)" "$OUT/m6"
check read-owner-slot-dmesg has_dmesg "$A: cannot read the heartbeat slot of node 2"
check read-owner-slot-untouched [ "$(rec $((LL + 6)) owner)" = 2 ]
unhold 6
check read-owner-slot-released grep -q "released lock 6" "$OUT/hold.6"

# Attach of node 2: the header, then its slot, unreadable.
mark_dmesg
medium 0
$N2 info > "$OUT/m0" 2>&1
rc=$?
sd_clear
check read-header-attach-fails sh -c "[ $rc -eq 3 ] && grep -q '(EIO)' $OUT/m0"
check read-header-attach-dmesg has_dmesg "cannot attach $DISK_B: reading its header failed: sense 03/11/00 (errno -5)"
check read-header-not-attached [ ! -e $D2 ]
hb2=$(blklock-disk hb "$DISK_B" 2)
mark_dmesg
medium $((HL + 1))
$N2 info > "$OUT/mhb" 2>&1
rc=$?
sd_clear
check read-slot-attach-fails sh -c "[ $rc -eq 3 ] && grep -q '(EIO)' $OUT/mhb"
check read-slot-attach-dmesg has_dmesg "$B: cannot read the heartbeat slot of node 2 (error -5)"
check read-slot-untouched [ "$(blklock-disk hb "$DISK_B" 2)" = "$hb2" ]
check read-slot-not-attached [ ! -e $D2 ]
mark_dmesg
$N2 info > /dev/null 2>&1
check read-slot-attach-retry [ $? -eq 0 ]
check read-slot-retry-no-watch lacks_dmesg "did not detach cleanly"

# ---- every command times out, on both paths --------------------------------
# An acquire (its COMPARE AND WRITE, then the READ that looks for what
# became of it), a release and an attach of node 2 run at once, while
# lock 1 is held and node 1's renewals fail too.  (Each timeout takes up
# to a second more than io_timeout_ms: the block layer's timeout timer
# is rounded up to a whole second.)
prime 2
hold "$N1" 1
hold "$N1" 3
inc=$(cat $D/incarnation)
lost0=$(stat_a locks_lost)
mark_dmesg
kmsg_mark "every command times out"
sd_inject 4 1
$N1 acquire 2 --nowait release 2 > "$OUT/t2" 2>&1 &
p2=$!
kill -TERM "$(cat "$OUT/hold.3.pid")"
$N2 info > "$OUT/tatt" 2>&1 &
pa=$!
wait $p2
rc2=$?
wait "$(cat "$OUT/hold.3.pid")"
wait $pa
rca=$?
wait_until 8 hb_is fenced
fenced=$?
wait_file "$OUT/hold.1" "a held lock is lost" 5
told=$?
sd_clear
check timeout-acquire-fails [ $rc2 -eq 3 ]
check timeout-acquire-etime grep -q "acquire lock 2: .*(ETIME)" "$OUT/t2"
check timeout-acquire-dmesg said_once "$A: acquire of lock 2: compare and write of disk block $((LL + 2)) failed (host status 0x03 (errno -62)) and may still execute later; the lock is not this file's, and the reaper frees what it may leave"
check timeout-acquire-one-line [ "$(count_dmesg 'of lock 2:')" -le 1 ]
check timeout-release-enolck grep -q "release lock 3: .*(ENOLCK)" "$OUT/hold.3"
check timeout-release-dmesg said_once "$A: release of lock 3: compare and write of disk block $((LL + 3)) failed (host status 0x03 (errno -62)) and may still execute later"
check timeout-release-one-line [ "$(count_dmesg 'of lock 3:')" -le 1 ]
check timeout-attach-fails sh -c "[ $rca -eq 3 ] && grep -q '(ETIME)' $OUT/tatt"
check timeout-attach-dmesg has_dmesg "cannot attach $DISK_B: reading its header failed: host status 0x03 (errno -62)"
check timeout-fenced [ $fenced -eq 0 ]
ms=$(since_mark "could not renew its heartbeat in time")
figure "every command timing out: node 1 fenced $ms ms after the outage began (fence_after_ms $FENCE_MS, counted from the last renewal before it)"
check timeout-fenced-in-time [ "$ms" -le $((FENCE_MS + 300)) ] && [ "$ms" -ge $((FENCE_MS - 2 * HB_MS)) ]
check timeout-fence-dmesg has_dmesg "$A: node 1 could not renew its heartbeat in time: every lock it holds is lost, $((LEASE_MS - FENCE_MS)) ms before other nodes may break them"
check timeout-renew-dmesg has_dmesg "$A: node 1 could not renew its heartbeat (fate unknown)"
check timeout-renew-rate-limited [ "$(count_dmesg 'could not renew its heartbeat (')" -le 10 ]
check timeout-holder-told [ $told -eq 0 ]
wait "$(cat "$OUT/hold.1.pid")"
check timeout-holder-exit-lost [ $? -eq 5 ]
check timeout-locks-lost [ "$(stat_a locks_lost)" -gt "$lost0" ]
wait_until 5 hb_is live
check timeout-rejoined [ $? -eq 0 ]
check timeout-new-incarnation [ "$(cat $D/incarnation)" != "$inc" ]
check timeout-rejoin-dmesg has_dmesg "rejoins as incarnation $(cat $D/incarnation)"
wait_until $REAP_S has_dmesg "$A: lock 3: freed a record of this node that no file held (generation 1)"
check timeout-release-reaped [ $? -eq 0 ]
check timeout-acquire-never-landed [ "$(owner_gen 2)" = 0/1 ]
check timeout-lost-lock-stale [ "$(rec $((LL + 1)) incarnation)" = "$inc" ]
for l in 1 2 3; do
	check timeout-no-orphan-$l not_orphan $l
done
check timeout-stale-taken-at-once has_dmesg "breaking stale lock 1 held by node 1 (its incarnation $inc no longer heartbeats)"

# ---- every command executes, then answers ABORTED COMMAND ------------------
prime 7
hold "$N1" 8
g8=$(rec $((LL + 8)) generation)
mark_dmesg
sd_inject 16 1
$N1 acquire 7 --nowait release 7 > "$OUT/x7" 2>&1
rc7=$?
unhold 8
sd_clear
check aborted-acquire-fails [ $rc7 -eq 3 ]
check aborted-acquire-econnaborted grep -q "acquire lock 7: .*(ECONNABORTED)" "$OUT/x7"
check aborted-acquire-dmesg has_dmesg "$A: acquire of lock 7: compare and write of disk block $((LL + 7)) failed (sense 0b/4b/03 (errno -103)) and may still execute later"
check aborted-release-enolck grep -q "release lock 8: .*(ENOLCK)" "$OUT/hold.8"
check aborted-release-dmesg has_dmesg "$A: release of lock 8: compare and write of disk block $((LL + 8)) failed (sense 0b/4b/03 (errno -103)) and may still execute later"
# Both commands executed: the acquire left a record nobody holds, the
# release freed its record.
check aborted-release-landed [ "$(owner_gen 8)" = "0/$g8" ]
wait_until $REAP_S has_dmesg "$A: lock 7: freed a record of this node that no file held (generation 2)"
check aborted-acquire-reaped [ $? -eq 0 ]
check aborted-acquire-free [ "$(owner_gen 7)" = 0/2 ]
check aborted-stayed-live lacks_dmesg "could not renew its heartbeat in time"
for l in 7 8; do
	check aborted-no-orphan-$l not_orphan $l
done

# ---- intermittent failures while a lock is held -----------------------------
# intermittent NAME OPTS EVERY_NTH SECONDS: the heartbeat rides them out.
# The fault hits every Nth command of the whole host: renewals, the
# READs of this node's request block (it holds a lock), node 2's
# commands and the error handler's own alike.  A heartbeat cycle of
# exactly N commands would meet it at the same command every time (all
# renewals, a fence; or never one), so every 3 s every_nth changes
# between N and N + 2.  (Writing it rounds scsi_debug's count down to a
# multiple of N: more often than every N commands, it never fires.)
intermittent() {
	hold "$N1" 9
	lost0=$(stat_a locks_lost)
	late0=$(stat_a hb_late)
	unk0=$(stat_a unknown)
	ret0=$(stat_a retried_successes)
	err0=$(stat_a errors)
	mark_dmesg
	sd_inject "$2" "$3"
	s=0
	while [ $s -lt "$4" ]; do
		sleep 1
		s=$((s + 1))
		[ $((s % 3)) = 0 ] && echo $(($3 + s % 2 * 2)) > $SD/every_nth
	done
	# until-late: on until a renewal of node 1 met the fault: up to 30 s
	# more, in 3 s steps.
	w=0
	while [ "${5:-}" = until-late ] && [ $w -lt 10 ] &&
		[ "$(stat_a hb_late)" = "$late0" ]; do
		sleep 3
		w=$((w + 1))
		echo $(($3 + w % 2 * 2)) > $SD/every_nth
	done
	[ $w = 0 ] || figure "$1: $((w * 3)) s more until a renewal met the fault"
	sd_clear
	sleep 1
	check "$1-live" [ "$(cat $D/heartbeat)" = live ]
	check "$1-no-fence" lacks_dmesg "could not renew its heartbeat in time"
	check "$1-holder-kept" sh -c "kill -0 $(cat "$OUT/hold.9.pid") && ! grep -q lost $OUT/hold.9"
	check "$1-no-loss" [ "$(stat_a locks_lost)" = "$lost0" ]
	figure "$1 for $4 s: $(($(stat_a errors) - err0)) commands failed, $(($(stat_a retried_successes) - ret0)) of them had written, $(($(stat_a unknown) - unk0)) of unknown fate, $(($(stat_a hb_late) - late0)) late renewals; the node stayed live"
	check "$1-renew-rate-limited" [ "$(count_dmesg 'could not renew its heartbeat (')" -le 10 ]
	unhold 9
	check "$1-released" grep -q "released lock 9" "$OUT/hold.9"
	check "$1-no-orphan" not_orphan 9
}
# Every third command executes but answers ABORTED COMMAND: a renewal
# that reports a failure had written, as the READ after it shows.
intermittent third-aborted 16 3 4
check third-aborted-wrote [ "$(stat_a retried_successes)" -gt "$ret0" ]
# Every fifth (or seventh) command times out: never two renewals in a row.
intermittent fifth-timeout 4 5 6 until-late
check fifth-timeout-late [ "$(stat_a hb_late)" -gt "$late0" ]

# ---- detach while every command times out -----------------------------------
mark_dmesg
sd_inject 4 1
t0=$(ms_now)
rmmod blklock
rc=$?
t1=$(ms_now)
sd_clear
check detach-outage-rmmod [ $rc -eq 0 ]
figure "rmmod while every command times out: $((t1 - t0)) ms"
# A renewal in flight, then the COMPARE AND WRITE that marks the slot
# left: two commands and their READs, each timing out.
check detach-outage-bounded [ $((t1 - t0)) -le 8000 ]
check detach-outage-dmesg has_dmesg "$A: could not mark the heartbeat slot of node 1 as left (fate unknown); the next attach of this node id waits one lease"
check detach-outage-detached has_dmesg "$A: detached node 1"
check detach-outage-slot-not-left [ "$(blklock-disk hb "$DISK_B" 1 | awk '{ print $8 }')" = 0 ]
# The next attach of node 1 watches its slot for a lease.  A READ of the
# slot fails during the watch: the attach fails with EIO.  (Through the
# ATTACH ioctl: busybox's insmod would load the module a second time
# after a failed finit_module.)
insmod "$BLKLOCK_KO" io_timeout_ms=$IO_MS
mark_dmesg
(
	sleep 2
	medium "$HL"
	sleep 1
	sd_clear
) &
inj=$!
blklockctl --device "$DISK_A" --node 1 info > "$OUT/rewatch" 2>&1
rc=$?
wait $inj
check reattach-watch-read-fails sh -c "[ $rc -eq 3 ] && grep -q '(EIO)' $OUT/rewatch"
check reattach-watch-read-dmesg has_dmesg "$A: cannot read the heartbeat slot of node 1 (error -5)"
check reattach-watch-read-not-attached [ ! -e $D ]
mark_dmesg
t0=$(ms_now)
blklockctl --device "$DISK_A" --node 1 info > "$OUT/reattach" 2>&1
rc=$?
t1=$(ms_now)
check reattach [ $rc -eq 0 ]
check reattach-watched has_dmesg "$A: node id 1 did not detach cleanly; watching its heartbeat slot for $LEASE_MS ms before taking it"
check reattach-waited-a-lease [ $((t1 - t0)) -ge $LEASE_MS ]
check reattach-left-cleanly [ "$(blklock-disk hb "$DISK_B" 1 | awk '{ print $8 }')" = 1 ]
rmmod blklock

# ---- one path, one command: per-device injection (6.12's scsi_debug) -------
# The test build of the module from here on, for its hb_pause hook: the
# injection matches an opcode, not a block, so node 1's heartbeat is
# paused while a lock's command meets it (for less than fence_after_ms:
# nothing is lost), lest a renewal take it instead.
insmod "$BLKLOCK_TEST_KO" dev="$DISK_A" node_id=1 io_timeout_ms=$IO_MS
check test-build-live [ "$(cat $D/heartbeat)" = live ]
H=/sys/kernel/debug/blklock/$A
pause() {
	echo 1 > $H/hb_pause
	sleep 0.1
}
thaw() { echo 0 > $H/hb_pause; }
ERRF=/sys/kernel/debug/scsi_debug/$(basename "$(readlink -f /sys/block/$A/device)")/error
dev_err() { echo "$*" > "$ERRF"; }
dev_err_clear() {
	awk 'NR > 1 { print $1, $3 }' "$ERRF" | while read -r ty op; do
		echo "- $ty $op" > "$ERRF"
	done
}

# acquire_case NAME LOCK "INJECTION" RC ERRNO DMESG: node 1's acquire of
# LOCK (cached: it starts with COMPARE AND WRITE) meets INJECTION on its
# path; the exit status is RC, blklockctl names ERRNO, dmesg says DMESG
# once (nothing if empty); nothing is left on the disk.
acquire_case() {
	name=$1 l=$2 inj=$3 want_rc=$4 want_errno=$5 line=$6
	prime "$l"
	g=$(rec $((LL + l)) generation)
	mark_dmesg
	pause
	dev_err "$inj"
	$N1 acquire "$l" --nowait release "$l" > "$OUT/dev.$name" 2>&1
	rc=$?
	dev_err_clear
	thaw
	check "dev-$name-rc" [ $rc -eq "$want_rc" ]
	if [ "$want_rc" = 0 ]; then
		check "dev-$name-acquired" grep -q "acquired lock $l generation $((g + 1))$" "$OUT/dev.$name"
		check "dev-$name-quiet" [ "$(count_dmesg "of lock $l:")" = 0 ]
		check "dev-$name-free" [ "$(owner_gen "$l")" = "0/$((g + 1))" ]
		return
	fi
	check "dev-$name-errno" grep -q "acquire lock $l: .*($want_errno)" "$OUT/dev.$name"
	check "dev-$name-dmesg" has_dmesg "$A: acquire of lock $l: compare and write of disk block $((LL + l)) failed$line"
	check "dev-$name-one-line" [ "$(count_dmesg "of lock $l:")" = 1 ]
	check "dev-$name-untouched" [ "$(owner_gen "$l")" = "0/$g" ]
	$N1 acquire "$l" --nowait release "$l" > /dev/null 2>&1
	check "dev-$name-retry" [ $? -eq 0 ]
}

if [ ! -w "$ERRF" ]; then
	skip dev-injection "this kernel's scsi_debug has no per-device error injection (debugfs scsi_debug/<h:c:t:l>/error, from Linux 6.7)"
else
	UNCERTAIN=" and may still execute later; the lock is not this file's, and the reaper frees what it may leave"
	unk0=$(stat_a unknown)
	acquire_case illegal-request 20 "2 -1 0x89 0 0 0x2 0x5 0x21 0" 3 ERANGE \
		": sense 05/21/00 (errno -34); the block is unchanged"
	acquire_case reservation-conflict 21 "2 -1 0x89 0 0 0x18 0 0 0" 3 EACCES \
		": SCSI status 0x18 (errno -13); the block is unchanged"
	acquire_case data-protect 22 "2 -1 0x89 0 0 0x2 0x7 0x27 0" 3 EROFS \
		": sense 07/27/00 (errno -30); the block is unchanged"
	acquire_case not-ready 23 "2 -1 0x89 0 0 0x2 0x2 0x4 0" 3 ENOMEDIUM \
		": sense 02/04/00 (errno -123); the block is unchanged"
	acquire_case unit-attention-4 24 "2 -4 0x89 0 0 0x2 0x6 0x29 0" 3 ECONNRESET \
		": sense 06/29/00 (errno -104); the block is unchanged"
	acquire_case unit-attention-3 25 "2 -3 0x89 0 0 0x2 0x6 0x29 0" 0
	acquire_case busy 26 "2 -2 0x89 0 0 0x8 0 0 0" 0
	acquire_case host-busy 27 "1 -3 0x89 0x1055" 0
	acquire_case medium-error 28 "2 -1 0x89 0 0 0x2 0x3 0x11 0" 3 EIO \
		" (sense 03/11/00 (errno -5))$UNCERTAIN"
	acquire_case no-connect 29 "2 -1 0x89 0x1 0 0 0 0 0" 3 ENODEV \
		" (host status 0x01 (errno -19))$UNCERTAIN"
	acquire_case timeout 30 "0 -1 0x89" 3 ETIME \
		" (host status 0x03 (errno -62))$UNCERTAIN"
	check dev-unknown-counted [ $(($(stat_a unknown) - unk0)) -eq 3 ]

	# A release refused for certain: the file still holds the lock, and
	# closing it releases it.
	hold "$N1" 31
	g=$(rec $((LL + 31)) generation)
	mark_dmesg
	pause
	dev_err "2 -1 0x89 0 0 0x2 0x5 0x21 0"
	unhold 31
	dev_err_clear
	thaw
	check dev-release-refused-errno grep -q "release lock 31: .*(ERANGE)" "$OUT/hold.31"
	check dev-release-refused-dmesg has_dmesg "$A: release of lock 31: compare and write of disk block $((LL + 31)) failed: sense 05/21/00 (errno -34); the block is unchanged"
	check dev-release-refused-closed-frees [ "$(owner_gen 31)" = "0/$g" ]
	# Refused twice: at the release and at the close; the reaper frees it.
	hold "$N1" 32
	g=$(rec $((LL + 32)) generation)
	mark_dmesg
	pause
	dev_err "2 -2 0x89 0 0 0x2 0x5 0x21 0"
	unhold 32
	dev_err_clear
	thaw
	check dev-release-close-errno grep -q "release lock 32: .*(ERANGE)" "$OUT/hold.32"
	check dev-release-close-dmesg has_dmesg "$A: lock 32 could not be released on close (error -34): its record still names node 1; the reaper frees it"
	wait_until 3 has_dmesg "$A: lock 32: freed a record of this node that no file held (generation $g)"
	check dev-release-close-reaped [ $? -eq 0 ]
	check dev-release-close-free [ "$(owner_gen 32)" = "0/$g" ]
	# A release of unknown fate that never executed: ENOLCK, the reaper
	# frees the record.
	hold "$N1" 33
	g=$(rec $((LL + 33)) generation)
	mark_dmesg
	pause
	dev_err "0 -1 0x89"
	unhold 33
	dev_err_clear
	thaw
	check dev-release-timeout-enolck grep -q "release lock 33: .*(ENOLCK)" "$OUT/hold.33"
	check dev-release-timeout-dmesg has_dmesg "$A: release of lock 33: compare and write of disk block $((LL + 33)) failed (host status 0x03 (errno -62))$UNCERTAIN"
	wait_until 4 has_dmesg "$A: lock 33: freed a record of this node that no file held (generation $g)"
	check dev-release-timeout-reaped [ $? -eq 0 ]
	check dev-release-timeout-free [ "$(owner_gen 33)" = "0/$g" ]
	# VALIDATE whose command timed out and whose block cannot be read
	# back: its fate is unknown, the lock is still held.  (Had the READ
	# worked, the block would hold the record validated: success.)
	$N1 acquire 34 sleep 800 validate 34 release 34 > "$OUT/val" 2>&1 &
	vpid=$!
	wait_file "$OUT/val" "acquired lock 34 " 10
	mark_dmesg
	pause
	dev_err "0 -1 0x89"
	dev_err "2 -1 0x88 0 0 0x2 0x3 0x11 0"
	wait $vpid
	rc=$?
	dev_err_clear
	thaw
	check dev-validate-fails [ $rc -eq 3 ]
	check dev-validate-etime grep -q "validate lock 34: .*(ETIME)" "$OUT/val"
	check dev-validate-dmesg has_dmesg "$A: validate of lock 34: compare and write of disk block $((LL + 34)) failed (host status 0x03 (errno -62)) and may still execute later"
	check dev-validate-still-held grep -q "released lock 34" "$OUT/val"
	for l in 20 21 22 23 24 28 29 30 31 32 33 34; do
		check dev-no-orphan-$l not_orphan $l
	done

	# Node 1's path: every COMPARE AND WRITE times out, READs work.  Node
	# 1 fences before node 2, on its own path, may take its lock.
	blklock-abi hold-poll 40 30 > "$OUT/poll40" 2>&1 &
	poller=$!
	wait_file "$OUT/poll40" "acquired lock 40 generation" 10
	g=$(rec $((LL + 40)) generation)
	inc=$(cat $D/incarnation)
	mark_dmesg
	dev_err "0 1 0x89"
	t0=$(ms_now)
	$N2 acquire 40 --timeout 20000 release 40 > "$OUT/cut40" 2>&1
	rc=$?
	t1=$(ms_now)
	wait "$poller"
	polled=$?
	dev_err_clear
	check cut-node2-takes-over [ $rc -eq 0 ]
	check cut-node2-generation grep -q "acquired lock 40 generation $((g + 1))$" "$OUT/cut40"
	figure "node 1's COMPARE AND WRITEs all time out: node 2 took its lock $((t1 - t0)) ms later (lease $LEASE_MS ms)"
	check cut-holder-told [ $polled -eq 0 ]
	check cut-fence-dmesg has_dmesg "$A: node 1 could not renew its heartbeat in time"
	check cut-evicted-dmesg has_dmesg "$B: node 1's heartbeat slot stood still for"
	check cut-takeover-dmesg has_dmesg "breaking stale lock 40 held by node 1 (heartbeat unchanged for"
	tf=$(new_dmesg | grep -F "could not renew its heartbeat in time" | head -n 1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	tt=$(new_dmesg | grep -F "breaking stale lock 40" | head -n 1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	check cut-fenced-before-takeover awk -v f="$tf" -v t="$tt" 'BEGIN { exit !(f != "" && t != "" && f + 0 < t + 0) }'
	wait_until 5 has_dmesg "$A: node 1 found its heartbeat slot evicted by another node"
	check cut-finds-evicted [ $? -eq 0 ]
	wait_until 5 hb_is live
	check cut-rejoined [ $? -eq 0 ]
	check cut-new-incarnation [ "$(cat $D/incarnation)" != "$inc" ]
	check cut-record [ "$(owner_gen 40)" = "0/$((g + 1))" ]
	check cut-no-orphan not_orphan 40
fi

mark_dmesg
rmmod blklock
check unload [ $? -eq 0 ]
check no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace|KASAN|UBSAN|circular locking|list_(add|del) corruption'"
figure "89-faultinj: $(($(ms_now) - T_START)) ms in the guest"
