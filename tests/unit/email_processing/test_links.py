"""Link extraction and the Dropbox direct-download form (docs/old-router.md, links)."""

from __future__ import annotations

import pytest

from email_processing.links import Link, dropbox_direct_url, extract_links, provider_of


def _urls(html: str, plain: str | None = None) -> list[str]:
    return [link.raw_url for link in extract_links(html, plain)]


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://www.dropbox.com/scl/fo/abc/AAA?rlkey=k", "dropbox"),
        ("https://www.dropbox.com/scl/fi/abc/photo.jpg?rlkey=k&dl=0", "dropbox"),
        ("https://www.dropbox.com/s/abc123/file.zip?dl=0", "dropbox"),
        ("https://www.dropbox.com/request/AbCdEf123", "dropbox"),
        ("https://dropbox.com/scl/fo/abc/AAA", "dropbox"),
        ("https://fromsmash.com/Lot-4522-xyz", "fromsmash"),
        ("https://www.swisstransfer.com/d/5f0c2a1e-aaaa", "swisstransfer"),
        ("https://wetransfer.com/downloads/4f8e2a1b/6a7b", "wetransfer"),
        ("https://acme.wetransfer.com/downloads/4f8e2a1b/6a7b", "wetransfer"),
        ("https://we.tl/t-AbCdEf1234", "wetransfer"),
        ("HTTP://WWW.DROPBOX.COM/s/abc", "dropbox"),
    ],
)
def test_providers(url: str, provider: str) -> None:
    assert provider_of(url) == provider


@pytest.mark.parametrize(
    "url",
    [
        "https://dropbox.com.evil.example/scl/fo/x",
        "https://www.dropbox.com.evil.example/s/abc",
        "https://evil-dropbox.com/s/abc",
        "https://notwetransfer.com/downloads/abc",
        "https://we.tl.evil.example/t-abc",
        "https://www.dropbox.com@evil.example/s/abc",  # user-info trick: the host is evil
        "https://evil.example/?next=https://www.dropbox.com/s/abc",
        "https://www.dropbox.com/",  # no delivery path
        "https://www.dropbox.com/help/abc",
        "https://www.dropbox.com/l/tracking",
        "https://fromsmash.com/",
        "https://www.swisstransfer.com/",
        "https://wetransfer.com/",
        "https://www.dropbox.com:99999/s/abc",  # invalid port
        "https://[::1/s/abc",  # invalid IPv6 literal
    ],
)
def test_look_alikes_and_non_delivery_urls_are_not_links(url: str) -> None:
    assert provider_of(url) is None
    assert extract_links(f'<a href="{url}">x</a>') == []


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://we.tl/t-abc">x</a>',
        "<a href='https://we.tl/t-abc'>x</a>",
        "<a href=https://we.tl/t-abc>x</a>",
        '<img src="https://we.tl/t-abc">',
        "<p>Lien : https://we.tl/t-abc merci</p>",
    ],
    ids=["double-quotes", "single-quotes", "unquoted", "src", "text"],
)
def test_found_in_attributes_and_text(html: str) -> None:
    assert _urls(html) == ["https://we.tl/t-abc"]


def test_found_in_the_plain_body() -> None:
    assert _urls("<p>rien</p>", "Voici https://we.tl/t-plain.") == ["https://we.tl/t-plain"]


def test_html_links_come_before_plain_ones() -> None:
    html = '<a href="https://we.tl/t-html">x</a>'
    assert _urls(html, "https://we.tl/t-plain") == ["https://we.tl/t-html", "https://we.tl/t-plain"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("voir https://we.tl/t-abc.", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-abc, puis", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-abc; puis", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-abc: puis", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-abc!", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-abc?", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-abc...", "https://we.tl/t-abc"),
        ("(voir https://we.tl/t-abc)", "https://we.tl/t-abc"),
        ("voir https://we.tl/t-a(b)", "https://we.tl/t-a(b)"),
        ("voir (https://we.tl/t-a(b))", "https://we.tl/t-a(b)"),
        ("«https://we.tl/t-abc»", "https://we.tl/t-abc"),
        ("“https://we.tl/t-abc”", "https://we.tl/t-abc"),
        ("&lt;https://we.tl/t-abc&gt;", "https://we.tl/t-abc"),
        ("https://we.tl/t-abc?x=1&amp;y=2.", "https://we.tl/t-abc?x=1&y=2"),
    ],
)
def test_trailing_punctuation_is_not_part_of_the_url(text: str, expected: str) -> None:
    assert _urls(f"<p>{text}</p>") == [expected]


