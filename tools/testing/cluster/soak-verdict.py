#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The verdict of make soak (soak.sh), from what it collected.

    soak-verdict.py DIR

DIR (out/soak) holds run.env (the run's settings and how it ended),
counters ("LOCK LBA VALUE": each counter block at the end), stats
("NODE NAME VALUE": each node's sysfs figures at the end), faults.log
(the driver's faults, host time) and nodeN/ (node N's events.* files,
progress and dmesg, see blklock-storm's soak mode).

A violation is one of:
  duplicate-generation  a generation of a lock granted twice (A lines of
                        any node and worker)
  not-increasing        an update the counter accepted whose generation is
                        not above that of the update it accepted before
                        (the order of acceptance is the counter's value:
                        every accepted update adds one to the value it
                        compared)
  duplicate-value       two accepted updates of a lock that wrote the same
                        value: an update lost
  counter-mismatch      a counter's value is not the number of updates it
                        accepted: a value no accepted update (nor an update
                        of unknown fate) wrote, or an accepted update above
                        the final value
  heartbeat             a node sampled live after a fence with an
                        incarnation live before it, or stopped as a
                        duplicate node id
An accepted update is a W line, or an F line: a COMPARE AND WRITE that
reported a miscompare or an error while the block read back afterwards
held its write image (an initiator that logged in again after a cut
sends a command again, and the second execution miscompares against the
first one's write).  An update whose COMPARE AND WRITE miscompared (M)
or failed (U) without its image on the block may still have been
written: a value that only such an update can have written is counted
as "unknown-landed", not as a violation.  So is an update a worker sent
(its P line) and never came back from: its disk stopped answering, and
the command may still land.  Such a worker is named in the summary
("stuck"), and soak.sh's check that every node's workers stopped fails.  Prints the summary, writes summary.txt, summary.json and
violations.txt, and exits 1 on a violation, when the run ended before its
target, or when a check of soak.sh failed.
"""
import collections
import glob
import json
import os
import re
import sys

d = sys.argv[1]
env = {}
with open(os.path.join(d, "run.env")) as f:
    for line in f:
        k, _, v = line.rstrip("\n").partition("=")
        env[k] = v

kinds = "AWFSVMUELRTP"
count = collections.Counter()
per_node = {n: collections.Counter() for n in (1, 2, 3)}
grants = collections.defaultdict(list)     # lock -> [(gen, node, worker, ms)]
accepted = collections.defaultdict(list)   # lock -> [(value, gen, node, worker, ms)]
unknown = collections.defaultdict(list)    # lock -> [(value, gen, node, worker, ms)]
errnos = collections.Counter()
stuck = []                                 # (node, worker, last line)
bad_lines = 0
for n in (1, 2, 3):
    for path in sorted(glob.glob(os.path.join(d, f"node{n}", "events.*"))):
        w = int(path.rsplit(".", 1)[1])
        last = None
        with open(path) as f:
            for line in f:
                p = line.split()
                last = p
                if len(p) < 4 or p[0] not in kinds:
                    bad_lines += 1
                    continue
                k, lock, gen, ms = p[0], int(p[1]), int(p[2]), int(p[3])
                count[k] += 1
                per_node[n][k] += 1
                if k == "A":
                    grants[lock].append((gen, n, w, ms))
                elif k in "WFMU" and len(p) == 5:
                    (accepted if k in "WF" else unknown)[lock].append(
                        (int(p[4]), gen, n, w, ms))
                elif k in "ERT" and len(p) == 5:
                    errnos[(k, int(p[4]))] += 1
        # A worker whose file ends with its acquire or with an update sent
        # never came back from the kernel; the update may still land.
        if last and last[0] in "AP" and len(last) >= 4:
            stuck.append((n, w, " ".join(last)))
            if last[0] == "P" and len(last) == 5:
                unknown[int(last[1])].append((int(last[4]), int(last[2]), n, w, int(last[3])))

counters = {}
with open(os.path.join(d, "counters")) as f:
    for line in f:
        p = line.split()
        if len(p) == 3 and p[2].isdigit():
            counters[int(p[0])] = int(p[2])

stats = collections.defaultdict(dict)
with open(os.path.join(d, "stats")) as f:
    for line in f:
        p = line.split()
        if len(p) == 3:
            stats[int(p[0])][p[1]] = p[2]


def stat_sum(name):
    return sum(int(stats[n].get(name, 0)) for n in (1, 2, 3)
               if str(stats[n].get(name, "0")).isdigit())


progress = {}
for n in (1, 2, 3):
    try:
        with open(os.path.join(d, f"node{n}", "progress")) as f:
            p = f.read().split()
        progress[n] = {p[i]: int(p[i + 1]) for i in range(1, len(p) - 1, 2)}
    except (OSError, ValueError, IndexError):
        progress[n] = {}

faults = collections.Counter()
fault_lines = []
try:
    with open(os.path.join(d, "faults.log")) as f:
        for line in f:
            fault_lines.append(line.rstrip("\n"))
            p = line.split()
            if len(p) > 3 and p[2] == "start":
                faults[p[3]] += 1
except OSError:
    pass

violations = []


def where(t):
    gen, n, w, ms = t[-4:]
    return f"node {n} worker {w} at {ms} ms (guest clock)"


for lock in sorted(grants):
    seen = collections.defaultdict(list)
    for t in grants[lock]:
        seen[t[0]].append(t)
    for gen in sorted(g for g in seen if len(seen[g]) > 1):
        violations.append(("duplicate-generation",
                           f"lock {lock} generation {gen} granted {len(seen[gen])} times: "
                           + "; ".join(where(t) for t in seen[gen])))

landed_unknown = 0
for lock in sorted(set(accepted) | set(counters) | set(unknown)):
    ws = sorted(accepted[lock])
    byval = collections.defaultdict(list)
    for t in ws:
        byval[t[0]].append(t)
    for v in sorted(x for x in byval if len(byval[x]) > 1):
        violations.append(("duplicate-value",
                           f"lock {lock}: {len(byval[v])} accepted updates wrote value {v}: "
                           + "; ".join(f"generation {t[1]} by " + where(t[1:]) for t in byval[v])))
    final = counters.get(lock)
    uvals = {}
    for t in unknown[lock]:
        uvals.setdefault(t[0], t)
    seq = []
    if final is None:
        violations.append(("counter-mismatch", f"lock {lock}: its counter could not be read"))
        final = max(byval, default=0)
    for v in range(1, final + 1):
        if v in byval:
            seq.append((v, byval[v][0]))
        elif v in uvals:
            landed_unknown += 1
            seq.append((v, uvals[v]))
        else:
            violations.append(("counter-mismatch",
                               f"lock {lock}: the counter ({final}) went through value {v}, "
                               "which no accepted update (nor one of unknown fate) wrote"))
    for v in sorted(x for x in byval if x > final or x < 1):
        violations.append(("counter-mismatch",
                           f"lock {lock}: an accepted update wrote value {v}, above the counter's "
                           f"final value {final}: " + where(byval[v][0][1:])))
    for (v0, a), (v1, b) in zip(seq, seq[1:]):
        if b[1] <= a[1]:
            violations.append(("not-increasing",
                               f"lock {lock}: value {v1} accepted with generation {b[1]} ("
                               + where(b[1:]) + f") after value {v0} with generation {a[1]} ("
                               + where(a[1:]) + ")"))

for n in (1, 2, 3):
    if progress[n].get("old-incarnation", 0):
        violations.append(("heartbeat", f"node {n} was sampled live with an old incarnation "
                           f"after a fence ({progress[n]['old-incarnation']} samples)"))
    if progress[n].get("stopped", 0):
        violations.append(("heartbeat", f"node {n}'s heartbeat was stopped (another host "
                           "seemed to use its node id)"))

acq = count["A"]
dur = int(env.get("duration_ms", "0")) / 1000.0
rate = acq / dur if dur > 0 else 0.0
target = int(env.get("target", "0"))
vkinds = collections.Counter(k for k, _ in violations)
fig = {
    "acquisitions": acq,
    "target": target,
    "duration_s": round(dur, 1),
    "rate_per_s": round(rate, 1),
    "stopped_by": env.get("stopped_by", ""),
    "violations": len(violations),
    "violations_by_kind": dict(vkinds),
    "accepted_updates": count["W"] + count["F"],
    "accepted_updates_read_back": count["F"],
    "refused_stale_writes": count["S"],
    "validate_said_lost": count["V"],
    "update_miscompares": count["M"],
    "updates_of_unknown_fate": count["U"],
    "unknown_fate_updates_that_landed": landed_unknown,
    "update_errors": count["E"],
    "accepted_then_release_said_lost": count["L"],
    "release_errors": count["R"],
    "acquire_failures": count["T"],
    "acquire_failures_by_errno": {str(e): c for (k, e), c in sorted(errnos.items()) if k == "T"},
    "takeovers": stat_sum("takeovers"),
    "evictions": stat_sum("evictions"),
    "fences": sum(progress[n].get("fences", 0) for n in (1, 2, 3)),
    "rejoins": sum(progress[n].get("rejoins", 0) for n in (1, 2, 3)),
    "locks_lost": stat_sum("locks_lost"),
    "evicted": stat_sum("evicted"),
    "reaped": stat_sum("reaped"),
    "unknown_caw_fate_kernel": stat_sum("unknown"),
    "hb_late": stat_sum("hb_late"),
    "faults": sum(faults.values()),
    "faults_by_kind": dict(faults),
    "counters": {str(k): v for k, v in sorted(counters.items())},
    "per_node_acquisitions": {str(n): per_node[n]["A"] for n in (1, 2, 3)},
    "unparsed_lines": bad_lines,
    "stuck_workers": [f"node{n} worker {w}: {t}" for n, w, t in stuck],
    "check_failures": int(env.get("check_failures", "0") or 0),
    "settings": {k: env.get(k, "") for k in ("locks", "workers_per_node", "think_ms", "acquire_timeout_ms",
                                               "fault_every_s", "fault_kinds", "seed",
                                               "time_limit_s", "lease_ms")},
}
fig["verdict"] = ("FAIL: %d violation(s)" % len(violations) if violations else
                  "FAIL: the soak's checks failed" if fig["check_failures"] else
                  "FAIL: stopped before the target (%s)" % fig["stopped_by"]
                  if fig["stopped_by"] != "target" else "PASS")

lines = [
    f"soak: {acq} acquisitions granted in {dur:.0f} s ({rate:.1f}/s); target {target}, "
    f"stopped by: {'the target' if fig['stopped_by'] == 'target' else 'the time limit' if fig['stopped_by'] == 'time' else fig['stopped_by']}",
    f"  violations                 {len(violations)}"
    + (" (" + ", ".join(f"{k} {c}" for k, c in sorted(vkinds.items())) + ")" if violations else ""),
    f"  accepted updates           {count['W'] + count['F']}, of which {count['F']} reported a miscompare or an error "
    f"but were read back (counters: {' '.join(f'{k}={v}' for k, v in sorted(counters.items()))})",
    f"  refused stale writes       {count['S']} (the counter carried the holder's generation or a later one)",
    f"  lost before the update     {count['V']} (VALIDATE said ENOLCK)",
    f"  updates of unknown fate    {count['U']} failed, {count['M']} miscompared; {landed_unknown} of them "
    f"landed; update errors {count['E']}",
    f"  release said lost          {count['L']} after an accepted update (its lock was taken over, "
    f"and no later holder had written yet); release errors {count['R']}",
    f"  acquire failures           {count['T']} (by errno: "
    + (", ".join(f"{e} x{c}" for e, c in fig["acquire_failures_by_errno"].items()) or "none") + ")",
    f"  takeovers                  {fig['takeovers']}, evictions {fig['evictions']}",
    f"  fences                     {fig['fences']} (live -> fenced, sampled), rejoins {fig['rejoins']}, "
    f"locks lost {fig['locks_lost']}, found evicted {fig['evicted']}",
    f"  stranded records reaped    {fig['reaped']}",
    f"  faults injected            {fig['faults']} ("
    + (", ".join(f"{k} {c}" for k, c in sorted(faults.items())) or "none") + ")",
    f"  per node acquisitions      " + ", ".join(f"node{n} {per_node[n]['A']}" for n in (1, 2, 3)),
    f"  settings                   " + ", ".join(f"{k} {v}" for k, v in fig["settings"].items()),
    f"verdict: {fig['verdict']}",
]
if stuck:
    lines.insert(-1, f"  stuck workers              {len(stuck)} never came back from the kernel (their "
                 "last event: " + "; ".join(f"node{n} worker {w}: {t}" for n, w, t in stuck) + ")")
if bad_lines:
    lines.insert(-1, f"  lines not understood       {bad_lines} (a worker's file cut short?)")
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
with open(os.path.join(d, "summary.txt"), "w") as f:
    f.write(text)
with open(os.path.join(d, "summary.json"), "w") as f:
    json.dump(fig, f, indent=1, sort_keys=True)
    f.write("\n")
with open(os.path.join(d, "violations.txt"), "w") as f:
    for k, what in violations:
        f.write(f"{k}: {what}\n")
    if violations:
        f.write("\nfaults (host ms, seconds since the storm began, what):\n")
        f.write("\n".join(fault_lines) + "\n")
if violations:
    print(f"the violations are in {os.path.join(d, 'violations.txt')}; "
          f"the events of each worker in {d}/nodeN/events.W")
sys.exit(0 if fig["verdict"] == "PASS" else 1)
