"""scripts/demo_sink.py, the README's receiver: started before `make run` has written the
secrets (the README's terminals opened at once), it waits for them instead of exiting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sink(data_dir: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_SECRET"}
    env["DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "demo_sink.py"), "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _post_signed(port: int) -> int:
    body = json.dumps({"subject": "Lot 4521", "sender_email": "a@b.example", "target": "t"})
    now = int(time.time())
    signature = Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(now, tz=UTC), body)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook",
        data=body.encode(),
        headers={
            "webhook-id": "msg_1",
            "webhook-timestamp": str(now),
            "webhook-signature": signature,
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        return int(resp.status)


def test_the_sink_waits_for_the_secret_make_run_writes(tmp_path: Path) -> None:
    port = _free_port()
    sink = _sink(tmp_path, port)
    try:
        assert sink.stdout is not None
        assert "waiting for `make run`" in sink.stdout.readline()
        (tmp_path / "secrets.env").write_text(f"WEBHOOK_SECRET={SECRET}\n")
        assert "listening" in sink.stdout.readline()
        assert _post_signed(port) == 200
        assert "signature OK" in sink.stdout.readline()
    finally:
        sink.terminate()
        sink.communicate(timeout=10)


def test_without_a_secret_it_gives_up_after_its_wait(tmp_path: Path) -> None:
    sink = _sink(tmp_path, _free_port(), "--wait", "0.5")
    _, err = sink.communicate(timeout=10)
    assert sink.returncode == 1 and "no signing secret" in err
