# SPDX-License-Identifier: GPL-2.0
# Shared by the host-side test scripts: paths, cache, result lines.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${BLKLOCK_CACHE:-/var/cache/blklock}
OUTDIR=$TOP/out
LOGDIR=$OUTDIR/logs
mkdir -p "$LOGDIR"

load_env() {
	if [ ! -f "$CACHE/env.sh" ]; then
		echo "no $CACHE/env.sh: run tools/testing/setup.sh (make setup) first" >&2
		exit 1
	fi
	# shellcheck source=/dev/null
	. "$CACHE/env.sh"
}

# Result lines counted by check.sh.
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# short name of a kernel version: 6.1 or 6.12
kshort() { echo "$1" | cut -d. -f1,2; }
