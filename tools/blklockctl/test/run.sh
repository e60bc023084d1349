#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of blklockctl, no kernel module needed: usage errors and
# exit codes, the missing /dev/blklock, dump of lockspace images written
# by mkimage, and, through fake-blklock.so (an LD_PRELOAD stand-in for the
# device), command lists, holding until a signal or end of input,
# contention between processes, run (the command inherits the file and
# keeps the lock; SIGTERM then SIGKILL on a lost lock), lost locks, -E,
# status of one lock and of the whole lockspace, --json (every line
# through python3 -m json.tool, fields compared exactly), break and format
# over a lockspace, requests (request, status's "requested", run
# --on-request, dump of request blocks), paths (add-path and its errors,
# the path lines of status from a fake sysfs tree, $BLKLOCK_SYSFS); plus
# the man page through groff and the 64/32-bit uapi layout.
#
#   run.sh OUTDIR SRCDIR     (make check builds OUTDIR's programs first)
#
# Prints PASS/FAIL/SKIP blklockctl/<name> lines and a summary; exits 1 if
# anything failed.
# pass/fail always return 0, so "A && pass || fail" is an if-then-else;
# single quotes hold words for the shell of run to expand.
# shellcheck disable=SC2015,SC2016
set -u
OUT=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
BLC=$OUT/blklockctl
SHIM=$OUT/fake-blklock.so
T=$(mktemp -d "${TMPDIR:-/tmp}/blklockctl-test.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
npass=0 nfail=0 nskip=0

pass() { echo "PASS blklockctl/$1"; npass=$((npass + 1)); }
fail() { echo "FAIL blklockctl/$1: $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP blklockctl/$1: $2"; nskip=$((nskip + 1)); }

# t NAME RC [PATTERN...] -- blklockctl-args: run blklockctl (without the
# fake), expect exit code RC and each PATTERN (grep -E) in stdout+stderr.
t() {
	local name=$1 want=$2 pats=() rc
	shift 2
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	"$BLC" "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	check_result "$name" "$want" "$rc" "${pats[@]}"
}

# f NAME RC [PATTERN...] -- blklockctl-args: the same through the fake device.
f() {
	local name=$1 want=$2 pats=() rc
	shift 2
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	"${FAKE[@]}" "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	check_result "$name" "$want" "$rc" "${pats[@]}"
}

check_result() {
	local name=$1 want=$2 rc=$3 p
	shift 3
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, expected $want: $(head -c 300 "$T/err" | tr '\n' ' ')"
		return 1
	fi
	for p in "$@"; do
		if ! cat "$T/out" "$T/err" | grep -qE -- "$p"; then
			fail "$name" "no '$p' in: $(cat "$T/out" "$T/err" | head -c 300 | tr '\n' '|')"
			return 1
		fi
	done
	pass "$name"
}

# jcheck NAME FILE PY-EXPR: every line of FILE is a JSON object (checked
# with python3 -m json.tool --json-lines) and PY-EXPR is true, L being the
# list of the objects and E the environment.
jcheck() {
	local name=$1 file=$2 expr=$3 err
	if ! command -v python3 > /dev/null; then
		skip "$name" "no python3"
		return
	fi
	if ! err=$(python3 -m json.tool --json-lines < "$file" 2>&1 > /dev/null); then
		fail "$name" "not JSON lines ($err): $(head -c 300 "$file" | tr '\n' '|')"
	elif python3 -c 'import json, os, sys
L = [json.loads(l) for l in open(sys.argv[1])]
E = os.environ
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$file" "$expr"; then
		pass "$name"
	else
		fail "$name" "not true: $expr: $(head -c 400 "$file" | tr '\n' '|')"
	fi
}

# The fake device: every call gets a fresh environment of its own.
export FAKE_BLKLOCK_DIR=$T/dev
mkdir -p "$FAKE_BLKLOCK_DIR"
# A command, not a function: "${FAKE[@]} ... &" must leave blklockctl
# itself as the background job, so that $! and signals reach it.
FAKE=(env LD_PRELOAD="$SHIM" "$BLC" -c /fake/blklock)

# wait_for FILE PATTERN: until FILE holds PATTERN (10 s at most).
wait_for() {
	local i=0
	while [ $i -lt 100 ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

ms() { date +%s%3N; }

# ---- no device needed ---------------------------------------------------

t help 0 '^Usage: blklockctl' 'Exit status' 'run LOCK' -- --help
t help-short 0 '^Usage: blklockctl' -- -h
t help-break 0 '^  break LOCK  +free a record nobody can release' 'break refused' -- --help
t version 0 '^blklockctl [0-9.]+ \(on-disk format [0-9]+\)$' -- --version
if [ -s "$T/err" ]; then fail help-stderr "help wrote to stderr"; fi
# --help comes from the command table: every command, its options, the globals.
t help-table 0 '^  acquire LOCK \[--nowait \| --timeout=MS\] +take a lock \(waits by default\)$' \
	'^  status \[LOCK\] +LOCK: one line: its owner, whether that node$' \
	'^  run LOCK \[--nowait \| --timeout=MS\] \[--kill-after=MS\]$' \
	'^      \[--on-request=SIGNAL\] -- CMD \[ARG\]\.\.\.$' \
	'^ {43}--on-request: send CMD SIGNAL once when$' \
	'^  request LOCK +ask the holder of a lock to release it: its$' \
	'^ {43}SIGKILL after --kill-after \(default 5000 ms\);$' \
	'^  format DISK \[--locks=N\] \[--force\] \[--uuid=UUID\] \[--max-nodes=N\]$' \
	'^  dump DISK \[--no-wait\] +show the raw blocks' \
	'^       blklockctl \[OPTIONS\] dump DISK \[--no-wait\]$' \
	'^  -E, --conflict-exit-code N  exit status \(0\.\.255, default 1\)' \
	'^  -J, --json +print one JSON object per line' \
	'^  add-path DISK +give the lockspace another path to its LUN:$' \
	'^ {43}a dm-multipath DISK: through its SCSI disks,$' \
	'^ {43}without LOCK: its paths to the disk, every$' -- --help
missing=
for c in acquire release status validate break request lookup delete info sleep run format dump attach add-path; do
	grep -qE "^  $c( |$)" "$T/out" || missing="$missing $c"
done
[ -z "$missing" ] && pass help-lists-every-command || fail help-lists-every-command "no line for:$missing"

U=(-c /nonexistent/blklock)	# a usage error must not even open the device
t usage-no-command 2 'no command given' -- "${U[@]}"
t usage-unknown-option 2 "unrecognized option|invalid option" "Try 'blklockctl --help'" -- "${U[@]}" --bogus acquire 1
t usage-unknown-command 2 "unknown command 'frob'" -- "${U[@]}" frob 1
t usage-option-after-commands 2 'options go before the commands' -- "${U[@]}" acquire 1 -q
t usage-lock-too-big 2 'lock number from 0 to 1048575' -- "${U[@]}" acquire 1048576
t usage-lock-max-ok-parse 3 'ENOENT' -- "${U[@]}" acquire 1048575
t usage-lock-negative 2 'lock number' -- "${U[@]}" acquire -1
t usage-lock-plus 2 'lock number' -- "${U[@]}" status +1
t usage-lock-space 2 'lock number' -- "${U[@]}" status ' 1'
t usage-lock-trailing 2 'lock number' -- "${U[@]}" release 1x
t usage-lock-hex 2 'lock number' -- "${U[@]}" release 0x1
t usage-lock-empty 2 'lock number' -- "${U[@]}" release ''
t usage-lock-huge 2 'lock number' -- "${U[@]}" release 99999999999999999999999
t usage-lock-missing 2 'acquire needs a LOCK' -- "${U[@]}" acquire
t usage-break-no-lock 2 'break needs a LOCK' -- "${U[@]}" break
t usage-break-bad-lock 2 "^blklockctl: break needs a lock number from 0 to 1048575, not '0x7'\$" -- "${U[@]}" break 0x7
t usage-break-before-status 2 '^blklockctl: break needs a LOCK$' -- "${U[@]}" status break
t usage-timeout-zero 2 '--timeout needs a number of ms from 1 to 86400000' -- "${U[@]}" acquire 1 --timeout 0
t usage-timeout-too-big 2 '--timeout needs' -- "${U[@]}" acquire 1 --timeout 86400001
t usage-timeout-missing 2 '--timeout needs' -- "${U[@]}" acquire 1 --timeout
# Options of a command: --opt=VALUE as well as --opt VALUE.
t usage-timeout-eq-zero 2 '^blklockctl: --timeout needs a number of ms from 1 to 86400000$' -- "${U[@]}" acquire 1 --timeout=0
t usage-timeout-eq-empty 2 '^blklockctl: --timeout needs a number of ms' -- "${U[@]}" acquire 1 --timeout=
t usage-timeout-eq-ok-parse 3 'ENOENT' -- "${U[@]}" acquire 1 --timeout=5 run 2 --timeout=86400000 --kill-after=0 -- true
t usage-nowait-value 2 '^blklockctl: --nowait takes no value$' -- "${U[@]}" acquire 1 --nowait=1
t usage-nowait-timeout-eq 2 'exclude each other' -- "${U[@]}" acquire 1 --timeout=5 --nowait
t usage-command-unknown-option 2 "^blklockctl: acquire: unknown option '--bogus' \(blklockctl's own options go before the commands\)$" -- "${U[@]}" acquire 1 --bogus
t usage-global-after-command 2 "^blklockctl: status: unknown option '--json' " -- "${U[@]}" status --json
t usage-option-of-other-command 2 "^blklockctl: release: unknown option '--timeout=5' " -- "${U[@]}" release 1 --timeout=5
t usage-kill-after-bad 2 '^blklockctl: --kill-after needs a number of ms from 0 to 86400000$' -- "${U[@]}" run 1 --kill-after=x -- true
t usage-kill-after-missing 2 '^blklockctl: --kill-after needs' -- "${U[@]}" run 1 --kill-after
t usage-run-kill-after-no-cmd 2 '^blklockctl: run needs LOCK \[--nowait \| --timeout=MS\] \[--kill-after=MS\] \[--on-request=SIGNAL\] -- CMD \[ARG\]\.\.\.$' -- "${U[@]}" run 1 --kill-after=5
t usage-format-locks-eq 2 '^blklockctl: --locks needs a number from 1 to 1048576$' -- "${U[@]}" format /dev/a --locks=0
t usage-format-uuid-eq 2 '^blklockctl: --uuid needs a uuid' -- "${U[@]}" format --uuid=xyz /dev/a
t usage-format-force-value 2 '^blklockctl: --force takes no value$' -- "${U[@]}" format /dev/a --force=yes
# -E/--conflict-exit-code N, 0..255 as in flock(1).
t usage-conflict-code-too-big 2 '^blklockctl: --conflict-exit-code needs a number from 0 to 255$' -- "${U[@]}" -E 256 acquire 1
t usage-conflict-code-not-number 2 '^blklockctl: --conflict-exit-code needs' -- "${U[@]}" --conflict-exit-code=x acquire 1
t usage-conflict-code-usage-unchanged 2 'lock number' -- "${U[@]}" -E 9 acquire 1x
t usage-conflict-code-error-unchanged 3 'ENOENT' -- "${U[@]}" -E 9 acquire 1

# dump reads the disk itself, without the module.
t dump-usage-no-disk 2 '^blklockctl: dump needs a DISK$' -- dump
t dump-usage-bad-option 2 "^blklockctl: dump: unknown option '--bogus'" -- dump /dev/null --bogus
t dump-usage-two-disks 2 '^blklockctl: dump takes one DISK$' -- dump /dev/null /dev/zero
t dump-with-device 2 '^blklockctl: dump takes its DISK as an argument, not --device$' -- --device /dev/sda --node 1 dump /dev/sda
t dump-in-list 2 'dump must be the only command' -- "${U[@]}" info dump /dev/sda
t dump-missing 3 'blklockctl: /nonexistent/disk: No such file or directory' -- dump /nonexistent/disk
t dump-char-device 3 'not a block device or an image file' -- dump /dev/null
head -c 1048576 /dev/zero > "$T/zero.img"
t dump-zero-image 3 'block 0 is not a valid blklock header: no blklock magic' -- dump "$T/zero.img"
: > "$T/empty.img"
t dump-empty-image 3 'cannot read block 0: empty' -- dump "$T/empty.img"

# dump of a lockspace image (test/mkimage): node 2 renews, node 3 was
# evicted by another node (slot flag EVICTED, 0x2), node 4 left; lock 7
# is node 3's at the incarnation it was evicted with, lock 8 an older
# incarnation of node 3, lock 9 node 2's, lock 10 node 4's.
MKIMAGE=$OUT/mkimage
# expect_after FILE LINE-PATTERN NEXT-LINE-PATTERN: the line after the
# first line matching LINE-PATTERN matches NEXT-LINE-PATTERN.
expect_after() {
	grep -A1 -E -- "$2" "$1" | sed -n 2p | grep -qE -- "$3"
}
IMG=$T/space.img
"$MKIMAGE" "$IMG" --locks 16 --nodes 8 --heartbeat 100 --lease 400 \
	--slot 2:0x222:10 --slot 3:0x333:41:0x2 --slot 4:0x444:5:0x1 \
	--lock 7:3:12:0x333 --lock 8:3:4:0x300 --lock 9:2:3:0x222 --lock 10:4:2:0x444
t dump-evicted 0 '^node 3 incarnation 0000000000000333 counter 41 flags evicted: another node found it unchanged for a lease and marked it; its locks may be broken$' \
	'^node 4 incarnation 0000000000000444 counter 5 left \(detached cleanly\)$' \
	'^lock 7 owner 3 generation 12 incarnation 0000000000000333 ' \
	'^locks: 4 held, 12 free, 0 damaged, highest generation 12$' -- dump --no-wait "$IMG"
cp "$T/out" "$T/dump.out"
expect_after "$T/dump.out" '^lock 7 owner' '^    owner evicted: the lock may be broken \(another node found its heartbeat$' &&
	pass dump-evicted-owner-verdict || fail dump-evicted-owner-verdict "$(grep -A2 '^lock 7 owner' "$T/dump.out" | tr '\n' '|')"
expect_after "$T/dump.out" '^lock 8 owner' '^    owner restarted with another incarnation: the record is stale' &&
	pass dump-evicted-older-incarnation || fail dump-evicted-older-incarnation "$(grep -A1 '^lock 8 owner' "$T/dump.out" | tr '\n' '|')"
expect_after "$T/dump.out" '^lock 10 owner' '^    owner has detached: the record is stale' &&
	pass dump-left-owner || fail dump-left-owner "$(grep -A1 '^lock 10 owner' "$T/dump.out" | tr '\n' '|')"
if ! grep -q DAMAGED "$T/dump.out"; then pass dump-evicted-not-damaged; else fail dump-evicted-not-damaged "$(grep DAMAGED "$T/dump.out")"; fi
# Sampled (150 ms here): an evicted slot stays evicted, a still one is not renewing.
t dump-evicted-sampled 0 '^sampling the heartbeat slots for 150 ms\.\.\.$' \
	'^node 3 incarnation 0000000000000333 counter 41 flags evicted: ' \
	'^node 2 incarnation 0000000000000222 counter 10 NOT RENEWING \(unchanged for [0-9]+ ms\)' -- dump "$IMG"
"$MKIMAGE" "$T/badflag.img" --nodes 4 --slot 3:0x333:41:0x4 --slot 2:0x222:1:0x3
t dump-unknown-slot-flag 0 '^node 3 slot DAMAGED: checksum ok but impossible fields$' \
	'^node 2 incarnation 0000000000000222 counter 1 flags detached,evicted: ' -- dump --no-wait "$T/badflag.img"
# Format 3: names after the slots, shown next to the node ids; format 2
# has no room for one (a slot with a name is damaged there), and a
# format 2 lockspace without names is read as before.
"$MKIMAGE" "$T/named.img" --nodes 4 --slot 2:0x222:10 --name 2:host-b.example \
	--slot 3:0x333:7 --lock 9:2:3:0x222
t dump-names 0 '^node 2 \(host-b\.example\) incarnation 0000000000000222 counter 10 renewed ' \
	'^node 3 incarnation 0000000000000333 counter 7 renewed ' \
	'^lock 9 owner 2 \(host-b\.example\) generation 3 incarnation 0000000000000222 ' -- dump --no-wait "$T/named.img"
t dump-names-json 0 '"name":"host-b.example"' '"owner_name":"host-b.example"' -- --json dump --no-wait "$T/named.img"
"$MKIMAGE" "$T/v2named.img" --version 2 --nodes 4 --slot 2:0x222:10 --name 2:host-b
t dump-v2-name-damaged 0 '^node 2 slot DAMAGED: checksum ok but impossible fields$' -- dump --no-wait "$T/v2named.img"
"$MKIMAGE" "$T/v2.img" --version 2 --nodes 4 --slot 2:0x222:10 --lock 9:2:3:0x222
t dump-v2 0 '^/.*: blklock lockspace, format 2, ' '^node 2 incarnation 0000000000000222 counter 10 renewed ' \
	'^lock 9 owner 2 generation 3 ' -- dump --no-wait "$T/v2.img"
"$MKIMAGE" "$T/badname.img" --nodes 4 --slot 2:0x222:10 --name '2:host b'
t dump-bad-name-damaged 0 '^node 2 slot DAMAGED: checksum ok but impossible fields$' -- dump --no-wait "$T/badname.img"
"$MKIMAGE" "$T/damaged.img" --damage 5
t dump-damaged-record 3 '^lock 5 \(LBA 22\) DAMAGED: checksum mismatch' -- dump --no-wait "$T/damaged.img"
# Format 4: lock names after the records, tombstones of deleted names.
# Lock 5 is named and free, 6 a deleted name's tombstone, 7 named and
# held by node 3, 9 a tombstone without a name (left by a repair).
"$MKIMAGE" "$T/lnames.img" --nodes 4 --slot 3:0x333:7 --name 3:host-c \
	--lock 7:3:12:0x333 --lock-name 7:db-main --lock-name 5:jobs \
	--lock-name 6:old --tombstone 6 --tombstone 9 --lock 11:2:3:0x222
t dump-lock-names 0 '^/.*: blklock lockspace, format 4, ' \
	'^lock 5 \(jobs\) free generation 0$' \
	'^lock 6 \(old\) deleted free generation 0$' \
	'^lock 7 \(db-main\) owner 3 \(host-c\) generation 12 incarnation 0000000000000333 ' \
	'^lock 9 deleted free generation 0$' \
	'^lock 11 owner 2 generation 3 incarnation 0000000000000222 ' \
	'^locks: 2 held, 14 free, 0 damaged, highest generation 12$' \
	'^names: 2 named, 2 deleted$' -- dump --no-wait "$T/lnames.img"
cp "$T/out" "$T/lnames.out"
expect_after "$T/lnames.out" '^lock 7 \(db-main\) owner' "^    owner's heartbeat not sampled \\(--no-wait\\)" &&
	[ "$(grep -c '^lock ' "$T/lnames.out")" = 5 ] && ! grep -q DAMAGED "$T/lnames.out" &&
	pass dump-lock-names-only-those || fail dump-lock-names-only-those "$(grep '^lock ' "$T/lnames.out" | tr '\n' '|')"
t json-dump-lock-names 0 -- -J dump --no-wait "$T/lnames.img"
jcheck json-dump-lock-names "$T/out" 'len(L) == 1 and L[0]["format"] == 4 and [{k: v for k, v in r.items() if k not in ("incarnation", "acquired_ns")} for r in L[0]["records"]] == [
{"lock": 5, "lba": 14, "name": "jobs", "owner": 0, "generation": 0},
{"lock": 6, "lba": 15, "name": "old", "deleted": True, "owner": 0, "generation": 0},
{"lock": 7, "lba": 16, "name": "db-main", "owner": 3, "owner_name": "host-c", "generation": 12, "verdict": "not-sampled"},
{"lock": 9, "lba": 18, "deleted": True, "owner": 0, "generation": 0},
{"lock": 11, "lba": 20, "owner": 2, "owner_name": None, "generation": 3, "verdict": "never-heartbeat"}] and
(L[0]["held"], L[0]["free"], L[0]["damaged"], L[0]["named"], L[0]["deleted"]) == (2, 14, 0, 2, 2)'
# A name that breaks the rules is a damaged record: a space, 64
# characters (no NUL), a bad checksum, bytes after the NUL, a flag other
# than DELETED; and in format 3 any name or flag at all.
long64=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
"$MKIMAGE" "$T/badlname.img" --nodes 4 --lock-name '2:a b' --lock-name "3:$long64" \
	--lock-name 4:ok --damage-name 4 --lock-name 5:tail --bad-padding 5 \
	--lock-name 6:fine --lock-flags 8:0x2 --lock-name 9:0k
t dump-lock-name-damaged 3 '^lock 2 \(LBA 11\) DAMAGED: checksum ok but impossible fields; ' \
	'^lock 3 \(LBA 12\) DAMAGED: checksum ok but impossible fields; ' \
	'^lock 4 \(LBA 13\) DAMAGED: checksum mismatch \(torn or damaged block\); ' \
	'^lock 5 \(LBA 14\) DAMAGED: checksum ok but impossible fields; ' \
	'^lock 6 \(fine\) free generation 0$' \
	'^lock 8 \(LBA 17\) DAMAGED: checksum ok but impossible fields; ' \
	'^lock 9 \(0k\) free generation 0$' \
	'^locks: 0 held, 11 free, 5 damaged, highest generation 0$' \
	'^names: 2 named, 0 deleted$' -- dump --no-wait "$T/badlname.img"
"$MKIMAGE" "$T/v3lname.img" --version 3 --nodes 4 --lock-name 2:jobs --tombstone 3 --lock 4:2:5:0x222
t dump-v3-lock-name-damaged 3 '^/.*: blklock lockspace, format 3, ' \
	'^lock 2 \(LBA 7\) DAMAGED: checksum ok but impossible fields; ' \
	'^lock 3 \(LBA 8\) DAMAGED: checksum ok but impossible fields; ' \
	'^lock 4 owner 2 generation 5 ' '^locks: 1 held, 13 free, 2 damaged' -- dump --no-wait "$T/v3lname.img"
# A format 3 lockspace without lock names still dumps as before: no names line.
"$MKIMAGE" "$T/v3.img" --version 3 --nodes 4 --slot 2:0x222:10 --name 2:host-b --lock 9:2:3:0x222
t dump-v3 0 '^/.*: blklock lockspace, format 3, ' '^node 2 \(host-b\) incarnation 0000000000000222 counter 10 renewed ' \
	'^lock 9 owner 2 \(host-b\) generation 3 ' '^locks: 1 held, 15 free, 0 damaged, highest generation 3$' -- dump --no-wait "$T/v3.img"
! grep -q '^names:' "$T/out" && pass dump-v3-no-names-line || fail dump-v3-no-names-line "$(grep '^names:' "$T/out")"
t json-dump-v3 0 -- -J dump --no-wait "$T/v3.img"
jcheck json-dump-v3 "$T/out" 'L[0]["format"] == 3 and "named" not in L[0] and "deleted" not in L[0] and
L[0]["req_lba"] == 0 and L[0]["lock_lba"] == 5 and "requests" not in L[0] and
L[0]["records"] == [{"lock": 9, "lba": 14, "owner": 2, "owner_name": "host-b", "generation": 3, "incarnation": "0000000000000222", "acquired_ns": 1700000000000000000, "verdict": "not-sampled"}]'
"$MKIMAGE" "$T/v5.img" --version 5
t dump-v5-refused 3 'on-disk format 5; this blklockctl reads formats 2 to 4$' -- dump --no-wait "$T/v5.img"

# Format 4: a request block per node between the slots and the records.
# Node 2 (host-b, holding lock 7) was asked twice, node 4 ten times (the
# ring keeps the last 8), node 3's block is torn, node 5's names node 6,
# node 6's has the magic and a count of 0 (only a zero block has had no
# request), and node 7's request names generation 0 (no hold has it).
reqs=()
for k in 1 2 3 4 5 6 7 8 9 10; do reqs+=(--request "4:9:2:$k"); done
"$MKIMAGE" "$T/req.img" --nodes 8 --slot 2:0x222:10 --name 2:host-b --slot 3:0x333:7 --name 3:host-c \
	--lock 7:2:12:0x222 --lock 9:4:10:0x444 --request 2:7:3:12 --request 2:7:4:12 \
	--request 3:1:2:5 --damage-req 3 "${reqs[@]}" --req-node 5:6 --req-node 6:6 --request 7:1:2:0
t dump-requests 0 '^  heartbeat slots: 8 at LBA 1\.\.8$' '^  request blocks: 8 at LBA 9\.\.16$' \
	'^  lock records: 16 at LBA 17\.\.32$' \
	'^requests to node 2 \(host-b\): 2$' \
	'^  request 1 lock 7 asker 3 \(host-c\) generation 12 asked 2023-11-14 22:13:21 UTC ' \
	'^  request 2 lock 7 asker 4 generation 12 asked 2023-11-14 22:13:22 UTC ' \
	'^node 3 request block \(LBA 11\) DAMAGED: checksum mismatch \(torn or damaged block\)$' \
	'^requests to node 4: 10, the last 8 kept$' \
	'^  request 3 lock 9 asker 2 \(host-b\) generation 3 asked 2023-11-14 22:13:23 UTC ' \
	'^  request 10 lock 9 asker 2 \(host-b\) generation 10 asked ' \
	'^node 5 request block \(LBA 13\) DAMAGED: checksum ok but impossible fields$' \
	'^node 6 request block \(LBA 14\) DAMAGED: checksum ok but impossible fields$' \
	'^node 7 request block \(LBA 15\) DAMAGED: checksum ok but impossible fields$' \
	'^lock 7 owner 2 \(host-b\) generation 12 ' -- dump --no-wait "$T/req.img"
cp "$T/out" "$T/req.out"
[ "$(grep -c '^  request [0-9]' "$T/req.out")" = 10 ] && [ "$(grep -c '^requests to node ' "$T/req.out")" = 2 ] &&
	! grep -q 'node [18] request' "$T/req.out" && ! grep -q '^  request [12] lock 9 ' "$T/req.out" &&
	pass dump-requests-only-those || fail dump-requests-only-those "$(grep -i request "$T/req.out" | tr '\n' '|')"
# On the disk's order: slots, then request blocks, then records.
[ "$(grep -nE '^(node 3 \(|requests to node 2|lock 7 )' "$T/req.out" | cut -d: -f1 | tr '\n' ' ')" = "$(grep -nE '^(node 3 \(|requests to node 2|lock 7 )' "$T/req.out" | cut -d: -f1 | sort -n | tr '\n' ' ')" ] &&
	pass dump-requests-order || fail dump-requests-order "$(tr '\n' '|' < "$T/req.out")"
t json-dump-requests 0 -- -J dump --no-wait "$T/req.img"
jcheck json-dump-requests "$T/out" '(L[0]["hb_lba"], L[0]["req_lba"], L[0]["lock_lba"]) == (1, 9, 17) and L[0]["requests"][:2] == [
{"node": 2, "lba": 10, "name": "host-b", "count": 2, "entries": [
 {"request": 1, "lock": 7, "asker": 3, "asker_name": "host-c", "generation": 12, "when_ns": 1700000001000000000},
 {"request": 2, "lock": 7, "asker": 4, "asker_name": None, "generation": 12, "when_ns": 1700000002000000000}]},
{"node": 3, "lba": 11, "damaged": "checksum mismatch (torn or damaged block)"}] and
L[0]["requests"][2]["node"] == 4 and L[0]["requests"][2]["count"] == 10 and [e["request"] for e in L[0]["requests"][2]["entries"]] == list(range(3, 11)) and
[e["generation"] for e in L[0]["requests"][2]["entries"]] == list(range(3, 11)) and
L[0]["requests"][3:] == [{"node": 5, "lba": 13, "damaged": "checksum ok but impossible fields"}, {"node": 6, "lba": 14, "damaged": "checksum ok but impossible fields"},
 {"node": 7, "lba": 15, "damaged": "checksum ok but impossible fields"}] and
[r["lock"] for r in L[0]["records"]] == [7, 9] and L[0]["damaged"] == 0'
# A lockspace without requests: no request lines, an empty array.
t dump-no-requests 0 '^  request blocks: 8 at LBA 9\.\.16$' -- dump --no-wait "$IMG"
! grep -qE '^requests to|request block \(' "$T/out" && pass dump-no-requests-lines || fail dump-no-requests-lines "$(grep -i request "$T/out" | tr '\n' '|')"
t json-dump-no-requests 0 -- -J dump --no-wait "$IMG"
jcheck json-dump-no-requests "$T/out" 'L[0]["requests"] == [] and L[0]["req_lba"] == 9'
# Format 3 has no request blocks: no line for them.
t dump-v3-no-requests 0 '^  heartbeat slots: 4 at LBA 1\.\.4$' '^  lock records: 16 at LBA 5\.\.20$' -- dump --no-wait "$T/v3.img"
! grep -qi request "$T/out" && pass dump-v3-no-request-line || fail dump-v3-no-request-line "$(grep -i request "$T/out")"
# The header places the request blocks between the slots and the records
# (format 4), or has none (req_lba 0, before format 4).
"$MKIMAGE" "$T/reqlba-slots.img" --nodes 8 --req-lba 8
"$MKIMAGE" "$T/reqlba-locks.img" --nodes 8 --req-lba 10
"$MKIMAGE" "$T/reqlba-v3.img" --version 3 --nodes 8 --req-lba 9
"$MKIMAGE" "$T/reqlba-ok.img" --nodes 8 --req-lba 9
for i in slots locks v3; do
	t "dump-req-lba-$i" 3 'block 0 is not a valid blklock header: checksum ok but impossible fields$' -- dump --no-wait "$T/reqlba-$i.img"
	t "probe-req-lba-$i" 1 -- probe "$T/reqlba-$i.img"
done
t dump-req-lba-ok 0 '^  request blocks: 8 at LBA 9\.\.16$' -- dump --no-wait "$T/reqlba-ok.img"

# Lock names on the command line: a bare word that is not a number, or
# --name NAME (-N NAME) for any name; refused ones are usage errors.
t usage-name-64 2 "^blklockctl: acquire --name=$long64: a lock name is 1 to 63 printable ASCII characters, no space \(this one is longer\)\$" -- \
	"${U[@]}" acquire --name "$long64"
t usage-name-64-bare 2 "^blklockctl: acquire needs a lock number from 0 to 1048575 or a lock name, not '$long64': a lock name is 1 to 63 " -- \
	"${U[@]}" acquire "$long64"
t usage-name-63-parses 3 'cannot open /nonexistent/blklock' -- "${U[@]}" acquire --name "${long64%a}"
t usage-name-space 2 "^blklockctl: acquire needs a lock number from 0 to 1048575 or a lock name, not 'a b': a lock name is 1 to 63 printable ASCII characters, no space\$" -- \
	"${U[@]}" acquire 'a b'
t usage-name-opt-space 2 '^blklockctl: release --name=a b: a lock name is 1 to 63 printable ASCII characters, no space$' -- "${U[@]}" release --name 'a b'
t usage-name-tab 2 'a lock name is 1 to 63' -- "${U[@]}" status --name=$'a\tb'
t usage-name-non-ascii 2 'a lock name is 1 to 63' -- "${U[@]}" run $'caf\xc3\xa9' -- true
t usage-name-empty 2 '^blklockctl: --name needs a value$' -- "${U[@]}" acquire --name=
t usage-name-missing 2 '^blklockctl: --name needs a value$' -- "${U[@]}" release -N
t usage-name-and-lock 2 '^blklockctl: release takes a LOCK or --name=NAME, not both$' -- "${U[@]}" release 3 --name db
t usage-name-is-command 2 "^blklockctl: acquire needs a LOCK, not the command 'info' \(a lock of that name goes after --name\)\$" -- "${U[@]}" acquire info
t usage-name-no-lock 2 '^blklockctl: acquire needs a LOCK$' -- "${U[@]}" acquire --nowait
t usage-lookup-number 2 "^blklockctl: lookup needs a lock name, not '42' \(a name that starts with a digit, '\+' or '-' goes after --name\)\$" -- \
	"${U[@]}" lookup 42
t usage-delete-no-name 2 '^blklockctl: delete needs a NAME$' -- "${U[@]}" delete
t usage-delete-command 2 "^blklockctl: delete needs a NAME, not the command 'status'" -- "${U[@]}" delete status
t usage-delete-space 2 "^blklockctl: delete needs a lock name, not 'a b': a lock name is" -- "${U[@]}" delete 'a b'
t usage-name-parses 3 'cannot open /nonexistent/blklock' -- "${U[@]}" acquire db --nowait release -N db \
	status --name=db validate --name 42 break '#x' lookup 'a:b/c' delete --name=-1 \
	request db request -N 7 request 7 run db --timeout=5 -- true
# request LOCK; run --on-request=SIGNAL: a signal name (SIG optional, any
# case) or a number; anything else is a usage error.
t usage-request-no-lock 2 '^blklockctl: request needs a LOCK$' -- "${U[@]}" request
t usage-request-bad-lock 2 "^blklockctl: request needs a lock number from 0 to 1048575, not '0x7'\$" -- "${U[@]}" request 0x7
t usage-request-option 2 "^blklockctl: request: unknown option '--nowait' " -- "${U[@]}" request 7 --nowait
t usage-on-request-parses 3 'cannot open /nonexistent/blklock' -- "${U[@]}" run 1 --on-request=TERM --kill-after=0 \
	--on-request SIGUSR1 --on-request=usr2 --on-request=sigHup --on-request=15 --on-request=64 -- true
for sig in BOGUS SIG 0 65 -15 TERM1 SIGSIGTERM ' TERM' 15x ''; do
	n=${sig:-empty}
	t "usage-on-request-bad-${n// /_}" 2 '^blklockctl: --on-request needs a signal: a name such as TERM, SIGTERM or USR1, or a number from 1 to [0-9]+$' -- \
		"${U[@]}" run 1 "--on-request=$sig" -- true
done
t usage-on-request-missing 2 '^blklockctl: --on-request needs a signal' -- "${U[@]}" run 1 --on-request -- true
t usage-on-request-not-acquire 2 "^blklockctl: acquire: unknown option '--on-request=TERM' " -- "${U[@]}" acquire 1 --on-request=TERM
# add-path DISK: one disk right after it.
t usage-add-path-no-disk 2 '^blklockctl: add-path needs a DISK$' -- "${U[@]}" add-path
t usage-add-path-command 2 '^blklockctl: add-path needs a DISK$' -- "${U[@]}" add-path info
t usage-add-path-empty 2 '^blklockctl: add-path: empty DISK$' -- "${U[@]}" add-path ''
t usage-add-path-option 2 "^blklockctl: add-path: unknown option '--force' " -- "${U[@]}" add-path /dev/sdc --force
t usage-add-path-two 2 "^blklockctl: unknown command '/dev/sdd'\$" -- "${U[@]}" add-path /dev/sdc /dev/sdd
t usage-add-path-parses 3 'cannot open /nonexistent/blklock' -- "${U[@]}" attach /dev/sdb --node=1 --persistent \
	add-path /dev/sdc add-path /dev/sdd info
t usage-name-N-not-attach 2 "unknown command '-N'" -- "${U[@]}" attach /dev/sdb --node=1 -N host
t usage-nowait-and-timeout 2 'exclude each other' -- "${U[@]}" acquire 1 --nowait --timeout 5
t usage-sleep 2 'sleep needs' -- "${U[@]}" sleep
t usage-sleep-too-big 2 'sleep needs' -- "${U[@]}" sleep 86400001
t usage-node-zero 2 'node id from 1 to 2000' -- "${U[@]}" -D /dev/null -n 0 info
t usage-node-too-big 2 'node id from 1 to 2000' -- "${U[@]}" -D /dev/null -n 2001 info
t usage-device-alone 2 'go together' -- "${U[@]}" -D /dev/null info
t usage-node-alone 2 'go together' -- "${U[@]}" --node 3 info
t usage-late-error-checked-first 2 "unknown command 'bogus'" -- "${U[@]}" acquire 1 status 1 bogus
t usage-run-no-cmd 2 'run needs LOCK' -- "${U[@]}" run 1 --
t usage-run-no-dashes 2 'run needs LOCK' -- "${U[@]}" run 1 true
t usage-run-no-lock 2 'run needs' -- "${U[@]}" run
t usage-format-no-disk 2 'format needs a DISK' -- "${U[@]}" format
t usage-format-two-disks 2 'format takes one DISK' -- "${U[@]}" format /dev/a /dev/b
t usage-format-bad-uuid 2 '--uuid needs' -- "${U[@]}" format /dev/a --uuid 0f8a
t usage-format-bad-uuid-dashes 2 '--uuid needs' -- "${U[@]}" format /dev/a --uuid 0f8a1122-3344-4566-8788-99aabbccddeX
t usage-format-locks-zero 2 '--locks needs a number from 1 to 1048576' -- "${U[@]}" format /dev/a --locks 0
t usage-format-locks-too-big 2 '--locks needs' -- "${U[@]}" format /dev/a --locks 1048577
t usage-format-lease-vs-heartbeat 2 'at least 4 times' -- "${U[@]}" format /dev/a --heartbeat 200 --lease 400
t usage-format-unknown-option 2 "format: unknown option '--bogus'" -- "${U[@]}" format /dev/a --bogus
t usage-format-with-device 2 'not --device' -- "${U[@]}" -D /dev/a -n 1 format /dev/a
t usage-format-in-list 2 'format must be the only command' -- "${U[@]}" info format /dev/a

t no-device-enoent 3 '^blklockctl: cannot open /nonexistent/blklock: No such file or directory \(ENOENT\); is the blklock module loaded\?$' -- "${U[@]}" acquire 1
if [ ! -e /dev/blklock ]; then
	t no-device-default-path 3 'cannot open /dev/blklock: .*\(ENOENT\); is the blklock module loaded\?' -- acquire 1 release 1
	t no-device-format 3 'cannot open /dev/blklock: .*\(ENOENT\)' -- format /dev/null
else
	skip no-device-default-path "/dev/blklock exists on this host"
	skip no-device-format "/dev/blklock exists on this host"
fi
t not-a-blklock-device 3 '\(ENOTTY\); not a blklock control device' -- -c /dev/null info

# ---- the man page ----------------------------------------------------------

if command -v groff > /dev/null; then
	w=$(groff -man -Tutf8 -ww -z "$SRC/blklockctl.8" 2>&1)
	if [ -z "$w" ]; then pass man-groff-ww; else fail man-groff-ww "$(echo "$w" | head -n 1)"; fi
else
	skip man-groff-ww "no groff"
fi
if command -v man > /dev/null; then
	w=$(MANWIDTH=80 man --warnings -l "$SRC/blklockctl.8" 2>&1 > /dev/null)
	if [ -z "$w" ]; then pass man-l; else fail man-l "$(echo "$w" | head -n 1)"; fi
else
	skip man-l "no man"
fi

# ---- 64/32-bit uapi layout -------------------------------------------------

"$OUT/abi-sizes64" asserts > "$T/abi64.h"
if ! grep -q '_Static_assert(sizeof(struct blklock_nodes)' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_break) == 48,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(BLKLOCK_IOC_BREAK == ' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_name) == 40,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_name, reserved) == 24 && sizeof(((struct blklock_name \*)0)->reserved) == 16,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_status, name) == 32 && sizeof(((struct blklock_status \*)0)->name) == 8,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_disk_lock_name) == 68,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(BLKLOCK_IOC_NAME == 0xc028b90bUL,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_request) == 40,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(BLKLOCK_IOC_REQUEST == 0xc028b90cUL,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_disk_header, req_lba) == 80 && sizeof(((struct blklock_disk_header \*)0)->req_lba) == 8,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_disk_req, crc) == 212 && ' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_disk_req) == 216,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_disk_req_entry) == 24,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(sizeof(struct blklock_path_add) == 32,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_path_add, path) == 0 && sizeof(((struct blklock_path_add \*)0)->path) == 8,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_path_add, flags) == 8 && sizeof(((struct blklock_path_add \*)0)->flags) == 4,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_path_add, nr_paths) == 12 && sizeof(((struct blklock_path_add \*)0)->nr_paths) == 4,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(offsetof(struct blklock_path_add, reserved) == 16 && sizeof(((struct blklock_path_add \*)0)->reserved) == 16,' "$T/abi64.h" ||
   ! grep -q '_Static_assert(BLKLOCK_IOC_ADD_PATH == 0xc020b90dUL,' "$T/abi64.h"; then
	fail abi-64-32-identical "abi-sizes printed no assertions (or none for struct blklock_break, struct blklock_name, STATUS's name, requests, paths)"
elif ! echo 'int main(void) { return 0; }' > "$T/m32.c" ||
     ! ${CC:-cc} -m32 -c -o "$T/m32.o" "$T/m32.c" 2> /dev/null; then
	skip abi-64-32-identical "no -m32 compiler (gcc-multilib missing?)"
elif ${CC:-cc} -m32 -std=c11 -I"$SRC/../../include/uapi" -fsyntax-only \
	-x c "$T/abi64.h" 2> "$T/abi32.err"; then
	pass abi-64-32-identical
else
	fail abi-64-32-identical "$(grep -m 2 'error' "$T/abi32.err" | tr '\n' ' ')"
fi

# ---- through the fake device -----------------------------------------------

if [ ! -f "$SHIM" ] || ! LD_PRELOAD=$SHIM true 2>/dev/null; then
	skip fake "no $SHIM"
else

# status LOCK of a lock this file holds names this process.
"${FAKE[@]}" acquire 3 status 3 release 3 status 3 > "$T/out" 2> "$T/err" < /dev/null &
pid=$!
wait $pid; rc=$?
printf '%s\n' 'acquired lock 3 generation 1' \
	"lock 3: owner 1 generation 1 held-by-this-file yes held-by-this-node yes; node 1 is this node (heartbeat live): held by this blklockctl (pid $pid)" \
	'released lock 3' \
	'lock 3: owner 0 generation 1 held-by-this-file no held-by-this-node no; free' > "$T/want"
if [ $rc = 0 ] && cmp -s "$T/out" "$T/want" && [ ! -s "$T/err" ]; then pass list-exact; else fail list-exact "exit $rc: $(tr '\n' '|' < "$T/out")"; fi
f generation-grows 0 '^acquired lock 3 generation 2$' -- acquire 3 release 3
f quiet 0 -- -q acquire 3 status 3 release 3 info
if [ ! -s "$T/out" ]; then pass quiet-silent; else fail quiet-silent "stdout: $(head -n 1 "$T/out")"; fi
f info 0 '^node 1$' '^disk fake0$' '^format 4$' '^block-size 512$' '^locks 16$' '^lock-lba 2001$' \
	'^uuid 0f8a1122-3344-4566-8788-99aabbccddee$' -- info
f validate 0 '^valid lock 2 generation 1$' -- acquire 2 validate 2 release 2
f validate-not-held 3 'validate lock 2: Operation not permitted \(EPERM\); this file does not hold that lock' -- validate 2
f release-not-held 3 '^blklockctl: release lock 7: Operation not permitted \(EPERM\); this file does not hold that lock$' -- release 7
f lock-out-of-range 3 'acquire lock 16: Invalid argument \(EINVAL\); lock number beyond the lockspace' -- acquire 16
f acquire-twice 3 '\(EDEADLK\); this file already holds that lock' 'released lock 4' -- acquire 4 acquire 4
f error-releases-earlier 3 '^released lock 1$' -- acquire 1 release 9
f sleep 0 -- sleep 10
grep -q 'ACQUIRE lock=3 flags=0 timeout_ms=0' "$FAKE_BLKLOCK_DIR/log" && pass ioctl-args-acquire ||
	fail ioctl-args-acquire "$(grep ACQUIRE "$FAKE_BLKLOCK_DIR/log" | head -n 1)"

# Attach.
f attach 0 '^node 7$' -- -D /dev/null -n 7 info
grep -q 'ATTACH path=/dev/null node_id=7 flags=0' "$FAKE_BLKLOCK_DIR/log" && pass ioctl-args-attach || fail ioctl-args-attach "not in the log"
f attach-no-disk 3 '^blklockctl: attach /nonexistent/sdz as node 2: No such file or directory \(ENOENT\); no such disk$' -- \
	-D /nonexistent/sdz -n 2 info
FAKE_BLKLOCK_NO_SPACE=1 f no-lockspace 3 \
	'^blklockctl: info: No such device or address \(ENXIO\); no lockspace attached: load blklock with dev= and node_id= or use --device/--node$' -- info
FAKE_BLKLOCK_NO_SPACE=1 f no-lockspace-attached 0 '^node 4$' -- --device /dev/null --node 4 info

# Format.
: > "$FAKE_BLKLOCK_DIR/log"
f format 0 '^formatted /dev/null: 256 locks$' -- format /dev/null --locks 256 --force \
	--uuid 0F8A1122-3344-4566-8788-99aabbccddee --max-nodes 8 --heartbeat 500 --lease 3000
grep -q 'FORMAT path=/dev/null nr_locks=256 flags=1 uuid=0f8a112233444566878899aabbccddee max_node_id=8 hb_interval_ms=500 lease_timeout_ms=3000' \
	"$FAKE_BLKLOCK_DIR/log" && pass ioctl-args-format || fail ioctl-args-format "$(grep FORMAT "$FAKE_BLKLOCK_DIR/log")"
: > "$FAKE_BLKLOCK_DIR/log"
f format-defaults 0 '^formatted /dev/null: 1024 locks$' -- format /dev/null --uuid 0f8a1122334445668788aabbccddeeff
grep -q 'FORMAT path=/dev/null nr_locks=1024 flags=0 uuid=0f8a1122334445668788aabbccddeeff max_node_id=0 hb_interval_ms=0 lease_timeout_ms=0' \
	"$FAKE_BLKLOCK_DIR/log" && pass ioctl-args-format-defaults || fail ioctl-args-format-defaults "$(grep FORMAT "$FAKE_BLKLOCK_DIR/log")"
f format-no-disk 3 'format /nonexistent/sdz: No such file or directory \(ENOENT\); no such disk' -- format /nonexistent/sdz

# Errnos from the kernel: exit codes and hints.
FAKE_BLKLOCK_ACQUIRE_ERRNO=95 f errno-eopnotsupp 3 '\(EOPNOTSUPP\); the disk cannot do COMPARE AND WRITE' -- acquire 1
FAKE_BLKLOCK_ACQUIRE_ERRNO=37 f errno-enolck-exit-5 5 '\(ENOLCK\); the lock is lost' -- acquire 1 --nowait
FAKE_BLKLOCK_ACQUIRE_ERRNO=19 f errno-enodev 3 '\(ENODEV\); the disk is gone' -- acquire 1
FAKE_BLKLOCK_ACQUIRE_ERRNO=13 f errno-eacces 3 '\(EACCES\); permission denied, or a SCSI reservation conflict' -- acquire 1
FAKE_BLKLOCK_ACQUIRE_ERRNO=5 f errno-eio 3 '\(EIO\); a SCSI command failed; see dmesg' -- acquire 1

# Holding until a signal, until end of input.
"${FAKE[@]}" acquire 3 > "$T/hold1" 2>&1 &
pid=$!
if wait_for "$T/hold1" '^holding lock 3 until SIGINT/SIGTERM$'; then pass hold-one-line; else fail hold-one-line "$(tr '\n' '|' < "$T/hold1")"; fi
kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 0 ] && grep -q '^released lock 3$' "$T/hold1"; then pass hold-sigterm-exit-0; else fail hold-sigterm-exit-0 "exit $rc: $(tr '\n' '|' < "$T/hold1")"; fi

