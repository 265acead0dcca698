"""The two ways a source reaches the bucket: through the Cloudflare Worker, or directly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from services.net.http import HttpResponse, OutboundError, OutboundHttp
from services.offload.file_fetch import (
    Deadline,
    FetchError,
    SourceFetcher,
    filename_from_disposition,
    iter_body,
    key_segment,
)
from services.offload.storage import BucketStore
from services.offload.transfer_links import Source, object_key, url_filename

WORKER_CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Copy:
    """A stored copy: its object key, the source's file name, and a fixed URL if any."""

    key: str
    filename: str
    url: str | None = None


class Copier(Protocol):
    def copy(self, source: Source, download_url: str, email_id: str, deadline: Deadline) -> Copy:
        """Copy `download_url` into the bucket, or raise FetchError with the reason."""
        ...


class WorkerCopier:
    """The old Cloudflare Worker protocol (docs/old-router.md, R2 Worker protocol), unchanged."""

    def __init__(
        self,
        http: OutboundHttp,
        *,
        endpoint: str,
        token: str,
        bucket: str,
        user_agent: str,
    ) -> None:
        self._http = http
        self._endpoint = endpoint
        self._token = token
        self._bucket = bucket
        self._user_agent = user_agent

    def copy(self, source: Source, download_url: str, email_id: str, deadline: Deadline) -> Copy:
        """POST the request to the Worker; its JSON answer carries the public URL."""
        key = object_key(source.provider, source.url)
        body = {
            "source_url": download_url,
            "object_key": key,
            "bucket": self._bucket,
            "provider": source.provider,
            "email_id": email_id,
        }
        headers = {
            "Content-Type": "application/json",
            "X-R2-FETCH-TOKEN": self._token,
            "User-Agent": self._user_agent,
        }
        left = deadline.remaining()
        try:
            resp = self._http.post(
                self._endpoint,
                json.dumps(body).encode("utf-8"),
                headers,
                connect_timeout=min(WORKER_CONNECT_TIMEOUT, left),
                read_timeout=left,
            )
        except OutboundError as exc:
            raise FetchError("timeout" if exc.kind == "timeout" else f"worker_{exc.kind}") from exc
        return _worker_copy(resp, key)


def _worker_copy(resp: HttpResponse, key: str) -> Copy:
    """Success is HTTP 200 with `"success": true` and an `r2_url`; anything else is a reason."""
    if resp.status != 200:
        raise FetchError(f"worker_http_{resp.status}")
    try:
        doc: Any = json.loads(resp.body)
    except ValueError as exc:
        raise FetchError("invalid_worker_reply") from exc
    if not isinstance(doc, dict) or doc.get("success") is not True:
        raise FetchError("worker_refused")
    url = doc.get("r2_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise FetchError("invalid_worker_reply")
    name = doc.get("original_filename")
    filename = name if isinstance(name, str) and name else key.rsplit("/", 1)[-1]
    return Copy(key=key, filename=filename, url=url)


class DirectCopier:
    """Relais streams the source into the bucket itself (S3 API)."""

    def __init__(self, fetcher: SourceFetcher, store: BucketStore, *, max_bytes: int) -> None:
        self._fetcher = fetcher
        self._store = store
        self._max_bytes = max_bytes

    def copy(self, source: Source, download_url: str, email_id: str, deadline: Deadline) -> Copy:
        """Stream the file: name and type from its headers, the size capped, one pass."""
        opened = self._fetcher.open(download_url, source.provider, deadline)
        try:
            if opened.status != 200:
                raise FetchError(f"source_http_{opened.status}")
            content_type = opened.header("content-type") or "application/octet-stream"
            if content_type.lower().startswith("text/html"):
                raise FetchError("not_a_file")  # a sign-in or error page, not the file
            filename = filename_from_disposition(opened.header("content-disposition"))
            filename = filename or url_filename(opened.url)
            key = object_key(source.provider, source.url, key_segment(filename))
            chunks = iter_body(opened, self._max_bytes, deadline)
            self._store.upload(key, chunks, content_type=content_type, filename=filename)
        finally:
            opened.close()
        return Copy(key=key, filename=filename)
