#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs a command on a new pty and plays a person at its terminal.

    ptyrun.py [--rows R] [--cols C] [--timeout S] STEP... -- COMMAND [ARG...]

Steps run in order:
    --expect REGEX   wait until the output since the last match matches REGEX
    --line TEXT      type TEXT and Enter (a carriage return, as a terminal sends)
    --send TEXT      type TEXT as it is

Then it waits for the command to end.  The whole transcript goes to stdout and
the exit status is the command's (128+N when signal N killed it).  When a step
or the end takes longer than --timeout seconds, it says which, prints the
transcript so far to stderr, kills the command and exits 124.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def usage(msg):
    sys.stderr.write("ptyrun: %s\n%s" % (msg, __doc__))
    sys.exit(2)


def parse(argv):
    opts = {"rows": 24, "cols": 80, "timeout": 30.0}
    steps = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return opts, steps, argv[i + 1:]
        if i + 1 >= len(argv):
            usage("%s needs a value" % a)
        v = argv[i + 1]
        if a in ("--rows", "--cols"):
            opts[a[2:]] = int(v)
        elif a == "--timeout":
            opts["timeout"] = float(v)
        elif a == "--expect":
            steps.append(("expect", re.compile(v)))
        elif a == "--line":
            steps.append(("send", v + "\r"))
        elif a == "--send":
            steps.append(("send", v))
        else:
            usage("unknown option %s" % a)
        i += 2
    usage("no command after --")


class Session:
    def __init__(self, command, rows, cols):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            try:
                os.execvp(command[0], command)
            except OSError as e:
                os.write(2, ("ptyrun: cannot run %s: %s\n" % (command[0], e)).encode())
            os._exit(127)
        self.out = b""
        self.mark = 0  # where the next --expect starts looking
        self.eof = False

    def read(self, deadline):
        """Reads what is there, waiting at most until deadline; False at EOF."""
        if self.eof:
            return False
        left = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: every slave descriptor is closed
            data = b""
        if not data:
            self.eof = True
            return False
        self.out += data
        return True

    def expect(self, regex, timeout):
        deadline = time.monotonic() + timeout
        while True:
            text = self.out[self.mark:].decode("utf-8", "replace")
            m = regex.search(text)
            if m:
                self.mark += len(text[: m.end()].encode("utf-8", "replace"))
                return True
            if time.monotonic() >= deadline or not self.read(deadline):
                return False

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                # What it wrote last, unless something it left holds the pty.
                drain = time.monotonic() + 1.0
                while self.read(drain) and time.monotonic() < drain:
                    pass
                if os.WIFSIGNALED(status):
                    return 128 + os.WTERMSIG(status)
                return os.WEXITSTATUS(status)
            if not self.read(min(deadline, time.monotonic() + 0.1)):
                time.sleep(0.05)
        return None

    def kill(self):
        for sig in (signal.SIGHUP, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                return
            time.sleep(0.5)
        os.waitpid(self.pid, 0)


def main():
    opts, steps, command = parse(sys.argv[1:])
    if not command:
        usage("no command")
    s = Session(command, opts["rows"], opts["cols"])
    failure = None
    for kind, arg in steps:
        if kind == "send":
            s.send(arg)
        elif not s.expect(arg, opts["timeout"]):
            why = "the command ended" if s.eof else "%gs passed" % opts["timeout"]
            failure = "%s before its output matched /%s/" % (why, arg.pattern)
            break
    status = None
    if failure is None:
        status = s.wait(opts["timeout"])
        if status is None:
            failure = "the command did not end within %gs" % opts["timeout"]
    if failure is not None:
        sys.stderr.write("ptyrun: %s; its output so far:\n%r\n" % (failure, s.out))
        s.kill()
        sys.stdout.buffer.write(s.out)
        return 124
    sys.stdout.buffer.write(s.out)
    return status


if __name__ == "__main__":
    sys.exit(main())
