"""The bucket, through its S3 API (R2, or any S3-compatible store): upload, URLs, clean-up."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from services.offload.file_fetch import FetchError

logger = logging.getLogger(__name__)

# Every part but the last has this size: R2 wants equal parts, S3 at least 5 MiB.
PART_BYTES = 8 * 1024 * 1024
DELETE_BATCH = 1000  # DeleteObjects limit


def s3_client(
    endpoint_url: str, access_key_id: str, secret_access_key: str, *, read_timeout: float
) -> Any:
    """A boto3 S3 client for R2: region `auto`, path-style, checksums only where required."""
    import boto3  # imported here: apps without direct mode never load it
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=read_timeout,
        retries={"max_attempts": 3, "mode": "standard"},
        # R2 rejects some of the checksum headers newer botocore sends by default.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    # A session of our own: boto3's default session is not thread-safe.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="auto",
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _parts(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Re-cut a stream into `size`-byte parts (the last one shorter)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class BucketStore:
    """One bucket: streamed uploads (multipart past one part), download URLs, clean-up."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        public_base_url: str | None,
        presign_expiry: int,
        part_bytes: int = PART_BYTES,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._public_base = public_base_url.rstrip("/") if public_base_url else None
        self._presign_expiry = presign_expiry
        self._part_bytes = part_bytes

    def upload(
        self, key: str, chunks: Iterable[bytes], *, content_type: str, filename: str
    ) -> None:
        """Store a stream under `key`: one PUT when it fits in a part, else a multipart upload."""
        extra = {"ContentType": content_type, "ContentDisposition": content_disposition(filename)}
        parts = _parts(chunks, self._part_bytes)
        first = next(parts, b"")
        second = next(parts, None)
        try:
            if second is None:
                self._client.put_object(Bucket=self._bucket, Key=key, Body=first, **extra)
                return
            self._multipart(key, extra, [first, second], parts)
        except FetchError:
            raise
        except Exception as exc:
            logger.warning("r2 upload of %s failed: %s", key, type(exc).__name__)
            raise FetchError("storage_error") from exc

    def _multipart(
        self, key: str, extra: dict[str, str], head: list[bytes], rest: Iterator[bytes]
    ) -> None:
        upload_id = self._client.create_multipart_upload(Bucket=self._bucket, Key=key, **extra)[
            "UploadId"
        ]
        done: list[dict[str, Any]] = []
        try:
            for number, body in enumerate(itertools.chain(head, rest), start=1):
                answer = self._client.upload_part(
                    Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
                )
                done.append({"ETag": answer["ETag"], "PartNumber": number})
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
        except BaseException:
            self._abort(key, upload_id)
            raise

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
        except Exception as exc:  # the bucket's lifecycle rule removes what is left
            logger.warning("r2: could not abort the upload of %s: %s", key, type(exc).__name__)

    def url_for(self, key: str) -> str:
        """The public URL under R2_PUBLIC_BASE_URL, else a presigned GET URL."""
        if self._public_base:
            return f"{self._public_base}/{quote(key)}"
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=self._presign_expiry,
        )
        return url

    def delete_older_than(self, cutoff: float, prefixes: Iterable[str]) -> int:
        """Delete the objects under `prefixes` last modified before `cutoff` (epoch seconds)."""
        deleted = 0
        for prefix in prefixes:
            old = [key for key, modified in self._objects(prefix) if modified < cutoff]
            for start in range(0, len(old), DELETE_BATCH):
                batch = old[start : start + DELETE_BATCH]
                self._client.delete_objects(
                    Bucket=self._bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
                deleted += len(batch)
        return deleted

    def _objects(self, prefix: str) -> Iterator[tuple[str, float]]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"].timestamp()
