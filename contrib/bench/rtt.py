#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TCP round trips from the host to an echo server in a container.

  rtt.py HOST PORT COUNT

Connects (retrying for 30 s while the server comes up), sends one byte and
waits for it to come back, COUNT times, with TCP_NODELAY; prints
`rtt median_us X` and `rtt p99_us Y`.  The first 50 round trips warm up
(ARP, the guest's code paths) and are not counted.
"""
import socket
import sys
import time

WARMUP = 50


def connect(host, port):
    deadline = time.monotonic() + 30
    while True:
        try:
            return socket.create_connection((host, port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = connect(host, port)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    for i in range(WARMUP + count):
        t0 = time.perf_counter_ns()
        s.sendall(b"x")
        if s.recv(1) != b"x":
            sys.exit("rtt: the echo server closed the connection")
        if i >= WARMUP:
            samples.append((time.perf_counter_ns() - t0) / 1000.0)
    s.close()
    samples.sort()
    print(f"rtt median_us {samples[len(samples) // 2]:.1f}")
    print(f"rtt p99_us {samples[min(len(samples) - 1, len(samples) * 99 // 100)]:.1f}")


if __name__ == "__main__":
    main()
