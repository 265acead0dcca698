"""The load generator's request encoding, response framing rules, body factories and stats."""

from __future__ import annotations

import pytest

from bench import loadgen
from bench.loadgen import ProtocolError, RequestSpec, ResponseHead
from bench.stats import percentile, summarize_ms


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/api/x", ("127.0.0.1", 8000, "/api/x")),
        ("http://localhost", ("localhost", 80, "/")),
        ("http://h:1/p?a=1&b=2", ("h", 1, "/p?a=1&b=2")),
    ],
)
def test_parse_url_splits_host_port_and_target(url: str, expected: tuple[str, int, str]) -> None:
    assert loadgen.parse_url(url) == expected


@pytest.mark.parametrize("url", ["https://h/x", "ftp://h/x", "http:///x", "h:80/x"])
def test_parse_url_rejects_what_it_cannot_send(url: str) -> None:
    with pytest.raises(ValueError, match="only http"):
        loadgen.parse_url(url)


def test_encoder_frames_each_body_with_its_length() -> None:
    spec = RequestSpec.from_url(
        "http://127.0.0.1:8000/ingest",
        method="post",
        headers=[("Authorization", "Bearer t")],
        body_factory=lambda i: b"x" * i,
    )
    encode = spec.encoder()
    assert encode(3) == (
        b"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAuthorization: Bearer t\r\n"
        b"Content-Length: 3\r\n\r\nxxx"
    )
    assert encode(0).endswith(b"Content-Length: 0\r\n\r\n")


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("GET", b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("POST", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
    ],
)
def test_encoder_without_body(method: str, expected: bytes) -> None:
    assert RequestSpec("h", 80, "/", method).encoder()(7) == expected


def test_encoder_keeps_a_host_given_by_hand() -> None:
    spec = RequestSpec("127.0.0.1", 8000, "/", "GET", (("host", "relais.example"),))
    assert spec.encoder()(0) == b"GET / HTTP/1.1\r\nhost: relais.example\r\n\r\n"


@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding"])
def test_encoder_refuses_framing_headers_by_hand(name: str) -> None:
    spec = RequestSpec("h", 80, "/", "POST", ((name, "5"),), loadgen.constant_body(b"hello"))
    with pytest.raises(ValueError, match="per body"):
        spec.encoder()


def test_prebuilt_calls_the_factory_up_front_then_cycles() -> None:
    calls: list[int] = []

    def counted(index: int) -> bytes:
        """A body factory that remembers being called."""
        calls.append(index)
        return b"%d" % index

    factory = loadgen.prebuilt(counted, 3)
    assert calls == [0, 1, 2]
    assert [factory(i) for i in range(5)] == [b"0", b"1", b"2", b"0", b"1"]
    assert calls == [0, 1, 2]


def test_token_body_puts_the_index_in_every_token() -> None:
    factory = loadgen.token_body(b'{"id": "@@", "again": "@@"}', b"@@")
    assert factory(42) == b'{"id": "42", "again": "42"}'


def test_cycle_bodies_deals_by_weight() -> None:
    unique = loadgen.token_body(b"u@", b"@")
    duplicate = loadgen.constant_body(b"dup")
    factory = loadgen.cycle_bodies([unique, duplicate], weights=[3, 1])
    expected = [b"u0", b"u1", b"u2", b"dup", b"u4", b"u5", b"u6", b"dup"]
    assert [factory(i) for i in range(8)] == expected


@pytest.mark.parametrize("weights", [[1], [1, 0], [2, -1]])
def test_cycle_bodies_rejects_bad_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError, match="weight"):
        loadgen.cycle_bodies([loadgen.constant_body(b"a"), loadgen.constant_body(b"b")], weights)


def test_parse_head_keeps_framing_fields_only() -> None:
    head = loadgen.parse_head(
        b"HTTP/1.1 201 Created\r\nContent-Length: 12\r\nX-Other: 1\r\n"
        b"Connection:  Keep-Alive \r\n\r\n"
    )
    assert head == ResponseHead(201, True, {b"content-length": b"12", b"connection": b"keep-alive"})


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
    ],
)
def test_parse_head_rejects_malformed_heads(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        loadgen.parse_head(raw)


def _head(status: int = 200, http11: bool = True, **fields: str) -> ResponseHead:
    """A parsed head with the given framing fields (underscores for dashes)."""
    return ResponseHead(
        status, http11, {k.replace("_", "-").encode(): v.encode() for k, v in fields.items()}
    )


@pytest.mark.parametrize(
    ("head", "method", "expected"),
    [
        (_head(content_length="5"), "GET", 5),
        (_head(content_length="5"), "HEAD", loadgen._NO_BODY),
        (_head(204), "GET", loadgen._NO_BODY),
        (_head(304, content_length="9"), "GET", loadgen._NO_BODY),
        (_head(transfer_encoding="chunked", content_length="5"), "GET", loadgen._CHUNKED),
        (_head(transfer_encoding="gzip, chunked"), "GET", loadgen._CHUNKED),
        (_head(transfer_encoding="gzip"), "GET", loadgen._UNTIL_EOF),
        (_head(), "GET", loadgen._UNTIL_EOF),
    ],
)
def test_body_length_follows_rfc_9112(head: ResponseHead, method: str, expected: int) -> None:
    assert loadgen.body_length(head, method) == expected


def test_body_length_rejects_a_bad_content_length() -> None:
    with pytest.raises(ProtocolError):
        loadgen.body_length(_head(content_length="-3"), "GET")


@pytest.mark.parametrize(
    ("head", "length", "expected"),
    [
        (_head(), 2, True),
        (_head(connection="close"), 2, False),
        (_head(connection="upgrade, close"), 2, False),
        (_head(), loadgen._UNTIL_EOF, False),
        (_head(http11=False), 2, False),
        (_head(http11=False, connection="keep-alive"), 2, True),
    ],
)
def test_keeps_alive(head: ResponseHead, length: int, expected: bool) -> None:
    assert loadgen.keeps_alive(head, length) is expected


@pytest.mark.parametrize(
    ("q", "expected"), [(50, 5.0), (90, 9.0), (95, 10.0), (99, 10.0), (100, 10.0), (1, 1.0)]
)
def test_percentile_is_nearest_rank(q: float, expected: float) -> None:
    assert percentile([float(v) for v in range(1, 11)], q) == expected


def test_summarize_ms_reports_milliseconds() -> None:
    summary = summarize_ms([0.001, 0.002, 0.003, 0.010])
    assert summary == {"p50": 2.0, "p95": 10.0, "p99": 10.0, "max": 10.0, "mean": 4.0, "min": 1.0}


def test_summarize_ms_of_nothing_is_all_none() -> None:
    assert set(summarize_ms([]).values()) == {None}
