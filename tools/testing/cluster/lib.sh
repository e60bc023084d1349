# SPDX-License-Identifier: GPL-2.0
# Commands in single quotes are expanded by the guest's sh (SC2016):
# shellcheck shell=bash disable=SC2016
#
# The cluster's infrastructure, shared by run.sh (make cluster-test) and
# soak.sh (make soak): a target VM that serves one LUN over iSCSI (LIO),
# three node VMs whose QEMU logs in to it through a TCP relay of its own
# (iscsi-relay.py), an agent in every guest on a serial pipe, a monitor
# socket per node, and the lockspace formatted and attached on all nodes.
#
# Sourced after tools/testing/lib.sh and load_env.  The caller sets
#   D             the run's directory (wiped and made here by cluster_init)
#   CHECK_PREFIX  the prefix of its PASS/FAIL lines (default "cluster")
#   CLUSTER_LOGS  the prefix of the VMs' console and QEMU logs
#                 (default $LOGDIR/cluster: $LOGDIR/cluster-node1.console.log)
#   KEEP          1 leaves the VMs running at the end (debug)
# and calls cluster_init, then cluster_up.  cluster_up defines
#   LL  the LBA of lock 0, BS  the logical block size
# and every node is attached and live when it returns (it exits the
# script when a VM does not come up).  Once the VMs run:
#   on NODE TIMEOUT CMD   one line of sh in the guest (NODE: target,
#                         node1, node2, node3)
#   hmp NODE COMMAND      the node's QEMU monitor (stop / cont)
#   relay N LINE          node N's relay (hold up|down|both, release);
#                         kill -USR1/-USR2 "${PPID_OF[N]}" cuts/restores
#                         (N 2b: the relay of node 2's second path, which
#                         path2 plugs in)
#   QPID[NODE]            the pid of NODE's QEMU (kill -STOP/-CONT)

G=$OUTDIR/guest
IQN=iqn.2026-11.org.blklock:cluster
# the sysfs directory of the node's one lockspace (/sys/kernel/blklock/<uuid>:<node id>)
SYS='/sys/kernel/blklock/*:*'
TRACE=/sys/kernel/tracing
: "${CHECK_PREFIX:=cluster}"
: "${CLUSTER_LOGS:=$LOGDIR/cluster}"
: "${KEEP:=0}"
pids=()
failures=0
SEQ=0

# cluster_init: a fresh $D; the VMs and relays started from here on are
# ended when the script exits (unless KEEP=1).
cluster_init() {
	rm -rf "$D"
	mkdir -p "$D"
	trap cleanup EXIT
}

check() {
	local name=$1
	shift
	if "$@"; then pass "$CHECK_PREFIX/$name"; else fail "$CHECK_PREFIX/$name" "$*"; failures=$((failures + 1)); fi
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

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ms() { date +%s%3N; }

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
			-serial "file:$CLUSTER_LOGS-$name.console.log" \
			-serial "pipe:$D/$name" "$@"
	) > "$CLUSTER_LOGS-$name.qemu.log" 2>&1 &
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

