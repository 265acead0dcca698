"""The monitor screens with 10,000 deliveries and 1,000 emails stored: time to data on screen.

Seeded through the real ingress: ten enabled default targets (the environment's and nine
more, all pointing at the sink) make each of 1,000 emails fan out to ten deliveries,
which the delivery threads send to the sink before anything is measured. Figures go to
tests/artifacts/dashboard-load.json and stdout; no timed assert (the figures go in the
notes), but every screen must show data.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import FAST_RETRIES, Live, serving, sign_in
from tests.conftest import TEST_TOKEN, TEST_WHSEC, AppFactory
from tests.support.sink import Sink

EMAILS = 1_000
TARGETS = 10
REPORT = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard-load.json"

# Set before any screen script runs: when a screen marks itself loaded, note the time.
TIMING_SCRIPT = """
window.__loaded = {};
new MutationObserver((records) => {
  for (const r of records) {
    const el = r.target;
    if (el.dataset && el.dataset.loaded === 'true' && !(el.id in window.__loaded)) {
      window.__loaded[el.id] = performance.now();
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-loaded']});
"""


@pytest.fixture
def live(make_app: AppFactory, sink: Sink) -> Iterator[Live]:
    """As the shared fixture, with more delivery threads so that seeding stays short."""
    app = make_app(
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        worker_threads=16,
        retry_schedule=FAST_RETRIES,
    )
    quiet = [
        logging.getLogger(name) for name in ("services.delivery.worker", "services.delivery.ingest")
    ]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.WARNING)  # 11,000 INFO lines would cost more than the work
    try:
        with serving(app, sink) as running:
            yield running
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def seed(live: Live, email_payload: Any) -> float:
    started = time.monotonic()
    for n in range(1, TARGETS):
        resp = live.admin.post(
            "/api/targets",
            json={
                "id": f"t{n}",
                "name": f"Target {n}",
                "url": live.sink.url(f"/t{n}"),
                "options": {"default": True},
            },
        )
        assert resp.status_code == 201, resp.get_json()
    payloads = []
    for n in range(EMAILS):
        payload = email_payload(subject=f"Charge {n}")
        payload["body"] = f'<p>Lot {n} : <a href="https://we.tl/t-Load{n}x">we.tl</a></p>'
        payloads.append(payload)
    session = requests.Session()

    def push(payload: dict[str, Any]) -> None:
        resp = session.post(
            f"{live.url}/api/ingress/gmail",
            json=payload,
            headers={"Authorization": f"Bearer {TEST_TOKEN}"},
            timeout=30,
        )
        assert resp.status_code in (200, 202), resp.text

    with ThreadPoolExecutor(8) as pool, session:
        list(pool.map(push, payloads))
    pushed = time.monotonic() - started
    live.sink.wait_for(EMAILS * TARGETS, timeout=100)
    print(f"ingress {pushed:.1f} s, all delivered {time.monotonic() - started:.1f} s")
    return time.monotonic() - started


def api_ms(page: Any, path: str, query: dict[str, Any]) -> float:
    """The best of three fetches from the signed-in page (server time plus loopback)."""
    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    ms: float = page.evaluate(
        """async (url) => {
          let best = Infinity;
          for (let i = 0; i < 3; i++) {
            const t0 = performance.now();
            const resp = await fetch(url, {credentials: 'same-origin'});
            await resp.json();
            if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
            best = Math.min(best, performance.now() - t0);
          }
          return best;
        }""",
        url,
    )
    return round(ms, 1)


def screen_ms(page: Any, hash_: str, panel: str, runs: int = 3) -> dict[str, float]:
    """Median over `runs` full page loads: navigation start to the screen showing its data."""
    loaded: list[float] = []
    ready: list[float] = []
    for _ in range(runs):
        page.goto("about:blank")  # a full page load each time, not a hash change
        page.goto(f"/{hash_}")
        page.locator(f"#{panel}[data-loaded=true]").wait_for(timeout=30_000)
        loaded.append(page.evaluate("(panel) => window.__loaded[panel]", panel))
        nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
        ready.append(nav["domContentLoadedEventEnd"])
    return {
        "data_on_screen_ms": round(statistics.median(loaded), 1),
        "data_on_screen_max_ms": round(max(loaded), 1),
        "dom_content_loaded_ms": round(statistics.median(ready), 1),
    }


@pytest.mark.timeout(180)
def test_the_monitor_screens_load_with_10000_deliveries(
    live: Live, email_payload: Any, page: Any
) -> None:
    seconds = seed(live, email_payload)
    assert len(live.sink.requests) == EMAILS * TARGETS
    # In production they run in their own process.
    live.app.extensions["relais"].delivery.stop_workers()
    sign_in(page)
    page.context.add_init_script(TIMING_SCRIPT)
    figures: dict[str, Any] = {
        "emails": EMAILS,
        "deliveries": EMAILS * TARGETS,
        "seed_seconds": round(seconds, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
        "screens": {},
        "api_ms": {},
    }
    screens = {
        "overview": "#/overview",
        "deliveries": "#/deliveries",
        "emails": "#/emails",
        "deliveries_dead_letters": "#/deliveries?status=dead",
        "deliveries_target_page_3": "#/deliveries?target=t5&offset=100",
        "emails_search": "#/emails?q=Charge%20999",
        "deliveries_search": "#/deliveries?q=charge%20999",
    }
    for name, hash_ in screens.items():
        panel = f"panel-{hash_.split('?')[0].removeprefix('#/')}"
        figures["screens"][name] = screen_ms(page, hash_, panel)
        if name == "deliveries":
            rows = page.locator("#panel-deliveries tbody tr")
            assert rows.count() == 50
        if name == "emails":
            assert page.locator("#panel-emails tbody tr").count() == 50
        if name == "overview":
            assert (
                page.locator("#panel-overview [data-metric=emails] .value").inner_text() == "1,000"
            )
        if name == "emails_search":
            assert page.locator("#panel-emails tbody tr").count() == 1
        if name == "deliveries_search":
            assert page.locator("#panel-deliveries tbody tr").count() == TARGETS
            summary = page.locator("#panel-deliveries .records-summary").inner_text()
            assert summary == f"Showing 1\u2013{TARGETS} of {TARGETS}", summary
    for name, (path, query) in {
        "stats": ("/api/stats", {}),
        "deliveries_page_1": ("/api/deliveries", {"limit": 50}),
        "deliveries_dead_none": ("/api/deliveries", {"status": "dead", "limit": 5}),
        "deliveries_target_page_3": (
            "/api/deliveries",
            {"target": "t5", "offset": 100, "limit": 50},
        ),
        "emails_page_1": ("/api/emails", {"limit": 50}),
        "emails_subject_search": ("/api/emails", {"subject": "Charge%20999", "limit": 50}),
        "emails_search": ("/api/emails", {"q": "Charge%20999", "limit": 50}),
        "deliveries_search": ("/api/deliveries", {"q": "charge%20999", "limit": 50}),
        "deliveries_search_every_one": ("/api/deliveries", {"q": "charge", "limit": 50}),
    }.items():
        figures["api_ms"][name] = api_ms(page, path, query)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
