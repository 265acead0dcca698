"""Detectors: recadrage and DESABO business rules (docs/old-router.md), and the registry."""

from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Any

import pytest

from email_processing.detectors import DETECTOR_NAMES, DetectorMatch, run_detectors
from email_processing.detectors.desabo import Desabonnement
from email_processing.detectors.recadrage import Recadrage
from email_processing.links import Link, extract_links
from tests.unit.email_processing.helpers import NOW, PARIS, UTC, email

RECADRAGE_SUBJECT = "Média Solution - Missions Recadrage - Lot 4521"
DROPBOX = '<a href="https://www.dropbox.com/scl/fo/a/AA?rlkey=k">lien</a>'


def _recadrage(subject: str = RECADRAGE_SUBJECT, body: str = "", now: datetime = NOW) -> Any:
    normalized = email(subject=subject, body=body)
    found = Recadrage().match(normalized, extract_links(normalized.body_html), now)
    return found.annotations["delivery_time"] if found else None


def _desabo(subject: str = "Info", body: str = "", links: list[Link] | None = None) -> Any:
    normalized = email(subject=subject, body=body)
    found_links = extract_links(normalized.body_html) if links is None else links
    return Desabonnement().match(normalized, found_links, NOW)


@pytest.mark.parametrize(
    "subject",
    [
        RECADRAGE_SUBJECT,
        "Media Solution - missions recadrage - lot 88",
        "TR: MÉDIA SOLUTION / Missions  Recadrage / Lot 7",
        "M&eacute;dia Solution - Missions Recadrage - Lot 1",
    ],
)
def test_recadrage_subjects(subject: str) -> None:
    assert _recadrage(subject, f"à faire pour 14h30 {DROPBOX}") == "14h30"


@pytest.mark.parametrize(
    "subject", ["Média Solution - Lot 4", "Missions Recadrage - Lot 4", "Média Solution Recadrage"]
)
def test_recadrage_needs_every_subject_marker(subject: str) -> None:
    assert _recadrage(subject, f"à faire pour 14h30 {DROPBOX}") is None


@pytest.mark.parametrize(
    "link",
    [
        DROPBOX,
        '<a href="https://fromsmash.com/abc">x</a>',
        '<a href="https://www.swisstransfer.com/d/abc">x</a>',
    ],
)
def test_recadrage_link_providers(link: str) -> None:
    assert _recadrage(body=f"à faire pour 14h30 {link}") == "14h30"


@pytest.mark.parametrize(
    "link", ['<a href="https://we.tl/t-abc">x</a>', '<a href="https://example.com/x">x</a>', ""]
)
def test_recadrage_needs_a_dropbox_smash_or_swisstransfer_link(link: str) -> None:
    assert _recadrage(body=f"à faire pour 14h30 {link}") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("à faire pour 14h30", "14h30"),
        ("A FAIRE POUR 9h", "09h00"),
        ("a faire pour 9h.", "09h00"),
        ("à faire pour à 10h15", "10h15"),
        ("à faire pour 16:45", "16h45"),
        ("à faire pour 7:05 svp", "07h05"),
        ("à faire pour le 21/11/2026 à 9h", "le 21/11/2026 à 09h00"),
        ("a faire pour le 21/11/2026 a 18h30", "le 21/11/2026 à 18h30"),
        ("à faire pour le 1/2/2027 à 08:00", "le 01/02/2027 à 08h00"),
        ("À faire pour le 21/11/2026 à 09h00", "le 21/11/2026 à 09h00"),
        ("livraison vers 11h45 merci", "11h45"),
        ("livraison vers 11:45 merci", "11h45"),
        ("retour à 18h, puis à faire pour 20h", "20h00"),
        ("à faire pour 25h puis à faire pour 13h", "13h00"),  # invalid hour skipped
        ("le 21/11/2026 à 9h et à faire pour 10h", "10h00"),  # the date needs "à faire pour le"
        ("à faire pour 14h30 <b>ou</b> le 22/11/2026", "14h30"),
        ("disponible 24h/24, rendu 17h", "17h00"),
        ("réf 123h45 puis 9hrs puis 10h", "10h00"),  # not glued to digits or letters
    ],
)
def test_recadrage_delivery_time(text: str, expected: str) -> None:
    assert _recadrage(body=f"<p>{text}</p>{DROPBOX}") == expected


