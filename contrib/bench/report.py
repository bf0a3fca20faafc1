#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summarises the records of contrib/bench/run.sh: a table, a JSON file, a chart.

Records are lines `CASE METRIC VALUE`.  Metric `wall_ms` is a repetition's
time; `stage:NAME` metrics (from stages.py, CASE `stages`) say when a
start-up stage of `vshim --debug run` began, in ms from the process start;
CASE `memory` and `density` come from probe.py.  Anything else is
summarised the same way and lands in the JSON under its case.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

# The start-up of one container, stage by stage: (name, from, to), where
# from and to are stages.py's stage names (`stage:` stripped); "start" is
# the start of the vshim process.
# QEMU's vCPUs run from its start: the kernel boots while QEMU and the
# driver do the QMP handshake, so those two rows overlap the boot's.
PHASES = [
    ("host set-up", "start", "spawning_QEMU"),
    ("QEMU start + kernel boot", "spawning_QEMU", "agent_port_open"),
    ("(meanwhile) QMP greeting", "spawning_QEMU", "QMP_greeting"),
    ("(meanwhile) QMP ready", "QMP_greeting", "QMP_ready"),
    ("agent ready", "agent_port_open", "agent_HELLO"),
    ("create", "agent_HELLO", "container_created"),
    ("start", "container_created", "container_started"),
    ("run to exit", "container_started", "container_exited"),
    ("teardown", "container_exited", "QEMU_gone"),
    ("exit", "QEMU_gone", "vshim_exited"),
]


def summary(values):
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "samples": values,
    }


def phases(stages):
    """Durations of PHASES from the stage medians; a phase with a missing end is left out."""
    at = {name: s["median"] for name, s in stages.items()}
    at["start"] = 0.0
    out = []
    for name, a, b in PHASES:
        if a in at and b in at:
            out.append({"phase": name, "ms": max(0.0, at[b] - at[a]), "from_ms": at[a]})
    return out


