#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Commands in single quotes are expanded by the guest's sh (SC2016):
# shellcheck source-path=SCRIPTDIR disable=SC2016
#
# make cluster-test: three blklock nodes in three QEMU VMs share one LUN
# that a fourth VM serves over iSCSI (LIO).  Each node's QEMU is the
# iSCSI initiator (libiscsi, qemu-block-extra) and passes the LUN through
# to its guest as a SCSI disk (scsi-block), so COMPARE AND WRITE travels
# from blklock in the guest to LIO unchanged.  Each node's iSCSI
# connection runs through its own TCP relay (iscsi-relay.py) on loopback,
# so one node's path can be cut.  Nodes 1 and 2 run Debian's 6.12
# kernel, node 3 its 6.1: a mixed cluster.
#
# Each node's QEMU also has a monitor socket (out/cluster/nodeN.mon) and
# each relay a control FIFO (out/cluster/relayN.ctl).
#
# Scenarios: contention, rival, freeze (SIGSTOP of a holder's QEMU), cut
# (a path cut and restored), the faults of issue 9, names (three nodes
# create the same lock names at once: one record and one index per name),
# request (node 2 asks the holder's `blklockctl run --on-request` to let
# go; the command gets the signal, node 2 gets the lock),
# then kill (kill -9 of node 3's QEMU).  The faults of issue 9:
#   suspend       node 3's VM is stopped with the monitor's "stop" (its
#                 clocks stop too) for 9 s while it holds a lock; node 1
#                 takes the lock over; after "cont" node 3's holder must
#                 be told within about one heartbeat (poll, ENOLCK), its
#                 late write with the old generation is refused by the
#                 fencing consumer, it rejoins with a new incarnation and
#                 counts the lost lock; node 1 counts an eviction.
#   late-watch    node 3 waits for a lock healthy node 1 holds; node 3's
#                 traffic is held 10 s, then delivered: no takeover.
#   late-renew    node 2 holds a lock; its traffic (renewals) is held 10 s
#                 and delivered after node 1 took the lock over: node 2 is
#                 told, is not stopped as a duplicate node id, and comes
#                 back with a new incarnation.
#   late-release  node 3's release is held 10 s while node 1 waits: never
#                 two owners, no record left naming a node without holder.
#   late-acquire  node 2's acquire of a free lock is held 10 s (it lands
#                 after the 8 s I/O timeout): node 2 was fenced meanwhile,
#                 so the lock must not be handed out as held, and no record
#                 stays naming node 2 without a holder beyond 15 s
#                 (io_timeout 8 s + interval 1 s + slack).
# "Held" means iscsi-relay.py queues what the initiator sends (hold up) and
# delivers it in order on release, one chunk every 0.3 s: the commands
# reach LIO 10 s late (host time), after the node fenced itself and after
# another node took its lock over.  Not yet seen: an ABORT TASK in the
# held traffic (the relay logs every held PDU; none had opcode 0x02), so
# the guest's 8 s SCSI timeout has not been shown to fire before the
# delivery; TCG guest clocks ran slower than the host's.  In every one: at most one node believes it
# holds the lock and it is the one the disk names; no heartbeat is ever
# stopped, and after a fence a node is never live again with its old
# incarnation (blklock-hbtrace samples sysfs every millisecond).
#
# Prints one PASS/FAIL line per check (cluster/<scenario>-<check>), the
# measured figures, and leaves the consoles in out/logs/cluster-* and the
# relays' logs (what was held and when it was delivered) in
# out/cluster/proxyN.log.  The VMs, their agents and the lockspace are
# set up by lib.sh (cluster_up), which make soak (soak.sh) shares.
#
#   run.sh [--keep]     --keep leaves the VMs running at the end (debug)
#   BLKLOCK_CLUSTER_ONLY="suspend late-renew" run.sh   only those scenarios
#                       (and kill, always last): a debugging aid
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
load_env

D=$OUTDIR/cluster
[ "${1:-}" = --keep ] && KEEP=1
# shellcheck source=lib.sh
. "$HERE/lib.sh"
cluster_init

# BLKLOCK_CLUSTER_ONLY="suspend late-renew ..." runs only those scenarios
# (a debugging aid; kill always runs last).
want() { [ -z "${BLKLOCK_CLUSTER_ONLY:-}" ] || [[ " $BLKLOCK_CLUSTER_ONLY " == *" $1 "* ]]; }

# ---- the cluster and its lockspace (lib.sh) ---------------------------------

cluster_up
CA=$((LL + 64))		# counter of the contention scenario
CB=$((LL + 65))		# counter of the kill scenario
FB=$((LL + 66))		# the fencing consumer's block
for b in $CA $CB $FB; do
	on node1 10 "dd if=/dev/zero of=/dev/sda bs=$BS seek=$b count=1 oflag=direct 2>/dev/null"
done

# ---- contention: 3 nodes x 2 workers on one lock and one counter ------------
if want contention; then

ITER=15
for n in 1 2 3; do
	on "node$n" 5 "(blklock-storm /dev/sda $n 5 $CA $ITER 2 $BS > /tmp/gen 2> /tmp/err; echo \$? > /tmp/rc) > /dev/null 2>&1 &"
done
t0=$(ms)
for n in 1 2 3; do
	on "node$n" 300 'i=0; while [ ! -s /tmp/rc ] && [ $i -lt 2900 ]; do sleep 0.1; i=$((i + 1)); done; cat /tmp/err; [ "$(cat /tmp/rc)" = 0 ]'
	check "contention-node$n-workers-ok" [ $? = 0 ]