"${FAKE[@]}" acquire 3 acquire 4 > "$T/hold2" 2>&1 &
pid=$!
wait_for "$T/hold2" '^holding 2 locks until SIGINT/SIGTERM$' && pass hold-two-line || fail hold-two-line "$(tr '\n' '|' < "$T/hold2")"
kill -INT $pid; wait $pid; rc=$?
if [ $rc = 0 ] && [ "$(grep '^released' "$T/hold2" | tr '\n' ' ')" = "released lock 4 released lock 3 " ]; then
	pass hold-sigint-releases-newest-first
else
	fail hold-sigint-releases-newest-first "exit $rc: $(tr '\n' '|' < "$T/hold2")"
fi

echo x | "${FAKE[@]}" --until-eof acquire 2 > "$T/eof" 2>&1; rc=$?
if [ $rc = 0 ] && grep -q '^holding lock 2 until end of input$' "$T/eof" && grep -q '^released lock 2$' "$T/eof"; then
	pass until-eof
else
	fail until-eof "exit $rc: $(tr '\n' '|' < "$T/eof")"
fi
( sleep 0.5; echo more ) | "${FAKE[@]}" -e acquire 2 acquire 5 > "$T/eof2" 2>&1; rc=$?
if [ $rc = 0 ] && grep -q '^holding 2 locks until end of input$' "$T/eof2" && [ "$(grep -c '^released' "$T/eof2")" = 2 ]; then
	pass until-eof-pipe
