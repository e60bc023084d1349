#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The OCF resource agent ocf:blklock:lock (tools/deploy/ocf/lock) on the
# host, against blklockctl's fake /dev/blklock (the tools stage builds
# both into out/blklockctl-test; locks are flock()ed files there, so
# processes contend for them as nodes would):
#   - ocf-tester (Debian's resource-agents) passes: meta-data valid
#     against ra-api-1.dtd, probe, start, monitor, stop, restarts;
#   - start waits for a lock another process holds and fails when its
#     timeout ends; succeeds once the lock is free; the lock is then
#     held by the agent's holder process, not by the action;
#   - a lock lost meanwhile (the fake's FAKE_BLKLOCK_LOSE_AFTER_MS)
#     makes monitor fail (OCF_ERR_GENERIC), stop clean up, and the next
#     monitor say stopped;
#   - bad parameters: OCF_ERR_CONFIGURED; a missing blklockctl:
#     OCF_ERR_INSTALLED; a lockspace uuid not attached: OCF_ERR_CONFIGURED.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

AGENT=$TOP/tools/deploy/ocf/lock
TB=$OUTDIR/blklockctl-test
npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "PASS ocf/$1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL ocf/$1: $2"; }
finish() { echo "ocf: $npass passed, $nfail failed" >&2; [ "$nfail" = 0 ]; exit; }

for f in "$TB/blklockctl" "$TB/fake-blklock.so" /usr/sbin/ocf-tester /usr/bin/xmllint; do
	[ -e "$f" ] || { fail setup "$f is missing (the tools stage builds blklockctl-test; setup installs resource-agents and libxml2-utils)"; finish; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/blklock-ocf.XXXXXX")
trap 'pkill -f "$T/" 2>/dev/null; rm -rf "$T"' EXIT
chmod 755 "$T"
export FAKE_BLKLOCK_DIR=$T/dev OCF_ROOT=/usr/lib/ocf HA_RSCTMP=$T/rsctmp
mkdir -p "$FAKE_BLKLOCK_DIR" "$HA_RSCTMP"
# The agent runs this "blklockctl": the test build on the fake device.
cp "$TB/blklockctl" "$TB/fake-blklock.so" "$T/"
cat > "$T/blklockctl-fake" <<EOF
#!/bin/sh
LD_PRELOAD=$T/fake-blklock.so exec $T/blklockctl -c /fake/blklock "\$@"
EOF
cp "$AGENT" "$T/lock"
chmod 755 "$T/blklockctl-fake" "$T/lock"
BLC=$T/blklockctl-fake

# ra ACTION [NAME=VALUE...]: the agent as Pacemaker runs it; rc in $rc,
# output in $T/ra.out.
ra() {
	local action=$1
	shift
	env OCF_RESOURCE_INSTANCE=lk OCF_RESKEY_blklockctl="$BLC" \
		OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval=10000 \
		"$@" "$T/lock" "$action" > "$T/ra.out" 2>&1
	rc=$?
}
# expect NAME RC: the last ra returned RC.
expect() {
	if [ "$rc" = "$2" ]; then pass "$1"; else fail "$1" "rc $rc, want $2: $(tr '\n' ' ' < "$T/ra.out")"; fi
}

# ---- ocf-tester ------------------------------------------------------------
ocf-tester -n blklock-ocf-test -o lock=3 -o blklockctl="$BLC" "$T/lock" > "$T/tester" 2>&1
if [ $? = 0 ] && grep -q "passed all tests" "$T/tester"; then
	pass ocf-tester
else
	fail ocf-tester "$(tr '\n' ' ' < "$T/tester")"
fi
sed 's/^/  ocf-tester: /' "$T/tester" >&2

# ---- contention: another process holds lock 4 ------------------------------
"$BLC" acquire 4 > "$T/other" 2>&1 &
other=$!
for _ in $(seq 50); do grep -q "acquired lock 4" "$T/other" && break; sleep 0.1; done
ra start OCF_RESKEY_lock=4 OCF_RESKEY_timeout=600
expect start-while-held-fails 1
grep -q "timed out" "$T/ra.out" && pass start-while-held-says-why ||
	fail start-while-held-says-why "$(tr '\n' ' ' < "$T/ra.out")"
ra monitor OCF_RESKEY_lock=4
expect monitor-after-failed-start 7
kill -TERM $other
wait $other
ra start OCF_RESKEY_lock=4
expect start-once-free 0
ra monitor OCF_RESKEY_lock=4
expect monitor-running 0
# The lock outlives the start action: the agent's holder has it.
"$BLC" acquire 4 --nowait > "$T/try" 2>&1
[ $? != 0 ] && grep -q "busy" "$T/try" && pass held-after-start ||
	fail held-after-start "another acquire got: $(cat "$T/try")"
ra start OCF_RESKEY_lock=4
expect start-again-is-success 0
ra stop OCF_RESKEY_lock=4
expect stop 0
"$BLC" acquire 4 --nowait release 4 > "$T/try" 2>&1
[ $? = 0 ] && pass free-after-stop || fail free-after-stop "$(cat "$T/try")"
ra monitor OCF_RESKEY_lock=4
expect monitor-after-stop 7
ra stop OCF_RESKEY_lock=4
expect stop-again-is-success 0

# ---- the lock is lost while the resource runs ------------------------------
ra start OCF_RESKEY_lock=6 FAKE_BLKLOCK_LOSE_AFTER_MS=500
expect start-then-lose 0
sleep 1.5
ra monitor OCF_RESKEY_lock=6
expect monitor-after-loss-fails 1
grep -q "holder of lock 6 ended" "$T/ra.out" && pass monitor-after-loss-says-why ||
	fail monitor-after-loss-says-why "$(tr '\n' ' ' < "$T/ra.out")"
ra stop OCF_RESKEY_lock=6
expect stop-after-loss 0
ra monitor OCF_RESKEY_lock=6
expect monitor-after-loss-and-stop 7

# ---- configuration errors ------------------------------------------------------
ra validate-all OCF_RESKEY_lock=abc
expect validate-bad-lock 6
ra validate-all OCF_RESKEY_lock=1 OCF_RESKEY_uuid=not-a-uuid
expect validate-bad-uuid 6
ra validate-all OCF_RESKEY_lock=1 OCF_RESKEY_blklockctl=/nonexistent/blklockctl
expect validate-no-blklockctl 5
ra start OCF_RESKEY_lock=1 OCF_RESKEY_uuid=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
expect start-lockspace-not-attached 6
grep -q "is not attached on this node" "$T/ra.out" && pass not-attached-says-why ||
	fail not-attached-says-why "$(tr '\n' ' ' < "$T/ra.out")"
finish
