"""Gmail push latency: a message appears in (fake) Gmail and its push is sent; how long
until its signed webhook reaches the sink?

Relais runs under gunicorn as deployed (delivery threads and the Gmail sync thread in its
worker processes), pointed at tests/support/fake_google.py (OAuth, the Gmail REST subset,
the push tokens' certificate) on loopback. Each message is added to the fake mailbox,
then pushed to `/api/ingress/pubsub` with a real OIDC token, at a steady rate; the sink
records when each webhook arrives (matched by webhook-id). The Apps Script path is given
for comparison from its trigger: it runs once a minute, so an email waits 30 s on
average and up to 60 s before it is even sent.

    python -m bench.gmail_push [--messages 500] [--rate 20]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.harness import Sink, relais_server
from bench.stats import summarize_ms
from email_processing.identity import webhook_id
from tests.support.fake_google import (
    CLIENT_ID,
    CLIENT_SECRET,
    PUSH_ACCOUNT,
    FakeGoogle,
    build_raw,
)

ADDRESS = "bench@example.com"
AUDIENCE = "https://relais.bench/api/ingress/pubsub"
TOPIC = "projects/relais-bench/topics/gmail"
BODY = '<p>Lot prêt : <a href="https://we.tl/t-Bench">we.tl</a></p>'
APPS_SCRIPT_TRIGGER_SECONDS = 60.0


def _env(google: FakeGoogle) -> dict[str, str]:
    return {
        "GMAIL_CLIENT_ID": CLIENT_ID,
        "GMAIL_CLIENT_SECRET": CLIENT_SECRET,
        "GMAIL_ADDRESS": ADDRESS,
        "GMAIL_REFRESH_TOKEN": google.refresh_token_for(ADDRESS),
        "GMAIL_PUBSUB_TOPIC": TOPIC,
        "PUBSUB_AUDIENCE": AUDIENCE,
        "PUBSUB_SERVICE_ACCOUNT": PUSH_ACCOUNT,
        "GOOGLE_API_ROOT": google.api_root,
        "GOOGLE_TOKEN_URI": google.token_uri,
        "GOOGLE_AUTH_URI": google.auth_uri,
        "GOOGLE_OIDC_CERTS_URL": google.certs_url,
    }


def _push(url: str, token: str, body: dict[str, Any]) -> int:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return int(resp.status)


def _wait_watch(google: FakeGoogle, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not google.watch_calls and time.monotonic() < deadline:
        time.sleep(0.05)
    if not google.watch_calls:
        raise RuntimeError("Relais never watched the mailbox (first sync did not run)")
    time.sleep(0.5)  # the first sync stores the starting history id right after the watch


def measure(messages: int = 500, rate: float = 20.0) -> dict[str, Any]:
    with FakeGoogle(default_email=ADDRESS) as google, tempfile.TemporaryDirectory() as tmp:
        sink = Sink().start()
        server = relais_server(None, Path(tmp) / "data", sink.hook_url, **_env(google))
        try:
            server.start("/ready")
            _wait_watch(google)
            sent = _send_all(google, server.url("/api/ingress/pubsub"), messages, rate)
            records = sink.wait_for(messages, timeout=120)
        finally:
            server.stop()
            sink.stop()
    return _report(sent, records, messages, rate)


def _send_all(google: FakeGoogle, url: str, messages: int, rate: float) -> dict[str, float]:
    """Add each message to the mailbox and push it; its webhook-id -> when it appeared."""
    token = google.push_token(AUDIENCE)
    sent: dict[str, float] = {}
    start = time.monotonic()
    for n in range(messages):
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
        raw = build_raw(
            f"Bench {n}", "Planning <planning@media-solution.example>", ADDRESS, html=BODY
        )
        appeared = time.time()
        msg = google.add_message(raw, email=ADDRESS)
        sent[webhook_id(msg.id, "default")] = appeared
        threading.Thread(
            target=_push,
            args=(url, token, google.push_body(ADDRESS, msg.history_id)),
            daemon=True,
        ).start()
    return sent


def _report(
    sent: dict[str, float], records: list[tuple[float, str, float]], messages: int, rate: float
) -> dict[str, Any]:
    latencies = [arrived - sent[wid] for arrived, wid, _ in records if wid in sent]
    distinct = len({wid for _, wid, _ in records})
    return {
        "messages": messages,
        "rate_per_s": rate,
        "delivered": len(latencies),
        "distinct_webhook_ids": distinct,
        "latency_ms": summarize_ms(latencies),
        "apps_script_expected_ms": {
            "mean_wait": APPS_SCRIPT_TRIGGER_SECONDS / 2 * 1000,
            "max_wait": APPS_SCRIPT_TRIGGER_SECONDS * 1000,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    report = measure(args.messages, args.rate)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
