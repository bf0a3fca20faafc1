#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summarises the records of contrib/bench/run.sh: a table and a JSON file.

Records are lines `CASE METRIC VALUE`.  Metric `wall_ms` is a repetition's
wall time; `stage:NAME` metrics (from stages.py, CASE `stages`) say when a
start-up stage of `vshim --debug run` began, in ms from the process start.
Other metrics (memory, density, ...) are summarised the same way and land in
the JSON under their case.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys


def summary(values):
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "samples": values,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE for the JSON")
    ap.add_argument("--case", action="append", default=[], help="NAME=LABEL, in table order")
    ap.add_argument("--floor", required=True, help="the case the ratios are taken against")
    ap.add_argument("--also", help="a second reference case: one more ratio column")
    ap.add_argument("--target", action="append", default=[], help="CASE:MAX_RATIO")
    args = ap.parse_args()

    metrics = {}  # case -> metric -> [values]
    with open(args.records) as f:
        for line in f:
            case, metric, value = line.split()
            metrics.setdefault(case, {}).setdefault(metric, []).append(float(value))

    labels = dict(c.split("=", 1) for c in args.case)
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

    targets = []
    print()
    for t in args.target:
        case, limit = t.rsplit(":", 1)
        if case not in wall:
            continue
        ratio, limit = wall[case]["ratio"], float(limit)
        met = ratio <= limit
        targets.append({"case": case, "max_ratio": limit, "ratio": ratio, "met": met})
        print(f"target {labels[case]} <= {limit:.2f}x floor "
              f"({limit * floor:.1f} ms): {ratio:.3f}x, {'met' if met else 'NOT met'}")

    stages = {}
    for metric, values in metrics.get("stages", {}).items():
        if metric.startswith("stage:"):
            stages[metric[len("stage:"):]] = summary(values)
    if stages:
        print("\nvshim --debug run, when each stage began (ms from the process's start, "
              f"median of {max(s['n'] for s in stages.values())} runs):")
        prev = 0.0
        for name, s in sorted(stages.items(), key=lambda kv: kv[1]["median"]):
            print(f"  {s['median']:8.1f}  (+{s['median'] - prev:6.1f})  {name.replace('_', ' ')}")
            prev = s["median"]
        for metric, values in sorted(metrics.get("stages", {}).items()):
            if metric.startswith("guest:"):
                print(f"  guest {metric[len('guest:'):]}: {statistics.median(values):.1f}")

    other = {c: {m: summary(v) for m, v in ms.items() if m != "wall_ms"}
             for c, ms in metrics.items() if c != "stages"}
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": {"node": platform.node(), "kernel": platform.release(),
                 "cpus": os.cpu_count()},
        "config": dict(m.split("=", 1) for m in args.meta),
        "floor": args.floor,
        "cases": {c: dict(wall[c], label=labels[c]) for c in order if c in wall},
        "targets": targets,
        "stages_ms": stages,
        "other_metrics": {c: m for c, m in other.items() if m},
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"\nresults: {args.json}")


if __name__ == "__main__":
    main()
