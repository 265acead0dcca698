"""Direct mode end to end: ingress -> delivery worker -> local source -> moto bucket -> webhook."""

from __future__ import annotations

import logging
import os

import pytest

from email_processing.links import dropbox_direct_url
from services.offload.transfer_links import plan
from tests.r2.conftest import S3_KEY, S3_SECRET, deliver, download, push, sha256, webhook_links
from tests.support.file_source import Served, file, redirect
from tests.support.sink import Reply

MIB = 1024 * 1024


def dropbox_file(source, path="/scl/fi/abc123/report.pdf"):
    """A Dropbox share link on the local source, and the path its direct form is served on."""
    return source.url("www.dropbox.com", f"{path}?rlkey=k9&dl=0"), path


def test_a_dropbox_link_is_copied_and_its_r2_url_downloads_the_same_bytes(
    direct_app, source, sink, s3, bucket
):
    app = direct_app()
    data = os.urandom(300_000)
    link, path = dropbox_file(source)
    # Like Dropbox: the share host redirects to the content host, which names the file.
    source.route(path, redirect(source.url("dl.dropboxusercontent.com", "/cd/0/get/xyz/file")))
    source.route("/cd/0/get/xyz/file", file(data, "Rapport final.pdf"))
    delivery_id = push(app, link)["deliveries"][0]["id"]

    assert deliver(app) == "delivered"
    (entry,) = webhook_links(sink)
    assert entry["raw_url"] == link
    assert entry["direct_url"].endswith("/scl/fi/abc123/report.pdf?dl=1&rlkey=k9")
    assert entry["original_filename"] == "Rapport final.pdf"
    assert "r2_error" not in entry
    assert sha256(download(entry["r2_url"])) == sha256(data)
    # The first hop asked for the direct form (dl=1), with the provider's host name.
    first = source.hits(path)[0]
    assert "dl=1" in first.path and first.host == f"www.dropbox.com:{source.port}"
    attempt = app.extensions["relais"].delivery.queue.attempts(delivery_id)[0]
    assert attempt["r2"] == [{"provider": "dropbox", "original_filename": "Rapport final.pdf"}]


def test_the_object_keeps_the_type_and_name_of_the_source(direct_app, source, sink, s3, bucket):
    app = direct_app()
    link, path = dropbox_file(source)
    source.route(path, file(b"%PDF-1.7 ...", "Été 2026.pdf", content_type="application/pdf"))
    push(app, link)
    deliver(app)
    (entry,) = webhook_links(sink)
    (obj,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert obj["Key"].startswith("dropbox/") and obj["Key"].endswith("/t_2026.pdf")
    head = s3.head_object(Bucket=bucket, Key=obj["Key"])
    assert head["ContentType"] == "application/pdf"
    assert "filename*=UTF-8''%C3%89t%C3%A9%202026.pdf" in head["ContentDisposition"]
    assert entry["original_filename"] == "Été 2026.pdf"


def test_a_large_file_streams_in_parts(direct_app, source, sink, s3, bucket):
    app = direct_app()
    data = os.urandom(17 * MIB)  # 8 + 8 + 1 MiB parts
    link, path = dropbox_file(source, "/scl/fi/big/video.mp4")
    source.route(path, file(data, "video.mp4", content_type="video/mp4", chunked=True))
    push(app, link)
    deliver(app)
    (entry,) = webhook_links(sink)
    key = s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"]
    assert s3.head_object(Bucket=bucket, Key=key)["ETag"].endswith('-3"')
    assert sha256(download(entry["r2_url"])) == sha256(data)


def test_a_public_base_url_replaces_presigned_urls(direct_app, source, sink, s3, bucket):
    app = direct_app(r2_public_base_url="https://files.example.com/")
    link, path = dropbox_file(source)
    source.route(path, file(b"abc", "a b.pdf"))
    push(app, link)
    deliver(app)
    (entry,) = webhook_links(sink)
    key = s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"]
    assert entry["r2_url"] == f"https://files.example.com/{key}"
    assert key.endswith("/a_b.pdf")


def test_presigned_urls_carry_the_configured_expiry(direct_app, source, sink):
    app = direct_app(r2_presign_expiry_seconds=600)
    link, path = dropbox_file(source)
    source.route(path, file(b"abc", "a.pdf"))
    push(app, link)
    deliver(app)
    assert "X-Amz-Expires=600" in webhook_links(sink)[0]["r2_url"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_file_over_the_size_cap_is_not_copied(direct_app, source, sink, s3, bucket, chunked):
    app = direct_app(r2_max_file_mb=1)
    link, path = dropbox_file(source)
    source.route(path, file(os.urandom(MIB + 1), "big.bin", chunked=chunked))
    push(app, link)
    assert deliver(app) == "delivered"
    (entry,) = webhook_links(sink)
    assert entry["r2_error"] == "too_large"
    assert "r2_url" not in entry
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_a_stream_crossing_the_cap_mid_upload_aborts_the_multipart_upload(
    direct_app, source, sink, s3, bucket
):
    app = direct_app(r2_max_file_mb=17)  # two 8 MiB parts go up, the third crosses the cap
    link, path = dropbox_file(source)
    source.route(path, file(os.urandom(20 * MIB), "big.bin", chunked=True))
    push(app, link)
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "too_large"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (Served(status=404), "source_http_404"),
        (Served(status=500), "source_http_500"),
        (file(b"<html>sign in</html>", content_type="text/html; charset=utf-8"), "not_a_file"),
    ],
)
def test_a_source_failure_sends_the_original_link_with_the_reason(
    direct_app, source, sink, served, reason
):
    app = direct_app()
    link, path = dropbox_file(source)
    source.route(path, served)
    push(app, link)
    assert deliver(app) == "delivered"
    (entry,) = webhook_links(sink)
    assert entry["r2_error"] == reason
    assert entry["raw_url"] == link
    stats = app.extensions["relais"].offload.stats()
    assert stats["copies_failed"] == 1 and stats[f"copies_failed:{reason}"] == 1
    assert stats[f"links_fallback:{reason}"] == 1