done
el=$(($(ms) - t0))
: > "$D/gens"
for n in 1 2 3; do on "node$n" 10 'cat /tmp/gen' >> "$D/gens"; done
total=$((3 * 2 * ITER))
value=$(on node1 10 "blklock-storm read /dev/sda $CA $BS")
echo "contention: $total acquisitions by 6 workers on 3 nodes in $el ms; counter $value"
check contention-counter-exact [ "$value" = "$total" ]
check contention-generations-all [ "$(wc -l < "$D/gens")" = "$total" ]
check contention-generations-unique [ "$(sort -n "$D/gens" | uniq -d | wc -l)" = 0 ]
check contention-generations-consecutive [ "$(sort -n "$D/gens" | awk 'NR > 1 && $1 != prev + 1 { bad++ } { prev = $1 } END { print bad + 0 }')" = 0 ]
check contention-lock-free on node2 10 "[ \"\$(blklock-disk record /dev/sda $((LL + 5)) | awk '{ print \$2 }')\" = 0 ]"

fi

# ---- a rival that is not blklock takes a lock with sg_compare_and_write -----
if want rival; then

RL=20
on node2 5 "(i=1; while [ \$i -le 600 ] && [ ! -e /tmp/rival.stop ]; do blklock-disk hb-forge /dev/sda 7 0x7777 \$i; i=\$((i + 1)); sleep 0.5; done) > /dev/null 2>&1 &"
on node2 10 "dd if=/dev/sda of=/tmp/free.bin bs=$BS skip=$((LL + RL)) count=1 iflag=direct 2>/dev/null && gen=\$(blklock-disk record /dev/sda $((LL + RL)) | awk '{ print \$4 }') && blklock-disk craft /dev/sda $RL 7 \$((gen + 1)) 0x7777 > /tmp/rival.bin && cat /tmp/free.bin /tmp/rival.bin > /tmp/caw.bin"
check rival-caw on node2 20 "sg_compare_and_write --in=/tmp/caw.bin --lba=$((LL + RL)) --num=1 --xferlen=$((2 * BS)) /dev/sda"
check rival-owns-on-disk on node3 10 "[ \"\$(blklock-disk record /dev/sda $((LL + RL)) | awk '{ print \$2 }')\" = 7 ]"
on node3 5 'dmesg -c > /dev/null'
# Reports are rate limited per lockspace (10 every 5 s) and the
# contention scenario may have used the window up: start a fresh one.
sleep 5
tk0=$(trace_count 3 blklock_takeover "disk=sda lock=$RL owner=7 ")
on node3 30 "blklockctl acquire $RL --timeout 9000" > "$D/rival-acq"
rc=$?
check rival-live-lock-not-broken [ $rc = 1 ]
on node3 10 'dmesg' > "$D/rival-dmesg"
check rival-miscompare-logged grep -q "blklock: atomic test and set of disk block $((LL + RL)) returned false for equality (expected=0, got=7)" "$D/rival-dmesg"
check rival-owner-logged grep -q "blklock: lock acquisition failed. Node 7 already owns the lock." "$D/rival-dmesg"
check rival-no-takeover-while-live [ "$(trace_count 3 blklock_takeover "disk=sda lock=$RL owner=7 ")" = "$tk0" ]
# The rival stops heartbeating: one lease later its lock is stale.
on node2 5 'touch /tmp/rival.stop'
t0=$(ms)
on node3 30 "blklockctl acquire $RL --timeout 20000 release $RL" > "$D/rival-acq2"
rc=$?
echo "rival's lock taken over $(($(ms) - t0)) ms after its heartbeat stopped"
check rival-dead-lock-taken-over [ $rc = 0 ]
check rival-dead-lock-acquired grep -q "^acquired lock $RL generation" "$D/rival-acq2"
check rival-takeover-traced [ "$(trace_count 3 blklock_takeover "disk=sda lock=$RL owner=7 .* owner_was=dead ")" = $((tk0 + 1)) ]
on node3 10 'dmesg' > "$D/rival-dmesg2"
check rival-takeover-logged grep -q "blklock: sd[a-z]*: breaking stale lock $RL held by node 7 (heartbeat unchanged for" "$D/rival-dmesg2"

fi

# ---- a frozen node (SIGSTOP of its QEMU) --------------------------------------
if want freeze; then

FL=11
on node2 5 "blklock-abi hold-poll $FL 120 > /tmp/hold 2>&1 &"
on node2 20 "i=0; while ! grep -q 'acquired lock $FL generation' /tmp/hold && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/hold" > "$D/freeze-hold"
g2=$(sed -n "s/^acquired lock $FL generation //p" "$D/freeze-hold")
check freeze-holder-acquired [ -n "$g2" ]
check freeze-holder-writes on node2 20 "blklock-disk fence-write /dev/sda $FB $g2"
kill -STOP "${QPID[node2]}"
t0=$(ms)
on node1 5 "blklockctl acquire $FL --timeout 20000 > /tmp/acq 2>&1 &"
on node1 30 "i=0; while ! grep -q 'acquired lock' /tmp/acq && [ \$i -lt 250 ]; do sleep 0.05; i=\$((i + 1)); done; cat /tmp/acq" > "$D/freeze-acq" 2>&1
tk=$(($(ms) - t0))
echo "takeover of a frozen node's lock: $tk ms after SIGSTOP (lease 6000 + heartbeat 1000 ms)"
check freeze-takeover grep -q "^acquired lock $FL generation" "$D/freeze-acq"
g1=$(sed -n "s/^acquired lock $FL generation //p" "$D/freeze-acq")
check freeze-generation-up [ "$g1" = $((g2 + 1)) ]
check freeze-takeover-in-time [ "$tk" -le 9000 ]
check freeze-new-holder-writes on node1 20 "blklock-disk fence-write /dev/sda $FB $g1"
sleep 1
kill -CONT "${QPID[node2]}"
# Node 2 thaws: its holder hears of the loss through poll and ENOLCK, and
# its late write with the old generation is refused by the consumer.
# A thawed TCG guest under load runs slowly: give the host side slack.
on node2 60 "i=0; while ! grep -q 'status-says-lost' /tmp/hold && [ \$i -lt 250 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/hold" > "$D/freeze-thaw"
check freeze-holder-poll-wakes grep -q "^ok poll-reports-loss" "$D/freeze-thaw"
check freeze-holder-enolck grep -q "^ok validate-after-loss" "$D/freeze-thaw"
on node2 20 "blklock-disk fence-write /dev/sda $FB $g2" > "$D/freeze-late"
check freeze-late-write-refused [ $? = 3 ]
check freeze-late-write-says-why grep -q "refused: the consumer has seen generation $g1, the writer has $g2" "$D/freeze-late"
check freeze-not-double-owned on node3 10 "[ \"\$(blklock-disk record /dev/sda $((LL + FL)) | awk '{ print \$2 }')\" = 1 ]"
on node2 10 'dmesg' > "$D/freeze-dmesg"
check freeze-fence-logged grep -qE "blklock: sda: node 2 (was frozen past its renewal deadline|could not renew its heartbeat in time): every lock it holds is lost" "$D/freeze-dmesg"
on node2 30 'i=0; while [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" != live ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done; cat /sys/kernel/blklock/*:*/heartbeat' > "$D/freeze-hb"
check freeze-node-rejoins grep -qx live "$D/freeze-hb"
on node1 10 'killall blklockctl; sleep 0.5' > /dev/null 2>&1 || true

