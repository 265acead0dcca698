"""A local HTTP server that plays file-transfer providers: files, redirects, slow bodies, errors."""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Served:
    """One scripted answer. `chunked`: no Content-Length; `pause`: seconds between chunks."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunk: int = 64 * 1024
    pause: float = 0.0
    chunked: bool = False
    head_delay: float = 0.0


def file(body: bytes, name: str | None = None, content_type: str = "application/pdf", **kw: Any):
    headers = {"Content-Type": content_type}
    if name is not None:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Served(body=body, headers=headers, **kw)


def redirect(location: str, status: int = 302) -> Served:
    return Served(status=status, headers={"Location": location})


def json_reply(doc: Any, status: int = 200) -> Served:
    return Served(
        status=status,
        body=json.dumps(doc).encode(),
        headers={"Content-Type": "application/json"},
    )


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    host: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        source = self.server.source
        source.record(Request(self.command, self.path, headers.get("host", ""), headers, body))
        served = source.reply_for(self.path.split("?")[0])
        with source.in_flight():
            try:
                self._send(served)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _send(self, served: Served) -> None:
        if served.head_delay:
            time.sleep(served.head_delay)
        self.send_response(served.status)
        for name, value in served.headers.items():
            self.send_header(name, value)
        if served.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(served.body)))
        self.end_headers()
        for start in range(0, len(served.body), served.chunk):
            piece = served.body[start : start + served.chunk]
            if served.chunked:
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            else:
                self.wfile.write(piece)
            self.wfile.flush()
            if served.pause:
                time.sleep(served.pause)
        if served.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    source: FileSource

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up (a refused or abandoned download) is not a server error."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)


class FileSource:
    """Serve scripted answers per path (query ignored); 404 for anything else."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.source = self
        self._lock = threading.Lock()
        self._routes: dict[str, list[Served]] = {}
        self.requests: list[Request] = []
        self._active = 0
        self.max_active = 0
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, host: str, path: str, scheme: str = "https") -> str:
        """A URL on a provider host, served here through the test resolver's mapping."""
        return f"{scheme}://{host}:{self.port}{path}"

    def route(self, path: str, *answers: Served) -> None:
        """Answer `path` with these in order; the last one repeats."""
        with self._lock:
            self._routes[path] = list(answers)

    def reply_for(self, path: str) -> Served:
        with self._lock:
            answers = self._routes.get(path)
            if not answers:
                return Served(status=404, body=b"not found")
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def in_flight(self) -> _Active:
        return _Active(self)

    def _enter(self) -> None:
        with self._lock:
            self._active += 1
            self.max_active = max(self.max_active, self._active)

    def _leave(self) -> None:
        with self._lock:
            self._active -= 1

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Active:
    def __init__(self, source: FileSource) -> None:
        self._source = source

    def __enter__(self) -> None:
        self._source._enter()

    def __exit__(self, *exc: object) -> None:
        self._source._leave()