else
	fail until-eof-pipe "exit $rc: $(tr '\n' '|' < "$T/eof2")"
fi
mkfifo "$T/fifo"
"${FAKE[@]}" -e acquire 6 < "$T/fifo" > "$T/eof3" 2>&1 &
pid=$!
exec 7> "$T/fifo"
wait_for "$T/eof3" 'until end of input'
kill -TERM $pid; wait $pid; rc=$?
exec 7>&-
if [ $rc = 0 ] && grep -q '^released lock 6$' "$T/eof3"; then pass until-eof-sigterm; else fail until-eof-sigterm "exit $rc: $(tr '\n' '|' < "$T/eof3")"; fi

# Many locks: the held set has no fixed size.
many=()
for i in $(seq 0 199); do many+=(acquire "$i"); done
FAKE_BLKLOCK_LOCKS=300 "${FAKE[@]}" "${many[@]}" > "$T/many" 2>&1 &
pid=$!
wait_for "$T/many" '^holding 200 locks until SIGINT/SIGTERM$' && pass hold-200-locks || fail hold-200-locks "$(tail -n 2 "$T/many" | tr '\n' '|')"
kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 0 ] && [ "$(grep -c '^released lock' "$T/many")" = 200 ]; then pass release-200-locks; else fail release-200-locks "exit $rc, $(grep -c '^released lock' "$T/many") released"; fi