fi

# ---- the iSCSI path of node 1 is cut, then restored ---------------------------
if want cut; then

CL=13
on node1 5 "blklock-abi hold-poll $CL 300 > /tmp/hold2 2>&1 &"
on node1 20 "i=0; while ! grep -q 'acquired lock $CL generation' /tmp/hold2 && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/hold2" > "$D/cut-hold"
gc=$(sed -n "s/^acquired lock $CL generation //p" "$D/cut-hold")
check cut-holder-acquired [ -n "$gc" ]
on node1 5 'dmesg -c > /dev/null'
on node2 5 "blklockctl acquire $CL --timeout 40000 > /tmp/acq2 2>&1 &"
kill -USR1 "${PPID_OF[1]}"
t0=$(ms)
# Node 1 (its agent talks over the serial port, not the iSCSI path)
# must drop its lock before node 2 can take it.
fenced_first=no
while [ $(($(ms) - t0)) -lt 20000 ]; do
	if on node1 5 'grep -q poll-reports-loss /tmp/hold2'; then
		tf=$(($(ms) - t0))
		on node2 5 'grep -q acquired /tmp/acq2' || fenced_first=yes
		break
	fi
	sleep 0.2
done
echo "path cut: node 1 declared its lock lost after ${tf:-?} ms"
check cut-holder-fenced [ -n "${tf:-}" ]
check cut-fence-before-takeover [ "$fenced_first" = yes ]
on node2 40 "i=0; while ! grep -q 'acquired lock' /tmp/acq2 && [ \$i -lt 350 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/acq2" > "$D/cut-acq"
echo "path cut: node 2 took the lock over $(($(ms) - t0)) ms after the cut"
check cut-takeover grep -q "^acquired lock $CL generation $((gc + 1))$" "$D/cut-acq"
on node1 10 'dmesg' > "$D/cut-dmesg"
check cut-fence-logged grep -q "blklock: sda: node 1 could not renew its heartbeat in time: every lock it holds is lost" "$D/cut-dmesg"
kill -USR2 "${PPID_OF[1]}"
t0=$(ms)
on node1 150 'i=0; while [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" != live ] && [ $i -lt 1400 ]; do sleep 0.1; i=$((i + 1)); done; cat /sys/kernel/blklock/*:*/heartbeat' > "$D/cut-hb"
echo "path restored: node 1 heartbeat $(cat "$D/cut-hb") after $(($(ms) - t0)) ms"
check cut-node-recovers grep -qx live "$D/cut-hb"
check cut-node-takes-locks-again on node1 30 'blklockctl acquire 15 --timeout 20000 release 15'
on node1 20 'i=0; while ! grep -q status-says-lost /tmp/hold2 && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done; cat /tmp/hold2' > "$D/cut-hold2"
check cut-holder-enolck grep -q "^ok validate-after-loss" "$D/cut-hold2"
on node1 10 'dmesg' > "$D/cut-dmesg2"
check cut-rejoin-logged grep -q "blklock: sda: node 1 renewed its heartbeat after" "$D/cut-dmesg2"
on node2 10 'killall blklockctl; sleep 0.5' > /dev/null 2>&1 || true

fi

# ---- fault scenarios of issue 9: a suspended holder, late I/O -----------------

