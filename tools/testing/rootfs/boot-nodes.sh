# SPDX-License-Identifier: GPL-2.0
# Commands in single quotes are expanded by the guest's sh (SC2016):
# shellcheck shell=bash disable=SC2016
#
# boot-test.sh's VMs and checks: the target, the helper that formats the
# LUN, the two systemd nodes, what they must show.  Sourced after
# cluster/lib.sh (boot, on, wait_agent, check) and boot-image.sh.

declare -A LUN STATE
IQN_NODE=iqn.2026-11.org.blklock

# target_up: cluster/lib.sh's target VM: LIO serves a 64 MiB LUN over
# iSCSI, its portal forwarded to 127.0.0.1:$tport.
target_up() {
	local t0
	tport=$(free_port)
	make_root target "$KV" "$KIMG_612" target
	t0=$(ms)
	boot target "$KV" "$KIMG_612" 512M "blklock.role=target" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$tport-:3260" \
		-device virtio-net-pci,netdev=n0
	wait_agent target 180 ||
		die target-up "the target VM did not come up; see $CLUSTER_LOGS-target.console.log"
	pass "$CHECK_PREFIX/target-up"
	log "target VM up in $(($(ms) - t0)) ms, iSCSI portal 127.0.0.1:$tport"
	stage_done target
}

# format_lun: a busybox helper VM (QEMU's iSCSI initiator, the module
# DKMS built, the packaged blklockctl) formats the LUN once; U is the
# lockspace's uuid as blklockctl dump reads it back.
format_lun() {
	ln -sf "$IMG/helper.gz" "$D/initrd-helper.gz"
	boot helper "$KV" "$KIMG_612" 384M "blklock.role=node blklock.node=1" \
		-iscsi "initiator-name=$IQN_NODE:helper" \
		-drive "file=iscsi://127.0.0.1:$tport/$IQN/0,if=none,id=lun,format=raw,cache=none" \
		-device virtio-scsi-pci,id=scsi0 -device scsi-block,drive=lun,bus=scsi0.0
	wait_agent helper 180 ||
		die helper-up "the helper VM did not come up; see $CLUSTER_LOGS-helper.console.log"
	check format on helper 60 'insmod /lib/modules/$(uname -r)/extra/blklock.ko && blklockctl format /dev/sda --locks 64 --max-nodes 8 --force && rmmod blklock'
	# The README's way to read the uuid.
	U=$(on helper 20 'blklockctl dump --no-wait /dev/sda | head -n 1' |
		sed -n 's/^\/dev\/sda: blklock lockspace, format [0-9]*, uuid \([0-9a-f-]*\)$/\1/p')
	kill "${QPID[helper]}" 2> /dev/null
	[ -n "$U" ] || die lockspace-uuid "blklockctl dump found no lockspace on the LUN after the format"
	log "lockspace $U"
	stage_done format
}

# node_image N: node N's copy of the image with its own files, written
# with debugfs: /etc/blklock.conf (the admin's one line added to the
# packaged example), the initiator
# name, the host name, and open-iscsi's node record of the target with
# node.startup = automatic (what iscsiadm -m discovery and
# -o update -n node.startup -v automatic leave).
node_image() {
	local n=$1 f=$D/files-$1 rec=/etc/iscsi/nodes/$IQN/10.0.2.2,$tport,1
	mkdir -p "$f"
	cp --reflink=auto "$IMG/base.ext4" "$D/node$n.ext4" || return 1
	# As the README says: one line added to the packaged example.
	debugfs -R "dump /etc/blklock.conf $f/blklock.conf" "$D/node$n.ext4" 2> /dev/null
	grep -q '^#' "$f/blklock.conf" || return 1
	echo "uuid=$U node=$n name=node$n" >> "$f/blklock.conf"
	echo "InitiatorName=$IQN_NODE:node$n" > "$f/initiatorname.iscsi"
	echo "blklock-node$n" > "$f/hostname"
	cat > "$f/default" <<-EOF
	node.name = $IQN
	node.tpgt = 1
	node.startup = automatic
	iface.iscsi_ifacename = default
	iface.transport_name = tcp
	node.conn[0].address = 10.0.2.2
	node.conn[0].port = $tport
	node.conn[0].startup = automatic
	EOF
	chmod 0600 "$f/initiatorname.iscsi" "$f/default"
	cat > "$f/cmds" <<-EOF
	rm /etc/blklock.conf
	write $f/blklock.conf /etc/blklock.conf
	rm /etc/iscsi/initiatorname.iscsi
	write $f/initiatorname.iscsi /etc/iscsi/initiatorname.iscsi
	rm /etc/hostname
	write $f/hostname /etc/hostname
	mkdir /etc/iscsi/nodes/$IQN
	mkdir $rec
	write $f/default $rec/default
	EOF
	debugfs -w -f "$f/cmds" "$D/node$n.ext4" > "$f/debugfs.log" 2>&1
	debugfs -R 'cat /etc/blklock.conf' "$D/node$n.ext4" 2> /dev/null | grep -qx "uuid=$U node=$n name=node$n" &&
		debugfs -R "cat $rec/default" "$D/node$n.ext4" 2>/dev/null | grep -q '^node.startup = automatic$'
}

