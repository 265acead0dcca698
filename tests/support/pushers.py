"""Run in child processes: push the same emails as another process, as fast as possible."""

from __future__ import annotations

from typing import Any


def push_all(settings: dict[str, Any], payloads: list[dict[str, Any]], barrier: Any) -> list[str]:
    """Build an app in this process, wait for the others, post every payload; return statuses."""
    from app_render import create_app

    app = create_app(settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {settings['process_api_token']}"}
    barrier.wait(timeout=60)
    statuses = []
    for payload in payloads:
        resp = client.post("/api/ingress/gmail", json=payload, headers=headers)
        statuses.append(resp.get_json()["status"])
    app.extensions["relais"].close(grace=1)
    return statuses