def test_recadrage_without_a_time_is_not_a_match() -> None:
    assert _recadrage(body=f"<p>Le lot est prêt.</p>{DROPBOX}") is None


def test_recadrage_urgence_is_now_plus_one_hour_in_the_zone_of_now() -> None:
    now = datetime(2026, 11, 20, 22, 40, tzinfo=UTC).astimezone(PARIS)  # 23h40 in Paris
    assert _recadrage(f"URGENCE {RECADRAGE_SUBJECT}", f"à faire pour 14h {DROPBOX}", now) == "00h40"


def test_recadrage_urgence_counts_real_time_across_dst() -> None:
    now = datetime(2026, 3, 29, 1, 30, tzinfo=PARIS)  # clocks jump 02:00 -> 03:00
    assert _recadrage(f"Urgence {RECADRAGE_SUBJECT}", DROPBOX, now) == "03h30"


def test_recadrage_urgence_is_flagged_urgent() -> None:
    normalized = email(subject=f"URGENCE {RECADRAGE_SUBJECT}", body=DROPBOX)
    found = Recadrage().match(normalized, extract_links(normalized.body_html), NOW)
    assert found == DetectorMatch("recadrage", {"delivery_time": "11h15", "urgent": True})


DESABO_BODY = "<p>La journée de samedi aux tarifs habituels : désabonnement svp.</p>"


def test_desabo_matches() -> None:
    assert _desabo(body=DESABO_BODY) == DetectorMatch(
        "desabonnement_journee_tarifs", {"urgent": False}
    )


@pytest.mark.parametrize(
    "body",
    [
        "<p>Tarifs habituels, désabonnement.</p>",  # no journée
        "<p>Journée, désabonnement.</p>",  # no tarifs habituels
        "<p>Journée aux tarifs habituels.</p>",  # no unsubscribe sign
    ],
)
def test_desabo_requirements(body: str) -> None:
    assert _desabo(body=body) is None


def test_desabo_unsubscribe_word_may_be_in_the_subject() -> None:
    assert _desabo("Désabonnement", "<p>Journée aux tarifs habituels.</p>") is not None


def test_desabo_dropbox_request_link_replaces_the_unsubscribe_word() -> None:
    body = '<p>Journée aux tarifs habituels.</p><a href="https://www.dropbox.com/request/Ab1">x</a>'
    assert _desabo(body=body) is not None


def test_desabo_other_dropbox_links_do_not() -> None:
    body = '<p>Journée aux tarifs habituels.</p><a href="https://www.dropbox.com/s/Ab1">x</a>'
    assert _desabo(body=body) is None


@pytest.mark.parametrize(
    "word", ["annulation", "facturation", "facture", "moment", "référence client", "Total HT"]
)
def test_desabo_forbidden_words_cancel_in_body(word: str) -> None:
    assert _desabo(body=f"{DESABO_BODY}<p>{word}</p>") is None


def test_desabo_forbidden_words_cancel_in_subject() -> None:
    assert _desabo("Facture et désabonnement", DESABO_BODY) is None


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("URGENT désabonnement", DESABO_BODY),
        ("Info", DESABO_BODY + "<p>C'est urgent.</p>"),
        ("Urgence", DESABO_BODY),
        ("Demande urgente", DESABO_BODY),
    ],
)
def test_desabo_urgency(subject: str, body: str) -> None:
    found = _desabo(subject, body)
    assert found is not None
    assert found.urgent is True


