"""When is a buffered request whole, and when will it never be acceptable."""

from __future__ import annotations

import pytest

from config.http_buffer import Limits, RequestBuffer

HEAD = b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


def fed(*chunks: bytes, limits: Limits | None = None) -> tuple[RequestBuffer, object]:
    buffer = RequestBuffer(limits or Limits())
    refusal = None
    for chunk in chunks:
        refusal = buffer.feed(chunk)
        if refusal:
            break
    return buffer, refusal


def test_a_content_length_body_completes_byte_by_byte():
    request = HEAD + b"Content-Length: 5\r\n\r\nhello"
    buffer = RequestBuffer()
    for n in range(len(request) - 1):
        assert buffer.feed(request[n : n + 1]) is None and not buffer.complete
    assert buffer.feed(request[-1:]) is None and buffer.complete
    assert buffer.take_request() == (request, b"")


def test_a_get_without_body_completes_at_the_blank_line_and_keeps_a_pipelined_rest():
    first = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    buffer, refusal = fed(first + b"GET /ready HTTP/1.1\r\n")
    assert refusal is None and buffer.complete
    assert buffer.take_request() == (first, b"GET /ready HTTP/1.1\r\n")


def test_a_chunked_body_completes_after_its_last_chunk_and_trailers():
    body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n"
    request = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body
    buffer, refusal = fed(request[:-3], request[-3:])
    assert refusal is None and buffer.complete and buffer.take_request()[0] == request


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (HEAD + b"Content-Length: 99999999\r\n\r\n", 413),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n400\r\n" + b"x" * 1024, 413),
        (HEAD + b"Content-Length: 12abc\r\n\r\n", 400),
        (HEAD + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (HEAD + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (HEAD + b"Transfer-Encoding: gzip\r\n\r\n", 501),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /" + b"a" * 9000, 414),
        (HEAD + b"X-Big: " + b"b" * 70_000 + b"\r\n\r\n", 431),
        (HEAD + b"no colon here\r\n\r\n", 400),
        (HEAD + b"Bad Name: x\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 400),
        (b"get / HTTP/1.1\r\n\r\n", 400),
    ],
    ids=[
        "length-over-limit",
        "chunks-over-limit",
        "length-not-a-number",
        "two-lengths",
        "length-and-chunked",
        "unknown-encoding",
        "bad-chunk-size",
        "long-uri",
        "long-uri-unfinished",
        "big-head",
        "bad-header-line",
        "space-in-header-name",
        "unknown-version",
        "lower-case-method",
    ],
)
def test_requests_that_can_never_be_accepted_are_refused_early(request_bytes, status):
    _, refusal = fed(request_bytes, limits=Limits(body=1000))
    assert refusal is not None and refusal.status == status


def test_the_head_search_resumes_where_it_stopped():
    """Bytes fed one at a time never rescan what was seen: linear in the bytes fed."""
    buffer = RequestBuffer()
    for _ in range(5000):
        buffer.feed(b"a")
    assert buffer._searched == 5000