# Contention with another process.
"${FAKE[@]}" acquire 5 > "$T/holder" 2>&1 &
holder=$!
wait_for "$T/holder" 'holding lock 5'
f busy-nowait 1 '^blklockctl: acquire lock 5: Device or resource busy \(EBUSY\); the lock is held by another node or file$' -- acquire 5 --nowait
t0=$(ms)
f busy-timeout 1 'acquire lock 5: Connection timed out \(ETIMEDOUT\)' -- acquire 5 --timeout 300
t1=$(ms)
if [ $((t1 - t0)) -ge 300 ]; then pass busy-timeout-waited; else fail busy-timeout-waited "$((t1 - t0)) ms"; fi
grep -q 'ACQUIRE lock=5 flags=1 timeout_ms=0' "$FAKE_BLKLOCK_DIR/log" && grep -q 'ACQUIRE lock=5 flags=0 timeout_ms=300' "$FAKE_BLKLOCK_DIR/log" &&
	pass ioctl-args-nowait-timeout || fail ioctl-args-nowait-timeout "not in the log"
f busy-status 0 "^lock 5: owner 1 generation [0-9]+ held-by-this-file no held-by-this-node yes; node 1 is this node \\(heartbeat live\\): held by pid $holder through another open file of this node\$" -- status 5
f busy-status-json 0 "\"holder_pid\": *${holder}[,}]" -- -J status 5
f busy-run-nowait 1 'EBUSY' -- run 5 --nowait -- sh -c "touch $T/ran"
if [ ! -e "$T/ran" ]; then pass busy-run-not-run; else fail busy-run-not-run "CMD ran without the lock"; fi

# A blocking acquire ends with SIGINT: exit 4.
"${FAKE[@]}" acquire 5 > "$T/intr" 2>&1 &
pid=$!
sleep 0.5
kill -INT $pid; wait $pid; rc=$?
if [ $rc = 4 ] && grep -q 'acquire lock 5: Interrupted system call (EINTR)' "$T/intr"; then pass signal-ends-wait-exit-4; else fail signal-ends-wait-exit-4 "exit $rc: $(tr '\n' '|' < "$T/intr")"; fi
# ... and releases what the list took before.
"${FAKE[@]}" acquire 1 acquire 5 > "$T/intr2" 2>&1 &
pid=$!
wait_for "$T/intr2" 'acquired lock 1 '
sleep 0.3
kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 4 ] && grep -q '^released lock 1$' "$T/intr2"; then pass signal-releases-earlier; else fail signal-releases-earlier "exit $rc: $(tr '\n' '|' < "$T/intr2")"; fi
# A signal during sleep in the list: exit 4, released.
"${FAKE[@]}" acquire 1 sleep 20000 acquire 2 > "$T/intr3" 2>&1 &
pid=$!
wait_for "$T/intr3" 'acquired lock 1 '
t0=$(ms)
kill -TERM $pid; wait $pid; rc=$?
t1=$(ms)
if [ $rc = 4 ] && grep -q '^released lock 1$' "$T/intr3" && ! grep -q 'lock 2' "$T/intr3" && [ $((t1 - t0)) -lt 2000 ]; then
	pass signal-ends-sleep
else
	fail signal-ends-sleep "exit $rc after $((t1 - t0)) ms: $(tr '\n' '|' < "$T/intr3")"
fi

# The waiter gets the lock once the holder lets go.
"${FAKE[@]}" acquire 5 --timeout 10000 release 5 > "$T/waiter" 2>&1 &
waiter=$!
sleep 0.3
kill -TERM $holder; wait $holder
wait $waiter; rc=$?
if [ $rc = 0 ] && grep -q '^acquired lock 5 generation' "$T/waiter"; then pass wait-then-acquire; else fail wait-then-acquire "exit $rc: $(tr '\n' '|' < "$T/waiter")"; fi

# A killed holder's lock is free again (the file dies with the process).
"${FAKE[@]}" acquire 8 > "$T/kill" 2>&1 &
pid=$!
wait_for "$T/kill" 'holding lock 8'
kill -KILL $pid; wait $pid 2>/dev/null
f killed-holder-lock-free 0 '^acquired lock 8 ' -- acquire 8 --nowait release 8

# run.
f run-exit-status 7 '^acquired lock 6 generation [0-9]+$' '^released lock 6$' -- run 6 -- sh -c 'exit 7'
f run-env 0 '^gen=[0-9]+ lock=6$' -- run 6 -- sh -c 'echo "gen=$BLKLOCK_GENERATION lock=$BLKLOCK_LOCK"'
gen=$(sed -n 's/^acquired lock 6 generation //p' "$T/out")
if grep -q "^gen=$gen lock=6$" "$T/out"; then pass run-env-generation-matches; else fail run-env-generation-matches "$(tr '\n' '|' < "$T/out")"; fi
f run-holds-lock 0 'lock 6: owner 1 generation [0-9]+ held-by-this-file no held-by-this-node yes' -- \
	run 6 -- sh -c "LD_PRELOAD=$SHIM $BLC -c /fake/blklock status 6"
# CMD inherits the open control file, as flock(1)'s command does, at BLKLOCK_FD.
: > "$FAKE_BLKLOCK_DIR/log"
f run-inherits-fd 0 "^fd=[0-9]+ $FAKE_BLKLOCK_DIR/control\$" -- run 6 -- sh -c 'echo "fd=$BLKLOCK_FD $(readlink /proc/$$/fd/$BLKLOCK_FD)"'
grep -qx 'SETFD cloexec=0' "$FAKE_BLKLOCK_DIR/log" && pass run-inherits-fd-setfd || fail run-inherits-fd-setfd "$(tr '\n' '|' < "$FAKE_BLKLOCK_DIR/log")"
f run-not-found 127 'cannot run /nonexistent/cmd: No such file or directory' '^released lock 6$' -- run 6 -- /nonexistent/cmd
printf 'echo hi\n' > "$T/noexec"; chmod 644 "$T/noexec"
f run-not-executable 126 "cannot run $T/noexec: Permission denied \\(EACCES\\)" -- run 6 -- "$T/noexec"
f run-killed 137 '^released lock 6$' -- run 6 -- sh -c 'kill -KILL $$'
f run-args 0 '^a b c$' -- run 6 --timeout 1000 -- echo a b c
f run-after-list 0 '^acquired lock 1 ' '^released lock 6$' '^released lock 1$' -- acquire 1 run 6 -- true
"${FAKE[@]}" run 6 -- sleep 30 > "$T/runsig" 2>&1 &
pid=$!
wait_for "$T/runsig" 'acquired lock 6'
sleep 0.2
kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 143 ] && grep -q '^released lock 6$' "$T/runsig"; then pass run-forwards-sigterm; else fail run-forwards-sigterm "exit $rc: $(tr '\n' '|' < "$T/runsig")"; fi

# Lost locks: the kernel says so through poll; blklockctl exits 5.
t0=$(ms)
FAKE_BLKLOCK_LOSE_AFTER_MS=300 f lost-while-holding 5 '^holding lock 7 until SIGINT/SIGTERM$' \
	'blklockctl: a held lock is lost \(the kernel reported it through poll\)' \
	'release lock 7: No locks available \(ENOLCK\); the file no longer holds the lock: it was lost .*, or the release timed out and the module frees the record later$' -- acquire 7
t1=$(ms)
if [ $((t1 - t0)) -ge 300 ] && [ $((t1 - t0)) -lt 5000 ]; then pass lost-noticed-promptly; else fail lost-noticed-promptly "$((t1 - t0)) ms"; fi
FAKE_BLKLOCK_LOSE_AFTER_MS=300 f lost-two-locks 5 'a held lock is lost' 'release lock 3: .*ENOLCK' 'release lock 2: .*ENOLCK' -- acquire 2 acquire 3
FAKE_BLKLOCK_LOSE_AFTER_MS=200 f lost-status-validate 5 '^lock 7: owner 1 generation [0-9]+ held-by-this-file no held-by-this-node no lost; node 1 is this node \(heartbeat live\): this file lost it$' \
	'validate lock 7: No locks available \(ENOLCK\)' -- acquire 7 sleep 400 status 7 validate 7
mkfifo "$T/fifo2"
FAKE_BLKLOCK_LOSE_AFTER_MS=300 "${FAKE[@]}" -e acquire 7 < "$T/fifo2" > "$T/losteof" 2>&1 &
pid=$!
exec 8> "$T/fifo2"
wait $pid; rc=$?
exec 8>&-
if [ $rc = 5 ] && grep -q 'a held lock is lost' "$T/losteof"; then pass lost-until-eof; else fail lost-until-eof "exit $rc: $(tr '\n' '|' < "$T/losteof")"; fi
t0=$(ms)
FAKE_BLKLOCK_LOSE_AFTER_MS=300 f lost-during-run 5 'a held lock is lost .*: stopping sleep with SIGTERM \(SIGKILL in 5000 ms\)$' -- run 7 -- sleep 20
t1=$(ms)
if [ $((t1 - t0)) -lt 5000 ]; then pass lost-run-stopped-promptly; else fail lost-run-stopped-promptly "$((t1 - t0)) ms"; fi
FAKE_BLKLOCK_LOSE_AFTER_MS=100 f lost-release-in-run 5 'release lock 7: .*ENOLCK' -- run 7 -- sh -c 'trap "" TERM; sleep 0.5'

# status: the nodes as NODES reports them, the records from the disk
# ($FAKE_BLKLOCK_IMAGE stands for /dev/fake0), a verdict per held lock.
NODES_SPEC="1:self:1111:900:300 2:live:222:10:400 3:evicted:333:41:7500 4:left:444:5:0"
FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f status-evicted 0 \
	'^lockspace fake0 uuid 0f8a1122-3344-4566-8788-99aabbccddee format 4 locks 16 node-slots 8 heartbeat 1000 ms lease 6000 ms$' \
	'^this node 1 heartbeat live incarnation 0000000000001111$' \
	'^node 1 self counter 900 last renewal 300 ms ago$' \
	'^node 2 live counter 10 changed 400 ms ago$' \
	'^node 3 evicted counter 41 unchanged for 7500 ms \(another node found it dead and marked its slot: its locks may be broken\)$' \
	'^node 4 left counter 5 \(detached cleanly\)$' \
	'^\(4 node slots never used\)$' \
	'^locks: 4 held, 12 free, 0 damaged, highest generation 12$' -- status
cp "$T/out" "$T/status.out"
expect_after "$T/status.out" '^lock 7 owner 3 generation 12 ' '^    owner evicted: the lock may be broken \(the next acquire takes it over; blklockctl break 7 frees it\)$' &&
	pass status-evicted-owner-verdict || fail status-evicted-owner-verdict "$(grep -A1 '^lock 7 owner' "$T/status.out" | tr '\n' '|')"
expect_after "$T/status.out" '^lock 8 owner 3 generation 4 ' '^    owner restarted since \(slot incarnation 0000000000000333\): stale, the next acquire takes it over$' &&
	pass status-evicted-older-incarnation || fail status-evicted-older-incarnation "$(grep -A1 '^lock 8 owner' "$T/status.out" | tr '\n' '|')"
expect_after "$T/status.out" '^lock 9 owner 2 ' '^    owner live: the lock is validly held$' &&
	pass status-live-owner-verdict || fail status-live-owner-verdict "$(grep -A1 '^lock 9 owner' "$T/status.out" | tr '\n' '|')"
