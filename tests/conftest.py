"""Fixtures: a real Redis (REDIS_URL, else the embedded one), fresh apps, a sink, a fake clock."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from argon2 import PasswordHasher
from flask import Flask

from app_render import create_app
from config import embedded_redis, legacy_env
from config.log import JsonFormatter
from config.settings import Settings
from tests.support.clock import FakeClock
from tests.support.sink import Sink

# A developer's own ./.env must not change what the tests see (config/settings.py).
os.environ["RELAIS_DOTENV"] = "0"

TEST_TOKEN = "test-ingress-token-0123456789"
TEST_PASSWORD = "test-password-123"
# Hashed once for the whole run: every app would otherwise spend ~50 ms on argon2id.
TEST_PASSWORD_HASH = PasswordHasher().hash(TEST_PASSWORD)
TEST_WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "emails"


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX path
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise AssertionError(f"unexpected outbound connection to {address!r}")
        return real_connect(self, address)

    def guarded_ex(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise AssertionError(f"unexpected outbound connection to {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


def _worker_database(url: str, worker: str) -> str:
    """Parallel test workers share the server but each flushes a database of its own."""
    index = int(worker[2:]) if worker.startswith("gw") else 0
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    db = base + index if base + index < 16 else base - index
    return urlunsplit(parts._replace(path=f"/{db}"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """The Redis the suite runs on: REDIS_URL when set, else an embedded server."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return embedded_redis.ensure_running(tmp_path_factory.mktemp("embedded"))
    url = _worker_database(url, worker_id)
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis at REDIS_URL is unreachable")
        pytest.skip("Redis at REDIS_URL is unreachable")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the test database, flushed before each test."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> Iterator[AppFactory]:
    """Build apps on the flushed test database with a temp DATA_DIR; workers stopped after."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        settings: dict[str, Any] = {
            "relais_env": "development",
            "data_dir": tmp_path / "data",
            "redis_url": redis_url,
            "process_api_token": TEST_TOKEN,
            "dashboard_password": TEST_PASSWORD_HASH,
            "flask_secret_key": "test-flask-secret-key",
            "allow_private_targets": True,
            "worker_threads": 0,
            "retry_jitter": 0,
        }
        settings.update(overrides)
        app = create_app(settings)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["relais"].close(grace=5)


def auth(token: str = TEST_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def old_payload(**changes: Any) -> dict[str, Any]:
    """Exactly the five fields the original Apps Script posts."""
    payload = {
        "subject": "Média Solution - Missions Recadrage - Lot 4521",
        "sender": "Planning Média <planning@media-solution.example>",
        "date": "2026-11-20T09:14:03.000Z",
        "body": (
            "<div>Bonjour, lot à faire pour 14h30.<br>"
            '<a href="https://www.dropbox.com/scl/fo/abc123/AAAxyz?rlkey=k9&amp;dl=0">lien</a></div>'
        ),
        "snippet": "Bonjour, lot à faire pour 14h30.",
    }
    payload.update(changes)
    return payload


# -- no secret in any log line of the whole run ---------------------------------------------

_LOG_LINES: list[str] = []


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _LOG_LINES.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def _collect_every_log_line() -> Iterator[None]:
    """Every log line of the suite, formatted as in production, is kept for the scan below."""
    handler = _Collector()
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    yield
    logging.getLogger().removeHandler(handler)


def pytest_configure(config: pytest.Config) -> None:
    """The shell's Relais settings (a sourced secrets.env, say) do not configure the apps under
    test; REDIS_URL stays, as it chooses the server the suite runs on."""
    legacy = {alias.old for alias in legacy_env.ALIASES}
    for name in list(os.environ):
        if name.upper() == "REDIS_URL":
            continue
        if name.lower() in Settings.model_fields or name.upper() in legacy:
            del os.environ[name]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    secrets_ = (TEST_TOKEN, TEST_PASSWORD, TEST_WHSEC, TEST_WHSEC[6:])
    leaks = [line for line in _LOG_LINES if any(s in line for s in secrets_)]
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nSECRET IN LOGS: {len(leaks)} line(s), e.g. {leaks[0][:200]}")
