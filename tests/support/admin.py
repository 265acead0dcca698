"""A signed-in dashboard client for tests: the session cookie, and the CSRF header on changes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD


class AdminClient:
    def __init__(self, app: Flask, user: str = "admin", password: str = TEST_PASSWORD) -> None:
        self.client: FlaskClient = app.test_client()
        resp = self.client.post("/api/auth/login", json={"username": user, "password": password})
        assert resp.status_code == 200, resp.get_json()
        self.csrf = resp.get_json()["csrf_token"]

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._send("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self._send("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self._send("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._send("DELETE", path, **kwargs)
