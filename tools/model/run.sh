#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks tools/model/blklock.pml (the lock protocol) and
# tools/model/names.pml (named locks) with spin: each configuration of the
# real protocol must have no counterexample (exhaustive search), each
# known-bug variant must have one, each witness event is reached.  One
# pan is compiled per configuration; variants and witnesses are chosen
# through its environment.  Prints PASS/FAIL lines and "figure" lines;
# work files and trails go to out/model/.  Two runs at a time.
#
#   run.sh [NAME...]    only these configurations/variants
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../testing/lib.sh"

OUT=$OUTDIR/model
mkdir -p "$OUT"
PML=$HERE/blklock.pml	# the model of the entry at hand (4th field)

# name | expect (ok: no error; bug: a counterexample; seen: the witness
# event is reached) | -D flags [| model file in tools/model, default
# blklock.pml]
PAUSE="-DTMAX=6 -DDRIFT=1 -DFREEZES=1 -DCRASHES=0 -DFAILS=0 -DTMOS=0 -DLATES=0"
FAULTS="-DTMAX=6 -DDRIFT=0 -DFREEZES=0 -DCRASHES=0 -DFAILS=0 -DTMOS=1 -DLATES=1"
SUSP="-DSUSPEND -DTMAX=6 -DDRIFT=0 -DFREEZES=1 -DCRASHES=0 -DFAILS=0 -DTMOS=0 -DLATES=0"
HEALTHY="-DHEALTHY -DTMAX=6 -DDRIFT=0 -DFREEZES=0 -DTMOS=2 -DLATES=1"
CRASH="-DTMAX=6 -DDRIFT=0 -DFREEZES=0 -DCRASHES=1 -DFAILS=1 -DTMOS=0 -DLATES=0"
# lock commands that time out and land late (two late ticks), the reaper
LATE="-DTMAX=6 -DDRIFT=0 -DFREEZES=0 -DCRASHES=0 -DFAILS=0 -DTMOS=1 -DLATES=2 -DACQS=1 -DRELS1=0 -DSTRANDCHK"
VALIDATE="$SUSP -DVALS=1"
RESTART="-DTMAX=9 -DDRIFT=0 -DFREEZES=0 -DCRASHES=1 -DRESTARTS=1 -DFAILS=0 -DTMOS=0 -DLATES=1 -DACQS=1 -DRELS=1"
LIVE="-DLIVENESS -DTMAX=8 -DDRIFT=1 -DFREEZES=1 -DCRASHES=0 -DFAILS=0 -DTMOS=0 -DLATES=0"
# three nodes, two locks: node 0 may take both, the others lock 0
THREE="-DNODES=3 -DLOCKS=2 -DROLES -DACQS=2 -DACQS1=2 -DRELS=0 -DRELS1=0 -DTMAX=6 -DDRIFT=0 -DFREEZES=1 -DCRASHES=0 -DFAILS=0 -DTMOS=0 -DLATES=0"
# named locks (names.pml), 3 records, a and b start at record 0, c at 1:
# node 0 creates twice and deletes once, node 1 creates, looks up and
# takes a record by number; the same with an admin break (no numbered
# acquire); three nodes, a and b: node 0 creates, deletes and looks up,
# the others create
NAMES="-DNNAMES=3 -DCR=2 -DDL=1 -DLK=0 -DAQ=0 -DCR1=1 -DDL1=0 -DLK1=1 -DAQ1=1"
NBREAK="-DNNAMES=3 -DCR=2 -DDL=1 -DLK=0 -DAQ=0 -DCR1=1 -DDL1=0 -DLK1=1 -DAQ1=0 -DBREAKS=1"
NAMES3="-DNODES=3 -DNNAMES=2 -DCR=1 -DDL=1 -DLK=1 -DAQ=0 -DCR1=1 -DDL1=0 -DLK1=0 -DAQ1=0"
# the two longest first, so that two at a time end together; the small
# names.pml ones last
CONFIGS=(
	"three-suspend|ok|$THREE -DSUSPEND"
	"three-pause|ok|$THREE"
	"pause|ok|$PAUSE"
	"faults|ok|$FAULTS"
	"crash|ok|$CRASH"
	"suspend|ok|$SUSP"
	"healthy|ok|$HEALTHY"
	"late|ok|$LATE"
	"validate|ok|$VALIDATE"
	"restart|ok|$RESTART"
	"liveness|ok|$LIVE"
	"mutant-nonatomic-caw|bug|$FAULTS -DMUT_NONATOMIC_CAW"
	"mutant-epoch-after-caw|bug|$PAUSE -DMUT_EPOCH_AFTER_CAW"
	"mutant-live-old-inc|bug|$PAUSE -DMUT_LIVE_OLD_INC"
	"mutant-no-evict|bug|$SUSP -DMUT_NO_EVICT"
	"mutant-sight-at-submit|bug|$PAUSE -DMUT_SIGHT_AT_SUBMIT"
	"mutant-watch-after-read-no-evict|bug|$PAUSE -DMUT_WATCH_AFTER_READ -DMUT_NO_EVICT"
	"mutant-no-guess-reap|bug|$LATE -DMUT_NO_GUESS_REAP"
	"mutant-reap-early|bug|$LATE -DMUT_REAP_EARLY"
	"mutant-reap-any|bug|$LATE -DMUT_REAP_ANY"
	"mutant-reap-slow|bug|$LATE -DMUT_REAP_SLOW"
	"mutant-attach-old-inc|bug|$RESTART -DMUT_ATTACH_OLD_INC"
	"mutant-validate-mem|bug|$VALIDATE -DMUT_VALIDATE_MEM"
	"mutant-watch-forget|bug|$LIVE -DMUT_WATCH_FORGET"
	"witness-takeover|seen|$PAUSE -DWITNESS=6"
	"witness-refused|seen|$SUSP -DWITNESS=7"
	"witness-reap-frees|seen|$LATE -DWITNESS=2"
	"witness-acquire-lands-late|seen|$LATE -DWITNESS=8"
	"witness-validate-lost|seen|$VALIDATE -DWITNESS=3"
	"witness-attach-late|seen|$RESTART -DWITNESS=1"
	"witness-three-evict-other|seen|$THREE -DWITNESS=5"
	"witness-three-lose-two|seen|$THREE -DWITNESS=4"
	"witness-three-takeover|seen|$THREE -DWITNESS=6"
	"names|ok|$NAMES|names.pml"
	"names-break|ok|$NBREAK|names.pml"
	"names-three|ok|$NAMES3|names.pml"
	"names-past-tomb|ok|$NAMES -DPAST_OWN_TOMB|names.pml"
	"mutant-names-create-in-tomb|bug|$NAMES -DMUT_CREATE_IN_TOMB|names.pml"
	"mutant-names-skip-held|bug|$NAMES -DMUT_SKIP_HELD|names.pml"
	"mutant-names-stop-at-tomb|bug|$NAMES -DMUT_STOP_AT_TOMB|names.pml"
	"mutant-names-cached-compare|bug|$NAMES -DMUT_CACHED_COMPARE|names.pml"
	"mutant-names-break-to-empty|bug|$NBREAK -DMUT_BREAK_TO_EMPTY|names.pml"
	"witness-names-race|seen|$NAMES -DWITNESS=1|names.pml"
	"witness-names-revive|seen|$NAMES -DWITNESS=2|names.pml"
)
DEPTH=200000
PAN_LIMIT=${BLKLOCK_MODEL_LIMIT:-900}	# seconds one search may take