grep -q 'NODES first=1 count=8 flags=1' "$FAKE_BLKLOCK_DIR/log" && pass ioctl-args-nodes || fail ioctl-args-nodes "$(grep NODES "$FAKE_BLKLOCK_DIR/log" | tail -n 1)"

# break: every result, and the refusals.
L=$FAKE_BLKLOCK_DIR
: > "$L/log"
echo "0 12" > "$L/lock.3"
f break-was-free 0 '^lock 3 was free at generation 12; nothing written$' -- break 3
grep -qx 'BREAK lock=3 flags=0' "$L/log" && pass ioctl-args-break || fail ioctl-args-break "$(grep BREAK "$L/log")"
echo "3 12" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f break-freed-evicted 0 '^lock 7: node 3 \(evicted\) held generation 12; freed at generation 12$' -- break 7
[ "$(cat "$L/lock.7")" = "0 12" ] && pass break-freed-record || fail break-freed-record "lock.7: $(cat "$L/lock.7")"
grep -q 'NODES first=3 count=1 flags=0' "$L/log" && pass ioctl-args-break-nodes || fail ioctl-args-break-nodes "$(grep NODES "$L/log" | tail -n 1)"
echo "5 20" > "$L/lock.7"
FAKE_BLKLOCK_NODES="5:stale:555:70:9000" f break-freed-dead 0 '^lock 7: node 5 \(dead\) held generation 20; freed at generation 20$' -- break 7
echo "4 21" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f break-freed-left 0 '^lock 7: node 4 \(left\) held generation 21; freed at generation 21$' -- break 7
echo "1 9" > "$L/lock.6"
FAKE_BLKLOCK_NODES=$NODES_SPEC f break-freed-own-unheld 0 '^lock 6: node 1 \(this node, no file held it\) held generation 9; freed at generation 9$' -- break 6
echo "6 9" > "$L/lock.6"
FAKE_BLKLOCK_MAX_NODES=4 f break-freed-no-slot-state 0 '^lock 6: node 6 held generation 9; freed at generation 9$' -- break 6
echo "garbage" > "$L/lock.5"
f break-repaired 0 '^lock 5: damaged record rewritten as free at generation [0-9]{16,}$' -- break 5
gen=$(sed -n 's/^lock 5: damaged record rewritten as free at generation //p' "$T/out")
[ "$(cat "$L/lock.5")" = "0 $gen" ] && pass break-repaired-record || fail break-repaired-record "lock.5: $(cat "$L/lock.5"), printed $gen"
f break-quiet 0 -- -q break 5
if [ ! -s "$T/out" ]; then pass break-quiet-silent; else fail break-quiet-silent "stdout: $(head -n 1 "$T/out")"; fi
# Refusals: a live owner (exit 1, like a busy acquire), this file, another file of this node.
echo "2 30" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f break-live-owner 1 \
	'^blklockctl: break lock 7: Device or resource busy \(EBUSY\); its owner node 2 is live \(or a file on this node holds it\): refusing to break it$' -- break 7
[ "$(cat "$L/lock.7")" = "2 30" ] && pass break-live-untouched || fail break-live-untouched "lock.7: $(cat "$L/lock.7")"
if [ ! -s "$T/out" ]; then pass break-live-no-stdout; else fail break-live-no-stdout "$(head -n 1 "$T/out")"; fi
f break-held-by-this-file 1 '^acquired lock 4 ' \
	'^blklockctl: break lock 4: Device or resource busy \(EBUSY\); this blklockctl holds it: refusing to break it$' \
	'^released lock 4$' -- acquire 4 break 4
"${FAKE[@]}" acquire 2 > "$T/bholder" 2>&1 &
bholder=$!
wait_for "$T/bholder" 'holding lock 2'
f break-held-by-node 1 \
	'^blklockctl: break lock 2: Device or resource busy \(EBUSY\); a file on this node \(node 1\) holds it: refusing to break it; release it there$' -- break 2
kill -TERM $bholder; wait $bholder
echo "2 30" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f break-stops-list 1 '^lock 7: owner 2 ' -- status 7 break 7 status 3
if [ "$(grep -c '^lock' "$T/out")" = 1 ]; then pass break-stops-list-rest-skipped; else fail break-stops-list-rest-skipped "$(tr '\n' '|' < "$T/out")"; fi
FAKE_BLKLOCK_NO_ADMIN=1 f break-eperm 3 '^blklockctl: break lock 7: Operation not permitted \(EPERM\); needs CAP_SYS_ADMIN$' -- break 7
FAKE_BLKLOCK_NO_SPACE=1 f break-enxio 3 '^blklockctl: break lock 7: No such device or address \(ENXIO\); no lockspace attached' -- break 7
f break-einval 3 '^blklockctl: break lock 16: Invalid argument \(EINVAL\); lock number beyond the lockspace' -- break 16
: > "$L/log"
echo "0 3" > "$L/lock.3"
FAKE_BLKLOCK_NO_SPACE=1 f break-attached 0 '^lock 3 was free at generation 3; nothing written$' -- -D /dev/null -n 2 break 3
[ "$(tr '\n' '|' < "$L/log")" = "ATTACH path=/dev/null node_id=2 flags=0 name=(none)|BREAK lock=3 flags=0|" ] &&
	pass break-after-attach || fail break-after-attach "$(tr '\n' '|' < "$L/log")"

# format --force over a lockspace: the kernel watches its heartbeats first.
: > "$L/log"
f format-over-space 0 \
	"^$IMG holds a blklock lockspace \(8 node slots, lease 400 ms\): checking for live nodes \(up to 500 ms\)\.\.\.$" \
	"^formatted $IMG: 1024 locks$" -- format "$IMG" --force
[ "$(head -n 1 "$T/out")" = "$IMG holds a blklock lockspace (8 node slots, lease 400 ms): checking for live nodes (up to 500 ms)..." ] &&
	pass format-over-space-announced-first || fail format-over-space-announced-first "$(tr '\n' '|' < "$T/out")"
grep -q "FORMAT path=$IMG nr_locks=1024 flags=1 " "$L/log" && pass ioctl-args-format-over-space || fail ioctl-args-format-over-space "$(cat "$L/log")"
f format-force-not-space 0 "^formatted $T/zero.img: 1024 locks$" -- format "$T/zero.img" --force
if ! grep -q checking "$T/out"; then pass format-force-not-space-silent; else fail format-force-not-space-silent "$(head -n 1 "$T/out")"; fi
FAKE_BLKLOCK_FORMAT_ERRNO=16 f format-busy-heartbeating 3 \
	'checking for live nodes' \
	"^blklockctl: format $IMG: Device or resource busy \(EBUSY\); a node is heartbeating in the lockspace on it \(dmesg names it: stop blklock there first\), or this host has it attached$" -- \
	format "$IMG" --force
FAKE_BLKLOCK_FORMAT_ERRNO=16 f format-busy-other 3 \
	'^blklockctl: format /dev/null: Device or resource busy \(EBUSY\); a node is heartbeating in the lockspace on it \(dmesg names it\), its lockspace is attached on this host, or the disk is in use$' -- \
	format /dev/null --force
FAKE_BLKLOCK_FORMAT_ERRNO=17 f format-exists-space 3 \
	"^blklockctl: format $IMG: File exists \(EEXIST\); it holds a blklock lockspace; --force overwrites it once no node heartbeats in it$" -- format "$IMG"
if ! grep -q checking "$T/out"; then pass format-no-force-no-check; else fail format-no-force-no-check "$(head -n 1 "$T/out")"; fi
FAKE_BLKLOCK_FORMAT_ERRNO=17 f format-exists-other 3 "EEXIST\); the disk carries another signature; --force overwrites it$" -- format "$T/zero.img"
FAKE_BLKLOCK_NO_ADMIN=1 f format-eperm 3 '^blklockctl: format /dev/null: Operation not permitted \(EPERM\); needs CAP_SYS_ADMIN$' -- format /dev/null

# ---- run: CMD holds the lock through the inherited file ---------------------

# Killing blklockctl alone (the OOM killer) does not free the lock while
# CMD runs: CMD has the open file.  Once CMD ends, the lock is free.
rm -f "$T/go" "$T/started"
"${FAKE[@]}" run 6 -- sh -c "touch '$T/started'; while [ ! -e '$T/go' ]; do sleep 0.05; done" > "$T/runkill" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && [ ! -e "$T/started" ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL $pid; wait $pid 2>/dev/null
f run-parent-killed-lock-held 1 '^blklockctl: acquire lock 6: Device or resource busy \(EBUSY\)' -- acquire 6 --nowait
f run-parent-killed-status 0 '^lock 6: owner 1 generation [0-9]+ held-by-this-file no held-by-this-node yes; node 1 is this node \(heartbeat live\): held by another open file of this node' -- status 6
touch "$T/go"
i=0
while [ $i -lt 50 ] && ! "${FAKE[@]}" -q acquire 6 --nowait release 6 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 50 ] && pass run-cmd-end-frees-lock || fail run-cmd-end-frees-lock "lock 6 still held 5 s after CMD was told to end"

# A lost lock: SIGTERM, then SIGKILL after --kill-after if CMD still runs.
t0=$(ms)
FAKE_BLKLOCK_LOSE_AFTER_MS=100 f lost-run-kill-after 5 \
	'^blklockctl: a held lock is lost \(the kernel reported it through poll\): stopping sh with SIGTERM \(SIGKILL in 300 ms\)$' \
	'^blklockctl: sh still runs 300 ms after SIGTERM: sending SIGKILL$' -- \
	run 7 --kill-after=300 -- sh -c 'trap "" TERM; while :; do sleep 0.1; done'
t1=$(ms)
if [ $((t1 - t0)) -ge 400 ] && [ $((t1 - t0)) -lt 4000 ]; then pass lost-run-killed-after-grace; else fail lost-run-killed-after-grace "$((t1 - t0)) ms"; fi
t0=$(ms)
FAKE_BLKLOCK_LOSE_AFTER_MS=100 f lost-run-kill-after-0 5 'stopping sh with SIGKILL$' -- \
	run 7 --kill-after 0 -- sh -c 'trap "" TERM; while :; do sleep 0.1; done'
t1=$(ms)
if [ $((t1 - t0)) -lt 2000 ] && ! grep -q 'SIGTERM' "$T/err"; then pass lost-run-sigkill-at-once; else fail lost-run-sigkill-at-once "$((t1 - t0)) ms: $(tr '\n' '|' < "$T/err")"; fi
FAKE_BLKLOCK_LOSE_AFTER_MS=100 f lost-run-term-obeyed 5 'SIGKILL in 3000 ms' -- run 7 --kill-after=3000 -- sleep 20
if ! grep -q 'still runs' "$T/err"; then pass lost-run-no-sigkill-needed; else fail lost-run-no-sigkill-needed "$(tr '\n' '|' < "$T/err")"; fi

# ---- the command list is parsed once, before anything is sent ---------------

: > "$L/log"
f usage-late-nothing-sent 2 "unknown command 'bogus'" -- acquire 1 status 1 bogus
[ ! -s "$L/log" ] && pass usage-late-no-ioctl || fail usage-late-no-ioctl "$(tr '\n' '|' < "$L/log")"
: > "$L/log"
f option-eq-forms 0 '^acquired lock 4 ' '^a$' -- acquire 4 --timeout=250 acquire 5 --timeout 260 run 6 --timeout=270 --kill-after=10 -- echo a
grep -q 'ACQUIRE lock=4 flags=0 timeout_ms=250' "$L/log" && grep -q 'ACQUIRE lock=5 flags=0 timeout_ms=260' "$L/log" &&
	grep -q 'ACQUIRE lock=6 flags=0 timeout_ms=270' "$L/log" && pass ioctl-args-option-eq || fail ioctl-args-option-eq "$(grep ACQUIRE "$L/log" | tr '\n' '|')"
: > "$L/log"
f format-option-eq 0 '^formatted /dev/null: 256 locks$' -- format --locks=256 /dev/null --force \
	--uuid=0F8A1122-3344-4566-8788-99aabbccddee --max-nodes=8 --heartbeat=500 --lease 3000
grep -q 'FORMAT path=/dev/null nr_locks=256 flags=1 uuid=0f8a112233444566878899aabbccddee max_node_id=8 hb_interval_ms=500 lease_timeout_ms=3000' \
	"$L/log" && pass ioctl-args-format-eq || fail ioctl-args-format-eq "$(grep FORMAT "$L/log")"

# errno names come from the C library (strerrorname_np), not a table.
FAKE_BLKLOCK_ACQUIRE_ERRNO=108 f errno-name-from-libc 3 '^blklockctl: acquire lock 1: Cannot send after transport endpoint shutdown \(ESHUTDOWN\)$' -- acquire 1
FAKE_BLKLOCK_ACQUIRE_ERRNO=133 f errno-name-ehwpoison 3 '\(EHWPOISON\)$' -- acquire 1

# ---- -E/--conflict-exit-code ------------------------------------------------

"${FAKE[@]}" acquire 5 > "$T/eholder" 2>&1 &
eholder=$!
wait_for "$T/eholder" 'holding lock 5'
f conflict-nowait 9 'acquire lock 5: .*\(EBUSY\)' -- -E 9 acquire 5 --nowait
f conflict-timeout 9 'acquire lock 5: .*\(ETIMEDOUT\)' -- --conflict-exit-code=9 acquire 5 --timeout=200
rm -f "$T/ran"
f conflict-run 9 'EBUSY' -- --conflict-exit-code 9 run 5 --nowait -- touch "$T/ran"
[ ! -e "$T/ran" ] && pass conflict-run-not-run || fail conflict-run-not-run "CMD ran without the lock"
f conflict-run-cmd-status-kept 1 '^released lock 6$' -- -E 9 run 6 -- sh -c 'exit 1'
f conflict-break 9 'break lock 5: .*\(EBUSY\); a file on this node' -- -E 9 break 5
: > "$L/log"
f conflict-zero-stops-list 0 'EBUSY' -- -E 0 acquire 5 --nowait release 5
! grep -q RELEASE "$L/log" && pass conflict-zero-list-stopped || fail conflict-zero-list-stopped "$(tr '\n' '|' < "$L/log")"
f conflict-other-error 3 'EPERM' -- -E 9 release 7
kill -TERM $eholder; wait $eholder

# ---- status LOCK: owner, liveness, holder in one line ------------------------

echo "2 30" > "$L/lock.7"
: > "$L/log"
FAKE_BLKLOCK_NODES=$NODES_SPEC f status-lock-live 0 '^lock 7: owner 2 generation 30 held-by-this-file no held-by-this-node no; node 2 is live$' -- status 7
grep -qx 'NODES first=2 count=1 flags=1' "$L/log" && pass ioctl-args-status-lock-nodes || fail ioctl-args-status-lock-nodes "$(tr '\n' '|' < "$L/log")"
echo "3 12" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f status-lock-evicted 0 '^lock 7: owner 3 generation 12 held-by-this-file no held-by-this-node no; node 3 is evicted: the lock may be broken$' -- status 7
echo "4 21" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f status-lock-left 0 '; node 4 left \(detached cleanly\): the next acquire takes the lock over$' -- status 7
echo "5 20" > "$L/lock.7"
FAKE_BLKLOCK_NODES="5:stale:555:70:9000" f status-lock-stale 0 '; node 5 is stale \(heartbeat unchanged for 9000 ms\): dead or cut off, the next acquire breaks the lock$' -- status 7
FAKE_BLKLOCK_NODES="5:watching:555:70:2500" f status-lock-not-renewing 0 '; node 5 is not renewing its heartbeat \(unchanged for 2500 ms, less than a lease\)$' -- status 7
f status-lock-unused-slot 0 "; node 5's heartbeat slot is unused: liveness unknown$" -- status 7
echo "6 9" > "$L/lock.7"
: > "$L/log"
FAKE_BLKLOCK_MAX_NODES=4 f status-lock-no-slot 0 '; node 6 has no heartbeat slot \(the lockspace has 4\): stale$' -- status 7
! grep -q NODES "$L/log" && pass status-lock-no-slot-no-read || fail status-lock-no-slot-no-read "$(tr '\n' '|' < "$L/log")"
# This node's locks are answered from INFO: no read of heartbeat slots.
: > "$L/log"
f status-lock-self 0 '; node 1 is this node \(heartbeat live\): held by this blklockctl \(pid [0-9]+\)$' -- acquire 3 status 3 release 3
! grep -q NODES "$L/log" && pass status-lock-self-no-nodes-read || fail status-lock-self-no-nodes-read "$(tr '\n' '|' < "$L/log")"
echo "0 4" > "$L/lock.7"

