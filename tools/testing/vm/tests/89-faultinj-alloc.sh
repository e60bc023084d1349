# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug
# Allocation and block-layer failure injection (issue 11), on a kernel
# with fault injection (the debug kernel; Debian's have none: SKIP):
#   - failslab with /proc/thread-self/fail-nth (blklock-failnth): open,
#     attach, detach, acquire (free and busy), release, status, validate,
#     nodes, break (free and damaged) and close with a lock held, each
#     with the N-th allocation of the calling task failing, for every N
#     the operation reaches; the task is the filter, so only the
#     operation's own allocations fail (in blklock and in the kernel
#     code it calls), never those of the heartbeat or the reaper;
#   - fail_make_request on the lockspace disk: armed (a READ through the
#     page cache bypass fails), yet blklock's commands never meet it:
#     passthrough requests go to blk_execute_rq(), not submit_bio();
#   - fail_io_timeout on the lockspace disk (the completion of a command
#     that executed is dropped, the request times out): for the heartbeat
#     (one renewal: the READ after it finds it written; all renewals for
#     longer than fence_after_ms: the node fences, then rejoins), an
#     acquire that succeeds although its command timed out, a release of
#     unknown fate that executed;
# and the module unloads (the VM runner's kmemleak scan follows).
. ./lock-lib.sh

FS=/sys/kernel/debug/failslab
if [ ! -e /proc/self/fail-nth ] || [ ! -d $FS ]; then
	skip failnth "this kernel has no fault injection (no /proc/self/fail-nth or $FS: CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS); the debug kernel runs it"
	exit 0
fi

ms_now() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
owner_gen() { echo "$(rec $((LL + $1)) owner)/$(rec $((LL + $1)) generation)"; }
T_START=$(ms_now)

modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null
insmod "$BLKLOCK_KO"
blklockctl format "$DISK_A" --locks 1024 --max-nodes 8 --heartbeat 500 \
	--lease 6000 --force > /dev/null 2>&1
check format [ $? -eq 0 ]
D=$(space_dir "$DISK_A" 1)
LL=$(blklock-disk header "$DISK_B" | awk '{ print $6 }')

# ---- failslab, systematically ------------------------------------------------
# Every slab allocation may fail (GFP_KERNEL ones too), but only through
# fail-nth: no random failures anywhere.
echo 0 > $FS/probability
echo N > $FS/ignore-gfp-wait
echo N > $FS/cache-filter
echo 0 > $FS/verbose

# Node 2 holds lock 3 for acquire-busy.
mark_dmesg
hold "$N2" 3
check failnth-busy-holder [ $? -eq 0 ]
for op in open attach detach acquire acquire-busy release status validate \
	nodes break-free break-damaged close-held; do
	case $op in
	acquire-busy) l=3 ;;
	close-held) l=100 ;;
	*) l=10 ;;
	esac
	t0=$(ms_now)
	blklock-failnth $op "$DISK_A" "$DISK_B" $l > "$OUT/failnth.$op" 2>&1
	rc=$?
	t1=$(ms_now)
	# The log keeps every line but the plain ENOMEM and ok ones.
	grep -v " fired: \(ENOMEM\|ok\)$" "$OUT/failnth.$op" | sed "s/^/$op: /"
	sum=$(grep "^summary $op " "$OUT/failnth.$op")
	check "failnth-$op" [ $rc -eq 0 ] && [ -n "$sum" ]
	figure "failslab $op: ${sum#summary "$op" } ($((t1 - t0)) ms)"
	# Every failure is one an allocation failure may give: ENOMEM; or
	# EREMOTEIO, when the allocation that failed was scsi_debug's (it
	# executes the command in the task that queues it) and the target
	# answered INSUFFICIENT RESOURCES; for acquire-busy, EBUSY (the
	# fault was harmless) or EIO (a miscompare whose block could not be
	# read back).
	case $op in
	acquire-busy) also="-e EBUSY -e EIO" ;;
	*) also= ;;
	esac
	bad=$(grep " fired: " "$OUT/failnth.$op" | sed 's/.* fired: //' | sort -u |
		grep -v -x -e ok -e ENOMEM -e errno121 $also | tr '\n' ' ')
	check "failnth-$op-errnos" [ -z "$bad" ]
	[ -z "$bad" ] || echo "$op: unexpected errnos: $bad"
