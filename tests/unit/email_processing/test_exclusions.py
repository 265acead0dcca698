"""Exclusion keywords (processing preferences)."""

from __future__ import annotations

from email_processing.exclusions import excluded
from tests.unit.email_processing.helpers import email

SAMPLE = email(subject="Relance facture", body="<p>Merci de régler la <b>NOTE  de frais</b>.</p>")


def test_a_global_keyword_in_the_body_is_found_folded() -> None:
    assert excluded(SAMPLE, None, ["Note de Frais"], {}) == "Note de Frais"


def test_a_global_keyword_in_the_subject() -> None:
    assert excluded(SAMPLE, None, ["FACTURE"], {}) == "FACTURE"


def test_accents_do_not_matter() -> None:
    assert excluded(SAMPLE, None, ["reglér"], {}) == "reglér"


def test_no_keyword_found() -> None:
    assert excluded(SAMPLE, None, ["devis", "annulation"], {}) is None


def test_the_first_configured_keyword_found_is_returned() -> None:
    assert excluded(SAMPLE, None, ["devis", "frais", "facture"], {}) == "frais"


def test_empty_keywords_are_ignored() -> None:
    assert excluded(SAMPLE, None, ["", "   "], {}) is None


def test_detector_keywords_apply_to_that_detector_only() -> None:
    per_detector = {"recadrage": ["frais"]}
    assert excluded(SAMPLE, "recadrage", [], per_detector) == "frais"
    assert excluded(SAMPLE, "desabonnement_journee_tarifs", [], per_detector) is None
    assert excluded(SAMPLE, None, [], per_detector) is None


def test_global_keywords_come_before_detector_ones() -> None:
    assert excluded(SAMPLE, "recadrage", ["facture"], {"recadrage": ["frais"]}) == "facture"