def gnuplot_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def chart(png, wall, labels, order, breakdown, memory):
    """A PNG: the stages of one vshim run, the time cases, memory per container."""
    if shutil.which("gnuplot") is None:
        print("report.py: gnuplot is not installed: no chart", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        cases = os.path.join(tmp, "cases.dat")
        with open(cases, "w") as f:
            for i, c in enumerate(c for c in order if c in wall):
                s = wall[c]
                f.write(f"{i} {s['median']:.1f} {s['min']:.1f} {s['max']:.1f} "
                        f"{gnuplot_quote(labels[c])}\n")
        stages = os.path.join(tmp, "stages.dat")
        with open(stages, "w") as f:
            for p in breakdown:
                f.write(f"{p['from_ms']:.1f} {p['ms']:.1f} {gnuplot_quote(p['phase'])}\n")
        mem = os.path.join(tmp, "memory.dat")
        with open(mem, "w") as f:
            for i, (n, m) in enumerate(sorted(memory.items())):
                f.write(f"{i} {m['anon'] / 1024:.1f} {m['file'] / 1024:.1f} "
                        f"{m['monitor'] / 1024:.1f} \"{n} running\"\n")
        panels = 1 + bool(breakdown) + bool(memory)
        script = [
            f"set terminal pngcairo size 1000,{340 * panels} font 'DejaVu Sans,10'",
            f"set output {gnuplot_quote(png)}",
            f"set multiplot layout {panels},1",
            "set style fill solid 0.8 border -1",
            "set grid xtics",
            "unset key",
        ]
        if breakdown:
            total = breakdown[-1]["from_ms"] + breakdown[-1]["ms"]
            # A Gantt chart: one row per stage, a box from its start to its end.
            script += [
                "set title 'vshim run /bin/true, one start stage by stage (median ms from the "
                "start of vshim)'",
                "set yrange [*:*] reverse", "set ytics nomirror",
                f"set xrange [0:{total * 1.12:.0f}]", "set xlabel 'ms'",
                f"plot {gnuplot_quote(stages)} using ($1+$2/2):0:($2/2):(0.35):ytic(3) "
                "with boxxyerror lc rgb '#228833', "
                f"'' using ($1+$2+3):0:(sprintf('%.1f', $2)) with labels left font ',8'",
            ]
        script += [
            "set title 'time cases: median, whiskers min to max (ms)'",
            "set autoscale", "set yrange [*:*] reverse", "set ytics nomirror",
            "set xrange [0:*]", "set xlabel 'ms'",
            f"plot {gnuplot_quote(cases)} using ($2/2):1:($2/2):(0.35):ytic(5) "
            "with boxxyerror lc rgb '#4477aa', "
            f"'' using 2:1:3:4 with xerrorbars lc rgb 'black' pt 0, "
            f"'' using ($4+5):1:(sprintf('%.0f', $2)) with labels left font ',8'",
        ]
        if memory:
            script += [
                "set title 'host memory per idle container (MiB): QEMU anonymous, QEMU file "
                "(PSS), monitor (PSS)'",
                "set autoscale", "set yrange [*:*] reverse", "set xrange [0:*]",
                "set xlabel 'MiB'", "set key outside right",
                f"plot {gnuplot_quote(mem)} using ($2/2):1:($2/2):(0.35):ytic(5) "
                "with boxxyerror lc rgb '#4477aa' title 'QEMU anon', "
                f"'' using ($2+$3/2):1:($3/2):(0.35) with boxxyerror lc rgb '#66ccee' "
                "title 'QEMU file', "
                f"'' using ($2+$3+$4/2):1:($4/2):(0.35) with boxxyerror lc rgb '#ee6677' "
                "title 'monitor'",
            ]
        script.append("unset multiplot")
        gp = os.path.join(tmp, "chart.gp")
        with open(gp, "w") as f:
            f.write("\n".join(script) + "\n")
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"report.py: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)
            return None
    return png


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--png", help="the chart (gnuplot)")
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE for the JSON")
    ap.add_argument("--case", action="append", default=[], help="NAME=LABEL, in table order")
    ap.add_argument("--skipped", help="a file of `CASE REASON` lines: cases that could not run")
    ap.add_argument("--floor", required=True, help="the case the ratios are taken against")
    ap.add_argument("--also", help="a second reference case: one more ratio column")
    ap.add_argument("--target", action="append", default=[],
                    help="CASE:MAX_RATIO[:FLOOR], FLOOR the reference (else --floor)")
    ap.add_argument("--max-monitor-rss-kb", type=float)
    ap.add_argument("--max-pss-kb", type=float)
    ap.add_argument("--pss-min-count", type=int, default=1,
                    help="the PSS target holds for fleets of at least this many")
    args = ap.parse_args()

    metrics = {}  # case -> metric -> [values]
    with open(args.records) as f:
        for line in f:
            case, metric, value = line.split()
            metrics.setdefault(case, {}).setdefault(metric, []).append(float(value))

    labels = dict(c.split("=", 1) for c in args.case)
    labels.setdefault(args.floor, args.floor)
    order = list(labels)
    wall = {c: summary(metrics[c]["wall_ms"]) for c in order if "wall_ms" in metrics.get(c, {})}
    if args.floor not in wall:
        sys.exit(f"report.py: no wall times for the floor case `{args.floor}`")
    floor = wall[args.floor]["median"]

    also = args.also if args.also in wall else None
    head = f"{'':22} {'min ms':>8} {'median':>8} {'max':>8} {'x floor':>8}"
    print(head + (f"  x {also}" if also else ""))
    for c in order:
        if c not in wall:
            continue
        s = wall[c]
        s["ratio"] = s["median"] / floor
        line = (f"{labels[c]:22} {s['min']:8.1f} {s['median']:8.1f} {s['max']:8.1f} "
                f"{s['ratio']:8.3f}")
        if also:
            s["ratio_" + also] = s["median"] / wall[also]["median"]
            line += f"  {s['ratio_' + also]:8.3f}"
        print(line)
    skipped = {}
    if args.skipped and os.path.exists(args.skipped):
        with open(args.skipped) as f:
            for line in f:
                if line.strip():
                    case, _, reason = line.strip().partition(" ")
                    skipped[case] = reason
                    print(f"{labels.get(case, case):22} skipped: {reason}")

    stages = {}
    for metric, values in metrics.get("stages", {}).items():
        if metric.startswith("stage:"):
            stages[metric[len("stage:"):]] = summary(values)
    breakdown = phases(stages) if stages else []
    if stages:
        print("\nvshim --debug run /bin/true, stage by stage (median of "
              f"{max(s['n'] for s in stages.values())} runs; ms):")
        for p in breakdown:
            print(f"  {p['from_ms']:8.1f}  +{p['ms']:6.1f}  {p['phase']}")
        guest = {m[len("guest:"):]: statistics.median(v)
                 for m, v in metrics.get("stages", {}).items() if m.startswith("guest:")}
        if "uptime_ms" in guest:
            print(f"  (the guest kernel's clock said {guest['uptime_ms']:.1f} ms at HELLO)")

    memory = {}
    mem = metrics.get("memory", {})
    for metric, values in mem.items():
        m = re.fullmatch(r"pss_kb_per_container_(\d+)", metric)
        if m:
            n = int(m.group(1))
            memory[n] = {
                "pss": statistics.median(values),
                "anon": statistics.median(mem.get(f"qemu_pss_anon_kb_{n}", [0])),
                "file": statistics.median(mem.get(f"qemu_pss_file_kb_{n}", [0])),
            }
    monitor_rss = max(mem.get("monitor_rss_kb", [0]))
    for n, m in memory.items():
        m["monitor"] = max(0.0, m["pss"] - m["anon"] - m["file"])
    if memory:
        print("\nhost memory per idle container (monitor + QEMU, PSS, MiB):")
        print(f"  {'running':>8} {'total':>8} {'QEMU anon':>10} {'QEMU file':>10} "
              f"{'monitor':>8}")
        for n in sorted(memory):
            m = memory[n]
            print(f"  {n:8d} {m['pss'] / 1024:8.1f} {m['anon'] / 1024:10.1f} "
                  f"{m['file'] / 1024:10.1f} {m['monitor'] / 1024:8.1f}")
        print(f"  monitor RSS (largest): {monitor_rss / 1024:.2f} MiB")

    dens = metrics.get("density", {})
    density = {}
    for metric, values in dens.items():
        m = re.fullmatch(r"wall_ms_(\d+)", metric)
        if m:
            n = int(m.group(1))
            density[n] = dict(summary(values),
                              failures=int(sum(dens.get(f"failures_{n}", [0]))))
            print(f"\ndensity: {n} containers started at once, all running after "
                  f"{density[n]['median']:.0f} ms (median of {density[n]['n']}; "
                  f"min {density[n]['min']:.0f}, max {density[n]['max']:.0f}), "
                  f"{density[n]['failures']} failed")

    targets = []
    print()
    for t in args.target:
        case, limit, *ref = t.split(":")
        ref = ref[0] if ref else args.floor
        if ref not in wall:
            ref = args.floor
        if case not in wall:
            continue
        limit = float(limit)
        ratio = wall[case]["median"] / wall[ref]["median"]
        met = ratio <= limit
        targets.append({"case": case, "max_ratio": limit, "floor": ref, "ratio": ratio,
                        "met": met})
        print(f"target {labels[case]} <= {limit:.2f}x {labels[ref]} "
              f"({limit * wall[ref]['median']:.1f} ms): {ratio:.3f}x, "
              f"{'met' if met else 'NOT met'}"
              + (f" (against {labels[args.floor]}: "
                 f"{wall[case]['median'] / floor:.3f}x)" if ref != args.floor else ""))
    if args.max_monitor_rss_kb and memory:
        met = monitor_rss <= args.max_monitor_rss_kb
        targets.append({"metric": "monitor_rss_kb", "max": args.max_monitor_rss_kb,
                        "value": monitor_rss, "met": met})
        print(f"target monitor RSS <= {args.max_monitor_rss_kb / 1024:.0f} MiB: "
              f"{monitor_rss / 1024:.2f} MiB, {'met' if met else 'NOT met'}")
    if args.max_pss_kb:
        for n in sorted(memory):
            if n < args.pss_min_count:
                continue
            met = memory[n]["pss"] <= args.max_pss_kb
            targets.append({"metric": f"pss_kb_per_container_{n}", "max": args.max_pss_kb,
                            "value": memory[n]["pss"], "met": met})
            print(f"target host PSS per idle container ({n} running) <= "
                  f"{args.max_pss_kb / 1024:.0f} MiB: {memory[n]['pss'] / 1024:.1f} MiB, "
                  f"{'met' if met else 'NOT met'}")

    png = chart(args.png, wall, labels, order, breakdown, memory) if args.png else None

    known = {"stages", "memory", "density"}
    other = {c: {m: summary(v) for m, v in ms.items() if m != "wall_ms"}
             for c, ms in metrics.items() if c not in known}
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": {"node": platform.node(), "kernel": platform.release(),
                 "cpus": os.cpu_count()},
        "config": dict(m.split("=", 1) for m in args.meta),
        "floor": args.floor,
        "cases": {c: dict(wall[c], label=labels[c]) for c in order if c in wall},
        "skipped": skipped,
        "targets": targets,
        "stages_ms": stages,
        "breakdown_ms": breakdown,
        "memory_kb": {str(n): m for n, m in sorted(memory.items())},
        "monitor_rss_kb": monitor_rss,
        "density": {str(n): d for n, d in density.items()},
        "chart": png,
        "other_metrics": {c: m for c, m in other.items() if m},
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"\nresults: {args.json}" + (f", chart: {png}" if png else ""))


if __name__ == "__main__":
    main()
