#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for qemu-system-x86_64 that fails the driver's start-up on purpose.

The driver runs it as it runs QEMU (the QMP socket listening on fd 3, its
seccomp filter, its capabilities dropped).  The domain's name, from
`-name guest=NAME`, says how it fails:

  early    says why on stderr and exits 1 before its monitor greets
  silent   greets and then never answers (a hung monitor)
  midway   greets, reads qmp_capabilities, says why and exits 1
"""
import os
import socket
import sys
import time

GREETING = (b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, '
            b'"package": "fake"}, "capabilities": []}}\r\n')


def main():
    args = sys.argv[1:]
    name = args[args.index("-name") + 1].split("=", 1)[1]
    if name == "early":
        print("fake-qemu: cannot initialise the machine", file=sys.stderr, flush=True)
        sys.exit(1)
    listener = socket.socket(fileno=3)
    conn, _ = listener.accept()
    conn.sendall(GREETING)
    if name == "silent":
        time.sleep(600)
    elif name == "midway":
        conn.recv(4096)
        print("fake-qemu: died in the middle of the handshake", file=sys.stderr, flush=True)
        os._exit(1)
    sys.exit(2)


if __name__ == "__main__":
    main()
