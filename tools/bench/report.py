#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the @@BENCH lines of a `make bench` VM run into a table, a JSON
file and a PNG plot.

    report.py RAW_OUTPUT OUTDIR

Writes OUTDIR/results.json (every measurement as measured),
OUTDIR/table.rst (the table, reStructuredText, as printed) and
OUTDIR/bench.png (if matplotlib is installed).
"""
import json
import sys

raw, outdir = sys.argv[1], sys.argv[2]
rows = []
with open(raw, encoding="utf-8", errors="replace") as f:
    for line in f:
        i = line.find("@@BENCH ")
        if i >= 0:
            rows.append(json.loads(line[i + 8:]))
with open(f"{outdir}/results.json", "w", encoding="utf-8") as f:
    json.dump(rows, f, indent=1)

delays = sorted({r["ndelay_ns"] for r in rows})


def one(test, nd, **match):
    for r in rows:
        if r.get("test") == test and r["ndelay_ns"] == nd and \
                all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        v = f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
    return f"{v}{unit}"


table = []          # (label, [value per delay])


def add(label, fn):
    table.append((label, [fn(nd) for nd in delays]))


def raw_rate(nd):
    r = one("raw_caw", nd)
    return r and r["per_second"]


def pair_rate(nd):
    r = one("pairs", nd)
    return r and r["per_second"]


add("raw COMPARE AND WRITE per s (SG_IO, 1 thread)", lambda nd: fmt(raw_rate(nd)))
add("blklock acquire+release pairs per s", lambda nd: fmt(pair_rate(nd)))
add("ratio to half the raw CAW rate (goal >= 0.9)",
    lambda nd: fmt(pair_rate(nd) / (raw_rate(nd) / 2)) if raw_rate(nd) and pair_rate(nd) else "n/a")


def per_op(nd, what):
    r = one("pairs", nd)
    if not r or not r.get("acquires"):
        return "n/a"
    if what == "caw":
        return f"{r['caw'] / (r['acquires'] + r['releases']):.2f}"
    return f"{r['reads'] / r['acquires']:.2f}"


add("disk commands per acquire and per release (CAW, goal 1)", lambda nd: per_op(nd, "caw"))
add("READs per acquire (goal 0)", lambda nd: per_op(nd, "reads"))
add("uncontended pair latency p50 / p99 (us)",
    lambda nd: (lambda r: f"{fmt(r['p50_us'])} / {fmt(r['p99_us'])}" if r else "n/a")(one("pairs", nd)))
for nodes in (2, 3):
    for c in (1, 2, 4, 8):
        def contend(nd, nodes=nodes, c=c):
            rs = [r for r in rows if r.get("test") == "contend" and r["ndelay_ns"] == nd
                  and r.get("nodes") == nodes and r.get("per_node") == c]
            if not rs:
                return "n/a"
            if any("error" in r for r in rs):
                return "error: " + next(r["error"] for r in rs if "error" in r)
            total = sum(r["per_second"] for r in rs)
            # The node that fared worst: its share of the acquisitions
            # (a fair share is 1/nodes) and its latencies.
            share = min(r["acquires"] for r in rs) / max(1, sum(r["acquires"] for r in rs))
            p50 = max(r["p50_us"] for r in rs)
            p99 = max(r["p99_us"] for r in rs)
            return f"{fmt(total)}/s; worst node {100 * share:.1f}%, p50 {fmt(p50)} us, p99 {fmt(p99)} us"
        add(f"contended: {nodes} nodes x {c} contenders", contend)
for n in (1, 100, 10000):
    add(f"heartbeat commands per s per node, {n} locks held",
        lambda nd, n=n: (lambda r: f"{r['hb'] / r['seconds']:.2f} (+{r['other_commands']} other)" if r else "n/a")(one("heartbeat", nd, locks_held=n)))
add("takeover when a holder's heartbeat stops, as on a kill (ms)",
    lambda nd: fmt((one("takeover", nd) or {}).get("ms")))


def failover(nd, key):
    """Median and worst of one figure over the failover tries (LIO, no delay)."""
    vs = sorted(r[key] for r in rows if r.get("test") == "failover" and r["ndelay_ns"] == nd)
    if not vs:
        return "n/a"
    return f"{vs[len(vs) // 2]} / {vs[-1]} (n={len(vs)})"


add("path failover (LIO, 2 paths): cut to path failed, ms median / worst",
    lambda nd: failover(nd, "cut_to_failed_ms"))
add("path failover: path failed to first command through the other, ms",
    lambda nd: failover(nd, "failed_to_ok_ms"))
add("path failover: longest gap between renewals around the cut, ms",
    lambda nd: failover(nd, "renewal_gap_ms") + (lambda r: f"; interval {r['hb_interval_ms']}" if r else "")(one("failover", nd)))
add("path failover: tries in which the node fenced",
    lambda nd: (lambda rs: f"{sum(r['fenced'] == 'yes' for r in rs)} of {len(rs)}" if rs else "n/a")(
        [r for r in rows if r.get("test") == "failover" and r["ndelay_ns"] == nd]))
add("baseline, one path: the same cut to fence, ms (fence_after_ms)",
    lambda nd: (lambda r: f"{fmt(r['cut_to_fenced_ms'])} ({r['fence_after_ms']})" if r else "n/a")(one("one_path_cut", nd)))


def sl_rate(nd):
    r = one("sanlock_pairs", nd)
    return r and r.get("per_second")


add("sanlock acquire+release pairs per s (daemon, no watchdog)", lambda nd: fmt(sl_rate(nd)) if sl_rate(nd) else
    ("error: " + one("sanlock_pairs", nd)["error"][:60] if one("sanlock_pairs", nd) else "n/a"))
add("ratio blklock / sanlock",
    lambda nd: f"{pair_rate(nd) / sl_rate(nd):.1f}" if pair_rate(nd) and sl_rate(nd) else "n/a")


def same_iters(nd):
    sl, bl = one("sanlock_pairs", nd), one("pairs_count", nd)
    if not sl or "pairs" not in sl or not bl:
        return "n/a"
    return f"{fmt(bl['pairs'])} pairs: {fmt(bl['seconds'] * 1000)} ms vs {fmt(sl['seconds'] * 1000)} ms"


add("same iterations, blklock vs sanlock (time)", same_iters)
add("sanlock add_lockspace (ms)", lambda nd: fmt((one("sanlock_add_lockspace", nd) or {}).get("ms")))
add("sanlock takeover after a host dies (its documented default)", lambda nd: "about 140 s")

heads = ["Measure"] + [f"ndelay {nd // 1000} us" for nd in delays]
w = [max(len(heads[0]), max(len(t[0]) for t in table))]
for i in range(len(delays)):
    w.append(max(len(heads[i + 1]), max(len(t[1][i]) for t in table)))
sep = "  ".join("=" * x for x in w)
lines = [sep, "  ".join(h.ljust(w[i]) for i, h in enumerate(heads)).rstrip(), sep]
for label, vals in table:
    lines.append("  ".join([label.ljust(w[0])] + [v.ljust(w[i + 1]) for i, v in enumerate(vals)]).rstrip())
lines.append(sep)
text = "\n".join(lines) + "\n"
print(text)
with open(f"{outdir}/table.rst", "w", encoding="utf-8") as f:
    f.write(text)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
ax = axes[0]
labels = ["raw CAW / 2", "blklock", "sanlock"]
for k, nd in enumerate(delays):
    vals = [(raw_rate(nd) or 0) / 2, pair_rate(nd) or 0, sl_rate(nd) or 0]
    ax.bar([x + k * 0.4 for x in range(3)], vals, width=0.4, label=f"ndelay {nd // 1000} us")
ax.set_xticks([x + 0.2 for x in range(3)])
ax.set_xticklabels(labels)
ax.set_yscale("log")
ax.set_ylabel("acquire+release pairs per second (log)")
ax.set_title("Uncontended lock cycle")
ax.legend()
ax = axes[1]
for nd in delays:
    for nodes in (2, 3):
        xs, ys = [], []
        for c in (1, 2, 4, 8):
            rs = [r for r in rows if r.get("test") == "contend" and r["ndelay_ns"] == nd
                  and r.get("nodes") == nodes and r.get("per_node") == c and "error" not in r]
            if rs:
                xs.append(c)
                ys.append(max(r["p99_us"] for r in rs) / 1000)
        if xs:
            ax.plot(xs, ys, marker="o", label=f"{nodes} nodes, ndelay {nd // 1000} us")
ax.set_xscale("log", base=2)
ax.set_xlabel("contenders per node")
ax.set_ylabel("p99 acquire latency (ms)")
ax.set_title("Contended acquire latency")
ax.legend()
fig.tight_layout()
fig.savefig(f"{outdir}/bench.png", dpi=100)
print(f"plot: {outdir}/bench.png")
