"""Real Relais processes for fault scenarios: gunicorn instances, standalone workers, a driver."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import TEST_TOKEN, TEST_WHSEC
from tests.support.processes import ROOT, relais_env
from tests.support.redis_server import free_port

FAST_RETRIES = "0,1,1,1,1,2,2,2,2,2,2,2"


def base_settings(data_dir: Path, redis_url: str, sink_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "relais_env": "development",
        "data_dir": data_dir,
        "redis_url": redis_url,
        "process_api_token": TEST_TOKEN,
        "webhook_url": sink_url,
        "webhook_secret": TEST_WHSEC,
        "retry_schedule": FAST_RETRIES,
        "retry_jitter": 0,
        "redis_connect_timeout": 0.5,
        "redis_socket_timeout": 1,
        "worker_lease_seconds": 5,
        "log_level": "WARNING",
        **extra,
    }


@dataclass
class Instance:
    """One gunicorn instance (2 workers with delivery threads) or one `worker` process."""

    settings: dict[str, Any]
    worker_only: bool = False
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Instance:
        env = relais_env(**{**self.settings, "port": self.port})
        args = (
            ["-m", "flask", "--app", "app_render", "worker", "--threads", "4"]
            if self.worker_only
            else ["-m", "gunicorn", "-c", "gunicorn.conf.py"]
        )
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not self.worker_only:
            self._wait_up()
        return self

    def _wait_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, "instance died at start"
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("instance did not start")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)

    def kill_process_group(self) -> None:
        """kill -9 the master and its workers at once (a crashed container)."""
        if self.proc is not None and self.proc.poll() is None:
            import os

            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def post_json(url: str, body: dict[str, Any], timeout: float = 10) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TEST_TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except OSError:
        return 0, {}  # no answer at all: the instance is down


def email(key: str, n: int) -> dict[str, Any]:
    """A deliverable email (a WeTransfer link) with its own Gmail id."""
    return {
        "gmail_message_id": f"{key}-{n}",
        "subject": f"{key} {n}",
        "sender": "Chaos <chaos@load.example>",
        "date": "2026-11-20T09:00:00.000Z",
        "body": f'<p>Files <a href="https://we.tl/t-{key}-{n}">here</a></p>',
        "snippet": "Files",
    }


@dataclass
class Driver:
    """Pushes emails like the Apps Script: a bounded loop, answers recorded, retries later."""

    key: str
    answers: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, url: str, n: int) -> int:
        status, body = post_json(f"{url}/api/ingress/gmail", email(self.key, n))
        code = (
            status
            if status != 200
            else {"accepted": 200, "duplicate": 201}.get(body["status"], 202)
        )
        with self.lock:
            self.answers.setdefault(f"{self.key}-{n}", []).append(code)
        return status

    def accepted(self) -> set[str]:
        """Ids answered 200 (accepted or duplicate) at least once: Relais owes their delivery."""
        return {i for i, codes in self.answers.items() if {200, 201} & set(codes)}

    def refused(self) -> set[str]:
        """Ids never answered 200: the script keeps their label and pushes them again."""
        return set(self.answers) - self.accepted()

    def count(self, code: int) -> int:
        return sum(codes.count(code) for codes in self.answers.values())

    def unknown(self, url: str, ids: Iterable[str]) -> list[str]:
        """The reconcile endpoint: which of these ids Relais never accepted."""
        ids = sorted(ids)
        unknown: list[str] = []
        for start in range(0, len(ids), 500):
            status, body = post_json(
                f"{url}/api/ingress/reconcile", {"gmail_message_ids": ids[start : start + 500]}
            )
            assert status == 200, (status, body)
            unknown += body["unknown"]
        return unknown


def delivered_ids(requests: Iterable[Any]) -> dict[str, set[str]]:
    """Gmail id -> the webhook-ids the receiver took (answered 2xx); one per target."""
    seen: dict[str, set[str]] = {}
    for req in requests:
        if 200 <= req.status < 300:
            seen.setdefault(req.json()["gmail_message_id"], set()).add(req.webhook_id)
    return seen


def queue_empty(url: str) -> bool:
    """Nothing scheduled, held, retrying or in flight (from /ready)."""
    try:
        with urllib.request.urlopen(f"{url}/ready", timeout=5) as resp:
            queue = json.loads(resp.read())["queue"]
    except OSError:
        return False
    return queue["scheduled"] == 0 and queue["in_flight"] == 0


def wait_until(condition: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
