#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots Debian's own kernels in QEMU (TCG) with blklock and the test
# files, one boot per (kernel, LUN profile), and prints one
# PASS/FAIL/SKIP line per guest check, named vm-<kernel>-<profile>/...
#
#   run.sh [--kernel 6.1|6.12|debug|all] [--profile scsi_debug|lio|all]
#          [--tests 'GLOB...'] [--timeout SECONDS] [--script FILE]
#
# --tests takes one or more globs of test file names, separated by spaces.
# --script runs FILE in the guest instead of the tests and prints its
# output (make demo uses it).
#
# A test file runs in every profile unless a "# profiles: ..." line in it
# says otherwise.  A guest that hangs or panics is killed after the
# timeout and reported as a failure; its console log is kept in
# out/logs/.  BLKLOCK_VM_ACCEL=kvm opts into KVM (it hangs here).
#
# "all" is Debian's two kernels; "debug" is the KASAN/lockdep/kmemleak
# kernel of tools/testing/debug-kernel/.  After every boot the guest's
# dmesg is searched for kernel reports (kernel_reports below) and, where
# kmemleak exists, its scan after the last rmmod for leaks of blklock.
#
# BLKLOCK_FUZZ_SECS and BLKLOCK_FUZZ_SEED reach the ioctl fuzzer's test
# (88-ioctl-fuzz) through the kernel command line.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
load_env

kernels=all profiles=all glob='*' timeout=600 script=
while (($#)); do
	case $1 in
	--kernel) kernels=$2; shift ;;
	--profile) profiles=$2; shift ;;
	--tests) glob=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--script) script=$(realpath "$2"); shift ;;
	*) echo "usage: $0 [--kernel 6.1|6.12|debug|all] [--profile scsi_debug|lio|all] [--tests GLOB] [--timeout S]" >&2; exit 2 ;;
	esac
	shift
done
[ "$kernels" = all ] && kernels="6.1 6.12"
[ "$profiles" = all ] && profiles="scsi_debug lio"

# The ioctl fuzzer's time and seed, for the guest (88-ioctl-fuzz.sh).
fuzz_args=
[ -z "${BLKLOCK_FUZZ_SECS:-}" ] || fuzz_args+=" blklock.fuzz_secs=$BLKLOCK_FUZZ_SECS"
[ -z "${BLKLOCK_FUZZ_SEED:-}" ] || fuzz_args+=" blklock.fuzz_seed=$BLKLOCK_FUZZ_SEED"

MODS="sd_mod sg scsi_debug loop target_core_mod target_core_file tcm_loop libcrc32c crc32c_generic configfs dm_multipath dm_round_robin"
G=$OUTDIR/guest