def test_desabo_entity_encoded_text() -> None:
    body = "<p>La journ&eacute;e aux tarifs habituels, d&eacute;sabonnement.</p>"
    assert _desabo(body=body) is not None


def test_registry_lists_both_detectors_in_order() -> None:
    assert DETECTOR_NAMES == ("recadrage", "desabonnement_journee_tarifs")


def test_run_detectors_returns_the_match() -> None:
    normalized = email(body=DESABO_BODY)
    found = run_detectors(normalized, [], NOW)
    assert found is not None
    assert found.detector == "desabonnement_journee_tarifs"


def test_run_detectors_skips_switched_off_detectors() -> None:
    assert run_detectors(email(body=DESABO_BODY), [], NOW, enabled={"recadrage"}) is None


def test_run_detectors_with_nothing_enabled() -> None:
    assert run_detectors(email(body=DESABO_BODY), [], NOW, enabled=()) is None


def test_run_detectors_first_match_wins() -> None:
    # Both detectors would match this email; recadrage comes first in the registry.
    normalized = email(subject=RECADRAGE_SUBJECT, body=f"{DESABO_BODY} à faire pour 9h {DROPBOX}")
    links = extract_links(normalized.body_html)
    assert Desabonnement().match(normalized, links, NOW) is not None
    found = run_detectors(normalized, links, NOW)
    assert found is not None
    assert found.detector == "recadrage"


def test_run_detectors_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        run_detectors(email(), [], datetime(2026, 11, 20, 10, 0))


def test_detector_match_to_dict() -> None:
    found = DetectorMatch("recadrage", {"delivery_time": "14h30", "urgent": False})
    assert found.to_dict() == {"detector": "recadrage", "delivery_time": "14h30", "urgent": False}


# -- "tarifs habituels" found by RE2 exactly as Python's re.IGNORECASE found it ----------------

USUAL_RATES_BEFORE = re.compile(r"tarifs\s+habituels", re.IGNORECASE)


def test_the_spelled_out_cases_are_exactly_ignorecase() -> None:
    from email_processing.detectors.desabo import EXTRA_CASES, SPACE

    for letter in "abcdefghijklmnopqrstuvwxyz":
        expected = {chr(c) for c in range(0x10000) if re.fullmatch(letter, chr(c), re.IGNORECASE)}
        assert expected == {letter, letter.upper(), *EXTRA_CASES.get(letter, "")}, letter
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    spelled = set()
    for first, last in re.findall(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?", SPACE):
        spelled.update(map(chr, range(int(first, 16), int(last or first, 16) + 1)))
    assert spelled == spaces


def test_usual_rates_are_found_as_before_on_random_texts() -> None:
    from email_processing.detectors.desabo import _USUAL_RATES

    rng = random.Random(20261203)
    pool = list("tarifshbuelTARIFSHBUEL xyz\u0130\u0131\u017f\u212a\xa0\t\n\u3000\u2028é")
    words = ["tarifs habituels", "TARIFS\xa0\u3000HABITUELS", "tar\u0131fs hab\u0130tuel\u017f"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.3:
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(words) + text[at:]
        before = USUAL_RATES_BEFORE.search(text) is not None
        assert (_USUAL_RATES.search(text) is not None) == before, repr(text)


def test_clock_times_are_found_as_before_on_random_texts() -> None:
    from email_processing.detectors.timeparse import TIME

    before = re.compile(r"(?<![\d:])(\d{1,2})(?:h(\d{2})?(?![\da-z])|:(\d{2})(?!\d))")
    now = re.compile(TIME)
    rng = random.Random(20261203)
    pool = list("0123456789:h ab\n٣")  # an Arabic-Indic digit: `\d` is Unicode
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 16)))
        expected = [(m.span(), m.groups()) for m in before.finditer(text)]
        assert [(m.span(), m.groups()) for m in now.finditer(text)] == expected, repr(text)