disk_owner() { on node1 10 "blklock-disk record /dev/sda $((LL + $1))" | awk '{ print $2 }'; }
# owners LOCK N:FILE...: which nodes believe they hold LOCK (a holder's
# output FILE on node N says it acquired LOCK and was not told of a loss
# nor released it), then the owner on the disk: "views 1 3 disk 1".
owners() {
	local l=$1 h v=""
	shift
	for h in "$@"; do
		on "node${h%%:*}" 10 "grep -q 'acquired lock $l generation' ${h#*:} && ! grep -qE 'poll-reports-loss|released lock $l|lost' ${h#*:}" && v="$v ${h%%:*}"
	done
	echo "views$v disk $(disk_owner "$l")"
}
# one_owner SCENARIO LOCK N:FILE...: at most one node believes it holds
# LOCK, and it is the node the disk names.
one_owner() {
	local o s=$1
	shift
	o=$(owners "$@")
	echo "$s: lock $1: $o"
	check "$s-no-two-owners" sh -c "echo '$o' | awk '{ v = NF - 3; if (v > 1 || (v == 1 && \$2 != \$NF)) exit 1 }'"
}
# trace SCENARIO N: start tracing node N's heartbeat state and incarnation
# (blklock-hbtrace); trace_check SCENARIO N: after a fence, node N never
# was live again with an incarnation that was live before the fence.
trace() { on "node$2" 5 "killall blklock-hbtrace 2>/dev/null; blklock-hbtrace sda 60 > /tmp/hbt-$1 2>&1 &"; }
trace_check() {
	on "node$2" 10 "killall blklock-hbtrace 2>/dev/null; cat /tmp/hbt-$1" > "$D/$1-hbtrace"
	echo "$1: node $2 heartbeat: $(awk 'NF == 3 { printf "%s %s %s; ", $1, $2, substr($3, 1, 8) }' "$D/$1-hbtrace")"
	check "$1-node$2-no-old-incarnation-after-fence" no_old_incarnation "$D/$1-hbtrace"
}
# shellcheck disable=SC2317 # run by check
no_old_incarnation() {
	awk 'NF != 3 { next }
		$2 != "live" { fenced = 1; next }
		fenced && ($3 in live) { bad = 1 }
		{ live[$3] = 1 }
		END { exit bad }' "$1"
}
# not_stopped SCENARIO N: node N's heartbeat is not stopped and it never
# thought another host used its node id.
not_stopped() {
	check "$1-node$2-not-stopped" on "node$2" 10 "[ \"\$(cat $SYS/heartbeat)\" != stopped ] && ! grep -qE ' blklock_hb_state: .* event=duplicate ' $TRACE/trace"
}
# stranded SCENARIO LOCK BOUND N:FILE...: within BOUND seconds the record
# is free or names a node with a holder that believes it holds the lock
# (no record is left naming a node that does not hold it).
stranded() {
	local t0 o owner ok=no s=$1 l=$2 b=$3
	shift 3
	t0=$(ms)
	while [ $(($(ms) - t0)) -lt $((b * 1000)) ]; do
		o=$(owners "$l" "$@")
		owner=${o##* }
		if [ "$owner" = 0 ] || echo "$o" | grep -qE "^views( [0-9]+)* $owner( |\$)"; then ok=yes; break; fi
		sleep 1
	done
	echo "$s: lock $l $(($(ms) - t0)) ms after the check began: $o"
	check "$s-no-stranded-record" [ $ok = yes ]
}
# all_live SCENARIO: every node's heartbeat is live again (bounded): a
# scenario that fenced a node must not leave it fenced for the next one.
all_live() {
	local n
	for n in 1 2 3; do
		check "$1-node$n-live" on "node$n" 30 'i=0; while [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" != live ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done; [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" = live ]'
	done
}
FS=$((LL + 67))		# the fencing consumer of the suspend scenario
on node1 10 "dd if=/dev/zero of=/dev/sda bs=$BS seek=$FS count=1 oflag=direct 2>/dev/null"
for n in 1 2 3; do on "node$n" 5 'dmesg -c > /dev/null'; done

if want suspend; then
# Node 3's VM is suspended (monitor "stop": its clocks stop too, unlike
# SIGSTOP) for 9 s while it holds a lock; node 1 takes the lock over.
# After "cont" node 3 must be told at its first renewal.
SL=17
i3=$(sysval 3 incarnation)
ll3=$(sysval 3 stats/locks_lost)
ev1=$(sysval 1 stats/evictions)
trace suspend 3
on node3 5 "blklock-abi hold-poll $SL 60 > /tmp/shold 2>&1 &"
wait_for node3 15 /tmp/shold "acquired lock $SL generation" > "$D/suspend-hold"
gs=$(sed -n "s/^acquired lock $SL generation //p" "$D/suspend-hold")
check suspend-holder-acquired [ -n "$gs" ]
check suspend-holder-writes on node3 20 "blklock-disk fence-write /dev/sda $FS $gs"
on node1 5 "blklockctl acquire $SL --timeout 30000 > /tmp/sacq 2>&1 &"
hmp node3 stop
t0=$(ms)
wait_for node1 20 /tmp/sacq 'acquired lock' > "$D/suspend-acq"
tk=$(($(ms) - t0))
echo "suspend: node 3's lock taken over $tk ms after its VM was stopped"
check suspend-takeover grep -q "^acquired lock $SL generation $((gs + 1))$" "$D/suspend-acq"
check suspend-new-holder-writes on node1 20 "blklock-disk fence-write /dev/sda $FS $((gs + 1))"
while [ $(($(ms) - t0)) -lt 9000 ]; do sleep 0.2; done
hmp node3 cont
t0=$(ms)
wait_for node3 6 /tmp/shold 'poll-reports-loss' > "$D/suspend-told"
tw=$(($(ms) - t0))
echo "suspend: node 3 resumed; its holder heard of the loss after $tw ms (the wait gives up after 6 s)"
check suspend-holder-poll-wakes grep -q "^ok poll-reports-loss" "$D/suspend-told"
check suspend-holder-told-in-time [ "$tw" -le 2500 ]
wait_for node3 5 /tmp/shold 'status-says-lost' > "$D/suspend-told2"
check suspend-holder-enolck grep -q "^ok validate-after-loss" "$D/suspend-told2"
on node3 20 "blklock-disk fence-write /dev/sda $FS $gs" > "$D/suspend-late"
check suspend-late-write-refused [ $? = 3 ]
one_owner suspend $SL 3:/tmp/shold 1:/tmp/sacq
wait_live 3 10 > "$D/suspend-hb"
check suspend-node-rejoins grep -qx live "$D/suspend-hb"
i3b=$(sysval 3 incarnation)
echo "suspend: node 3 incarnation $i3 before, $i3b after; locks_lost $ll3 -> $(sysval 3 stats/locks_lost); node 1 evictions $ev1 -> $(sysval 1 stats/evictions)"
check suspend-new-incarnation [ "$i3b" != "$i3" ]
check suspend-locks-lost-grew grew "$ll3" "$(sysval 3 stats/locks_lost)"
check suspend-eviction-counted grew "$ev1" "$(sysval 1 stats/evictions)"
not_stopped suspend 3
trace_check suspend 3
on node3 10 'dmesg -c' > "$D/suspend-dmesg3"
on node1 10 'dmesg -c' > "$D/suspend-dmesg1"
on node3 10 'killall blklock-abi 2>/dev/null; sleep 0.3' > /dev/null
on node1 10 'killall blklockctl 2>/dev/null; sleep 0.3' > /dev/null
fi

HOLD=10			# > io_timeout 8 s, < the 15 s libiscsi's NOPs take to reconnect
BOUND=15		# io_timeout 8 s + interval 1 s + slack

if want late-watch; then
all_live before-late-watch
# Node 3 waits for a lock that healthy node 1 holds; node 3's traffic is
# held for 10 s and then delivered.  Node 3 must not take the lock.
WL=21
i3=$(sysval 3 incarnation)
on node1 5 "blklock-abi hold-poll $WL 60 > /tmp/whold 2>&1 &"
wait_for node1 15 /tmp/whold "acquired lock $WL generation" > "$D/watch-hold"
gw=$(sed -n "s/^acquired lock $WL generation //p" "$D/watch-hold")
check late-watch-holder-acquired [ -n "$gw" ]
trace late-watch 3
on node3 5 "blklockctl acquire $WL --timeout 25000 > /tmp/wacq 2>&1 &"
sleep 2
hold_window 3 up $HOLD > "$D/late-watch-relay"
echo "late-watch: relay held $(grep -c '^ *[0-9.]* held' "$D/late-watch-relay") chunk(s) of node 3: $(grep -o 'cdb 0x[0-9a-f]*' "$D/late-watch-relay" | sort | uniq -c | tr '\n' ' ')"
sleep 8
on node3 10 'cat /tmp/wacq' > "$D/late-watch-acq"
check late-watch-not-taken sh -c "! grep -q 'acquired lock' $D/late-watch-acq"
check late-watch-holder-keeps on node1 10 "! grep -q poll-reports-loss /tmp/whold"
one_owner late-watch $WL 1:/tmp/whold 3:/tmp/wacq
check late-watch-disk-owner [ "$(disk_owner $WL)" = 1 ]
wait_live 3 15 > "$D/late-watch-hb"
check late-watch-node3-rejoins grep -qx live "$D/late-watch-hb"
check late-watch-node3-new-incarnation [ "$(sysval 3 incarnation)" != "$i3" ]
not_stopped late-watch 3
trace_check late-watch 3
on node3 10 'dmesg -c' > "$D/late-watch-dmesg3"
on node1 10 'killall blklock-abi 2>/dev/null; sleep 0.3' > /dev/null
on node3 10 'killall blklockctl 2>/dev/null; sleep 0.3' > /dev/null
fi

if want late-renew; then
all_live before-late-renew
# Node 2 holds a lock and renews its heartbeat; its traffic is held for
# 10 s and then delivered: its renewals land late, after node 1 took the
# lock over.  Node 2 must hear of the loss, must not be stopped as a
# duplicate node id, and comes back with a new incarnation.
RNL=23
i2=$(sysval 2 incarnation)
ll2=$(sysval 2 stats/locks_lost)
on node2 5 "blklock-abi hold-poll $RNL 60 > /tmp/rhold 2>&1 &"
wait_for node2 15 /tmp/rhold "acquired lock $RNL generation" > "$D/renew-hold"
gr=$(sed -n "s/^acquired lock $RNL generation //p" "$D/renew-hold")
check late-renew-holder-acquired [ -n "$gr" ]
on node1 5 "blklockctl acquire $RNL --timeout 30000 > /tmp/racq 2>&1 &"
trace late-renew 2
hold_window 2 up $HOLD > "$D/late-renew-relay"
echo "late-renew: relay held $(grep -c '^ *[0-9.]* held' "$D/late-renew-relay") chunk(s) of node 2: $(grep -o 'cdb 0x[0-9a-f]*' "$D/late-renew-relay" | sort | uniq -c | tr '\n' ' ')"
wait_for node1 10 /tmp/racq 'acquired lock' > "$D/late-renew-acq"
check late-renew-takeover grep -q "^acquired lock $RNL generation $((gr + 1))$" "$D/late-renew-acq"
wait_for node2 10 /tmp/rhold 'status-says-lost' > "$D/late-renew-told"
check late-renew-holder-told grep -q "^ok validate-after-loss" "$D/late-renew-told"
wait_live 2 15 > "$D/late-renew-hb"
check late-renew-node2-rejoins grep -qx live "$D/late-renew-hb"
i2b=$(sysval 2 incarnation)
echo "late-renew: node 2 incarnation $i2 before, $i2b after; locks_lost $ll2 -> $(sysval 2 stats/locks_lost)"
check late-renew-new-incarnation [ "$i2b" != "$i2" ]
check late-renew-locks-lost-grew grew "$ll2" "$(sysval 2 stats/locks_lost)"
not_stopped late-renew 2
trace_check late-renew 2
one_owner late-renew $RNL 2:/tmp/rhold 1:/tmp/racq
on node2 10 'dmesg -c' > "$D/late-renew-dmesg2"
on node2 10 'killall blklock-abi 2>/dev/null; sleep 0.3' > /dev/null
on node1 10 'killall blklockctl 2>/dev/null; sleep 0.3' > /dev/null
fi

if want late-release; then
all_live before-late-release
# Node 3 releases a lock while its traffic is held for 10 s (the release
# lands late); node 1 waits for the lock meanwhile.  Afterwards the lock
# has at most one owner, and the record ends free or held.
RLL=25
on node3 5 "(blklockctl acquire $RLL sleep 2000 release $RLL > /tmp/rel 2>&1; echo \$? > /tmp/relrc) > /dev/null 2>&1 &"
wait_for node3 15 /tmp/rel "acquired lock $RLL generation" > "$D/late-release-hold"
grl=$(sed -n "s/^acquired lock $RLL generation //p" "$D/late-release-hold")
check late-release-holder-acquired [ -n "$grl" ]
on node1 5 "blklockctl acquire $RLL --timeout 30000 sleep 3000 release $RLL > /tmp/relacq 2>&1 &"
trace late-release 3
hold_window 3 up $HOLD > "$D/late-release-relay"
echo "late-release: relay held $(grep -c '^ *[0-9.]* held' "$D/late-release-relay") chunk(s) of node 3: $(grep -o 'cdb 0x[0-9a-f]*' "$D/late-release-relay" | sort | uniq -c | tr '\n' ' ')"
wait_for node3 20 /tmp/relrc '.' > /dev/null
echo "late-release: node 3's blklockctl: $(on node3 5 'cat /tmp/rel /tmp/relrc' | tr '\n' ' ')"
one_owner late-release $RLL 3:/tmp/rel 1:/tmp/relacq
stranded late-release $RLL $BOUND 3:/tmp/rel 1:/tmp/relacq
not_stopped late-release 3
trace_check late-release 3
on node3 10 'dmesg -c' > "$D/late-release-dmesg3"
on node1 10 'killall blklockctl 2>/dev/null; sleep 0.3' > /dev/null
fi

if want late-acquire; then
all_live before-late-acquire
# Node 2 acquires a free lock while its traffic is held for 10 s (the
# COMPARE AND WRITE lands after the initiator's 8 s timeout).  The record
# it may leave naming node 2 must not stay without a holder longer than
# the bound.
AL=27
trace late-acquire 2
t0=$(ms)
hold_start 2 up
on node2 5 "(blklockctl acquire $AL --timeout 25000 sleep 1000 release $AL > /tmp/aacq 2>&1; echo \$? > /tmp/aarc) > /dev/null 2>&1 &"
while [ $(($(ms) - t0)) -lt $((HOLD * 1000)) ]; do sleep 0.2; done
hold_end 2 > "$D/late-acquire-relay"
echo "late-acquire: relay held $(grep -c '^ *[0-9.]* held' "$D/late-acquire-relay") chunk(s) of node 2: $(grep -o 'cdb 0x[0-9a-f]*' "$D/late-acquire-relay" | sort | uniq -c | tr '\n' ' ')"
wait_for node2 30 /tmp/aarc '.' > /dev/null
echo "late-acquire: node 2's blklockctl: $(on node2 5 'cat /tmp/aacq /tmp/aarc' | tr '\n' ' ')"
# Node 2 was fenced while its acquire was in flight: the lock must not be
# handed out as held (an error, or held and at once reported lost).
check late-acquire-not-held-through-fence on node2 5 '[ "$(cat /tmp/aarc)" != 0 ]'

stranded late-acquire $AL $BOUND 2:/tmp/aacq
one_owner late-acquire $AL 2:/tmp/aacq
not_stopped late-acquire 2
trace_check late-acquire 2
on node2 10 'dmesg -c' > "$D/late-acquire-dmesg2"
fi

# ---- named locks: three nodes create the same names at once ----------------
if want names; then
all_live before-names
# Every node runs one blklockctl that takes and drops vol1..vol24, each
# name created by whichever node gets there first and found by the
# others, all three started together: node 1 in order, node 2 in reverse
# and node 3 from vol13 on, so that they meet on names while creating
# them (with 8 names in one order, the first node started had created
# all of them before the others began).  Each name
# must end in one record, at one index for all three, created exactly
# once (blklockctl -J says what BLKLOCK_IOC_NAME returned: created, or
# found; when two nodes' COMPARE AND WRITEs of one name are in flight
# together, both may say created: they carry the same bytes and the one
# not executed reads back its own image).
NN=24
for n in 1 2 3; do
	case $n in
	1) order=$(seq 1 $NN) ;;
	2) order=$(seq $NN -1 1) ;;
	3) order="$(seq 13 $NN) $(seq 1 12)" ;;
	esac
	cmds=
	for i in $order; do cmds="$cmds acquire vol$i release vol$i"; done
	on "node$n" 5 "rm -f /tmp/nrc; (blklockctl -J$cmds > /tmp/names 2>&1; echo \$? > /tmp/nrc) > /dev/null 2>&1 &"
