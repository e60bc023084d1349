#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Commands in single quotes are expanded by the guest's sh (SC2016):
# shellcheck source-path=SCRIPTDIR disable=SC2016
#
# make soak: the cluster of make cluster-test (lib.sh: a target VM serving
# one LUN over iSCSI, three node VMs, nodes 1 and 2 on Debian's 6.12,
# node 3 on its 6.1) runs blklock-storm's soak mode on every node: WORKERS
# processes per node loop on LOCKS locks, each lock with its own counter
# block that is a fencing consumer (an update is one COMPARE AND WRITE,
# refused when the block carries a generation not below the holder's).
# Meanwhile a driver on the host injects one fault at a time into a node
# picked at random, at random moments (seeded; the seed is printed):
#   freeze   SIGSTOP of the node's QEMU for 0.5-10 s (its clocks run on)
#   suspend  the monitor's "stop" for the lease + 1-6 s (clocks stop too)
#   late     the node's iSCSI traffic held by its relay for 1-20 s (up:
#            commands, down: responses, or both), then delivered late
#   cut      the node's path cut (connections reset, logins refused) for
#            1-20 s, then restored
# until the nodes were granted TARGET acquisitions in all, or the time
# limit ends.  Then the workers stop, every fault is undone, and the host
# collects each node's record of events and judges (soak-verdict.py):
# no generation of a lock granted twice, the writes each counter accepted
# carry increasing generations, and each counter's value is the number of
# updates it accepted.  It prints and writes to out/soak/:
#   summary.txt     the figures: acquisitions, violations, takeovers,
#                   evictions, fences, reaped records, refused stale
#                   writes, the rate, the faults by kind
#   summary.json    the same for machines
#   violations.txt  every violation, the workers and guest times involved,
#                   and the faults
#   faults.log      every fault (host time), progress.log, nodeN/ (each
#                   node's events, progress, dmesg), vm-*.log (consoles)
#   nodeN-diag.txt  each node's state a minute into the storm (a
#                   baseline), and again when node N made no new
#                   acquisition for STALL s, or its workers did not stop
#                   or it was not live at the end: its disks' and SCSI
#                   hosts' states, the kernel stacks of its workers,
#                   kworkers and SCSI error handlers, and its blocked
#                   tasks (sysrq w)
# Exit status: 0 if the target was reached without a violation; 1 on a
# violation, when the time limit ended first, or when the cluster failed.
#
#   soak.sh [--target N] [--time SECONDS] [--locks N] [--workers N]
#           [--fault-every SECONDS] [--faults "KIND..."] [--think MS]
#           [--acquire-timeout MS] [--seed N] [--keep]
# or the same as SOAK_TARGET (default 1000000), SOAK_TIME (time limit of
# the storm, default 43200 s), SOAK_LOCKS (6; 1-32), SOAK_WORKERS (per
# node, 2), SOAK_FAULT_EVERY (mean seconds between the end of a fault
# and the start of the next, 30; 0: no faults), SOAK_FAULTS (the kinds
# to draw from, "freeze suspend late cut"), SOAK_THINK_MS (a worker's
# longest pause outside the lock, 10), SOAK_ACQ_TIMEOUT_MS (how long an
# acquire waits, 30000), SOAK_STALL (seconds without progress before a
# node is diagnosed, 180), SOAK_SEED (random if unset):
#   make soak SOAK_TARGET=5000 SOAK_FAULT_EVERY=5
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
load_env

TARGET=${SOAK_TARGET:-1000000}
LIMIT=${SOAK_TIME:-43200}
LOCKS=${SOAK_LOCKS:-6}
WORKERS=${SOAK_WORKERS:-2}
FAULT_EVERY=${SOAK_FAULT_EVERY:-30}
FAULTS=${SOAK_FAULTS:-freeze suspend late cut}
THINK=${SOAK_THINK_MS:-10}
ACQ_MS=${SOAK_ACQ_TIMEOUT_MS:-30000}
SEED=${SOAK_SEED:-$(( $(date +%s%N) % 1000000 ))}
POLL=10			# seconds between two looks at the nodes' progress
STALL=${SOAK_STALL:-180}	# a node without a new acquisition this long is diagnosed
while [ $# -gt 0 ]; do
	case $1 in
	--target) TARGET=$2; shift 2 ;;
	--time) LIMIT=$2; shift 2 ;;
	--locks) LOCKS=$2; shift 2 ;;
	--workers) WORKERS=$2; shift 2 ;;
	--fault-every) FAULT_EVERY=$2; shift 2 ;;
	--faults) FAULTS=$2; shift 2 ;;
	--think) THINK=$2; shift 2 ;;
	--acquire-timeout) ACQ_MS=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: $0 [--target N] [--time SECONDS] [--locks N] [--workers N] [--fault-every SECONDS] [--faults \"freeze suspend late cut\"] [--think MS] [--acquire-timeout MS] [--seed N] [--keep]" >&2; exit 2 ;;
	esac
done
for v in TARGET LIMIT LOCKS WORKERS FAULT_EVERY THINK ACQ_MS STALL SEED; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "soak: $v must be a number, not '${!v}'" >&2; exit 2; }
done
if [ "$LOCKS" -lt 1 ] || [ "$LOCKS" -gt 32 ]; then echo "soak: 1-32 locks" >&2; exit 2; fi
[ "$WORKERS" -ge 1 ] || { echo "soak: at least one worker per node" >&2; exit 2; }
read -r -a KINDS <<< "$FAULTS"
for k in "${KINDS[@]}"; do
	case $k in freeze | suspend | late | cut) ;; *) echo "soak: no fault '$k'" >&2; exit 2 ;; esac
