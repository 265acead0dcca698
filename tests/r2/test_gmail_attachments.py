"""Gmail attachments into R2: with bucket access, each attachment up to ATTACHMENT_MAX_BYTES
is copied at sync time and its URL travels beside its metadata in the webhook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.test_gmail_push import ADDRESS, LINK, gmail_settings, push, sync
from tests.r2.conftest import download
from tests.support.fake_google import FakeGoogle, build_raw

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # 10 249 bytes
BIG = b"x" * 30_000


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(default_email=ADDRESS) as fake:
        yield fake


def test_attachments_are_copied_up_to_the_limit_and_their_urls_sent(
    direct_app, google, sink, s3, bucket
):
    app = direct_app(
        gmail_address=ADDRESS,
        gmail_refresh_token=google.refresh_token_for(ADDRESS),
        attachment_max_bytes=20_000,
        **gmail_settings(google),
    )
    sync(app)
    raw = build_raw(
        "Bon de commande",
        "Planning <planning@media-solution.example>",
        ADDRESS,
        html=LINK,
        attachments=[("bon.pdf", PDF, "application/pdf"), ("video.bin", BIG)],
    )
    google.add_message(raw)
    push(app, google)
    assert sync(app).admitted == 1
    services = app.extensions["relais"]
    while services.delivery.workers.run_once():
        pass
    body = sink.wait_for(1)[0].json()
    small, big = body["attachments"]
    assert small["name"] == "bon.pdf" and small["size"] == len(PDF)
    assert download(small["r2_url"]) == PDF
    assert big == {
        "name": "video.bin",
        "size": len(BIG),
        "content_type": "application/octet-stream",
        "r2_error": "too_large",
    }
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert [k for k in keys if k.startswith("attachments/")] == [
        k for k in keys if k.endswith("/bon.pdf")
    ]
