"""Fixtures starting scripted loopback servers for the load generator's tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from .scripted_server import Behavior, ScriptedServer


@pytest.fixture
def serve() -> Iterator[Callable[[Behavior], ScriptedServer]]:
    """Start scripted servers on demand; stop them (and their handler threads) afterwards."""
    servers: list[ScriptedServer] = []

    def start(behavior: Behavior) -> ScriptedServer:
        """Start one server with this behaviour."""
        server = ScriptedServer(behavior)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def release(serve: Callable[[Behavior], ScriptedServer]) -> Iterator[threading.Event]:
    """An event stalled behaviours wait on; set before the servers stop, so none hangs."""
    event = threading.Event()
    yield event
    event.set()