# boot_sysnode N: node N boots the image with systemd: Debian's kernel
# and initrd, the root on virtio, the NIC on QEMU's user network (the
# host's loopback is 10.0.2.2).  Node 2 has a local SCSI disk that is
# there before the iSCSI login: the LUN is sdb there, sda on node 1.
boot_sysnode() {
	local n=$1 extra=()
	if [ "$n" = 2 ]; then
		truncate -s 64M "$D/local2.img"
		# shellcheck disable=SC2054 # QEMU's commas
		extra=(-device virtio-scsi-pci,id=scsi0
		       -drive "file=$D/local2.img,if=none,id=local,format=raw"
		       -device scsi-hd,drive=local,bus=scsi0.0)
	fi
	ln -sf "$IMG/boot/initrd.img-$KV" "$D/initrd-node$n.gz"
	boot "node$n" "$KV" "$IMG" 1024M "root=/dev/vda ro" \
		-drive "file=$D/node$n.ext4,format=raw,if=virtio,cache=unsafe" \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0 "${extra[@]}"
}

nodes_up() {
	local n t0
	for n in 1 2; do
		node_image "$n" || die "node$n-image" "debugfs could not write node $n's files; see $D/files-$n/debugfs.log"
	done
	stage_done node-images
	t0=$(ms)
	for n in 1 2; do
		boot_sysnode "$n"
	done
	for n in 1 2; do
		wait_agent "node$n" 300 ||
			die "node$n-up" "no agent; see $CLUSTER_LOGS-node$n.console.log"
	done
	for n in 1 2; do
		STATE[$n]=$(on "node$n" 400 'systemctl is-system-running --wait')
	done
	log "2 systemd nodes booted in $(($(ms) - t0)) ms (${STATE[1]}, ${STATE[2]})"
	for n in 1 2; do
		echo "figure boot/node$n-startup: $(on "node$n" 20 'systemd-analyze | head -n 1')"
		echo "figure boot/node$n-slowest: $(on "node$n" 20 'systemd-analyze blame | head -n 4' | awk '{ $1 = $1; print }' | paste -sd, -)"
	done
	stage_done boot
}

# lun_names A B: the LUN is A on node 1, B on node 2.
lun_names() { [ "${LUN[1]}" = "$1" ] && [ "${LUN[2]}" = "$2" ]; }

# lun_of N: the name of the LIO disk on node N.
lun_of() {
	on "node$1" 10 'for d in /sys/block/sd*; do grep -q LIO-ORG $d/device/vendor && echo ${d##*/}; done'
}

node_checks() {
	local n s
	for n in 1 2; do
		if [ "${STATE[$n]}" = running ]; then
			pass "$CHECK_PREFIX/node$n-running"
		else
			fail "$CHECK_PREFIX/node$n-running" "systemctl is-system-running says ${STATE[$n]}; failed: $(on "node$n" 10 'systemctl --failed --no-legend --plain' | awk '{ print $1 }' | tr '\n' ' ')"
		fi
		check "node$n-blklock-active" on "node$n" 10 '[ "$(systemctl is-active blklock)" = active ]'
		check "node$n-dkms-module" on "node$n" 10 'modinfo -n blklock | grep -q "/updates/dkms/blklock\.ko" && [ -d /sys/module/blklock ]'
		LUN[$n]=$(lun_of "$n")
		s=/sys/kernel/blklock/$U:$n
		log "node $n: the LUN is ${LUN[$n]:-missing}"
		check "node$n-lun" [ -n "${LUN[$n]}" ]
		check "node$n-sysfs-by-uuid" on "node$n" 10 "[ \"\$(cat $s/disk)\" = ${LUN[$n]} ]"
		check "node$n-named" on "node$n" 10 "[ \"\$(cat $s/node_name)\" = node$n ]"
		check "node$n-attached-persistently" on "node$n" 10 "[ \"\$(cat $s/persistent)\" = 1 ] && [ \"\$(cat $s/node_id)\" = $n ]"
		check "node$n-live" on "node$n" 10 "[ \"\$(cat $s/heartbeat)\" = live ]"
		check "node$n-no-daemon" on "node$n" 10 '! pidof blklockctl'
		check "node$n-by-blklock-link" on "node$n" 10 "[ \"\$(readlink -f /dev/disk/by-blklock/$U)\" = /dev/${LUN[$n]} ]"
	done
	check lun-names-differ lun_names sda sdb
	for n in 1 2; do
		on "node$n" 30 'journalctl -b --no-pager -o short-monotonic -u iscsid -u open-iscsi -u blklock; dmesg | grep -i blklock' \
			> "$CLUSTER_LOGS-node$n.journal.log" 2>&1
	done
	stage_done node-checks
}

