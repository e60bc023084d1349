#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs blklock's KUnit suites the standard way: the sources are placed in
# the linux-source-6.12 tree under drivers/blklock/ and
# tools/testing/kunit/kunit.py builds and runs them on UML.  The build
# directory stays in $BLKLOCK_CACHE/kunit-build, so a rerun only
# recompiles what changed.  Prints PASS/FAIL/SKIP kunit/<suite>.<case>.
# The UML kernel has KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST and UBSAN (blklock.kunitconfig); a report of any of them in
# the kernel's log fails kunit/kernel-reports even if every case passed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
load_env

BUILD=$CACHE/kunit-build
JSON=$OUTDIR/kunit.json
LOG=$LOGDIR/kunit.log

# Place the sources, replacing whatever an earlier run left there.
rm -rf "$KSRC/drivers/blklock"
mkdir -p "$KSRC/drivers/blklock"
cp "$TOP"/drivers/blklock/*.[ch] "$TOP"/drivers/blklock/compat.mk \
	"$TOP"/drivers/blklock/Kconfig "$TOP"/drivers/blklock/Makefile \
	"$KSRC/drivers/blklock/"
# The uapi header goes with the sources (drivers/blklock/Makefile adds
# -I for it), not into the tree's include/uapi: the debug kernel's build
# shares this tree, and a copy there would shadow the header of the
# blklock being built against it.
mkdir -p "$KSRC/drivers/blklock/uapi/linux"
cp "$TOP/include/uapi/linux/blklock.h" "$KSRC/drivers/blklock/uapi/linux/"
rm -f "$KSRC/include/uapi/linux/blklock.h"
grep -q 'drivers/blklock/Kconfig' "$KSRC/drivers/Kconfig" ||
	sed -i 's|^endmenu|source "drivers/blklock/Kconfig"\n\nendmenu|' "$KSRC/drivers/Kconfig"
grep -q 'blklock/' "$KSRC/drivers/Makefile" ||
	echo 'obj-$(CONFIG_BLKLOCK_KUNIT_TEST)	+= blklock/' >> "$KSRC/drivers/Makefile"

rm -f "$JSON"
set +e
(cd "$KSRC" && python3 tools/testing/kunit/kunit.py run \
	--build_dir="$BUILD" --jobs="$(nproc)" \
	--kunitconfig="$HERE/blklock.kunitconfig" \
	--json="$JSON") > "$LOG" 2>&1
krc=$?
set -e

if [ ! -s "$JSON" ]; then
	fail kunit/build "kunit.py exited $krc without results: $(grep -m1 -E 'error|ERROR' "$LOG" || tail -n 1 "$LOG")"
	exit 1
fi
set +e
python3 - "$JSON" <<'PY'
import json, sys

doc = json.load(open(sys.argv[1]))
failed = 0
count = 0

def walk(node, prefix):
    global failed, count
    for sub in node.get("sub_groups", []):
        walk(sub, sub.get("name", "?"))
    for case in node.get("test_cases", []):
        count += 1
        name = f"kunit/{prefix}.{case['name']}"
        status = case.get("status", "?")
        if status == "PASS":
            print(f"PASS {name}")
        elif status == "SKIP":
            print(f"SKIP {name}: skipped by the test")
        else:
            failed += 1
            log = " ".join(l.strip() for l in case.get("log", "").splitlines()
                           if "Expected" in l or "ASSERT" in l or "EXPECT" in l)[:300]
            print(f"FAIL {name}: {status} {log}")

walk(doc, doc.get("name", "kunit"))
if count == 0:
    print("FAIL kunit/no-tests: kunit.py ran no test case")
    failed += 1
sys.exit(1 if failed else 0)
PY
prc=$?
set -e
REPORTS='BUG: |WARNING: |Oops|UBSAN:|ODEBUG:|list_(add|del) corruption|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|possible deadlock'
# kunit.py keeps the kernel's whole output in the build directory.
if ! grep -q '^CONFIG_KASAN=y' "$BUILD/.config" || ! grep -q '^CONFIG_PROVE_LOCKING=y' "$BUILD/.config"; then
	fail kunit/kernel-reports "the UML kernel was built without KASAN or lockdep"
	exit 1
fi
# From the first suite on: UML's own boot warns about its virtual PCI
# (arch/um/drivers/virt-pci.c) when no device is configured.
sed -n '/KTAP version/,$p' "$BUILD/test.log" > "$LOGDIR/kunit.tests.log"
if grep -E -A 20 "$REPORTS" "$LOGDIR/kunit.tests.log" > "$LOGDIR/kunit.reports.txt"; then
	fail kunit/kernel-reports "$(grep -m1 -E "$REPORTS" "$LOGDIR/kunit.tests.log"); see $LOGDIR/kunit.reports.txt"
	exit 1
fi
pass kunit/kernel-reports
exit $prc
