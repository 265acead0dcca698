"""Every shared sample email gives the expected detector, delivery time and links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from email_processing.detectors import run_detectors
from email_processing.inbound import InboundEmail
from email_processing.links import extract_links
from email_processing.normalize import normalize_email
from tests.unit.email_processing.helpers import FIXTURES_DIR, NOW, load_fixtures

FIXTURES = load_fixtures()


def _analyse(fixture: dict[str, Any]) -> tuple[Any, list[dict[str, str]]]:
    email = normalize_email(InboundEmail.model_validate(fixture["payload"]))
    links = extract_links(email.body_html, email.plain_body)
    found = run_detectors(email, links, NOW)
    return found, [{"provider": link.provider, "raw_url": link.raw_url} for link in links]


def _expected_time(value: str) -> str:
    if value == "now+1h":
        return (NOW + timedelta(hours=1)).strftime("%Hh%M")
    return value


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 10


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f["name"] for f in FIXTURES])
def test_detector(fixture: dict[str, Any]) -> None:
    found, _ = _analyse(fixture)
    assert (found.detector if found else None) == fixture["expect"]["detector"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f["name"] for f in FIXTURES])
def test_links(fixture: dict[str, Any]) -> None:
    _, links = _analyse(fixture)
    assert links == fixture["expect"]["links"]


WITH_TIME = [f for f in FIXTURES if "delivery_time" in f["expect"]]


@pytest.mark.parametrize("fixture", WITH_TIME, ids=[f["name"] for f in WITH_TIME])
def test_delivery_time(fixture: dict[str, Any]) -> None:
    found, _ = _analyse(fixture)
    assert found is not None
    assert found.annotations["delivery_time"] == _expected_time(fixture["expect"]["delivery_time"])


WITH_URGENCY = [f for f in FIXTURES if "urgent" in f["expect"]]


@pytest.mark.parametrize("fixture", WITH_URGENCY, ids=[f["name"] for f in WITH_URGENCY])
def test_urgency(fixture: dict[str, Any]) -> None:
    found, _ = _analyse(fixture)
    assert found is not None
    assert found.urgent is fixture["expect"]["urgent"]


SHARED = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "emails"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared sample set is not beside this checkout")
def test_the_repository_copy_matches_the_shared_sample_set() -> None:
    ours = {p.name: p.read_bytes() for p in FIXTURES_DIR.glob("*.json")}
    shared = {p.name: p.read_bytes() for p in SHARED.glob("*.json")}
    assert ours == shared
