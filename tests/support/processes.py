"""Start Relais commands as real subprocesses, configured through the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


def relais_env(**settings: Any) -> dict[str, str]:
    """The environment of a subprocess: this one's, plus settings as upper-case variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDIS_")}
    env.update({name.upper(): str(value) for name, value in settings.items() if value is not None})
    env["PYTHONPATH"] = str(ROOT)
    return env


def start_worker(threads: int = 1, **settings: Any) -> subprocess.Popen[bytes]:
    """`flask --app app_render worker` in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app_render", "worker", "--threads", str(threads)],
        cwd=ROOT,
        env=relais_env(**settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
