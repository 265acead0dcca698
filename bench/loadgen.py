"""HTTP/1.1 load generator on asyncio streams: open-loop fixed rate or closed-loop saturation.

Library use::

    spec = RequestSpec.from_url("http://127.0.0.1:8000/ingest", method="POST",
                                headers=[("Content-Type", "application/json")],
                                body_factory=token_body(template, b"{i}"))
    result = run(spec, rate=1000, duration=10, connections=32)
    print(result.to_dict())

CLI use: ``python bench/loadgen.py --url URL (--rate R | --saturate) [options]``, prints JSON.

Open loop (``rate`` given): request i is due at ``t0 + i / rate``; its latency runs from that
intended start, so time spent waiting for a free pooled connection, or behind a scheduler that
woke late, is counted (no coordinated omission; ``schedule_lag_ms`` says how late the scheduler
handed requests over, ``max_backlog`` how many ever waited for a connection). Closed loop
(``rate`` None): each connection sends back-to-back and latency runs from the actual send.

Answers: a spec's ``answer_key(status, body)`` names what each response said (for instance the
ingress decision, ``accepted`` or ``duplicate``); ``answers`` counts them. Without one, bodies
are read and dropped.

Accounting: ``scheduled = sent + unsent`` and ``sent = completed + sum(errors)``. Latencies are
over completed responses of any status; ``status_counts`` tells them apart. The body factory runs
on the hot path: keep it cheap (``token_body``, ``cycle_bodies``) or ``prebuilt``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import json
import multiprocessing
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

try:
    from bench.stats import summarize_ms
except ModuleNotFoundError:  # run as `python bench/loadgen.py`: bench/ itself is on sys.path
    from stats import summarize_ms  # type: ignore[no-redef, import-not-found]

BodyFactory = Callable[[int], bytes]
# Names the answer a response carries (status code, body), e.g. "accepted" or "duplicate".
AnswerKey = Callable[[int, bytes], str]

DEFAULT_CONNECTIONS = 32
DEFAULT_TIMEOUT_S = 10.0
TRIVIAL_START_TIMEOUT_S = 30.0
# Pool warm-up: connects spaced this much, and all of them within WARMUP_MAX_S.
WARMUP_CONNECT_GAP_S = 0.005
WARMUP_MAX_S = 1.0
# Methods whose requests carry a Content-Length even when the body is empty.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Request header fields the encoder owns.
_FRAMING_REQUEST_FIELDS = frozenset({"content-length", "transfer-encoding"})
# Response header fields the framing needs; all others are skipped unparsed.
_FRAMING_FIELDS = frozenset({b"content-length", b"transfer-encoding", b"connection"})
_HEXDIGITS = frozenset(b"0123456789abcdefABCDEF")
_NO_BODY = -1
_CHUNKED = -2
_UNTIL_EOF = -3


class ProtocolError(Exception):
    """The server's answer is not valid HTTP/1.1."""


class ConnectFailedError(OSError):
    """Opening a connection to the target failed."""


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class RequestSpec:
    """What every request of a run is: fixed method, path and headers; a body per index."""

    host: str
    port: int
    path: str = "/"
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body_factory: BodyFactory | None = None
    answer_key: AnswerKey | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        method: str = "GET",
        headers: Iterable[tuple[str, str]] = (),
        body_factory: BodyFactory | None = None,
        answer_key: AnswerKey | None = None,
    ) -> RequestSpec:
        """Build a spec from an ``http://host:port/path?query`` URL."""
        host, port, path = parse_url(url)
        return cls(host, port, path, method.upper(), tuple(headers), body_factory, answer_key)

    def encoder(self) -> Callable[[int], bytes]:
        """Return index -> complete request bytes, with everything but the body pre-encoded."""
        names = {name.lower() for name, _ in self.headers}
        if names & _FRAMING_REQUEST_FIELDS:
            raise ValueError("Content-Length and Transfer-Encoding are set per body, not by hand")
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {self.host if self.port == 80 else f'{self.host}:{self.port}'}")
        lines += [f"{name}: {value}" for name, value in self.headers]
        head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        factory = self.body_factory
        if factory is None:
            fixed = head + (b"Content-Length: 0\r\n" if self.method in _BODY_METHODS else b"")
            fixed += b"\r\n"
            return lambda _index: fixed
        return lambda index: _with_body(head, factory(index))


