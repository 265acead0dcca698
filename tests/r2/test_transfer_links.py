"""Pure parts of the offload: what is copied, object keys, file names, reuse lifetime."""

from __future__ import annotations

import hashlib
import threading

import pytest

from config.keys import r2_reuse_ttl
from services.offload.file_fetch import (
    clean_filename,
    filename_from_disposition,
    key_segment,
    mask_url,
)
from services.offload.service import CopyPool, Outcome
from services.offload.storage import _parts, content_disposition
from services.offload.transfer_links import object_key, plan, url_filename


def test_the_object_key_follows_the_old_formula():
    url = "https://www.dropbox.com/scl/fi/abc/report.pdf?dl=1&rlkey=k9"
    digest = hashlib.sha256(url.encode()).hexdigest()
    assert object_key("dropbox", url) == f"dropbox/{digest[:8]}/{digest[8:16]}/report.pdf"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.dropbox.com/scl/fi/abc/report.pdf?dl=1", "report.pdf"),
        ("https://www.dropbox.com/scl/fo/abc/AAAxyz?dl=1", "file"),
        ("https://wetransfer.com/downloads/abc/def", "file"),
    ],
)
def test_the_key_file_name_is_the_last_segment_with_a_dot(url, name):
    assert url_filename(url) == name


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            {
                "provider": "dropbox",
                "raw_url": "https://www.dropbox.com/scl/fo/x/A?dl=0",
                "direct_url": "https://www.dropbox.com/scl/fo/x/A?dl=1",
            },
            ("https://www.dropbox.com/scl/fo/x/A?dl=1", True, None),
        ),
        (
            {"provider": "dropbox", "raw_url": "https://www.dropbox.com/request/AbC"},
            ("https://www.dropbox.com/request/AbC", False, "not_a_file"),
        ),
        (
            {"provider": "wetransfer", "raw_url": "https://we.tl/t-AbC"},
            ("https://we.tl/t-AbC", False, None),
        ),
    ],
)
def test_plan_picks_the_direct_form_folders_and_file_requests(link, expected):
    source = plan(link)
    assert (source.url, source.folder, source.unsupported) == expected


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="report.pdf"', "report.pdf"),
        ("attachment; filename*=UTF-8''%C3%89t%C3%A9%202026.pdf", "Été 2026.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="a\\\\b\\\\c.txt"', "c.txt"),
        ('attachment; filename=".."', None),
        ("inline", None),
        (None, None),
    ],
)
def test_file_names_come_from_content_disposition_without_paths(header, name):
    assert filename_from_disposition(header) == name


def test_control_characters_are_dropped_and_long_names_cut():
    assert clean_filename("a\x00b\nc.pdf") == "abc.pdf"
    assert len(clean_filename("x" * 400 + ".pdf")) == 255


@pytest.mark.parametrize(
    ("name", "segment"),
    [("Été 2026.pdf", "t_2026.pdf"), ("a b/c?.zip", "a_b_c_.zip"), ("...", "file")],
)
def test_key_segments_are_plain_ascii(name, segment):
    assert key_segment(name) == segment


def test_stored_disposition_keeps_the_exact_name():
    header = content_disposition('Été "final".pdf')
    assert filename_from_disposition(header) == 'Été "final".pdf'
    assert header.isascii()


def test_streams_are_recut_into_equal_parts():
    parts = list(_parts([b"abc", b"defgh", b"", b"ij"], 4))
    assert parts == [b"abcd", b"efgh", b"ij"]


def test_urls_in_logs_keep_only_the_host():
    assert mask_url("https://www.dropbox.com/scl/fi/x/a.pdf?rlkey=secret") == (
        "https://www.dropbox.com/…"
    )


@pytest.mark.parametrize(("hours", "ttl"), [(24, 23 * 3600), (1, 2700), (2, 5400)])
def test_a_copy_is_reused_a_margin_before_the_object_expires(hours, ttl):
    assert r2_reuse_ttl(hours * 3600) == ttl


def test_the_copy_pool_refuses_work_past_its_backlog():
    started, release = threading.Event(), threading.Event()

    def blocking():
        started.set()
        release.wait(10)
        return Outcome(error="first")

    pool = CopyPool(1, backlog=1)
    try:
        running = pool.submit(blocking)
        assert started.wait(10)  # the only thread is busy, the queue is empty
        queued = pool.submit(lambda: Outcome(error="second"))
        assert queued is not None
        assert pool.submit(lambda: Outcome(error="third")) is None
        release.set()
        assert (running.result(10).error, queued.result(10).error) == ("first", "second")
    finally:
        release.set()
        pool.close()
