"""The arena cap holds: sixteen threads that each allocate share at most two arenas, where
glibc alone gives each its own (counted by glibc's own malloc_stats)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROGRAM = """
import ctypes, sys, threading
from config.malloc_arenas import cap_arenas
if sys.argv[1] == "capped":
    assert cap_arenas()
together = threading.Barrier(16)
def work():
    blocks = [bytearray(200_000) for _ in range(20)]  # large blocks: malloc, not pymalloc
    together.wait()  # all alive at once: an exited thread's arena would be handed on
    del blocks
threads = [threading.Thread(target=work) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena n:" paragraph per arena, on stderr
"""


def arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return sum(line.startswith("Arena ") for line in result.stderr.splitlines())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_sixteen_threads_share_two_arenas() -> None:
    assert arenas("default") > 2  # glibc's own choice: an arena for (almost) every thread
    assert 1 <= arenas("capped") <= 2


def test_an_operators_malloc_arena_max_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.malloc_arenas import cap_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert cap_arenas() is False
