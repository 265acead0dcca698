"""The Rules screen in a real browser: create rules through the form, reorder them with
the mouse and the keyboard, refuse a bad regex before saving, survive a version conflict,
and run dry runs on a pasted email and on the last emails."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Live, open_tab, shot, shots

LIST_NAME = "Rules, in the order they are tried"


def saved_rules(live: Live) -> dict[str, Any]:
    body: dict[str, Any] = live.admin.get("/api/routing_rules").get_json()
    return body


def saved_ids(live: Live) -> list[str]:
    return [rule["id"] for rule in saved_rules(live)["document"]["rules"]]


def open_rules(page: Any) -> Any:
    panel = open_tab(page, "Rules")
    panel.get_by_role("list", name=LIST_NAME).wait_for()
    return panel


def fill_rule(page: Any, rule_id: str, name: str, value: str, operator: str = "contains") -> Any:
    """Open the editor for a new rule and fill one condition on the subject (not saved)."""
    page.get_by_role("button", name="New rule", exact=True).click()
    form = page.get_by_role("form", name="New rule")
    form.get_by_label("Rule id").fill(rule_id)
    form.get_by_label("Name", exact=True).fill(name)
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
    shots(page, "rules-list", "rules-list-375")


def test_reordering_with_the_mouse_is_saved(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = seed_three(page, live)
    items = panel.get_by_role("list", name=LIST_NAME).get_by_role("listitem")
    handle = panel.get_by_role("button", name=re.compile("Move rule “Newsletter”"))
    handle.drag_to(items.nth(0), target_position={"x": 40, "y": 4})
    assert names_in_list(panel) == ["Newsletter", "Invoices", "Planning"]
    expect(page.get_by_role("tab", name="Rules")).to_have_class(re.compile("dirty"))
    assert saved_ids(live) == ["r-invoices", "r-planning", "r-news"], "not saved before Save"
    panel.get_by_role("button", name="Save rules").click()
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version 4"))
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
    panel.get_by_role("button", name="Save rules").focus()
    page.keyboard.press("Enter")
    expect(panel.locator(".rules-status")).to_have_text(re.compile("Saved, version 4"))
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


def test_a_version_conflict_keeps_my_edits_until_i_reload(signed_in: Any, live: Live) -> None:
    page = signed_in
    panel = seed_three(page, live)
    theirs = saved_rules(live)
    theirs["document"]["rules"] = theirs["document"]["rules"][:1]
    resp = live.admin.put("/api/routing_rules", json=theirs)
    assert resp.status_code == 200
    panel.get_by_role("button", name="Move “Newsletter” up").click()
    panel.get_by_role("button", name="Save rules").click()
    banner = panel.get_by_role("alert").filter(has_text="Someone else saved these rules")
    expect(banner).to_be_visible()
    assert names_in_list(panel) == ["Invoices", "Newsletter", "Planning"], "my edits stay"
    expect(page.get_by_role("tab", name="Rules")).to_have_class(re.compile("dirty"))
    shot(page, "rules-conflict")
    banner.get_by_role("button", name="Reload their version (discard mine)").click()
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
    expect(result.get_by_text("r-news", exact=True)).to_be_visible()
    trace = result.get_by_role("table")
    expect(trace.get_by_role("row")).to_have_count(4)
    expect(trace.get_by_role("row", name=re.compile("Newsletter"))).to_contain_text("matched")
    expect(trace.get_by_role("row", name=re.compile("Invoices"))).to_contain_text("no match")
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
    expect(dry.locator(".rules-decision").get_by_text("r-draft", exact=True)).to_be_visible()
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
    dry.get_by_label("Number of recent emails").fill("10")
    dry.get_by_role("button", name="Show what would change").click()
    expect(dry.get_by_text("3 emails evaluated, 2 would change.")).to_be_visible()
    table = dry.get_by_role("table", name="Decisions before and after the edits")
    expect(table.get_by_role("row")).to_have_count(4)
    changed = table.get_by_role("row", name=re.compile("Invoice 2"))
    expect(changed.locator("mark")).to_contain_text("[r-inv]")
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


def test_the_screen_speaks_french(signed_in: Any) -> None:
    page = signed_in
    page.get_by_label("Language").select_option("fr")
    panel = open_tab(page, "Règles")
    panel.get_by_role("list", name="Règles, dans leur ordre d'essai").wait_for()
    panel.get_by_role("button", name="Nouvelle règle").click()
    expect(panel.get_by_label("Identifiant de la règle")).to_be_visible()
    expect(panel.get_by_role("heading", name="Essai à blanc")).to_be_visible()


def test_a_link_to_a_rule_opens_it_in_the_editor(signed_in: Any, live: Live) -> None:
    page = signed_in
    seed_three(page, live)
    page.goto("/#/rules?id=r-planning")
    form = page.get_by_role("form", name="Edit rule “Planning”")
    expect(form.get_by_label("Rule id")).to_have_value("r-planning")
