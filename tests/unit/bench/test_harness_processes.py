"""The RSS figures count a server's workers only: the embedded Redis a master starts is its
child too, and holding every stored email it grows far past any worker. The CPU meter
charges a worker's CPU to its server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from bench.harness import CpuMeter, children, cpu_s, workers_of

# A "master": starts each command given as a JSON argument, says so, then waits. Popen
# returns once its child has exec'd: before that, a forked child still runs the master's
# program, and would be counted as a worker (a test failed once on that).
PARENT = """
import json, subprocess, sys, time
for command in json.loads(sys.argv[1]):
    subprocess.Popen(command)
print("started", flush=True)
time.sleep(30)
"""
BURN = """
import time
while time.process_time() < 0.3:
    pass
time.sleep(30)
"""


@contextmanager
def master_of(*commands: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """A parent process with these children, all running; every one killed afterwards."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, json.dumps(commands)], stdout=subprocess.PIPE
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == b"started\n"  # every child has exec'd
        yield parent
    finally:
        for pid in children(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.communicate()  # reaps it and closes its pipe


def test_workers_are_the_children_running_the_masters_program() -> None:
    sleep = shutil.which("sleep")
    assert sleep is not None
    python_child = [sys.executable, "-c", "import time; time.sleep(30)"]
    with master_of(python_child, [sleep, "30"]) as parent:
        assert len(children(parent.pid)) == 2
        workers = workers_of(parent.pid)
        assert len(workers) == 1  # the other Python process; `sleep` is another program
        with open(f"/proc/{workers[0]}/cmdline", "rb") as cmdline:
            assert b"time.sleep(30)" in cmdline.read()


def test_the_cpu_meter_charges_a_workers_cpu_to_the_server() -> None:
    with master_of([sys.executable, "-c", BURN]) as parent:
        server = SimpleNamespace(proc=parent)
        deadline = time.monotonic() + 10
        with CpuMeter(server) as meter:  # type: ignore[arg-type]
            worker = workers_of(parent.pid)[0]
            while (cpu_s(worker) or 0) < 0.25 and time.monotonic() < deadline:
                time.sleep(0.02)
    assert meter.used["server"] > 0.1  # the worker's burn, mostly inside the meter
    assert meter.used["load_generator"] < meter.used["server"]  # this process slept
    shares = meter.per_request_ms(100)
    assert shares["total"] == round(sum(meter.used.values()) * 10, 3)
    assert meter.per_request_ms(0) == {}
