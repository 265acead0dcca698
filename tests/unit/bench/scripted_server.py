"""A scripted HTTP/1.1 server on loopback for the load generator's tests.

It is written independently of ``bench.loadgen`` (threads, blocking sockets, its own parsing)
so that a parsing bug in the load generator cannot hide behind the same bug here.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# A behaviour maps (request number from 0, request body) to the byte pieces to send back
# (None: close the connection without answering) and whether to close after answering.
Behavior = Callable[[int, bytes], tuple[list[bytes] | None, bool]]

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def answer(*pieces: bytes, close: bool = False) -> Behavior:
    """A behaviour that sends the same pieces to every request."""
    return lambda _number, _body: (list(pieces), close)


@dataclass
class Seen:
    """What the server saw of one request."""

    number: int
    arrived: float
    head: bytes
    body: bytes


@dataclass
class ServerLog:
    """Tallies kept by the server, under its lock."""

    requests: list[Seen] = field(default_factory=list)
    answered: int = 0
    dropped: int = 0
    connections: int = 0
    open_now: int = 0
    max_open: int = 0


class ScriptedServer(socketserver.ThreadingTCPServer):
    """Threaded server answering each request as its behaviour says."""

    allow_reuse_address = True

    def __init__(self, behavior: Behavior) -> None:
        """Bind to a free loopback port."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behavior = behavior
        self.lock = threading.Lock()
        self.log = ServerLog()

    @property
    def url(self) -> str:
        """The base URL of this server."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def admit(self, head: bytes, body: bytes, arrived: float) -> int:
        """Record one request and return its number."""
        with self.lock:
            number = len(self.log.requests)
            self.log.requests.append(Seen(number, arrived, head, body))
            return number

    def count_connection(self, delta: int) -> None:
        """Track open connections and the most ever open at once."""
        with self.lock:
            self.log.open_now += delta
            self.log.connections += max(delta, 0)
            self.log.max_open = max(self.log.max_open, self.log.open_now)


class _Handler(socketserver.StreamRequestHandler):
    """Reads requests off one connection and plays the server's behaviour."""

    server: ScriptedServer
    timeout = 5  # a stuck client cannot keep a handler thread (and the test) alive for long

    def handle(self) -> None:
        """Serve requests until the client or the behaviour closes the connection."""
        self.server.count_connection(+1)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while self._serve_one():
                pass
        except OSError:
            pass
        finally:
            self.server.count_connection(-1)

    def _serve_one(self) -> bool:
        """Serve one request; return whether to keep the connection."""
        request = self._read_request()
        if request is None:
            return False
        number = self.server.admit(*request)
        body = request[1]
        pieces, close = self.server.behavior(number, body)
        if pieces is None:
            with self.server.lock:
                self.server.log.dropped += 1
            return False
        for piece in pieces:
            self.connection.sendall(piece)
        with self.server.lock:
            self.server.log.answered += 1
        return not close

    def _read_request(self) -> tuple[bytes, bytes, float] | None:
        """Read one request; return its head, body and arrival time, or None at end of stream."""
        length = 0
        line = self.rfile.readline()
        arrived = time.monotonic()
        lines = [line]
        if not line:
            return None
        while line not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            line = self.rfile.readline()
            lines.append(line)
        return b"".join(lines), self.rfile.read(length), arrived