# split_flags FLAGS: CFL, the -D flags compiled into pan; MUTV and WITV,
# the variant (the sum of the M_ values of its -DMUT_X) and the witness
# (-DWITNESS=k) that pan reads from its environment (the init of the
# model $PML)
split_flags() {
	local f v
	CFL=()
	MUTV=0
	WITV=0
	for f in $1; do
		case $f in
		-DMUT_*)
			v=$(awk -v n="M_${f#-DMUT_}" '$1 == "#define" && $2 == n { print $3 }' "$PML")
			[ -n "$v" ] || return 1
			MUTV=$((MUTV + v)) ;;
		-DWITNESS=*) WITV=${f#-DWITNESS=} ;;
		*) CFL+=("$f") ;;
		esac
	done
}
bindir() { echo "$OUT/bin-$(echo "$(basename "$PML") ${CFL[*]}" | sha256sum | cut -c1-12)"; }

# build FLAGS: one pan per configuration, shared by its variants and
# witnesses
build() {
	local dir
	split_flags "$1" || return 0
	dir=$(bindir)
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$PML" "$dir/"
	(cd "$dir" && spin -a "${CFL[@]}" "$(basename "$PML")" > spin.log 2>&1 &&
		gcc -O2 -DSAFETY -DHC4 -DMEMLIM=2048 -o pan pan.c > gcc.log 2>&1) || true
}

