"""The Rules screen in a real browser: create rules through the form (their id made from their
name), reorder them with the mouse and the keyboard (saved at once), one save button, refuse a
bad regex before saving, survive a version conflict, and run dry runs on a pasted email and on
the last emails, in English and in French."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Live, open_tab, shot, shots

LIST_NAME = "Rules, in the order they are tried"


def saved_rules(live: Live) -> dict[str, Any]:
    body: dict[str, Any] = live.admin.get("/api/routing_rules").get_json()
    return body


def saved_ids(live: Live) -> list[str]:
    return [rule["id"] for rule in saved_rules(live)["document"]["rules"]]


def rule_audits(live: Live) -> int:
    items = live.admin.get("/api/audit", query_string={"limit": 200}).get_json()["items"]
    return sum(1 for item in items if str(item.get("resource", "")).startswith("routing_rules@"))


def open_rules(page: Any) -> Any:
    panel = open_tab(page, "Rules")
    panel.get_by_role("list", name=LIST_NAME).wait_for()
    return panel


def fill_rule(page: Any, rule_id: str, name: str, value: str, operator: str = "contains") -> Any:
    """Open the editor for a new rule and fill one condition on the subject (not saved).
    The id is set under "Advanced" (it is otherwise made from the name)."""
    page.get_by_role("button", name="New rule", exact=True).click()
    form = page.get_by_role("form", name="New rule")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_text("Advanced: rule id").click()
    form.get_by_label("Rule id").fill(rule_id)
    form.get_by_label("Field").select_option("subject")
    form.get_by_label("Operator").select_option(operator)
    form.get_by_label("Value", exact=True).fill(value)
    return form


def add_rule(page: Any, rule_id: str, name: str, value: str) -> None:
    form = fill_rule(page, rule_id, name, value)
    form.get_by_role("button", name="Save rule").click()
    expect(form).to_be_hidden()
    page.get_by_role("list", name=LIST_NAME).get_by_text(name, exact=True).wait_for()


def seed_three(page: Any, live: Live) -> Any:
    panel = open_rules(page)
    add_rule(page, "r-invoices", "Invoices", "invoice")
    add_rule(page, "r-planning", "Planning", "mission")
    add_rule(page, "r-news", "Newsletter", "news")
    assert saved_ids(live) == ["r-invoices", "r-planning", "r-news"]
    return panel


def names_in_list(panel: Any) -> list[str]:
    items = panel.get_by_role("list", name=LIST_NAME).locator(".rule-name")
    return [text.strip() for text in items.all_text_contents()]


def test_rules_are_created_through_the_form_and_saved(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = seed_three(page, live)
    assert names_in_list(panel) == ["Invoices", "Planning", "Newsletter"]
    rule = saved_rules(live)["document"]["rules"][0]
    assert rule["conditions"] == [
        {"field": "subject", "operator": "contains", "value": "invoice", "case_sensitive": False}
    ]
    assert rule["actions"]["targets"], "the first target is preselected"
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version"))
    expect(panel.locator(".rule-summary").first).to_have_text(
        'Subject contains "invoice" → WEBHOOK_URL'
    )
    shots(page, "rules-list", "rules-list-375")


ONE_SAVE_WORDS = {
    "en": {
        "tab": "Rules",
        "new": "New rule",
        "form": "New rule",
        "name": "Name",
        "value": "Value",
        "save": "Save rule",
        "edit": "Edit rule “Invoices”",
        "edit_form": "Edit rule “Invoices”",
        "saved": "Saved, version 1",
        "nothing": "Nothing changed: nothing was saved.",
    },
    "fr": {
        "tab": "Règles",
        "new": "Nouvelle règle",
        "form": "Nouvelle règle",
        "name": "Nom",
        "value": "Valeur",
        "save": "Enregistrer la règle",
        "edit": "Modifier la règle « Invoices »",
        "edit_form": "Modifier la règle « Invoices »",
        "saved": "Enregistré, version 1",
        "nothing": "Rien n\u2019a changé : rien n\u2019a été enregistré.",
    },
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_save_rule_is_the_one_save_and_a_save_that_changes_nothing_writes_nothing(
    signed_in: Any, live: Live, lang: str
) -> None:
    words = ONE_SAVE_WORDS[lang]
    page = signed_in
    page.get_by_label("Language").select_option(lang)
    panel = open_tab(page, words["tab"])
    panel.get_by_role("button", name=words["new"], exact=True).click()
    form = page.get_by_role("form", name=words["form"])
    form.get_by_label(words["name"], exact=True).fill("Invoices")
    form.get_by_label(words["value"], exact=True).fill("invoice")
    form.get_by_role("button", name=words["save"]).click()
    expect(form).to_be_hidden()
    expect(panel.locator(".rules-status")).to_have_text(words["saved"])
    expect(panel.locator(".rules-status")).to_have_class(re.compile(r"\bok\b"))
    # One save: the editor's. Nothing else asks to be saved, nothing stays highlighted.
    assert panel.get_by_role("button", name=re.compile("^(Save|Enregistrer)")).count() == 0
    expect(page.get_by_role("tab", name=words["tab"])).not_to_have_class(re.compile("dirty"))
    assert (saved_rules(live)["version"], rule_audits(live)) == (1, 1)
    panel.get_by_role("button", name=words["edit"]).click()
    edit = page.get_by_role("form", name=words["edit_form"])
    edit.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_text(words["nothing"])).to_be_visible()
    expect(edit).to_be_hidden()
    assert (saved_rules(live)["version"], rule_audits(live)) == (1, 1), "no version, no audit"
    expect(panel.locator(".rules-status")).to_have_text(words["saved"])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_rule_id_is_made_from_its_name(signed_in: Any, live: Live, lang: str) -> None:
    words = ONE_SAVE_WORDS[lang]
    page = signed_in
    page.get_by_label("Language").select_option(lang)
    panel = open_tab(page, words["tab"])
    panel.get_by_role("button", name=words["new"], exact=True).click()
    form = page.get_by_role("form", name=words["form"])
    rule_id = form.locator("input[id$='-id']")
    expect(rule_id).to_be_hidden()  # under "Advanced": nobody has to invent one
    form.get_by_label(words["name"], exact=True).fill("Factures clients (été)")
    expect(rule_id).to_have_value("factures-clients-ete")
    form.get_by_label(words["value"], exact=True).fill("facture")
    form.get_by_role("button", name=words["save"]).click()
    expect(form).to_be_hidden()
    panel.get_by_role("button", name=words["new"], exact=True).click()
    form.get_by_label(words["name"], exact=True).fill("Factures clients (été)")
    expect(rule_id).to_have_value("factures-clients-ete-2")
    assert saved_ids(live) == ["factures-clients-ete"]


def test_targets_are_named_with_their_badges_never_as_default_default(
    signed_in: Any, live: Live
) -> None:
    resp = live.admin.post(
        "/api/targets",
        json={"name": "Compta", "url": live.sink.url("/c"), "options": {"default": False}},
    )
    assert resp.status_code == 201
    page = signed_in
    panel = open_rules(page)
    route = panel.locator(".rules-default-targets")
    expect(route.get_by_label(re.compile("^WEBHOOK_URL"))).to_be_visible()
    expect(route.locator("label", has_text="WEBHOOK_URL")).to_have_text("WEBHOOK_URL environment")
    expect(route.get_by_text(re.compile("now “WEBHOOK_URL”"))).to_be_visible()
    panel.get_by_role("button", name="New rule", exact=True).click()
    send_to = page.get_by_role("group", name="Send to", exact=True)
    expect(send_to.locator("label")).to_have_text(["WEBHOOK_URL environment", "Compta"])
    assert "(default)" not in panel.inner_text()


def test_reordering_with_the_mouse_is_saved_at_once(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = seed_three(page, live)
    page.evaluate("window.scrollTo(0, 0)")  # the whole list in view: a drag does not scroll
    items = panel.get_by_role("list", name=LIST_NAME).get_by_role("listitem")
    handle = panel.get_by_role("button", name=re.compile("Move rule “Newsletter”"))
    handle.drag_to(items.nth(0), target_position={"x": 40, "y": 4})
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version 4"))
    assert names_in_list(panel) == ["Newsletter", "Invoices", "Planning"]
    assert saved_ids(live) == ["r-news", "r-invoices", "r-planning"]
    expect(page.get_by_role("tab", name="Rules")).not_to_have_class(re.compile("dirty"))


def test_reordering_with_the_keyboard_is_announced_and_saved(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = seed_three(page, live)
    panel.get_by_role("button", name=re.compile("Move rule “Invoices”")).focus()
    page.keyboard.press("Alt+ArrowDown")
    live_region = panel.locator("p[aria-live='polite']")
    expect(live_region).to_have_text("Rule “Invoices” moved to position 2.")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith("Move rule “Invoices”"), "the focus follows the moved rule"
    page.keyboard.press("Alt+ArrowDown")
    expect(live_region).to_have_text("Rule “Invoices” moved to position 3.")
    panel.get_by_role("button", name="Move “Newsletter” up").focus()
    page.keyboard.press("Enter")
    expect(live_region).to_have_text("Rule “Newsletter” moved to position 1.")
    assert names_in_list(panel) == ["Newsletter", "Planning", "Invoices"]
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version 6"))
    assert saved_ids(live) == ["r-news", "r-planning", "r-invoices"]


def test_every_field_and_operator_can_be_set_in_the_form(signed_in: Any, live: Live) -> None:
    page = signed_in
    open_rules(page)
    form = fill_rule(page, "r-all", "Everything", "x")
    form.get_by_role("button", name="Add a condition").click()
    second = form.get_by_role("group", name="Condition 2")
    second.get_by_label("Field").select_option("header")
    second.get_by_label("Header name").fill("List-Id")
    second.get_by_label("Operator").select_option("not_in")
    second.get_by_label("Values (one per line)").fill("a.example\nb.example")
    second.get_by_label("Case sensitive").check()
    form.get_by_role("button", name="Add a condition").click()
    third = form.get_by_role("group", name="Condition 3")
    third.get_by_label("Field").select_option("has_attachments")
    third.get_by_label("Operator").select_option("not_equals")
    third.get_by_label("Value", exact=True).select_option("true")
    form.get_by_label("Match", exact=True).select_option("any")
    form.get_by_label(re.compile("^Stop here")).uncheck()
    form.get_by_label("Priority").select_option("high")
    form.get_by_label("Outside the delivery window").select_option("send")
    shots(page, "rules-editor", "rules-editor-375")
    form.get_by_role("button", name="Save rule").click()
    expect(form).to_be_hidden()
    rule = saved_rules(live)["document"]["rules"][0]
    assert rule["match"] == "any"
    assert rule["conditions"][1:] == [
        {
            "field": "header:List-Id",
            "operator": "not_in",
            "value": ["a.example", "b.example"],
            "case_sensitive": True,
        },
        {
            "field": "has_attachments",
            "operator": "not_equals",
            "value": True,
            "case_sensitive": False,
        },
    ]
    assert rule["actions"]["stop"] is False
    assert rule["actions"]["priority"] == "high"
    assert rule["actions"]["window_policy"] == "send"


def test_an_invalid_regex_is_flagged_before_saving_and_nothing_is_saved(
    signed_in: Any, live: Live
) -> None:
    page = signed_in
    open_rules(page)
    form = fill_rule(page, "r-bad", "Broken", "facture(unclosed", operator="regex")
    value = form.get_by_label("Value", exact=True)
    error = form.get_by_text("Invalid regular expression.")
    expect(error).to_be_visible()
    expect(value).to_have_attribute("aria-invalid", "true")
    form.get_by_role("button", name="Save rule").click()
    expect(form.get_by_text("This rule has errors")).to_be_visible()
    expect(value).to_be_focused()
    value.fill("(?=look)ahead")
    expect(form.get_by_text(re.compile("Look-arounds"))).to_be_visible()
    form.get_by_role("button", name="Save rule").click()
    assert saved_rules(live)["version"] == 0 and saved_ids(live) == []
    value.fill(r"^fact\w+")
    expect(value).to_have_attribute("aria-invalid", "false")


def test_a_regex_only_re2_refuses_gets_the_servers_message_next_to_it(
    signed_in: Any, live: Live
) -> None:
    page = signed_in
    open_rules(page)
    form = fill_rule(page, "r-re2", "Huge repeat", "a{1001}", operator="regex")
    form.get_by_role("button", name="Save rule").click()
    expect(form.get_by_text(re.compile("condition 0: invalid regular expression"))).to_be_visible()
    expect(form.get_by_label("Value", exact=True)).to_have_attribute("aria-invalid", "true")
    assert saved_ids(live) == []


def test_a_version_conflict_keeps_my_change_on_screen_until_i_reload(
    signed_in: Any, live: Live
) -> None:
    page = signed_in
    panel = seed_three(page, live)
    theirs = saved_rules(live)
    theirs["document"]["rules"] = theirs["document"]["rules"][:1]
    resp = live.admin.put("/api/routing_rules", json=theirs)
    assert resp.status_code == 200
    panel.get_by_role("button", name="Move “Newsletter” up").click()
    banner = panel.get_by_role("alert").filter(has_text="Someone else saved these rules")
    expect(banner).to_be_visible()
    assert names_in_list(panel) == ["Invoices", "Newsletter", "Planning"], "my change stays"
    expect(panel.locator(".rules-status")).to_have_text("Unsaved changes")
    expect(page.get_by_role("tab", name="Rules")).to_have_class(re.compile("dirty"))
    shot(page, "rules-conflict")
    banner.get_by_role("button", name="Reload their version").click()
    expect(banner).to_be_hidden()
    assert names_in_list(panel) == ["Invoices"]
    expect(page.get_by_role("tab", name="Rules")).not_to_have_class(re.compile("dirty"))
    assert saved_ids(live) == ["r-invoices"]


def test_a_dry_run_on_a_pasted_email_shows_the_decision_and_trace(
    signed_in: Any, live: Live
) -> None:
    page = signed_in
    panel = seed_three(page, live)
    dry = panel.get_by_role("region", name="Dry run")
    dry.get_by_label("Sender").fill("Billing <billing@shop.example>")
    dry.get_by_label("Subject").fill("Your newsletter of the week")
    dry.get_by_label("Body").fill("Hello")
    dry.get_by_role("button", name="Run the dry run").click()
    result = dry.locator(".rules-decision")
    expect(result.locator("dd").nth(0)).to_have_text("would be sent")
    expect(result.locator("dd").nth(2)).to_have_text("Newsletter")
    expect(result.locator("dd").nth(5)).to_have_text("Normal")
    trace = result.get_by_role("table")
    expect(trace.get_by_role("row")).to_have_count(4)
    first = trace.get_by_role("row", name=re.compile("Invoices"))
    expect(first.locator("td").first).to_have_text("1", use_inner_text=True)
    expect(first).to_contain_text("not matched")
    expect(first).to_contain_text("condition 1 does not hold (Subject contains)")
    hit = trace.get_by_role("row", name=re.compile("Newsletter"))
    expect(hit).to_contain_text("matched")
    expect(hit).to_contain_text("condition 1 holds (Subject contains)")
    shots(page, "rules-dry-run", "rules-dry-run-375")


def test_a_dry_run_uses_the_unsaved_edits_and_a_recent_email(
    signed_in: Any, live: Live, email_payload: Any
) -> None:
    page = signed_in
    live.push(email_payload(subject="Quarterly invoice"))
    panel = open_rules(page)
    fill_rule(page, "r-draft", "Draft invoices", "invoice")
    dry = panel.get_by_role("region", name="Dry run")
    dry.get_by_label("Pick a recent email").check()
    expect(dry.get_by_label("Recent email", exact=True)).to_contain_text("Quarterly invoice")
    dry.get_by_role("button", name="Run the dry run").click()
    expect(dry.locator(".rules-decision dd").nth(2)).to_have_text("Draft invoices")
    assert saved_ids(live) == [], "the dry run saves nothing"


def test_what_would_change_on_the_last_emails(
    signed_in: Any, live: Live, email_payload: Any
) -> None:
    page = signed_in
    live.push(email_payload(subject="Invoice 1"))
    live.push(email_payload(subject="Invoice 2"))
    live.push(email_payload(subject="Mission planning"))
    panel = open_rules(page)
    fill_rule(page, "r-inv", "Invoices", "invoice")
    dry = panel.get_by_role("region", name="Dry run")
    replay = dry.get_by_role("region", name="What would change")
    expect(replay).to_contain_text("the decision of the saved rules with the decision of the")
    dry.get_by_label("Number of recent emails").fill("10")
    dry.get_by_role("button", name="Show what would change").click()
    expect(dry.get_by_text("3 emails evaluated, 2 would change.")).to_be_visible()
    table = dry.get_by_role("table", name="Decisions with the saved rules and with your edits")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Email", "With the saved rules", "With your edits"]
    )
    expect(table.get_by_role("row")).to_have_count(4)
    changed = table.get_by_role("row", name=re.compile("Invoice 2"))
    expect(changed.locator("td.before")).to_have_text(
        "would be ignored (no download link) → no target"
    )
    expect(changed.locator("mark")).to_have_text("would be sent → WEBHOOK_URL by Invoices")
    expect(changed).to_contain_text("changed: status, targets, rules")
    same = table.get_by_role("row", name=re.compile("Mission planning"))
    expect(same.locator("mark")).to_have_count(0)
    expect(same).to_have_class("same")
    shots(page, "rules-replay", "rules-replay-375")


def test_the_enable_switch_saves_and_delete_asks_first(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = seed_three(page, live)
    panel.get_by_label("Rule “Planning” enabled").uncheck()
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version 4"))
    assert [r["enabled"] for r in saved_rules(live)["document"]["rules"]] == [True, False, True]
    panel.get_by_role("button", name="Delete rule “Invoices”").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert saved_ids(live) == ["r-invoices", "r-planning", "r-news"]
    panel.get_by_role("button", name="Delete rule “Invoices”").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version 5"))
    assert saved_ids(live) == ["r-planning", "r-news"]


RAW_WORDS = re.compile(r"\b(matched|no match|condition 0|accepted|normal|Subject contains)\b")


def test_the_screen_and_its_dry_run_speak_french(
    signed_in: Any, live: Live, email_payload: Any
) -> None:
    page = signed_in
    seed_three(page, live)
    live.push(email_payload(subject="Invoice 7"))
    page.get_by_label("Language").select_option("fr")
    panel = open_tab(page, "Règles")
    panel.get_by_role("list", name="Règles, dans leur ordre d\u2019essai").wait_for()
    expect(panel.locator(".rule-summary").first).to_have_text(
        'Objet contient "invoice" → WEBHOOK_URL'
    )
    dry = panel.get_by_role("region", name="Essai à blanc")
    dry.get_by_label("Expéditeur").fill("Billing <billing@shop.example>")
    dry.get_by_label("Objet").fill("Your newsletter of the week")
    dry.get_by_role("button", name="Lancer l\u2019essai").click()
    trace = dry.locator(".rules-decision").get_by_role("table")
    expect(trace.get_by_role("columnheader")).to_have_text(["N°", "Règle", "Résultat"])
    first = trace.get_by_role("row", name=re.compile("Invoices"))
    expect(first).to_contain_text("la condition 1 n\u2019est pas remplie (Objet contient)")
    expect(first).to_contain_text("non appliquée")
    expect(dry.locator(".rules-decision dd").nth(0)).to_have_text("serait envoyé")
    panel.get_by_role("button", name="Nouvelle règle").click()
    form = page.get_by_role("form", name="Nouvelle règle")
    form.get_by_label("Nom", exact=True).fill("Factures")
    form.get_by_label("Valeur", exact=True).fill("invoice")
    dry.get_by_role("button", name="Voir ce qui changerait").click()
    expect(dry.locator(".rules-replay-summary")).to_have_text(
        "1 e-mail évalué : aucune décision ne changerait."
    )
    table = dry.locator("table.rules-replay")
    expect(table.locator("td.after")).to_contain_text("serait envoyé → WEBHOOK_URL par Invoices")
    assert not RAW_WORDS.search(dry.inner_text()), dry.inner_text()
    shots(page, "rules-dry-run-fr", "rules-dry-run-fr-375")


def test_a_link_to_a_rule_opens_it_in_the_editor(signed_in: Any, live: Live) -> None:
    page = signed_in
    seed_three(page, live)
    page.goto("/#/rules?id=r-planning")
    form = page.get_by_role("form", name="Edit rule “Planning”")
    expect(form.get_by_label("Rule id")).to_have_value("r-planning")


RULES_SCREEN = {
    "en": ("Rules", "Dry run", "Sender", "Subject", "Run the dry run", "Edit rule “Planning”"),
    "fr": (
        "Règles",
        "Essai à blanc",
        "Expéditeur",
        "Objet",
        "Lancer l\u2019essai",
        "Modifier la règle « Planning »",
    ),
}


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_screenshots_of_the_rules_screen(
    signed_in: Any, live: Live, email_payload: Any, lang: str, width: int
) -> None:
    def rule(rule_id: str, name: str, value: str, **extra: Any) -> dict[str, Any]:
        condition = {"field": "subject", "operator": "contains", "value": value}
        return {
            "id": rule_id,
            "name": name,
            "conditions": [condition],
            "actions": {"targets": ["default"]},
            **extra,
        }

    document = {
        "rules": [
            rule("invoices", "Invoices", "invoice"),
            rule("planning", "Planning", "mission", enabled=False),
            rule("news", "Newsletter", "news", match="any"),
        ]
    }
    assert live.admin.put("/api/routing_rules", json={"document": document}).status_code == 200
    live.push(email_payload(subject="Invoice 12"))
    tab, dry_name, sender, subject, run, edit = RULES_SCREEN[lang]
    page = signed_in
    page.set_viewport_size({"width": width, "height": 800})
    page.get_by_label("Language").select_option(lang)
    panel = open_tab(page, tab)
    dry = panel.get_by_role("region", name=dry_name)
    dry.get_by_label(sender).fill("Billing <billing@shop.example>")
    dry.get_by_label(subject).fill("Your newsletter of the week")
    dry.get_by_role("button", name=run).click()
    dry.locator(".rules-decision table").wait_for()
    shot(page, f"rules-{lang}-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, f"Rules scrolls sideways at {width}px in {lang}"
    panel.get_by_role("button", name=edit).click()
    panel.locator(".rules-form").wait_for()
    shot(page, f"rules-editor-{lang}-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, f"the rule editor scrolls sideways at {width}px in {lang}"