done
for n in 1 2 3; do
	check "names-node$n-ok" on "node$n" 60 'i=0; while [ ! -s /tmp/nrc ] && [ $i -lt 550 ]; do sleep 0.1; i=$((i + 1)); done; cat /tmp/names; [ "$(cat /tmp/nrc)" = 0 ]'
	on "node$n" 10 'cat /tmp/names' > "$D/names$n"
done
on node1 60 "i=0; while [ \$i -lt 64 ]; do blklock-disk record /dev/sda \$(($LL + i)); i=\$((i + 1)); done" > "$D/names-records"
both=0
for i in $(seq 1 $NN); do
	grep -h "^{\"type\":\"acquired\",\"lock\":[0-9]*,\"name\":\"vol$i\"," "$D"/names[123] > "$D/names-vol$i"
	check "names-vol$i-taken-by-all" [ "$(wc -l < "$D/names-vol$i")" = 3 ]
	check "names-vol$i-one-index" [ "$(sed 's/,"name".*//' "$D/names-vol$i" | sort -u | wc -l)" = 1 ]
	c=$(grep -c '"name_result":"created"' "$D/names-vol$i")
	check "names-vol$i-created" [ "$c" -ge 1 ]
	[ "$c" -gt 1 ] && both=$((both + 1))
	check "names-vol$i-one-record" [ "$(grep -c " name vol$i name_crc ok\$" "$D/names-records")" = 1 ]
