"""Access and Tools in a real browser: magic links, log out everywhere, audit, export, import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import Live, open_tab, shot, shots, sign_in


def token_url(live: Live, url: str) -> str:
    """The API builds the URL from its own host; the browser needs the live server's."""
    return f"{live.url}/auth/magic/{url.rsplit('/', 1)[-1]}"


def create_link_in_ui(page: Any, name: str = "", days: str | None = None) -> str:
    panel = open_tab(page, "Access")
    if days is not None:
        panel.get_by_label("Named (reusable").check()
        panel.get_by_label("Valid for (days)").fill(days)
    panel.get_by_label("Name", exact=True).fill(name)
    panel.get_by_role("button", name="Create link").click()
    box = panel.get_by_role("textbox", name="Sign-in link")
    box.wait_for()
    url: str = box.input_value()
    assert "/auth/magic/" in url
    return url


def confirm(page: Any, button: str) -> None:
    page.get_by_role("dialog").get_by_role("button", name=button).click()


def sign_in_with_link(page: Any, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in / Se connecter").click()
    page.wait_for_url("**/")
    page.get_by_role("tablist").wait_for()


def test_a_named_link_made_in_the_ui_signs_in_after_confirmation(
    signed_in: Any, live: Live
) -> None:
    page = signed_in
    url = create_link_in_ui(page, "Claire laptop", days="7")
    panel = page.get_by_role("tabpanel", name="Access")
    row = panel.get_by_role("row", name="Claire laptop")
    row.get_by_text("reusable").wait_for()
    shot(page, "access-link-created")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto(token_url(live, url))
    page.get_by_text("with the link “Claire laptop”").wait_for()
    shot(page, "magic-confirm")
    page.get_by_role("button", name="Sign in / Se connecter").click()
    page.wait_for_url("**/")
    page.get_by_role("tablist").wait_for()
    panel = open_tab(page, "Access")
    panel.get_by_role("row", name="Claire laptop").get_by_role(
        "cell", name="1", exact=True
    ).wait_for()


def test_a_named_link_asks_for_a_name_and_valid_days(signed_in: Any) -> None:
    panel = open_tab(signed_in, "Access")
    panel.get_by_label("Named (reusable").check()
    panel.get_by_label("Valid for (days)").fill("400")
    panel.get_by_role("button", name="Create link").click()
    panel.get_by_text("Give the link a name.").wait_for()
    panel.get_by_text("Enter a whole number of days from 1 to 365.").wait_for()
    assert panel.get_by_label("Valid for (days)").get_attribute("aria-invalid") == "true"
    assert panel.get_by_text("No magic link works at the moment.").is_visible()


def test_a_one_shot_link_cannot_be_used_twice(signed_in: Any, live: Live, browser: Any) -> None:
    url = token_url(live, create_link_in_ui(signed_in))
    other = browser.new_context(base_url=live.url)
    first = other.new_page()
    sign_in_with_link(first, url)
    other.close()
    again = browser.new_context(base_url=live.url).new_page()
    again.goto(url)
    again.get_by_text("This sign-in link is invalid, expired or already used.").wait_for()
    assert again.get_by_role("button", name="Sign in / Se connecter").count() == 0
    shot(again, "magic-confirm-used")
    again.context.close()


def test_a_revoked_link_stops_working(signed_in: Any, live: Live, browser: Any) -> None:
    created = live.admin.post("/api/magic_links", json={"name": "Old phone", "days": 3}).get_json()
    url = token_url(live, created["url"])
    panel = open_tab(signed_in, "Access")
    panel.get_by_role("button", name="Revoke link Old phone").click()
    signed_in.get_by_role("dialog").get_by_text("Revoke the link “Old phone”?").wait_for()
    confirm(signed_in, "Revoke")
    panel.get_by_text("No magic link works at the moment.").wait_for()
    other = browser.new_context(base_url=live.url).new_page()
    other.goto(url)
    other.get_by_text("This sign-in link is invalid, expired or already used.").wait_for()
    other.context.close()


def test_log_out_everywhere_signs_out_this_and_another_browser(
    signed_in: Any, live: Live, browser: Any
) -> None:
    other = browser.new_context(base_url=live.url).new_page()
    sign_in(other)
    panel = open_tab(signed_in, "Access")
    panel.get_by_role("button", name="Log out everywhere").click()
    signed_in.get_by_role("dialog").get_by_text("including this one").wait_for()
    confirm(signed_in, "Log out everywhere")
    signed_in.wait_for_url("**/login")
    other.goto("/")
    other.wait_for_url("**/login")
    other.context.close()


def test_the_audit_log_shows_who_changed_what(signed_in: Any, live: Live) -> None:
    prefs = live.admin.get("/api/preferences").get_json()
    prefs["document"]["exclude_keywords"] = ["newsletter"]
    assert live.admin.put("/api/preferences", json=prefs).status_code == 200
    create_link_in_ui(signed_in, "Audit me", days="2")
    panel = signed_in.get_by_role("tabpanel", name="Access")
    panel.get_by_role("button", name="Refresh").click()
    table = panel.get_by_role("table", name="Audit log")
    created = table.get_by_role("row").filter(has_text="magic link").filter(has_text="created")
    # The link by its name in the Object column, and its name among the values it was given.
    created.locator("td.audit-object").get_by_text("magic link “Audit me”").wait_for()
    created.locator("ins").get_by_text("Audit me", exact=True).wait_for()
    changed = table.get_by_role("row").filter(has_text="Preferences, version")
    changed.get_by_text("Excluded keywords").first.wait_for()
    assert "newsletter" in changed.locator("ins").all_inner_texts()[0]
    assert "admin" in changed.inner_text()
    shots(signed_in, "access-1280", "access-375")


def test_audit_rows_read_as_field_old_new_in_words(signed_in: Any, live: Live) -> None:
    prefs = live.admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0, 5, 300, 1800, 7200]
    prefs["document"]["require_links"] = not prefs["document"]["require_links"]
    assert live.admin.put("/api/preferences", json=prefs).status_code == 200
    page = signed_in
    for lang, words in (
        ("en", ("Retry schedule", "0 s, 5 s, 5 min, 30 min, 2 h", "with the password")),
        (
            "fr",
            ("Calendrier des tentatives", "0 s, 5 s, 5 min, 30 min, 2 h", "avec le mot de passe"),
        ),
    ):
        if lang == "fr":
            page.get_by_label("Language").select_option("fr")
        page.goto("/#/access")
        table = page.locator("#panel-access table.audit-table")
        table.wait_for()
        text = table.inner_text()
        for word in words:
            assert word in text, (word, text)
        sign_in_row = table.locator("tbody tr").filter(has_text=words[2])
        assert sign_in_row.locator(".audit-changes").count() == 0
        for raw in (
            "no field changed",
            "aucun champ modifié",
            "processing_prefs",
            "retry_schedule",
            "true",
            "false",
        ):
            assert raw not in text, raw


