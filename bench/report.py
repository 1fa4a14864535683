#!/usr/bin/env python3
"""Writes the benchmark report from one run of bench/report.sh.

    python3 bench/report.py [--quick] [--wall=S] results.json procs.jsonl goals OUTDIR

results.json: rtm_bench's Google Benchmark JSON (names AREA:WORKLOAD:IMPL);
procs.jsonl: one JSON line per process mode (memory, route server);
goals: bench/goals (ID | workload | goal). Prints report.md (also written
to OUTDIR) with one table per area (lookup, exact match, update,
load/flush, memory, drain), each followed by its goals: the figure
measured, met or missed and by how much (a --quick run prints no verdicts).
Draws one PNG per workload of throughput against threads with gnuplot.
"""
import json
import os
import re
import subprocess
import sys

LOOKUP_IMPLS = ["rtm", "rtm_fast", "rtm_fast_batch", "rtm_session", "rtm_session_batch", "mutex", "shared_mutex", "lpm", "fib"]


def read_results(path):
    with open(path) as f:
        data = json.load(f)
    # (area, workload, impl, threads) -> benchmark dict. With repetitions
    # (report.sh: 3, randomly interleaved with every other benchmark's, so a
    # machine whose speed drifts during the run biases no row against
    # another), the repetition of median throughput stands for the row, its
    # counters with it.
    reps = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        m = re.match(r"([a-z_]+):([^:]+):([^/]+)(.*)$", b["name"])
        if not m:
            continue
        area, wl, impl, rest = m.groups()
        t = re.search(r"/threads:(\d+)", rest)
        impl = {"rte_lpm6": "lpm", "rte_fib6": "fib", "rte_lpm": "lpm", "rte_fib": "fib"}.get(impl, impl)
        reps.setdefault((area, wl, impl, int(t.group(1)) if t else 1), []).append(b)
    res = {}
    for k, bs in reps.items():
        bs = sorted(bs, key=lambda b: b.get("items_per_second", 0.0))
        res[k] = bs[len(bs) // 2]
    return data.get("context", {}), res


def read_procs(path):
    procs = {}
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line.startswith("{"):
                try:
                    d = json.loads(line)
                    procs[d["process"]] = d
                except (ValueError, KeyError):
                    pass
    return procs


def read_goals(path):
    goals = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3:
            goals.append(tuple(parts))
    return goals


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return os.cpu_count() or 0, model


def fmt_rate(x):
    if x is None:
        return "-"
    if x >= 1e9:
        return "%.2fG" % (x / 1e9)
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def fmt_ns(rate, threads=1):
    """ns per operation per thread from a total rate."""
    if not rate:
        return "-"
    ns = 1e9 * threads / rate
    return "%.1f" % ns if ns < 100 else "%.0f" % ns


def ratio(a, b):
    return "%.3g" % (a / b) if a and b else "-"


class Report:
    def __init__(self, ctx, res, procs, quick):
        self.ctx, self.res, self.procs, self.quick = ctx, res, procs, quick
        self.lines = []
        self.plots = []  # (title, [(impl, {threads: rate})])

    def b(self, area, wl, impl, threads=1):
        return self.res.get((area, wl, impl, threads))

    def rate(self, area, wl, impl, threads=1):
        b = self.b(area, wl, impl, threads)
        if not b or b.get("error_occurred"):
            return None
        return b.get("items_per_second")

    def why(self, area, wl, impl, threads=1):
        b = self.b(area, wl, impl, threads)
        if b and b.get("error_occurred"):
            return b.get("error_message", "error")
        return None

    def cell(self, area, wl, impl, threads=1):
        r = self.rate(area, wl, impl, threads)
        if r is not None:
            return fmt_rate(r)
        w = self.why(area, wl, impl, threads)
        if w and w.startswith("not built yet"):
            return "not built yet"
        return "n/a" if w else "-"

    def out(self, s=""):
        self.lines.append(s)

    def table(self, header, rows):
        self.out("| " + " | ".join(header) + " |")
        self.out("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for r in rows:
            self.out("| " + " | ".join(str(c) for c in r) + " |")
        self.out()

    def threads_of(self, area, wl):
        return sorted({t for (a, w, _, t) in self.res if a == area and w == wl})


# ---- goal checks: each returns (measured text, value, target, higher_is_better)
# or a string (why it cannot be evaluated). ---------------------------------------

def dpdk_bytes(r):
    """DPDK's structure sizes from the main run (EAL heap statistics), with the prefix counts."""
    d = dict(kv.split("=", 1) for kv in r.ctx.get("dpdk_bytes", "").split() if "=" in kv)
    arrays = dict(kv.split("=", 1) for kv in r.ctx.get("dpdk_fib_arrays", "").split() if "=" in kv)
    d.update({k + "_arrays" if not k.endswith("_tbl8") else k: v for k, v in arrays.items()})
    try:
        d = {k: int(v) for k, v in d.items()}
        d["v4"], d["v6"] = int(r.ctx.get("v4_prefixes", 0)), int(r.ctx.get("v6_prefixes", 0))
    except ValueError:
        return None
    return d if d.get("fib4") and d.get("fib6") else None


def goal_checks(r):
    P = r.procs

    def ns(area, wl, impl, t=1):
        x = r.rate(area, wl, impl, t)
        return 1e9 * t / x if x else None

    def need(*xs):
        return all(x is not None for x in xs)

    def fast_missing():
        return r.why("lookup", "v4.random.quiet", "rtm_fast") or "no measurement"

    checks = {}

    # The fast path has two readers: Instance::forward4 / forward (rtm_fast,
    # *_batch: a copy of the answer per address, one read section per call)
    # and ForwardingSession (rtm_session, *_batch: one read section per 64
    # addresses, a reference to the shared next-hop record per address).
    # Both are the "fast path"; a goal takes the faster of the two
    # of its kind, names which, and prints the other beside it.
    def best(wl, impls, t=1):
        xs = [(ns("lookup", wl, i, t), i) for i in impls]
        xs = [x for x in xs if x[0] is not None]
        return min(xs) if xs else (None, None)

    def other(wl, impls, chosen, t=1):
        return "; ".join("%s %.1f ns" % (i, ns("lookup", wl, i, t)) for i in impls
                         if i != chosen and ns("lookup", wl, i, t) is not None)

    SINGLE, BATCH = ("rtm_session", "rtm_fast"), ("rtm_session_batch", "rtm_fast_batch")

    def F1():
        # One lookup per address against one rte_lpm_lookup per address.
        a, ai = best("v4.random.quiet", SINGLE)
        b = ns("lookup", "v4.random.quiet", "lpm")
        if not need(a, b):
            return fast_missing()
        return ("%s %.1f ns vs rte_lpm %.1f ns (%s)" % (ai, a, b, other("v4.random.quiet", SINGLE, ai)),
                a / b, 1.0, False)

    def F2():
        # One batch call per 64 addresses against one rte_fib_lookup_bulk per 64.
        a, ai = best("v4.random.quiet", BATCH)
        b = ns("lookup", "v4.random.quiet", "fib")
        if not need(a, b):
            return fast_missing()
        return ("%s %.1f ns vs rte_fib bulk %.1f ns (%s)" % (ai, a, b, other("v4.random.quiet", BATCH, ai)),
                a / b, 1.0, False)

    def F3():
        # Batch against batch: the faster IPv6 batch reader on addresses
        # inside table prefixes, against 2x rtm's own IPv4 batch figure (F2's)
        # and against rte_fib6's bulk call on the same addresses.
        a, ai = best("v6.inside.quiet", BATCH)
        own, oi = best("v4.random.quiet", BATCH)
        f6 = ns("lookup", "v6.inside.quiet", "fib")
        one, onei = best("v6.inside.quiet", SINGLE)
        if not need(a, own, f6):
            return fast_missing()
        worst = max(a / (2 * own), a / f6)
        return ("%s %.1f ns; 2× own IPv4 batch (%s) %.1f ns (%.2f×); rte_fib6 bulk %.1f ns (%.2f×)%s"
                % (ai, a, oi, 2 * own, a / (2 * own), f6, a / f6,
                   "; %s %.1f ns" % (onei, one) if one else ""), worst, 1.0, False)

    def F4():
        # F1's reader (the faster single-address one) with the writer
        # churning, against the quiet row of the same process and thread
        # count; and 8 threads on the cores against 2, both with the writer.
        f = best("v4.random.quiet", SINGLE)[1] or "rtm_fast"
        q, c = r.rate("lookup", "v4.random.quiet", f), r.rate("lookup", "v4.random.churn", f)
        c2, c8 = r.rate("lookup", "v4.random.churn", f, 2), r.rate("lookup", "v4.random.churn", f, 8)
        q2, q8 = r.rate("lookup", "v4.random.quiet", f, 2), r.rate("lookup", "v4.random.quiet", f, 8)
        if not need(q, c, c2, c8):
            return fast_missing()

        def wr(t):
            b = r.b("lookup", "v4.random.churn", f, t)
            return (b.get("writer_updates_per_s", 0), b.get("writer_best_changes_per_s", 0)) if b else (0, 0)
        w1, w2, w8 = wr(1), wr(2), wr(8)
        low = [t for t, w in ((1, w1), (2, w2), (8, w8)) if w[0] < 100e3]
        worst = min((c / q) / 0.9, (c8 / c2) / 0.95)
        txt = (f + " churn/quiet %.2f (1 thread; writer %s updates/s, %s best changes/s); 8/2 threads with "
               "the writer %.2f (writer %s / %s updates/s)%s"
               % (c / q, fmt_rate(w1[0]), fmt_rate(w1[1]), c8 / c2, fmt_rate(w8[0]), fmt_rate(w2[0]),
                  "; quiet 8/2 %.2f" % (q8 / q2) if q2 and q8 else ""))
        if low:
            # The workload is a writer at >= 100k updates/s: short of it,
            # the goal is not shown, missed by the writer's shortfall.
            txt += "; the writer stayed below 100k updates/s at %s thread(s)" % ", ".join(map(str, low))
            worst = min(worst, min(w[0] for t, w in ((1, w1), (2, w2), (8, w8)) if t in low) / 100e3)
        return (txt, worst, 1.0, True)

    def F6():
        a, b = ns("lookup", "v6.inside.quiet", "rtm"), ns("lookup", "v4.random.quiet", "lpm")
        if not need(a, b):
            return "no measurement"
        return ("%.0f ns vs 10× rte_lpm %.1f ns" % (a, 10 * b), a / (10 * b), 1.0, False)

    def F7():
        # rtm: resident bytes of the fast path's indexes and next-hop records
        # (Instance::forwarding_stats, mincore), in the mem:rtm process.
        # DPDK: the lookup arrays of rte_fib + rte_fib6 as configured (like
        # for like: the verdict), and everything the structures allocate
        # (EAL heap, their RIBs included) beside it.
        m, d = P.get("mem:rtm"), dpdk_bytes(r)
        if not m or "fwd_bytes" not in m:
            return "no measurement (mem:rtm gave no forwarding_stats)"
        n4, n6 = m.get("v4", 0), m.get("v6", 0)
        rtm_pp = m["fwd_bytes"] / max(1, n4 + n6)
        if not d or "fib4_arrays" not in d:
            return "rtm %.0f B/prefix; DPDK: %s" % (rtm_pp, r.ctx.get("dpdk", "?"))
        arr = (d["fib4_arrays"] + d["fib6_arrays"]) / max(1, d["v4"] + d["v6"])
        heap = (d["fib4"] + d["fib6"]) / max(1, d["v4"] + d["v6"])
        return ("rtm %.0f B/prefix resident (IPv4 %.0f, IPv6 %.0f B/prefix; plus the 8 B of group ids in "
                "each destination, counted in M1) vs rte_fib + rte_fib6 lookup arrays %.0f B/prefix (%.2f×); "
                "their whole structures (EAL heap, RIB included) %.0f B/prefix"
                % (rtm_pp, m["fwd_bytes_v4"] / max(1, n4), m["fwd_bytes_v6"] / max(1, n6), arr,
                   rtm_pp / arr, heap), rtm_pp / arr, 1.0, False)

    def exact_ratio(wl, t, target, base_wl="hot"):
        a, b = r.rate("exact", wl, "rtm", t), r.rate("exact", base_wl, "shared_mutex", t)
        if not need(a, b):
            return "no measurement"
        return ("rtm %s/s vs shared_mutex %s/s = %.3g×" % (fmt_rate(a), fmt_rate(b), a / b), a / b, target, True)

    def X3():
        x = exact_ratio("hot", 8, 3.0)
        a8, a2 = r.rate("exact", "hot", "rtm", 8), r.rate("exact", "hot", "rtm", 2)
        if isinstance(x, str) or not need(a8, a2):
            return x if isinstance(x, str) else "no measurement"
        worst = min(x[1] / 3.0, (a8 / a2) / 0.9)
        return (x[0] + "; 8/2 threads %.2f" % (a8 / a2), worst, 1.0, True)

    def F5():
        a, b = ns("lookup", "v4.random.quiet", "rtm"), ns("lookup", "v4.random.quiet", "lpm")
        if not need(a, b):
            return "no measurement"
        return ("%.0f ns vs 4× rte_lpm %.1f ns" % (a, 4 * b), a / (4 * b), 1.0, False)

    def C1():
        vals = []
        for t in (1, 2):
            c, cpp = r.rate("exact", "c_api_hot", "rtm_c", t), r.rate("exact", "hot", "rtm", t)
            if not need(c, cpp):
                return "no measurement"
            vals.append(cpp / c)  # C time / C++ time
        return ("C time / C++ time: %.2f (1 thread), %.2f (2 threads)" % tuple(vals), max(vals), 1.1, False)

    def W1():
        a, m = r.rate("load", "full.1w", "rtm"), r.rate("load", "full.1w", "mutex")
        if not need(a, m):
            return "no measurement"
        worst = min(a / 2.0e6, a / (m / 3))
        return ("%s routes/s; mutex baseline %s/s (⅓: %s/s)" % (fmt_rate(a), fmt_rate(m), fmt_rate(m / 3)),
                worst, 1.0, True)

    def W2():
        a1, a2 = r.rate("load", "full.1w", "rtm"), r.rate("load", "full.2w", "rtm")
        if not need(a1, a2):
            return "no measurement"
        return ("2 writers %s/s vs 1 writer %s/s = %.2f×" % (fmt_rate(a2), fmt_rate(a1), a2 / a1), a2 / a1, 1.6, True)

    def M1():
        m = P.get("mem:rtm")
        if not m or "rss_per_dest" not in m:
            return "no measurement"
        text = "%.0f B RSS per destination" % m["rss_per_dest"]
        if "stats_bytes_in_use" in m and m.get("dests"):
            # The instance's own account (Instance::stats): objects x sizes, no malloc overhead.
            kinds = ["destinations", "routes", "route_versions", "route_sets", "map_nodes",
                     "map_buckets", "handle_slots", "forwarding"]
            parts = ", ".join("%s %.0f" % (k, m.get("stats_%s_bytes" % k, 0) / m["dests"]) for k in kinds)
            text += " (stats(): %.0f B in use: %s)" % (m["stats_bytes_in_use"] / m["dests"], parts)
        return (text, m["rss_per_dest"], 200.0, False)

    def M2():
        s = P.get("rs:1")
        if not s or "rss_per_additional_route" not in s:
            return "no measurement"
        worst = max(s["rss_per_additional_route"] / 64.0, s["rss_per_dest"] / 776.0)
        return ("%.0f B per additional route, %.0f B per destination (10 routes)"
                % (s["rss_per_additional_route"], s["rss_per_dest"]), worst, 1.0, False)

    def D1():
        s = P.get("rs:1")
        if not s or "flush_routes_per_s" not in s:
            return "no measurement"
        keep = s["lookups_during_per_s"] / s["lookups_before_per_s"] if s["lookups_before_per_s"] else 0
        worst = min(s["flush_routes_per_s"] / 5e6, keep / 0.9)
        return ("%s routes/s (%.2f s); lookups during/before %.2f" % (fmt_rate(s["flush_routes_per_s"]),
                                                                     s["flush_s"], keep), worst, 1.0, True)

    def D2():
        b = r.b("load", "deregister_empty", "rtm")
        if not b or b.get("error_occurred"):
            return "no measurement"
        ms = b["real_time"] / {"ns": 1e6, "us": 1e3, "ms": 1.0, "s": 1e-3}[b.get("time_unit", "ns")]
        s = P.get("rs:1", {})
        extra = "; %.2f ms on the 10-peer table" % (1e3 * s["deregister_empty_s"]) if "deregister_empty_s" in s else ""
        return ("%.2f ms (%d destinations)%s" % (ms, b.get("destinations", 0), extra), ms, 1.0, False)

    def D3():
        b = r.b("load", "full.1w", "rtm")
        if not b or b.get("error_occurred"):
            return "no measurement"
        x = b.get("teardown_routes_per_s", 0)
        return ("%s routes/s (%.2f s)" % (fmt_rate(x), b.get("teardown_s", 0)), x / 5e6, 1.0, True)

    def upd(t, target):
        vals, txt = [], []
        for wl in ("shared", "disjoint"):
            a, s = r.rate("update", wl, "rtm", t), r.rate("update", wl, "shared_mutex", t)
            if not need(a, s):
                return "no measurement"
            vals.append(a / s)
            txt.append("%s %.3g×" % (wl, a / s))
        return (", ".join(txt), min(vals), target, True)

    def Q1():
        x = r.rate("drain", "full_load", "rtm")
        if x is None:
            return "no measurement"
        return ("%s dests/s" % fmt_rate(x), x / 5e6, 1.0, True)

    checks.update(F1=F1, F2=F2, F3=F3, F4=F4, F6=F6, F7=F7,
                  X1=lambda: exact_ratio("hot", 1, 1.0), X2=lambda: exact_ratio("hot", 2, 3.0), X3=X3,
                  X4=lambda: exact_ratio("hot_shared_entity", 2, 2.0),
                  X5=lambda: exact_ratio("table", 2, 1.5, "table"),
                  F5=F5, C1=C1, W1=W1, W2=W2, M1=M1, M2=M2, D1=D1, D2=D2, D3=D3,
                  U1=lambda: upd(2, 1.0), U2=lambda: upd(8, 1.5), Q1=Q1)
    return checks


GOAL_AREA = {"F1": "lookup", "F2": "lookup", "F3": "lookup", "F4": "lookup", "F5": "lookup",
             "F6": "lookup", "F7": "memory", "X1": "exact", "X2": "exact", "X3": "exact",
             "X4": "exact", "X5": "exact", "C1": "exact", "W1": "load", "W2": "load",
             "D1": "load", "D2": "load", "D3": "load", "M1": "memory", "M2": "memory",
             "U1": "update", "U2": "update", "Q1": "drain"}


def goal_rows(r, goals, area, checks):
    rows = []
    for gid, workload, goal in goals:
        if GOAL_AREA.get(gid) != area:
            continue
        fn = checks.get(gid)
        res = fn() if fn else "no check in report.py"
        if isinstance(res, str):
            measured, verdict = res, ("—" if r.quick else "missed: " + ("not built yet" if "not built" in res else "not measured"))
        else:
            measured, value, target, higher = res
            if r.quick:
                verdict = "—"
            elif (value >= target) if higher else (value <= target):
                verdict = "**met**"
            else:
                verdict = ("missed: %.2f× short" % (target / value) if higher and value > 0 else
                           "missed: %.2f× over" % (value / target) if not higher else "missed")
        rows.append((gid, workload, goal, measured, verdict))
    if rows:
        r.out("Goals (bench/goals)%s:" % (" — smoke pass, no verdicts" if r.quick else ""))
        r.out()
        r.table(["#", "workload", "goal", "measured", "verdict"], rows)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    wall = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--wall=")), None)
    src, procs_path, goals_path, out = args
    os.makedirs(out, exist_ok=True)
    ctx, res = read_results(src)
    r = Report(ctx, res, read_procs(procs_path), quick)
    goals = read_goals(goals_path)
    checks = goal_checks(r)
    cores, model = machine()
    o = r.out

    o("# rtm benchmark report")
    o()
    if quick:
        o("**Smoke pass** (`--quick`): a slice of %s IPv4 + %s IPv6 prefixes, short runs. These figures "
          "only show that every benchmark runs; they are not the measurements, and no goal verdicts "
          "are given. The figures are from `bash bench/report.sh --table=../shared/data/tier1-fulltable.txt.xz`."
          % (ctx.get("v4_prefixes", "?"), ctx.get("v6_prefixes", "?")))
        o()
    o("- Machine: %d cores, %s; %s MHz; run %s%s." % (cores, model, ctx.get("mhz_per_cpu", "?"),
                                                    ctx.get("date", "?"),
                                                    ", report wall time %s s" % wall if wall else ""))
    o("- Table: %s — %s IPv4 + %s IPv6 distinct prefixes%s." % (
        ctx.get("table", "?"), ctx.get("v4_prefixes", "?"), ctx.get("v6_prefixes", "?"),
        " (slice: --limit %s per family)" % ctx["limit"] if ctx.get("limit", "0") != "0" else ""))
    o("- DPDK 22.11 in the same process: %s. rtm's forwarding fast path: %s." % (
        ctx.get("dpdk", "?"), ctx.get("fast_path", "?")))
    o("- Debian builds Google Benchmark's library as DEBUG (its `***WARNING*** Library was built "
      "as DEBUG`); that is the timing harness only and does not affect the measured code: rtm, the "
      "baselines and the benchmark bodies are built -O2 (release preset), DPDK is Debian's release build.")
    o("- Throughput: operations per second, all threads together; ns: per operation per thread. "
      "Threads above %d oversubscribe the cores. Baselines: one std::mutex / std::shared_mutex around "
      "per-length unordered_maps of shared_ptr destinations (bench/baselines.h)." % cores)
    o()

    # ---- lookup
    o("## Lookup (longest-prefix match)")
    o()
    o("Batches of 64 addresses: `random` = uniformly random (IPv4: the whole space, misses included; "
      "IPv6: 2000::/3), `inside` = random inside table prefixes; `churn` = one writer announcing / "
      "withdrawing a second peer's routes meanwhile (DPDK's tables take no concurrent writer). rtm = "
      "get_most_specific_destination + release_dest_info; rtm_fast = the forwarding fast path, one "
      "forward4() (IPv6: forward()) per address; rtm_fast_batch = one forward*_batch per batch; rtm_session = "
      "one ForwardingSession per batch and one inline lookup4() (IPv6: lookup6()) per address; "
      "rtm_session_batch = one session and one lookup*_batch per batch (bench/fast_path.h); "
      "rte_lpm(6) one call per address, rte_fib(6) one bulk call per batch.")
    o()
    hdr = ["workload", "threads", "rtm", "rtm_fast", "rtm_fast_batch", "rtm_session", "rtm_session_batch", "mutex", "shared_mutex", "rte_lpm(6)", "rte_fib(6)",
           "rtm ns", "rte_lpm ns", "rtm/shared_mutex", "rtm/rte_lpm", "writer upd/s"]
    rows = []
    for fam in ("v4", "v6"):
        for kind in ("random", "inside"):
            for churn in ("quiet", "churn"):
                wl = "%s.%s.%s" % (fam, kind, churn)
                series = []
                for t in r.threads_of("lookup", wl):
                    rt, lp = r.rate("lookup", wl, "rtm", t), r.rate("lookup", wl, "lpm", t)
                    sm = r.rate("lookup", wl, "shared_mutex", t)
                    wb = r.b("lookup", wl, "rtm", t)
                    wr = wb.get("writer_updates_per_s") if wb else None
                    rows.append([wl, t] + [r.cell("lookup", wl, i, t) for i in LOOKUP_IMPLS] +
                                [fmt_ns(rt, t), fmt_ns(lp, t), ratio(rt, sm), ratio(rt, lp),
                                 fmt_rate(wr) if wr else "-"])
                series = [(i, {t: r.rate("lookup", wl, i, t) for t in r.threads_of("lookup", wl)})
                          for i in LOOKUP_IMPLS]
                r.plots.append(("lookup_" + wl.replace(".", "_"), "lookup " + wl, series))
    r.table(hdr, rows)
    fast_rows = []
    for fam in ("v4", "v6"):
        for kind in ("random", "inside"):
            for churn in ("quiet", "churn"):
                wl = "%s.%s.%s" % (fam, kind, churn)
                for t in r.threads_of("lookup", wl):
                    f1, fb = r.rate("lookup", wl, "rtm_fast", t), r.rate("lookup", wl, "rtm_fast_batch", t)
                    s1, sb = r.rate("lookup", wl, "rtm_session", t), r.rate("lookup", wl, "rtm_session_batch", t)
                    if not (f1 or fb or s1 or sb):
                        continue
                    lp, fi = r.rate("lookup", wl, "lpm", t), r.rate("lookup", wl, "fib", t)
                    wb = r.b("lookup", wl, "rtm_fast", t)
                    wr = wb.get("writer_updates_per_s") if wb else None
                    bc = wb.get("writer_best_changes_per_s") if wb else None
                    fast_rows.append([wl, t, fmt_ns(f1, t), fmt_ns(fb, t), fmt_ns(s1, t), fmt_ns(sb, t),
                                      fmt_ns(lp, t), fmt_ns(fi, t), ratio(lp, max(f1 or 0, s1 or 0) or None),
                                      ratio(fi, max(fb or 0, sb or 0) or None),
                                      fmt_rate(wr) if wr else "-", fmt_rate(bc) if bc else "-"])
    if fast_rows:
        o("The forwarding fast path (rtm/forwarding.h) on the same addresses, in its two readers. "
          "`rtm_fast` = one Instance::forward4() (IPv6: forward()) per address, a read section and a "
          "copy of the answer each; `rtm_fast_batch` = one forward4_batch / forward6_batch per 64 "
          "addresses. `rtm_session` = one ForwardingSession per 64 addresses (one read section, as a "
          "DPDK loop reports one RCU quiescent state per burst) and one inline lookup4() (IPv6: "
          "lookup6()) per address, which returns a reference to the shared next-hop record; "
          "`rtm_session_batch` = one session and one lookup4_batch / lookup6_batch per 64. Every row "
          "stores its lookup's own answer per address and counts hits from it, and none reads "
          "next-hop data (bench/fast_path.h, bench/dpdk.cpp): rte_lpm its next-hop id, rte_fib its "
          "bulk output, the session rows the next-hop record's address (a DPDK caller reads its own "
          "next-hop table by id, an rtm caller the record); the rtm_fast rows copy the next hops "
          "out, as their API does. Single-address readers are measured "
          "against rte_lpm's one call per address, batch readers against rte_fib's bulk call; the "
          "ratio columns take the faster reader of each kind. In the churn rows the writer's "
          "announcements always beat the loaded route, so about half its updates change a best route "
          "and rewrite index entries (best changes/s). Ratios are time ratios (above 1: rtm faster).")
        o()
        r.table(["workload", "threads", "rtm_fast ns", "rtm_fast_batch ns", "rtm_session ns",
                 "rtm_session_batch ns", "rte_lpm ns", "rte_fib ns", "rte_lpm / single",
                 "rte_fib / batch", "writer upd/s", "best changes/s"], fast_rows)
    goal_rows(r, goals, "lookup", checks)

    # ---- exact
    o("## Exact match (Get + Release)")
    o()
    o("`hot`: 64 hot prefixes, one entity per thread; `hot_shared_entity`: the same, all threads one "
      "entity (rtm only; ratio against the shared_mutex `hot` row); `c_api_hot`: the C API "
      "(RtmGetExactMatchDestination + RtmReleaseDestInfo) on its own instance with the same table; "
      "`table`: random prefixes of the whole table (cache-missing).")
    o()
    rows = []
    for wl in ("hot", "hot_shared_entity", "c_api_hot", "table"):
        base = "table" if wl == "table" else "hot"
        impl = "rtm_c" if wl == "c_api_hot" else "rtm"
        for t in r.threads_of("exact", wl):
            a = r.rate("exact", wl, impl, t)
            m, s = r.rate("exact", base, "mutex", t), r.rate("exact", base, "shared_mutex", t)
            rows.append([wl, t, fmt_rate(a), fmt_rate(m), fmt_rate(s), fmt_ns(a, t), ratio(a, m), ratio(a, s)])
        if wl in ("hot", "table"):
            r.plots.append(("exact_" + wl, "exact " + wl,
                            [(i, {t: r.rate("exact", wl, i, t) for t in r.threads_of("exact", wl)})
                             for i in ("rtm", "mutex", "shared_mutex")]))
    r.table(["workload", "threads", "rtm", "mutex", "shared_mutex", "rtm ns", "rtm/mutex", "rtm/shared_mutex"], rows)
    wrows = []
    for i in ("rtm", "mutex", "shared_mutex"):
        b = r.b("walk", "full", i)
        if b and not b.get("error_occurred"):
            wrows.append([i, fmt_rate(b.get("items_per_second")), fmt_rate(b.get("writer_updates_per_s"))])
    if wrows:
        o("Full-table walk while a writer churns (rtm: destination enumeration in batches of 100; "
          "baselines: a sorted copy taken under the read lock):")
        o()
        r.table(["impl", "destinations/s", "writer updates/s meanwhile"], wrows)
    goal_rows(r, goals, "exact", checks)

    # ---- update
    o("## Update churn")
    o()
    o("N writers (one owner each) add / replace / withdraw routes on 1,024 shared prefixes or on "
      "1,024 prefixes of their own.")
    o()
    rows = []
    for wl in ("shared", "disjoint"):
        for t in r.threads_of("update", wl):
            a, m, s = (r.rate("update", wl, i, t) for i in ("rtm", "mutex", "shared_mutex"))
            rows.append([wl, t, fmt_rate(a), fmt_rate(m), fmt_rate(s), ratio(a, m), ratio(a, s)])
        r.plots.append(("update_" + wl, "update " + wl,
                        [(i, {t: r.rate("update", wl, i, t) for t in r.threads_of("update", wl)})
                         for i in ("rtm", "mutex", "shared_mutex")]))
    r.table(["workload", "writers", "rtm", "mutex", "shared_mutex", "rtm/mutex", "rtm/shared_mutex"], rows)
    goal_rows(r, goals, "update", checks)

    # ---- load / flush
    o("## Load, flush, teardown")
    o()
    rows = []
    for wl in ("full.1w", "full.2w"):
        for i in ("rtm", "mutex", "shared_mutex", "fib", "lpm"):
            b = r.b("load", wl, i)
            if not b:
                continue
            name = {"fib": "rte_fib + rte_fib6", "lpm": "rte_lpm + rte_lpm6"}.get(i, i)
            if b.get("error_occurred"):
                rows.append(["load v4+v6, %s" % wl[5:].replace("w", " writer(s)"), name, "n/a: " + b.get("error_message", "")])
                continue
            t = " (teardown %.2f s, %s routes/s)" % (b["teardown_s"], fmt_rate(b.get("teardown_routes_per_s"))) \
                if "teardown_s" in b else ""
            if "v4_routes_per_s" in b:
                t = " (IPv4 %s/s, IPv6 %s/s)" % (fmt_rate(b["v4_routes_per_s"]), fmt_rate(b["v6_routes_per_s"]))
            rows.append(["load v4+v6, %s" % wl[5:].replace("w", " writer(s)"), name,
                         "%s routes/s%s" % (fmt_rate(b.get("items_per_second")), t)])
    for mode in ("rs:1", "rs:2"):
        s = r.procs.get(mode)
        if not s:
            continue
        if "error" in s:
            rows.append(["route server, %s writer(s)" % mode[3], "rtm", "n/a: " + s["error"]])
            continue
        rows.append(["route server: %d peers × %d IPv4 prefixes, %s writer(s)" % (s["peers"], s["dests"], mode[3]),
                     "rtm", "%s routes/s (%.1f s)" % (fmt_rate(s["routes_per_s"]), s["load_s"])])
        if "flush_s" in s:
            keep = s["lookups_during_per_s"] / s["lookups_before_per_s"] if s["lookups_before_per_s"] else 0
            rows.append(["flush (deregister) the best of the 10 peers, 2 lookup threads", "rtm",
                         "%.2f s, %s routes/s; lookups %s/s before, %s/s during (%.2f); %d references left"
                         % (s["flush_s"], fmt_rate(s["flush_routes_per_s"]), fmt_rate(s["lookups_before_per_s"]),
                            fmt_rate(s["lookups_during_per_s"]), keep, s.get("flush_held", -1))])
            rows.append(["deregister an entity with no routes, 9 peers' table", "rtm",
                         "%.3f ms" % (1e3 * s["deregister_empty_s"])])
    b = r.b("load", "deregister_empty", "rtm")
    if b and not b.get("error_occurred"):
        rows.append(["deregister an entity with no routes, full table (1 route each)", "rtm",
                     "%.3f %s" % (b["real_time"], b.get("time_unit", "ns"))])
    r.table(["workload", "impl", "result"], rows)
    goal_rows(r, goals, "load", checks)

    # ---- memory
    o("## Memory (each figure in a process of its own)")
    o()
    rows = []
    m = r.procs.get("mem:rtm")
    if m and "rss_per_dest" in m:
        rows.append(["rtm, whole table, 1 route per destination", "%.0f B RSS, %.0f B heap per destination"
                     % (m["rss_per_dest"], m["heap_per_dest"])])
    if m and "fwd_bytes" in m:
        n4, n6 = max(1, m.get("v4", 0)), max(1, m.get("v6", 0))
        rows.append(["rtm forwarding fast path (forwarding_stats: resident bytes), IPv4 index",
                     "%.0f B per IPv4 prefix (tbl24 %.1f MiB, %d tbl8 groups in %.1f MiB)"
                     % (m["fwd_bytes_v4"] / n4, m["fwd_tbl24_bytes_v4"] / 2**20, m["fwd_tbl8_groups_v4"],
                        m["fwd_tbl8_bytes_v4"] / 2**20)])
        rows.append(["rtm forwarding fast path, IPv6 index",
                     "%.0f B per IPv6 prefix (tbl24 %.1f MiB, %d tbl8 groups in %.1f MiB)"
                     % (m["fwd_bytes_v6"] / n6, m["fwd_tbl24_bytes_v6"] / 2**20, m["fwd_tbl8_groups_v6"],
                        m["fwd_tbl8_bytes_v6"] / 2**20)])
        rows.append(["rtm forwarding fast path, both indexes + next-hop groups",
                     "%.0f B per prefix (%.1f MiB; %d next-hop groups in %.1f MiB)"
                     % (m["fwd_bytes"] / (n4 + n6), m["fwd_bytes"] / 2**20, m["fwd_nh_groups"],
                        m["fwd_nh_bytes"] / 2**20)])
    m = r.procs.get("mem:mutex")
    if m and "rss_per_dest" in m:
        rows.append(["shared_mutex / mutex baseline (same layout), 1 route", "%.0f B RSS, %.0f B heap per destination"
                     % (m["rss_per_dest"], m["heap_per_dest"])])
    d = dpdk_bytes(r)
    if d:
        rows.append(["DPDK rte_lpm / rte_fib (IPv4), EAL heap bytes of the structure", "%.0f / %.0f B per IPv4 prefix"
                     % (d["lpm4"] / max(1, d["v4"]), d["fib4"] / max(1, d["v4"]))])
        rows.append(["DPDK rte_lpm6 / rte_fib6 (IPv6), EAL heap bytes", "%.0f / %.0f B per IPv6 prefix"
                     % (d["lpm6"] / max(1, d["v6"]), d["fib6"] / max(1, d["v6"]))])
        rows.append(["DPDK rte_fib + rte_fib6, both families", "%.0f B per prefix"
                     % ((d["fib4"] + d["fib6"]) / max(1, d["v4"] + d["v6"]))])
        if "fib4_arrays" in d:
            rows.append(["DPDK rte_fib + rte_fib6 lookup arrays alone (tbl24 + the configured tbl8 groups, "
                         "from the configuration; resident in full on hugepages)",
                         "%.0f B per prefix (IPv4 %.0f B: %d tbl8 groups; IPv6 %.0f B: %d tbl8 groups)"
                         % ((d["fib4_arrays"] + d["fib6_arrays"]) / max(1, d["v4"] + d["v6"]),
                            d["fib4_arrays"] / max(1, d["v4"]), d.get("fib4_tbl8", 0),
                            d["fib6_arrays"] / max(1, d["v6"]), d.get("fib6_tbl8", 0))])
    else:
        rows.append(["DPDK", "n/a: " + r.ctx.get("dpdk", "?")])
    s = r.procs.get("rs:1")
    if s and "rss_per_route" in s:
        rows.append(["rtm route server, 10 peers × the IPv4 table",
                     "%.0f B per route, %.0f B per destination; first peer %.0f B per destination, "
                     "%.0f B per additional route" % (s["rss_per_route"], s["rss_per_dest"],
                                                      s["rss_per_dest_first_peer"], s["rss_per_additional_route"])])
    r.table(["measure", "result"], rows)
    goal_rows(r, goals, "memory", checks)

    # ---- drain
    o("## Change-notification drain")
    o()
    rows = []
    b = r.b("drain", "full_load", "rtm")
    if b and not b.get("error_occurred"):
        rows.append(["queue filled by a full-table load, one consumer", "%s dests/s (%d destinations)"
                     % (fmt_rate(b.get("items_per_second")), b.get("drained", 0))])
    b = r.b("drain", "churn", "rtm")
    if b and not b.get("error_occurred"):
        rows.append(["while one writer churns (bound by the writer)", "%s dests/s" % fmt_rate(b.get("items_per_second"))])
    r.table(["workload", "rtm"], rows)
    goal_rows(r, goals, "drain", checks)

    text = "\n".join(r.lines) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(text)
    brief = brief_table(r, cores, model)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(brief)
    print(brief if "--brief" in sys.argv else text)
    plot(r, out, cores, model)
    print("report: %s/report.md, plots %s/*.png" % (out, out))


def brief_table(r, cores, model):
    """One short table of the headline comparisons (the demo prints it)."""
    def ns(area, wl, impl, t=1):
        x = r.rate(area, wl, impl, t)
        return "%.0f ns" % (1e9 * t / x) if x else r.cell(area, wl, impl, t)

    def rt(area, wl, impl, t=1):
        return r.cell(area, wl, impl, t) + ("/s" if r.rate(area, wl, impl, t) else "")

    def rat(a, b):
        return ratio(a, b) if a and b else "-"

    R = r.rate
    rows = [
        ["IPv4 LPM, uniformly random, 1 thread (ns per lookup)", ns("lookup", "v4.random.quiet", "rtm"),
         ns("lookup", "v4.random.quiet", "shared_mutex"),
         "rte_lpm %s, rte_fib %s" % (ns("lookup", "v4.random.quiet", "lpm"), ns("lookup", "v4.random.quiet", "fib")),
         rat(R("lookup", "v4.random.quiet", "rtm"), R("lookup", "v4.random.quiet", "shared_mutex"))],
        ["forwarding fast path, IPv4 uniformly random, 1 thread (session lookup4() / batch ns)",
         "%s / %s" % (ns("lookup", "v4.random.quiet", "rtm_session"), ns("lookup", "v4.random.quiet", "rtm_session_batch")),
         "-",
         "rte_lpm %s, rte_fib %s" % (ns("lookup", "v4.random.quiet", "lpm"), ns("lookup", "v4.random.quiet", "fib")),
         "-"],
        ["IPv6 LPM, inside table prefixes, 1 thread (ns per lookup)", ns("lookup", "v6.inside.quiet", "rtm"),
         ns("lookup", "v6.inside.quiet", "shared_mutex"),
         "rte_lpm6 %s, rte_fib6 %s" % (ns("lookup", "v6.inside.quiet", "lpm"), ns("lookup", "v6.inside.quiet", "fib")),
         rat(R("lookup", "v6.inside.quiet", "rtm"), R("lookup", "v6.inside.quiet", "shared_mutex"))],
        ["IPv4 LPM, 2 threads, a writer churning", rt("lookup", "v4.inside.churn", "rtm", 2),
         rt("lookup", "v4.inside.churn", "shared_mutex", 2), "-",
         rat(R("lookup", "v4.inside.churn", "rtm", 2), R("lookup", "v4.inside.churn", "shared_mutex", 2))],
        ["exact-match Get + Release, 64 hot prefixes, 2 threads", rt("exact", "hot", "rtm", 2),
         rt("exact", "hot", "shared_mutex", 2), "-",
         rat(R("exact", "hot", "rtm", 2), R("exact", "hot", "shared_mutex", 2))],
        ["update churn, 2 writers, shared prefixes", rt("update", "shared", "rtm", 2),
         rt("update", "shared", "shared_mutex", 2), "-",
         rat(R("update", "shared", "rtm", 2), R("update", "shared", "shared_mutex", 2))],
        ["load v4 + v6, 1 writer (routes/s)", rt("load", "full.1w", "rtm"), rt("load", "full.1w", "shared_mutex"),
         "rte_fib + rte_fib6 " + rt("load", "full.1w", "fib"),
         rat(R("load", "full.1w", "rtm"), R("load", "full.1w", "shared_mutex"))],
    ]
    m, b, d = r.procs.get("mem:rtm", {}), r.procs.get("mem:mutex", {}), dpdk_bytes(r)
    if "rss_per_dest" in m:
        dp = ("rte_fib + rte_fib6 %.0f B" % ((d["fib4"] + d["fib6"]) / max(1, d["v4"] + d["v6"]))
              if d else "n/a")
        rows.append(["memory per destination, 1 route (RSS; ratio of bytes)", "%.0f B" % m["rss_per_dest"],
                     "%.0f B" % b["rss_per_dest"] if "rss_per_dest" in b else "-", dp,
                     rat(m["rss_per_dest"], b.get("rss_per_dest"))])
    rows.append(["drain of a full-table load's change queue", rt("drain", "full_load", "rtm"), "(none)", "-", "-"])
    lines = ["rtm beside the shared_mutex baseline and DPDK: %d cores, %s; table %s (%s IPv4 + %s IPv6)%s" % (
        cores, model, " + ".join(os.path.basename(t) for t in r.ctx.get("table", "?").split(" + ")), r.ctx.get("v4_prefixes", "?"),
        r.ctx.get("v6_prefixes", "?"), "; --quick smoke pass on a slice, not the measurements" if r.quick else ""), ""]
    hdr = ["measure", "rtm", "shared_mutex", "DPDK", "rtm / shared_mutex (rate)"]
    lines.append("| " + " | ".join(hdr) + " |")
    lines.append("|---|---:|---:|---:|---:|")
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def plot(r, out, cores, model):
    names = {"lpm": "rte_lpm(6)", "fib": "rte_fib(6)"}
    for fname, title, series in r.plots:
        series = [(i, pts) for i, pts in series if pts and all(v for v in pts.values())]
        if not series:
            continue
        threads = sorted({t for _, pts in series for t in pts})
        dat = os.path.join(out, fname + ".dat")
        with open(dat, "w") as f:
            f.write("# threads " + " ".join(i for i, _ in series) + "\n")
            for t in threads:
                f.write("%d %s\n" % (t, " ".join("%g" % pts[t] if t in pts else "NaN" for _, pts in series)))
        png = os.path.join(out, fname + ".png")
        plots = ", ".join("'%s' u 1:%d w lp t '%s'" % (dat, k + 2, names.get(i, i))
                          for k, (i, _) in enumerate(series))
        script = ("set terminal pngcairo size 800,500 noenhanced\n"
                  "set output '%s'\n"
                  "set title '%s: throughput vs threads (%d cores, %s)'\n"
                  "set xlabel 'threads'\nset ylabel 'operations/s'\n"
                  "set logscale x 2\nset logscale y\nset key outside\nset grid\n"
                  "set datafile missing 'NaN'\n"
                  "plot %s\n" % (png, title, cores, model, plots))
        p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if p.returncode != 0 or p.stderr.strip():
            print("report: gnuplot on %s: %s" % (fname, p.stderr.strip()), file=sys.stderr)


if __name__ == "__main__":
    main()