done
echo "names: $NN names; 'created' said by node 1/2/3: $(for n in 1 2 3; do grep -c '"name_result":"created"' "$D/names$n"; done | tr '\n' '/' | sed 's,/$,,'); names two nodes created at once: $both"
fi

# ---- a request: node 2 asks node 1's command to let go --------------------
if want request; then
all_live before-request
# Node 1 holds a lock through `blklockctl run --on-request=TERM`; node 2
# waits for it and asks (BLKLOCK_IOC_REQUEST).  Node 1 reads its request
# block within a heartbeat interval, run passes SIGTERM to the command,
# the command exits, run releases, node 2's wait ends with the lock.
RQL=29
on node1 5 "rm -f /tmp/rqsig; (blklockctl run $RQL --on-request=TERM -- sh -c 'trap \"echo term > /tmp/rqsig; exit 0\" TERM; while :; do sleep 0.1; done' > /tmp/rqrun 2>&1; echo \$? > /tmp/rqrc) > /dev/null 2>&1 &"
check request-holder-acquired on node1 20 "i=0; while [ \"\$(blklock-disk record /dev/sda $((LL + RQL)) | awk '{ print \$2 }')\" != 1 ] && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; [ \$i -lt 150 ]"
on node2 5 "dmesg -c > /dev/null; blklockctl acquire $RQL --timeout 30000 release $RQL > /tmp/rqacq 2>&1 &"
sleep 1
check request-waiter-waits on node2 5 "! grep -q acquired /tmp/rqacq"
t0=$(ms)
on node2 10 "blklockctl request $RQL" > "$D/request-ask"
check request-sent grep -q "^asked node 1 to release lock $RQL" "$D/request-ask"
tq=
while [ $(($(ms) - t0)) -lt 20000 ] && [ -z "$tq" ]; do
	on node2 5 "grep -q '^acquired lock $RQL ' /tmp/rqacq" && tq=$(($(ms) - t0))
	sleep 0.1
