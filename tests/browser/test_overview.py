"""The Overview in a real browser, in English and French, at 1280 and 375 px: the first-run
checklist ticking itself from real state, key figures that never wrap into a column of words,
relative times with the exact time on hover, and a chart with whole-number ticks whose day
labels sit under their own bars in any time zone and which redraws when its width changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from tests.browser.conftest import Live, serving, shot, sign_in, watched_page
from tests.conftest import TEST_TOKEN, AppFactory
from tests.support.sink import Sink

WIDTHS = (1280, 375)
WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
}


@pytest.fixture
def fresh(make_app: AppFactory, sink: Sink, durable_redis: str) -> Iterator[Live]:
    """A Relais as first installed: no WEBHOOK_URL, so no target, nothing received yet."""
    client = redis.Redis.from_url(durable_redis)
    client.flushdb()
    client.close()
    app = make_app(redis_url=durable_redis, worker_threads=1, retry_schedule="0,1")
    with serving(app, sink) as running:
        yield running


def overview(page: Any, lang: str) -> Any:
    if lang == "fr":
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("tab", name="Vue d'ensemble").wait_for()
    panel = page.locator("#panel-overview")
    panel.locator("[data-loaded=true]").or_(panel.locator("[data-metric=emails]")).first.wait_for()
    return panel


def refresh(page: Any, lang: str) -> None:
    name = "Refresh now" if lang == "en" else "Actualiser"
    with page.expect_response(re.compile(r"/api/stats")):
        page.locator("#panel-overview").get_by_role("button", name=name).click()
    page.wait_for_timeout(150)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("innerWidth")
    assert width <= inner, f"the page scrolls sideways ({width} > {inner} px)"


def step_states(panel: Any) -> dict[str, str]:
    items = panel.locator(".setup-step")
    return {
        items.nth(i).get_attribute("data-step"): items.nth(i).get_attribute("data-state")
        for i in range(items.count())
    }


def y_ticks(panel: Any) -> list[str]:
    texts: list[str] = panel.locator("svg.chart .y-tick text").evaluate_all(
        "els => els.map((e) => e.textContent)"
    )
    return texts


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_fresh_install_gets_a_checklist_that_ticks_itself(
    browser: Any, fresh: Live, email_payload: Any, lang: str
) -> None:
    with watched_page(browser, fresh) as page:
        sign_in(page)
        panel = overview(page, lang)
        setup = panel.locator(".setup")
        setup.wait_for()
        assert step_states(panel) == {
            "target": "todo",
            "test": "todo",
            "ingress": "todo",
            "first_email": "todo",
            "gmail": "todo",
        }
        address = setup.locator("input.copy-value").input_value()
        assert address == f"{fresh.url}/api/ingress/gmail"
        assert fresh.url in setup.inner_text()
        assert "PROCESS_API_TOKEN" in setup.inner_text()
        assert TEST_TOKEN not in page.content()
        assert y_ticks(panel) == ["0", "1"], "a fresh chart counts whole deliveries"
        empty = "No delivery in the last 7 days yet." if lang == "en" else "Aucune livraison"
        assert empty in panel.locator("svg.chart").inner_html()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(100)
            no_sideways_scroll(page)
            shot(page, f"overview-fresh-{lang}-{width}")
        page.set_viewport_size({"width": 1280, "height": 900})

        created = fresh.admin.post(
            "/api/targets",
            json={"name": "Sink", "url": fresh.sink.url(), "options": {"default": True}},
        )
        assert created.status_code == 201, created.get_json()
        target = created.get_json()["target"]
        refresh(page, lang)
        assert step_states(panel)["target"] == "done"
        assert step_states(panel)["test"] == "todo"

        sent = fresh.admin.post(f"/api/targets/{target['id']}/test", json={"mode": "send"})
        assert sent.status_code == 200, sent.get_json()
        refresh(page, lang)
        assert step_states(panel)["test"] == "done"

        payload = email_payload()
        payload["body"] = '<a href="https://we.tl/t-abc">lien</a>'
        fresh.push(payload)
        fresh.sink.wait_for(2)
        page.wait_for_timeout(300)
        refresh(page, lang)
        setup.wait_for(state="detached")
        assert panel.locator(".setup-again").count() == 0, "all done: nothing left to show"


def test_the_checklist_can_be_hidden_and_brought_back(browser: Any, fresh: Live) -> None:
    with watched_page(browser, fresh) as page:
        sign_in(page)
        panel = overview(page, "en")
        panel.get_by_role("button", name="Hide these steps").click()
        panel.locator(".setup").wait_for(state="detached")
        page.reload()
        again = page.locator("#panel-overview").get_by_role("button", name="Show the setup steps")
        again.wait_for()
        assert page.locator("#panel-overview .setup").count() == 0
        again.click()
        page.locator("#panel-overview .setup").wait_for()


def seed_week(live: Live, now: float) -> list[int]:
    """Deliveries in every hour of the last week, a count changing by day, as the worker counts."""
    relais = live.app.extensions["relais"]
    first = int(now // 3600 * 3600) - 167 * 3600
    hours = [first + i * 3600 for i in range(168)]
    pipe = relais.redis.pipeline()
    for i, hour in enumerate(hours):
        pipe.hset(
            relais.keys.stats_hour(hour),
            mapping={"delivered": 1 + (i // 24) % 3, "dead": int(i % 5 == 0)},
        )
    pipe.execute()
    return hours


LABELS_AND_BARS = """() => {
  const svg = document.querySelector('#panel-overview svg.chart');
  const labels = [...svg.querySelectorAll('text.day-label')]
    .map((t) => ({ text: t.textContent, x: Number(t.getAttribute('x')) }));
  const bars = [...svg.querySelectorAll('rect')].map((r) => ({
    x: Number(r.getAttribute('x')) + Number(r.getAttribute('width')) / 2,
    hour: Number(r.dataset.hour),
  }));
  return [labels, bars];
}"""


def labels_and_bars(page: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    found: tuple[list[dict[str, Any]], list[dict[str, Any]]] = page.evaluate(LABELS_AND_BARS)
    return found


@pytest.mark.parametrize(("lang", "zone"), [("en", "Asia/Kolkata"), ("fr", "America/Los_Angeles")])
def test_each_day_label_sits_under_its_own_bars_at_every_width(
    browser: Any, live: Live, lang: str, zone: str
) -> None:
    context = browser.new_context(
        base_url=live.url, viewport={"width": 1280, "height": 900}, timezone_id=zone
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    seed_week(live, datetime.now().timestamp())
    sign_in(page)
    panel = overview(page, lang)
    drawn: list[str] = []
    for width in (1280, 760, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(
            "w => { const s = document.querySelector('#panel-overview svg.chart');"
            " return s && Math.abs(s.viewBox.baseVal.width - s.parentElement.clientWidth) < 2; }",
            arg=width,
        )
        labels, bars = labels_and_bars(page)
        drawn.append(panel.locator("svg.chart").get_attribute("viewBox"))
        assert len(labels) >= 6, labels
        for label in labels:
            nearest = min(bars, key=lambda b: abs(b["x"] - label["x"]))
            day = datetime.fromtimestamp(nearest["hour"], ZoneInfo(zone))
            assert label["text"].startswith(WEEKDAYS[lang][day.weekday()]), (label, day, width)
        ticks = [int(t.replace("\u202f", "").replace(",", "")) for t in y_ticks(panel)]
        assert ticks == sorted(ticks) and ticks[0] == 0, ticks
        no_sideways_scroll(page)
        shot(page, f"overview-week-{lang}-{width}")
    assert len(set(drawn)) == 3, f"the chart was not drawn again at each width: {drawn}"
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_key_figures_stay_on_at_most_two_lines_with_the_exact_time_on_hover(
    live: Live, email_payload: Any, signed_in: Any, lang: str
) -> None:
    live.push(email_payload())
    page = signed_in
    panel = overview(page, lang)
    refresh(page, lang)  # the screen may have loaded before the push (signed in first)
    moment = panel.locator("[data-metric=ingress] time")
    moment.wait_for()
    assert re.search(r"\d{4}", moment.get_attribute("title") or ""), "the exact time on hover"
    assert moment.get_attribute("datetime")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        lines = page.evaluate(
            """() => [...document.querySelectorAll('#panel-overview .metric .value')].map((v) => {
                 const style = getComputedStyle(v);
                 return Math.round(v.getBoundingClientRect().height / parseFloat(style.lineHeight));
               })"""
        )
        assert max(lines) <= 2, lines
        no_sideways_scroll(page)
        shot(page, f"overview-{lang}-{width}")