# ---- --json -----------------------------------------------------------------

"${FAKE[@]}" -J acquire 3 status 3 validate 3 release 3 status 3 > "$T/j.events" 2> "$T/err" < /dev/null &
pid=$!
wait $pid; rc=$?
[ $rc = 0 ] && [ ! -s "$T/err" ] && pass json-events-exit || fail json-events-exit "exit $rc: $(head -c 300 "$T/err")"
PID=$pid jcheck json-events "$T/j.events" 'len(L) == 5 and L[0] == {"type": "acquired", "lock": 3, "generation": L[0]["generation"]} and L[0]["generation"] > 0 and
L[1] == {"type": "lock", "lock": 3, "owner": 1, "generation": L[0]["generation"], "held_by_this_file": True, "held_by_this_node": True, "lost": False, "owner_is_this_node": True, "owner_name": None, "owner_heartbeat": "live", "holder_pid": int(E["PID"])} and
L[2] == {"type": "valid", "lock": 3, "generation": L[0]["generation"]} and L[3] == {"type": "released", "lock": 3} and
L[4] == {"type": "lock", "lock": 3, "owner": 0, "generation": L[0]["generation"], "held_by_this_file": False, "held_by_this_node": False, "lost": False, "owner_is_this_node": False, "owner_name": None, "owner_heartbeat": None, "holder_pid": None}'
f json-info 0 -- --json info
jcheck json-info "$T/out" 'L == [{"type": "info", "node": 1, "disk": "fake0", "format": 4, "block_size": 512, "locks": 16, "lock_lba": 2001, "uuid": "0f8a1122-3344-4566-8788-99aabbccddee", "node_slots": 8, "heartbeat_ms": 1000, "lease_ms": 6000, "heartbeat": "live", "incarnation": "0000000000001111"}]'
echo "2 30" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f json-status-lock-other 0 -- -J status 7
jcheck json-status-lock-other "$T/out" 'L == [{"type": "lock", "lock": 7, "owner": 2, "generation": 30, "held_by_this_file": False, "held_by_this_node": False, "lost": False, "owner_is_this_node": False, "owner_name": None, "owner_heartbeat": "live", "owner_unchanged_ms": 400, "holder_pid": None}]'
FAKE_BLKLOCK_LOSE_AFTER_MS=200 f json-status-lock-lost 5 -- -J acquire 7 sleep 400 status 7
jcheck json-status-lock-lost "$T/out" 'len(L) == 3 and L[2]["type"] == "holding" and L[1]["lost"] is True and L[1]["held_by_this_file"] is False and L[1]["holder_pid"] is None'
echo "3 12" > "$L/lock.7"
FAKE_BLKLOCK_NODES=$NODES_SPEC f json-break 0 -- -J break 7
jcheck json-break "$T/out" 'L == [{"type": "break", "lock": 7, "result": "freed", "owner": 3, "owner_state": "evicted", "old_generation": 12, "generation": 12}]'
f json-break-was-free 0 -- -J break 7
jcheck json-break-was-free "$T/out" 'L == [{"type": "break", "lock": 7, "result": "was-free", "owner": 0, "owner_state": None, "old_generation": 12, "generation": 12}]'
"${FAKE[@]}" -J acquire 2 acquire 4 > "$T/j.hold" 2>&1 &
pid=$!
wait_for "$T/j.hold" '"type":"holding"'
kill -TERM $pid; wait $pid; rc=$?
[ $rc = 0 ] && pass json-holding-exit || fail json-holding-exit "exit $rc"
jcheck json-holding "$T/j.hold" 'L[2:] == [{"type": "holding", "locks": [2, 4], "until": "signal"}, {"type": "released", "lock": 4}, {"type": "released", "lock": 2}]'
f json-errors-on-stderr 3 '^blklockctl: release lock 7: Operation not permitted \(EPERM\)' -- -J release 7
[ ! -s "$T/out" ] && pass json-errors-stdout-empty || fail json-errors-stdout-empty "$(head -c 200 "$T/out")"
f json-quiet 0 -- -J -q acquire 3 status 3 release 3 info
[ ! -s "$T/out" ] && pass json-quiet-silent || fail json-quiet-silent "$(head -c 200 "$T/out")"
cp "$IMG" "$T/jspace.img"
f json-format 0 -- -J format "$T/jspace.img" --force
P=$T/jspace.img jcheck json-format "$T/out" 'L == [{"type": "format-check", "disk": E["P"], "node_slots": 8, "lease_ms": 400, "wait_ms": 500}, {"type": "formatted", "disk": E["P"], "locks": 1024}]'
FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f json-status-space 0 -- --json status
jcheck json-status-space "$T/out" 'len(L) == 1 and L[0]["type"] == "lockspace" and L[0]["disk"] == "fake0" and L[0]["uuid"] == "0f8a1122-3344-4566-8788-99aabbccddee" and
L[0]["node"] == 1 and L[0]["heartbeat"] == "live" and L[0]["incarnation"] == "0000000000001111" and L[0]["unused_slots"] == 4 and
[(n["node"], n["state"], n["counter"], n["unchanged_ms"]) for n in L[0]["nodes"]] == [(1, "self", 900, 300), (2, "live", 10, 400), (3, "evicted", 41, 7500), (4, "left", 5, 0)] and
[(r["lock"], r["owner"], r["generation"], r["incarnation"], r["verdict"]) for r in L[0]["records"]] == [(7, 3, 12, "0000000000000333", "evicted"), (8, 3, 4, "0000000000000300", "restarted"), (9, 2, 3, "0000000000000222", "live"), (10, 4, 2, "0000000000000444", "left")] and
(L[0]["held"], L[0]["free"], L[0]["damaged"], L[0]["highest_generation"]) == (4, 12, 0, 12) and "error" not in L[0]'
FAKE_BLKLOCK_NODES=$NODES_SPEC f json-status-space-no-disk 3 'read the lock records' -- --json status
jcheck json-status-space-error-closed "$T/out" 'len(L) == 1 and L[0]["error"] == "read the lock records" and len(L[0]["nodes"]) == 4'

# dump --json, without the module.
t json-dump 0 -- -J dump --no-wait "$IMG"
P=$IMG jcheck json-dump "$T/out" 'len(L) == 1 and L[0]["type"] == "dump" and L[0]["path"] == E["P"] and L[0]["format"] == 4 and
(L[0]["node_slots"], L[0]["locks"], L[0]["heartbeat_ms"], L[0]["lease_ms"], L[0]["sampled_ms"]) == (8, 16, 100, 400, None) and
[(n["node"], n["incarnation"], n["counter"], n["flags"], n["state"]) for n in L[0]["nodes"]] == [(2, "0000000000000222", 10, 0, "not-sampled"), (3, "0000000000000333", 41, 2, "evicted"), (4, "0000000000000444", 5, 1, "left")] and
[(r["lock"], r["owner"], r["generation"], r["verdict"]) for r in L[0]["records"]] == [(7, 3, 12, "evicted"), (8, 3, 4, "restarted"), (9, 2, 3, "not-sampled"), (10, 4, 2, "left")] and
(L[0]["held"], L[0]["free"], L[0]["damaged"], L[0]["highest_generation"], L[0]["named"], L[0]["deleted"]) == (4, 12, 0, 12, 0, 0)'
t json-dump-sampled 0 -- --json dump "$IMG"
jcheck json-dump-sampled "$T/out" 'len(L) == 1 and L[0]["sampled_ms"] >= 150 and [n["state"] for n in L[0]["nodes"]] == ["not-renewing", "evicted", "left"] and
[r["verdict"] for r in L[0]["records"]] == ["evicted", "restarted", "not-renewing", "left"]'
t json-dump-damaged 3 -- -J dump --no-wait "$T/damaged.img"
jcheck json-dump-damaged "$T/out" 'len(L) == 1 and L[0]["records"] == [{"lock": 5, "lba": 22, "damaged": "checksum mismatch (torn or damaged block)"}] and L[0]["damaged"] == 1'
t json-dump-damaged-slot 0 -- -J dump --no-wait "$T/badflag.img"
jcheck json-dump-damaged-slot "$T/out" 'L[0]["nodes"][0] == {"node": 2, "name": None, "incarnation": "0000000000000222", "counter": 1, "flags": 3, "state": "evicted", "timestamp_ns": L[0]["nodes"][0]["timestamp_ns"]} and L[0]["nodes"][1] == {"node": 3, "damaged": "checksum ok but impossible fields"}'
# Strings are escaped: a path with a quote, a backslash, a tab and a newline.
weird=$T/$'we"ird\\na\tme\n.img'
cp "$IMG" "$weird"
t json-escape 0 -- -J dump --no-wait "$weird"
P=$weird jcheck json-escape "$T/out" 'len(L) == 1 and L[0]["path"] == E["P"]'

# ---- lock names (format 4) ---------------------------------------------------

# A lockspace of its own: the fake keeps names in name.I files.  Name
# homes are CRC-32C modulo 16: db-main 10; 123456789 (CRC-32C's check
# value, 0xe3069283), delta and xi all 3.
ND=$T/ndev
mkdir -p "$ND"
export FAKE_BLKLOCK_DIR=$ND
"${FAKE[@]}" acquire db-main > "$T/nholder" 2>&1 &
nholder=$!
if wait_for "$T/nholder" '^holding lock 10 \(db-main\) until SIGINT/SIGTERM$' &&
   [ "$(head -n 1 "$T/nholder")" = "acquired lock 10 (db-main) generation 1" ]; then
	pass names-acquire-creates
else
	fail names-acquire-creates "$(tr '\n' '|' < "$T/nholder")"
fi
[ "$(cat "$ND/name.10" 2>/dev/null)" = "live db-main" ] && grep -qx 'NAME op=1 name=db-main flags=0' "$ND/log" &&
	grep -qx 'ACQUIRE lock=10 flags=0 timeout_ms=0' "$ND/log" &&
	pass names-ioctl-create-then-index || fail names-ioctl-create-then-index "$(tr '\n' '|' < "$ND/log")"
f names-busy-other-process 1 '^blklockctl: acquire lock 10 \(db-main\): Device or resource busy \(EBUSY\); the lock is held by another node or file$' -- \
	acquire db-main --nowait
f names-busy-conflict-code 7 '^blklockctl: acquire lock 10 \(db-main\): Connection timed out \(ETIMEDOUT\)' -- -E 7 acquire --name db-main --timeout 100
: > "$ND/log"
f names-status 0 "^lock 10 \\(db-main\\): owner 1 generation 1 held-by-this-file no held-by-this-node yes; node 1 is this node \\(heartbeat live\\): held by pid $nholder through another open file of this node\$" -- \
	status db-main
[ "$(tr '\n' '|' < "$ND/log")" = "NAME op=0 name=db-main flags=0|STATUS lock=10 flags=0 name=buffer|INFO|" ] &&
	pass names-status-lookup-once || fail names-status-lookup-once "$(tr '\n' '|' < "$ND/log")"
f names-status-by-number 0 '^lock 10 \(db-main\): owner 1 generation 1 held-by-this-file no held-by-this-node yes; ' -- status 10
f names-status-json 0 -- -J status -N db-main
jcheck names-status-json "$T/out" 'len(L) == 1 and L[0]["lock"] == 10 and L[0]["name"] == "db-main" and "deleted" not in L[0] and L[0]["owner"] == 1 and L[0]["held_by_this_node"] is True'
f names-delete-held 1 '^blklockctl: delete lock db-main: Device or resource busy \(EBUSY\); lock db-main is held: release it first$' -- delete db-main
f names-delete-held-conflict-code 9 'EBUSY' -- -E 9 delete db-main
[ "$(cat "$ND/name.10")" = "live db-main" ] && pass names-delete-held-untouched || fail names-delete-held-untouched "$(cat "$ND/name.10")"
kill -TERM $nholder; wait $nholder; rc=$?
[ $rc = 0 ] && [ "$(tail -n 1 "$T/nholder")" = "released lock 10 (db-main)" ] &&
	pass names-release-message || fail names-release-message "exit $rc: $(tr '\n' '|' < "$T/nholder")"
f names-delete-free 0 '^deleted lock 10 \(db-main\)$' -- delete db-main
[ "$(cat "$ND/name.10")" = "deleted db-main" ] && pass names-tombstone || fail names-tombstone "$(cat "$ND/name.10")"
f names-lookup-deleted 3 '^blklockctl: look up lock db-main: No such file or directory \(ENOENT\); no lock named db-main in this lockspace$' -- lookup db-main
f names-status-deleted-by-name 3 '^blklockctl: status of lock db-main: .*\(ENOENT\); no lock named db-main in this lockspace$' -- status db-main
f names-release-deleted 3 '^blklockctl: release lock db-main: .*\(ENOENT\); no lock named db-main' -- release db-main
f names-delete-twice 3 '^blklockctl: delete lock db-main: .*\(ENOENT\); no lock named db-main' -- delete db-main
f names-status-tombstone 0 '^lock 10 \(db-main\): owner 0 generation 1 held-by-this-file no held-by-this-node no deleted; free$' -- status 10
f names-status-tombstone-json 0 -- --json status 10
jcheck names-status-tombstone-json "$T/out" 'L == [{"type": "lock", "lock": 10, "name": "db-main", "deleted": True, "owner": 0, "generation": 1, "held_by_this_file": False, "held_by_this_node": False, "lost": False, "owner_is_this_node": False, "owner_name": None, "owner_heartbeat": None, "holder_pid": None}]'
# acquire by name gives a deleted name its record back.
f names-revive 0 -- -J acquire db-main validate db-main release db-main lookup db-main
jcheck names-revive "$T/out" 'L == [{"type": "acquired", "lock": 10, "name": "db-main", "name_result": "revived", "generation": 2},
{"type": "valid", "lock": 10, "name": "db-main", "generation": 2}, {"type": "released", "lock": 10, "name": "db-main"},
{"type": "lookup", "lock": 10, "name": "db-main", "result": "found"}]'
f names-lookup 0 '^found lock 10 \(db-main\)$' -- lookup db-main
f names-delete-json 0 -- -J delete db-main
jcheck names-delete-json "$T/out" 'L == [{"type": "delete", "lock": 10, "name": "db-main", "result": "removed"}]'
f names-run-revives 0 '^acquired lock 10 \(db-main\) generation 3$' '^lock=10 name=db-main gen=3$' '^released lock 10 \(db-main\)$' -- \
	run db-main -- sh -c 'echo "lock=$BLKLOCK_LOCK name=$BLKLOCK_LOCK_NAME gen=$BLKLOCK_GENERATION"'
