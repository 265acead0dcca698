"""Run a command while holding an exclusive lock on a file: `python3 scripts/locked.py LOCK CMD...`.

The Makefile builds `.venv` through it, so two makes started at once (`make run` in one
terminal, `make sink` in another, as the README's first steps go) build it one after the
other instead of both installing into the same folder, which left pip broken. The second
make then finds the virtualenv built and has nothing to do. Standard library only: it runs
before the virtualenv exists. The lock is released when the command ends, however it ends.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Take the lock on `argv[0]` (waiting for it, said once), run the rest, its exit status."""
    if len(argv) < 2:
        print("usage: locked.py LOCKFILE COMMAND [ARG...]", file=sys.stderr)
        return 2
    lock_path = Path(argv[0])
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build to finish ({lock_path})", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        return subprocess.run(argv[1:], check=False).returncode  # noqa: S603 - the Makefile's own command


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