def test_a_source_slower_than_its_timeout_is_abandoned(direct_app, source, sink):
    app = direct_app(r2_fetch_timeout=0.5)
    link, path = dropbox_file(source)
    source.route(path, file(b"x" * 40, "slow.pdf", chunk=1, pause=0.1))
    push(app, link)
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "timeout"


def test_the_delivery_does_not_wait_past_the_offload_timeout(direct_app, source, sink):
    """The webhook goes out at once with the original link; the copy finishes in the
    background and the next email with the same link reuses it."""
    app = direct_app(r2_offload_timeout=0.2)
    link, path = dropbox_file(source)
    source.route(path, file(b"late bytes", "late.pdf", head_delay=1.0))
    push(app, link)
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "timeout"

    r2 = app.extensions["relais"].offload
    assert r2.wait_idle(10)
    push(app, link, subject="Média Solution - Missions Recadrage - Lot 4522")
    deliver(app)
    second = webhook_links(sink, 1)[0]
    assert download(second["r2_url"]) == b"late bytes"
    assert len(source.hits(path)) == 1


def test_one_copy_per_source_across_emails(direct_app, source, sink):
    app = direct_app()
    link, path = dropbox_file(source)
    source.route(path, file(b"shared", "shared.pdf"))
    push(app, link)
    push(app, link, subject="Média Solution - Missions Recadrage - Lot 9999")
    deliver(app)
    deliver(app)
    first, second = webhook_links(sink, 0)[0], webhook_links(sink, 1)[0]
    assert len(source.hits(path)) == 1
    assert first["r2_url"].split("?")[0] == second["r2_url"].split("?")[0]
    stats = app.extensions["relais"].offload.stats()
    assert stats["copies_ok"] == 1 and stats["links_reused"] == 1


def test_a_retried_delivery_reuses_the_copy(direct_app, source, sink, clock):
    app = direct_app(retry_schedule=[0, 5])
    sink.script("/hook", Reply(status=500), Reply())
    link, path = dropbox_file(source)
    source.route(path, file(b"once", "once.pdf"))
    push(app, link)
    assert deliver(app) == "retrying"
    clock.advance(5)
    assert deliver(app) == "delivered"
    first, second = sink.wait_for(2)
    assert len(source.hits(path)) == 1
    key = first.json()["delivery_links"][0]["r2_url"].split("?")[0]
    assert second.json()["delivery_links"][0]["r2_url"].split("?")[0] == key


def test_a_failed_copy_is_not_retried_by_the_next_delivery(direct_app, source, sink):
    app = direct_app()
    link, path = dropbox_file(source)
    source.route(path, Served(status=503))
    push(app, link)
    push(app, link, subject="Média Solution - Missions Recadrage - Lot 9999")
    deliver(app)
    deliver(app)
    assert webhook_links(sink, 1)[0]["r2_error"] == "source_http_503"
    assert len(source.hits(path)) == 1


def test_copies_run_at_most_r2_concurrency_at_once(direct_app, source, sink):
    app = direct_app(r2_concurrency=2)
    links = []
    for n in range(4):
        link, path = dropbox_file(source, f"/scl/fi/f{n}/part{n}.bin")
        source.route(path, file(bytes([n]) * 10, f"part{n}.bin", head_delay=0.3))
        links.append(link)
    push(app, *links)
    deliver(app)
    entries = webhook_links(sink)
    assert [download(e["r2_url"]) for e in entries] == [bytes([n]) * 10 for n in range(4)]
    assert source.max_active == 2


def test_a_dropbox_file_request_is_not_a_file(direct_app, source, sink):
    app = direct_app()
    push(app, source.url("www.dropbox.com", "/request/AbCdEf123"))
    deliver(app)
    assert webhook_links(sink)[0]["r2_error"] == "not_a_file"
    assert source.requests == []


def test_a_source_another_process_is_copying_is_not_copied_twice(
    direct_app, source, sink, redis_client
):
    app = direct_app(r2_fetch_timeout=0.3)
    link, path = dropbox_file(source)
    source.route(path, file(b"x", "x.pdf"))
    digest = plan({"provider": "dropbox", "direct_url": dropbox_direct_url(link)}).digest
    lock = app.extensions["relais"].keys.r2_copy_lock(digest)
    redis_client.set(lock, "another-process", ex=60)
    push(app, link)
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "timeout"
    assert source.requests == []


def test_no_key_token_or_signed_url_reaches_the_logs(direct_app, source, sink, caplog):
    caplog.set_level(logging.DEBUG)
    app = direct_app(log_level="DEBUG")
    link, path = dropbox_file(source)
    source.route(path, file(b"abc", "a.pdf"))
    push(app, link)
    deliver(app)
    r2_url = webhook_links(sink)[0]["r2_url"]
    assert "X-Amz-Signature" in r2_url
    for secret in (S3_KEY, S3_SECRET, "rlkey", "X-Amz-Signature"):
        assert secret not in caplog.text