# trace_count NODE EVENT REGEX: how many EVENT lines NODE's trace buffer
# holds whose fields match REGEX (extended), since the lockspace was
# attached.
trace_count() {
	on "node$1" 10 "grep -cE ' $2: $3' $TRACE/trace"
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

# hmp NODE COMMAND: one command on the node's QEMU monitor (HMP).
hmp() {
	python3 - "$D/$1.mon" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(0.3)
try:
    s.recv(65536)
except OSError:
    pass
s.close()
PY
}
# relay N LINE: a control line to node N's relay (see iscsi-relay.py).
relay() { echo "$2" > "$D/relay$1.ctl"; }
# hold_start N MODE: hold node N's traffic (see iscsi-relay.py);
# hold_end N: deliver it and print what the relay held and delivered.
hold_start() {
	HOLD_FROM=$(wc -l < "$D/proxy$1.log")
	relay "$1" "hold $2"
}
hold_end() {
	relay "$1" release
	for _ in $(seq 50); do
		tail -n +$((HOLD_FROM + 1)) "$D/proxy$1.log" | grep -q ' released$' && break
		sleep 0.2
	done
	tail -n +$((HOLD_FROM + 1)) "$D/proxy$1.log"
}
# hold_window N MODE SECONDS: hold node N's traffic for SECONDS, then
# deliver it.
hold_window() {
	hold_start "$1" "$2"
	sleep "$3"
	hold_end "$1"
}

sysval() { on "node$1" 10 "cat $SYS/$2 2>/dev/null || echo none"; }
# grew BEFORE AFTER: a counter that exists grew.
grew() { [ "$2" != none ] && [ "$1" != none ] && [ "$2" -gt "$1" ]; }
# wait_for NODE SECONDS FILE PATTERN: until FILE in the guest has PATTERN;
# prints the file.
wait_for() {
	on "$1" $(($2 + 10)) "i=0; while ! grep -q '$4' $3 2>/dev/null && [ \$i -lt $(($2 * 20)) ]; do sleep 0.05; i=\$((i + 1)); done; cat $3"
}
# wait_live N SECONDS: until node N's heartbeat is live; prints its state.
wait_live() {
	on "node$1" $(($2 + 10)) "i=0; while [ \"\$(cat $SYS/heartbeat)\" != live ] && [ \$i -lt $(($2 * 10)) ]; do sleep 0.1; i=\$((i + 1)); done; cat $SYS/heartbeat"
}

# ---- the cluster -----------------------------------------------------------

declare -A PPORT PPID_OF

# path2: plug node 2's second path to the LUN into its second HBA
# (through relay 2b, as its own iSCSI session); the guest sees sdb.
path2() {
	hmp node2 "drive_add 0 if=none,id=lun2,file=iscsi://127.0.0.1:${PPORT[2b]}/$IQN/0,file.initiator-name=iqn.2026-11.org.blklock:node2b,format=raw,cache=none"
	hmp node2 "device_add scsi-block,drive=lun2,bus=scsi1.0,id=path2"
}

# boot_node N: QEMU logs in to the target before the guest starts; a
# login that fails (seen when several start at once) ends QEMU at once,
# so such a start is tried again, at most three times.
boot_node() {
	local n=$1 kv=$KVER_612 ki=$KIMG_612 try hba2=()
	[ "$n" = 3 ] && kv=$KVER_61 ki=$KIMG_61
	# Node 2 has an empty second HBA, for a second path to the LUN that
	# the paths scenario plugs in (path2).
	[ "$n" = 2 ] && hba2=(-device "virtio-scsi-pci,id=scsi1")
	for try in 1 2 3; do
		[ "$try" = 1 ] || { rm -f "$D/node$n.in" "$D/node$n.out"; sleep 1; }
		boot "node$n" "$kv" "$ki" 384M "blklock.role=node blklock.node=$n" \
			-iscsi "initiator-name=iqn.2026-11.org.blklock:node$n" \
			-drive "file=iscsi://127.0.0.1:${PPORT[$n]}/$IQN/0,if=none,id=lun,format=raw,cache=none" \
			-device virtio-scsi-pci,id=scsi0 -device scsi-block,drive=lun,bus=scsi0.0 \
			"${hba2[@]}" -monitor "unix:$D/node$n.mon,server=on,wait=off"
		sleep 3
		kill -0 "${QPID[node$n]}" 2> /dev/null && return 0
		echo "node $n: QEMU could not log in: $(head -c 300 "$CLUSTER_LOGS-node$n.qemu.log")" >&2
	done
	return 1
}

# cluster_up: the target VM, the relays, the three node VMs (nodes 1 and
# 2 on Debian's 6.12, node 3 on its 6.1), a lockspace of 64 locks
# formatted by node 1 and attached by every node as its node id.  From
# the format on, "set -e" is off: every outcome is checked explicitly.
cluster_up() {
	local n t0 up
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
		fail "$CHECK_PREFIX/target-up" "the target VM did not come up; see $CLUSTER_LOGS-target.console.log"
		exit 1
	fi
	pass "$CHECK_PREFIX/target-up"
	echo "target VM up in $(($(ms) - t0)) ms, iSCSI portal 127.0.0.1:$tport"

	for n in 1 2 3 2b; do
		PPORT[$n]=$(free_port)
		python3 "$HERE/iscsi-relay.py" "${PPORT[$n]}" "$tport" "$D/relay$n.ctl" > "$D/proxy$n.log" 2>&1 &
		# shellcheck disable=SC2034 # the relays' pids, for the callers
		PPID_OF[$n]=$!
		pids+=("$!")
		disown
	done
	sleep 0.5

	t0=$(ms)
	for n in 1 2 3; do
		boot_node $n || true
	done
	up=0
	for n in 1 2 3; do
		if wait_agent "node$n" 240; then up=$((up + 1)); else
			fail "$CHECK_PREFIX/node$n-up" "no agent; see $CLUSTER_LOGS-node$n.console.log"
		fi
	done
	[ $up = 3 ] || exit 1
	pass "$CHECK_PREFIX/nodes-up"
	echo "3 node VMs up in $(($(ms) - t0)) ms"

	# The LUN as each node sees it: LIO through iSCSI.
	for n in 1 2 3; do
		check "node$n-sees-lio" on "node$n" 10 'grep -q LIO-ORG /sys/block/sda/device/vendor'
	done

	# ---- lockspace -------------------------------------------------------

	# From here on every outcome is checked explicitly: a command that
	# fails on purpose (an acquire that must time out) must not end the
	# script.
	set +e

	check format on node1 60 'insmod /lib/modules/$(uname -r)/extra/blklock.ko && blklockctl format /dev/sda --locks 64 --max-nodes 8 --force && rmmod blklock'
	for n in 1 2 3; do
		check "node$n-attach" on "node$n" 60 "insmod /lib/modules/\$(uname -r)/extra/blklock.ko dev=/dev/sda node_id=$n"
		# Heartbeat state changes and takeovers are recorded from
		# here on (trace_count): they are rare, the buffer holds them all.
		check "node$n-trace-on" on "node$n" 10 "mount -t tracefs tracefs $TRACE 2>/dev/null; [ -d $TRACE/events/blklock ] && echo 4096 > $TRACE/buffer_size_kb && echo 1 > $TRACE/events/blklock/blklock_hb_state/enable && echo 1 > $TRACE/events/blklock/blklock_takeover/enable && echo 1 > $TRACE/tracing_on"
	done
	LL=$(on node1 10 'cat /sys/kernel/blklock/*:*/lock_lba')
	BS=$(on node1 10 'cat /sys/block/sda/queue/logical_block_size')
	echo "lockspace: lock 0 at LBA $LL, $BS-byte blocks"
	for n in 1 2 3; do
		check "node$n-live" on "node$n" 10 '[ "$(cat /sys/kernel/blklock/*:*/heartbeat)" = live ]'
	done
}
