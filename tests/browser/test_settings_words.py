"""Schedule, Preferences, Flags, Access and Tools in words, in English and French, at 1280 and
375 px: the retry schedule read and typed as human durations, the week at a glance, detector
names instead of codes, and no page that scrolls sideways. Screenshots of each screen."""

# ruff: noqa: RUF001  (the expected words keep their typography: apostrophes, dashes)
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Live, shot

SCREENS = ("overview", "schedule", "preferences", "flags", "access", "tools")
WORDS = {
    "en": {
        "retry": "Retry schedule",
        "save": "Save",
        "saved": r"Saved \(version \d+\)",
        "summary": "3 attempts; the last one 1 min 10 s after the email arrives",
        "week": "The week at a glance",
        "monday": "Monday: 09:00–18:00",
        "sunday": "Sunday: absence day",
        "detector": "Emails of “Recadrage missions”",
    },
    "fr": {
        "retry": "Calendrier des tentatives",
        "save": "Enregistrer",
        "saved": r"Enregistré \(version \d+\)",
        "summary": "3 tentatives ; la dernière 1 min 10 s après l’arrivée de l’e-mail",
        "week": "La semaine en un coup d’œil",
        "monday": "Lundi : 09:00–18:00",
        "sunday": "Dimanche : jour d’absence",
        "detector": "E-mails « Missions Recadrage »",
    },
}


def in_language(page: Any, lang: str) -> None:
    if lang == "fr":
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("tab", name="Règles").wait_for()


def open_screen(page: Any, screen: str) -> Any:
    page.goto(f"/#/{screen}")
    panel = page.locator(f"#panel-{screen}")
    panel.locator(":scope > *").first.wait_for()
    page.wait_for_load_state("networkidle")
    return panel


def no_sideways_scroll(page: Any, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("innerWidth"), f"{where} scrolls sideways ({width} px)"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_retry_schedule_is_read_and_typed_as_durations(
    signed_in: Any, live: Live, lang: str
) -> None:
    prefs = live.admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0, 5, 300, 1800, 7200]
    assert live.admin.put("/api/preferences", json=prefs).status_code == 200
    page = signed_in
    in_language(page, lang)
    words = WORDS[lang]
    panel = open_screen(page, "preferences")
    retry = panel.get_by_label(words["retry"], exact=True)
    assert retry.input_value() == "0 s, 5 s, 5 min, 30 min, 2 h"
    retry.fill("0, 10 s, 1 min")
    panel.get_by_text(words["summary"]).wait_for()
    panel.get_by_role("button", name=words["save"]).click()
    page.get_by_text(re.compile(words["saved"])).wait_for()
    assert live.admin.get("/api/preferences").get_json()["document"]["retry_schedule"] == [
        0,
        10,
        60,
    ]
    retry.fill("0, soon")
    assert retry.get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_schedule_shows_the_week_and_names_detectors_in_words(
    signed_in: Any, live: Live, lang: str
) -> None:
    doc = live.admin.get("/api/time_windows").get_json()
    doc["document"]["window"] = {"start": "09:00", "end": "18:00"}
    doc["document"]["absence_days"] = ["sunday"]
    body = {"version": doc["version"], "document": doc["document"]}
    assert live.admin.put("/api/time_windows", json=body).status_code == 200
    page = signed_in
    in_language(page, lang)
    words = WORDS[lang]
    panel = open_screen(page, "schedule")
    week = panel.get_by_role("region", name=words["week"])
    week.get_by_role("listitem", name=words["monday"]).wait_for()
    week.get_by_role("listitem", name=words["sunday"]).wait_for()
    panel.get_by_label(words["detector"], exact=True).wait_for()
    assert "desabonnement_journee_tarifs" not in panel.inner_text()


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots_of_my_screens(
    signed_in: Any, live: Live, email_payload: Any, lang: str, width: int
) -> None:
    live.push(email_payload())
    live.admin.post("/api/magic_links", json={"name": "Laptop", "days": 3})
    page = signed_in
    in_language(page, lang)
    page.set_viewport_size({"width": width, "height": 900})
    for screen in SCREENS:
        open_screen(page, screen)
        no_sideways_scroll(page, screen)
        shot(page, f"{screen}-{lang}-{width}")
