# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Result helpers for the guest tests (busybox sh).  A result is one line
#   @@BLKTEST@@ PASS|FAIL|SKIP <file>/<name>[: reason]
# which the host turns into its own PASS/FAIL/SKIP line.  A measured
# figure (printed, never asserted) is
#   @@BLKTEST@@ FIGURE <file>: text
# which the host prints as it is, after the results.

pass() { echo "@@BLKTEST@@ PASS $TEST_FILE/$1"; }
fail() { echo "@@BLKTEST@@ FAIL $TEST_FILE/$1: $2"; }
skip() { echo "@@BLKTEST@@ SKIP $TEST_FILE/$1: $2"; }
figure() { echo "@@BLKTEST@@ FIGURE $TEST_FILE: $*"; }

# check NAME COMMAND...: pass if COMMAND succeeds, else fail naming it.
check() {
	_name=$1
	shift
	if "$@"; then pass "$_name"; else fail "$_name" "$*"; fi
}

# rmmod: where kmemleak exists, blklock's address range is noted first
# (on the console), so that the scan at the end of the boot can tell
# blklock's leaks, whose backtraces are bare addresses once the module is
# gone, from other modules' (vm/kmemleak-blklock.py).  A function, as
# busybox sh runs its own applets before looking at PATH.
rmmod() {
	if [ -e /sys/kernel/debug/kmemleak ]; then
		awk '$1 == "blklock" { print "@@BLKTEST@@ RANGE", $6, $2 }' /proc/modules > /dev/console
	fi
	command rmmod "$@"
}

# sysdir DISK: the sysfs directory of the lockspace attached through
# DISK (/sys/kernel/blklock/<uuid>:<node id>, whose "disk" file names
# it); fails, printing nothing, when none is.
sysdir() {
	for _s in /sys/kernel/blklock/*:*; do
		if [ "$(cat "$_s/disk" 2>/dev/null)" = "${1##*/}" ]; then
			echo "$_s"
			return 0
		fi
	done
	return 1
}

load_blklock() {
	modprobe crc32c_generic 2>/dev/null
	modprobe libcrc32c 2>/dev/null
	insmod "$BLKLOCK_KO" "$@"
}

# The sd disks present, sorted (sda, sdb, ...).
sd_disks() {
	for _d in /sys/bus/scsi/drivers/sd/*/block/sd*; do
		[ -e "$_d" ] && basename "$_d"
	done | sort
}

# Wait for two disks and name them DISK_A and DISK_B.
wait_disks() {
	_i=0
	while [ "$(sd_disks | wc -l)" -lt 2 ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2046 # one word per disk name
	set -- $(sd_disks)
	[ $# -ge 2 ] || return 1
	export DISK_A=/dev/$1 DISK_B=/dev/$2
}