def _with_body(head: bytes, body: bytes) -> bytes:
    """Join the pre-encoded head, the Content-Length line and the body."""
    return b"".join((head, b"Content-Length: %d\r\n\r\n" % len(body), body))


def parse_url(url: str) -> tuple[str, int, str]:
    """Split an http URL into host, port and request target (path plus query)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http://host[:port]/path URLs are supported, got {url!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.hostname, parts.port or 80, target


def constant_body(body: bytes) -> BodyFactory:
    """A factory that sends the same body every time."""
    return lambda _index: body


def token_body(template: bytes, token: bytes) -> BodyFactory:
    """A factory that replaces every ``token`` in ``template`` by the request index."""
    pieces = template.split(token)
    return lambda index: str(index).encode().join(pieces)


def prebuilt(factory: BodyFactory, count: int) -> BodyFactory:
    """Build ``count`` bodies before the run (costly factories off the hot path), then cycle."""
    bodies = [factory(index) for index in range(count)]
    return lambda index: bodies[index % count]


def cycle_bodies(
    bodies: Sequence[BodyFactory], weights: Sequence[int] | None = None
) -> BodyFactory:
    """A factory that deals indexes to several factories in a fixed round (e.g. 9 unique, 1 dup)."""
    counts = weights or [1] * len(bodies)
    if len(counts) != len(bodies) or not bodies or min(counts) < 1:
        raise ValueError("need one positive weight per body factory")
    slots = [factory for factory, count in zip(bodies, counts, strict=True) for _ in range(count)]
    return lambda index: slots[index % len(slots)](index)


# ---------------------------------------------------------------------------------------------
# Responses


@dataclass(frozen=True)
class ResponseHead:
    """Status line and the framing-relevant header fields of one response."""

    status: int
    http11: bool
    fields: dict[bytes, bytes]


def parse_head(head: bytes) -> ResponseHead:
    """Parse a status line and header block (ending in a blank line)."""
    lines = head.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"bad status line {lines[0][:80]!r}")
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise ProtocolError(f"bad header line {line[:80]!r}")
        name = name.strip().lower()
        if name in _FRAMING_FIELDS:
            fields[name] = value.strip().lower()
    return ResponseHead(int(code), version == b"HTTP/1.1", fields)


def body_length(head: ResponseHead, method: str) -> int:
    """Bytes of body to read, or one of the _NO_BODY / _CHUNKED / _UNTIL_EOF markers."""
    if method == "HEAD" or head.status in (204, 304) or head.status < 200:
        return _NO_BODY
    coding = head.fields.get(b"transfer-encoding")
    if coding is not None:
        return _CHUNKED if coding.rsplit(b",", 1)[-1].strip() == b"chunked" else _UNTIL_EOF
    length = head.fields.get(b"content-length")
    if length is None:
        return _UNTIL_EOF
    if not length.isdigit():
        raise ProtocolError(f"bad Content-Length {length[:40]!r}")
    return int(length)


def keeps_alive(head: ResponseHead, length: int) -> bool:
    """Whether the connection may carry another request after this response."""
    tokens = {token.strip() for token in head.fields.get(b"connection", b"").split(b",")}
    if length == _UNTIL_EOF or b"close" in tokens:
        return False
    return head.http11 or b"keep-alive" in tokens


async def read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, bool, bytes]:
    """Read one whole response (skipping 1xx): its status, whether to keep the socket, its body.

    The body is returned when framed by Content-Length; chunked or until-EOF bodies are read
    and dropped (returned empty).
    """
    head = parse_head(await reader.readuntil(b"\r\n\r\n"))
    while 100 <= head.status < 200 and head.status != 101:
        head = parse_head(await reader.readuntil(b"\r\n\r\n"))
    length = body_length(head, method)
    body = b""
    if length > 0:
        body = await reader.readexactly(length)
    elif length == _CHUNKED:
        await _read_chunked(reader)
    elif length == _UNTIL_EOF:
        await reader.read()
    return head.status, keeps_alive(head, length), body


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    """Consume a chunked body and its trailer section."""
    while True:
        size_text = (await reader.readuntil(b"\r\n"))[:-2].split(b";", 1)[0].strip()
        if not size_text or not _HEXDIGITS.issuperset(size_text):
            raise ProtocolError(f"bad chunk size {size_text[:40]!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        if (await reader.readexactly(size + 2))[-2:] != b"\r\n":
            raise ProtocolError("chunk not followed by CRLF")
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass


def classify(exc: BaseException) -> str:
    """Name the error class a failed request is counted under."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectFailedError):
        return "connect"
    if isinstance(exc, asyncio.IncompleteReadError):
        return "closed"
    if isinstance(exc, ConnectionError):
        return "reset"
    if isinstance(exc, ProtocolError | asyncio.LimitOverrunError):
        return "protocol"
    return type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Connections and tallies