# Build the initramfs for kernel $1 (version) and profile $2, named $4.
make_initrd() {
	local kver=$1 profile=$2 kimg=$3 k=$4 root f t g picked
	root=$OUTDIR/vmroot-$k
	busybox_root "$root"
	mkdir -p "$root/tests"
	# shellcheck disable=SC2086 # one word per module
	copy_modules "$root" "$kver" "$kimg" $MODS
	cp "$OUTDIR/$kver/blklock.ko" "$root/lib/modules/$kver/extra/"
	mkdir -p "$root/lib/blklock-test"
	cp "$OUTDIR/$kver/blklock-test.ko" "$root/lib/blklock-test/blklock.ko"
	depmod -b "$root" "$kver"
	cp "$G"/* "$root/usr/bin/"
	# BLKLOCK_VM_EXTRA: more programs for the guest (make bench: sanlock).
	for f in sg_compare_and_write sg_raw sg_readcap sg_vpd sg_inq dmsetup ${BLKLOCK_VM_EXTRA:-}; do
		copy_prog "$root" "$f"
	done
	cp "$HERE/guest-init" "$root/init"
	chmod +x "$root/init"
	cp "$HERE"/tests/*.sh "$root/tests/"
	: > "$root/tests/run-list"
	if [ -n "$script" ]; then
		cp "$script" "$root/tests/$(basename "$script")"
		basename "$script" > "$root/tests/run-list"
		glob=none
	fi
	for t in "$HERE"/tests/[0-9]*.sh; do
		f=$(basename "$t")
		picked=no
		set -f	# the globs are for the names below, not for the cwd
		for g in $glob; do
			# shellcheck disable=SC2254
			case $f in $g) picked=yes ;; esac
		done
		set +f
		[ "$picked" = yes ] || continue
		if grep -q '^# profiles:' "$t" && ! grep '^# profiles:' "$t" | grep -qw "$profile"; then
			continue
		fi
		echo "$f" >> "$root/tests/run-list"
	done
	pack_root "$root" "$OUTDIR/initrd-$k-$profile.gz"
	[ -s "$root/tests/run-list" ]
}

# What the kernel's checkers print: KASAN, lockdep, UBSAN, debug objects,
# list debugging, sleeping in atomic context, and any BUG/WARNING/oops.
REPORTS='BUG: |WARNING: |Oops|general protection fault|kernel BUG at|UBSAN:|ODEBUG:|list_(add|del) corruption|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|possible deadlock|INFO: task .* blocked for more than'

# Reports of the simulated target itself, not of the kernel under test:
# LIO warns when a COMPARE AND WRITE it had not started is failed by a
# LUN reset (target_core_sbc.c, compare_and_write_callback), which the
# error handling of a timed-out command on one path sends while another
# path carries commands (70-multipath on the debug kernel).
TARGET_QUIRKS='WARNING: CPU: [0-9]+ PID: [0-9]+ at drivers/target/target_core_sbc.c:[0-9]+ compare_and_write_callback'

# kernel_reports STAGE LOG: one PASS or FAIL line for the guest dmesg the
# console log ends with, and one for kmemleak's scan when it ran; a report
# is copied into out/logs/STAGE.reports.txt.
kernel_reports() {
	local stage=$1 log=$2 out=$LOGDIR/$1.reports.txt n q leaks
	if ! grep -q '^---- dmesg ----' "$log"; then
		return 0	# the guest did not get there: reported as no end marker
	fi
	sed -n '/^---- dmesg ----/,$p' "$log" | grep -E -A 30 "$REPORTS" > "$out" || true
	n=$(grep -E "$REPORTS" "$out" | grep -c -v -E "$TARGET_QUIRKS" || true)
	q=$(grep -E "$REPORTS" "$out" | grep -c -E "$TARGET_QUIRKS" || true)
	[ "$q" = 0 ] || echo "$stage: kernel-reports: $q warning(s) of LIO's own COMPARE AND WRITE code set aside (a LUN reset from one path's error handling failed another path's command; testing.rst): see $out"
	if [ "$n" = 0 ]; then
		pass "$stage/kernel-reports"
	else
		fail "$stage/kernel-reports" "$n report line(s), first: $(grep -E "$REPORTS" "$out" | grep -m1 -v -E "$TARGET_QUIRKS" | sed 's/^\[[ 0-9.]*\] //'); see $out"
	fi
	grep -q '^---- kmemleak ----' "$log" || { [ "$n" = 0 ]; return; }
	leaks=$("$HERE/kmemleak-blklock.py" "$log")
	# 91-kmemleak leaked objects on purpose: kmemleak must name them
	# blklock's (the check's positive control); they are no finding.
	if grep -q '^@@BLKTEST@@ KMEMLEAK-CONTROL' "$log"; then
		if echo "$leaks" | grep -q '^control '; then
			pass "$stage/kmemleak-control"
		else
			fail "$stage/kmemleak-control" "the objects 91-kmemleak leaked on purpose were not reported as blklock's leaks; see $log"
			n=$((n + 1))
		fi
	fi
	leaks=$(echo "$leaks" | grep -v '^control ' || true)
	if [ -z "$leaks" ]; then
		pass "$stage/kmemleak"
	else
		fail "$stage/kmemleak" "$(echo "$leaks" | wc -l) object(s) allocated by blklock never freed, first: $(echo "$leaks" | head -n1); see $log"
	fi
	[ "$n" = 0 ] && [ -z "$leaks" ]
}

# last_words LOG: for a guest that ended without its end marker, the
# test file it was running and what the kernel said last (the panic or
# oops line and the RIP, which a panic prints on the console whatever
# the loglevel), so that a summary of the run says why.  The console's
# last lines go to stdout too.
last_words() {
	local log=$1 t k rip
	t=$(sed -n 's/^@@BLKTEST@@ BEGIN //p' "$log" | tail -n 1)
	k=$(grep -E -m1 'Kernel panic|BUG: |Oops|general protection fault|kernel BUG at|Attempted to kill init|Out of memory' "$log" |
		sed 's/^\[[ 0-9.]*\] //' || true)
	rip=$(grep -E -m1 'RIP: [0-9a-f]{4}:' "$log" | sed 's/.*RIP: [0-9a-f]*://; s/ .*//' || true)
	tail -n 60 "$log" | sed 's/^/console| /'
	echo "while running ${t:-no test file yet}; kernel said: ${k:-nothing (no panic or oops on the console)}${rip:+; RIP $rip}"
}

