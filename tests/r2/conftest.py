"""R2 fixtures: moto's S3 server on loopback, a local file source, provider hosts mapped to it."""

from __future__ import annotations

import hashlib
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from services.net.http import Resolver, system_resolver
from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.file_source import FileSource
from tests.support.sink import Sink

# Provider hosts the tests serve from the local FileSource (through the resolver seam).
PROVIDER_HOSTS = (
    "www.dropbox.com",
    "dl.dropboxusercontent.com",
    "wetransfer.com",
    "download.wetransfer.com",
    "we.tl",
    "www.swisstransfer.com",
    "dl.swisstransfer.com",
    "fromsmash.com",
)
S3_KEY = "test-access-key"
S3_SECRET = "test-secret-key-0123456789"
INGRESS = "/api/ingress/gmail"


def mapped_resolver(overrides: dict[str, str] | None = None) -> Resolver:
    """Provider hosts resolve to loopback (or to what `overrides` says); the rest as usual."""
    mapping = dict.fromkeys(PROVIDER_HOSTS, "127.0.0.1")
    mapping.update(overrides or {})

    def resolve(host: str, port: int) -> list[str]:
        if host in mapping:
            return [mapping[host]]
        return system_resolver(host, port)

    return resolve


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    """A client for assertions on what landed in the bucket."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
    )


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"relais-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def source() -> Iterator[FileSource]:
    s = FileSource()
    yield s
    s.close()


@pytest.fixture
def direct_app(make_app, sink, clock, source, s3_endpoint, bucket):
    """An app in direct mode: sources on the local FileSource, copies in the moto bucket."""

    def factory(**overrides: Any):
        settings: dict[str, Any] = {
            "webhook_url": sink.url(),
            "webhook_secret": TEST_WHSEC,
            "clock": clock,
            "resolver": mapped_resolver(),
            "r2_fetch_enabled": True,
            "r2_mode": "direct",
            "r2_endpoint_url": s3_endpoint,
            "r2_bucket_name": bucket,
            "r2_access_key_id": S3_KEY,
            "r2_secret_access_key": S3_SECRET,
            "r2_insecure_test_sources": True,
            "r2_fetch_timeout": 10,
            "r2_offload_timeout": 20,
            "r2_cleanup_interval_minutes": 0,
        }
        settings.update(overrides)
        return make_app(**settings)

    return factory


@pytest.fixture
def worker() -> Iterator[Sink]:
    """A fake Cloudflare Worker (scripted JSON replies, every request recorded)."""
    s = Sink()
    yield s
    s.close()


@pytest.fixture
def worker_app(make_app, sink, clock, worker):
    def factory(**overrides: Any):
        settings: dict[str, Any] = {
            "webhook_url": sink.url(),
            "webhook_secret": TEST_WHSEC,
            "clock": clock,
            "resolver": mapped_resolver(),
            "r2_fetch_enabled": True,
            "r2_fetch_endpoint": worker.url("/r2"),
            "r2_fetch_token": "worker-token-0123456789",
            "r2_bucket_name": "relais-transfers",
            "r2_insecure_test_sources": True,
            "r2_cleanup_interval_minutes": 0,
        }
        settings.update(overrides)
        return make_app(**settings)

    return factory


def push(app, *urls: str, subject: str | None = None, **changes: Any) -> dict[str, Any]:
    """Push an email whose body links to `urls`; a Media Solution subject unless told."""
    anchors = "".join(f'<a href="{url}">lien</a> ' for url in urls)
    body = f"<div>Bonjour, lot à faire pour 14h30.<br>{anchors}</div>"
    payload = old_payload(body=body, **changes)
    if subject is not None:
        payload["subject"] = subject
    resp = app.test_client().post(INGRESS, json=payload, headers=auth())
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def deliver(app) -> str | None:
    return app.extensions["relais"].delivery.workers.run_once()


def webhook_links(sink: Sink, index: int = 0) -> list[dict[str, Any]]:
    return sink.wait_for(index + 1)[index].json()["delivery_links"]


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
