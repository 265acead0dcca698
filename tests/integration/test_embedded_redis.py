"""The embedded Redis: started on demand, shared by processes, persisted under DATA_DIR."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.processes import ROOT, relais_env

pytestmark = pytest.mark.slow

SCRIPT = """
import json, sys
from app_render import create_app
app = create_app()
services = app.extensions["relais"]
if sys.argv[1] == "push":
    payload = {"subject": "s", "sender": "a@b.example", "date": "d", "snippet": "",
               "body": "<a href='https://we.tl/t-abc'>files</a>"}
    token = services.settings.process_api_token.get_secret_value()
    r = app.test_client().post("/api/ingress/gmail", json=payload,
                               headers={"Authorization": "Bearer " + token})
    print(json.dumps(r.get_json()))
elif sys.argv[1] == "durability":
    print(json.dumps(services.operator.readiness.durability()))
else:
    print(json.dumps(services.delivery.queue.depth()))
"""


def run(data_dir, action):
    env = relais_env(
        relais_env="development", data_dir=data_dir, webhook_url="http://127.0.0.1:9/x"
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, action],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return out.stdout.decode().strip().splitlines()[-1]


def test_embedded_redis_keeps_queued_deliveries_across_restarts(tmp_path):
    data_dir = tmp_path / "data"
    assert '"accepted"' in run(data_dir, "push")
    assert (data_dir / "secrets.env").exists()
    assert (data_dir / "redis" / "appendonlydir").exists() or list(
        (data_dir / "redis").glob("*.aof")
    )
    # A new process (server stopped and started again) still sees the queued delivery.
    assert '"scheduled": 1' in run(data_dir, "depth")
    assert '"duplicate"' in run(data_dir, "push")


def test_embedded_redis_fsyncs_every_write_before_answering(tmp_path):
    reading = json.loads(run(tmp_path / "data", "durability"))
    assert reading["level"] == "fsync_per_write"
    assert (reading["aof"], reading["appendfsync"], reading["waitaof"]) == (True, "always", False)
