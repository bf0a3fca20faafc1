#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads the stderr of one `vshim --debug run` and prints run.sh records.

Debug lines look like `[  123.456 ms] driver debug: ...`, the time counted
from the process's start (common/log.c).  For each stage below the first
matching line gives `stages stage:NAME MS`; the HELLO line, when it carries
the agent's own numbers, also gives `stages guest:agent_ms V` and
`stages guest:uptime_ms V`.  A stage whose line is missing (the messages of
shim/ change) is left out, never guessed.
"""
import re
import sys

STAGES = [
    ("spawning QEMU", r"driver debug: spawning `"),
    ("QEMU exec'd", r"driver debug: spawned pid"),
    ("QMP greeting", r"qmp debug: greeting from QEMU"),
    ("QMP ready", r"driver debug: domain `[^`]*` is (paused|running)"),
    ("agent port open", r"VSERPORT_CHANGE.*\"open\": true"),
    ("agent HELLO", r"(?i)\bhello\b|agent \S+: up [0-9.]+ ms after boot"),
    ("container created", r"(?i)container `[^`]*` (is )?created"),
    ("container started", r"(?i)container `[^`]*` (is )?started"),
    ("container exited", r"(?i)container `[^`]*` (ended|exited)"),
    ("teardown", r"driver debug: destroying domain"),
    ("QEMU gone", r"driver debug: domain `[^`]*` ended"),
]
LINE = re.compile(r"^\[\s*([0-9.]+) ms\] (.*)$")


def main():
    seen = {}
    last = None
    for raw in sys.stdin:
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        ms, text = float(m.group(1)), m.group(2)
        last = ms
        for name, pattern in STAGES:
            if name not in seen and re.search(pattern, text):
                seen[name] = ms
                if name == "agent HELLO":
                    for key, pattern in (("agent_ms", r"agent_ms[ =:]+([0-9.]+)"),
                                         ("uptime_ms", r"(?:uptime_ms[ =:]+|up )([0-9.]+)")):
                        v = re.search(pattern, text)
                        if v:
                            print(f"stages guest:{key} {v.group(1)}")
                break
    for name, ms in seen.items():
        print(f"stages stage:{name.replace(' ', '_')} {ms:.3f}")
    if last is not None:
        print(f"stages stage:last_debug_line {last:.3f}")


if __name__ == "__main__":
    main()
