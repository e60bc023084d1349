#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks: checkpatch.pl --strict over every source file of the
# module, sparse (make C=2) against both kernels, and shellcheck over the
# scripts.  Any finding fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_env

rc=0
CP=$KSRC/scripts/checkpatch.pl
files=("$TOP"/drivers/blklock/*.[ch] "$TOP"/include/uapi/linux/blklock.h)
for f in "${files[@]}"; do
	rel=${f#"$TOP"/}
	ignore=()
	# TRACE_EVENT's own layout (one TP_* argument per line, each opened
	# at the end of its line), as in the kernel's include/trace/events.
	[ "$rel" = drivers/blklock/blklock_trace.h ] &&
		ignore=(--ignore "PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE")
	out=$(perl "$CP" --strict --no-tree --quiet --show-types "${ignore[@]}" -f "$f" 2>&1 || true)
	if [ -n "$out" ]; then
		echo "$out" > "$LOGDIR/checkpatch-$(basename "$f").log"
		fail "checkpatch/$rel" "$(echo "$out" | grep -m1 -E '^(ERROR|WARNING|CHECK)')"
		rc=1
	else
		pass "checkpatch/$rel"
	fi
done

for k in 61 612; do
	kver_var=KVER_$k kdir_var=KDIR_$k
	kver=${!kver_var} kdir=${!kdir_var}
	dir=$OUTDIR/sparse-$kver
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$TOP/Kbuild" "$TOP/drivers" "$TOP/include" "$dir/"
	log=$LOGDIR/sparse-$(kshort "$kver").log
	if ! make -C "$kdir" M="$dir" C=2 W=1 modules > "$log" 2>&1; then
		fail "sparse/$(kshort "$kver")" "build failed: $(grep -m1 -E 'error' "$log")"
		rc=1
	elif ! grep -q 'CHECK ' "$log"; then
		fail "sparse/$(kshort "$kver")" "sparse did not run (is the sparse package installed?)"
		rc=1
	elif grep -qE '(warning|error):' "$log"; then
		fail "sparse/$(kshort "$kver")" "$(grep -m1 -E '(warning|error):' "$log")"
		rc=1
	else
		pass "sparse/$(kshort "$kver")"
	fi
done

# Warnings and errors (not style notes) in every script, host and guest.
if ! command -v shellcheck >/dev/null; then
	fail shellcheck/scripts "shellcheck is not installed (tools/testing/setup.sh installs it)"
	rc=1
elif (cd "$TOP" && shellcheck -S warning -x tools/testing/*.sh tools/testing/*/*.sh \
	tools/testing/vm/guest-init tools/testing/vm/tests/*.sh tools/blklockctl/test/run.sh tools/bench/*.sh \
	tools/testing/cluster/guest-init tools/testing/rootfs/test-agent tools/model/*.sh .ci/run \
	tools/deploy/ocf/lock) > "$LOGDIR/shellcheck.log" 2>&1; then
	pass shellcheck/scripts
else
	fail shellcheck/scripts "$(grep -m1 -B2 'SC[0-9]' "$LOGDIR/shellcheck.log" | tr '\n' ' ')"
	rc=1
fi
exit $rc
