"""The RSS figures count a server's workers only: the embedded Redis a master starts is its
child too, and holding every stored email it grows far past any worker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from bench.harness import children, workers_of

PARENT = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
subprocess.Popen([sys.argv[1], "30"])
time.sleep(30)
"""


def test_workers_are_the_children_running_the_masters_program() -> None:
    sleep = shutil.which("sleep")
    assert sleep is not None
    parent = subprocess.Popen([sys.executable, "-c", PARENT, sleep])
    try:
        deadline = time.monotonic() + 10
        while len(children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        kids = children(parent.pid)
        assert len(kids) == 2
        workers = workers_of(parent.pid)
        assert len(workers) == 1  # the other Python process; `sleep` is another program
        with open(f"/proc/{workers[0]}/cmdline", "rb") as cmdline:
            assert b"time.sleep(30)" in cmdline.read()
    finally:
        for pid in children(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()
