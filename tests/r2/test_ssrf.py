"""File fetches are guarded at every hop: allowlisted hosts, https, the SSRF guard, 5 redirects."""

from __future__ import annotations

import itertools

import pytest

from services.net.http import OutboundHttp
from services.offload.file_fetch import Deadline, FetchError, SourceFetcher
from tests.r2.conftest import deliver, mapped_resolver, push, webhook_links
from tests.support.file_source import file, redirect

PATH = "/scl/fi/abc123/report.pdf"


def link(source):
    return source.url("www.dropbox.com", f"{PATH}?rlkey=k9&dl=0")


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "100.64.1.1", "fd00::1"])
def test_a_source_resolving_to_a_private_address_is_refused(direct_app, source, sink, address):
    app = direct_app(resolver=mapped_resolver({"www.dropbox.com": address}))
    push(app, link(source))
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "blocked_address"
    assert source.requests == []


def test_loopback_is_refused_without_the_test_seam(direct_app, source, sink):
    app = direct_app(r2_insecure_test_sources=False)
    push(app, link(source))
    deliver(app)
    assert webhook_links(sink)[0]["r2_error"] == "blocked_address"
    assert source.requests == []


def test_a_redirect_to_a_private_address_is_refused(direct_app, source, sink):
    resolver = mapped_resolver({"dl.dropboxusercontent.com": "169.254.169.254"})
    app = direct_app(resolver=resolver)
    source.route(PATH, redirect("https://dl.dropboxusercontent.com/latest/meta-data/"))
    push(app, link(source))
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "blocked_address"
    assert len(source.requests) == 1


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/file.pdf",
        "https://evil.example/file.pdf",
        "https://dropbox.com.evil.example/file.pdf",
        "https://user:pw@www.dropbox.com/file.pdf",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_off_the_provider_is_refused(direct_app, source, sink, location):
    app = direct_app()
    source.route(PATH, redirect(location.format(port=source.port)))
    source.route("/file.pdf", file(b"secret", "file.pdf"))
    push(app, link(source))
    deliver(app)
    assert webhook_links(sink)[0]["r2_error"] in ("host_not_allowed", "invalid_url")
    assert source.hits("/file.pdf") == []


def test_a_redirect_loop_is_refused_after_five_hops(direct_app, source, sink):
    app = direct_app()
    source.route(PATH, redirect(source.url("dl.dropboxusercontent.com", "/b")))
    source.route("/b", redirect(source.url("www.dropbox.com", PATH)))
    push(app, link(source))
    assert deliver(app) == "delivered"
    assert webhook_links(sink)[0]["r2_error"] == "too_many_redirects"
    assert len(source.requests) == 6  # the first request and 5 redirects


def test_five_redirects_are_followed(direct_app, source, sink):
    app = direct_app()
    hops = [PATH, "/h1", "/h2", "/h3", "/h4", "/h5"]
    for here, there in itertools.pairwise(hops):
        source.route(here, redirect(source.url("dl.dropboxusercontent.com", there), 307))
    source.route("/h5", file(b"arrived", "a.pdf"))
    push(app, link(source))
    deliver(app)
    assert "r2_url" in webhook_links(sink)[0]


def fetcher(insecure=False, **resolved):
    http = OutboundHttp(
        allow_private=False, allow_loopback=insecure, resolver=mapped_resolver(resolved)
    )
    return SourceFetcher(http, user_agent="test", insecure=insecure)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://www.dropbox.com/scl/fi/x/a.pdf", "invalid_url"),
        ("https://evil-dropbox.com/scl/fi/x/a.pdf", "host_not_allowed"),
        ("https://www.dropbox.com.evil.example/x", "host_not_allowed"),
        ("https://93.184.216.34/scl/fi/x/a.pdf", "host_not_allowed"),
        ("https://u:p@www.dropbox.com/scl/fi/x/a.pdf", "invalid_url"),
    ],
)
def test_the_fetcher_refuses_before_connecting(url, reason):
    with pytest.raises(FetchError) as refused:
        fetcher().open(url, "dropbox", Deadline.after(5))
    assert refused.value.reason == reason


def test_hosts_of_another_provider_are_refused():
    with pytest.raises(FetchError) as refused:
        fetcher().open("https://www.swisstransfer.com/d/x", "dropbox", Deadline.after(5))
    assert refused.value.reason == "host_not_allowed"


def test_the_test_seam_admits_loopback_only(source):
    source.route("/scl/fi/x/a.pdf", file(b"ok", "a.pdf"))
    url = source.url("www.dropbox.com", "/scl/fi/x/a.pdf")
    opened = fetcher(insecure=True).open(url, "dropbox", Deadline.after(5))
    assert opened.status == 200
    opened.close()
    with pytest.raises(FetchError) as refused:
        fetcher(insecure=True, **{"www.dropbox.com": "192.168.1.10"}).open(
            url, "dropbox", Deadline.after(5)
        )
    assert refused.value.reason == "blocked_address"
