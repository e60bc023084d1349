#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the ioctl fuzzer (blklock-ioctl-fuzz.c) for longer than make
# check runs it.  Builds, then boots each kernel once with the scsi_debug
# LUN and runs tools/testing/vm/tests/88-ioctl-fuzz.sh there for
# BLKLOCK_FUZZ_SECS seconds of fuzzing (600 by default: two thirds
# 64-bit, one third 32-bit), 6.12 first, then 6.1.
#
#   BLKLOCK_FUZZ_SECS=1800 make fuzz       longer
#   BLKLOCK_FUZZ_SEED=0x... make fuzz      the calls of an earlier run
#   BLKLOCK_FUZZ_KERNELS=6.1 make fuzz     one kernel
#
# Prints the PASS/FAIL lines and the figures (calls, errnos, checks) and
# keeps them in out/fuzz/<kernel>.txt; the consoles are in out/logs/.
# Not part of make check, which fuzzes 45 s per boot.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"

export BLKLOCK_FUZZ_SECS=${BLKLOCK_FUZZ_SECS:-600}
kernels=${BLKLOCK_FUZZ_KERNELS:-6.12 6.1}
F=$OUTDIR/fuzz
mkdir -p "$F"

if ! "$HERE/../build.sh" > "$LOGDIR/fuzz-build.log" 2>&1; then
	echo "fuzz: the build failed; see $LOGDIR/fuzz-build.log" >&2
	exit 1
fi
rc=0
for k in $kernels; do
	echo "fuzz: $k, scsi_debug, $BLKLOCK_FUZZ_SECS s" >&2
	# Boot, format and checks take a minute; a hang is reported after
	# 90 s more per run.
	if ! "$HERE/../vm/run.sh" --kernel "$k" --profile scsi_debug \
		--tests '88-*' --timeout $((BLKLOCK_FUZZ_SECS + 420)) | tee "$F/$k.txt"; then
		rc=1
	fi
done
exit $rc
