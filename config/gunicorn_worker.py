"""gunicorn's threaded worker, reading each request whole before a thread sees it.

gunicorn's `gthread` worker hands a connection to a thread as soon as its first bytes
arrive, and the thread then waits for the rest: a client that sends one byte a second
holds a thread, and a few dozen such clients hold them all (`/health` stops
answering). Here the worker's own event loop reads every request, head and body,
into memory (`config/http_buffer.py` says when it is whole), within a deadline and
size limits, then queues it for a thread, which parses it from memory and never waits
on the client. A slow client costs a socket and its bytes, never a thread, and is cut
off at the deadline (408). Requests that can never be accepted (a body over the limit,
a head too large, malformed framing) are answered here, in Relais's JSON error shape
with its security headers, before any thread or application code runs.

Everything else (keep-alive, graceful shutdown, the hooks in gunicorn.conf.py) is
gunicorn's own.
"""

from __future__ import annotations

import contextlib
import errno
import json
import selectors
import socket
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from config.http_buffer import Limits, Refusal, RequestBuffer
from config.http_headers import SECURITY_HEADERS

READ_DEADLINE_SECONDS = 20.0  # a whole request (head and body) must arrive within this
MAX_BUFFERED_BYTES = 64 * 1024 * 1024  # request bytes one worker holds at once, all connections
RECV_SIZE = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
TIMEOUT = Refusal(408, "request_timeout", "the request was not received in time")
BUSY = Refusal(503, "unavailable", "too many requests being received; retry later")
_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    503: "Service Unavailable",
}


def error_bytes(refusal: Refusal) -> bytes:
    """A complete HTTP/1.1 answer in the JSON error shape, with the security headers."""
    body = json.dumps({"error": refusal.code, "message": refusal.message}).encode()
    headers = [
        f"HTTP/1.1 {refusal.status} {_REASONS.get(refusal.status, 'Error')}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        "Cache-Control: no-store",
        *(f"{name}: {value}" for name, value in SECURITY_HEADERS.items()),
    ]
    if refusal.status == 503:
        headers.append("Retry-After: 5")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


class BufferedConn(TConn):
    """A connection and the request being read on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buffer: RequestBuffer | None = None
        self.deadline = 0.0
        self.pending = b""  # a whole request, for the parser
        self.leftover = b""  # bytes after it (a pipelined next request)
        self.continued = False
        self.registered = False  # on the poller, waiting for bytes

    def init(self) -> None:
        super().init()
        if self.pending and self.parser is not None:
            self.parser.unreader.unread(self.pending)
            self.pending = b""


class BufferingThreadWorker(ThreadWorker):
    """`gthread`, with every request read whole by the event loop first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: set[BufferedConn] = set()
        self.limits = Limits()
        self.buffered = 0

    def init_process(self) -> None:
        from config.settings import load_settings

        self.limits = Limits(
            request_line=self.cfg.limit_request_line or Limits.request_line,
            body=load_settings().ingress_max_bytes,
        )
        super().init_process()

    # -- new connections and kept-alive ones start by reading a request ----------------------

    def accept(self, listener: socket.socket) -> None:
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self.start_reading(BufferedConn(self.cfg, sock, client, listener.getsockname()))

    def on_client_socket_readable(self, conn: BufferedConn, client: Any) -> None:
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self.start_reading(conn)

    def finish_request(self, conn: BufferedConn, fs: Any) -> None:
        """As gunicorn's, but bytes already read for the next request go through reading."""
        leftover, conn.leftover = conn.leftover, b""
        kept_alive = not fs.cancelled() and fs.exception() is None and fs.result() is True
        if leftover and kept_alive and self.alive:
            self.start_reading(conn, leftover)
            return
        super().finish_request(conn, fs)

    def start_reading(self, conn: BufferedConn, already: bytes = b"") -> None:
        conn.sock.setblocking(False)
        conn.buffer = RequestBuffer(self.limits)
        conn.deadline = time.monotonic() + READ_DEADLINE_SECONDS
        conn.continued = False
        self.reading.add(conn)
        if already and self.feed(conn, already):
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_bytes, conn))
        conn.registered = True

    # -- reading ---------------------------------------------------------------------------

    def on_bytes(self, conn: BufferedConn, _client: Any) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.drop(conn)
            return
        self.feed(conn, data)

    def feed(self, conn: BufferedConn, data: bytes) -> bool:
        """Add bytes; True once the request left the reading state (queued or refused)."""
        assert conn.buffer is not None
        if self.buffered + len(data) > MAX_BUFFERED_BYTES:
            self.refuse(conn, BUSY)
            return True
        self.buffered += len(data)
        refusal = conn.buffer.feed(data)
        if refusal is not None:
            self.refuse(conn, refusal)
            return True
        if not conn.buffer.complete:
            self.maybe_continue(conn)
            return False
        self.hand_over(conn)
        return True

    def maybe_continue(self, conn: BufferedConn) -> None:
        """`Expect: 100-continue`: say so once the head is read, or the client waits."""
        buffer = conn.buffer
        assert buffer is not None
        if buffer.expects_continue and buffer.head_length >= 0 and not conn.continued:
            conn.continued = True
            with contextlib.suppress(OSError):
                conn.sock.send(CONTINUE)

    def hand_over(self, conn: BufferedConn) -> None:
        """The whole request is in memory: queue it for a thread, parsed from memory."""
        assert conn.buffer is not None
        request, conn.leftover = conn.buffer.take_request(drop_expect=conn.continued)
        self.release(conn)
        conn.data_ready = True
        if conn.parser is not None:
            conn.parser.unreader.unread(request)
        else:
            conn.pending = request
        self.enqueue_req(conn)

    # -- the end of reading ------------------------------------------------------------------

    def release(self, conn: BufferedConn) -> None:
        """Out of the reading state: off the poller, its bytes no longer counted."""
        if conn.registered:
            self.poller.unregister(conn.sock)
            conn.registered = False
        self.reading.discard(conn)
        if conn.buffer is not None:
            self.buffered -= len(conn.buffer.data)
            conn.buffer = None

    def refuse(self, conn: BufferedConn, refusal: Refusal) -> None:
        """Answer the JSON error and close, without a thread."""
        self.release(conn)
        with contextlib.suppress(OSError):
            conn.sock.send(error_bytes(refusal))
        self.drop(conn)

    def drop(self, conn: BufferedConn) -> None:
        self.release(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_keepalived(self, force: bool = False) -> None:
        """gunicorn's sweep of idle connections, plus requests past their deadline (408);
        when the worker stops, requests still being read are closed."""
        super().murder_keepalived(force)
        now = time.monotonic()
        for conn in [c for c in self.reading if force or not self.alive or c.deadline <= now]:
            if self.alive and not force:
                self.refuse(conn, TIMEOUT)
            else:
                self.drop(conn)
