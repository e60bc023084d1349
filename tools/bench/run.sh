#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boots Debian's 6.12 kernel once (QEMU, TCG) with scsi_debug
# serving one LUN through three paths and runs tools/bench/guest-bench.sh
# there: raw COMPARE AND WRITE through SG_IO (the physical limit),
# blklock's uncontended and contended lock cycles, heartbeat I/O with 1,
# 100 and 10,000 locks held, takeover time, and sanlock acquiring and
# releasing a resource lease on the same LUN; each with scsi_debug at
# zero delay and at ndelay=200000 (a SAN round trip of about 200 us).
# Then, in a second VM with LIO serving one LUN through two paths, path
# failover (tools/bench/guest-failover.sh) beside a one-path baseline.
# Prints the table; writes out/bench/{raw.txt,results.json,table.rst,bench.png}.
# Not part of make check: figures are printed, never asserted.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../testing/lib.sh"

"$TOP/tools/testing/setup.sh"
missing=()
for p in sanlock libsanlock-dev python3-matplotlib; do
	dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
load_env
if ! "$TOP/tools/testing/build.sh" > "$LOGDIR/bench-build.log" 2>&1; then
	echo "bench: the build failed; see $LOGDIR/bench-build.log" >&2
	exit 1
fi
B=$OUTDIR/bench
mkdir -p "$B"
gcc -std=c11 -Wall -Wextra -Werror -O2 -o "$B/sanlock-bench" "$HERE/sanlock-bench.c" -lsanlock_client
BLKLOCK_VM_EXTRA="$B/sanlock-bench /usr/sbin/sanlock" \
	"$TOP/tools/testing/vm/run.sh" --kernel 6.12 --profile scsi_debug \
	--script "$HERE/guest-bench.sh" --timeout 1500 > "$B/raw.txt"
# Path failover needs two paths to one LUN: LIO's (scsi_debug's disks
# report two LUN designators).
"$TOP/tools/testing/vm/run.sh" --kernel 6.12 --profile lio \
	--script "$HERE/guest-failover.sh" --timeout 600 >> "$B/raw.txt"
{
	echo "Measured by 'make bench' on $(date -u +%Y-%m-%d), Debian kernel $KVER_612 in QEMU"
	echo "(TCG, no KVM) on $(nproc) host cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "scsi_debug LUN (one RAM disk, three paths), 512-byte blocks."
} > "$B/conditions.txt"
cat "$B/conditions.txt"
# Debian's python3, which has python3-matplotlib (not a pyenv one).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
"$PY" "$HERE/report.py" "$B/raw.txt" "$B"
