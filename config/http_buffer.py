"""Is a buffered HTTP/1.x request complete? The check the serving loop makes before a thread.

`RequestBuffer` takes bytes as they arrive and says when one whole request (head and
body, `Content-Length` or chunked) is in memory, or why it will never be acceptable
(an error status). It parses only what that needs, in time linear in the bytes fed:
the head is searched from where the last search stopped, chunks are walked once.
The full parsing stays gunicorn's; this only decides when to hand the request over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEAD_END = b"\r\n\r\n"
REQUEST_LINE = re.compile(rb"[A-Z]{1,20} [^\s]+ HTTP/1\.[01]")
HEADER_NAME = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class Limits:
    request_line: int = 8190  # bytes of the request line (414 above)
    head: int = 65536  # bytes of the whole head (431 above)
    body: int = 5 * 1024 * 1024  # bytes of the body, decoded (413 above)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


REFUSALS = {
    400: Refusal(400, "bad_request", "malformed request"),
    413: Refusal(413, "payload_too_large", "the body is larger than allowed"),
    414: Refusal(414, "uri_too_long", "the request line is longer than allowed"),
    431: Refusal(431, "headers_too_large", "the request headers are larger than allowed"),
    501: Refusal(501, "not_implemented", "this transfer encoding is not supported"),
}


@dataclass
class RequestBuffer:
    """Bytes of one connection until a whole request is there."""

    limits: Limits = field(default_factory=Limits)
    data: bytearray = field(default_factory=bytearray)
    head_length: int = -1  # bytes of the head, its blank line included; -1 until found
    body_length: int | None = None  # Content-Length, once the head is read
    chunked: bool = False
    expects_continue: bool = False
    _searched: int = 0  # where the head search resumes
    _chunk_pos: int = 0  # where the chunk walk resumes
    _decoded: int = 0  # body bytes seen so far in chunks
    _end: int = -1  # end of the first complete request in `data`

    def feed(self, chunk: bytes) -> Refusal | None:
        """Add bytes; a refusal when the request can never be accepted."""
        self.data += chunk
        if self.head_length < 0:
            refused = self._read_head()
            if refused or self.head_length < 0:
                return refused
        return self._read_body()

    @property
    def complete(self) -> bool:
        return self._end >= 0

    def take_request(self, drop_expect: bool = False) -> tuple[bytes, bytes]:
        """(the first whole request, the bytes after it), once `complete`. `drop_expect`:
        without its `Expect` header (the reader answered 100 Continue already)."""
        request, rest = bytes(self.data[: self._end]), bytes(self.data[self._end :])
        if drop_expect:
            head, body = request[: self.head_length - 4], request[self.head_length :]
            lines = [line for line in head.split(b"\r\n") if not _is_expect(line)]
            request = b"\r\n".join(lines) + HEAD_END + body
        return request, rest

    def _read_head(self) -> Refusal | None:
        found = self.data.find(HEAD_END, max(0, self._searched - 3))
        if found < 0:
            self._searched = len(self.data)
            return self._head_too_long()
        self.head_length = found + len(HEAD_END)
        if self.head_length > self.limits.head:
            return REFUSALS[431]
        return self._parse_head(bytes(self.data[:found]))

    def _head_too_long(self) -> Refusal | None:
        line_end = self.data.find(b"\r\n", 0, self.limits.request_line + 2)
        if line_end < 0 and len(self.data) > self.limits.request_line:
            return REFUSALS[414]
        if len(self.data) > self.limits.head:
            return REFUSALS[431]
        return None

    def _parse_head(self, head: bytes) -> Refusal | None:
        lines = head.split(b"\r\n")
        if len(lines[0]) > self.limits.request_line:
            return REFUSALS[414]
        if not REQUEST_LINE.fullmatch(lines[0]):
            return REFUSALS[400]
        lengths: set[bytes] = set()
        encodings: list[bytes] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not HEADER_NAME.fullmatch(name):
                return REFUSALS[400]
            self._header(name.lower(), value.strip(), lengths, encodings)
        return self._framing(lengths, encodings)

    def _header(
        self, name: bytes, value: bytes, lengths: set[bytes], encodings: list[bytes]
    ) -> None:
        """Note what the framing needs of one header."""
        if name == b"content-length":
            lengths.update(part.strip() for part in value.split(b","))
        elif name == b"transfer-encoding":
            encodings += [part.strip().lower() for part in value.split(b",")]
        elif name == b"expect" and value.lower() == b"100-continue":
            self.expects_continue = True

    def _framing(self, lengths: set[bytes], encodings: list[bytes]) -> Refusal | None:
        """How the body is delimited (RFC 9112 §6): both ways at once is refused."""
        if encodings:
            if lengths:
                return REFUSALS[400]  # request smuggling shape
            if encodings != [b"chunked"]:
                return REFUSALS[501]
            self.chunked = True
            self._chunk_pos = self.head_length
            return None
        if len(lengths) > 1 or any(not v.isdigit() for v in lengths):
            return REFUSALS[400]
        self.body_length = int(lengths.pop()) if lengths else 0
        return REFUSALS[413] if self.body_length > self.limits.body else None

    def _read_body(self) -> Refusal | None:
        if self.chunked:
            return self._walk_chunks()
        assert self.body_length is not None
        if len(self.data) >= self.head_length + self.body_length:
            self._end = self.head_length + self.body_length
        return None

    def _walk_chunks(self) -> Refusal | None:
        """Each chunk: `size[;ext]\\r\\n data \\r\\n`; the last has size 0, then trailers."""
        while True:
            line_end = self.data.find(b"\r\n", self._chunk_pos)
            if line_end < 0:
                return REFUSALS[400] if len(self.data) - self._chunk_pos > 1024 else None
            size_text = bytes(self.data[self._chunk_pos : line_end]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                return REFUSALS[400]
            if size == 0:
                return self._trailers(line_end + 2)
            self._decoded += size
            if self._decoded > self.limits.body:
                return REFUSALS[413]
            after = line_end + 2 + size
            if len(self.data) < after + 2:
                return None
            if self.data[after : after + 2] != b"\r\n":
                return REFUSALS[400]
            self._chunk_pos = after + 2

    def _trailers(self, start: int) -> Refusal | None:
        if self.data[start : start + 2] == b"\r\n":
            self._end = start + 2
            return None
        found = self.data.find(HEAD_END, start)
        if found >= 0:
            self._end = found + len(HEAD_END)
        elif len(self.data) - start > self.limits.head:
            return REFUSALS[431]
        return None


def _is_expect(line: bytes) -> bool:
    return line.partition(b":")[0].strip().lower() == b"expect"
