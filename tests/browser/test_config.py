"""The config screens in a real browser: targets, schedule, preferences, flags."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Live, open_tab, shot

LINK_BODY = '<p>Lot prêt : <a href="https://www.dropbox.com/scl/fo/abc123/AAAxyz?dl=0">lien</a></p>'


def _seed_target(live: Live, name: str = "Ops hook", path: str = "/ops") -> dict[str, Any]:
    resp = live.admin.post("/api/targets", json={"name": name, "url": live.sink.url(path)})
    assert resp.status_code == 201, resp.get_json()
    target: dict[str, Any] = resp.get_json()["target"]
    return target


def _secret_dialog(page: Any, name: str) -> Any:
    dialog = page.get_by_role("dialog", name=f"Signing secret of “{name}”")
    dialog.wait_for()
    return dialog


def _sink_paths(live: Live) -> list[str]:
    return [r.path for r in live.sink.requests]


# -- targets ----------------------------------------------------------------------------------


def test_a_new_target_shows_its_secret_once_in_a_dialog(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_role("button", name="New target").click()
    panel.get_by_label("Name", exact=True).fill("Compta")
    panel.get_by_label("URL", exact=True).fill(live.sink.url("/compta"))
    panel.get_by_role("button", name="Create").click()
    dialog = _secret_dialog(page, "Compta")
    secret = dialog.locator("code.secret").inner_text()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]{40,}", secret)
    dialog.get_by_role("button", name="Copy").click()
    dialog.get_by_role("status").filter(has_text=re.compile("Copied|selected")).wait_for()
    shot(page, "targets-secret")
    dialog.get_by_role("button", name="Close").click()
    panel.get_by_role("cell", name=re.compile("Compta")).first.wait_for()
    target = live.admin.get("/api/targets/compta").get_json()
    assert target["secret_hint"].endswith(secret[-4:])
    assert secret not in page.content()


def test_rotating_a_secret_shows_the_new_one_and_the_grace_period(
    signed_in: Any, live: Live
) -> None:
    _seed_target(live)
    before = live.admin.get("/api/targets/ops-hook").get_json()
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_role("button", name="Rotate secret — Ops hook").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate secret").click()
    dialog = _secret_dialog(page, "Ops hook")
    secret = dialog.locator("code.secret").inner_text()
    dialog.get_by_text("The previous secret stays valid until").wait_for()
    dialog.get_by_role("button", name="Close").click()
    after = live.admin.get("/api/targets/ops-hook").get_json()
    assert after["secret_hint"] != before["secret_hint"]
    assert after["secret_hint"].endswith(secret[-4:])
    assert after["rotation_until"] > time.time() + 23 * 3600
    panel.get_by_text("previous secret valid until").wait_for()


def test_a_test_send_reaches_the_receiver_and_shows_the_request(signed_in: Any, live: Live) -> None:
    _seed_target(live, path="/probe")
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_role("button", name="Edit — Ops hook").click()
    test_panel = panel.get_by_role("region", name="Test send")
    test_panel.get_by_role("button", name="Preview").click()
    test_panel.get_by_text("Preview only: nothing was sent.").wait_for()
    assert "/probe" not in _sink_paths(live)
    test_panel.get_by_role("button", name="Send test").click()
    test_panel.get_by_text("Delivered: HTTP 200").wait_for()
    received = live.sink.wait_for(1)
    assert received[-1].path == "/probe"
    assert received[-1].json()["event"] == "relais.test"
    assert received[-1].headers["webhook-id"] in test_panel.locator("pre").first.inner_text()
    shot(page, "targets-test-send")


def test_switching_a_target_off_asks_first_and_is_saved(signed_in: Any, live: Live) -> None:
    _seed_target(live)
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_role("button", name="Switch off — Ops hook").click()
    page.get_by_role("dialog").get_by_role("button", name="Switch off").click()
    panel.get_by_role("button", name="Switch on — Ops hook").wait_for()
    assert live.admin.get("/api/targets/ops-hook").get_json()["enabled"] is False


def test_editing_keeps_a_hidden_header_value(signed_in: Any, live: Live) -> None:
    live.admin.post(
        "/api/targets",
        json={
            "name": "Keyed",
            "url": live.sink.url("/keyed"),
            "options": {"headers": {"X-Key": "k1"}},
        },
    )
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_role("button", name="Edit — Keyed").click()
    panel.get_by_label("Name", exact=True).fill("Keyed 2")
    assert page.get_by_role("tab", name="Targets").evaluate("t => t.classList.contains('dirty')")
    panel.get_by_role("button", name="Save").click()
    page.get_by_text("Target saved.").wait_for()
    live.admin.post("/api/targets/keyed/test", json={"mode": "send"})
    assert live.sink.wait_for(1)[-1].headers["x-key"] == "k1"


def test_a_target_nothing_routes_to_is_deleted_after_a_confirmation(
    signed_in: Any, live: Live
) -> None:
    _seed_target(live)
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_role("button", name="Delete — Ops hook").click()
    page.get_by_role("dialog").get_by_text(
        "its queued deliveries are held, never dropped"
    ).wait_for()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    page.get_by_text("Target deleted.").wait_for()
    panel.get_by_role("button", name="Delete — Ops hook").wait_for(state="detached")
    assert live.admin.get("/api/targets/ops-hook").status_code == 404


IN_USE_WORDS = {
    "en": (
        "Targets",
        "Delete",
        "Routing still sends to “Ops hook”:",
        ["Rule “Ops mail” (ops-only)", "The default route"],
        "Remove it from them and delete",
        "Target deleted and removed from the routing that named it.",
    ),
    "fr": (
        "Cibles",
        "Supprimer",
        "Le routage envoie encore à « Ops hook » :",
        ["Règle « Ops mail » (ops-only)", "La route par défaut"],
        "La retirer du routage et supprimer",
        "Cible supprimée et retirée du routage qui la nommait.",
    ),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_deleting_a_target_the_routing_names_says_where_and_can_detach_it(
    signed_in: Any, live: Live, lang: str
) -> None:
    _seed_target(live)
    rules = {
        "rules": [
            {
                "id": "ops-only",
                "name": "Ops mail",
                "conditions": [{"field": "subject", "operator": "contains", "value": "ops"}],
                "actions": {"targets": ["ops-hook"]},
            }
        ],
        "default_route": {"action": "default_targets", "targets": ["ops-hook"]},
    }
    assert live.admin.put("/api/routing_rules", json={"document": rules}).status_code == 200
    tab, delete, title, uses, detach, done = IN_USE_WORDS[lang]
    page = signed_in
    page.get_by_label("Language").select_option(lang)
    page.get_by_role("tab", name=tab).click()
    panel = page.get_by_role("tabpanel", name=tab)
    panel.get_by_role("button", name=f"{delete} — Ops hook").click()
    page.get_by_role("dialog").get_by_role("button", name=delete).click()
    dialog = page.get_by_role("dialog", name=title)
    dialog.wait_for()
    assert dialog.get_by_role("listitem").all_inner_texts() == uses
    shot(page, f"targets-in-use-{lang}")
    dialog.get_by_role("button", name=detach).click()
    page.get_by_text(done).wait_for()
    assert live.admin.get("/api/targets/ops-hook").status_code == 404
    document = live.admin.get("/api/routing_rules").get_json()["document"]
    assert document["rules"][0]["enabled"] is False
    assert document["default_route"]["targets"] == []
    panel.get_by_role("button", name=f"{delete} — Ops hook").wait_for(state="detached")


def test_the_env_target_is_marked_read_only_where_it_is(signed_in: Any) -> None:
    page = signed_in
    panel = open_tab(page, "Targets")
    panel.get_by_text("environment", exact=True).wait_for()
    assert panel.get_by_role("button", name="Rotate secret — WEBHOOK_URL").count() == 0
    panel.get_by_role("button", name="Edit — WEBHOOK_URL").click()
    assert panel.get_by_label("URL", exact=True).is_disabled()


NEW_TARGET_WORDS = {
    "en": {
        "tab": "Targets",
        "new": "New target",
        "name": "Name",
        "create": "Create",
        "close": "Close",
        "save": "Save",
        "edit": "Edit",
        "switch": "In the default route",
        "env": "environment",
        "new_help": "Off for a new target: adding a target never changes where today",
        "others": "as “WEBHOOK_URL” already does",
    },
    "fr": {
        "tab": "Cibles",
        "new": "Nouvelle cible",
        "name": "Nom",
        "create": "Créer",
        "close": "Fermer",
        "save": "Enregistrer",
        "edit": "Modifier",
        "switch": "Dans la route par défaut",
        "env": "environnement",
        "new_help": "Désactivé pour une nouvelle cible : ajouter une cible ne change jamais",
        "others": "comme « WEBHOOK_URL » déjà",
    },
}


def _target_row(panel: Any, name: str) -> Any:
    return panel.locator("tbody tr").filter(has=panel.page.get_by_text(name, exact=True))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_new_target_stays_out_of_the_default_route_unless_ticked(
    signed_in: Any, live: Live, lang: str
) -> None:
    words = NEW_TARGET_WORDS[lang]
    page = signed_in
    page.get_by_label("Language").select_option(lang)
    panel = open_tab(page, words["tab"])
    env_row = _target_row(panel, "WEBHOOK_URL")
    expect(env_row.locator(".target-badges")).to_have_text(words["env"] + words["switch"])
    panel.get_by_role("button", name=words["new"]).click()
    switch = panel.get_by_role("switch", name=words["switch"])
    expect(switch).not_to_be_checked()
    help_text = panel.locator(".default-route-field .help")
    expect(help_text).to_contain_text(words["new_help"])
    expect(help_text).to_contain_text(words["others"])
    shot(page, f"targets-new-{lang}")
    panel.get_by_label(words["name"], exact=True).fill("Compta")
    panel.get_by_label("URL", exact=True).fill(live.sink.url("/compta"))
    panel.get_by_role("button", name=words["create"]).click()
    page.get_by_role("dialog").get_by_role("button", name=words["close"]).click()
    created = live.admin.get("/api/targets/compta").get_json()
    assert created["options"]["default"] is False, "not in the default route unless ticked"
    expect(_target_row(panel, "Compta").locator(".target-badges")).to_have_text("")
    text = panel.inner_text()
    assert "(default)" not in text and "Default (WEBHOOK_URL)" not in text
    panel.get_by_role("button", name=f"{words['edit']} — Compta").click()
    panel.get_by_role("switch", name=words["switch"]).check()
    panel.get_by_role("button", name=words["save"], exact=True).click()
    expect(_target_row(panel, "Compta").locator(".target-badges")).to_have_text(words["switch"])
    items = live.admin.get("/api/targets").get_json()["items"]
    assert {t["id"]: t["in_default_route"] for t in items} == {"default": True, "compta": True}


HOST_LINES = """(cell, host) => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    nodes.push([n, text.length]);
    text += n.data;
  }
  const start = text.indexOf(host);
  if (start < 0) return -1;
  const tops = new Set();
  for (const [n, offset] of nodes) {
    for (let i = 0; i < n.data.length; i++) {
      if (offset + i < start || offset + i >= start + host.length) continue;
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width) tops.add(Math.round(rect.top));
    }
  }
  return tops.size;
}"""


@pytest.mark.parametrize("width", [1280, 375])
def test_a_target_url_wraps_between_its_parts_never_inside_the_host(
    signed_in: Any, live: Live, width: int
) -> None:
    host = "https://hooks.receiver-example.com"
    url = f"{host}/incoming/make/0123456789abcdef0123/events?source=relais&kind=mail"
    resp = live.admin.post("/api/targets", json={"name": "Long", "url": url})
    assert resp.status_code == 201, resp.get_json()
    page = signed_in
    page.set_viewport_size({"width": width, "height": 800})
    panel = open_tab(page, "Targets")
    cell = _target_row(panel, "Long").locator("td.target-url")
    cell.wait_for()
    assert cell.evaluate(HOST_LINES, host) == 1, "the host is never cut"
    lines = cell.evaluate(HOST_LINES, url)
    assert lines >= 2, "the long URL does wrap (after the host)"
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, f"Targets scrolls sideways at {width}px"
    shot(page, f"targets-url-{width}")


# -- schedule ---------------------------------------------------------------------------------


def test_a_window_closed_now_with_hold_says_held_until_it_opens(signed_in: Any, live: Live) -> None:
    now = datetime.now(UTC)
    start, end = now + timedelta(hours=2), now + timedelta(hours=3)
    page = signed_in
    panel = open_tab(page, "Schedule")
    panel.get_by_label("Time zone").select_option("UTC")
    window = panel.get_by_role("group", name="Sending window")
    window.get_by_label("Opens at").fill(start.strftime("%H:%M"))
    window.get_by_label("Closes at").fill(end.strftime("%H:%M"))
    panel.get_by_label("Every other email (default)").select_option("hold")
    now_line = panel.locator(".now-banner")
    assert "With your unsaved changes" in now_line.inner_text()
    panel.get_by_role("button", name="Save").click()
    page.get_by_text(re.compile(r"Saved \(version \d+\)")).wait_for()
    day = "tomorrow " if start.date() != now.date() else ""
    expected = f"Closed: emails are held until {day}{start:%H:%M}."
    now_line.get_by_text(expected).wait_for()
    saved = live.admin.get("/api/time_windows").get_json()
    assert saved["document"]["timezone"] == "UTC"
    assert saved["document"]["window"] == {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    assert saved["status"]["open"] is False
    shot(page, "schedule-closed")


def test_today_as_an_absence_day_says_so(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = open_tab(page, "Schedule")
    panel.get_by_label("Time zone").select_option("UTC")
    today = datetime.now(UTC).strftime("%A")
    panel.get_by_role("group", name="Absence days").get_by_label(today).check()
    panel.locator(".now-banner").get_by_text("Closed today (absence day)").wait_for()
    panel.get_by_role("button", name="Save").click()
    page.get_by_text(re.compile(r"Saved \(version \d+\)")).wait_for()
    status = live.admin.get("/api/time_windows").get_json()["status"]
    assert status["absence_today"] is True and status["open"] is False


# -- flags and preferences ---------------------------------------------------------------------


def test_webhook_sending_off_holds_deliveries_until_it_is_on_again(
    signed_in: Any, live: Live, email_payload: Any
) -> None:
    page = signed_in
    panel = open_tab(page, "Flags")
    panel.get_by_role("switch", name="Send webhooks").uncheck()
    panel.get_by_role("button", name="Save").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, switch it").click()
    panel.get_by_text("Webhook sending is switched off").wait_for()
    assert (
        live.admin.get("/api/runtime_flags").get_json()["document"]["webhook_sending_enabled"]
        is False
    )
    shot(page, "flags-stopped")
    live.push(email_payload(body=LINK_BODY))
    time.sleep(1.5)
    assert live.sink.requests == []
    panel.get_by_role("switch", name="Send webhooks").check()
    panel.get_by_role("button", name="Save").click()
    panel.get_by_text("Everything is running normally.").wait_for()
    assert live.sink.wait_for(1)[0].path == "/hook"


def test_a_preference_is_saved_and_takes_effect(
    signed_in: Any, live: Live, email_payload: Any
) -> None:
    live.push(email_payload())  # no link, no detector: ignored while links are required
    time.sleep(0.5)
    assert live.sink.requests == []
    page = signed_in
    panel = open_tab(page, "Preferences")
    timeout = panel.get_by_label("Webhook timeout (seconds)")
    timeout.fill("0")
    panel.get_by_text(re.compile(r"Out of range \(0 . 300\)")).wait_for()
    assert timeout.get_attribute("aria-invalid") == "true"
    timeout.fill("20")
    panel.get_by_role("switch", name="Require a file link").uncheck()
    panel.get_by_role("button", name="Save").click()
    page.get_by_text(re.compile(r"Saved \(version \d+\)")).wait_for()
    doc = live.admin.get("/api/preferences").get_json()["document"]
    assert doc["webhook_timeout_sec"] == 20 and doc["require_links"] is False
    live.push(email_payload())
    assert live.sink.wait_for(1)[0].path == "/hook"


def test_the_detectors_shown_are_the_ones_the_server_lists(signed_in: Any) -> None:
    """Preferences and schedule name the detectors GET /api/detectors lists, not a copy."""
    page = signed_in
    names = ["recadrage", "desabonnement_journee_tarifs", "quote_request"]
    page.route("**/api/detectors", lambda route: route.fulfill(json={"items": names}))
    panel = open_tab(page, "Preferences")
    switch = panel.get_by_role("switch", name="Detector “quote_request”")
    switch.wait_for()
    assert switch.is_checked()  # a detector the document does not mention is on
    general = "Off: it never matches, and the emails it would recognise"
    assert panel.get_by_text(general).count() == 1
    schedule = open_tab(page, "Schedule")
    schedule.get_by_label("Emails of “quote_request”", exact=True).wait_for()


def test_someone_elses_save_is_a_conflict_with_a_reload(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = open_tab(page, "Preferences")
    panel.get_by_label("Webhook timeout (seconds)").fill("25")
    current = live.admin.get("/api/preferences").get_json()
    other = {**current["document"], "webhook_timeout_sec": 42}
    resp = live.admin.put(
        "/api/preferences", json={"version": current["version"], "document": other}
    )
    assert resp.status_code == 200
    panel.get_by_role("button", name="Save").click()
    alert = panel.get_by_role("alert").filter(has_text="Someone else saved this page")
    alert.wait_for()
    assert live.admin.get("/api/preferences").get_json()["document"]["webhook_timeout_sec"] == 42
    alert.get_by_role("button", name="Reload (discard my changes)").click()
    page.wait_for_function(
        "() => document.querySelector('#panel-preferences input[type=number]').value === '42'"
    )
    assert not page.get_by_role("tab", name="Preferences").evaluate(
        "t => t.classList.contains('dirty')"
    )


# -- screenshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots_of_the_config_screens(signed_in: Any, live: Live, width: int) -> None:
    live.admin.post(
        "/api/targets",
        json={
            "name": "Compta",
            "url": live.sink.url("/compta"),
            "options": {"headers": {"X-Key": "k"}},
        },
    )
    page = signed_in
    page.set_viewport_size({"width": width, "height": 800})
    for tab, name in (
        ("Targets", "targets"),
        ("Schedule", "schedule"),
        ("Preferences", "preferences"),
        ("Flags", "flags"),
    ):
        panel = open_tab(page, tab)
        if tab == "Targets":
            panel.get_by_role("button", name="Edit — Compta").click()
        else:
            panel.get_by_text(re.compile(r"^(Version \d+|Defaults, never saved)$")).wait_for()
        shot(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{tab} scrolls sideways at {width}px"


def test_the_schedule_speaks_french(signed_in: Any) -> None:
    page = signed_in
    page.get_by_label("Language").select_option("fr")
    panel = open_tab(page, "Horaires")
    panel.locator(".now-banner").get_by_text("Ouvert à toute heure").wait_for()
    panel.get_by_role("group", name=re.compile("Jours d.absence")).get_by_label("Samedi").check()
    panel.locator(".now-banner").get_by_text("Avec vos modifications non enregistrées").wait_for()
    shot(page, "schedule-fr")
    panel.get_by_role("button", name="Annuler les modifications").click()


SCREEN_WORDS = {"en": ("Targets", "Edit"), "fr": ("Cibles", "Modifier")}


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_screenshots_of_the_targets_screen(
    signed_in: Any, live: Live, lang: str, width: int
) -> None:
    live.admin.post(
        "/api/targets",
        json={
            "name": "Compta",
            "url": live.sink.url("/compta/webhooks/incoming/0123456789abcdef"),
            "options": {"headers": {"X-Key": "k"}, "default": False},
        },
    )
    tab, edit = SCREEN_WORDS[lang]
    page = signed_in
    page.set_viewport_size({"width": width, "height": 800})
    page.get_by_label("Language").select_option(lang)
    panel = open_tab(page, tab)
    panel.get_by_role("button", name=f"{edit} — Compta").click()
    panel.locator(".default-route-field").wait_for()
    shot(page, f"targets-{lang}-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, f"Targets scrolls sideways at {width}px in {lang}"