rc=0
for k in $kernels; do
	case $k in
	6.1) kver=$KVER_61 kimg=$KIMG_61 ;;
	6.12) kver=$KVER_612 kimg=$KIMG_612 ;;
	debug) kver=${KVER_DBG:-} kimg=${KIMG_DBG:-} ;;
	*) echo "unknown kernel $k" >&2; exit 2 ;;
	esac
	if [ -z "$kver" ]; then
		fail "vm-$k/kernel" "no debug kernel: tools/testing/debug-kernel/build.sh did not run"
		rc=1
		continue
	fi
	if [ ! -f "$OUTDIR/$kver/blklock.ko" ]; then
		fail "vm-$k/module" "no out/$kver/blklock.ko: the build failed or did not run"
		rc=1
		continue
	fi
	for p in $profiles; do
		stage=vm-$k-$p
		log=$LOGDIR/$stage.console.log
		if ! make_initrd "$kver" "$p" "$kimg" "$k"; then
			echo "$stage: no test selected" >&2
			continue
		fi
		accel=${BLKLOCK_VM_ACCEL:-tcg} mem=1G tmo=$timeout
		# KASAN's shadow, kmemleak's pool and the slower debug kernel
		[ "$k" = debug ] && mem=2G tmo=$((timeout * 3))
		start=$(date +%s)
		set +e
		timeout --signal=KILL "$tmo" qemu-system-x86_64 -accel "$accel" \
			-m "$mem" -smp 2 -nographic -no-reboot \
			-kernel "$kimg/boot/vmlinuz-$kver" \
			-initrd "$OUTDIR/initrd-$k-$p.gz" \
			-append "console=ttyS0 loglevel=1 panic=-1 log_buf_len=16M blklock.profile=$p$fuzz_args" \
			< /dev/null > "$log" 2>&1
		qrc=$?
		set -e
		tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
		echo "$stage: guest ran $(($(date +%s) - start)) s (console log $log)" >&2
		sed -n 's/^@@BLKTEST@@ \(PASS\|FAIL\|SKIP\) /\1 '"$stage"'\//p' "$log"
		[ -z "$script" ] || sed -n "s/^\[$(basename "$script")\] //p" "$log"
		sed -n "s/^@@BLKTEST@@ FIGURE /figure $stage\//p" "$log"
		kernel_reports "$stage" "$log" || rc=1
		if grep -q '^@@BLKTEST@@ FAIL' "$log"; then
			rc=1
		fi
		if ! grep -q '^@@BLKTEST@@ END' "$log"; then
			if [ "$qrc" = 137 ]; then
				why=$(last_words "$log" | tee /dev/stderr | tail -n 1)
				fail "$stage/guest" "killed after ${tmo} s (hang?) $why; see $log"
			else
				why=$(last_words "$log" | tee /dev/stderr | tail -n 1)
				fail "$stage/guest" "no end marker (panic or crash, qemu exit $qrc) $why; see $log"
			fi
			rc=1
		fi
	done
done
exit $rc