done
[ ${#KINDS[@]} -gt 0 ] || FAULT_EVERY=0

SOAK=$OUTDIR/soak
rm -rf "$SOAK"
mkdir -p "$SOAK"
D=$SOAK/cluster
CHECK_PREFIX=soak
CLUSTER_LOGS=$SOAK/vm
# shellcheck source=lib.sh
. "$HERE/lib.sh"
cluster_init
DRIVER=
soak_cleanup() {
	[ -n "$DRIVER" ] && kill -TERM "$DRIVER" 2>/dev/null && wait "$DRIVER" 2>/dev/null
	cleanup
}
trap soak_cleanup EXIT

echo "soak: target $TARGET acquisitions, time limit $LIMIT s, $LOCKS locks, $WORKERS workers per node, think 0-$THINK ms, acquire timeout $ACQ_MS ms, a fault every ${FAULT_EVERY} s on average (${KINDS[*]}), seed $SEED"
cluster_up
[ "$failures" = 0 ] || { echo "soak: the cluster did not come up whole" >&2; exit 1; }
on node1 10 "cat $SYS/lease_timeout_ms $SYS/hb_interval_ms" > "$D/answer"
LEASE=$(head -1 "$D/answer")
echo "soak: lease $LEASE ms, heartbeat every $(tail -1 "$D/answer") ms"

# Lock i has its counter block at LL + 64 + i (after the 64 lock records).
SPEC=
for ((i = 0; i < LOCKS; i++)); do
	on node1 10 "dd if=/dev/zero of=/dev/sda bs=$BS seek=$((LL + 64 + i)) count=1 oflag=direct 2>/dev/null"
	SPEC="$SPEC $i:$((LL + 64 + i))"
done

# ---- the fault driver --------------------------------------------------------

# rnd LO HI: R becomes a whole number from LO to HI, drawn from the seeded
# RANDOM (in this shell: a subshell would draw from a sequence of its own).
rnd() { R=$(($1 + RANDOM % ($2 - $1 + 1))); }
# tenths N: N tenths of a second as seconds ("35" -> "3.5").
tenths() { printf '%d.%d' $(($1 / 10)) $(($1 % 10)); }
driver() {
	local kind n d mode cur="" sp="" t0 ta R
	trap - EXIT
	set +e
	RANDOM=$SEED
	t0=$(ms)
	flog() { echo "$(ms) $(( ($(ms) - t0) / 1000 )) $*" >> "$SOAK/faults.log"; }
	undo() {
		case $cur in
		freeze) kill -CONT "${QPID[node$n]}" ;;
		suspend) hmp "node$n" cont ;;
		late) relay "$n" release ;;
		cut) kill -USR2 "${PPID_OF[$n]}" ;;
		esac
		[ -n "$cur" ] && flog "end $cur node$n after $(tenths $((($(ms) - ta) / 100))) s"
		cur=""
	}
	pause() {
		sleep "$(tenths "$1")" &
		sp=$!
		wait "$sp"
	}
	trap '[ -n "$sp" ] && kill "$sp" 2>/dev/null; undo; exit 0' TERM
	while :; do
		rnd 0 $((20 * FAULT_EVERY))
		pause "$R"
		kind=${KINDS[RANDOM % ${#KINDS[@]}]}
		rnd 1 3
		n=$R
		ta=$(ms)
		case $kind in
		freeze)
			rnd 5 100
			d=$R
			flog "start freeze node$n $(tenths "$d") s"
			cur=freeze
			kill -STOP "${QPID[node$n]}"
			;;
		suspend)
			rnd 10 60
			d=$((LEASE / 100 + R))
			flog "start suspend node$n $(tenths "$d") s"
			cur=suspend
			hmp "node$n" stop
			;;
		late)
			mode=up
			rnd 1 5
			case $R in 4) mode=down ;; 5) mode=both ;; esac
			rnd 10 200
			d=$R
			flog "start late node$n $(tenths "$d") s hold $mode"
			cur=late
			relay "$n" "hold $mode"
			;;
		cut)
			rnd 10 200
			d=$R
			flog "start cut node$n $(tenths "$d") s"
			cur="cut"
			kill -USR1 "${PPID_OF[$n]}"
			;;
		esac
		pause "$d"
		undo
	done
}

