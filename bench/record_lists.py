"""The Deliveries and Emails lists on 10,000 deliveries: a page, its total, the search.

    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python -m bench.record_lists \
        [--emails 1000] [--targets 10] [--runs 5] [--compare REV]

The database is **flushed**. 1,000 emails go through the real ingress (Flask test client, no
delivery thread) to ten default targets: 10,000 deliveries. They are then marked delivered
in Redis, one in a hundred dead (the bench reads lists; it does not send). Each query is
timed through the API (`GET /api/deliveries`, `GET /api/emails`: server time and JSON, no
network), best and median of `--runs`. `--compare REV` also times the same filters with
`services/operator/records.py` as it was at git revision REV, called directly (no search
there: a `subject` filter stands in for the email search). Prints one JSON document;
figures are never asserted (docs/decisions.md, code and tests).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from flask import Flask  # noqa: E402

from app_render import create_app  # noqa: E402

TOKEN = "bench-ingress-token-0123456789"  # noqa: S105 (a throwaway app)
PASSWORD = "bench-password-123"  # noqa: S105


def build_app(redis_url: str, data_dir: Path) -> Flask:
    return create_app(
        {
            "relais_env": "development",
            "data_dir": data_dir,
            "redis_url": redis_url,
            "process_api_token": TOKEN,
            "dashboard_password": PasswordHasher().hash(PASSWORD),
            "flask_secret_key": "bench-flask-secret-key",
            "allow_private_targets": True,
            "worker_threads": 0,
            "webhook_url": "http://127.0.0.1:9/hook",
            "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    )


def sign_in(app: Flask) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    resp = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return client, {"X-CSRF-Token": resp.get_json()["csrf_token"]}


def seed(app: Flask, emails: int, targets: int) -> float:
    started = time.perf_counter()
    client, csrf = sign_in(app)
    for n in range(1, targets):
        body = {"id": f"t{n}", "name": f"Target {n}", "url": f"http://127.0.0.1:9/t{n}"}
        resp = client.post(
            "/api/targets", json={**body, "options": {"default": True}}, headers=csrf
        )
        assert resp.status_code == 201, resp.get_json()
    ingress = app.test_client()
    for n in range(emails):
        payload = {
            "sender": "Planning <planning@media-solution.example>",
            "subject": f"Charge {n}",
            "date": "Mon, 30 Nov 2026 09:00:00 +0100",
            "body": f'<p>Lot {n} : <a href="https://we.tl/t-Load{n}x">we.tl</a></p>',
            "gmail_message_id": f"gm-bench-{n}",
        }
        headers = {"Authorization": f"Bearer {TOKEN}"}
        resp = ingress.post("/api/ingress/gmail", json=payload, headers=headers)
        assert resp.status_code in (200, 202), resp.get_json()
    mark_finished(app)
    return time.perf_counter() - started


def mark_finished(app: Flask) -> None:
    """Every delivery delivered (one in a hundred dead), the send queues emptied."""
    services = app.extensions["relais"]
    client, keys = services.redis, services.keys
    ids = [str(i) for i in client.zrange(keys.deliveries_index, 0, -1)]
    pipe = client.pipeline(transaction=False)
    for n, delivery_id in enumerate(ids):
        state = "dead" if n % 100 == 0 else "delivered"
        pipe.hset(keys.delivery(delivery_id), mapping={"state": state, "last_status_code": "200"})
        if state == "dead":
            pipe.zadd(keys.queue_dead, {delivery_id: time.time()})
    for queue in (keys.queue_scheduled, keys.queue_scheduled_high, keys.queue_held):
        pipe.delete(queue)
    pipe.execute()


def timed(fn: Callable[[], Any], runs: int) -> dict[str, Any]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "best_ms": round(min(times), 1),
        "median_ms": round(statistics.median(times), 1),
        "result": result,
    }


def api_queries(sample: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "deliveries_page_1": ("/api/deliveries", {}),
        "deliveries_page_100": ("/api/deliveries", {"offset": 4950}),
        "deliveries_target_t5_page_3": ("/api/deliveries", {"target": "t5", "offset": 100}),
        "deliveries_dead": ("/api/deliveries", {"status": "dead"}),
        "deliveries_delivered": ("/api/deliveries", {"status": "delivered"}),
        "deliveries_search_subject_1_email": ("/api/deliveries", {"q": "charge 999"}),
        "deliveries_search_subject_11_emails": ("/api/deliveries", {"q": "Charge 99"}),
        "deliveries_search_subject_every_email": ("/api/deliveries", {"q": "charge"}),
        "deliveries_search_nothing": ("/api/deliveries", {"q": "no such subject"}),
        "deliveries_search_delivery_id": ("/api/deliveries", {"q": sample["delivery_id"]}),
        "deliveries_search_webhook_id": ("/api/deliveries", {"q": sample["webhook_id"]}),
        "deliveries_search_email_id": ("/api/deliveries", {"q": sample["email_id"]}),
        "emails_page_1": ("/api/emails", {}),
        "emails_search_subject": ("/api/emails", {"q": "Charge 999"}),
        "emails_search_every_email": ("/api/emails", {"q": "charge"}),
        "emails_search_delivery_id": ("/api/emails", {"q": sample["delivery_id"]}),
        "emails_search_webhook_id": ("/api/emails", {"q": sample["webhook_id"]}),
    }


def measure_api(app: Flask, runs: int) -> dict[str, Any]:
    client, _ = sign_in(app)
    first = client.get("/api/deliveries", query_string={"q": "Charge 500"}).get_json()
    item = first["items"][0]
    sample = {k: item[k] for k in ("webhook_id", "email_id")} | {"delivery_id": item["id"]}
    figures: dict[str, Any] = {}
    for name, (path, query) in api_queries(sample).items():

        def call(path: str = path, query: dict[str, Any] = query) -> dict[str, Any]:
            resp = client.get(path, query_string={**query, "limit": 50})
            assert resp.status_code == 200, resp.get_json()
            body: dict[str, Any] = resp.get_json()
            return body

        run = timed(call, runs)
        page = run.pop("result")
        figures[name] = {
            **run,
            "rows": len(page["items"]),
            "total": page["total"],
            "exact": page["total_exact"],
        }
    return figures


def old_module(rev: str) -> Any:
    source = subprocess.run(
        ["git", "show", f"{rev}:services/operator/records.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "records_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("records_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def measure_direct(app: Flask, module: Any, runs: int) -> dict[str, Any]:
    """The same filters on a Records class of `module` (the old code or the new), direct."""
    services = app.extensions["relais"]
    current = services.operator.records
    records = module.Records(
        current._redis,
        current._keys,
        current._queue,
        current._audit,
        current._clock,
        current._flags,
        current._requests,
    )
    cases: dict[str, Callable[[], Any]] = {
        "deliveries_page_1": lambda: records.list_deliveries(module.DeliveryFilter(), 0, 50),
        "deliveries_target_t5_page_3": lambda: records.list_deliveries(
            module.DeliveryFilter(target="t5"), 100, 50
        ),
        "deliveries_delivered": lambda: records.list_deliveries(
            module.DeliveryFilter(status="delivered"), 0, 50
        ),
        "emails_page_1": lambda: records.list_emails(module.EmailFilter(), 0, 50),
        "emails_subject_filter": lambda: records.list_emails(
            module.EmailFilter(subject="Charge 999"), 0, 50
        ),
    }
    out = {}
    for name, fn in cases.items():
        run = timed(fn, runs)
        run.pop("result")
        out[name] = run
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--targets", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", help="git revision whose records.py is timed too")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("--redis-url or REDIS_URL is required (the database is flushed)")
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    logging.disable(logging.INFO)  # one line per email would cost more than the reads
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(args.redis_url, Path(tmp))
        try:
            report: dict[str, Any] = {
                "emails": args.emails,
                "deliveries": args.emails * args.targets,
                "seed_seconds": round(seed(app, args.emails, args.targets), 1),
                "load_average_1min": round(os.getloadavg()[0], 1),
                "cpus": os.cpu_count(),
                "api": measure_api(app, args.runs),
            }
            if args.compare:
                from services.operator import records as new

                report["direct_before"] = measure_direct(app, old_module(args.compare), args.runs)
                report["direct_after"] = measure_direct(app, new, args.runs)
        finally:
            app.extensions["relais"].close(grace=5)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
