"""The dashboard in a real browser: Playwright driving Debian's Chromium against a live Relais.

Each test gets a fresh Relais (flushed Redis database, temp DATA_DIR, delivery
threads running) served on loopback, a sink as its default webhook target, and a
new browser context. Its Redis is one the suite starts with an append-only file, as
in production, so the status banner can be green (a Redis that keeps nothing on disk
is flagged on it, as the machine's test Redis would be). Any JavaScript error or CSP
violation on the page fails the test.
Without Chromium or Playwright the tests skip, unless REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import TEST_PASSWORD, TEST_TOKEN, TEST_WHSEC, AppFactory
from tests.support.admin import AdminClient
from tests.support.redis_server import RedisServer
from tests.support.sink import Sink

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
FAST_RETRIES = "0,1,1,2"


def chromium_path() -> str | None:
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    return found or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@dataclass
class Live:
    """A running Relais: its URL, the app (for seeding through the API) and the sink."""

    app: Flask
    url: str
    sink: Sink
    admin: AdminClient = field(init=False)

    def __post_init__(self) -> None:
        self.admin = AdminClient(self.app)

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An email through the real ingress, over HTTP like the Apps Script."""
        resp = requests.post(
            f"{self.url}/api/ingress/gmail",
            json=payload,
            headers={"Authorization": f"Bearer {TEST_TOKEN}"},
            timeout=10,
        )
        assert resp.status_code in (200, 202), resp.text
        body: dict[str, Any] = resp.json()
        return body


@contextmanager
def serving(app: Flask, sink: Sink) -> Iterator[Live]:
    """Start the app's delivery threads and serve it on a loopback port until the block ends."""
    app.extensions["relais"].delivery.start_workers()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    # Request threads are tracked, so closing waits for answers still being written (a
    # favicon the browser asked for last) instead of leaving their open files to the next test.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(app, f"http://127.0.0.1:{server.server_port}", sink)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture(scope="session")
def durable_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis with an append-only file (fsync every second) for the live servers."""
    server = RedisServer(tmp_path_factory.mktemp("durable-redis"), appendfsync="everysec")
    server.start()
    yield server.url
    server.stop()


def live_app(make_app: AppFactory, sink: Sink, durable_redis: str, **overrides: Any) -> Flask:
    """An app on the flushed durable Redis, delivering to `sink` (settings: `overrides`)."""
    client = redis.Redis.from_url(durable_redis)
    client.flushdb()
    client.close()
    settings: dict[str, Any] = {
        "redis_url": durable_redis,
        "webhook_url": sink.url(),
        "webhook_secret": TEST_WHSEC,
        "worker_threads": 2,
        "retry_schedule": FAST_RETRIES,
    }
    return make_app(**{**settings, **overrides})


@pytest.fixture
def live(make_app: AppFactory, sink: Sink, durable_redis: str) -> Iterator[Live]:
    with serving(live_app(make_app, sink, durable_redis), sink) as running:
        yield running


class PageProblems(list[str]):
    """JavaScript errors and CSP violations seen on a page."""


@contextmanager
def watched_page(browser: Any, live: Live, width: int = 1280, height: int = 860) -> Iterator[Any]:
    """A page in a new context; any JavaScript error or CSP violation on it fails the test."""
    context = browser.new_context(
        base_url=live.url, viewport={"width": width, "height": height}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    page.problems = problems
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def page(browser: Any, live: Live) -> Iterator[Any]:
    with watched_page(browser, live) as watched:
        yield watched


def sign_in(page: Any, password: str = TEST_PASSWORD) -> Any:
    """Through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.get_by_role("tablist").wait_for()
    return page


@pytest.fixture
def signed_in(page: Any) -> Any:
    return sign_in(page)


def open_tab(page: Any, name: str) -> Any:
    """Click a tab by its English name and return its panel."""
    page.get_by_role("tab", name=name).click()
    panel = page.get_by_role("tabpanel", name=name)
    panel.wait_for()
    return panel


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under tests/artifacts/screens/ (not committed; look at them)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shots(page: Any, wide: str, narrow: str) -> None:
    """The screen as it is, then at 375 px wide (the page stays narrow afterwards)."""
    shot(page, wide)
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, narrow)


@pytest.fixture
def email_payload() -> Any:
    """A builder of ingress payloads (old Apps Script shape plus extended fields)."""
    counter = iter(range(1_000_000))

    def build(**changes: Any) -> dict[str, Any]:
        n = next(counter)
        payload: dict[str, Any] = {
            "sender": "Planning <planning@media-solution.example>",
            "subject": f"Mission {n}",
            "date": "Mon, 30 Nov 2026 09:00:00 +0100",
            "body": f"<p>Bonjour, voici le lot {n}.</p>",
            "snippet": f"Bonjour, voici le lot {n}.",
            "gmail_message_id": f"gm-browser-{n}-{os.getpid()}",
        }
        payload.update(changes)
        return payload

    return build