# ---- a node that stops progressing -------------------------------------------

# diagnose N WHY: append to nodeN-diag.txt what node N's kernel is doing:
# its disks' in-flight requests and SCSI device and host states, the
# lockspace's heartbeat, the kernel stack and wait channel of every
# blklock-storm process, kworker and SCSI error handler, and the blocked
# tasks (sysrq w).  Nothing it runs waits for the disk or for blklock, so
# it answers while a disk does not.
diagnose() {
	local f=$SOAK/node$1-diag.txt
	echo "== $(date -u +%T) $(( ($(ms) - t_start) / 1000 )) s: $2" >> "$f"
	on "node$1" 60 'dmesg -c >> /tmp/soak/dmesg; echo "uptime $(cat /proc/uptime)"; for f in /sys/block/sd*/inflight /sys/block/sd*/device/state /sys/class/scsi_host/host*/state /sys/class/scsi_host/host*/host_busy; do echo "$f: $(cat $f 2>/dev/null)"; done; for d in /sys/kernel/blklock/*:*; do echo "$d: heartbeat $(cat $d/heartbeat) incarnation $(cat $d/incarnation)"; done; for p in /proc/[0-9]*; do c=$(cat $p/comm 2>/dev/null); case $c in blklock*|kworker*|scsi_eh*) echo "-- ${p#/proc/} $c wchan $(cat $p/wchan 2>/dev/null) $(grep State: $p/status)"; cat $p/stack 2>/dev/null;; esac; done; echo w > /proc/sysrq-trigger; sleep 1; dmesg -c | tee -a /tmp/soak/sysrq' >> "$f" 2>&1 ||
		echo "(node $1 did not answer)" >> "$f"
	echo "soak: node $1: $2; what its kernel was doing is in $f"
}

# ---- the storm ---------------------------------------------------------------

for n in 1 2 3; do
	check "node$n-storm-started" on "node$n" 10 "rm -rf /tmp/soak; mkdir -p /tmp/soak && dmesg -c > /tmp/soak/dmesg; (blklock-storm soak --think $THINK --acquire-timeout $ACQ_MS /dev/sda $n $WORKERS $BS $((LIMIT + 900)) /tmp/soak$SPEC > /tmp/soak/out 2>&1; echo \$? > /tmp/soak/rc) > /dev/null 2>&1 &"
done
: > "$SOAK/faults.log"
: > "$SOAK/progress.log"
t_start=$(ms)
if [ "$FAULT_EVERY" -gt 0 ]; then
	driver &
	DRIVER=$!
fi

declare -A ACQ MOVED STALLED
total=0
reason=
last_print=0
baseline=
while :; do
	sleep $POLL
	el=$(( ($(ms) - t_start) / 1000 ))
	if [ -z "$baseline" ] && [ "$el" -ge 60 ]; then
		baseline=1
		for n in 1 2 3; do diagnose "$n" "baseline, a minute into the storm" > /dev/null; done
	fi
	for n in 1 2 3; do
		kill -0 "${QPID[node$n]}" 2>/dev/null || { reason="node $n's QEMU ended"; break 2; }
		# A frozen or suspended node does not answer: its last figures stand.
		# (on's output goes to a file: in a $(...) its command number
		# would not advance, and a late answer could pass for a new one)
		on "node$n" 5 'cat /tmp/soak/progress 2>/dev/null; dmesg -c >> /tmp/soak/dmesg; [ ! -e /tmp/soak/rc ] || echo "ended $(cat /tmp/soak/rc)"' > "$D/answer" 2>/dev/null || continue
		p=$(cat "$D/answer")
		echo "$(ms) $el node$n $p" | tr '\n' ' ' >> "$SOAK/progress.log"
		echo >> "$SOAK/progress.log"
		a=$(echo "$p" | awk '$2 == "acquired" { print $3 }')
		if [ -n "$a" ] && [ "$a" != "${ACQ[$n]:-}" ]; then
			ACQ[$n]=$a
			MOVED[$n]=$el
			[ -z "${STALLED[$n]:-}" ] || echo "soak: node $n progresses again at $el s"
			STALLED[$n]=
		elif [ -z "${STALLED[$n]:-}" ] && [ $((el - ${MOVED[$n]:-0})) -ge "$STALL" ]; then
			STALLED[$n]=$el
			diagnose "$n" "no new acquisition for $((el - ${MOVED[$n]:-0})) s"
		fi
		case $p in *"ended "*)
			on "node$n" 5 'cat /tmp/soak/out' > "$D/answer"
			reason="node $n's workers ended early: $(head -5 "$D/answer" | tr '\n' ' ')"
			break 2 ;;
		esac
	done
	total=$(( ${ACQ[1]:-0} + ${ACQ[2]:-0} + ${ACQ[3]:-0} ))
	if [ $((el - last_print)) -ge 60 ] || [ "$total" -ge "$TARGET" ] || [ "$el" -ge "$LIMIT" ]; then
		echo "soak: ${el} s: $total acquisitions ($(( total / (el > 0 ? el : 1) ))/s), $(grep -c ' start ' "$SOAK/faults.log") faults"
		last_print=$el
	fi
	[ "$total" -ge "$TARGET" ] && { reason="target"; break; }
	[ "$el" -ge "$LIMIT" ] && { reason="time"; break; }
