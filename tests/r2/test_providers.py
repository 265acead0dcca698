"""Direct downloads resolved without an account (WeTransfer, SwissTransfer), or unresolvable."""

from __future__ import annotations

import pytest

from tests.r2.conftest import deliver, download, push, webhook_links
from tests.support.file_source import Served, file, json_reply, redirect

TRANSFER = "4a1b2c3d4e5f60718293a4b5c6d7e8f920260101120000"
ZIP = b"PK\x03\x04 pretend zip"
ST_LINK = "6f1c2a3b-1111-2222-3333-444455556666"


def wetransfer(source, path):
    return source.url("wetransfer.com", path)


def serve_wetransfer_api(source, direct_path="/eu2/files/photos.zip"):
    direct = source.url("download.wetransfer.com", f"{direct_path}?token=s3cr3t")
    source.route(f"/api/v4/transfers/{TRANSFER}/download", json_reply({"direct_link": direct}))
    source.route(direct_path, file(ZIP, "photos.zip", content_type="application/zip"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/downloads/{TRANSFER}/9f8e7d", {"security_hash": "9f8e7d"}),
        (
            f"/downloads/{TRANSFER}/0a0b0c0d0e/9f8e7d",
            {"security_hash": "9f8e7d", "recipient_id": "0a0b0c0d0e"},
        ),
    ],
)
def test_a_wetransfer_link_is_resolved_and_copied(direct_app, source, sink, path, expected):
    app = direct_app()
    serve_wetransfer_api(source)
    push(app, wetransfer(source, path), subject="Photos du shooting")
    assert deliver(app) == "delivered"
    (entry,) = webhook_links(sink)
    assert entry["provider"] == "wetransfer"
    assert entry["original_filename"] == "photos.zip"
    assert download(entry["r2_url"]) == ZIP
    (api_call,) = source.hits(f"/api/v4/transfers/{TRANSFER}/download")
    assert api_call.method == "POST"
    assert api_call.json() == {"intent": "entire_transfer", **expected}


def test_a_wetransfer_short_link_is_followed_to_the_transfer(direct_app, source, sink):
    app = direct_app()
    serve_wetransfer_api(source)
    source.route("/t-AbCdEf", redirect(wetransfer(source, f"/downloads/{TRANSFER}/9f8e7d")))
    source.route(f"/downloads/{TRANSFER}/9f8e7d", Served(body=b"<html>page</html>"))
    push(app, source.url("we.tl", "/t-AbCdEf"), subject="Photos")
    deliver(app)
    assert download(webhook_links(sink)[0]["r2_url"]) == ZIP


def test_a_wetransfer_answer_without_a_direct_link_keeps_the_original(direct_app, source, sink):
    app = direct_app()
    source.route(
        f"/api/v4/transfers/{TRANSFER}/download", json_reply({"message": "No download access"})
    )
    link = wetransfer(source, f"/downloads/{TRANSFER}/9f8e7d")
    push(app, link, subject="Photos")
    assert deliver(app) == "delivered"
    (entry,) = webhook_links(sink)
    assert entry == {"provider": "wetransfer", "raw_url": link, "r2_error": "unresolvable"}


def swisstransfer_doc(source, files, **extra):
    data = {
        "containerUUID": "c0ffee",
        "downloadHost": f"dl.swisstransfer.com:{source.port}",
        "container": {"files": files},
        **extra,
    }
    return json_reply({"data": data})


def test_a_single_file_swisstransfer_link_is_copied(direct_app, source, sink):
    app = direct_app()
    source.route(f"/api/links/{ST_LINK}", swisstransfer_doc(source, [{"UUID": "f-1"}]))
    source.route(f"/api/download/{ST_LINK}/f-1", file(b"plan", "plan.pdf"))
    push(app, source.url("www.swisstransfer.com", f"/d/{ST_LINK}"))
    deliver(app)
    (entry,) = webhook_links(sink)
    assert (entry["original_filename"], download(entry["r2_url"])) == ("plan.pdf", b"plan")


@pytest.mark.parametrize(
    ("files", "extra", "reason"),
    [
        ([{"UUID": "f-1"}, {"UUID": "f-2"}], {}, "multiple_files"),
        ([{"UUID": "f-1"}], {"needPassword": True}, "password_protected"),
        ([{"UUID": "f-1"}], {"downloadHost": "files.evil.example"}, "host_not_allowed"),
        ([], {}, "unresolvable"),
    ],
)
def test_a_swisstransfer_link_that_cannot_be_resolved_says_why(
    direct_app, source, sink, files, extra, reason
):
    app = direct_app()
    source.route(f"/api/links/{ST_LINK}", swisstransfer_doc(source, files, **extra))
    push(app, source.url("www.swisstransfer.com", f"/d/{ST_LINK}"))
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == reason


def test_fromsmash_links_are_kept_as_they_are(direct_app, source, sink):
    app = direct_app()
    link = source.url("fromsmash.com", "/AbC123-dt")
    push(app, link)
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0] == {
        "provider": "fromsmash",
        "raw_url": link,
        "r2_error": "unresolvable",
    }
    assert source.requests == []
