#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the kmemleak reports of a guest console log that blklock made.

The guest prints "@@BLKTEST@@ RANGE <start> <size>" for every blklock
module it unloaded (from /proc/modules, before the rmmod), then
"---- kmemleak ----" and the scan's output.  An object is blklock's when
a frame of its allocation backtrace lies in one of those ranges (the
module is gone, so kmemleak prints bare addresses) or names blklock.
One line per such object: its address, size and the first frames.
An object holding BLKLOCK-LEAK-CTL (in kmemleak's hex dump) was leaked on
purpose by the test build's leak_objects hook: its line starts with
"control " so that the runner counts it apart (kmemleak's positive
control, VM test 91-kmemleak).
"""
import re
import sys

ranges = []
objects = []
cur = None
in_leak = False
with open(sys.argv[1], errors="replace") as log:
    for line in log:
        m = re.match(r"@@BLKTEST@@ RANGE (0x[0-9a-f]+) (\d+)", line)
        if m:
            start = int(m.group(1), 16)
            ranges.append((start, start + int(m.group(2))))
            continue
        if line.startswith("---- kmemleak ----"):
            in_leak = True
            continue
        if line.startswith("---- ") or line.startswith("@@BLKTEST@@ END"):
            in_leak = False
        if not in_leak:
            continue
        m = re.match(r"unreferenced object (0x[0-9a-f]+) \(size (\d+)\)", line)
        if m:
            cur = {"head": f"{m.group(1)} size {m.group(2)}", "frames": [],
                   "control": False}
            objects.append(cur)
        elif cur is not None and "BLKLOCK-LEAK-CTL" in line:
            cur["control"] = True
        elif cur is not None and "backtrace" in line:
            cur["in_bt"] = True
        elif cur is not None and (cur.get("in_bt") or "[<" in line):
            # Older kernels: "[<ffffffffc0a1b2c3>] func+0x1/0x2 [mod]";
            # 6.12: "func+0x1/0x2", or the bare "0xffffffffc0a1b2c3"
            # of a module that is gone.
            cur["frames"].append(line.strip())


def ours(frame):
    if "blklock" in frame:
        return True
    m = re.search(r"\[<([0-9a-f]+)>\]", frame) or \
        re.fullmatch(r"0x([0-9a-f]+)", frame)
    addr = int(m.group(1), 16) if m else 0
    return any(lo <= addr < hi for lo, hi in ranges)


for obj in objects:
    if any(ours(f) for f in obj["frames"]):
        print("control " if obj["control"] else "", obj["head"], " | ",
              " ; ".join(obj["frames"][:4]), sep="")
