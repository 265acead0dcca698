"""A fast webhook receiver for benchmarks, run as its own process.

It answers every POST with 200 {"success": true} (optionally after a delay),
and records for each request its arrival time, webhook-id and the `date` field
of the payload (the load generator puts the send time there). `GET /stats`
returns the records as JSON; `POST /reset` clears them.

    python bench/sink_server.py --port 0 --delay-ms 0   # prints "PORT <n>" when listening
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

_DATE = re.compile(rb'"receivedDateTime": ?"([0-9.]+)"')
_ID = re.compile(rb"webhook-id: *([^\r\n]+)", re.I)
_OK = b'{"success": true}'


class Recorder:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.records: list[tuple[float, str, float]] = []

    def stats(self) -> bytes:
        return json.dumps({"records": self.records}).encode()


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    match = re.search(rb"content-length: *(\d+)", head, re.I)
    body = await reader.readexactly(int(match.group(1))) if match else b""
    return head, body


async def _handle(
    rec: Recorder, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while (request := await _read_request(reader)) is not None:
            head, body = request
            writer.write(await _route(rec, head, body))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _route(rec: Recorder, head: bytes, body: bytes) -> bytes:
    if head.startswith(b"GET /stats"):
        return _response("200 OK", rec.stats())
    if head.startswith(b"POST /reset"):
        rec.records.clear()
        return _response("200 OK", _OK)
    arrived = time.time()
    sent = _DATE.search(body)
    wid = _ID.search(head)
    rec.records.append(
        (arrived, wid.group(1).decode() if wid else "", float(sent.group(1)) if sent else 0.0)
    )
    if rec.delay:
        await asyncio.sleep(rec.delay)
    return _response("200 OK", _OK)


async def main(port: int, delay: float) -> None:
    rec = Recorder(delay)
    server = await asyncio.start_server(
        lambda r, w: _handle(rec, r, w), "127.0.0.1", port, backlog=1024
    )
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.delay_ms / 1000))
