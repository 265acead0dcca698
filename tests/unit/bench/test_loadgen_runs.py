"""The load generator against a scripted loopback server: counts, framing, pacing, errors."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench import loadgen
from bench.loadgen import LoadResult, RequestSpec

from .scripted_server import OK, Behavior, ScriptedServer, answer

Serve = Callable[[Behavior], ScriptedServer]

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def _spec(server: ScriptedServer, method: str = "POST") -> RequestSpec:
    """A spec whose body is the request index, so the server can tell requests apart."""
    return RequestSpec.from_url(server.url + "/in", method, body_factory=lambda i: b"%d" % i)


def _accounted(result: LoadResult) -> None:
    """Every scheduled request is unsent, completed or counted as an error: nothing vanishes."""
    assert result.scheduled == result.sent + result.unsent
    assert result.sent == result.completed + sum(result.errors.values())
    assert result.completed == sum(result.status_counts.values()) == len(result.latencies_s)


def test_fixed_rate_sends_every_index_once_and_tallies_statuses(serve: Serve) -> None:
    unavailable = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
    server = serve(lambda n, _body: ([unavailable if n % 4 == 3 else OK], False))
    result = loadgen.run(_spec(server), rate=200, duration=0.5, connections=4)
    assert (result.scheduled, result.sent, result.completed, result.errors) == (100, 100, 100, {})
    assert result.status_counts == {200: 75, 503: 25}
    assert sorted(int(seen.body) for seen in server.log.requests) == list(range(100))
    _accounted(result)


def test_saturation_matches_what_the_server_saw(serve: Serve) -> None:
    server = serve(answer(OK))
    result = loadgen.run(_spec(server), duration=0.3, connections=3)
    bodies = [seen.body for seen in server.log.requests]
    assert result.completed > 0
    assert result.sent == result.completed == len(bodies) == len(set(bodies))
    assert result.status_counts == {200: result.completed}
    assert server.log.connections == server.log.max_open == 3
    _accounted(result)


@pytest.mark.parametrize(
    "pieces",
    [
        [CHUNKED + b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"],
        [CHUNKED + b"1A;name=v", b"al\r\n" + b"z" * 26 + b"\r\n", b"0\r\nX-Trailer: 1\r\n\r\n"],
        [CHUNKED, b"4\r\n\r\n\r\n\r\n0\r\n", b"\r\n"],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\r\n\r\n"],
        [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!"],
        [b"HTTP/1.1 204 No Content\r\n\r\n"],
    ],
    ids=["chunked", "chunked-split-ext-trailer", "chunked-crlf-data", "length-crlf", "100", "204"],
)
def test_framing_leaves_the_connection_reusable(serve: Serve, pieces: list[bytes]) -> None:
    server = serve(answer(*pieces))
    result = loadgen.run(_spec(server), rate=100, duration=0.3, connections=2)
    status = 204 if b" 204 " in pieces[0] else 200
    assert (result.status_counts, result.errors, result.reconnects) == ({status: 30}, {}, 0)
    assert server.log.connections == 2


def test_head_response_has_no_body_even_with_a_length(serve: Serve) -> None:
    server = serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"))
    spec = RequestSpec.from_url(server.url + "/in", "HEAD")
    result = loadgen.run(spec, rate=100, duration=0.2, connections=1)
    assert (result.completed, result.errors, server.log.connections) == (20, {}, 1)


@pytest.mark.parametrize(
    "pieces",
    [
        [b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"],
        [b"HTTP/1.0 200 OK\r\n\r\nbody until the server closes"],
        [OK],
    ],
    ids=["connection-close", "http10-until-eof", "silent-close"],
)
def test_server_closing_after_each_answer_means_reconnects_not_errors(
    serve: Serve, pieces: list[bytes]
) -> None:
    server = serve(answer(*pieces, close=True))
    result = loadgen.run(_spec(server), rate=100, duration=0.3, connections=2)
    if pieces == [OK]:
        # A close the server does not announce races with the next request on that socket:
        # such a request is counted as `closed`, never resent (a POST must not be doubled).
        assert set(result.errors) <= {"closed"}
        assert result.completed + result.errors.get("closed", 0) == 30
        assert result.status_counts == {200: result.completed}
        return
    assert (result.completed, result.errors) == (30, {})
    assert result.status_counts == {200: 30}
    assert server.log.connections == 2 + result.reconnects >= 30


@pytest.mark.parametrize("rate", [100.0, None], ids=["fixed-rate", "saturation"])
def test_requests_per_connection_recycles_connections(serve: Serve, rate: float | None) -> None:
    server = serve(answer(OK))
    result = loadgen.run(
        _spec(server), rate=rate, duration=0.3, connections=1, requests_per_connection=5
    )
    assert result.errors == {} and result.completed >= 30
    assert server.log.connections == math.ceil(result.completed / 5) == result.reconnects + 1


def test_requests_the_server_drops_are_counted_as_closed(serve: Serve) -> None:
    server = serve(lambda n, _body: (None if n % 3 == 2 else [OK], False))
    result = loadgen.run(_spec(server), rate=100, duration=0.9, connections=2)
    assert server.log.dropped == 30
    assert result.errors == {"closed": 30}
    assert result.completed == server.log.answered == 60
    assert result.sent == len(server.log.requests) == 90
    _accounted(result)


@pytest.mark.parametrize(
    "response",
    [
        CHUNKED + b"zz\r\nhello\r\n0\r\n\r\n",
        CHUNKED + b"3\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n",
    ],
    ids=["chunk-size", "chunk-overrun", "status-line", "content-length"],
)
def test_malformed_response_is_a_protocol_error(serve: Serve, response: bytes) -> None:
    server = serve(answer(response))
    result = loadgen.run(_spec(server), rate=100, duration=0.2, connections=2)
    assert (result.completed, result.errors) == (0, {"protocol": 20})
    _accounted(result)


def test_a_stalled_answer_is_a_timeout(serve: Serve, release: threading.Event) -> None:

    def first_stalls(number: int, _body: bytes) -> tuple[list[bytes] | None, bool]:
        """Hold the first request until the test is over, then drop it; answer the others."""
        if number == 0:
            release.wait(5)
            return None, False
        return [OK], False

    server = serve(first_stalls)
    result = loadgen.run(_spec(server), rate=20, duration=0.5, connections=2, timeout=0.5)
    assert (result.completed, result.errors) == (9, {"timeout": 1})
    _accounted(result)


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = RequestSpec("127.0.0.1", port, "/", "GET")
    result = loadgen.run(spec, rate=100, duration=0.2, connections=2)
    assert (result.sent, result.completed, result.errors) == (20, 0, {"connect": 20})


def test_requests_cut_off_at_the_drain_limit_are_unsent_or_unfinished(
    serve: Serve, release: threading.Event
) -> None:

    def stalled(_number: int, _body: bytes) -> tuple[list[bytes], bool]:
        """Answer only once the test is over."""
        release.wait(5)
        return [OK], False

    server = serve(stalled)
    run = loadgen.run_fixed_rate(
        _spec(server), rate=20, duration=0.2, connections=1, drain_timeout=0.1
    )
    result = asyncio.run(run)
    assert (result.scheduled, result.sent, result.unsent) == (4, 1, 3)
    assert result.errors == {"unfinished": 1}
    _accounted(result)


def test_open_loop_counts_queueing_in_latency_and_bounds_the_pool(serve: Serve) -> None:
    service_s, rate, connections = 0.05, 100, 3

    def slow(_number: int, _body: bytes) -> tuple[list[bytes], bool]:
        """Answer after one service time."""
        time.sleep(service_s)
        return [OK], False

    server = serve(slow)
    result = loadgen.run(_spec(server), rate=rate, duration=0.5, connections=connections)
    assert server.log.max_open <= connections
    assert result.completed == 50 and result.max_backlog > 0
    # Request k cannot finish before (k // 3 + 1) service times after t0, whatever the machine
    # does: counted from its intended start k / rate, it must look at least that slow.
    # (Order statistics keep the bound: the i-th smallest latency is above the i-th smallest
    # floor.) Measured from the actual send (coordinated omission) it would be one service time.
    floor = [(k // connections + 1) * service_s - k / rate for k in range(50)]
    pairs = zip(sorted(result.latencies_s), sorted(floor), strict=True)
    assert all(latency >= bound for latency, bound in pairs)
    assert max(floor) > 4 * service_s


@pytest.mark.slow
def test_fixed_rate_hands_off_each_request_at_its_intended_time() -> None:
    """The dispatcher on a fake clock: never early, and late ones catch up at once."""
    now = [1000.0]
    handed: list[tuple[float, int, float]] = []

    async def sleep(seconds: float) -> None:
        # A real sleep always lets some time pass; two stalls of 0.3 s on top.
        now[0] += max(seconds, 1e-4) + (0.3 if len(handed) in (1, 40) else 0.0)

    class Recorder(asyncio.Queue):  # type: ignore[type-arg]
        def put_nowait(self, item: Any) -> None:
            handed.append((now[0], *item))

    tally = loadgen._Tally()
    t0 = asyncio.run(loadgen._dispatch(Recorder(), tally, 200.0, 400, lambda: now[0], sleep))
    assert [index for _, index, _ in handed] == list(range(400))
    for at, index, intended in handed:
        assert intended == pytest.approx(t0 + index / 200.0)
        assert at >= intended - 1e-9  # never handed off before its time
    assert tally.lag_max == pytest.approx(0.3, abs=0.01)  # the stall is measured, not hidden


def test_cli_prints_json_and_sends_headers_and_unique_bodies(
    serve: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve(answer(OK))
    body_file = tmp_path / "body.json"
    body_file.write_bytes(b'{"n": "@@"}')
    argv = [
        "--url", server.url + "/x", "--rate", "100", "--duration", "0.3", "--connections", "2",
        "--header", "Authorization: Bearer secret", "--body-file", str(body_file),
        "--unique-token", "@@",
    ]  # fmt: skip
    assert loadgen.main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["completed"], printed["status_counts"]) == (30, {"200": 30})
    heads = [seen.head.lower() for seen in server.log.requests]
    assert all(b"authorization: bearer secret\r\n" in h for h in heads)
    assert all(b"content-type: application/json\r\n" in h for h in heads)
    assert len({seen.body for seen in server.log.requests}) == 30


def test_cli_rejects_a_header_without_a_colon() -> None:
    with pytest.raises(SystemExit):
        loadgen.main(["--url", "http://127.0.0.1:1/", "--rate", "1", "--header", "nocolon"])


@pytest.mark.slow
@pytest.mark.parametrize("rate", [None, 200.0], ids=["saturation", "fixed-rate"])
def test_same_load_against_the_trivial_server_completes(rate: float | None) -> None:
    spec = RequestSpec.from_url("http://unused.invalid/x", "POST", body_factory=lambda i: b"%d" % i)
    result = loadgen.run_against_trivial(spec, duration=0.5, rate=rate, connections=4)
    assert result.completed >= 100 and result.errors == {}
    assert result.target.startswith("POST http://127.0.0.1:")
    _accounted(result)