class _Tally:
    """Counters and samples of one run, shared by every worker of one event loop (no locks)."""

    def __init__(self) -> None:
        """Start empty."""
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self.sent = 0
        self.connects = 0
        self.last_done = 0.0
        self.lag_sum = 0.0
        self.lag_max = 0.0
        self.max_backlog = 0


class _Connection:
    """One pooled keep-alive connection, reopened lazily once the server or an error closed it."""

    def __init__(self, spec: RequestSpec, tally: _Tally, max_uses: int | None = None) -> None:
        """Remember where to connect and after how many requests to reconnect; open nothing."""
        self.host, self.port, self.method = spec.host, spec.port, spec.method
        self.answer_key = spec.answer_key
        self.tally = tally
        self.max_uses = max_uses
        self.uses = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def usable(self) -> bool:
        """Whether the socket is open and the server has not closed its side."""
        if self.writer is None or self.reader is None:
            return False
        return not (self.reader.at_eof() or self.writer.is_closing())

    async def open(self) -> None:
        """Connect unless already connected."""
        if self.usable():
            return
        self.abort()
        try:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise ConnectFailedError(f"{type(exc).__name__}: {exc}") from exc
        self.tally.connects += 1
        self.uses = 0

    async def exchange(self, payload: bytes) -> tuple[int, bytes]:
        """Send one request and read its response; return the status code and body."""
        await self.open()
        assert self.reader is not None and self.writer is not None  # set by open()
        self.writer.write(payload)
        await self.writer.drain()
        status, reuse, body = await read_response(self.reader, self.method)
        self.uses += 1
        if not reuse or self.uses == self.max_uses:
            self.abort()
        return status, body

    def abort(self) -> None:
        """Drop the socket at once (after an error, a timeout or ``Connection: close``)."""
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None


async def _request(conn: _Connection, payload: bytes, timeout: float, started: float) -> None:
    """Run one request and record its status and latency from ``started``, or its error."""
    tally = conn.tally
    tally.sent += 1
    try:
        async with asyncio.timeout(timeout):
            status, body = await conn.exchange(payload)
    except Exception as exc:  # every failure is counted by class, none stops the run
        conn.abort()
        tally.errors[classify(exc)] += 1
        return
    done = time.monotonic()
    tally.latencies.append(done - started)
    tally.statuses[status] += 1
    tally.last_done = done
    if conn.answer_key is not None:
        tally.answers[conn.answer_key(status, body)] += 1