done

# ---- stop, collect, judge ----------------------------------------------------

if [ -n "$DRIVER" ]; then
	kill -TERM "$DRIVER" 2>/dev/null
	wait "$DRIVER" 2>/dev/null
	DRIVER=
fi
for n in 1 2 3; do
	on "node$n" 10 'kill -USR1 $(cat /tmp/soak/pid)' > /dev/null
done
t_stop=$(ms)
# A node whose workers do not stop, or that is not live, may have a disk
# that does not answer: it is diagnosed, its events are still collected
# (they are in its memory), and the counters are read through a node
# whose workers stopped and that is live.
declare -A GOOD
for n in 1 2 3; do
	f0=$failures
	check "node$n-storm-stops" on "node$n" 120 'i=0; while [ ! -s /tmp/soak/rc ] && [ $i -lt 1100 ]; do sleep 0.1; i=$((i + 1)); done; [ -s /tmp/soak/rc ]'
	[ "$failures" = "$f0" ] && GOOD[$n]=1
done
duration=$(( t_stop - t_start ))
echo "soak: stopped after $((duration / 1000)) s ($reason); the faults undone, waiting for every node to be live"
for n in 1 2 3; do
	f0=$failures
	check "node$n-live-at-end" on "node$n" 90 'i=0; while [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" != live ] && [ $i -lt 800 ]; do sleep 0.1; i=$((i + 1)); done; [ "$(cat /sys/kernel/blklock/*:*/heartbeat)" = live ]'
	[ "$failures" = "$f0" ] || { GOOD[$n]=; diagnose "$n" "its workers did not stop or it is not live at the end"; }
done
# A command delivered late by a relay may land a little after the end.
sleep 5
: > "$SOAK/stats"
for n in 1 2 3; do
	on "node$n" 20 "cd $SYS && for f in stats/* incarnation heartbeat; do echo $n \${f#stats/} \$(cat \$f); done" >> "$SOAK/stats"
	t0=$(ms)
	on "node$n" 20 'dmesg -c >> /tmp/soak/dmesg; rm -f /tmp/soak/progress.tmp; cd /tmp/soak && tar czf /tmp/soak.tgz . && ls -l /tmp/soak.tgz' > /dev/null
	on "node$n" 900 'base64 /tmp/soak.tgz' > "$SOAK/node$n.b64"
	mkdir -p "$SOAK/node$n"
	base64 -d "$SOAK/node$n.b64" | tar xzf - -C "$SOAK/node$n"
	check "node$n-events-collected" [ -s "$SOAK/node$n/progress" ]
	echo "soak: node $n's events: $(du -sk "$SOAK/node$n" | cut -f1) KiB, collected in $(($(ms) - t0)) ms"
	rm -f "$SOAK/node$n.b64"
done
reader=
for n in 1 2 3; do [ -n "${GOOD[$n]:-}" ] && { reader=$n; break; }; done
: > "$SOAK/counters"
for ((i = 0; i < LOCKS; i++)); do
	[ -n "$reader" ] || break
	on "node$reader" 20 "echo $i $((LL + 64 + i)) \$(blklock-storm read /dev/sda $((LL + 64 + i)) $BS)" >> "$SOAK/counters"
done
check counters-read [ -n "$reader" ]
check no-kernel-warnings sh -c "! grep -hE 'BUG:|WARNING:|Oops|Call Trace' $SOAK/node*/dmesg"

cat > "$SOAK/run.env" <<EOF
target=$TARGET
time_limit_s=$LIMIT
locks=$LOCKS
workers_per_node=$WORKERS
think_ms=$THINK
acquire_timeout_ms=$ACQ_MS
fault_every_s=$FAULT_EVERY
fault_kinds=${KINDS[*]}
seed=$SEED
lease_ms=$LEASE
duration_ms=$duration
stopped_by=$reason
check_failures=$failures
EOF
python3 "$HERE/soak-verdict.py" "$SOAK"