done
echo "request: from blklockctl request to the asker holding the lock: ${tq:-none} ms (heartbeat 1000 ms)"
check request-asker-acquired [ -n "$tq" ]
check request-command-signalled on node1 10 'cat /tmp/rqsig; [ "$(cat /tmp/rqsig)" = term ]'
check request-run-exit on node1 10 'cat /tmp/rqrun; [ "$(cat /tmp/rqrc)" = 0 ]'
on node1 10 dmesg > "$D/request-dmesg1"
check request-holder-dmesg grep -qE "blklock: sd[a-z]*: node 2 asks node 1 to release lock $RQL( \([^)]*\))?, held at generation" "$D/request-dmesg1"
check request-node3-untouched on node3 10 "[ \"\$(cat /sys/kernel/blklock/*:*/stats/requests_received)\" = 0 ]"
fi

# ---- node 2 on two paths: one hangs, one is held and delivered late --------
# Node 2's second iSCSI session (relay 2b) is plugged in as sdb and added
# as a path.  Cutting relay 2 makes sda hang, not fail: QEMU's initiator
# keeps the commands across its reconnect attempts and virtio-scsi never
# times one out, so blklock stops waiting for the renewal that met the
# cut (paths/sda/abandoned) and fails over to sdb.  Then relay 2 holds
# sda's traffic instead: the renewal held there fails over the same way
# and lands, late, when the relay delivers it.  Cutting both paths
# fences node 2 as with one.
if want paths; then

all_live before-paths
PL=31
path2
on node2 40 'i=0; while [ ! -e /sys/block/sdb ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; ls /sys/block' > "$D/paths-disks"
echo "paths: node 2's disks: $(tr '\n' ' ' < "$D/paths-disks")"
check paths-second-disk grep -qx sdb "$D/paths-disks"
check paths-add on node2 30 'blklockctl add-path /dev/sdb'
check paths-two on node2 10 "[ \"\$(ls $SYS/paths | tr '\n' ' ')\" = 'sda sdb ' ] && [ \"\$(cat $SYS/paths/sdb/state)\" = standby ]"
on node2 5 "blklock-abi hold-poll $PL 600 > /tmp/holdp 2>&1 &"
on node2 20 "i=0; while ! grep -q 'acquired lock $PL generation' /tmp/holdp && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/holdp" > "$D/paths-hold"
gp=$(sed -n "s/^acquired lock $PL generation //p" "$D/paths-hold")
check paths-holder-acquired [ -n "$gp" ]
# paths_kept STEP: node 2 live, its holder not told of a loss, the
# record still its own at the same generation, node 1 refused it.
paths_kept() {
	check "paths-$1-live" on node2 10 "[ \"\$(cat $SYS/heartbeat)\" = live ]"
	check "paths-$1-no-fence" on node2 10 "! dmesg | grep -q 'node 2 could not renew its heartbeat in time'"
	check "paths-$1-holder-kept" on node2 10 "! grep -qE 'poll-reports-loss|lost' /tmp/holdp"
	check "paths-$1-record-kept" [ "$(on node1 10 "blklock-disk record /dev/sda $((LL + PL))" | awk '{ print $2, $4 }')" = "2 $gp" ]
	check "paths-$1-node1-refused" on node1 20 "! blklockctl acquire $PL --nowait"
}
# path_state STATE SECONDS: until node 2's sda path is in STATE.
path_state() {
	on node2 $(($2 + 10)) "i=0; while [ \"\$(cat $SYS/paths/sda/state)\" != $1 ] && [ \$i -lt $(($2 * 10)) ]; do sleep 0.1; i=\$((i + 1)); done; cat $SYS/paths/sda/state"
}
late0=$(sysval 2 stats/hb_late)
on node2 5 'dmesg -c > /dev/null'
kill -USR1 "${PPID_OF[2]}"
t0=$(ms)
st=$(path_state failed 15)
echo "paths: sda $st $(($(ms) - t0)) ms after the cut; sdb $(sysval 2 paths/sdb/state); abandoned on sda: $(sysval 2 paths/sda/abandoned)"
check paths-cut-failover [ "$st" = failed ]
check paths-cut-other-active [ "$(sysval 2 paths/sdb/state)" = active ]
check paths-cut-abandoned [ "$(sysval 2 paths/sda/abandoned)" -ge 1 ]
sleep 4
paths_kept cut
late=$(($(sysval 2 stats/hb_late) - late0))
echo "paths: cut: $late renewal(s) failed or late"
check paths-cut-late-bounded [ "$late" -le 2 ]
on node2 10 dmesg > "$D/paths-cut-dmesg"
check paths-cut-dmesg grep -qE 'blklock: sda: path sda failed \(no answer in [0-9]+ ms \(errno -62\)\): commands go through sdb now' "$D/paths-cut-dmesg"
kill -USR2 "${PPID_OF[2]}"
t0=$(ms)
st=$(path_state standby 60)
echo "paths: sda $st $(($(ms) - t0)) ms after the path was restored"
check paths-cut-returns [ "$st" = standby ]
paths_kept restored