def test_the_one_shot_option_says_the_server_lifetime(signed_in: Any) -> None:
    panel = open_tab(signed_in, "Access")
    panel.get_by_text("One-shot (works once, within 10 minutes)").wait_for()


def export_file(page: Any, with_secrets: bool) -> tuple[str, dict[str, Any]]:
    panel = open_tab(page, "Tools")
    if with_secrets:
        panel.get_by_label("Include secrets").check()
        panel.get_by_text("every signing secret in clear text").wait_for()
    with page.expect_download() as info:
        panel.get_by_role("button", name="Download export").click()
    download = info.value
    return download.suggested_filename, json.loads(Path(download.path()).read_text())


def test_export_downloads_the_config_without_secrets(signed_in: Any) -> None:
    name, doc = export_file(signed_in, with_secrets=False)
    assert name.startswith("relais-config-") and name.endswith(".json")
    assert "with-secrets" not in name
    assert doc["format"] == "relais-config" and doc["includes_secrets"] is False
    assert set(doc["documents"]) == {
        "runtime_flags",
        "webhook_targets",
        "routing_rules",
        "time_windows",
        "processing_prefs",
    }
    assert all("secret" not in t for t in doc["documents"]["webhook_targets"]["targets"])
    shots(signed_in, "tools-1280", "tools-375")


def test_export_with_secrets_warns_and_holds_them(signed_in: Any) -> None:
    name, doc = export_file(signed_in, with_secrets=True)
    assert name.endswith("-with-secrets.json")
    assert doc["includes_secrets"] is True
    assert all(
        t["secret"].startswith("whsec_") for t in doc["documents"]["webhook_targets"]["targets"]
    )


