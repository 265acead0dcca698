"""Start Relais commands as real subprocesses, configured through the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


def relais_env(**settings: Any) -> dict[str, str]:
    """The environment of a subprocess: this one's, plus settings as upper-case variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDIS_")}
    env.update({name.upper(): str(value) for name, value in settings.items() if value is not None})
    env["PYTHONPATH"] = str(ROOT)
    return env


class Spawned(subprocess.Popen[bytes]):
    """A subprocess whose output (stdout and stderr together) is read as it comes: a pipe
    nobody reads fills at 64 KB, and then every process writing a log line blocks."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        super().__init__(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._output = bytearray()
        stream = self.stdout
        assert stream is not None
        self._reader = threading.Thread(
            target=lambda: self._output.extend(stream.read()), daemon=True
        )
        self._reader.start()

    def finish(self, timeout: float = 30) -> str:
        """Wait for the process to exit; everything it wrote."""
        self.wait(timeout)
        self._reader.join(10)
        assert self.stdout is not None
        self.stdout.close()
        return self._output.decode(errors="replace")


def start_gunicorn(env: dict[str, str]) -> Spawned:
    """Relais under gunicorn with its own configuration, as the image runs it."""
    return Spawned([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], env)


def start_worker(threads: int = 1, **settings: Any) -> Spawned:
    """`flask --app app_render worker` in its own process."""
    args = [sys.executable, "-m", "flask", "--app", "app_render", "worker"]
    return Spawned([*args, "--threads", str(threads)], relais_env(**settings))