BLKLOCK_LOCK_NAME=outer f names-run-number-no-name 0 '^name=<>$' -- run 3 -- sh -c 'echo "name=<${BLKLOCK_LOCK_NAME-}>"'
f names-break 0 '^lock 10 \(db-main\) was free at generation 3; nothing written$' -- break db-main
f names-quiet 0 -- -q acquire db-main lookup db-main release db-main
[ ! -s "$T/out" ] && pass names-quiet-silent || fail names-quiet-silent "$(head -n 1 "$T/out")"
# A bare word and --name (or -N) send the same ioctls.
: > "$ND/log"
f names-bare-word 0 '^acquired lock 12 \(jobs\) generation 1$' '^released lock 12 \(jobs\)$' -- \
	acquire jobs status jobs release jobs
cp "$ND/log" "$T/nlog.bare"
: > "$ND/log"
f names-option 0 '^acquired lock 12 \(jobs\) generation 2$' -- acquire --name jobs status -N jobs release --name=jobs
grep -q . "$T/nlog.bare" && cmp -s "$ND/log" "$T/nlog.bare" &&
	pass names-bare-word-like-option || fail names-bare-word-like-option "$(tr '\n' '|' < "$T/nlog.bare") vs $(tr '\n' '|' < "$ND/log")"
# An all-digit name needs --name; the bare number is the lock number.
: > "$ND/log"
f names-all-digit 0 '^acquired lock 3 \(123456789\) generation 2$' '^released lock 3 \(123456789\)$' -- \
	acquire --name 123456789 release -N 123456789
grep -qx 'NAME op=1 name=123456789 flags=0' "$ND/log" && pass names-all-digit-ioctl || fail names-all-digit-ioctl "$(tr '\n' '|' < "$ND/log")"
: > "$ND/log"
f names-number-is-index 0 '^acquired lock 12 generation 3$' '^released lock 12$' -- acquire 12 release 12
! grep -q NAME "$ND/log" && pass names-number-no-name-ioctl || fail names-number-no-name-ioctl "$(tr '\n' '|' < "$ND/log")"
# Probing: delta's home (3) is taken, so it goes to 4; a tombstone keeps
# the probe going and is given back to its own name only.
f names-probe 0 '^acquired lock 4 \(delta\) generation 1$' -- acquire delta release delta
f names-probe-tombstone 0 '^deleted lock 3 \(123456789\)$' '^found lock 4 \(delta\)$' '^acquired lock 5 \(xi\) generation 1$' -- \
	delete --name 123456789 lookup delta acquire xi release xi
f names-probe-revive 0 '^acquired lock 3 \(123456789\) generation 3$' -- acquire --name 123456789 release --name 123456789
# rho's home (8) has never been named; held by number, it cannot be
# named (EBUSY, a conflict), and it is named once it is free.
"${FAKE[@]}" acquire 8 > "$T/nholder8" 2>&1 &
nholder=$!
wait_for "$T/nholder8" '^holding lock 8 until'
f names-create-held-record 1 '^blklockctl: acquire lock rho: Device or resource busy \(EBUSY\); the record that rho would take \(an unnamed one, or its tombstone\) is held by number, or kept changing: try again once it is free$' -- \
	acquire rho --nowait
[ ! -e "$ND/name.8" ] && pass names-create-held-untouched || fail names-create-held-untouched "$(cat "$ND/name.8")"
kill -TERM $nholder; wait $nholder
f names-create-once-free 0 '^acquired lock 8 \(rho\) generation 2$' -- acquire rho release rho delete rho
"${FAKE[@]}" acquire 8 > "$T/nholder8" 2>&1 &
nholder=$!
wait_for "$T/nholder8" '^holding lock 8 until'
f names-revive-held-tombstone 1 '^blklockctl: acquire lock rho: Device or resource busy \(EBUSY\); the record that rho would take ' -- run rho -- true
[ "$(cat "$ND/name.8")" = "deleted rho" ] && pass names-revive-held-untouched || fail names-revive-held-untouched "$(cat "$ND/name.8")"
kill -TERM $nholder; wait $nholder
# Refused names never reach the kernel.
: > "$ND/log"
f names-64-refused 2 'a lock name is 1 to 63 printable ASCII characters, no space \(this one is longer\)' -- acquire --name "$long64"
f names-space-refused 2 "needs a lock number from 0 to 1048575 or a lock name, not 'a b': a lock name is" -- acquire 'a b'
[ ! -s "$ND/log" ] && pass names-refused-nothing-sent || fail names-refused-nothing-sent "$(tr '\n' '|' < "$ND/log")"
f names-63-accepted 0 "^acquired lock [0-9]+ \\(${long64%a}\\) generation 1\$" -- acquire --name "${long64%a}" release --name "${long64%a}"
# Full: every record carries a name (a tombstone too): ENOSPC.
export FAKE_BLKLOCK_DIR=$T/ndev1
mkdir -p "$FAKE_BLKLOCK_DIR"
FAKE_BLKLOCK_LOCKS=1 f names-full 3 '^acquired lock 0 \(alpha\) ' \
	'^blklockctl: acquire lock beta: No space left on device \(ENOSPC\); every lock record of the lockspace carries a name' -- \
	acquire alpha release alpha delete alpha acquire beta
FAKE_BLKLOCK_LOCKS=1 f names-full-revive 0 '^acquired lock 0 \(alpha\) generation 2$' -- acquire alpha release alpha
# Format 2 and 3 have no names; numbers work as before.
FAKE_BLKLOCK_FORMAT=3 f names-format3 3 '^blklockctl: acquire lock db: Operation not supported \(EOPNOTSUPP\); this lockspace is format 3: it has no lock names \(format it again to use names\)$' -- \
	acquire db
FAKE_BLKLOCK_FORMAT=2 f names-format2-lookup 3 '; this lockspace is format 2: it has no lock names' -- lookup db
FAKE_BLKLOCK_FORMAT=3 f names-format3-numbers 0 '^acquired lock 2 generation 1$' '^lock 2: owner 1 generation 1 held-by-this-file yes ' '^released lock 2$' -- \
	acquire 2 status 2 release 2
# status without LOCK: held records with their names, tombstones marked;
# free records, named or not, are only counted.
FAKE_BLKLOCK_IMAGE=$T/lnames.img FAKE_BLKLOCK_NODES=$NODES_SPEC f names-status-space 0 \
	'^lock 7 \(db-main\) owner 3 generation 12 incarnation 0000000000000333 acquired ' \
	'^lock 11 owner 2 generation 3 ' \
	'^locks: 2 held, 14 free, 0 damaged, highest generation 12$' '^names: 2 named, 2 deleted$' -- status
[ "$(grep -c '^lock ' "$T/out")" = 2 ] && pass names-status-space-held-only || fail names-status-space-held-only "$(grep '^lock ' "$T/out" | tr '\n' '|')"
FAKE_BLKLOCK_IMAGE=$T/lnames.img FAKE_BLKLOCK_NODES=$NODES_SPEC f names-status-space-json 0 -- -J status
jcheck names-status-space-json "$T/out" '[(r["lock"], r.get("name"), r["owner"], r["verdict"]) for r in L[0]["records"]] == [(7, "db-main", 3, "evicted"), (11, None, 2, "live")] and
(L[0]["held"], L[0]["free"], L[0]["named"], L[0]["deleted"]) == (2, 14, 2, 2)'
FAKE_BLKLOCK_NO_SPACE=1 f names-no-lockspace 3 '^blklockctl: acquire lock db: No such device or address \(ENXIO\); no lockspace attached' -- acquire db

# ---- requests (format 4) ------------------------------------------------------

# The fake keeps the last request of lock I in request.I; the file that
# holds lock I sees it at once (STATUS, POLLRDBAND).
RD=$T/rdev
mkdir -p "$RD"
export FAKE_BLKLOCK_DIR=$RD
f request-free 0 '^lock 3 is free: nothing to ask$' -- request 3
grep -qx 'REQUEST lock=3 flags=0' "$RD/log" && [ ! -e "$RD/request.3" ] && pass request-free-ioctl ||
	fail request-free-ioctl "$(tr '\n' '|' < "$RD/log")"
f request-free-json 0 -- -J request 3
jcheck request-free-json "$T/out" 'L == [{"type": "request", "lock": 3, "result": "free", "owner": 0, "generation": 0}]'
f request-quiet 0 -- -q request 3
[ ! -s "$T/out" ] && pass request-quiet-silent || fail request-quiet-silent "$(head -n 1 "$T/out")"
# status LOCK of the holder says "requested" once a request came.
"${FAKE[@]}" acquire 5 sleep 1500 status 5 > "$T/rqhold" 2>&1 &
pid=$!
wait_for "$T/rqhold" '^acquired lock 5 generation 1$'
f request-sent 0 '^asked node 1 to release lock 5, generation 1$' -- request 5
f request-sent-json 0 -- -J request 5
jcheck request-sent-json "$T/out" 'L == [{"type": "request", "lock": 5, "result": "sent", "owner": 1, "generation": 1}]'
wait_for "$T/rqhold" '^holding lock 5 until'
kill -TERM $pid; wait $pid; rc=$?
[ $rc = 0 ] && grep -qx "lock 5: owner 1 generation 1 held-by-this-file yes held-by-this-node yes requested; node 1 is this node (heartbeat live): held by this blklockctl (pid $pid)" "$T/rqhold" &&
	pass status-requested || fail status-requested "exit $rc: $(tr '\n' '|' < "$T/rqhold")"
"${FAKE[@]}" -J acquire 5 sleep 1500 status 5 > "$T/rqholdj" 2>&1 &
pid=$!
wait_for "$T/rqholdj" '"type":"acquired"'
"${FAKE[@]}" -q request 5
wait_for "$T/rqholdj" '"type":"holding"'
kill -TERM $pid; wait $pid
jcheck status-requested-json "$T/rqholdj" 'L[1]["type"] == "lock" and L[1]["requested"] is True and L[1]["held_by_this_file"] is True'
f status-not-requested 0 -- -J acquire 5 status 5 release 5
jcheck status-not-requested-json "$T/out" 'L[1]["type"] == "lock" and "requested" not in L[1]'
# Errors: format 2 and 3 have no requests; EBUSY is a conflict (-E).
FAKE_BLKLOCK_FORMAT=3 f request-format3 3 '^blklockctl: request lock 5: Operation not supported \(EOPNOTSUPP\); this lockspace is format 3: it has no requests \(format it again to use them\)$' -- request 5
FAKE_BLKLOCK_REQUEST_ERRNO=95 f request-no-caw 3 '^blklockctl: request lock 5: Operation not supported \(EOPNOTSUPP\); the disk cannot do COMPARE AND WRITE' -- request 5
FAKE_BLKLOCK_REQUEST_ERRNO=16 f request-busy 1 "^blklockctl: request lock 5: Device or resource busy \\(EBUSY\\); the holder's request block kept changing under other askers: try again\$" -- request 5
FAKE_BLKLOCK_REQUEST_ERRNO=16 f request-busy-conflict-code 9 'EBUSY' -- -E 9 request 5
FAKE_BLKLOCK_REQUEST_ERRNO=25 f request-enotty 3 '\(ENOTTY\); this blklock module has no requests \(BLKLOCK_IOC_REQUEST\): it is older than this blklockctl$' -- request 5
f request-einval 3 '^blklockctl: request lock 16: Invalid argument \(EINVAL\); lock number beyond the lockspace' -- request 16
f request-no-name 3 '^blklockctl: request lock nosuch: No such file or directory \(ENOENT\); no lock named nosuch in this lockspace$' -- request nosuch
FAKE_BLKLOCK_NO_SPACE=1 f request-no-lockspace 3 '\(ENXIO\); no lockspace attached' -- request 5

# run --on-request=SIGNAL: a request for run's lock sends CMD the signal,
# once, with one line on stderr.
rm -f "$T/go"
"${FAKE[@]}" run 6 --on-request=USR1 -- sh -c "trap 'echo got-usr1' USR1; echo \"started \$\$\"; while [ ! -e '$T/go' ]; do sleep 0.05; done" \
	> "$T/rqrun" 2> "$T/rqrun.err" &
pid=$!
wait_for "$T/rqrun" '^started [0-9]+$'
cpid=$(sed -n 's/^started //p' "$T/rqrun")
f run-request-sent 0 '^asked node 1 to release lock 6, generation 1$' -- request 6
wait_for "$T/rqrun" '^got-usr1$'
f run-request-again 0 '^asked node 1 to release lock 6, generation 1$' -- request 6
sleep 0.3
touch "$T/go"
wait $pid; rc=$?
[ $rc = 0 ] && [ "$(cat "$T/rqrun.err")" = "blklockctl: lock 6 was requested by another process: sending SIGUSR1 to the command (pid $cpid)" ] &&
	[ "$(grep -c '^got-usr1$' "$T/rqrun")" = 1 ] && grep -q '^released lock 6$' "$T/rqrun" &&
	pass run-on-request-once || fail run-on-request-once "exit $rc: $(cat "$T/rqrun" "$T/rqrun.err" | tr '\n' '|')"
[ "$(grep -c '^STATUS lock=6 ' "$RD/log")" = 1 ] && pass run-on-request-status-once || fail run-on-request-status-once "$(grep STATUS "$RD/log" | tr '\n' '|')"
# By name, with the default action of SIGTERM: CMD ends, run exits 143.
: > "$RD/log"
"${FAKE[@]}" run vol4 --on-request=TERM -- sleep 30 > "$T/rqname" 2> "$T/rqname.err" &
pid=$!
wait_for "$T/rqname" '^acquired lock [0-9]+ \(vol4\) generation 1$'
n=$(sed -n 's/^acquired lock \([0-9]*\) (vol4).*/\1/p' "$T/rqname")
f run-request-by-name 0 "^asked node 1 to release lock $n \\(vol4\\), generation 1\$" -- request vol4
t0=$(ms)
wait $pid; rc=$?
t1=$(ms)
[ $rc = 143 ] && [ $((t1 - t0)) -lt 3000 ] &&
	grep -qE "^blklockctl: lock $n \(vol4\) was requested by another process: sending SIGTERM to the command \(pid [0-9]+\)\$" "$T/rqname.err" &&
	grep -q "^released lock $n (vol4)\$" "$T/rqname" &&
	pass run-on-request-term || fail run-on-request-term "exit $rc after $((t1 - t0)) ms: $(cat "$T/rqname" "$T/rqname.err" | tr '\n' '|')"
grep -qx 'NAME op=0 name=vol4 flags=0' "$RD/log" && pass request-name-lookup || fail request-name-lookup "$(tr '\n' '|' < "$RD/log")"
# A lock taken earlier in the list is acknowledged, and CMD is not signalled for it.
rm -f "$T/go"
"${FAKE[@]}" acquire 2 run 6 --on-request=TERM -- sh -c "while [ ! -e '$T/go' ]; do sleep 0.05; done" > "$T/rqlist" 2> "$T/rqlist.err" &
pid=$!
wait_for "$T/rqlist" '^acquired lock 6 '
: > "$RD/log"
"${FAKE[@]}" -q request 2
wait_for "$RD/log" '^STATUS lock=6 '
sleep 0.3
touch "$T/go"
wait $pid; rc=$?
[ $rc = 0 ] && [ ! -s "$T/rqlist.err" ] && grep -q '^STATUS lock=2 ' "$RD/log" &&
	[ "$(grep -c '^STATUS' "$RD/log")" = 2 ] && pass run-on-request-other-lock ||
	fail run-on-request-other-lock "exit $rc: $(cat "$T/rqlist.err" "$RD/log" | tr '\n' '|')"