async def _open_pool(
    spec: RequestSpec, tally: _Tally, size: int, timeout: float, max_uses: int | None
) -> list[_Connection]:
    """Connect the pool up front, one socket at a time, so no request pays for a handshake.

    Spacing the connects matters with pre-fork servers: a burst of them is often accepted by
    one gunicorn worker, which then serves most of the run while the other idles.
    """
    pool = [_Connection(spec, tally, max_uses) for _ in range(size)]
    gap = min(WARMUP_CONNECT_GAP_S, WARMUP_MAX_S / size)
    with contextlib.suppress(TimeoutError):  # what did not connect is retried by its requests
        async with asyncio.timeout(timeout + WARMUP_MAX_S):
            for conn in pool:
                with contextlib.suppress(OSError):
                    await conn.open()
                await asyncio.sleep(gap)
    tally.connects = 0
    return pool


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class LoadResult:
    """What one run measured; latencies in ms over completed responses of any status."""

    mode: str
    target: str
    offered_rate: float | None
    achieved_rate: float
    duration_s: float
    elapsed_s: float
    connections: int
    scheduled: int
    sent: int
    completed: int
    unsent: int
    errors: dict[str, int]
    status_counts: dict[int, int]
    latency_ms: dict[str, float | None]
    schedule_lag_ms: dict[str, float]
    max_backlog: int
    reconnects: int
    client_cpu_s: float
    host_cpu_busy_pct: float | None
    answers: dict[str, int] = field(default_factory=dict)
    latencies_s: list[float] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict without the raw samples."""
        data = asdict(self)
        del data["latencies_s"]
        data["status_counts"] = {str(code): n for code, n in sorted(self.status_counts.items())}
        return data


def _result(
    mode: str, spec: RequestSpec, tally: _Tally, window: tuple[float, float, _CpuMark], **extra: Any
) -> LoadResult:
    """Assemble a LoadResult from a finished run's tally; window = (t0, duration, cpu at t0)."""
    t0, duration, cpu0 = window
    completed = len(tally.latencies)
    unfinished = tally.sent - completed - sum(tally.errors.values())
    if unfinished > 0:
        tally.errors["unfinished"] += unfinished
    elapsed = max(tally.last_done - t0, 0.0) if completed else duration
    scheduled = extra.pop("scheduled", tally.sent)
    return LoadResult(
        mode=mode,
        target=f"{spec.method} http://{spec.host}:{spec.port}{spec.path}",
        achieved_rate=round(completed / elapsed, 1) if elapsed > 0 else 0.0,
        duration_s=duration,
        elapsed_s=round(elapsed, 3),
        scheduled=scheduled,
        sent=tally.sent,
        completed=completed,
        unsent=scheduled - tally.sent,
        errors=dict(sorted(tally.errors.items())),
        status_counts=dict(sorted(tally.statuses.items())),
        answers=dict(sorted(tally.answers.items())),
        latency_ms=summarize_ms(tally.latencies),
        schedule_lag_ms=_lag_summary(tally, scheduled),
        max_backlog=tally.max_backlog,
        reconnects=tally.connects,
        client_cpu_s=round(time.process_time() - cpu0.process, 3),
        host_cpu_busy_pct=cpu0.host_busy_pct(),
        latencies_s=tally.latencies,
        **extra,
    )


@dataclass(frozen=True)
class _CpuMark:
    """CPU counters at the start of a run: this process's, and the whole host's (Linux)."""

    process: float
    host: tuple[int, int] | None

    @classmethod
    def now(cls) -> _CpuMark:
        """Read both counters."""
        return cls(time.process_time(), _host_jiffies())

    def host_busy_pct(self) -> float | None:
        """Percent of all the host's cores busy since this mark (anything else running shows)."""
        later = _host_jiffies()
        if self.host is None or later is None or later[1] <= self.host[1]:
            return None
        busy, total = later[0] - self.host[0], later[1] - self.host[1]
        return round(100.0 * busy / total, 1)


def _host_jiffies() -> tuple[int, int] | None:
    """Busy and total CPU time of all cores from /proc/stat, or None without one."""
    try:
        with open("/proc/stat", "rb") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = sum(values[3:5])  # idle and iowait
    return sum(values) - idle, sum(values)


def _lag_summary(tally: _Tally, scheduled: int) -> dict[str, float]:
    """Mean and max delay between a request's intended start and its hand-off to the pool."""
    mean = tally.lag_sum / scheduled if scheduled else 0.0
    return {"mean": round(mean * 1000.0, 3), "max": round(tally.lag_max * 1000.0, 3)}


