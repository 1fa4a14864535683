#!/usr/bin/env python3
"""Reads rtm_bench's JSON (--benchmark_format=json) and writes a report:
a table of rtm against each baseline as ratios per workload and thread
count (report.md, also printed), and PNG plots of throughput against
threads drawn with gnuplot.

    python3 bench/report.py results.json OUTDIR
"""
import json
import os
import re
import subprocess
import sys


def parse(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}  # (workload, threads) -> {impl: items_per_second}
    extra = []  # non-thread-scaled results, printed as they are
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        name = b["name"]
        m = re.match(r"(\w+)<(\w+)(?:, (true|false))?>(?:/(\d+))?.*?(?:/threads:(\d+))?$", name)
        if not m:
            extra.append(b)
            continue
        wl, impl, shared, arg, threads = m.groups()
        wl = wl + ({"true": "Shared", "false": "Disjoint"}.get(shared, ""))
        impl = {"RtmImpl": "rtm", "MutexImpl": "mutex", "SharedMutexImpl": "shared_mutex"}[impl]
        if wl in ("Load", "Memory"):
            extra.append(dict(b, workload=wl, impl=impl, arg=arg))
            continue
        rows.setdefault((wl, int(threads or 1)), {})[impl] = b.get("items_per_second", 0.0)
    return data.get("context", {}), rows, extra


def fmt_rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ctx, rows, extra = parse(src)
    lines = []
    lines.append("# rtm_bench report")
    lines.append("")
    lines.append("Machine: %s CPUs (%s MHz); run %s. Throughput in operations per second "
                 "(all threads together); ratio = rtm / baseline (> 1: rtm is faster)."
                 % (ctx.get("num_cpus", "?"), ctx.get("mhz_per_cpu", "?"), ctx.get("date", "?")))
    lines.append("")
    lines.append("| workload | threads | rtm | mutex | shared_mutex | rtm/mutex | rtm/shared_mutex |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for (wl, th) in sorted(rows):
        r = rows[(wl, th)]
        rtm = r.get("rtm", 0.0)
        cells = [wl, str(th), fmt_rate(rtm)]
        for base in ("mutex", "shared_mutex"):
            cells.append(fmt_rate(r[base]) if base in r else "-")
        for base in ("mutex", "shared_mutex"):
            cells.append("%.2f" % (rtm / r[base]) if r.get(base) else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| one-off | impl | arg | result |")
    lines.append("|---|---|---:|---|")
    for b in extra:
        wl = b.get("workload", b["name"])
        if wl == "Load":
            res = "%s routes/s, teardown %.3f s" % (fmt_rate(b.get("items_per_second", 0)),
                                                     b.get("teardown_s", 0))
            arg = "%s writer(s)" % b.get("arg")
        elif wl == "Memory":
            res = "%.0f bytes/dest (heap), %.0f bytes/dest (RSS)" % (
                b.get("bytes_per_dest", 0), b.get("rss_per_dest", 0))
            arg = "%s route(s)/dest" % b.get("arg")
        else:
            res = "%s items/s" % fmt_rate(b.get("items_per_second", 0))
            if "dests_per_batch" in b:
                res += ", %.1f dests per GetChangedDests" % b["dests_per_batch"]
            arg = ""
        lines.append("| %s | %s | %s | %s |" % (wl, b.get("impl", "rtm"), arg, res))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(text)
    print(text)

    # Plots: throughput vs threads per workload.
    workloads = sorted({wl for (wl, _) in rows})
    for wl in workloads:
        dat = os.path.join(out, wl + ".dat")
        with open(dat, "w") as f:
            f.write("# threads rtm mutex shared_mutex\n")
            for th in sorted(t for (w, t) in rows if w == wl):
                r = rows[(wl, th)]
                f.write("%d %g %g %g\n" % (th, r.get("rtm", 0), r.get("mutex", 0),
                                            r.get("shared_mutex", 0)))
        png = os.path.join(out, wl + ".png")
        script = (
            "set terminal pngcairo size 800,500 noenhanced\n"
            "set output '%s'\n"
            "set title '%s: throughput vs threads (%s CPUs)'\n"
            "set xlabel 'threads'\nset ylabel 'operations/s'\n"
            "set logscale x 2\nset logscale y\nset key outside\nset grid\n"
            "plot '%s' u 1:2 w lp t 'rtm', '' u 1:3 w lp t 'mutex', '' u 1:4 w lp t 'shared_mutex'\n"
            % (png, wl, ctx.get("num_cpus", "?"), dat))
        try:
            subprocess.run(["gnuplot"], input=script, text=True, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            print("report: no plot for %s (%s)" % (wl, e), file=sys.stderr)
    print("report: %s/report.md and one PNG per workload in %s" % (out, out))


if __name__ == "__main__":
    main()
