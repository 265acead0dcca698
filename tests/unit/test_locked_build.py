"""scripts/locked.py: the Makefile's virtualenv builds take turns (two makes at once broke pip)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCKED = ROOT / "scripts" / "locked.py"


def _locked(lock: Path, *command: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(LOCKED), str(lock), *command],
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Its exit status and what it wrote to stderr, once it has ended."""
    _, err = proc.communicate(timeout=10)
    return proc.returncode, err


def _step(out: Path, name: str) -> list[str]:
    """A build step that writes its start, waits, then writes its end."""
    code = (
        "import sys, time; from pathlib import Path; out = Path(sys.argv[1]);"
        "out.open('a').write(sys.argv[2] + ' start\\n'); time.sleep(0.4);"
        "out.open('a').write(sys.argv[2] + ' end\\n')"
    )
    return [sys.executable, "-c", code, str(out), name]


def test_two_builds_at_once_take_turns(tmp_path: Path) -> None:
    lock, out = tmp_path / "venv" / ".build-lock", tmp_path / "out"
    first = _locked(lock, *_step(out, "a"))
    while not out.exists():  # the first build holds the lock
        time.sleep(0.01)
    second = _locked(lock, *_step(out, "b"))
    (first_status, _), (second_status, waited) = _finish(first), _finish(second)
    assert first_status == second_status == 0
    assert out.read_text().split("\n") == ["a start", "a end", "b start", "b end", ""]
    assert "waiting for another build" in waited


def test_the_command_s_exit_status_is_returned_and_the_lock_released(tmp_path: Path) -> None:
    lock = tmp_path / ".build-lock"
    assert _finish(_locked(lock, sys.executable, "-c", "raise SystemExit(3)"))[0] == 3
    assert _finish(_locked(lock, sys.executable, "-c", "pass")) == (0, "")  # not waiting


def test_without_a_command_it_says_how_to_use_it(tmp_path: Path) -> None:
    status, said = _finish(_locked(tmp_path / ".build-lock"))
    assert status == 2 and "usage" in said
