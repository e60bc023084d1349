#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: installs what is missing (setup.sh), then runs every test:
#   build   blklock.ko for 6.1 and 6.12 (W=1, warnings fail), tools
#   tools   blklockctl's host tests (a fake /dev/blklock, no module)
#   ocf     the Pacemaker resource agent ocf:blklock:lock: ocf-tester and
#           its start/monitor/stop on that fake (contention, a lost lock)
#   static  checkpatch --strict, sparse, shellcheck
#   docs    Documentation/ reStructuredText and the man page, warning-free
#   package make deb: the contents of blklock-dkms and blklock-tools,
#           lintian, the unit, DKMS builds for 6.1 and 6.12 (never
#           installed), make modules_install
#   kunit   KUnit suites on UML (linux-source-6.12)
#   vm      the guest tests on both kernels, scsi_debug and LIO
#   debug   the guest tests on the debug kernel (KASAN, lockdep, kmemleak,
#           UBSAN, debug objects, fault injection): any report fails
#   cluster 3 node VMs sharing a LUN that a target VM serves over iSCSI
#   boot    the README's quick start on two Debian 12 nodes booted with
#           systemd: the packages installed with dpkg, DKMS, blklock.service
#           attaching by uuid (rootfs/boot-test.sh)
# and ends with one line: N passed, N failed, N skipped.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

RESULTS=$OUTDIR/results.txt
: > "$RESULTS"
timing=()

stage() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	echo "== $name" >&2
	"$@" 2> >(sed "s/^/  [$name] /" >&2) | tee -a "$RESULTS" | tee "$LOGDIR/stage-$name.txt"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! grep -q '^FAIL' "$LOGDIR/stage-$name.txt"; then
		echo "FAIL $name/script: exited $rc without reporting a failure" | tee -a "$RESULTS"
	fi
	timing+=("$(printf '%-8s %4d s' "$name" $(($(date +%s) - start)))")
}

# The ABI description of the sysfs files: in the kernel's format (its
# get_abi.pl validates it), and naming exactly the files sysfs.c makes.
abi_check() {
	local abi=$TOP/Documentation/ABI/testing/sysfs-kernel-blklock out code doc
	local tool=${KSRC:-}/scripts/get_abi.pl
	if [ ! -f "$tool" ]; then
		fail docs/abi-format "no $tool (KSRC, from setup's env.sh, is '${KSRC:-}')"
		return 1
	fi
	if ! out=$(perl "$tool" validate --dir "$TOP/Documentation/ABI" 2>&1) || [ -n "$out" ]; then
		fail docs/abi-format "$(echo "${out:-get_abi.pl failed}" | head -n 1)"
		return 1
	fi
	pass docs/abi-format
	code=$( {
		sed -n 's/^BLKLOCK_SPACE_ATTR(\([a-z_0-9]*\),.*/\1/p' "$TOP/drivers/blklock/sysfs.c"
		sed -n 's/^\tBLKLOCK_STAT(\([a-z_0-9]*\),.*/stats\/\1/p' "$TOP/drivers/blklock/sysfs.c"
		sed -n 's/^BLKLOCK_PATH_ATTR(\([a-z_0-9]*\),.*/paths\/<disk>\/\1/p' "$TOP/drivers/blklock/sysfs.c"
	} | sort)
	doc=$(sed -n 's|^What:[[:space:]]*/sys/kernel/blklock/<uuid>:<node_id>/||p' "$abi" | sort)
	if [ -z "$code" ] || [ "$code" != "$doc" ]; then
		fail docs/abi-complete "sysfs.c and sysfs-kernel-blklock differ: $(diff <(echo "$code") <(echo "$doc") | grep '^[<>]' | tr '\n' ' ')"
		return 1
	fi
	pass docs/abi-complete
}

docs() {
	local out rc=0
	load_env	# KSRC: the kernel source whose get_abi.pl validates the ABI file
	if [ ! -f "$TOP/Documentation/blklock/index.rst" ]; then
		fail docs/missing "no Documentation/blklock/index.rst"
		return 1
	fi
	# The kernel's documentation toolchain: Sphinx, warnings are errors.
	rm -rf "$OUTDIR/docs"
	if out=$(sphinx-build -C -W --keep-going -q -b html \
		"$TOP/Documentation/blklock" "$OUTDIR/docs" 2>&1); then
		pass docs/sphinx
	else
		fail docs/sphinx "$(echo "$out" | head -n 1)"
		rc=1
	fi
	abi_check || rc=1
	out=$(groff -man -Tutf8 -ww -z "$TOP/tools/blklockctl/blklockctl.8" 2>&1)
	if [ -z "$out" ]; then
		pass docs/blklockctl.8
	else
		fail docs/blklockctl.8 "$(echo "$out" | head -n 1)"
		rc=1
	fi
	return $rc
}

DEBUG_TESTS=${BLKLOCK_DEBUG_TESTS:-10-* 20-* 30-* 50-* 55-* 57-* 59-* 60-* 70-* 88-* 89-faultinj-alloc* 90-* 91-*}
total_start=$(date +%s)
if ! "$HERE/setup.sh"; then
	echo "FAIL setup: tools/testing/setup.sh failed" | tee -a "$RESULTS"
else
	stage build "$HERE/build.sh"
	stage tools make -s -C "$TOP/tools/blklockctl" check TESTOUT="$OUTDIR/blklockctl-test"
	stage ocf "$HERE/ocf.sh"
	stage static "$HERE/static.sh"
	stage docs docs
	stage package "$HERE/package.sh"
	stage model "$HERE/../model/run.sh"
	stage kunit "$HERE/kunit/run.sh"
	stage vm "$HERE/vm/run.sh"
	# The debug kernel under TCG is several times slower: the tests whose
	# verdicts hang on the heartbeat's deadlines (40's storm, 80, 85, 87)
	# self-fence there and stay with Debian's kernels (testing.rst), and so
	# does 89-faultinj (its validate of unknown fate failed there once).
	stage debug "$HERE/vm/run.sh" --kernel debug --tests "$DEBUG_TESTS"
	stage cluster "$HERE/cluster/run.sh"
	stage boot "$HERE/rootfs/boot-test.sh"
fi

echo
echo "Stage times:"
printf '  %s\n' "${timing[@]}"
echo "  total    $(($(date +%s) - total_start)) s"
echo
grep '^FAIL' "$RESULTS" || true
grep '^SKIP' "$RESULTS" || true
passed=$(grep -c '^PASS' "$RESULTS")
failed=$(grep -c '^FAIL' "$RESULTS")
skipped=$(grep -c '^SKIP' "$RESULTS")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
