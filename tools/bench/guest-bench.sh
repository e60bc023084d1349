# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark, inside one VM (make bench runs it through
# tools/testing/vm/run.sh --script).  scsi_debug serves one LUN through
# three paths (sda, sdb, sdc: three node ids).  Every figure is printed
# as one JSON line prefixed "@@BENCH "; the host turns them into the
# table, the JSON file and the plot.  SECONDS per measurement: $S.
S=3
SD=/sys/bus/pseudo/drivers/scsi_debug

rmmod scsi_debug 2>/dev/null	# the VM's default profile: two paths
mkdir -p /etc
echo 'root:x:0:0:root:/:/bin/sh' > /etc/passwd	# for sanlock -U root
echo 'root:x:0:' > /etc/group
modprobe sd_mod
modprobe sg
modprobe scsi_debug dev_size_mb=64 num_tgts=3 ndelay=0 delay=0
i=0
while [ ! -e /sys/block/sdc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null

emit() { echo "@@BENCH {\"ndelay_ns\":$ND,$1"; }
# sda's lockspace is the only one attached: /sys/kernel/blklock/<uuid>:1
stat() { cat /sys/kernel/blklock/*:*/stats/"$1"; }
# json TEXT: the JSON object blklock-bench printed, without its braces
inner() { sed -n 's/^{\(.*\)}$/\1/p'; }

insmod "$BLKLOCK_TEST_KO"
blklockctl format /dev/sda --locks 10100 --max-nodes 8 --force > /dev/null
rmmod blklock

for ND in 0 200000; do
	echo "$ND" > $SD/ndelay
	# The physical limit: raw COMPARE AND WRITE from user space.
	emit "$(blklock-bench caw /dev/sda 20000 "$S" | inner)}"

	insmod "$BLKLOCK_TEST_KO" dev=/dev/sda node_id=1
	c0=$(stat caw_sent) r0=$(stat reads) a0=$(stat acquires) l0=$(stat releases) h0=$(stat hb_sent)
	out=$(blklock-bench pairs 3 "$S")
	c1=$(stat caw_sent) r1=$(stat reads) a1=$(stat acquires) l1=$(stat releases) h1=$(stat hb_sent)
	# caw_sent and reads count lock commands; heartbeats are hb_sent.
	emit "$(echo "$out" | inner),\"caw\":$((c1 - c0)),\"reads\":$((r1 - r0)),\"acquires\":$((a1 - a0)),\"releases\":$((l1 - l0)),\"hb\":$((h1 - h0))}"

	# Heartbeat commands per second with 1, 100 and 10000 locks held.
	for n in 1 100 10000; do
		blklock-bench hold 100 $n > /tmp/hold 2>&1 &
		p=$!
		i=0
		while ! grep -q hold /tmp/hold && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
		c0=$(stat caw_sent) r0=$(stat reads) h0=$(stat hb_sent)
		sleep 6
		c1=$(stat caw_sent) r1=$(stat reads) h1=$(stat hb_sent)
		kill -TERM $p
		wait $p
		emit "\"test\":\"heartbeat\",\"locks_held\":$n,\"seconds\":6,\"hb\":$((h1 - h0)),\"other_commands\":$((c1 - c0 + r1 - r0))}"
	done
	rmmod blklock

	# Contention: C contenders per node on one lock, two and three nodes
	# (the processes attach their node ids themselves).
	insmod "$BLKLOCK_TEST_KO"
	for nodes in 2 3; do
		for c in 1 2 4 8; do
			k=1
			for d in sda sdb sdc; do
				[ $k -le $nodes ] || break
				blklock-bench contend 4 "$S" $c /dev/$d $k > /tmp/c.$k 2>&1 &
				k=$((k + 1))
			done
			wait
			k=1
			while [ $k -le $nodes ]; do
				emit "$(inner < /tmp/c.$k),\"nodes\":$nodes,\"node\":$k,\"per_node\":$c}"
				k=$((k + 1))
			done
		done
	done

	rmmod blklock

	# Takeover: node 2 holds a lock and freezes (test hook); node 1 waits.
	insmod "$BLKLOCK_TEST_KO" dev=/dev/sda node_id=1
	blklockctl --device /dev/sdb --node 2 acquire 7 > /tmp/h2 2>&1 &
	p=$!
	i=0
	while ! grep -q acquired /tmp/h2 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	echo 1 > /sys/kernel/debug/blklock/sdb/hb_pause
	t0=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
	blklockctl acquire 7 --timeout 30000 release 7 > /dev/null 2>&1
	t1=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
	emit "\"test\":\"takeover\",\"ms\":$((t1 - t0)),\"lease_ms\":6000,\"hb_interval_ms\":1000}"
	echo 0 > /sys/kernel/debug/blklock/sdb/hb_pause
	kill -TERM $p
	wait $p
	rmmod blklock

	# sanlock on the same LUN: a resource lease at 16 MiB, its lockspace
	# at 17 MiB, the daemon without watchdog, io_timeout 10 s (default).
	if command -v sanlock > /dev/null && command -v sanlock-bench > /dev/null; then
		if [ "$ND" = 0 ]; then
			mkdir -p /run/sanlock /var/run/sanlock /var/log
			sanlock daemon -w 0 -U root -G root > /tmp/sanlock.log 2>&1
			i=0
			while ! sanlock client status > /dev/null 2>&1 && [ $i -lt 300 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			sanlock direct init -s bench:0:/dev/sda:17825792 > /dev/null
			sanlock direct init -r bench:res:/dev/sda:16777216 > /dev/null
			t0=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
			sanlock client add_lockspace -s bench:1:/dev/sda:17825792 > /tmp/sl-add 2>&1
			rc=$?
			t1=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
			emit "\"test\":\"sanlock_add_lockspace\",\"ms\":$((t1 - t0)),\"rc\":$rc}"
			[ $rc = 0 ] || { cat /tmp/sanlock.log /tmp/sl-add; tail -20 /var/log/sanlock.log 2>/dev/null; }
		fi
		out=$(sanlock-bench bench:res:/dev/sda:16777216 "$S" 2>/tmp/sl-err)
		if [ -n "$out" ]; then
			emit "$(echo "$out" | inner)}"
			# blklock for the same number of iterations as sanlock.
			n=$(echo "$out" | sed -n 's/.*"pairs":\([0-9]*\).*/\1/p')
			insmod "$BLKLOCK_TEST_KO" dev=/dev/sda node_id=1
			emit "$(blklock-bench pairs-count 3 "$n" | inner)}"
			rmmod blklock
		else
			emit "\"test\":\"sanlock_pairs\",\"error\":\"$(head -c 200 /tmp/sl-err | tr '"\n' "' ")\"}"
		fi
	fi
done