done
unhold 3
check failnth-busy-holder-kept grep -q "released lock 3" "$OUT/hold.3"
# An attach waited for a lease only after a detach that could not mark
# the slot left (its COMPARE AND WRITE met the fault).
unclean=$(new_dmesg | grep -c "could not mark the heartbeat slot of node 1 as left")
figure "failslab: $unclean detaches could not mark the slot left; the next attach watched it for a lease"
check failnth-watch-only-after-unclean-detach [ "$(new_dmesg | grep -c 'did not detach cleanly')" = "$unclean" ]
for l in 3 10; do
	check failnth-no-orphan-$l [ "$(rec $((LL + l)) owner)" = 0 ]
done
echo Y > $FS/ignore-gfp-wait

# ---- fail_make_request: blklock's commands do not go through submit_bio ------
FMR=/sys/kernel/debug/fail_make_request
rmmod blklock
# The test build from here on, for hb_pause (below).
insmod "$BLKLOCK_TEST_KO" dev="$DISK_A" node_id=1 io_timeout_ms=500
H=/sys/kernel/debug/blklock/$A
if [ -d $FMR ] && [ -e /sys/block/$A/make-it-fail ]; then
	echo 100 > $FMR/probability
	echo -1 > $FMR/times
	echo 0 > $FMR/verbose
	echo 1 > /sys/block/$A/make-it-fail
	dd if="$DISK_A" of=/dev/null bs="$BS" count=1 iflag=direct 2>/dev/null
	check fail-make-request-armed [ $? -ne 0 ]
	sent0=$(stat_a hb_sent)
	err0=$(stat_a errors)
	$N1 acquire 20 --nowait status 20 validate 20 release 20 > "$OUT/fmr" 2>&1
	check fail-make-request-bypassed [ $? -eq 0 ]
	sleep 2
	check fail-make-request-renewals [ "$(stat_a hb_sent)" -gt "$sent0" ]
	check fail-make-request-no-errors [ "$(stat_a errors)" = "$err0" ]
	check fail-make-request-live [ "$(cat $D/heartbeat)" = live ]
	echo 0 > /sys/block/$A/make-it-fail
	echo 0 > $FMR/probability
else
	skip fail-make-request "no $FMR or /sys/block/$A/make-it-fail (CONFIG_FAIL_MAKE_REQUEST)"
fi

