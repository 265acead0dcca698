"""Worker mode against a local fake Worker: the old protocol (docs/old-router.md), success,
fallbacks."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from tests.r2.conftest import deliver, push, webhook_links
from tests.support.sink import Reply

TOKEN = "worker-token-0123456789"
LINK = "https://www.dropbox.com/scl/fi/abc123/report.pdf?rlkey=k9&dl=0"
DIRECT = "https://www.dropbox.com/scl/fi/abc123/report.pdf?dl=1&rlkey=k9"
FOLDER = "https://www.dropbox.com/scl/fo/f0ld3r/AAAxyz?rlkey=k8&dl=0"


def ok(url="https://files.example.com/dropbox/x/y/report.pdf", name="report.pdf"):
    doc = {"success": True, "r2_url": url, "original_filename": name}
    return Reply(body=json.dumps(doc).encode())


def test_the_worker_gets_the_old_protocol_and_the_webhook_its_answer(worker_app, worker, sink):
    app = worker_app()
    worker.script("/r2", ok(name="Rapport final.pdf"))
    email_id = push(app, LINK)["email_id"]
    assert deliver(app) == "delivered"

    (request,) = worker.wait_for(1)
    digest = hashlib.sha256(DIRECT.encode()).hexdigest()
    assert request.json() == {
        "source_url": DIRECT,
        "object_key": f"dropbox/{digest[:8]}/{digest[8:16]}/report.pdf",
        "bucket": "relais-transfers",
        "provider": "dropbox",
        "email_id": email_id,
    }
    assert request.headers["x-r2-fetch-token"] == TOKEN
    assert request.headers["content-type"] == "application/json"
    (entry,) = webhook_links(sink)
    assert entry == {
        "provider": "dropbox",
        "raw_url": LINK,
        "direct_url": DIRECT,
        "r2_url": "https://files.example.com/dropbox/x/y/report.pdf",
        "original_filename": "Rapport final.pdf",
    }


def test_a_file_without_extension_gets_the_key_name_file(worker_app, worker):
    app = worker_app()
    worker.script("/r2", ok())
    push(app, "https://www.dropbox.com/scl/fo/abc/AAAxyz?rlkey=k9&dl=0")
    deliver(app)
    assert worker.wait_for(1)[0].json()["object_key"].endswith("/file")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(status=500), "worker_http_500"),
        (Reply(status=401, body=b'{"success": false}'), "worker_http_401"),
        (Reply(body=b'{"success": false, "error": "host_not_allowed"}'), "worker_refused"),
        (Reply(body=b"<html>oops</html>"), "invalid_worker_reply"),
        (Reply(body=b'{"success": true}'), "invalid_worker_reply"),
    ],
)
def test_a_worker_failure_sends_the_original_link(worker_app, worker, sink, reply, reason):
    app = worker_app()
    worker.script("/r2", reply)
    push(app, LINK)
    assert deliver(app) == "delivered"
    (entry,) = webhook_links(sink)
    assert entry["r2_error"] == reason
    assert entry["raw_url"] == LINK and "r2_url" not in entry
    assert app.extensions["relais"].offload.stats()["links_fallback"] == 1


def test_an_unreachable_worker_does_not_block_delivery(worker_app, sink):
    app = worker_app(r2_fetch_endpoint="http://127.0.0.1:9/r2")
    push(app, LINK)
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "worker_connection_error"


def test_a_slow_worker_times_out_and_dropbox_folders_get_longer(worker_app, worker, sink):
    app = worker_app(r2_fetch_timeout=0.3, r2_folder_fetch_timeout=10)
    worker.script("/r2", Reply(body=ok().body, delay=0.8))
    push(app, LINK, FOLDER)
    assert deliver(app) == "delivered"
    file_entry, folder_entry = webhook_links(sink)
    assert file_entry["r2_error"] == "timeout"
    assert folder_entry["r2_url"].startswith("https://files.example.com/")


def test_the_token_never_reaches_the_logs(worker_app, worker, caplog):
    caplog.set_level(logging.DEBUG)
    app = worker_app()
    worker.script("/r2", Reply(status=502))
    push(app, LINK)
    deliver(app)
    worker.wait_for(1)
    assert TOKEN not in caplog.text
    assert "rlkey" not in caplog.text


def test_the_attempt_record_says_why_a_link_was_not_copied(worker_app, worker):
    app = worker_app()
    worker.script("/r2", Reply(status=503))
    delivery_id = push(app, LINK)["deliveries"][0]["id"]
    deliver(app)
    attempt = app.extensions["relais"].delivery.queue.attempts(delivery_id)[0]
    assert attempt["r2"] == [{"provider": "dropbox", "r2_error": "worker_http_503"}]
