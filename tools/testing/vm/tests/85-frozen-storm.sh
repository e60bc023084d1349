# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug
# The shared-counter storm with holders frozen and resumed at random
# moments (test build of the module: the hb_pause hook).  Nodes 1 and 2
# run two workers each on one lock; a freeze stops a node's workers
# (SIGSTOP of their process group) while one of them holds the lock, and
# pauses the node's heartbeat, as a paused VM would be.  Short freezes
# (within the fence deadline) must cost nothing; long ones (past the
# lease) must end with the other node taking the lock over and the
# frozen holder finding out.  The counter block is a storage consumer
# that enforces fencing tokens (blklock-storm --fenced).
. ./lock-lib.sh

ms_now() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null
insmod "$BLKLOCK_TEST_KO"
blklockctl format "$DISK_A" --locks 60 --max-nodes 4 --force >/dev/null 2>&1
check fstorm-format [ $? -eq 0 ]
LL=$(blklock-disk header "$DISK_B" | awk '{ for (i = 1; i < NF; i++) if ($i == "lock_lba") print $(i + 1) }')
C=$((LL + 60))		# the counter: the block after the last lock record
dd if=/dev/zero of="$DISK_A" bs="$BS" seek=$C count=1 oflag=direct 2>/dev/null
N=100000		# updates per worker at most: SIGUSR1 ends the storm

mark_dmesg
# Takeovers and fences are counted from the trace events (the storm's
# commands are not recorded: only these two events).
trace_on blklock_takeover blklock_hb_state
check fstorm-trace-on [ $? -eq 0 ]
blklock-storm --fenced "$DISK_A" 1 7 $C $N 2 "$BS" > "$OUT/f1" 2> "$OUT/fe1" &
p1=$!
blklock-storm --fenced "$DISK_B" 2 7 $C $N 2 "$BS" > "$OUT/f2" 2> "$OUT/fe2" &
p2=$!

# freeze NODE PID DISK MS: stop NODE's workers at a moment it holds
# lock 7 (checked again once they are stopped, so that the frozen node
# really is the holder), pause its heartbeat, and resume both MS ms
# later.  Appends "NODE START END" (ms, /proc/uptime) to $OUT/freezes.
freeze() {
	_i=0
	while [ $_i -lt 400 ]; do
		if [ "$(rec $((LL + 7)) owner)" = "$1" ]; then
			kill -STOP -"$2"
			[ "$(rec $((LL + 7)) owner)" = "$1" ] && break
			kill -CONT -"$2"
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	[ $_i -lt 400 ] || { echo "node $1 never held the lock"; return 1; }
	echo 1 > "/sys/kernel/debug/blklock/$(basename "$3")/hb_pause"
	_t0=$(ms_now)
	sleep "$(awk -v ms="$4" 'BEGIN { printf "%.2f", ms / 1000 }')"
	echo 0 > "/sys/kernel/debug/blklock/$(basename "$3")/hb_pause"
	kill -CONT -"$2"
	echo "$1 $_t0 $(ms_now)" >> "$OUT/freezes"
	echo "froze node $1 for $(($(ms_now) - _t0)) ms"
}

: > "$OUT/freezes"
seed=$(($(ms_now) % 1000))
echo "random seed $seed"
# Random moments: 0.1-1.0 s of storm between freezes; each freeze waits
# until the node holds the lock, then stops it wherever it is.
pause() { sleep "$(awk -v s="$seed" -v k="$1" 'BEGIN { srand(s + k); printf "%.2f", 0.1 + rand() * 0.9 }')"; }
pause 1; freeze 1 $p1 "$DISK_A" 1500		# short: no fence, no takeover
pause 2; freeze 2 $p2 "$DISK_B" 8000		# long: fenced, taken over
pause 3; freeze 1 $p1 "$DISK_A" 8000
pause 4; freeze 2 $p2 "$DISK_B" 700
sleep 1
kill -USR1 -$p1
kill -USR1 -$p2
wait $p1
r1=$?
wait $p2
r2=$?
cat "$OUT/fe1" "$OUT/fe2"
check fstorm-workers-completed [ "$r1$r2" = 00 ]
check fstorm-freezes-happened [ "$(wc -l < "$OUT/freezes")" = 4 ]
cat "$OUT/f1" "$OUT/f2" > "$OUT/fall"
W=$(grep -c '^W ' "$OUT/fall")
value=$(blklock-storm read "$DISK_B" $C "$BS")
figure "updates accepted $W, counter $value, refused: $(grep -c '^[SVM] ' "$OUT/fall"), lost after update: $(grep -c '^L ' "$OUT/fall")"
check fstorm-updates-went-on [ "$W" -ge 40 ]
check fstorm-counter-exact [ "$value" = "$W" ]
check fstorm-acquired-generations-unique [ "$(grep '^A ' "$OUT/fall" | awk '{ print $2 }' | sort -n | uniq -d | wc -l)" = 0 ]
check fstorm-accepted-generations-unique [ "$(grep '^W ' "$OUT/fall" | awk '{ print $2 }' | sort -n | uniq -d | wc -l)" = 0 ]
# The accepted updates wrote the values 1..W, each once, and in the
# order of the values their generations only grow: no stale holder ever
# wrote after a newer one.
check fstorm-values-complete sh -c "grep '^W ' $OUT/fall | awk '{ print \$4 }' | sort -n | awk '\$1 != NR { bad = 1 } END { exit bad || NR != $W }'"
check fstorm-generations-grow-with-values sh -c "grep '^W ' $OUT/fall | sort -k4,4n | awk '\$2 <= last { bad = 1 } { last = \$2 } END { exit bad }'"
# Every refusal or loss belongs to a node that had just been frozen
# past its fence deadline: a live holder is never refused.
unexplained() {
	awk -v n="$1" 'FNR == NR { if ($1 == n && $3 - $2 > 4000) end[++k] = $3; next }
		/^[SVML] / { ok = 0
			for (i = 1; i <= k; i++)
				if ($3 >= end[i] - 100 && $3 <= end[i] + 15000) ok = 1
			if (!ok) print "node " n " unexplained: " $0 }' "$OUT/freezes" "$2"
}
unexplained 1 "$OUT/f1" > "$OUT/unexp"
unexplained 2 "$OUT/f2" >> "$OUT/unexp"
cat "$OUT/unexp"
check fstorm-refusals-only-after-long-freezes [ ! -s "$OUT/unexp" ]
check fstorm-frozen-holders-found-out [ "$(grep -c '^[SVML] ' "$OUT/fall")" -ge 1 ]
takeovers=$(count_trace blklock_takeover "disk=sd[a-z]+ lock=7 owner=[12] ")
fences=$(count_trace blklock_hb_state "disk=sd[a-z]+ node=[12] event=deadline from=live to=fenced ")
rejoins=$(count_trace blklock_hb_state "disk=sd[a-z]+ node=[12] event=renewed from=fenced to=live ")
trace_off fstorm
figure "takeovers of lock 7: $takeovers, fences: $fences, rejoins: $rejoins"
# Two freezes past the lease: each frozen node fenced itself, the other
# took the lock over, and the frozen node rejoined once thawed.
check fstorm-takeovers [ "$takeovers" -ge 2 ]
check fstorm-fences [ "$fences" -ge 2 ]
check fstorm-rejoins [ "$rejoins" -ge 2 ]
check fstorm-fenced-dmesg has_dmesg "was frozen past its renewal deadline: every lock it holds is lost"
check fstorm-lock-free [ "$(rec $((LL + 7)) owner)" = 0 ]
rmmod blklock
check fstorm-unload [ $? -eq 0 ]
check fstorm-no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
