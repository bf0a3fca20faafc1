#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Measurements of contrib/bench/run.sh that are more than a command's wall time.

Each subcommand does one repetition and prints run.sh records on stdout
(`CASE METRIC VALUE` lines); anything on stderr is a diagnostic.

  first-output VSHIM ROOT BUNDLE ID
      `vshim create` then `vshim start` of a process that writes at once:
      ms from create's start to the first byte of its stdout.  The
      container is deleted afterwards (untimed).
  virt-qemu-run ROOT XML NAME
      libvirt's virt-qemu-run on XML with the embedded driver rooted at
      ROOT: ms from its start to the exit of the QEMU it started (it does
      not exit when the guest stops; it is sent SIGTERM afterwards).
  memory VSHIM ROOT BUNDLE COUNT SETTLE_S
      COUNT containers created and started at once (their process sleeps),
      SETTLE_S seconds to go idle, then the host memory of each: PSS of the
      monitor plus its QEMU (kB, summed and divided by COUNT), the monitor's
      RSS (largest), QEMU's PSS split into anonymous and file pages.
  density VSHIM ROOT BUNDLE COUNT
      COUNT `vshim run --detach` started at the same moment: ms until every
      one has returned (the container is running), and how many failed.

Containers are always deleted with `delete --force`, also after a failure.
"""
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time



def ms_since(t0):
    return (time.monotonic() - t0) * 1000.0


def delete(vshim, root, ids):
    for i in ids:
        subprocess.run([vshim, "--root", root, "delete", "--force", i],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def spawn(argv, stdout=subprocess.DEVNULL):
    """Starts argv with stderr to a file: the monitor create forks keeps it open."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err)
    proc.errfile = err
    return proc


def finish(proc):
    """Waits for proc; returns (returncode, what it said on stderr)."""
    rc = proc.wait()
    proc.errfile.seek(0)
    text = proc.errfile.read().decode(errors="replace").strip()
    proc.errfile.close()
    return rc, text


def first_output(vshim, root, bundle, cid):
    r, w = os.pipe()
    t0 = time.monotonic()
    try:
        rc, err = finish(spawn([vshim, "--root", root, "create", "--bundle", bundle, cid],
                               stdout=w))
        os.close(w)
        w = -1
        if rc != 0:
            sys.exit(f"first-output: create failed: {err}")
        start = subprocess.run([vshim, "--root", root, "start", cid],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if start.returncode != 0:
            sys.exit(f"first-output: start failed: {start.stderr.decode().strip()}")
        ready, _, _ = select.select([r], [], [], 60)
        if not ready or not os.read(r, 1):
            sys.exit("first-output: the container wrote nothing")
        print(f"first_output wall_ms {ms_since(t0):.1f}")
    finally:
        if w >= 0:
            os.close(w)
        os.close(r)
        delete(vshim, root, [cid])


def wait_pid_file(path, proc, deadline):
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except (FileNotFoundError, ValueError):
            pass
        if proc.poll() is not None:
            return None
        time.sleep(0.0005)
    return None


def virt_qemu_run(root, xml, name):
    qemu_pid_file = os.path.join(root, "run", "qemu", name + ".pid")
    t0 = time.monotonic()
    proc = spawn(["virt-qemu-run", "--root", root, xml])
    try:
        pid = wait_pid_file(qemu_pid_file, proc, t0 + 60)
        if pid is None:
            if proc.poll() is None:
                proc.kill()
            sys.exit(f"virt-qemu-run: QEMU never started: {finish(proc)[1]}")
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            fd = -1  # already gone
        if fd >= 0:
            select.select([fd], [], [], 60)
            os.close(fd)
        print(f"virt_qemu_run wall_ms {ms_since(t0):.1f}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not proc.errfile.closed:
            finish(proc)


def smaps_rollup(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def children(pid):
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
        except FileNotFoundError:
            pass
    return kids


def comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def pid_file(root, cid):
    """The monitor's pid-file of container cid: beside ROOT, not in it."""
    return f"{root}.{cid}.pid"


def start_all(vshim, root, bundle, ids, verb):
    """Starts `vshim VERB` for every id at once; returns {id: (returncode, stderr)}."""
    procs = {}
    for i in ids:
        if verb == "run":
            args = ["run", "--detach", "--bundle", bundle, "--pid-file", pid_file(root, i), i]
        else:
            args = ["create", "--bundle", bundle, "--pid-file", pid_file(root, i), i]
        procs[i] = spawn([vshim, "--root", root] + args)
    return {i: finish(p) for i, p in procs.items()}


def memory(vshim, root, bundle, count, settle):
    ids = [f"mem-{count}-{k}" for k in range(count)]
    try:
        results = start_all(vshim, root, bundle, ids, "create")
        for i, (rc, err) in results.items():
            if rc != 0:
                sys.exit(f"memory: create {i} failed: {err}")
        for i in ids:
            start = subprocess.run([vshim, "--root", root, "start", i],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if start.returncode != 0:
                sys.exit(f"memory: start {i} failed: {start.stderr.decode().strip()}")
        time.sleep(settle)
        total = mon_rss = 0
        anon = file_ = 0
        for i in ids:
            # The pid file names the container's process on the host
            # (shim/handle.h); the monitor, QEMU's parent, is in state.json.
            with open(os.path.join(root, i, "state.json")) as f:
                monitor = int(json.load(f)["monitor"])
            qemus = [k for k in children(monitor) if comm(k).startswith("qemu-system")]
            if len(qemus) != 1:
                sys.exit(f"memory: monitor {monitor} of {i} has no QEMU child")
            m, q = smaps_rollup(monitor), smaps_rollup(qemus[0])
            total += m["Pss"] + q["Pss"]
            mon_rss = max(mon_rss, m["Rss"])
            anon += q.get("Pss_Anon", 0)
            file_ += q.get("Pss_File", 0)
        print(f"memory pss_kb_per_container_{count} {total / count:.0f}")
        print(f"memory qemu_pss_anon_kb_{count} {anon / count:.0f}")
        print(f"memory qemu_pss_file_kb_{count} {file_ / count:.0f}")
        print(f"memory monitor_rss_kb {mon_rss}")
    finally:
        delete(vshim, root, ids)


def density(vshim, root, bundle, count):
    ids = [f"dens-{k}" for k in range(count)]
    try:
        t0 = time.monotonic()
        results = start_all(vshim, root, bundle, ids, "run")
        wall = ms_since(t0)
        failed = [i for i, (rc, _) in results.items() if rc != 0]
        for i in failed:
            print(f"density: {i}: {results[i][1]}", file=sys.stderr)
        print(f"density wall_ms_{count} {wall:.1f}")
        print(f"density failures_{count} {len(failed)}")
    finally:
        delete(vshim, root, ids)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "first-output" and len(args) == 4:
        first_output(*args)
    elif cmd == "virt-qemu-run" and len(args) == 3:
        virt_qemu_run(*args)
    elif cmd == "memory" and len(args) == 5:
        memory(args[0], args[1], args[2], int(args[3]), float(args[4]))
    elif cmd == "density" and len(args) == 4:
        density(args[0], args[1], args[2], int(args[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
