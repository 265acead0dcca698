"""The RSS figures count a server's workers only: the embedded Redis a master starts is its
child too, and holding every stored email it grows far past any worker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

from bench.harness import CpuMeter, children, cpu_s, workers_of

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


BURNER = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1]])
time.sleep(30)
"""
BURN = """
import time
while time.process_time() < 0.3:
    pass
time.sleep(30)
"""


def test_the_cpu_meter_charges_a_workers_cpu_to_the_server() -> None:
    master = subprocess.Popen([sys.executable, "-c", BURNER, BURN])
    server = SimpleNamespace(proc=master)
    try:
        deadline = time.monotonic() + 10
        while not workers_of(master.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        with CpuMeter(server) as meter:  # type: ignore[arg-type]
            worker = workers_of(master.pid)[0]
            while (cpu_s(worker) or 0) < 0.25 and time.monotonic() < deadline:
                time.sleep(0.02)
        assert meter.used["server"] > 0.1  # the worker's burn, mostly inside the meter
        assert meter.used["load_generator"] < meter.used["server"]  # this process slept
        shares = meter.per_request_ms(100)
        assert shares["total"] == round(sum(meter.used.values()) * 10, 3)
        assert meter.per_request_ms(0) == {}
    finally:
        for pid in children(master.pid):
            os.kill(pid, signal.SIGKILL)
        master.kill()
        master.wait()
