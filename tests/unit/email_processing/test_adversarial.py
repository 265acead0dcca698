"""The adversarial corpus (bench/adversarial.py) through the whole analysis: right answers
and every cap respected. How long each takes is the benchmark's to say, not the tests'."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bench.adversarial import CORPUS
from email_processing.detectors import run_detectors
from email_processing.inbound import InboundEmail
from email_processing.links import MAX_CANDIDATES, extract_links
from email_processing.normalize import normalize_email
from email_processing.rules import RuleSet, compile_rules, evaluate

SIZE = 256 * 1024  # enough to be hostile, small enough for a unit test run
CAP = 128 * 1024
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
RULES = compile_rules(
    RuleSet.model_validate(
        {
            "rules": [
                {
                    "id": "r",
                    "conditions": [{"field": "body", "operator": "regex", "value": "lot [0-9]+"}],
                    "actions": {"targets": ["t"]},
                }
            ]
        }
    )
)


def analyse(body: str):
    email = InboundEmail(sender="A <a@example.com>", subject="Lot urgence", date="d", body=body)
    normalized = normalize_email(email, max_body_chars=CAP)
    links = extract_links(normalized.body_html, normalized.plain_body)
    detector = run_detectors(normalized, links, NOW, {"recadrage", "desabonnement_journee_tarifs"})
    return normalized, links, detector, evaluate(RULES, normalized, links, detector)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_hostile_body_is_analysed_within_its_caps(name):
    normalized, links, _, decision = analyse(CORPUS[name](SIZE))
    assert normalized.truncated is True
    assert len(normalized.body_html) == CAP
    assert len(normalized.body_text) <= CAP
    assert len(links) <= MAX_CANDIDATES
    assert decision.trace  # the rules ran to the end


def test_link_punctuation_does_not_make_a_link_of_the_sentence():
    _, links, _, _ = analyse(CORPUS["provider_link_then_brackets"](SIZE))
    assert [link.raw_url for link in links] == ["https://www.dropbox.com/s/abc/file.pdf"]


def test_thousands_of_links_keep_the_first_ones_in_order():
    _, links, _, _ = analyse(CORPUS["thousands_of_links"](SIZE))
    assert links[0].raw_url == "https://www.dropbox.com/s/0/f.pdf"
    assert links[1].raw_url == "https://www.dropbox.com/s/1/f.pdf"


def test_a_link_inside_another_link_is_not_taken_for_a_delivery_link():
    _, links, _, _ = analyse(CORPUS["link_inside_link"](SIZE))
    assert links == []
