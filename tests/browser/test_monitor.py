"""The monitor screens in a real browser: Overview, Deliveries, Emails.

Emails go through the real ingress and the sink; dead deliveries are made by scripting
the sink to answer 500 with a one-attempt retry schedule, then replayed from the UI.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.conftest import Live, open_tab, shot, sign_in
from tests.conftest import TEST_WHSEC
from tests.support.sink import Reply


def linked(email_payload: Any, **changes: Any) -> dict[str, Any]:
    """An email with a download link, so that it is accepted and delivered."""
    payload: dict[str, Any] = email_payload(**changes)
    n = payload["subject"].split()[-1]
    payload["body"] = f'<p>Voici le lot {n} : <a href="https://we.tl/t-Lot{n}x">we.tl</a></p>'
    return payload


def wait_for_state(
    live: Live, state: str, count: int, timeout: float = 10.0
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        items: list[dict[str, Any]] = live.admin.get(
            "/api/deliveries", query_string={"status": state}
        ).get_json()["items"]
        if len(items) >= count:
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(items)} deliveries {state}, wanted {count}")
        time.sleep(0.1)


def one_attempt_only(live: Live) -> None:
    prefs = live.admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0]
    assert live.admin.put("/api/preferences", json=prefs).status_code == 200


@pytest.fixture
def delivered(live: Live, email_payload: Any) -> dict[str, Any]:
    live.push(linked(email_payload, subject="Livraison 7"))
    live.sink.wait_for(1)
    (item,) = wait_for_state(live, "delivered", 1)
    return item


@pytest.fixture
def dead(live: Live, email_payload: Any) -> dict[str, Any]:
    one_attempt_only(live)
    live.sink.script("/hook", 500, 200)
    live.push(linked(email_payload, subject="Refusé 1"))
    (item,) = wait_for_state(live, "dead", 1)
    return item


def test_a_delivered_email_shows_in_the_overview_numbers(
    live: Live, delivered: Any, signed_in: Any
) -> None:
    page = signed_in
    panel = open_tab(page, "Overview")
    panel.locator("[data-loaded=true]").or_(panel.locator(".banner")).first.wait_for()
    emails = panel.locator("[data-metric=emails] .value")
    emails.filter(has_text="1").wait_for()
    assert panel.locator("[data-metric=dead] .value").inner_text() == "0"
    assert panel.locator("[data-metric=store] .value").inner_text() == "OK"
    chart = panel.get_by_role("img", name=re.compile(r"1 delivered"))
    assert chart.locator("rect.s-delivered").count() == 1
    banner = panel.locator(".banner")
    assert banner.get_attribute("data-level") == "green"
    assert "Nothing waits or fails" in banner.inner_text()
    shot(page, "overview")


def test_a_delivered_email_is_listed_and_its_detail_shows_payload_and_signature(
    live: Live, delivered: Any, signed_in: Any
) -> None:
    page = signed_in
    panel = open_tab(page, "Deliveries")
    row = panel.get_by_role("row", name=re.compile("Livraison 7"))
    assert "delivered" in row.inner_text()
    row.get_by_role("link", name="Livraison 7").click()
    page.wait_for_url(re.compile(r"#/deliveries\?id=dlv_"))
    detail = panel.locator(".deliveries-detail")
    detail.get_by_role("heading", name=f"Delivery {delivered['id']}").wait_for()
    assert detail.locator("dd code", has_text=delivered["webhook_id"]).count() >= 1
    assert "webhook-signature" in detail.inner_text()
    assert "v1," in detail.inner_text()
    detail.get_by_text("Payload sent to the target").click()
    payload = detail.locator(".deliveries-payload pre")
    assert '"subject": "Livraison 7"' in payload.inner_text()
    assert TEST_WHSEC not in page.content()
    assert TEST_WHSEC.removeprefix("whsec_") not in page.content()
    detail.get_by_text("Response of attempt 1").click()
    assert "success" in detail.locator(".deliveries-attempt pre").inner_text()
    shot(page, "deliveries")


def test_filters_go_in_the_hash_and_back(live: Live, delivered: Any, signed_in: Any) -> None:
    page = signed_in
    panel = open_tab(page, "Deliveries")
    panel.get_by_label("Status").select_option("dead")
    panel.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/#/deliveries?status=dead")
    panel.get_by_role("status").filter(has_text="No delivery matches these filters").wait_for()
    panel.get_by_role("button", name="Clear").click()
    panel.get_by_role("row", name=re.compile("Livraison 7")).wait_for()
    assert panel.get_by_label("Status").input_value() == ""


def test_the_email_trace_reads_rule_by_rule(live: Live, email_payload: Any, signed_in: Any) -> None:
    (target,) = live.admin.get("/api/targets").get_json()["items"]
    rules = {
        "rules": [
            {
                "id": "excel",
                "name": "Excel files",
                "conditions": [{"field": "subject", "operator": "contains", "value": "xlsx"}],
                "actions": {"targets": [target["id"]]},
            },
            {
                "id": "lots",
                "name": "Lots",
                "conditions": [{"field": "subject", "operator": "contains", "value": "Lot"}],
                "actions": {"targets": [target["id"]]},
            },
        ]
    }
    assert live.admin.put("/api/routing_rules", json={"document": rules}).status_code == 200
    live.push(linked(email_payload, subject="Lot 12"))
    live.sink.wait_for(1)
    page = signed_in
    panel = open_tab(page, "Emails")
    panel.get_by_role("link", name="Lot 12").click()
    detail = panel.locator(".emails-detail")
    detail.get_by_role("heading", name="Email: Lot 12").wait_for()
    trace = detail.get_by_role("region", name="Trace, rule by rule")
    first = trace.get_by_role("row", name=re.compile("Excel files"))
    assert "not matched" in first.inner_text()
    assert "condition 1 (subject contains) did not match" in first.inner_text()
    second = trace.get_by_role("row", name=re.compile("Lots"))
    assert (
        re.search(r"\bmatched\b", second.inner_text()) and "not matched" not in second.inner_text()
    )
    assert "condition 1 (subject contains) matched" in second.inner_text()
    links = detail.get_by_role("region", name="Links")
    assert links.get_by_role("link", name="https://we.tl/t-Lot12x").count() == 1
    decision = detail.get_by_role("region", name="Decision")
    assert "Matched rules\nLots" in decision.inner_text()
    shot(page, "emails")
    deliveries = detail.get_by_role("region", name="Deliveries")
    deliveries.get_by_role("link", name=re.compile("^dlv_")).click()
    page.wait_for_url(re.compile(r"#/deliveries\?id=dlv_"))
    page.get_by_role("tabpanel", name="Deliveries").get_by_role(
        "heading", name=re.compile("^Delivery dlv_")
    ).wait_for()


def test_a_dead_delivery_turns_the_banner_red_and_is_replayed_from_the_ui(
    live: Live, dead: Any, signed_in: Any
) -> None:
    page = signed_in
    panel = open_tab(page, "Overview")
    banner = panel.locator(".banner.red")
    banner.wait_for()
    assert "1 dead letter waits to be replayed." in banner.inner_text()
    panel.get_by_role("row", name=re.compile("Refusé 1")).wait_for()
    shot(page, "overview-red")
    panel.get_by_role("link", name="All dead letters").click()
    page.wait_for_url("**/#/deliveries?status=dead")
    deliveries = page.get_by_role("tabpanel", name="Deliveries")
    deliveries.get_by_role("link", name="Refusé 1").click()
    detail = deliveries.locator(".deliveries-detail")
    assert "500" in detail.get_by_role("table", name="Attempts").inner_text()
    detail.get_by_role("button", name="Replay this delivery").click()
    page.get_by_role("status").filter(
        has_text="queued again with the same webhook-id"
    ).first.wait_for()
    received = live.sink.wait_for(2)
    assert received[0].webhook_id == received[1].webhook_id == dead["webhook_id"]
    wait_for_state(live, "delivered", 1)
    deliveries.get_by_role("button", name="Clear").click()
    deliveries.get_by_role("row", name=re.compile("Refusé 1")).filter(
        has_text="delivered"
    ).wait_for()


def test_replaying_a_delivery_still_in_progress_says_why_not(
    live: Live, dead: Any, signed_in: Any
) -> None:
    page = signed_in
    page.goto(f"/#/deliveries?id={dead['id']}")
    detail = page.get_by_role("tabpanel", name="Deliveries").locator(".deliveries-detail")
    button = detail.get_by_role("button", name="Replay this delivery")
    button.wait_for()
    live.sink.script("/hook", Reply(status=200, delay=3))
    assert live.admin.post(f"/api/deliveries/{dead['id']}/replay").status_code == 200
    live.sink.wait_for(2)  # recorded on arrival: the attempt is now in flight for 3 s
    button.click()
    alert = page.get_by_role("alert").filter(
        has_text="Not replayed: this delivery is still in progress"
    )
    alert.wait_for()


def test_replaying_the_filtered_set_confirms_how_many(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    one_attempt_only(live)
    live.sink.script("/hook", 500, 500, 200)
    live.push(linked(email_payload, subject="Refusé A"))
    live.push(linked(email_payload, subject="Refusé B"))
    wait_for_state(live, "dead", 2)
    page = signed_in
    page.goto("/#/deliveries?status=dead")
    panel = page.get_by_role("tabpanel", name="Deliveries")
    panel.get_by_role("row", name=re.compile("Refusé A")).wait_for()
    panel.get_by_role("button", name="Replay matching deliveries…").click()
    dialog = page.get_by_role("dialog")
    assert "Replay 2 dead or delivered deliveries" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    panel.get_by_role("status").filter(has_text="Replay cancelled").wait_for()
    assert len(live.sink.requests) == 2
    panel.get_by_role("button", name="Replay matching deliveries…").click()
    page.get_by_role("dialog").get_by_role("button", name="Replay 2").click()
    panel.get_by_role("status").filter(has_text="2 deliveries queued again, 0 skipped").wait_for()
    live.sink.wait_for(4)
    wait_for_state(live, "delivered", 2)


def test_the_three_screens_at_375_px(live: Live, delivered: Any, signed_in: Any) -> None:
    page = signed_in
    page.set_viewport_size({"width": 375, "height": 800})
    panel = open_tab(page, "Overview")
    panel.locator(".banner").wait_for()
    shot(page, "overview-375")
    panel = open_tab(page, "Deliveries")
    panel.get_by_role("link", name="Livraison 7").click()
    panel.locator(".deliveries-detail h3").wait_for()
    shot(page, "deliveries-375")
    panel = open_tab(page, "Emails")
    panel.get_by_role("link", name="Livraison 7").click()
    panel.locator(".emails-detail h3").wait_for()
    shot(page, "emails-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width} px)"


def test_french_labels_on_the_monitor_screens(live: Live, delivered: Any, signed_in: Any) -> None:
    page = signed_in
    page.get_by_label("Language").select_option("fr")
    panel = open_tab(page, "Vue d'ensemble")
    panel.get_by_text("Le courrier circule").wait_for()
    panel = open_tab(page, "Livraisons")
    panel.get_by_role("button", name="Lettres mortes").wait_for()
    assert "livrée" in panel.get_by_role("row", name=re.compile("Livraison 7")).inner_text()


def test_the_overview_refreshes_every_30_s_only_while_shown(live: Live, page: Any) -> None:
    page.clock.install()
    stats: list[str] = []
    page.on("request", lambda req: stats.append(req.url) if "/api/stats" in req.url else None)
    sign_in(page)
    panel = page.get_by_role("tabpanel", name="Overview")
    panel.locator("[data-metric=emails]").wait_for()
    assert len(stats) == 1
    page.clock.run_for(30_500)
    page.wait_for_timeout(300)
    assert len(stats) == 2
    open_tab(page, "Emails")
    page.clock.run_for(90_000)
    page.wait_for_timeout(300)
    assert len(stats) == 2, "the overview kept refreshing while hidden"
    open_tab(page, "Overview")
    page.wait_for_timeout(300)
    assert len(stats) == 3