def test_a_relais_export_is_previewed_then_imported(
    signed_in: Any, live: Live, tmp_path: Path
) -> None:
    exported = live.admin.get("/api/config/export").get_json()
    exported["documents"]["processing_prefs"]["exclude_keywords"] = ["imported-word"]
    path = tmp_path / "relais-config-2026-12-02.json"
    path.write_text(json.dumps(exported))
    panel = open_tab(signed_in, "Tools")
    panel.get_by_label("Files to import").set_input_files(str(path))
    panel.get_by_text("A Relais export, with:").wait_for()
    panel.get_by_role("button", name="Preview (dry run)").click()
    report = panel.get_by_role("region", name="Mapping report (dry run")
    report.get_by_role("row").filter(has_text="processing_prefs").get_by_text(
        "would be written"
    ).wait_for()
    keywords = live.admin.get("/api/preferences").get_json()["document"]["exclude_keywords"]
    assert keywords != ["imported-word"]
    panel.get_by_role("button", name="Import", exact=True).click()
    confirm(signed_in, "Import")
    final = panel.get_by_role("region", name="Mapping report", exact=True)
    final.get_by_role("row").filter(has_text="processing_prefs").get_by_text("written").wait_for()
    keywords = live.admin.get("/api/preferences").get_json()["document"]["exclude_keywords"]
    assert keywords == ["imported-word"]


OLD_ROUTER = {
    "webhook_config": {
        "webhook_url": "tok123456789@hook.eu2.make.com",
        "webhook_ssl_verify": True,
        "webhook_sending_enabled": True,
        "webhook_time_start": "09h00",
        "webhook_time_end": "18h00",
    },
    "routing_rules": {
        "rules": [
            {
                "id": "1",
                "name": "Factures",
                "conditions": [
                    {"field": "subject", "operator": "contains", "value": "facture"},
                ],
                "actions": {"webhook_url": "https://hook.eu2.make.com/compta"},
            }
        ]
    },
    "processing_prefs": {"exclude_keywords": ["newsletter"], "mystery": 1},
    "runtime_flags": {"gmail_ingress_enabled": True},
}


def test_the_old_router_files_are_imported_with_a_mapping_report(
    signed_in: Any, live: Live, tmp_path: Path
) -> None:
    files = []
    for name, doc in OLD_ROUTER.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    files.append(str(tmp_path / "notes.json"))
    panel = open_tab(signed_in, "Tools")
    panel.get_by_label("Files to import").set_input_files(files)
    panel.get_by_text("The old router\u2019s documents:").wait_for()
    panel.get_by_text("notes.json: neither a Relais export").wait_for()
    panel.get_by_role("button", name="Import", exact=True).click()
    confirm(signed_in, "Import")
    report = panel.get_by_role("region", name="Mapping report", exact=True)
    rows = report.get_by_role("row")
    rows.filter(has_text="webhook_ssl_verify").get_by_text("not mapped").wait_for()
    rows.filter(has_text="processing_prefs.mystery").get_by_text("not mapped").wait_for()
    rows.filter(has_text="routing_rules.rules[").get_by_text("mapped").first.wait_for()
    secret = report.get_by_role("textbox", name="Signing secret of target")
    assert secret.first.input_value().startswith("whsec_")
    targets = {t["url"] for t in live.admin.get("/api/targets").get_json()["items"]}
    # WEBHOOK_URL stays the only default; the old stored URL, named by no rule, is not added
    # (it would double every delivery); the URL a rule names is.
    assert "https://hook.eu2.make.com/compta" in targets
    assert "https://hook.eu2.make.com/tok123456789" not in targets
    shots(signed_in, "tools-import-report", "tools-import-report-375")


def test_access_and_tools_read_in_french(signed_in: Any, live: Live) -> None:
    live.admin.post("/api/magic_links", json={"name": "Téléphone", "days": 3})
    page = signed_in
    page.get_by_label("Language").select_option("fr")
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("tab", name="Accès").click()
    panel = page.get_by_role("tabpanel", name="Accès")
    panel.get_by_role("heading", name="Liens magiques").wait_for()
    panel.get_by_role("button", name="Révoquer le lien Téléphone").wait_for()
    panel.get_by_role("table", name="Journal d'audit").get_by_text("création").wait_for()
    text = panel.inner_text()
    assert "access." not in text and "ui." not in text
    shot(page, "access-fr-375")
    page.get_by_role("tab", name="Outils").click()
    tools = page.get_by_role("tabpanel", name="Outils")
    tools.get_by_role("button", name="Télécharger l'export").wait_for()
    assert "tools." not in tools.inner_text()
    shot(page, "tools-fr-375")