# check NAME EXPECT FLAGS: prints the result lines into $OUT/NAME.res
check() {
	local name=$1 expect=$2 flags=$3 dir=$OUT/$1 bin t0 t1 errs states depth mem secs what
	rm -rf "$dir"
	mkdir -p "$dir"
	{
		if ! split_flags "$flags"; then
			fail "model/$name" "a -DMUT_ flag with no M_ value in $(basename "$PML"): $flags"
			return 0
		fi
		bin=$(bindir)
		if [ ! -x "$bin/pan" ]; then
			fail "model/$name" "spin or gcc failed: $(tail -n1 "$bin"/*.log | tr '\n' ' ')"
			return 0
		fi
		export BLKLOCK_MUT=$MUTV BLKLOCK_WITNESS=$WITV
		t0=$(date +%s.%N)
		# -E: a run cut at TMAX may stop in the middle of an operation;
		# property 6 is the assertion in env() instead
		(cd "$dir" && timeout "$PAN_LIMIT" "$bin/pan" -E -m"$DEPTH" > pan.log 2>&1) || true
		t1=$(date +%s.%N)
		secs=$(echo "$t1 - $t0" | bc | awk '{ printf "%.1f", $1 }')
		errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log" | tail -n1)
		states=$(awk '/states, stored/ { print $1 }' "$dir/pan.log" | tail -n1)
		depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$dir/pan.log" | tail -n1)
		mem=$(awk '/total actual memory usage/ { print $1 }' "$dir/pan.log" | tail -n1)
		what=$(grep -m1 -E 'assertion violated|invalid end state|acceptance cycle' "$dir/pan.log" |
			sed 's/^pan:[0-9]*: *//; s/ (at depth.*//' || true)
		if [ -z "$errs" ]; then
			fail "model/$name" "pan did not finish (limit $PAN_LIMIT s): $(tail -n2 "$dir/pan.log" | tr '\n' ' ')"
			return 0
		fi
		if grep -q 'max search depth too small' "$dir/pan.log"; then
			fail "model/$name" "search cut at depth $DEPTH: not exhaustive"
			return 0
		fi
		if grep -q 'MEMLIM' "$dir/pan.log" || grep -q 'out of memory' "$dir/pan.log"; then
			fail "model/$name" "out of memory: not exhaustive"
			return 0
		fi
		if [ "$errs" != 0 ]; then
			(cd "$dir" && "$bin/pan" -r > "$OUT/$name.trail.txt" 2>&1) || true
			grep -E '^ *t=[0-9]+ ' "$OUT/$name.trail.txt" | sed 's/^ *//' > "$OUT/$name.steps.txt" || true
		fi
		case $expect/$errs in
		ok/0) pass "model/$name" ;;
		ok/*) fail "model/$name" "${what:-error} (trail: out/model/$name.trail.txt)" ;;
		bug/0) fail "model/$name" "no counterexample" ;;
		bug/*) pass "model/$name: counterexample found (${what:-error})" ;;
		seen/0) fail "model/$name" "never reached: the configuration does not cover it" ;;
		seen/*) pass "model/$name: reached (trail: out/model/$name.steps.txt)" ;;
		esac
		echo "figure model/$name: $states states, depth $depth, $mem MB, $secs s"
	} > "$OUT/$name.res"
}

want=("$@")
selected() {
	local w
	((${#want[@]} == 0)) && return 0
	for w in "${want[@]}"; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

command -v spin > /dev/null || { fail model "spin is not installed (tools/testing/setup.sh installs it)"; exit 1; }
start=$(date +%s)
# two at a time: first one pan per configuration, then every entry
declare -A built=()
names=()
running=0
for phase in build check; do
	for c in "${CONFIGS[@]}"; do
		IFS='|' read -r name expect flags model <<< "$c"
		selected "$name" || continue
		PML=$HERE/${model:-blklock.pml}
		if [ $phase = build ]; then
			split_flags "$flags" || continue
			[ -z "${built[$PML ${CFL[*]}]:-}" ] || continue
			built[$PML ${CFL[*]}]=1
			build "$flags" &
		else
			names+=("$name")
			check "$name" "$expect" "$flags" &
		fi
		running=$((running + 1))
		if ((running >= 2)); then
			wait -n || true
			running=$((running - 1))
		fi
	done
	wait || true
	running=0
done
rc=0
for name in "${names[@]}"; do
	cat "$OUT/$name.res"
	grep -q '^FAIL' "$OUT/$name.res" && rc=1
done
echo "figure model/total: $(($(date +%s) - start)) s"
exit $rc