async def _finish(workers: list[asyncio.Task[None]], grace: float) -> None:
    """Wait up to ``grace`` seconds for the workers, cancel the rest, re-raise a worker's bug."""
    done, pending = await asyncio.wait(workers, timeout=grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()


async def _close_pool(pool: list[_Connection]) -> None:
    """Close every connection and let the transports finish closing."""
    for conn in pool:
        conn.abort()
    await asyncio.sleep(0)


# ---------------------------------------------------------------------------------------------
# Open loop: fixed offered rate


_Due = tuple[int, float] | None


async def _dispatch(
    queue: asyncio.Queue[_Due],
    tally: _Tally,
    rate: float,
    total: int,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> float:
    """Hand each request to the pool queue at its intended start; return t0."""
    interval = 1.0 / rate
    t0 = clock()
    index = 0
    while index < total:
        now = clock()
        tally.max_backlog = max(tally.max_backlog, queue.qsize())
        due = min(total, int((now - t0) * rate) + 1)
        for i in range(index, due):
            queue.put_nowait((i, t0 + i * interval))
        _note_lag(tally, now - t0, index, due, interval)
        index = due
        if index < total:
            await sleep(max(0.0, t0 + index * interval - clock()))
    return t0


def _note_lag(tally: _Tally, since_t0: float, first: int, stop: int, interval: float) -> None:
    """Add the hand-off delays of requests first..stop-1, all handed off at ``since_t0``."""
    count = stop - first
    if count <= 0:
        return
    # Intended offsets form an arithmetic series: sum of (since_t0 - i * interval).
    tally.lag_sum += count * since_t0 - interval * (first + stop - 1) * count / 2.0
    tally.lag_max = max(tally.lag_max, since_t0 - first * interval)


async def _open_worker(
    conn: _Connection, queue: asyncio.Queue[_Due], encode: Callable[[int], bytes], timeout: float
) -> None:
    """Take due requests off the queue until the stop marker; latency from intended start."""
    while (item := await queue.get()) is not None:
        index, intended = item
        await _request(conn, encode(index), timeout, intended)


async def run_fixed_rate(
    spec: RequestSpec,
    rate: float,
    duration: float,
    connections: int = DEFAULT_CONNECTIONS,
    timeout: float = DEFAULT_TIMEOUT_S,
    drain_timeout: float | None = None,
    requests_per_connection: int | None = None,
) -> LoadResult:
    """Offer ``rate`` requests/s for ``duration`` s over at most ``connections`` sockets."""
    _check(rate, duration, connections, timeout, requests_per_connection)
    tally = _Tally()
    pool = await _open_pool(spec, tally, connections, timeout, requests_per_connection)
    queue: asyncio.Queue[_Due] = asyncio.Queue()
    encode = spec.encoder()
    cpu0 = _CpuMark.now()
    workers = [asyncio.create_task(_open_worker(c, queue, encode, timeout)) for c in pool]
    total = int(rate * duration)
    try:
        t0 = await _dispatch(queue, tally, rate, total)
        for _ in pool:
            queue.put_nowait(None)
        await _finish(workers, timeout if drain_timeout is None else drain_timeout)
    finally:
        await _close_pool(pool)
    return _result(
        "fixed_rate",
        spec,
        tally,
        (t0, duration, cpu0),
        offered_rate=rate,
        connections=connections,
        scheduled=total,
    )


# ---------------------------------------------------------------------------------------------
# Closed loop: saturation


async def _closed_worker(
    conn: _Connection,
    indexes: Iterable[int],
    encode: Callable[[int], bytes],
    timeout: float,
    deadline: float,
) -> None:
    """Send back-to-back until the deadline; latency from the actual send."""
    for index in indexes:
        payload = encode(index)
        started = time.monotonic()
        if started >= deadline:
            return
        await _request(conn, payload, timeout, started)


async def run_saturation(
    spec: RequestSpec,
    duration: float,
    connections: int = DEFAULT_CONNECTIONS,
    timeout: float = DEFAULT_TIMEOUT_S,
    requests_per_connection: int | None = None,
) -> LoadResult:
    """Keep ``connections`` requests in flight for ``duration`` s and measure what comes back."""
    _check(1.0, duration, connections, timeout, requests_per_connection)
    tally = _Tally()
    pool = await _open_pool(spec, tally, connections, timeout, requests_per_connection)
    encode = spec.encoder()
    indexes = itertools.count()
    cpu0 = _CpuMark.now()
    t0 = time.monotonic()
    deadline = t0 + duration
    workers = [
        asyncio.create_task(_closed_worker(c, indexes, encode, timeout, deadline)) for c in pool
    ]
    try:
        await _finish(workers, duration + timeout)
    finally:
        await _close_pool(pool)
    return _result(
        "saturation", spec, tally, (t0, duration, cpu0), offered_rate=None, connections=connections
    )


def _check(
    rate: float, duration: float, connections: int, timeout: float, max_uses: int | None
) -> None:
    """Reject parameters that cannot describe a run."""
    if rate <= 0 or duration <= 0 or timeout <= 0:
        raise ValueError("rate, duration and timeout must be positive")
    if connections < 1 or (max_uses is not None and max_uses < 1):
        raise ValueError("need at least one connection, and one request per connection")


def run(
    spec: RequestSpec,
    *,
    duration: float,
    rate: float | None = None,
    connections: int = DEFAULT_CONNECTIONS,
    timeout: float = DEFAULT_TIMEOUT_S,
    requests_per_connection: int | None = None,
) -> LoadResult:
    """Blocking entry point: fixed-rate run when ``rate`` is given, else saturation."""
    if rate is None:
        coroutine = run_saturation(spec, duration, connections, timeout, requests_per_connection)
    else:
        coroutine = run_fixed_rate(
            spec, rate, duration, connections, timeout, None, requests_per_connection
        )
    return asyncio.run(coroutine)


# ---------------------------------------------------------------------------------------------
# The loadgen's own ceiling, against a server that does nothing


class _TrivialProtocol(asyncio.Protocol):
    """Answers every request with a fixed 200 as fast as one Python process can."""

    RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to answer on."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Answer each complete request in the buffer (Content-Length framed only)."""
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            marker = head.find(b"content-length:")
            length = 0 if marker < 0 else int(head[marker + 15 :].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(self.RESPONSE)


def serve_trivial(sock: socket.socket, ready: Connection | None = None) -> None:
    """Serve the trivial protocol on a listening socket until killed; say so on ``ready``."""

    async def main() -> None:
        """Run the server forever."""
        server = await asyncio.get_running_loop().create_server(_TrivialProtocol, sock=sock)
        if ready is not None:
            ready.send(True)
        await server.serve_forever()

    asyncio.run(main())


def run_against_trivial(
    spec: RequestSpec,
    *,
    duration: float,
    rate: float | None = None,
    connections: int = DEFAULT_CONNECTIONS,
    timeout: float = DEFAULT_TIMEOUT_S,
    requests_per_connection: int | None = None,
) -> LoadResult:
    """Send the same load to a trivial server in a child process: this loadgen's own ceiling."""
    sock = socket.create_server(("127.0.0.1", 0))
    context = multiprocessing.get_context("spawn")
    waiting, ready = context.Pipe(duplex=False)
    child = context.Process(target=serve_trivial, args=(sock, ready), daemon=True)
    child.start()
    try:
        if not waiting.poll(TRIVIAL_START_TIMEOUT_S):  # else the first requests wait for it
            raise RuntimeError("the trivial server did not start")
        local = dataclasses.replace(spec, host="127.0.0.1", port=sock.getsockname()[1])
        return run(
            local,
            duration=duration,
            rate=rate,
            connections=connections,
            timeout=timeout,
            requests_per_connection=requests_per_connection,
        )
    finally:
        sock.close()
        waiting.close()
        ready.close()
        child.terminate()
        child.join()


# ---------------------------------------------------------------------------------------------
# CLI


def _parse_header(text: str) -> tuple[str, str]:
    """Split a ``Name: value`` CLI header."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"header must look like 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="http://host:port/path")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--rate", type=float, help="open loop: requests/s offered")
    mode.add_argument("--saturate", action="store_true", help="closed loop, back-to-back")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="per request, s")
    parser.add_argument(
        "--requests-per-connection", type=int, help="reconnect after N answers (default: never)"
    )
    parser.add_argument("--method", help="default POST with a body, else GET")
    parser.add_argument(
        "--header",
        type=_parse_header,
        action="append",
        default=[],
        help="'Name: value', repeatable",
    )
    parser.add_argument(
        "--body-file", type=Path, help="request body (Content-Type defaults to application/json)"
    )
    parser.add_argument("--unique-token", help="replace this text in the body by the index")
    parser.add_argument(
        "--ceiling", action="store_true", help="send to a trivial local server instead of --url"
    )
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds run first, discarded")
    return parser


def spec_from_args(args: argparse.Namespace) -> RequestSpec:
    """Build the request spec the CLI arguments describe."""
    url = args.url or ("http://127.0.0.1/" if args.ceiling else None)
    if url is None:
        raise SystemExit("--url is required unless --ceiling")
    factory: BodyFactory | None = None
    headers = list(args.header)
    if args.body_file is not None:
        body = args.body_file.read_bytes()
        token = args.unique_token
        factory = token_body(body, token.encode()) if token else constant_body(body)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
    method = args.method or ("POST" if factory else "GET")
    return RequestSpec.from_url(url, method, headers, factory)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and print the result as JSON."""
    args = build_parser().parse_args(argv)
    spec = spec_from_args(args)
    runner = run_against_trivial if args.ceiling else run
    common = {
        "rate": args.rate,
        "connections": args.connections,
        "timeout": args.timeout,
        "requests_per_connection": args.requests_per_connection,
    }
    if args.warmup > 0:
        runner(spec, duration=args.warmup, **common)
    result = runner(spec, duration=args.duration, **common)
    json.dump(result.to_dict(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
