"""A target's success and latency over time on the Targets screen, in English and French at
1280 and 375 px: the list row's last 24 hours, the detail's totals and two charts drawn at
their width (24 hours by hour, 7 days by day), and the honest empty state of a target that was
never tried."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import Live, shot
from tests.support.sink import Reply

WIDTHS = (1280, 375)
WORDS = {
    "en": {
        "tab": "Targets",
        "edit": "Edit — {name}",
        "week": "Last 7 days",
        "empty": "No attempts yet in the last 24 hours.",
        "row_none": "Last 24 h: no attempts yet",
        "rate": "75%",
    },
    "fr": {
        "tab": "Cibles",
        "edit": "Modifier — {name}",
        "week": "7 derniers jours",
        "empty": "Aucune tentative ces dernières 24 heures pour l\u2019instant.",
        "row_none": "Dernières 24 h : aucune tentative pour l\u2019instant",
        "rate": "75\u00a0%",
    },
}


def seed(live: Live, email_payload: Any) -> None:
    """Four attempts to the default target: a 500 then its retry (slow 200), two quick 200s;
    and a second target that was never tried."""
    live.sink.script("/hook", 500, Reply(200, delay=0.4), 200)
    for n in range(3):
        link = f"https://www.dropbox.com/scl/fo/stats{n}/AAA?rlkey=k&dl=0"
        live.push(email_payload(body=f'<p>Lot {n} <a href="{link}">lien</a></p>'))
    live.sink.wait_for(4, timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        day = live.admin.get("/api/targets/default/stats").get_json()["total"]
        if day["attempts"] == 4:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the attempts were not all counted: {day}")
    resp = live.admin.post("/api/targets", json={"name": "Quiet", "url": live.sink.url("/quiet")})
    assert resp.status_code == 201, resp.get_json()


def open_targets(page: Any, lang: str) -> Any:
    if lang == "fr":
        page.get_by_label("Language").select_option("fr")
    page.get_by_role("tab", name=WORDS[lang]["tab"]).click()
    panel = page.locator("#panel-targets")
    panel.locator("tbody tr").first.wait_for()
    return panel


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, "Targets scrolls sideways"


def charts_fit(page: Any) -> None:
    """Both charts drawn at the width they are shown, with bars."""
    page.wait_for_function(
        "() => { const s = [...document.querySelectorAll('.target-stats svg.chart')];"
        " return s.length === 2 && s.every((c) => Math.abs(c.viewBox.baseVal.width"
        " - c.parentElement.clientWidth) < 2 && c.querySelector('rect')); }"
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_target_shows_its_success_and_latency_over_time(
    live: Live, signed_in: Any, email_payload: Any, lang: str
) -> None:
    seed(live, email_payload)
    page, words = signed_in, WORDS[lang]
    panel = open_targets(page, lang)
    quiet_row = panel.locator("tr[data-target=quiet]")
    assert quiet_row.locator(".target-day").inner_text() == words["row_none"]
    default_row = panel.locator("tr[data-target=default]")
    assert words["rate"] in default_row.locator(".target-day").inner_text()

    default_row.get_by_role("button", name=words["edit"].format(name="WEBHOOK_URL")).click()
    card = panel.locator(".target-stats[data-target=default]")
    card.locator("dl.facts").wait_for()
    assert card.locator("[data-rate]").inner_text() == words["rate"]
    assert "ms" in card.locator("dl.facts").inner_text()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        charts_fit(page)
        rects = card.locator("svg.chart rect")
        assert rects.count() >= 2
        no_sideways_scroll(page)
        card.scroll_into_view_if_needed()
        shot(page, f"targets-stats-{lang}-{width}")

    card.get_by_role("button", name=words["week"]).click()
    page.locator(".target-stats button[data-range='7d'][aria-pressed=true]").wait_for()
    # The day's charts stay while the week's load (the body is aria-busy): wait for the week's.
    card.locator(".target-stats-body:not([aria-busy]) svg.chart").first.wait_for()
    charts_fit(page)
    assert card.locator("svg.chart .day-label").count() >= 1
    shot(page, f"targets-stats-week-{lang}-375")

    page.set_viewport_size({"width": 1280, "height": 900})
    quiet_row.get_by_role("button", name=words["edit"].format(name="Quiet")).click()
    empty = panel.locator(".target-stats[data-target=quiet] .target-stats-empty")
    assert empty.inner_text() == words["empty"]
    assert panel.locator(".target-stats[data-target=quiet] svg.chart").count() == 0
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        no_sideways_scroll(page)
        shot(page, f"targets-stats-empty-{lang}-{width}")