# Without --on-request, run does not watch for requests: CMD is left alone.
rm -f "$T/go"
"${FAKE[@]}" run 6 -- sh -c "while [ ! -e '$T/go' ]; do sleep 0.05; done" > "$T/rqnone" 2> "$T/rqnone.err" &
pid=$!
wait_for "$T/rqnone" '^acquired lock 6 '
: > "$RD/log"
f run-request-ignored 0 '^asked node 1 to release lock 6, generation [0-9]+$' -- request 6
sleep 0.3
touch "$T/go"
wait $pid; rc=$?
[ $rc = 0 ] && [ ! -s "$T/rqnone.err" ] && ! grep -q '^STATUS' "$RD/log" && pass run-no-on-request-ignores ||
	fail run-no-on-request-ignores "exit $rc: $(cat "$T/rqnone.err" "$RD/log" | tr '\n' '|')"
# POLLRDBAND that STATUS does not end (a lock CMD took itself through the
# inherited file): run looks again once a second, it does not spin.
: > "$RD/log"
t0=$(ms)
FAKE_BLKLOCK_RDBAND=1 f run-request-no-spin 0 '^released lock 6$' -- run 6 --on-request=TERM -- sleep 2.2
t1=$(ms)
n=$(grep -c '^STATUS' "$RD/log")
[ "$n" -ge 2 ] && [ "$n" -le 4 ] && [ ! -s "$T/err" ] && [ $((t1 - t0)) -lt 4000 ] && pass run-request-no-spin-status ||
	fail run-request-no-spin-status "$n STATUS in $((t1 - t0)) ms: $(head -c 200 "$T/err")"
: > "$RD/log"
FAKE_BLKLOCK_RDBAND=1 f run-request-unwatched 0 -- run 6 -- sleep 0.5
! grep -q '^STATUS' "$RD/log" && pass run-request-unwatched-no-status || fail run-request-unwatched-no-status "$(tr '\n' '|' < "$RD/log")"
# The lost lock still wins over a request.
FAKE_BLKLOCK_LOSE_AFTER_MS=200 FAKE_BLKLOCK_RDBAND=1 f run-request-then-lost 5 'a held lock is lost .*: stopping sleep with SIGTERM' -- \
	run 6 --on-request=USR1 -- sleep 20

# ---- paths: add-path, and the paths that status shows ------------------------

# The fake's ADD_PATH counts the lockspace's paths from its first (the
# attach's) and refuses as the module does; any errno can be forced.
PD=$T/pathdev PX=$T/pdisks
mkdir -p "$PD" "$PX" "$T/nosys"
export FAKE_BLKLOCK_DIR=$PD
# No disk here is held by dm-multipath, whatever this host's /sys/block says.
export BLKLOCK_SYS_BLOCK=$T/nosys
for d in sdb sdc sdd sde sdf; do : > "$PX/$d"; done
f add-path 0 "^added path $PX/sdc: 2 paths\$" -- add-path "$PX/sdc"
[ "$(cat "$T/out")" = "added path $PX/sdc: 2 paths" ] && [ ! -s "$T/err" ] &&
	grep -qx "ADD_PATH path=$PX/sdc flags=0" "$PD/log" && pass add-path-exact || fail add-path-exact "$(cat "$T/out" "$T/err" "$PD/log" | tr '\n' '|')"
: > "$PD/log"
f add-path-after-attach 0 -- attach "$PX/sdb" --node=1 --persistent add-path "$PX/sdc" add-path "$PX/sdd" add-path "$PX/sde" info
printf '%s\n' "attached $PX/sdb as node 1 persistently" "added path $PX/sdc: 2 paths" "added path $PX/sdd: 3 paths" \
	"added path $PX/sde: 4 paths" 'node 1' > "$T/want"
head -n 5 "$T/out" | cmp -s - "$T/want" && pass add-path-after-attach-lines || fail add-path-after-attach-lines "$(tr '\n' '|' < "$T/out")"
[ "$(grep -E '^(ATTACH|ADD_PATH)' "$PD/log" | tr '\n' '|')" = "ATTACH path=$PX/sdb node_id=1 flags=1 name=(none)|ADD_PATH path=$PX/sdc flags=0|ADD_PATH path=$PX/sdd flags=0|ADD_PATH path=$PX/sde flags=0|" ] &&
	pass add-path-after-attach-ioctls || fail add-path-after-attach-ioctls "$(tr '\n' '|' < "$PD/log")"
# The kernel's refusals: errno, hint, exit 3 (never a conflict: -E changes nothing); the list stops.
f add-path-enospc 3 "^added path $PX/sde: 4 paths\$" \
	"^blklockctl: add path $PX/sdf: No space left on device \\(ENOSPC\\); the lockspace has 4 paths already, the most it takes\$" -- \
	attach "$PX/sdb" --node=1 add-path "$PX/sdc" add-path "$PX/sdd" add-path "$PX/sde" add-path "$PX/sdf" info
! grep -q '^node ' "$T/out" && pass add-path-error-stops-list || fail add-path-error-stops-list "$(tr '\n' '|' < "$T/out")"
f add-path-eexist 3 "^blklockctl: add path $PX/sdb: File exists \\(EEXIST\\); it is a path of the lockspace already\$" -- \
	attach "$PX/sdb" --node=1 add-path "$PX/sdb"
f add-path-eexist-twice 3 "^added path $PX/sdc: 2 paths\$" "^blklockctl: add path $PX/sdc: File exists \\(EEXIST\\); it is a path of the lockspace already\$" -- \
	add-path "$PX/sdc" add-path "$PX/sdc"
FAKE_BLKLOCK_ADD_PATH_ERRNO=18 f add-path-exdev 3 "^blklockctl: add path $PX/sdc: Invalid cross-device link \\(EXDEV\\); it is not the lockspace's LUN: another LUN designator, another block 0, or this node's heartbeat slot reads differently through it \\(a copy or snapshot of the LUN\\); dmesg says which\$" -- \
	add-path "$PX/sdc"
FAKE_BLKLOCK_ADD_PATH_ERRNO=16 f add-path-ebusy 3 "^blklockctl: add path $PX/sdc: Device or resource busy \\(EBUSY\\); the disk is in use: mounted, or claimed by another lockspace or driver\$" -- \
	-E 9 add-path "$PX/sdc"
FAKE_BLKLOCK_ADD_PATH_ERRNO=95 f add-path-eopnotsupp 3 "^blklockctl: add path $PX/sdc: Operation not supported \\(EOPNOTSUPP\\); not a SCSI disk, or it cannot do COMPARE AND WRITE\$" -- add-path "$PX/sdc"
FAKE_BLKLOCK_ADD_PATH_ERRNO=15 f add-path-enotblk 3 "^blklockctl: add path $PX/sdc: Block device required \\(ENOTBLK\\); not a block device\$" -- add-path "$PX/sdc"
f add-path-enoent 3 "^blklockctl: add path $PX/nosuch: No such file or directory \\(ENOENT\\); no such disk\$" -- add-path "$PX/nosuch"
FAKE_BLKLOCK_ADD_PATH_ERRNO=22 f add-path-einval 3 "^blklockctl: add path $PX/sdc: Invalid argument \\(EINVAL\\); the kernel refused an argument; see dmesg\$" -- add-path "$PX/sdc"
FAKE_BLKLOCK_ADD_PATH_ERRNO=5 f add-path-eio 3 "^blklockctl: add path $PX/sdc: Input/output error \\(EIO\\); a SCSI command failed; see dmesg\$" -- add-path "$PX/sdc"
FAKE_BLKLOCK_ADD_PATH_ERRNO=25 f add-path-enotty 3 '\(ENOTTY\); this blklock module has no paths \(BLKLOCK_IOC_ADD_PATH\): it is older than this blklockctl$' -- add-path "$PX/sdc"
FAKE_BLKLOCK_NO_ADMIN=1 f add-path-eperm 3 "^blklockctl: add path $PX/sdc: Operation not permitted \\(EPERM\\); needs CAP_SYS_ADMIN\$" -- add-path "$PX/sdc"
FAKE_BLKLOCK_NO_SPACE=1 f add-path-enxio 3 "^blklockctl: add path $PX/sdc: No such device or address \\(ENXIO\\); no lockspace attached to this file: attach it first in the same command list \\(attach DISK --node=N add-path DISK2\\), or the disk is gone\$" -- \
	add-path "$PX/sdc"
FAKE_BLKLOCK_NO_SPACE=1 f add-path-enxio-attached 0 "^added path $PX/sdc: 2 paths\$" -- --device "$PX/sdb" --node 2 add-path "$PX/sdc"
f add-path-json 0 -- -J attach "$PX/sdb" --node=2 add-path "$PX/sdc"
P=$PX jcheck add-path-json "$T/out" 'L == [{"type": "attached", "disk": E["P"] + "/sdb", "node": 2, "name": None, "persistent": False, "already": False},
{"type": "path-added", "disk": E["P"] + "/sdc", "paths": 2, "already": False}]'
f add-path-json-error 3 'EEXIST' -- -J attach "$PX/sdb" --node=2 add-path "$PX/sdb"
jcheck add-path-json-error-stdout "$T/out" 'len(L) == 1 and L[0]["type"] == "attached"'
f add-path-quiet 0 -- -q add-path "$PX/sdc"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && pass add-path-quiet-silent || fail add-path-quiet-silent "$(cat "$T/out" "$T/err" | head -c 200)"
unset BLKLOCK_SYS_BLOCK

# status without LOCK: one line per path, from the lockspace's sysfs
# directory (the one whose uuid and node_id are INFO's), the attach path
# (INFO's disk) first, then by name; none without paths/.
SK=$T/sysk SP=$T/sysk/0f8a1122-3344-4566-8788-99aabbccddee:1
mkpath() {	# mkpath DIR DISK STATE ERRORS FAILOVERS FAILED_MS
	mkdir -p "$1/paths/$2"
	echo "$3" > "$1/paths/$2/state"
	echo "$4" > "$1/paths/$2/errors"
	echo "$5" > "$1/paths/$2/failovers"
	echo "$6" > "$1/paths/$2/failed_ms"
}
for dir in "$SP" "$SK/0f8a1122-3344-4566-8788-99aabbccddee:2" "$SK/11111111-2222-3333-4444-555555555555:1"; do
	mkdir -p "$dir"
	echo "${dir##*/}" | cut -d: -f1 > "$dir/uuid"
	echo "${dir##*:}" > "$dir/node_id"
done
up=$(cut -d' ' -f1 /proc/uptime)
failed=$(( ${up%.*} * 1000 + 10#${up#*.} * 10 - 5000 ))
mkpath "$SP" sdaa standby 0 0 0
mkpath "$SP" sdc failed 3 1 "$failed"
mkpath "$SP" fake0 active 0 0 0
mkpath "$SP" sdd standby 1 0 0
mkdir -p "$SP/paths/sde"; echo active > "$SP/paths/sde/state"	# no counters: unreadable
mkpath "$SK/0f8a1122-3344-4566-8788-99aabbccddee:2" sdx active 0 0 0
mkpath "$SK/11111111-2222-3333-4444-555555555555:1" sdy active 0 0 0
export BLKLOCK_SYSFS=$SK
FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f status-paths 0 '^this node 1 heartbeat live ' '^node 1 self ' -- status
grep '^path ' "$T/out" > "$T/paths.out"
if [ "$(sed -n 1p "$T/paths.out")" = "path fake0: active, 0 errors, 0 failovers" ] &&
   grep -qE '^path sdc: failed, 3 errors, 1 failover, last failed (49[0-9][0-9]|[5-9][0-9]{3}) ms ago$' "$T/paths.out" &&
   [ "$(sed -n 2p "$T/paths.out" | cut -d, -f1)" = "path sdc: failed" ] &&
   [ "$(sed -n 3p "$T/paths.out")" = "path sdd: standby, 1 error, 0 failovers" ] &&
   [ "$(sed -n 4p "$T/paths.out")" = "path sde: unknown (its sysfs files could not be read)" ] &&
   [ "$(sed -n 5p "$T/paths.out")" = "path sdaa: standby, 0 errors, 0 failovers" ] &&
   [ "$(wc -l < "$T/paths.out")" = 5 ]; then
	pass status-paths-lines
else
	fail status-paths-lines "$(tr '\n' '|' < "$T/paths.out")"
fi
# After the lockspace's two lines, before the nodes.
[ "$(grep -nE '^(this node|path fake0|path sdaa|node 1 self)' "$T/out" | cut -d: -f1 | tr '\n' ' ')" = "2 3 7 8 " ] &&
	pass status-paths-placed || fail status-paths-placed "$(head -n 9 "$T/out" | tr '\n' '|')"
FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f status-paths-json 0 -- -J status
jcheck status-paths-json "$T/out" 'len(L) == 1 and list(L[0]).index("paths") < list(L[0]).index("nodes") and
[p for p in L[0]["paths"] if p["disk"] != "sdc"] == [
{"disk": "fake0", "state": "active", "errors": 0, "failovers": 0, "failed_ago_ms": None},
{"disk": "sdd", "state": "standby", "errors": 1, "failovers": 0, "failed_ago_ms": None},
{"disk": "sde", "state": "unknown", "errors": None, "failovers": None, "failed_ago_ms": None},
{"disk": "sdaa", "state": "standby", "errors": 0, "failovers": 0, "failed_ago_ms": None}] and
[p["disk"] for p in L[0]["paths"]] == ["fake0", "sdc", "sdd", "sde", "sdaa"] and
{k: v for k, v in L[0]["paths"][1].items() if k != "failed_ago_ms"} == {"disk": "sdc", "state": "failed", "errors": 3, "failovers": 1} and
4900 <= L[0]["paths"][1]["failed_ago_ms"] < 10000 and len(L[0]["nodes"]) == 4'
# Node 2 of the same lockspace has a directory of its own.
FAKE_BLKLOCK_NODE=2 FAKE_BLKLOCK_IMAGE=$IMG f status-paths-other-node 0 '^path sdx: active, 0 errors, 0 failovers$' -- status
[ "$(grep -c '^path ' "$T/out")" = 1 ] && pass status-paths-other-node-only || fail status-paths-other-node-only "$(grep '^path ' "$T/out" | tr '\n' '|')"
# A module without paths/, or without sysfs: no path lines, no error.
rm -r "$SP/paths"
FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f status-no-paths-dir 0 '^node 1 self ' '^locks: 4 held' -- status
! grep -q '^path ' "$T/out" && [ ! -s "$T/err" ] && pass status-no-paths-dir-silent || fail status-no-paths-dir-silent "$(cat "$T/out" "$T/err" | grep -E '^path|blklockctl' | tr '\n' '|')"
FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f status-no-paths-dir-json 0 -- -J status
jcheck status-no-paths-dir-json "$T/out" 'len(L) == 1 and "paths" not in L[0] and len(L[0]["nodes"]) == 4 and "error" not in L[0]'
BLKLOCK_SYSFS=$T/no-sysfs FAKE_BLKLOCK_IMAGE=$IMG FAKE_BLKLOCK_NODES=$NODES_SPEC f status-no-sysfs 0 '^locks: 4 held' -- status
! grep -q '^path ' "$T/out" && [ ! -s "$T/err" ] && pass status-no-sysfs-silent || fail status-no-sysfs-silent "$(cat "$T/out" "$T/err" | head -c 200)"
unset BLKLOCK_SYSFS
export FAKE_BLKLOCK_DIR=$L

fi # fake

# attach, detach, probe, wait-device, start, stop without the module.
# shellcheck source=attach.sh
. "$SRC/test/attach.sh"

echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ]