# lock_check: a service of node 1 ordered after blklock.service holds
# lock 5 (blklockctl run); node 2 sees node 1 holding it, live.
lock_check() {
	local st
	on node1 20 "systemd-run --unit=blklock-holder -p After=blklock.service -p Requires=blklock.service blklockctl attach --uuid=$U --node=1 run 5 -- sleep 3600"
	check node1-holder-holds on node1 60 "i=0; until blklockctl attach --uuid=$U --node=1 status 5 | grep -q '^lock 5: owner 1 .*held-by-this-node yes'; do [ \$i -lt 40 ] || exit 1; sleep 1; i=\$((i + 1)); done"
	st=$(on node2 30 "blklockctl attach --uuid=$U --node=2 status 5")
	log "node 2: $st"
	check node2-sees-node1-holding grep -qE '^lock 5: owner 1 generation [0-9]+ held-by-this-file no held-by-this-node no; node 1 \(node1\) is live$' <<< "$st"
	stage_done lock
}

# ocf_check: the resource agent ocf:blklock:lock on the real module, as
# Pacemaker would run it (the agent itself, no Pacemaker): ocf-tester
# passes on node 1 (lock 7 of the lockspace the unit attached); node 1's
# start holds lock 7 and node 2 sees node 1 holding it; node 2's start
# times out (OCF_ERR_GENERIC) and its monitor says stopped; node 1's stop
# frees the lock, node 2's start takes it, its stop frees it.
ocf_check() {
	local ra=/usr/lib/ocf/resource.d/blklock/lock st env
	env="OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=lk7 OCF_RESKEY_uuid=$U OCF_RESKEY_lock=7"
	check node1-ocf-tester on node1 180 "ocf-tester -n lk7 -o uuid=$U -o lock=7 $ra > /tmp/ocf-tester.log 2>&1; rc=\$?; cat /tmp/ocf-tester.log; [ \$rc = 0 ] && grep -q 'passed all tests' /tmp/ocf-tester.log"
	check node1-ocf-start on node1 60 "env $env $ra start"
	check node1-ocf-monitor on node1 30 "env $env $ra monitor"
	st=$(on node2 30 "blklockctl attach --uuid=$U --node=2 status 7")
	log "node 2: $st"
	check node2-sees-ocf-holder grep -qE '^lock 7: owner 1 .*; node 1 \(node1\) is live$' <<< "$st"
	check node2-ocf-start-times-out on node2 60 "env $env OCF_RESKEY_timeout=2000 $ra start; [ \$? = 1 ]"
	check node2-ocf-monitor-stopped on node2 30 "env $env $ra monitor; [ \$? = 7 ]"
	check node1-ocf-stop on node1 30 "env $env $ra stop"
	check node2-ocf-start on node2 60 "env $env $ra start"
	check node2-ocf-stop on node2 30 "env $env $ra stop"
	st=$(on node1 30 "blklockctl attach --uuid=$U --node=1 status 7")
	check lock7-free-after-ocf-stop grep -q '^lock 7: owner 0 .*; free$' <<< "$st"
	stage_done ocf
}

# wait_exit NAME SECONDS: until NAME's QEMU has exited.
wait_exit() {
	local deadline=$((SECONDS + $2))
	while kill -0 "${QPID[$1]}" 2> /dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 1
	done
}

# shutdown_check: node 1's systemctl poweroff stops the holder, then
# blklock.service (detach), then logs out; node 2 reads slot 1 "left"
# and lock 5 free.  Then systemctl stop blklock on node 2.
shutdown_check() {
	local dump st t0
	t0=$(ms)
	on node1 20 'systemctl poweroff'
	check node1-poweroff wait_exit node1 180
	log "node 1 powered off in $(($(ms) - t0)) ms"
	dump=$(on node2 30 "blklockctl dump --no-wait /dev/disk/by-blklock/$U")
	check node1-slot-left grep -qE '^node 1 \(node1\) incarnation [0-9a-f]+ counter [0-9]+ left' <<< "$dump"
	st=$(on node2 30 "blklockctl attach --uuid=$U --node=2 status 5")
	log "node 2: $st"
	check lock-free-after-poweroff grep -q '^lock 5: owner 0 .*; free$' <<< "$st"
	check node2-stop on node2 60 'systemctl stop blklock'
	check node2-detached on node2 10 "[ ! -e /sys/kernel/blklock/$U:2 ] && [ -d /sys/kernel/blklock ]"
	dump=$(on node2 30 "blklockctl dump --no-wait /dev/disk/by-blklock/$U")
	check node2-slot-left grep -qE '^node 2 \(node2\) incarnation [0-9a-f]+ counter [0-9]+ left' <<< "$dump"
	stage_done shutdown
}
