"""The production server under hostile clients: slow ones, malformed requests, forged
forwarded headers. A real gunicorn with our worker class, on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_TOKEN, old_payload
from tests.integration.test_gunicorn import serve

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 200


@pytest.fixture
def server(redis_url, redis_client, sink, tmp_path) -> Iterator[int]:
    port, proc = serve(tmp_path, sink, redis_url, trusted_proxies=0, ingress_max_bytes=4096)
    try:
        yield port
    finally:
        proc.terminate()
        proc.finish()


def raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are; the whole answer (the server closes after an error)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_and_json(answer: bytes) -> tuple[int, dict, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), head.decode()


def get(
    port: int, path: str, timeout: float = 5, headers: dict | None = None
) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read(), dict(resp.headers)


def push(port: int, subject: str, timeout: float = 5) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/ingress/gmail",
        data=json.dumps(old_payload(subject=subject)).encode(),
        headers={"Authorization": f"Bearer {TEST_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def trickle(port: int, closed_after: list[float]) -> None:
    """A client that sends a request one byte a second; how long until the server hangs up."""
    request = (
        b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n" + b"x" * 60
    )
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(1)
            sock.recv(1024)
        except OSError:
            pass
    closed_after.append(time.monotonic() - started)


def test_slow_clients_hold_no_thread_and_are_cut_off(server):
    closed_after: list[float] = []
    clients = [
        threading.Thread(target=trickle, args=(server, closed_after), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for client in clients:
        client.start()
    time.sleep(3)  # every slow client is connected and sending
    for n in range(5):
        assert get(server, "/health")[0] == 200
        assert push(server, f"while slow clients wait {n}")["status"] == "accepted"
        time.sleep(0.5)
    for client in clients:
        client.join(45)
    assert len(closed_after) == SLOW_CLIENTS
    assert max(closed_after) < 30  # the read deadline closed every one of them


def test_a_slow_client_is_told_it_timed_out(server):
    with socket.create_connection(("127.0.0.1", server), timeout=40) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never ends its head
        answer = sock.recv(65536)
    status, body, head = status_and_json(answer)
    assert (status, body["error"]) == (408, "request_timeout")
    assert "Content-Security-Policy:" in head


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (
            b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n",
            400,
            "bad_request",
        ),
        (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n",
            431,
            "headers_too_large",
        ),
        (
            b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"1388\r\n"  # 5,000 bytes: over the 4,096 of INGRESS_MAX_BYTES
            + b"x" * 5000
            + b"\r\n0\r\n\r\n",
            413,
            "payload_too_large",
        ),
    ],
    ids=["malformed-length", "long-url", "huge-headers", "chunked-over-the-limit"],
)
def test_malformed_and_oversized_requests_get_the_json_error_shape(
    server, request_bytes, status, code
):
    answer_status, body, head = status_and_json(raw(server, request_bytes))
    assert (answer_status, body["error"]) == (status, code)
    for header in (
        "Content-Security-Policy:",
        "X-Content-Type-Options: nosniff",
        "Cache-Control: no-store",
    ):
        assert header in head


def test_a_chunked_body_under_the_limit_is_accepted(server):
    body = json.dumps(old_payload(subject="chunked")).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:50], body[50:]))
    request = (
        b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Bearer {TEST_TOKEN}\r\n".encode()
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    status, answer, _ = status_and_json(raw(server, request))
    assert (status, answer["status"]) == (200, "accepted")


def test_expect_100_continue_is_answered_before_the_body(server):
    body = json.dumps(old_payload(subject="expect")).encode()
    head = (
        b"POST /api/ingress/gmail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Bearer {TEST_TOKEN}\r\n".encode()
        + b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(head)
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b'"status":"accepted"' in answer


def test_forwarded_headers_from_an_untrusted_client_change_nothing(server):
    _, _, headers = get(
        server, "/health", headers={"X-Forwarded-Proto": "https", "SCRIPT_NAME": "/x"}
    )
    assert "Strict-Transport-Security" not in headers
    assert get(server, "/health", headers={"X-Forwarded-Prefix": "/evil"})[0] == 200
