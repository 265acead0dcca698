"""A real HTTP receiver on loopback that plays webhook targets: success, errors, slow, gone."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b'{"success": true}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int = 200  # what the sink answered (recorded on arrival, before answering)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        sink = self.server.sink
        reply = sink.next_reply(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        sink.record(Received(self.path, headers, body, time.time(), reply.status))
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sink: Sink


class Sink:
    """Start with `Sink()`, point targets at `sink.url("/path")`, script replies per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.sink = self
        self._lock = threading.Condition()
        self._scripts: dict[str, list[Reply]] = {}
        self.requests: list[Received] = []
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *replies: Reply | int) -> None:
        """Answer `path` with these replies in order; the last one repeats."""
        with self._lock:
            self._scripts[path] = [r if isinstance(r, Reply) else Reply(status=r) for r in replies]

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            script = self._scripts.get(path.split("?")[0])
            if not script:
                return Reply()
            return script.pop(0) if len(script) > 1 else script[0]

    def record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)
            self._lock.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests have arrived; raise AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"sink got {len(self.requests)} requests, wanted {count}")
                self._lock.wait(remaining)
            return list(self.requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