# The active path is sdb now: make sda active again by holding sdb.
late0=$(sysval 2 stats/hb_late)
hold_start 2b up
st=$(on node2 25 "i=0; while [ \"\$(cat $SYS/paths/sdb/state)\" != failed ] && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; cat $SYS/paths/sdb/state")
check paths-held-failover [ "$st" = failed ]
check paths-held-other-active [ "$(sysval 2 paths/sda/state)" = active ]
sleep 3
hold_end 2b > "$D/paths-held-relay"
echo "paths: relay 2b held $(grep -c ' held' "$D/paths-held-relay") chunk(s) and delivered them late: $(grep -o 'cdb 0x[0-9a-f]*' "$D/paths-held-relay" | sort | uniq -c | tr '\n' ' ')"
check paths-held-caw-delivered-late grep -q 'cdb 0x89' "$D/paths-held-relay"
sleep 3
paths_kept held
late=$(($(sysval 2 stats/hb_late) - late0))
echo "paths: held: $(sysval 2 paths/sdb/state) after the late delivery; $late renewal(s) failed or late"
check paths-held-late-bounded [ "$late" -le 2 ]
check paths-held-not-duplicate on node2 10 "[ \"\$(cat $SYS/heartbeat)\" != stopped ] && ! dmesg | grep -q 'another host'"
one_owner paths-held $PL 2:/tmp/holdp

# Both paths cut: node 2 fences as with one path, and rejoins after.
kill -USR1 "${PPID_OF[2]}" "${PPID_OF[2b]}"
st=$(on node2 30 "i=0; while [ \"\$(cat $SYS/heartbeat)\" = live ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done; cat $SYS/heartbeat")
echo "paths: both cut: node 2 heartbeat $st"
check paths-both-fenced [ "$st" != live ]
check paths-both-holder-told on node2 20 "i=0; while ! grep -q poll-reports-loss /tmp/holdp && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; grep -q poll-reports-loss /tmp/holdp"
check paths-both-taken on node1 30 "blklockctl acquire $PL --timeout 20000 release $PL"
kill -USR2 "${PPID_OF[2]}" "${PPID_OF[2b]}"
st=$(wait_live 2 90)
echo "paths: both restored: node 2 heartbeat $st"
check paths-both-rejoined [ "$st" = live ]
on node2 10 'killall blklock-abi 2>/dev/null; sleep 0.5' > /dev/null 2>&1 || true
fi

# ---- node 3 is killed (kill -9 of its QEMU) while it holds the lock --------

# The fault scenarios may have fenced a node that rejoins only now.
all_live before-kill

KL=9
on node3 5 "blklockctl acquire $KL > /tmp/k 2>&1 &"
on node3 20 "i=0; while ! grep -q 'acquired lock $KL' /tmp/k && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/k" > "$D/kill-hold"
check kill-holder-acquired grep -q "^acquired lock $KL generation" "$D/kill-hold"
for n in 1 2; do
	on "node$n" 5 "dmesg -c > /dev/null; rm -f /tmp/rc; (blklock-storm /dev/sda $n $KL $CB 10 1 $BS > /tmp/genk 2> /tmp/err; echo \$? > /tmp/rc) > /dev/null 2>&1 &"
done
sleep 1
check kill-survivors-wait on node1 5 '[ ! -s /tmp/genk ]'
kill -KILL "${QPID[node3]}"
t0=$(ms)
tk=
while [ $(($(ms) - t0)) -lt 20000 ] && [ -z "$tk" ]; do
	for n in 1 2; do
		if on "node$n" 5 '[ -s /tmp/genk ]'; then tk=$(($(ms) - t0)); break; fi
	done
	sleep 0.1
done
echo "takeover after kill -9 of node 3: ${tk:-none} ms (lease 6000 + heartbeat 1000 ms; sanlock's default is about 140 s)"
check kill-takeover [ -n "$tk" ]
check kill-takeover-in-time [ "${tk:-99999}" -le 9000 ]
for n in 1 2; do
	check "kill-node$n-storm-ok" on "node$n" 120 'i=0; while [ ! -s /tmp/rc ] && [ $i -lt 1100 ]; do sleep 0.1; i=$((i + 1)); done; cat /tmp/err; [ "$(cat /tmp/rc)" = 0 ]'
done
: > "$D/gensk"
for n in 1 2; do on "node$n" 10 'cat /tmp/genk' >> "$D/gensk"; done
check kill-counter-exact [ "$(on node1 10 "blklock-storm read /dev/sda $CB $BS")" = 20 ]
check kill-generations-unique [ "$(sort -n "$D/gensk" | uniq -d | wc -l)" = 0 ]
(on node1 10 dmesg; on node2 10 dmesg) > "$D/kill-dmesg"
# (The names scenario may have named lock KL: "lock 9 (vol4)".)
check kill-takeover-logged grep -qE "blklock: sd[a-z]*: breaking stale lock $KL( \([^)]*\))? held by node 3 \(heartbeat unchanged for" "$D/kill-dmesg"
check target-alive on target 10 'true'

for n in 1 2; do
	check "node$n-unload" on "node$n" 30 'killall blklockctl blklock-abi 2>/dev/null; sleep 0.5; rmmod blklock'
	check "node$n-no-kernel-warnings" on "node$n" 10 "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
done

exit $((failures > 0))
