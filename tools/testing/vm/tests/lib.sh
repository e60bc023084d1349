# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Result helpers for the guest tests (busybox sh).  A result is one line
#   @@BLKTEST@@ PASS|FAIL|SKIP <file>/<name>[: reason]
# which the host turns into its own PASS/FAIL/SKIP line.

pass() { echo "@@BLKTEST@@ PASS $TEST_FILE/$1"; }
fail() { echo "@@BLKTEST@@ FAIL $TEST_FILE/$1: $2"; }
skip() { echo "@@BLKTEST@@ SKIP $TEST_FILE/$1: $2"; }

# check NAME COMMAND...: pass if COMMAND succeeds, else fail naming it.
check() {
	_name=$1
	shift
	if "$@"; then pass "$_name"; else fail "$_name" "$*"; fi
}

load_blklock() {
	modprobe crc32c_generic 2>/dev/null
	modprobe libcrc32c 2>/dev/null
	insmod "$BLKLOCK_KO" "$@"
}
