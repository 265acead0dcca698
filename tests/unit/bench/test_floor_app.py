"""The stack-floor app: one validated email, one Redis write, the house error shape."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import redis
from flask.testing import FlaskClient

from bench import floor_app

EMAIL = {
    "subject": "Ordre de mission",
    "sender": "Planning <planning@media.example>",
    "date": "2026-11-20T09:14:03.000Z",
    "body": "<p>secret-content</p>",
    "snippet": "secret-content",
}


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The Redis at REDIS_URL, else db 14 of the local server; floor keys removed afterwards."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        client.close()
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis at {url} and REQUIRE_REDIS=1")
        pytest.skip(f"no Redis at {url}")
    yield url
    for key in client.scan_iter(match=floor_app.KEY_PREFIX + "*"):
        client.delete(key)
    client.close()


@pytest.fixture
def client(redis_url: str) -> Iterator[FlaskClient]:
    """A test client of a fresh floor app."""
    app = floor_app.create_app({"REDIS_URL": redis_url, "TESTING": True})
    yield app.test_client()
    app.extensions[floor_app.EXTENSION].close()


def test_ingest_stores_the_validated_email_with_a_ttl(client: FlaskClient, redis_url: str) -> None:
    response = client.post("/ingest", json=EMAIL | {"unknown": "ignored"})
    assert response.status_code == 200
    key = response.get_json()["key"]
    with redis.Redis.from_url(redis_url, socket_timeout=2) as check:
        assert json.loads(check.get(key) or b"null") == EMAIL
        assert 0 < check.ttl(key) <= floor_app.KEY_TTL_S


def test_invalid_email_is_a_422_that_does_not_echo_it(client: FlaskClient) -> None:
    response = client.post("/ingest", json={k: v for k, v in EMAIL.items() if k != "date"})
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "validation_error",
        "details": [{"loc": ["date"], "msg": "Field required"}],
    }
    assert b"secret-content" not in response.data


def test_create_app_requires_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        floor_app.create_app()