def test_html_entities_are_unescaped_in_urls() -> None:
    html = '<a href="https://www.dropbox.com/s/abc?rlkey=k&amp;dl=0&#38;e=1">x</a>'
    assert _urls(html) == ["https://www.dropbox.com/s/abc?rlkey=k&dl=0&e=1"]


def test_a_reference_without_semicolon_is_left_alone() -> None:
    # `&copy=2` is a query parameter, not the entity ©: browsers leave it too.
    assert _urls('<a href="https://we.tl/t-abc?a=1&copy=2">x</a>') == [
        "https://we.tl/t-abc?a=1&copy=2"
    ]


def test_duplicates_keep_the_first_occurrence_after_unescaping() -> None:
    html = (
        '<a href="https://we.tl/t-b">b</a>'
        '<a href="https://www.dropbox.com/s/a?x=1&amp;dl=0">a</a>'
        '<a href="https://www.dropbox.com/s/a?x=1&dl=0">a again</a>'
        '<a href="https://we.tl/t-b">b again</a>'
    )
    assert _urls(html) == ["https://we.tl/t-b", "https://www.dropbox.com/s/a?x=1&dl=0"]


@pytest.mark.parametrize(
    "name", ["ms_logo.png", "logo.PNG", "avatar-1.jpg", "profile.jpeg", "ms.gif", "logo.webp"]
)
def test_dropbox_preview_images_are_skipped(name: str) -> None:
    html = f'<img src="https://www.dropbox.com/scl/fi/aa11/{name}?rlkey=r&amp;raw=1">'
    assert extract_links(html) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://www.dropbox.com/scl/fi/aa11/photo_client.png?rlkey=r&raw=1",  # other name
        "https://www.dropbox.com/scl/fi/aa11/logo.png?rlkey=r&dl=0",  # not raw
        "https://www.dropbox.com/scl/fi/aa11/logo.pdf?rlkey=r&raw=1",  # not an image
        "https://www.dropbox.com/scl/fo/aa11/logo.png?rlkey=r&raw=1",  # a folder
    ],
)
def test_other_dropbox_files_are_links(url: str) -> None:
    assert _urls(f'<a href="{url}">x</a>') == [url]


def test_reference_example_direct_url() -> None:
    url = "https://www.dropbox.com/scl/fo/abc123def456/AAAxyz?rlkey=k9k9k9&amp;dl=0"
    assert (
        dropbox_direct_url(url)
        == "https://www.dropbox.com/scl/fo/abc123def456/AAAxyz?dl=1&rlkey=k9k9k9"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.dropbox.com/s/a/f.zip", "https://www.dropbox.com/s/a/f.zip?dl=1"),
        ("https://WWW.Dropbox.COM/s/a/F.zip?dl=0", "https://www.dropbox.com/s/a/F.zip?dl=1"),
        ("https://www.dropbox.com:443/s/a?dl=0", "https://www.dropbox.com/s/a?dl=1"),
        ("https://www.dropbox.com/s/a?dl=0#frag", "https://www.dropbox.com/s/a?dl=1"),
        (
            "https://www.dropbox.com/scl/fi/x/f.jpg?st=s1&rlkey=r&dl=0&e=2",
            "https://www.dropbox.com/scl/fi/x/f.jpg?dl=1&e=2&rlkey=r&st=s1",
        ),
        ("https://www.dropbox.com/s/a?dl=1&dl=0", "https://www.dropbox.com/s/a?dl=1"),
    ],
)
def test_direct_url_normalisation(url: str, expected: str) -> None:
    assert dropbox_direct_url(url) == expected


def test_extracted_dropbox_links_carry_the_direct_url() -> None:
    (link,) = extract_links('<a href="https://www.dropbox.com/s/a?dl=0">x</a>')
    assert link == Link(
        "dropbox", "https://www.dropbox.com/s/a?dl=0", "https://www.dropbox.com/s/a?dl=1"
    )


def test_other_providers_have_no_direct_url() -> None:
    (link,) = extract_links("https://fromsmash.com/abc")
    assert link.direct_url is None


def test_to_dict_omits_a_missing_direct_url() -> None:
    assert Link("fromsmash", "https://fromsmash.com/a").to_dict() == {
        "provider": "fromsmash",
        "raw_url": "https://fromsmash.com/a",
    }


def test_to_dict_includes_the_direct_url() -> None:
    assert Link("dropbox", "https://d", "https://e").to_dict() == {
        "provider": "dropbox",
        "raw_url": "https://d",
        "direct_url": "https://e",
    }


def test_huge_body_is_scanned() -> None:
    body = "https://" * 200_000 + " https://we.tl/t-end"
    assert _urls(body) == ["https://we.tl/t-end"]
