"""What to copy for a delivery link: its stable source URL, object key and download URL.

Dropbox links become direct downloads by normalisation (`dl=1`, docs/old-router.md, links); a
Dropbox file request (`/request/`) is an upload page, not a file. WeTransfer and
SwissTransfer publish no official download API for public links; the two calls
below are the ones their own web pages make without an account (WeTransfer's
`/api/v4/transfers/<id>/download`, SwissTransfer's `/api/links/<uuid>`). Any answer
that does not fit is reported as a reason, and the webhook keeps the original
link. FromSmash needs an API key or a browser session: its links are not copied.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_processing.links import DROPBOX, SWISSTRANSFER, WETRANSFER, host_in
from services.offload.file_fetch import Deadline, FetchError, SourceFetcher

_WETRANSFER_PATH = re.compile(r"^/downloads/([0-9a-f]+)/(?:([0-9a-f]+)/)?([0-9a-f]+)/?$", re.I)
_SWISSTRANSFER_PATH = re.compile(r"^/d/([0-9a-zA-Z-]+)/?$")


@dataclass(frozen=True)
class Source:
    """One link to copy: `url` identifies it (hashed into the object key and the reuse map)."""

    provider: str
    url: str
    folder: bool = False
    unsupported: str | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()


def plan(link: Mapping[str, Any]) -> Source:
    """The source of a `delivery_links` item: Dropbox's direct form, else the raw link."""
    provider = str(link.get("provider") or "")
    url = str(link.get("direct_url") or link.get("raw_url") or "")
    path = urlsplit(url).path.lower()
    if provider == DROPBOX and path.startswith("/request/"):
        return Source(provider, url, unsupported="not_a_file")
    return Source(provider, url, folder=provider == DROPBOX and path.startswith("/scl/fo/"))


def url_filename(url: str) -> str:
    """The last path segment when it has a dot, else `file` (docs/old-router.md, R2 Worker)."""
    segment = urlsplit(url).path.rsplit("/", 1)[-1]
    return segment if "." in segment else "file"


def object_key(provider: str, url: str, filename: str | None = None) -> str:
    """`{provider}/{sha256(url)[:8]}/{sha256(url)[8:16]}/{filename}` (docs/old-router.md)."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return f"{provider}/{digest[:8]}/{digest[8:16]}/{filename or url_filename(url)}"


class LinkResolver:
    """Turns a source into the URL that answers with the file's bytes."""

    def __init__(self, fetcher: SourceFetcher) -> None:
        self._fetcher = fetcher

    def download_url(self, source: Source, deadline: Deadline) -> str:
        """The direct download URL, or FetchError with the reason it cannot be had."""
        if source.provider == DROPBOX:
            return source.url
        if source.provider == WETRANSFER:
            return self._wetransfer(source.url, deadline)
        if source.provider == SWISSTRANSFER:
            return self._swisstransfer(source.url, deadline)
        raise FetchError("unresolvable")

    def _wetransfer(self, url: str, deadline: Deadline) -> str:
        if host_in((urlsplit(url).hostname or "").lower(), ("we.tl",)):
            opened = self._fetcher.open(url, WETRANSFER, deadline)  # short link: where it lands
            opened.close()
            url = opened.url
        parts = urlsplit(url)
        match = _WETRANSFER_PATH.match(parts.path)
        if match is None:
            raise FetchError("unresolvable")
        transfer_id, recipient_id, security_hash = match.groups()
        payload = {"intent": "entire_transfer", "security_hash": security_hash}
        if recipient_id:
            payload["recipient_id"] = recipient_id
        api = f"{parts.scheme}://{parts.netloc}/api/v4/transfers/{transfer_id}/download"
        reply = self._fetcher.json(api, WETRANSFER, deadline, payload=payload)
        direct = reply.get("direct_link") if isinstance(reply, dict) else None
        if not isinstance(direct, str) or not direct.startswith("https://"):
            raise FetchError("unresolvable")
        return direct

    def _swisstransfer(self, url: str, deadline: Deadline) -> str:
        parts = urlsplit(url)
        match = _SWISSTRANSFER_PATH.match(parts.path)
        if match is None:
            raise FetchError("unresolvable")
        link_id = match.group(1)
        api = f"{parts.scheme}://{parts.netloc}/api/links/{link_id}"
        reply = self._fetcher.json(api, SWISSTRANSFER, deadline)
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, dict):
            raise FetchError("unresolvable")
        if data.get("needPassword"):
            raise FetchError("password_protected")
        return f"https://{_swisstransfer_host(data)}/api/download/{link_id}/{_single_file(data)}"


def _swisstransfer_host(data: Mapping[str, Any]) -> str:
    host = data.get("downloadHost")
    if not isinstance(host, str) or not host or "/" in host:
        raise FetchError("unresolvable")
    return host


def _single_file(data: Mapping[str, Any]) -> str:
    """The one file's UUID; a transfer of several files has no single download URL."""
    container = data.get("container")
    files = container.get("files") if isinstance(container, dict) else None
    if not isinstance(files, list) or not files:
        raise FetchError("unresolvable")
    if len(files) > 1:
        raise FetchError("multiple_files")
    uuid = files[0].get("UUID") if isinstance(files[0], dict) else None
    if not isinstance(uuid, str) or not re.fullmatch(r"[0-9a-zA-Z-]+", uuid):
        raise FetchError("unresolvable")
    return uuid
