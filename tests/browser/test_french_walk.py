"""A walk through every screen in French, at 1280 and 375 px, on a Relais with something in it
(emails delivered, ignored and dead, a rule, a second target, a magic link, an audit trail).

Every screen fails the walk on: a raw code or English word shown instead of French words
(`no_links`, `connection_error`, `accepted`, `normal`, `HTTP —`, `(s)`, `&eacute;`...), a
message key shown instead of its text (`overview.metric.rate`), or a page that scrolls sideways.
All screens are walked before failing, so one run names every problem.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.conftest import Live, shot
from tests.conftest import TEST_PASSWORD

SCREENS = (
    ("overview", "Vue d'ensemble"),
    ("deliveries", "Livraisons"),
    ("emails", "E-mails"),
    ("rules", "Règles"),
    ("targets", "Cibles"),
    ("mailboxes", "Boîtes mail"),
    ("schedule", "Horaires"),
    ("preferences", "Préférences"),
    ("flags", "Interrupteurs"),
    ("access", "Accès"),
    ("tools", "Outils"),
)

# Raw codes and English words that must never reach a French screen (whole words, case kept).
RAW = (
    "no_links",
    "connection_error",
    "dns_error",
    "success_not_true",
    "in_flight",
    "waiting_for_target",
    "default_route",
    "accepted",
    "delivered",
    "retrying",
    "scheduled",
    "ignored",
    "parked",
    "normal",
    "high",
    "Loading",
    "Save",
    "Cancel",
    "Previous",
    "Next",
    "never",
    "ago",
)
RAW_TEXT = ("HTTP —", "(s)", "&eacute;", "&amp;", "&#", "undefined", "NaN", "[object Object]")
LINK = '<p>Voici le lot : <a href="https://we.tl/t-Lot{n}x">we.tl</a></p>'


def linked(email_payload: Any, subject: str) -> dict[str, Any]:
    payload: dict[str, Any] = email_payload(subject=subject)
    payload["body"] = LINK.format(n=abs(hash(subject)) % 10_000)
    return payload


def settle(live: Live, state: str, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        items: list[dict[str, Any]] = live.admin.get(
            "/api/deliveries", query_string={"status": state}
        ).get_json()["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return items
        time.sleep(0.1)


def seed(live: Live, email_payload: Any) -> dict[str, str]:
    """Something on every screen: deliveries in each outcome, a rule, targets, links, an audit."""
    admin = live.admin
    prefs = admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0]
    assert admin.put("/api/preferences", json=prefs).status_code == 200
    compta = admin.post(
        "/api/targets",
        json={"name": "Compta", "url": live.sink.url("/compta"), "options": {"default": False}},
    ).get_json()["target"]
    archive = admin.post(
        "/api/targets",
        json={"name": "Archive", "url": "http://127.0.0.1:9/", "options": {"default": False}},
    ).get_json()["target"]
    live.sink.script("/compta", 500)
    rules = {
        "rules": [
            {
                "id": "factures",
                "name": "Factures",
                "conditions": [{"field": "subject", "operator": "contains", "value": "Facture"}],
                "actions": {"targets": [compta["id"]], "priority": "normal"},
            },
            {
                "id": "archives",
                "name": "Archives",
                "conditions": [{"field": "subject", "operator": "contains", "value": "Archive"}],
                "actions": {"targets": [archive["id"]], "priority": "high"},
            },
        ]
    }
    assert admin.put("/api/routing_rules", json={"document": rules}).status_code == 200
    live.push(linked(email_payload, "Lot 7 prêt"))
    live.push(linked(email_payload, "Facture 12"))
    live.push(linked(email_payload, "Archive 3"))
    live.push(linked(email_payload, "D&eacute;sabonnement tarifs"))
    ignored = live.push(email_payload(subject="Lettre d'information"))  # no link: ignored
    dead = settle(live, "dead", 2)
    settle(live, "delivered", 2)
    admin.post("/api/magic_links", json={"name": "Téléphone de Claire", "days": 3})
    return {"ignored": ignored["email_id"], "dead": dead[0]["id"] if dead else ""}


SHOWN = """async () => {
  const { messageKeys } = await import('/static/js/i18n.js');
  const panel = document.querySelector('[role=tabpanel]:not([hidden])');
  const text = [document.querySelector('header'), document.querySelector('nav'), panel]
    .map((el) => (el ? el.innerText : '')).join('\\n');
  const named = (panel || document).querySelectorAll('[aria-label], [title], [placeholder]');
  const labels = [...named]
    .flatMap((el) => ['aria-label', 'title', 'placeholder'].map((a) => el.getAttribute(a)))
    .filter(Boolean)
    .join('\\n');
  const scroll = document.documentElement.scrollWidth;
  const failed = panel?.querySelector(':scope > p.error[role=alert]')?.textContent || '';
  return { text, labels, keys: messageKeys(), scroll, width: innerWidth, failed };
}"""


def shown_problems(page: Any) -> dict[str, Any]:
    """What the screen shows: its text (header, tabs and the open panel), the message keys the
    page knows, and how wide the page is."""
    found: dict[str, Any] = page.evaluate(SHOWN)
    return found


def problems_of(found: dict[str, Any]) -> list[str]:
    if found.get("failed"):
        return [f"the screen did not load: {found['failed']}"]
    text = f"{found['text']}\n{found['labels']}"
    problems = [f"raw code {word!r}" for word in RAW if re.search(rf"\b{re.escape(word)}\b", text)]
    problems += [f"raw text {raw!r}" for raw in RAW_TEXT if raw in text]
    keys = set(found["keys"])
    prefixes = sorted({key.split(".")[0] for key in keys})
    pattern = re.compile(
        rf"(?<![\w/.-])(?:{'|'.join(prefixes)})\.[a-z_]+(?:\.[a-z0-9_]+)*(?![\w/-])"
    )
    shown_keys = {m.group(0) for m in pattern.finditer(text)}
    problems += [f"message key {key!r}" for key in sorted(shown_keys)]
    if found["scroll"] > found["width"]:
        problems.append(f"scrolls sideways ({found['scroll']} > {found['width']} px)")
    return problems


def open_screen(page: Any, screen: str, query: str = "") -> None:
    page.goto(f"/#/{screen}{query}")
    page.wait_for_function(
        "id => document.querySelector('[role=tab][aria-selected=true]')?.id === id",
        arg=f"tab-{screen}",
    )
    panel = page.locator(f"#panel-{screen}")
    panel.locator(":scope > *").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "id => !document.getElementById(id).hasAttribute('aria-busy')"
        " && !document.getElementById(id).querySelector('[aria-busy=true], .loading')",
        arg=f"panel-{screen}",
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_every_screen_reads_in_french_without_codes_or_keys(
    live: Live, email_payload: Any, browser: Any, width: int
) -> None:
    ids = seed(live, email_payload)
    context = browser.new_context(
        base_url=live.url, viewport={"width": width, "height": 900}, locale="fr-FR"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login")
    page.get_by_label("Mot de passe").wait_for()
    sign_in_fr(page)
    report: dict[str, list[str]] = {}
    walk = [(screen, "") for screen, _ in SCREENS]
    walk += [("emails", f"?id={ids['ignored']}"), ("deliveries", f"?id={ids['dead']}")]
    for screen, query in walk:
        open_screen(page, screen, query)
        assert (
            page.get_by_role("tab", name=dict(SCREENS)[screen]).get_attribute("aria-selected")
            == "true"
        )
        name = f"{screen}{'-detail' if query else ''}"
        shot(page, f"walk-fr-{name}-{width}")
        found = problems_of(shown_problems(page))
        if found:
            report[name] = found
    context.close()
    assert not errors, errors
    assert not report, "\n".join(f"{name}: {'; '.join(p)}" for name, p in report.items())


# Codes that must not reach a screen in either language (English words are fine in English).
RAW_CODES = tuple(word for word in RAW if "_" in word)


@pytest.mark.parametrize("width", [1280, 375])
def test_every_screen_reads_in_english_without_codes_or_keys(
    live: Live, email_payload: Any, browser: Any, width: int
) -> None:
    """The same walk in English: no raw code or message key, no sideways scroll, and the
    screenshots of every screen (lists and details included) to look at next to the French."""
    ids = seed(live, email_payload)
    context = browser.new_context(
        base_url=live.url, viewport={"width": width, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.get_by_role("tablist").wait_for()
    report: dict[str, list[str]] = {}
    walk = [(screen, "") for screen, _ in SCREENS]
    walk += [("emails", f"?id={ids['ignored']}"), ("deliveries", f"?id={ids['dead']}")]
    for screen, query in walk:
        open_screen(page, screen, query)
        name = f"{screen}{'-detail' if query else ''}"
        shot(page, f"walk-en-{name}-{width}")
        found = shown_problems(page)
        problems = [p for p in problems_of(found) if not p.startswith("raw code")]
        text = f"{found['text']}\n{found['labels']}"
        codes = [w for w in RAW_CODES if re.search(rf"\b{re.escape(w)}\b", text)]
        problems += [f"raw code {code!r}" for code in codes]
        if problems:
            report[name] = problems
    context.close()
    assert not errors, errors
    assert not report, "\n".join(f"{name}: {'; '.join(p)}" for name, p in report.items())


def sign_in_fr(page: Any) -> None:
    """The French login form (the browser asks for French)."""
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    page.get_by_role("tablist").wait_for()
    assert page.evaluate("document.documentElement.lang") == "fr"
