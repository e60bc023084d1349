#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
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
# Prints one PASS/FAIL line per check (cluster/<scenario>-<check>), the
# measured figures, and leaves the consoles in out/logs/cluster-*.
#
#   run.sh [--keep]     --keep leaves the VMs running at the end (debug)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
load_env

D=$OUTDIR/cluster
G=$OUTDIR/guest
IQN=iqn.2026-11.org.blklock:cluster
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1
rm -rf "$D"
mkdir -p "$D"
pids=()
failures=0
SEQ=0

check() {
	local name=$1
	shift
	if "$@"; then pass "cluster/$name"; else fail "cluster/$name" "$*"; failures=$((failures + 1)); fi
}

cleanup() {
	local p
	[ "$KEEP" = 1 ] && return
	for p in "${pids[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
	done
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- initramfs trees -------------------------------------------------------

make_root() {	# make_root NAME KVER KIMG ROLE
	local name=$1 kver=$2 kimg=$3 role=$4 root=$D/root-$1 f
	busybox_root "$root"
	if [ "$role" = target ]; then
		copy_modules "$root" "$kver" "$kimg" virtio_pci virtio_net configfs \
			target_core_mod target_core_file iscsi_target_mod \
			crc32c_generic libcrc32c
	else
		copy_modules "$root" "$kver" "$kimg" sd_mod sg virtio_pci virtio_scsi \
			libcrc32c crc32c_generic
		cp "$OUTDIR/$kver/blklock.ko" "$root/lib/modules/$kver/extra/"
		cp "$G"/* "$root/usr/bin/"
		for f in sg_compare_and_write sg_raw; do
			copy_prog "$root" "$f"
		done
	fi
	depmod -b "$root" "$kver"
	cp "$HERE/guest-init" "$root/init"
	chmod +x "$root/init"
	pack_root "$root" "$D/initrd-$name.gz"
}

# ---- VMs and their agents --------------------------------------------------

declare -A AGENT_IN AGENT_OUT QPID

# boot NAME KVER KIMG MEM APPEND QEMU-ARGS...
boot() {
	local name=$1 kver=$2 kimg=$3 mem=$4 append=$5
	shift 5
	mkfifo "$D/$name.in" "$D/$name.out"
	(
		# The other VMs' agent pipes stay with this script.
		for fd in "${AGENT_IN[@]}" "${AGENT_OUT[@]}"; do
			eval "exec $fd>&-"
		done
		exec qemu-system-x86_64 -accel "${BLKLOCK_VM_ACCEL:-tcg}" -m "$mem" -smp 1 \
			-display none -no-reboot -nodefaults \
			-kernel "$kimg/boot/vmlinuz-$kver" -initrd "$D/initrd-$name.gz" \
			-append "console=ttyS0 loglevel=4 panic=-1 $append" \
			-serial "file:$LOGDIR/cluster-$name.console.log" \
			-serial "pipe:$D/$name" "$@"
	) > "$LOGDIR/cluster-$name.qemu.log" 2>&1 &
	QPID[$name]=$!
	pids+=("$!")
	disown	# no "Killed" line from bash when a scenario kills it
	exec {fd}<>"$D/$name.in"
	AGENT_IN[$name]=$fd
	exec {fd}<>"$D/$name.out"
	AGENT_OUT[$name]=$fd
}

# on NAME TIMEOUT COMMAND: run COMMAND (one line of sh) in the guest,
# print its output, return its status (124 on timeout).
on() {
	local name=$1 t=$2 id line deadline
	shift 2
	SEQ=$((SEQ + 1))
	id=$SEQ
	echo "$id $*" >&"${AGENT_IN[$name]}"
	deadline=$((SECONDS + t))
	while [ $SECONDS -lt $deadline ]; do
		IFS= read -r -t 1 line <&"${AGENT_OUT[$name]}" || continue
		case $line in
		"@@O $id "*) printf '%s\n' "${line#"@@O $id "}" ;;
		"@@E $id "*) return "${line#"@@E $id "}" ;;
		esac
	done
	echo "($name: no answer to '$*' within $t s)" >&2
	return 124
}

# wait_agent NAME TIMEOUT: until the guest's agent answers (it may miss
# what is sent before it runs, so ask again every 3 s).
wait_agent() {
	local deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		on "$1" 3 true 2> /dev/null && return 0
		kill -0 "${QPID[$1]}" 2> /dev/null || return 1
	done
	return 1
}

ms() { date +%s%3N; }

# ---- the cluster -----------------------------------------------------------

make_root target "$KVER_612" "$KIMG_612" target
make_root n612 "$KVER_612" "$KIMG_612" node
make_root n61 "$KVER_61" "$KIMG_61" node
for n in node1 node2; do ln -sf initrd-n612.gz "$D/initrd-$n.gz"; done
ln -sf initrd-n61.gz "$D/initrd-node3.gz"

tport=$(free_port)
t0=$(ms)
boot target "$KVER_612" "$KIMG_612" 512M "blklock.role=target" \
	-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$tport-:3260" \
	-device virtio-net-pci,netdev=n0
if ! wait_agent target 180; then
	fail cluster/target-up "the target VM did not come up; see $LOGDIR/cluster-target.console.log"
	exit 1
fi
pass cluster/target-up
echo "target VM up in $(($(ms) - t0)) ms, iSCSI portal 127.0.0.1:$tport"

declare -A PPORT PPID_OF
for n in 1 2 3; do
	PPORT[$n]=$(free_port)
	python3 "$HERE/iscsi-relay.py" "${PPORT[$n]}" "$tport" > "$D/proxy$n.log" 2>&1 &
	PPID_OF[$n]=$!
	pids+=("$!")
	disown
done
sleep 0.5
# boot_node N: QEMU logs in to the target before the guest starts; a
# login that fails (seen when several start at once) ends QEMU at once,
# so such a start is tried again, at most three times.
boot_node() {
	local n=$1 kv=$KVER_612 ki=$KIMG_612 try
	[ "$n" = 3 ] && kv=$KVER_61 ki=$KIMG_61
	for try in 1 2 3; do
		[ "$try" = 1 ] || { rm -f "$D/node$n.in" "$D/node$n.out"; sleep 1; }
		boot "node$n" "$kv" "$ki" 384M "blklock.role=node blklock.node=$n" \
			-iscsi "initiator-name=iqn.2026-11.org.blklock:node$n" \
			-drive "file=iscsi://127.0.0.1:${PPORT[$n]}/$IQN/0,if=none,id=lun,format=raw,cache=none" \
			-device virtio-scsi-pci,id=scsi0 -device scsi-block,drive=lun,bus=scsi0.0
		sleep 3
		kill -0 "${QPID[node$n]}" 2> /dev/null && return 0
		echo "node $n: QEMU could not log in: $(head -c 300 "$LOGDIR/cluster-node$n.qemu.log")" >&2
	done
	return 1
}

t0=$(ms)
for n in 1 2 3; do
	boot_node $n || true
done
up=0
for n in 1 2 3; do
	if wait_agent "node$n" 240; then up=$((up + 1)); else
		fail "cluster/node$n-up" "no agent; see $LOGDIR/cluster-node$n.console.log"
	fi
done
[ $up = 3 ] || exit 1
pass cluster/nodes-up
echo "3 node VMs up in $(($(ms) - t0)) ms"

# The LUN as each node sees it: LIO through iSCSI.
for n in 1 2 3; do
	check "node$n-sees-lio" on "node$n" 10 'grep -q LIO-ORG /sys/block/sda/device/vendor'
done

# ---- lockspace ---------------------------------------------------------------

# From here on every outcome is checked explicitly: a command that fails
# on purpose (an acquire that must time out) must not end the script.
set +e

check format on node1 60 'insmod /lib/modules/$(uname -r)/extra/blklock.ko && blklockctl format /dev/sda --locks 64 --max-nodes 8 --force && rmmod blklock'
for n in 1 2 3; do
	check "node$n-attach" on "node$n" 60 "insmod /lib/modules/\$(uname -r)/extra/blklock.ko dev=/dev/sda node_id=$n"
done
LL=$(on node1 10 'cat /sys/kernel/blklock/sda/lock_lba')
BS=$(on node1 10 'cat /sys/block/sda/queue/logical_block_size')
echo "lockspace: lock 0 at LBA $LL, $BS-byte blocks"
CA=$((LL + 64))		# counter of the contention scenario
CB=$((LL + 65))		# counter of the kill scenario
FB=$((LL + 66))		# the fencing consumer's block
for b in $CA $CB $FB; do
	on node1 10 "dd if=/dev/zero of=/dev/sda bs=$BS seek=$b count=1 oflag=direct 2>/dev/null"
done
for n in 1 2 3; do
	check "node$n-live" on "node$n" 10 '[ "$(cat /sys/kernel/blklock/sda/heartbeat)" = live ]'
done

# ---- contention: 3 nodes x 2 workers on one lock and one counter ------------

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

# ---- a rival that is not blklock takes a lock with sg_compare_and_write -----

RL=20
on node2 5 "(i=1; while [ \$i -le 600 ] && [ ! -e /tmp/rival.stop ]; do blklock-disk hb-forge /dev/sda 7 0x7777 \$i; i=\$((i + 1)); sleep 0.5; done) > /dev/null 2>&1 &"
on node2 10 "dd if=/dev/sda of=/tmp/free.bin bs=$BS skip=$((LL + RL)) count=1 iflag=direct 2>/dev/null && gen=\$(blklock-disk record /dev/sda $((LL + RL)) | awk '{ print \$4 }') && blklock-disk craft /dev/sda $RL 7 \$((gen + 1)) 0x7777 > /tmp/rival.bin && cat /tmp/free.bin /tmp/rival.bin > /tmp/caw.bin"
check rival-caw on node2 20 "sg_compare_and_write --in=/tmp/caw.bin --lba=$((LL + RL)) --num=1 --xferlen=$((2 * BS)) /dev/sda"
check rival-owns-on-disk on node3 10 "[ \"\$(blklock-disk record /dev/sda $((LL + RL)) | awk '{ print \$2 }')\" = 7 ]"
on node3 5 'dmesg -c > /dev/null'
on node3 30 "blklockctl acquire $RL --timeout 9000" > "$D/rival-acq"
rc=$?
check rival-live-lock-not-broken [ $rc = 1 ]
on node3 10 'dmesg' > "$D/rival-dmesg"
check rival-miscompare-logged grep -q "blklock: atomic test and set of disk block $((LL + RL)) returned false for equality (expected=0, got=7)" "$D/rival-dmesg"
check rival-owner-logged grep -q "blklock: lock acquisition failed. Node 7 already owns the lock." "$D/rival-dmesg"
check rival-no-takeover-while-live sh -c "! grep -q 'breaking stale lock $RL' $D/rival-dmesg"
# The rival stops heartbeating: one lease later its lock is stale.
on node2 5 'touch /tmp/rival.stop'
t0=$(ms)
on node3 30 "blklockctl acquire $RL --timeout 20000 release $RL" > "$D/rival-acq2"
rc=$?
echo "rival's lock taken over $(($(ms) - t0)) ms after its heartbeat stopped"
check rival-dead-lock-taken-over [ $rc = 0 ]
check rival-dead-lock-acquired grep -q "^acquired lock $RL generation" "$D/rival-acq2"
on node3 10 'dmesg' > "$D/rival-dmesg2"
check rival-takeover-logged grep -q "blklock: breaking stale lock $RL held by node 7 (heartbeat unchanged for" "$D/rival-dmesg2"

# ---- a frozen node (SIGSTOP of its QEMU) --------------------------------------

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
on node2 30 "i=0; while ! grep -q 'status-says-lost' /tmp/hold && [ \$i -lt 250 ]; do sleep 0.1; i=\$((i + 1)); done; cat /tmp/hold" > "$D/freeze-thaw"
check freeze-holder-poll-wakes grep -q "^ok poll-reports-loss" "$D/freeze-thaw"
check freeze-holder-enolck grep -q "^ok validate-after-loss" "$D/freeze-thaw"
on node2 20 "blklock-disk fence-write /dev/sda $FB $g2" > "$D/freeze-late"
check freeze-late-write-refused [ $? = 3 ]
check freeze-late-write-says-why grep -q "refused: the consumer has seen generation $g1, the writer has $g2" "$D/freeze-late"
check freeze-not-double-owned on node3 10 "[ \"\$(blklock-disk record /dev/sda $((LL + FL)) | awk '{ print \$2 }')\" = 1 ]"
on node2 10 'dmesg' > "$D/freeze-dmesg"
check freeze-fence-logged grep -qE "blklock: sda: node 2 (was frozen past its renewal deadline|could not renew its heartbeat in time): every lock it holds is lost" "$D/freeze-dmesg"
on node2 30 'i=0; while [ "$(cat /sys/kernel/blklock/sda/heartbeat)" != live ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done; cat /sys/kernel/blklock/sda/heartbeat' > "$D/freeze-hb"
check freeze-node-rejoins grep -qx live "$D/freeze-hb"
on node1 10 'killall blklockctl; sleep 0.5' > /dev/null 2>&1 || true

# ---- the iSCSI path of node 1 is cut, then restored ---------------------------

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
on node1 150 'i=0; while [ "$(cat /sys/kernel/blklock/sda/heartbeat)" != live ] && [ $i -lt 1400 ]; do sleep 0.1; i=$((i + 1)); done; cat /sys/kernel/blklock/sda/heartbeat' > "$D/cut-hb"
echo "path restored: node 1 heartbeat $(cat "$D/cut-hb") after $(($(ms) - t0)) ms"
check cut-node-recovers grep -qx live "$D/cut-hb"
check cut-node-takes-locks-again on node1 30 'blklockctl acquire 15 --timeout 20000 release 15'
on node1 20 'i=0; while ! grep -q status-says-lost /tmp/hold2 && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done; cat /tmp/hold2' > "$D/cut-hold2"
check cut-holder-enolck grep -q "^ok validate-after-loss" "$D/cut-hold2"
on node1 10 'dmesg' > "$D/cut-dmesg2"
check cut-rejoin-logged grep -q "blklock: sda: node 1 renewed its heartbeat after" "$D/cut-dmesg2"
on node2 10 'killall blklockctl; sleep 0.5' > /dev/null 2>&1 || true

# ---- node 3 is killed (kill -9 of its QEMU) while it holds the lock --------

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
check kill-takeover-logged grep -q "blklock: breaking stale lock $KL held by node 3 (heartbeat unchanged for" "$D/kill-dmesg"
check target-alive on target 10 'true'

for n in 1 2; do
	check "node$n-unload" on "node$n" 30 'killall blklockctl blklock-abi 2>/dev/null; sleep 0.5; rmmod blklock'
	check "node$n-no-kernel-warnings" on "node$n" 10 "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
done

exit $((failures > 0))
