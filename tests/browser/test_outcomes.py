"""Every accepted email reaches an outcome the operator can see and act on, in a real browser:
the server's status banner in words, target health, waiting deliveries and "Send now",
parked and ignored emails re-routed through a preview. Both languages where text matters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser.conftest import Live, open_tab, shots

LINK_BODY = '<p>Lot prêt : <a href="https://www.dropbox.com/scl/fo/abc123/AAAxyz?dl=0">lien</a></p>'


def wait_until(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Poll the API until `check` returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def banner(live: Live) -> dict[str, Any]:
    status: dict[str, Any] = live.admin.get("/api/stats").get_json()["status"]
    return status


def reason(live: Live, code: str) -> dict[str, Any] | None:
    return next((r for r in banner(live)["reasons"] if r["code"] == code), None)


def in_french(page: Any) -> None:
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("tab", name="Livraisons").wait_for()


def rename_default(live: Live, name: str) -> None:
    resp = live.admin.patch("/api/targets/default", json={"name": name})
    assert resp.status_code == 200, resp.get_json()


def close_the_window(live: Live) -> datetime:
    """A delivery window that opens in two hours (UTC): new mail is held until then."""
    opens = datetime.now(UTC) + timedelta(hours=2)
    current = live.admin.get("/api/time_windows").get_json()
    document = current["document"]
    document.update(
        timezone="UTC",
        window={"start": f"{opens:%H:%M}", "end": f"{opens + timedelta(hours=1):%H:%M}"},
    )
    resp = live.admin.put(
        "/api/time_windows", json={"version": current["version"], "document": document}
    )
    assert resp.status_code == 200, resp.get_json()
    return opens


# -- the status banner -------------------------------------------------------------------------


@pytest.fixture
def held_for_a_410(live: Live, email_payload: Any) -> dict[str, Any]:
    """Target “Make” answered 410: it is switched off, and two deliveries wait for it."""
    rename_default(live, "Make")
    live.sink.script("/hook", 410)
    live.push(email_payload(body=LINK_BODY))
    live.sink.wait_for(1)
    live.push(email_payload(body=LINK_BODY))
    found = wait_until(
        lambda: (r := reason(live, "held_target_disabled")) and r["params"]["count"] == 2 and r,
        "two deliveries held for the switched-off target",
    )
    return found


def test_mail_held_for_a_switched_off_target_turns_the_banner_red_naming_it(
    live: Live, held_for_a_410: Any, signed_in: Any
) -> None:
    page = signed_in
    panel = open_tab(page, "Overview")
    red = panel.locator(".banner.red")
    red.wait_for()
    assert red.locator("strong").inner_text() == "Mail cannot leave"
    line = red.locator("li[data-code=held_target_disabled]")
    assert line.inner_text().startswith(
        "2 deliveries wait for target “Make”: it was switched off (receiver answered 410 Gone)."
        " Switch it on to send them."
    )
    assert panel.locator("[data-metric=held] .value").inner_text() == "2"
    shots(page, "outcomes-banner-red-1280", "outcomes-banner-red-375")
    line.get_by_role("link", name="Open Targets").click()
    page.wait_for_url("**/#/targets")


def test_the_red_banner_in_french(live: Live, held_for_a_410: Any, signed_in: Any) -> None:
    page = signed_in
    in_french(page)
    panel = open_tab(page, "Vue d'ensemble")
    red = panel.locator(".banner.red")
    red.get_by_text("Le courrier ne peut pas partir").wait_for()
    line = red.locator("li[data-code=held_target_disabled]").inner_text()
    assert line.startswith(
        "2 livraisons attendent la cible « Make » : elle a été désactivée"
        " (le destinataire a répondu 410 Gone). Réactivez-la pour les envoyer."
    )
    shots(page, "outcomes-banner-red-fr-1280", "outcomes-banner-red-fr-375")


# -- waiting deliveries --------------------------------------------------------------------------


def held_deliveries(live: Live, count: int) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = live.admin.get(
            "/api/deliveries", query_string={"status": "held"}
        ).get_json()["items"]
        return items if len(items) >= count else None

    held: list[dict[str, Any]] = wait_until(found, f"{count} held deliveries")
    return held


def test_a_held_delivery_says_why_in_words_and_send_now_delivers_it(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    close_the_window(live)
    live.push(email_payload(subject="Lot fenêtre", body=LINK_BODY))
    (held,) = held_deliveries(live, 1)
    assert held["waiting_reason"] == "window"
    page = signed_in
    page.goto("/#/deliveries?status=held")
    panel = page.get_by_role("tabpanel", name="Deliveries")
    row = panel.get_by_role("row", name=re.compile("Lot fenêtre"))
    waiting = r"Waiting for the delivery window \(opens (tomorrow )?at "
    assert re.search(waiting + r".+\)", row.inner_text())
    row.get_by_role("link", name="Lot fenêtre").click()
    detail = panel.locator(".deliveries-detail")
    detail.get_by_text(re.compile("^" + waiting)).wait_for()
    shots(page, "outcomes-held-1280", "outcomes-held-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    in_french(page)
    panel = page.get_by_role("tabpanel", name="Livraisons")
    detail = panel.locator(".deliveries-detail")
    detail.get_by_text(
        re.compile(r"^En attente de la plage de livraison \(ouverture (demain )?à ")
    ).wait_for()
    shots(page, "outcomes-held-fr-1280", "outcomes-held-fr-375")
    detail.get_by_role("button", name="Envoyer maintenant").click()
    dialog = page.get_by_role("dialog")
    assert "quelle que soit la plage de livraison" in dialog.inner_text()
    dialog.get_by_role("button", name="Envoyer maintenant").click()
    panel.locator(".deliveries-outcome").get_by_text(
        "Libérée : la livraison part maintenant."
    ).wait_for()
    assert live.sink.wait_for(1)[0].webhook_id == held["webhook_id"]
    path = f"/api/deliveries/{held['id']}"
    wait_until(lambda: live.admin.get(path).get_json()["state"] == "delivered", "delivered")
    page.set_viewport_size({"width": 1280, "height": 860})  # the list as a table again
    page.goto("/#/deliveries?status=delivered")
    delivered = page.get_by_role("tabpanel", name="Livraisons")
    assert "livrée" in delivered.get_by_role("row", name=re.compile("Lot fenêtre")).inner_text()


def test_the_filtered_waiting_deliveries_are_counted_then_sent_now(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    close_the_window(live)
    for n in range(2):
        live.push(email_payload(subject=f"Lot {n}", body=LINK_BODY))
    held_deliveries(live, 2)
    page = signed_in
    page.goto("/#/deliveries?status=held")
    panel = page.get_by_role("tabpanel", name="Deliveries")
    panel.get_by_role("row", name=re.compile("Lot 1")).wait_for()
    panel.get_by_role("button", name="Send the filtered waiting deliveries now…").click()
    dialog = page.get_by_role("dialog")
    assert dialog.inner_text().startswith("2 waiting deliveries match these filters.")
    dialog.get_by_role("button", name="Send 2 now").click()
    panel.locator(".deliveries-outcome").get_by_text("2 deliveries released.").wait_for()
    assert len(live.sink.wait_for(2)) == 2


# -- re-routing emails --------------------------------------------------------------------------


def links_not_required(live: Live) -> None:
    prefs = live.admin.get("/api/preferences").get_json()
    prefs["document"]["require_links"] = False
    assert live.admin.put("/api/preferences", json=prefs).status_code == 200


def ignored_email(live: Live, email_payload: Any, subject: str) -> dict[str, Any]:
    body = live.push(email_payload(subject=subject, body="<p>Bonjour, rien à télécharger.</p>"))
    assert (body["status"], body["reason"]) == ("ignored", "no_links"), body
    return body


def test_an_ignored_email_is_rerouted_through_a_preview(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    rename_default(live, "Make")
    email_id = ignored_email(live, email_payload, "Bonjour")["email_id"]
    links_not_required(live)
    page = signed_in
    page.goto(f"/#/emails?id={email_id}")
    detail = page.get_by_role("tabpanel", name="Emails").locator(".emails-detail")
    detail.get_by_role("heading", name="Email: Bonjour").wait_for()
    decision = detail.get_by_role("region", name="Decision")
    assert "none: the email was ignored" in decision.inner_text()
    assert "default" not in decision.inner_text()
    deliveries = detail.get_by_role("region", name="Deliveries").inner_text()
    assert "No delivery: the email was ignored." in deliveries
    section = detail.get_by_role("region", name="Re-route with the current rules")
    section.get_by_role("button", name="Preview").click()
    section.get_by_text("Decision: ignored → accepted").wait_for()
    assert "With the current rules it gets 1 new delivery." in section.inner_text()
    row = section.locator("tr[data-change=new]")
    assert re.search(r"new\s+Make \(default\)\s+scheduled\s+sent at once", row.inner_text())
    assert live.sink.requests == []
    shots(page, "outcomes-reroute-1280", "outcomes-reroute-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    in_french(page)
    detail = page.get_by_role("tabpanel", name="E-mails").locator(".emails-detail")
    section = detail.get_by_role("region", name="Réacheminer avec les règles actuelles")
    section.get_by_role("button", name="Aperçu").click()
    section.get_by_text("Décision : ignoré → accepté").wait_for()
    assert "il reçoit 1 nouvelle livraison" in section.inner_text()
    shots(page, "outcomes-reroute-fr-1280", "outcomes-reroute-fr-375")
    section.get_by_role("button", name="Appliquer").click()
    page.locator(".emails-outcome").get_by_text("Réacheminé avec les règles actuelles.").wait_for()
    assert live.sink.wait_for(1)[0].json()["email_id"] == email_id
    detail.get_by_role("region", name="Livraisons").get_by_role(
        "link", name=re.compile("^dlv_")
    ).wait_for()


def test_the_filtered_emails_are_rerouted_after_a_preview(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    rename_default(live, "Make")
    for subject in ("Bonjour A", "Bonjour B"):
        ignored_email(live, email_payload, subject)
    links_not_required(live)
    page = signed_in
    page.goto("/#/emails?status=ignored")
    panel = page.get_by_role("tabpanel", name="Emails")
    panel.get_by_role("row", name=re.compile("Bonjour B")).wait_for()
    panel.get_by_role("button", name="Re-route the filtered emails…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Re-route the 2 emails matching these filters").wait_for()
    text = dialog.inner_text()
    assert re.search(r"New deliveries\s+2 — Make \(default\) \u00d7 2", text), text
    assert re.search(r"Bonjour A\s+ignored → accepted\s+Make \(default\)", text), text
    shots(page, "outcomes-reroute-many-1280", "outcomes-reroute-many-375")
    dialog.get_by_role("button", name="Re-route").click()
    panel.locator(".emails-outcome").get_by_text(
        "2 emails re-routed. New deliveries: 2; cancelled: 0."
    ).wait_for()
    assert len(live.sink.wait_for(2)) == 2


# -- green only when nothing waits ---------------------------------------------------------------


def test_the_banner_is_green_only_when_nothing_waits(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    live.push(email_payload(subject="Livré", body=LINK_BODY))
    live.sink.wait_for(1)
    wait_until(lambda: banner(live)["level"] == "green", "a green status")
    page = signed_in
    panel = open_tab(page, "Overview")
    green = panel.locator(".banner[data-level=green]")
    green.get_by_text("Mail is flowing").wait_for()
    assert "Nothing waits or fails" in green.inner_text()
    assert panel.locator("[data-metric=pushes] .value").inner_text() == "1"
    assert panel.locator("[data-metric=emails] .value").inner_text() == "1"
    assert panel.locator("[data-metric=duplicates] .value").inner_text() == "0"

    close_the_window(live)
    live.push(email_payload(subject="Retenu", body=LINK_BODY))
    (held,) = held_deliveries(live, 1)
    panel.get_by_role("button", name="Refresh now").click()
    amber = panel.locator(".banner[data-level=amber]")
    amber.get_by_text("Needs attention").wait_for()
    line = amber.locator("li[data-code=waiting_window]")
    assert line.inner_text().startswith("1 delivery waits for the delivery window to open.")
    shots(page, "outcomes-banner-amber-1280", "outcomes-banner-amber-375")
    line.get_by_role("link", name="See the held deliveries").click()
    page.wait_for_url("**/#/deliveries?status=held")

    assert live.admin.post(f"/api/deliveries/{held['id']}/release").status_code == 200
    live.sink.wait_for(2)
    wait_until(lambda: banner(live)["level"] == "green", "green again once nothing waits")
    panel = open_tab(page, "Overview")
    panel.locator(".banner[data-level=green]").wait_for()


# -- target health ------------------------------------------------------------------------------


def test_a_target_never_tried_is_untested_then_healthy(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    rename_default(live, "Make")
    page = signed_in
    panel = open_tab(page, "Targets")
    health = panel.locator("tr[data-target=default] .target-health")
    assert health.locator(".badge").inner_text() == "Untested (never tried)"
    shots(page, "outcomes-targets-untested-1280", "outcomes-targets-untested-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    in_french(page)
    panel = open_tab(page, "Cibles")
    health = panel.locator("tr[data-target=default] .target-health")
    assert health.locator(".badge").inner_text() == "Non testée (jamais essayée)"
    live.push(email_payload(body=LINK_BODY))
    live.sink.wait_for(1)
    wait_until(
        lambda: (
            live.admin.get("/api/targets").get_json()["items"][0]["health"]["state"] == "healthy"
        ),
        "a healthy target",
    )
    open_tab(page, "Livraisons")
    panel = open_tab(page, "Cibles")
    health = panel.locator("tr[data-target=default] .target-health")
    health.get_by_text("En bonne santé").wait_for()
    assert re.search(r"Dernier succès à \d", health.inner_text()), health.inner_text()


def test_a_failing_target_is_named_with_its_error_in_words(live: Live, signed_in: Any) -> None:
    created = live.admin.post(
        "/api/targets", json={"name": "Dev box", "url": live.sink.url("/dev")}
    )
    target_id = created.get_json()["target"]["id"]
    live.sink.script("/dev", 503)
    sent = live.admin.post(f"/api/targets/{target_id}/test", json={"mode": "send"})
    assert sent.get_json()["result"]["ok"] is False
    page = signed_in
    panel = open_tab(page, "Overview")
    amber = panel.locator(".banner[data-level=amber]")
    amber.locator("li[data-code=target_failing]").get_by_text(
        "Target “Dev box” is failing (HTTP 503)."
    ).wait_for()
    panel = open_tab(page, "Targets")
    badge = panel.locator(f"tr[data-target={target_id}] .target-health .badge")
    assert badge.inner_text() == "Failing — HTTP 503"
    shots(page, "outcomes-targets-failing-1280", "outcomes-targets-failing-375")


# -- parked emails ------------------------------------------------------------------------------


def test_a_parked_email_is_red_on_the_overview_and_says_what_releases_it(
    live: Live, email_payload: Any, signed_in: Any
) -> None:
    target = live.admin.get("/api/targets").get_json()["items"][0]
    options = {**target["options"], "default": False}
    assert live.admin.patch("/api/targets/default", json={"options": options}).status_code == 200
    body = live.push(email_payload(subject="Sans cible", body=LINK_BODY))
    assert body.get("parked") is True, body
    page = signed_in
    panel = open_tab(page, "Overview")
    line = panel.locator(".banner.red li[data-code=parked]")
    assert line.inner_text().startswith(
        "1 email is parked: no target could take it. Create a target or re-route it."
    )
    line.get_by_role("link", name="See the parked emails").click()
    page.wait_for_url("**/#/emails?status=parked")
    emails = page.get_by_role("tabpanel", name="Emails")
    row = emails.get_by_role("row", name=re.compile("Sans cible"))
    assert re.search(r"parked\s+no target", row.inner_text())
    row.get_by_role("link", name="Sans cible").click()
    note = emails.locator(".emails-parked")
    note.get_by_text("Parked: no target could take this email.").wait_for()
    assert "It leaves by itself as soon as a target can take it" in note.inner_text()
    shots(page, "outcomes-parked-1280", "outcomes-parked-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    in_french(page)
    note = page.get_by_role("tabpanel", name="E-mails").locator(".emails-parked")
    note.get_by_text("En souffrance : aucune cible ne pouvait recevoir cet e-mail.").wait_for()
    shots(page, "outcomes-parked-fr-1280", "outcomes-parked-fr-375")
