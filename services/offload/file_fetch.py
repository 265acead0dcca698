"""Downloads from file-transfer providers, guarded at every hop.

Each hop (the first request and every redirect, at most 5) is checked before it is
made: https only, no credentials in the URL, a host of the link's provider
(docs/old-router.md, links; plus the hosts those providers download from), then the SSRF guard
of `OutboundHttp` at connect time. Bodies are streamed, never held whole.

Test seam: `insecure=True` (setting R2_INSECURE_TEST_SOURCES, refused at start
outside development) fetches every hop over plain http and lets the guard admit
loopback, so tests can serve "www.dropbox.com" from a local server. Every other
check stays on.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3

from email_processing.links import DROPBOX, FROMSMASH, SWISSTRANSFER, WETRANSFER, host_in
from services.net.http import OutboundError, OutboundHttp, read_chunk

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
JSON_MAX_BYTES = 1024 * 1024
CONNECT_TIMEOUT = 5.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Hosts a download may touch, per provider: the link's own domains and the ones the
# provider serves files from (Dropbox redirects to dropboxusercontent.com, WeTransfer's
# direct links live on download.wetransfer.com / wetransfer.net).
DOWNLOAD_HOSTS: dict[str, tuple[str, ...]] = {
    DROPBOX: ("dropbox.com", "dropboxusercontent.com"),
    WETRANSFER: ("wetransfer.com", "we.tl", "wetransfer.net"),
    SWISSTRANSFER: ("swisstransfer.com",),
    FROMSMASH: ("fromsmash.com", "fromsmash.co"),
}

_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class FetchError(Exception):
    """A download step failed; `reason` is the short code a webhook gets as `r2_error`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Deadline:
    """A point in monotonic time every step of one copy must finish by."""

    at: float
    clock: Callable[[], float] = field(default=time.monotonic)

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds left; FetchError('timeout') once there are none."""
        left = self.at - self.clock()
        if left <= 0:
            raise FetchError("timeout")
        return left


@dataclass
class Opened:
    """An answered request: the URL that answered (after redirects) and its unread body."""

    url: str
    response: urllib3.BaseHTTPResponse

    @property
    def status(self) -> int:
        return self.response.status

    def header(self, name: str) -> str | None:
        value = self.response.headers.get(name)
        return str(value) if value is not None else None

    def close(self) -> None:
        self.response.close()


def mask_url(url: str) -> str:
    """Scheme and host only: links carry tokens (rlkey, security hashes, signatures)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}/…"


def filename_from_disposition(value: str | None) -> str | None:
    """The file name of a Content-Disposition header, `filename*=` (RFC 6266) preferred."""
    if not value:
        return None
    msg = Message()
    msg["content-disposition"] = value
    params = msg.get_params(header="content-disposition") or []
    names = [v for k, v in params if k.lower() == "filename"]
    extended = [v for v in names if isinstance(v, tuple)]
    chosen = (extended or names)[:1]
    name = collapse_rfc2231_value(chosen[0]) if chosen else None
    return clean_filename(name) if name else None


def clean_filename(name: str) -> str | None:
    """A file name without directories or control characters, at most 255 characters."""
    name = _CONTROL_CHARS.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if name in ("", ".", ".."):
        return None
    return name[:255]


def key_segment(name: str) -> str:
    """A file name made safe for an object key (ASCII letters, digits, `._-`)."""
    safe = _UNSAFE_KEY_CHARS.sub("_", name).strip("._") or "file"
    return safe[:200]


class SourceFetcher:
    """Guarded requests to a provider's hosts, for resolving and downloading files."""

    def __init__(self, http: OutboundHttp, *, user_agent: str, insecure: bool = False) -> None:
        self._http = http
        self._user_agent = user_agent
        self._insecure = insecure

    def open(
        self,
        url: str,
        provider: str,
        deadline: Deadline,
        *,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Opened:
        """Request `url`, following at most 5 redirects, each hop re-checked; body unread."""
        sent = {"User-Agent": self._user_agent, "Accept": "*/*", **(headers or {})}
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._request(method, self._checked(url, provider), sent, body, deadline)
            location = resp.headers.get("location") if resp.status in _REDIRECTS else None
            if location is None:
                return Opened(url, resp)
            resp.close()
            url = urljoin(url, str(location))
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, body = "GET", None
                sent.pop("Content-Type", None)
        raise FetchError("too_many_redirects")

    def json(
        self,
        url: str,
        provider: str,
        deadline: Deadline,
        *,
        payload: Any = None,
    ) -> Any:
        """GET (or POST `payload` as JSON) and parse a JSON answer of at most 1 MiB."""
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload).encode("utf-8")
        opened = self.open(
            url, provider, deadline, method="POST" if body else "GET", body=body, headers=headers
        )
        try:
            if opened.status != 200:
                raise FetchError(f"source_http_{opened.status}")
            data = b"".join(iter_body(opened, JSON_MAX_BYTES, deadline))
        finally:
            opened.close()
        try:
            return json.loads(data)
        except ValueError as exc:
            raise FetchError("invalid_provider_reply") from exc

    def _checked(self, url: str, provider: str) -> str:
        """The URL to request for this hop, or FetchError when the hop is not allowed."""
        parts = urlsplit(url)
        allowed_schemes = ("https", "http") if self._insecure else ("https",)
        if parts.scheme not in allowed_schemes or not parts.hostname:
            raise FetchError("invalid_url")
        if parts.username or parts.password:
            raise FetchError("invalid_url")
        host = parts.hostname.rstrip(".").lower()
        if not host_in(host, DOWNLOAD_HOSTS.get(provider, ())):
            logger.warning("r2 fetch: refused host %s for %s", host, provider)
            raise FetchError("host_not_allowed")
        if self._insecure:
            return urlunsplit(parts._replace(scheme="http"))
        return url

    def _request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        deadline: Deadline,
    ) -> urllib3.BaseHTTPResponse:
        left = deadline.remaining()
        try:
            return self._http.open(
                method,
                url,
                headers=headers,
                body=body,
                connect_timeout=min(CONNECT_TIMEOUT, left),
                read_timeout=left,
            )
        except OutboundError as exc:
            raise FetchError(exc.kind) from exc


def iter_body(opened: Opened, max_bytes: int, deadline: Deadline) -> Iterator[bytes]:
    """The body in chunks; FetchError('too_large') past `max_bytes`, 'timeout' past the deadline."""
    length = opened.header("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError("too_large")
    total = 0
    while True:
        deadline.remaining()
        try:
            chunk = read_chunk(opened.response, CHUNK_BYTES)
        except OutboundError as exc:
            raise FetchError(exc.kind) from exc
        if not chunk:
            return
        total += len(chunk)
        if total > max_bytes:
            raise FetchError("too_large")
        yield chunk
