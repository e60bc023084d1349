#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds blklock.ko for Debian's 6.1 and 6.12 kernels and for the debug
# kernel (tools/testing/debug-kernel/) with W=1 (any warning fails),
# blklockctl, and the static binaries the test VMs run.
#   out/<kver>/blklock.ko     the module, from a copy of the sources
#   out/<kver>/blklock-test.ko   the same with the test hooks (lease tests)
#   out/guest/                blklockctl, test helpers and the ioctl
#                             fuzzer, static
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_env

build_module() {
	local kver=$1 kdir=$2 k=$3 name=build/$3
	local dir=$OUTDIR/$kver
	rm -rf "$dir/src"
	mkdir -p "$dir/src"
	cp -r "$TOP/Kbuild" "$TOP/drivers" "$TOP/include" "$dir/src/"
	if ! make -C "$kdir" M="$dir/src" W=1 modules > "$LOGDIR/$k-build.log" 2>&1; then
		fail "$name" "build failed: $(grep -m1 -E 'error|Error' "$LOGDIR/$k-build.log")"
		return 1
	fi
	if grep -q 'warning:' "$LOGDIR/$k-build.log"; then
		fail "$name" "$(grep -c 'warning:' "$LOGDIR/$k-build.log") warning(s), first: $(grep -m1 'warning:' "$LOGDIR/$k-build.log")"
		return 1
	fi
	cp "$dir/src/blklock.ko" "$dir/blklock.ko"
	pass "$name"
	# The test build: the same sources with the debugfs fault hooks.
	rm -rf "$dir/test-src"
	mkdir -p "$dir/test-src"
	cp -r "$TOP/Kbuild" "$TOP/drivers" "$TOP/include" "$dir/test-src/"
	if make -C "$kdir" M="$dir/test-src" W=1 BLKLOCK_TEST_HOOKS=y modules \
		> "$LOGDIR/$k-build-test.log" 2>&1 &&
	   ! grep -q 'warning:' "$LOGDIR/$k-build-test.log"; then
		cp "$dir/test-src/blklock.ko" "$dir/blklock-test.ko"
		pass "$name-test-hooks"
	else
		fail "$name-test-hooks" "see $LOGDIR/$k-build-test.log"
		return 1
	fi
}

rc=0
build_module "$KVER_61" "$KDIR_61" 6.1 || rc=1
build_module "$KVER_612" "$KDIR_612" 6.12 || rc=1
if [ -n "${KVER_DBG:-}" ]; then
	# An older KUnit run left blklock's uapi header in the shared tree,
	# where it would shadow ours.
	[ -z "${KSRC:-}" ] || rm -f "$KSRC/include/uapi/linux/blklock.h"
	build_module "$KVER_DBG" "$KDIR_DBG" debug || rc=1
else
	fail build/debug "no debug kernel: tools/testing/debug-kernel/build.sh (make setup) did not run"
	rc=1
fi

# User space: warning-free C11.
G=$OUTDIR/guest
mkdir -p "$G"
CFLAGS_STRICT=(-std=c11 -Wall -Wextra -Werror -O2 -I"$TOP/include/uapi")
if make -s -C "$TOP/tools/blklockctl" CFLAGS="-O2 -Werror" > "$LOGDIR/tools-build.log" 2>&1 &&
   gcc "${CFLAGS_STRICT[@]}" -I"$TOP/tools/lib" -static -o "$G/blklockctl" \
	"$TOP"/tools/blklockctl/*.c \
	"$TOP/tools/lib/crc32c.c" 2>> "$LOGDIR/tools-build.log"; then
	pass build/blklockctl
else
	fail build/blklockctl "$(head -n 3 "$LOGDIR/tools-build.log" | tr '\n' ' ')"
	rc=1
fi
for src in "$TOP"/tools/testing/vm/helpers/*.c "$TOP"/tools/bench/blklock-bench.c; do
	h=$(basename "$src" .c)
	if ! gcc "${CFLAGS_STRICT[@]}" -I"$TOP/tools/lib" -pthread -static -o "$G/$h" "$src" \
		"$TOP/tools/lib/sgcaw.c" "$TOP/tools/lib/crc32c.c" 2>> "$LOGDIR/tools-build.log"; then
		fail "build/$h" "$(tail -n 3 "$LOGDIR/tools-build.log" | tr '\n' ' ')"
		rc=1
		continue
	fi
	pass "build/$h"
done
# The ioctl fuzzer, 64-bit and 32-bit (the compat_ioctl path).
for bits in 64 32; do
	name=blklock-ioctl-fuzz
	[ $bits = 64 ] || name=$name$bits
	if gcc "${CFLAGS_STRICT[@]}" -m$bits -pthread -static -o "$G/$name" \
		"$TOP/tools/testing/fuzz/blklock-ioctl-fuzz.c" 2>> "$LOGDIR/tools-build.log"; then
		pass "build/$name"
	else
		fail "build/$name" "$(tail -n 3 "$LOGDIR/tools-build.log" | tr '\n' ' ')"
		rc=1
	fi
done
# The ABI checker again as a 32-bit program: the compat_ioctl path.
if gcc "${CFLAGS_STRICT[@]}" -m32 -pthread -static -o "$G/blklock-abi32" \
	"$TOP/tools/testing/vm/helpers/blklock-abi.c" -I"$TOP/tools/lib" \
	"$TOP/tools/lib/sgcaw.c" "$TOP/tools/lib/crc32c.c" 2>> "$LOGDIR/tools-build.log"; then
	pass build/blklock-abi32
else
	fail build/blklock-abi32 "32-bit build failed (gcc-multilib installed?)"
	rc=1
fi
exit $rc