# ---- fail_io_timeout: commands that execute, whose completion is lost --------
if fit_arm $A; then
	# An acquire whose COMPARE AND WRITE executed and timed out: the READ
	# after it finds the record written, and the lock is taken.  (Node
	# 1's heartbeat is paused meanwhile, for less than fence_after_ms, so
	# that a renewal cannot meet the lost completion instead.)
	# (Lock 22 is used once first, so that the acquire starts with its
	# COMPARE AND WRITE, not with a READ.)
	$N1 acquire 22 --nowait release 22 > /dev/null 2>&1
	ret0=$(stat_a retried_successes)
	echo 1 > $H/hb_pause
	sleep 0.1
	echo 1 > $FIT/times
	$N1 acquire 22 --nowait release 22 > "$OUT/fit22" 2>&1
	rc=$?
	echo 0 > $H/hb_pause
	check io-timeout-acquire-taken sh -c "[ $rc -eq 0 ] && grep -q 'acquired lock 22 generation 2$' $OUT/fit22"
	check io-timeout-acquire-wrote [ "$(stat_a retried_successes)" = $((ret0 + 1)) ]
	check io-timeout-acquire-released [ "$(owner_gen 22)" = 0/2 ]
	# A release whose COMPARE AND WRITE and READ both time out: ENOLCK,
	# yet it executed; the reaper finds the record free.
	hold "$N1" 23
	mark_dmesg
	echo 1 > $H/hb_pause
	sleep 0.1
	echo 2 > $FIT/times
	unhold 23
	echo 0 > $H/hb_pause
	check io-timeout-release-enolck grep -q "release lock 23: .*(ENOLCK)" "$OUT/hold.23"
	check io-timeout-release-dmesg has_dmesg "$A: release of lock 23: compare and write of disk block $((LL + 23)) failed (host status 0x03 (errno -62)) and may still execute later"
	check io-timeout-release-landed [ "$(owner_gen 23)" = 0/1 ]
	sleep 2
	check io-timeout-release-reaper-idle lacks_dmesg "lock 23: freed a record"
	# One renewal: its completion is lost, the READ after it finds the
	# slot written.  The one lost completion goes to whichever command
	# completes next on the disk: while a lock is held that may be the
	# READ of this node's request block, so the fault is armed again
	# (at most five times) until a renewal is the command it met.
	hold "$N1" 21
	mark_dmesg
	tries=0
	renewal_hit=1
	while [ $tries -lt 5 ] && [ $renewal_hit -ne 0 ]; do
		tries=$((tries + 1))
		ret0=$(stat_a retried_successes)
		trace_on blklock_cmd blklock_caw
		echo 1 > $FIT/times
		wait_until 15 sh -c "[ \$(cat $FIT/times) = 0 ]" || break
		wait_until 10 has_trace blklock_cmd "disk=$A .* status=failed error=-62 "
		has_trace blklock_cmd "disk=$A op=compare-and-write .* status=failed error=-62 "
		renewal_hit=$?
		trace_off "renewal.$tries"
	done
	figure "fail_io_timeout: the lost completion met a renewal at try $tries"
	check io-timeout-renewal-taken [ $renewal_hit -eq 0 ]
	wait_until 15 sh -c "[ \$(cat $D/stats/retried_successes) -gt $ret0 ]"
	check io-timeout-renewal-wrote [ $? -eq 0 ]
	check io-timeout-renewal-live [ "$(cat $D/heartbeat)" = live ]
	check io-timeout-renewal-no-fence lacks_dmesg "could not renew its heartbeat in time"
	check io-timeout-renewal-holder-kept sh -c "kill -0 $(cat "$OUT/hold.21.pid") && ! grep -q lost $OUT/hold.21"
	# Every completion on the disk is lost: the renewals land, but node 1
	# cannot know it and fences.
	inc=$(cat $D/incarnation)
	mark_dmesg
	echo -1 > $FIT/times
	wait_until 20 hb_is fenced
	check io-timeout-all-fenced [ $? -eq 0 ]
	wait_file "$OUT/hold.21" "a held lock is lost" 10
	check io-timeout-all-holder-told [ $? -eq 0 ]
	echo 0 > $FIT/times
	wait_until 20 hb_is live
	check io-timeout-all-rejoined [ $? -eq 0 ]
	check io-timeout-all-new-incarnation [ "$(cat $D/incarnation)" != "$inc" ]
	check io-timeout-all-fence-dmesg has_dmesg "$A: node 1 could not renew its heartbeat in time"
	wait "$(cat "$OUT/hold.21.pid")"
	# The lost lock's record names the old incarnation: stale, node 2
	# takes it at once.
	check io-timeout-all-record-stale [ "$(rec $((LL + 21)) incarnation)" = "$inc" ]
	$N2 acquire 21 --nowait release 21 > "$OUT/n2-21" 2>&1
	check io-timeout-all-stale-taken [ $? -eq 0 ]
	echo 0 > /sys/block/$A/io-timeout-fail
else
	skip fail-io-timeout "no $FIT or /sys/block/$A/io-timeout-fail (CONFIG_FAIL_IO_TIMEOUT)"
fi

rmmod blklock
check unload [ $? -eq 0 ]
# kmemleak: the VM runner scans after the last rmmod of the boot, which
# follows this file, and reports any object blklock allocated and never
# freed (vm-debug-<profile>/kmemleak).
figure "89-faultinj-alloc: $(($(ms_now) - T_START)) ms in the guest"
