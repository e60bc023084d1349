# shellcheck shell=sh disable=SC2086
# The ioctl fuzzer (tools/testing/fuzz/blklock-ioctl-fuzz.c): worker
# processes call every ioctl with boundary values and bad pointers,
# attach and detach both paths, take real locks, close and kill files
# mid-acquire, and race open() with unloading the module.  It runs for
# BLKLOCK_FUZZ_SECS seconds in all (45 by default; make fuzz sets more):
# two thirds as a 64-bit program, one third as a 32-bit one (the
# compat_ioctl path).  BLKLOCK_FUZZ_SEED replays a run's calls.  Then:
# the fuzzer's checks all passed, the kernel logged no report, the
# module unloads, and every lock record on the disk is free.
. ./lock-lib.sh

SECS=${BLKLOCK_FUZZ_SECS:-45}
[ "$SECS" -ge 6 ] || SECS=6
S64=$((SECS * 2 / 3))
S32=$((SECS - S64))

# The fuzzer's refusals fill the ring buffer: keep every kernel message
# since the start in $OUT/kmsg, polling twice a second.
kmsg_poll() {
	last=$(cat "$OUT/mark")
	while :; do
		dmesg | awk -v m="$last" '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t + 0 > m + 0) print }' >> "$OUT/kmsg"
		last=$(tail -n 1 "$OUT/kmsg" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
		[ -n "$last" ] || last=$(cat "$OUT/mark")
		[ -e "$OUT/kmsg.on" ] || break
		sleep 0.5
	done
}

# fuzz NAME PROGRAM SECONDS: one run and the checks after it.
fuzz() {
	name=$1
	load_blklock
	check $name-load [ $? -eq 0 ]
	$2 -a "$DISK_A" -b "$DISK_B" -t "$3" -k "$BLKLOCK_KO" \
		${BLKLOCK_FUZZ_SEED:+-s "$BLKLOCK_FUZZ_SEED"} > "$OUT/$name" 2>&1
	rc=$?
	sed "s/^/$name: /" "$OUT/$name"
	check $name-exit [ $rc -eq 0 ]
	check $name-no-failed-check grep -q '^checks [0-9]* failed 0$' "$OUT/$name"
	grep '^seed \|^calls \|^scenarios \|^module \|^locks \|^final \|^checks ' "$OUT/$name" |
		while read -r line; do figure "$name: $line"; done
	figure "$name: errnos: $(sed -n 's/^errno //p' "$OUT/$name" | tr '\n' ';')"
	# Losses happen only when a node fenced (a late heartbeat under TCG).
	lost=$(sed -n 's/^locks acquired [0-9]* lost \([0-9]*\) freed-by-break \([0-9]*\)$/\1 \2/p' "$OUT/$name")
	if [ "$lost" != "0 0" ]; then
		check $name-losses-explained grep -qE 'every lock it holds is lost|every lock it held is lost' "$OUT/kmsg"
	fi
	# With the fuzzer's files closed, the module unloads.
	for p in $(pidof blklock-ioctl-fuzz blklock-ioctl-fuzz32 2>/dev/null); do
		kill -KILL "$p"
		fail $name-stray-process "pid $p still running"
	done
	rmmod blklock
	check $name-unload [ $? -eq 0 ]
	check $name-unloaded sh -c "[ ! -e /sys/module/blklock ] && [ ! -e /dev/blklock ]"
	# Every record is free and intact; every node that attached left.
	blklockctl dump --no-wait "$DISK_B" > "$OUT/$name-dump" 2>&1
	check $name-dump [ $? -eq 0 ]
	check $name-records-free grep -q "^locks: 0 held, 64 free, 0 damaged" "$OUT/$name-dump"
	check $name-nodes-left sh -c "! grep '^node ' '$OUT/$name-dump' | grep -qv 'left (detached cleanly)'"
	grep '^locks:' "$OUT/$name-dump" | sed "s/^/$name: dump: /"
}

# The fuzzer's messages push the earlier tests' out of the ring buffer,
# whose tail guest-init prints at the end: keep them in the log.
dmesg | sed 's/^/dmesg before the fuzzer: /'

load_blklock
blklockctl format "$DISK_A" --locks 64 --max-nodes 8 --force > "$OUT/fmt" 2>&1
check fuzz-format [ $? -eq 0 ]
rmmod blklock

mark_dmesg
: > "$OUT/kmsg"
touch "$OUT/kmsg.on"
kmsg_poll &
poller=$!

fuzz fuzz64 blklock-ioctl-fuzz "$S64"
fuzz fuzz32 blklock-ioctl-fuzz32 "$S32"

rm -f "$OUT/kmsg.on"
wait $poller
figure "kernel messages during the runs: $(wc -l < "$OUT/kmsg")"
# The kinds of message, most frequent first (numbers and names elided).
sed -n 's/^\[ *[0-9.]*\] //p' "$OUT/kmsg" | sed 's/[0-9][0-9]*/N/g; s/\[N\]//' |
	cut -c1-100 | sort | uniq -c | sort -rn | head -n 40 | sed 's/^/kmsg kinds: /'
pat='BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|lockdep|possible circular|list_add corruption|list_del corruption|ODEBUG|Call Trace|hung task|kmemleak'
if grep -qE "$pat" "$OUT/kmsg"; then
	fail fuzz-kernel-reports "$(grep -m1 -E "$pat" "$OUT/kmsg")"
	grep -E -B2 -A30 "$pat" "$OUT/kmsg" | head -n 120 | sed 's/^/kmsg: /'
else
	pass fuzz-kernel-reports
fi
