"""Every operator command the README documents, run as a real `relais` process with its exit
code checked. The lines are read from the README's *Operator commands* block: a command
documented there without a case here fails the test, so the README and the tests cannot drift.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import ROOT, relais_env
from tests.support.redis_server import free_port

# README line (without its comment) -> (arguments as a newcomer would fill them in, exit code).
# `{legacy}` is a folder holding one of the old router's documents.
CASES: dict[str, tuple[list[str], int]] = {
    "relais check-config": (["check-config"], 0),
    "relais import-legacy <folder|file> [--dry-run] [--recent 50]": (
        ["import-legacy", "{legacy}", "--dry-run", "--recent", "50"],
        0,
    ),
    "relais replay <delivery_id>...": (["replay", "dlv_unknown"], 1),
    "relais replay --status dead --since 2h [--target make] [--dry-run]": (
        ["replay", "--status", "dead", "--since", "2h", "--target", "make", "--dry-run"],
        0,
    ),
    "relais release <delivery_id>...": (["release", "dlv_unknown"], 1),
    "relais release --status held [--target make] [--since 2h] [--dry-run]": (
        ["release", "--status", "held", "--target", "make", "--since", "2h", "--dry-run"],
        0,
    ),
    "relais reroute <email_id>... [--dry-run]": (["reroute", "em_unknown", "--dry-run"], 1),
    "relais reroute --status parked|ignored [--reason no_links] [--since 2d] [--dry-run]": (
        ["reroute", "--status", "parked", "--reason", "no_links", "--since", "2d", "--dry-run"],
        0,
    ),
    "relais r2-cleanup": (["r2-cleanup"], 1),  # R2 offload is off in these settings
    "relais gmail list [--json]": (["gmail", "list", "--json"], 0),
    # Gmail is not configured in these settings: 2, naming what is missing.
    "relais gmail sync <address> [--json]": (["gmail", "sync", "owner@example.com"], 2),
    "relais gmail renew-watch <address>|--all [--json]": (["gmail", "renew-watch", "--all"], 2),
    "relais gmail remove <address> [--json]": (["gmail", "remove", "owner@example.com"], 1),
}
# Long-running: started, checked, stopped with SIGTERM (exit 0).
SERVERS = {"relais run", "relais worker [--threads N]"}


def documented() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Operator commands", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    return [line for line in lines if line.startswith("relais ")]


def relais_argv() -> list[str]:
    """The installed console script next to this Python, else the same entry point."""
    script = shutil.which("relais", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "from routes.relais_command import main; main()"]


@pytest.fixture
def env(redis_url, redis_client, tmp_path):
    data = tmp_path / "data"
    base = relais_env(
        relais_env="development",
        relais_dotenv="0",
        data_dir=data,
        redis_url=redis_url,
        log_level="WARNING",
        port=free_port(),
    )
    return {k: v for k, v in base.items() if not k.startswith(("GMAIL_", "R2_", "GOOGLE_"))}


def test_every_documented_command_has_a_case():
    assert set(documented()) == set(CASES) | SERVERS


@pytest.mark.parametrize("line", sorted(CASES))
def test_documented_command_exit_code(line, env, tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "processing_prefs.json").write_text(json.dumps({"exclude_keywords": ["pub"]}))
    args, expected = CASES[line]
    argv = relais_argv() + [a.replace("{legacy}", str(legacy)) for a in args]
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == expected, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    if expected:
        problem = [ln for ln in done.stderr.splitlines() if not ln.startswith("{")]
        assert len(problem) == 1 or done.stdout.strip(), done.stderr  # one line, or the report


def wait_until(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("not ready in time")


def healthy(port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@pytest.mark.parametrize("line", sorted(SERVERS))
def test_documented_servers_stop_cleanly_on_sigterm(line, env, tmp_path):
    args = ["run"] if line == "relais run" else ["worker", "--threads", "1"]
    env = {**env, "LOG_LEVEL": "INFO", "WEB_CONCURRENCY": "1", "SHUTDOWN_GRACE_SECONDS": "2"}
    proc = subprocess.Popen(
        relais_argv() + args,
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    reader.start()
    try:
        if args == ["run"]:
            wait_until(lambda: healthy(env["PORT"]) or proc.poll() is not None)
        else:
            started = "delivery workers started"
            wait_until(lambda: any(started in ln for ln in lines) or proc.poll() is not None)
        assert proc.poll() is None, "".join(lines)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
        reader.join(5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(5)
        if proc.stderr is not None:
            proc.stderr.close()
    err = "".join(lines)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
