"""The Deliveries and Emails lists in a real browser, in English and French, at 1280 and 375 px:
the search, "Showing 1-50 of 1,284" (and "about" when the server estimated), the last error
and every code in words, relative times with the exact time on hover, the email's text
preview and why an ignored email went nowhere, cards instead of a table on a phone (no
sideways scroll), the attempts table whole beside the list. Screenshots: lists-*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Live, shot
from tests.browser.test_monitor import linked, one_attempt_only, wait_for_state

LANGS = ("en", "fr")
BROKEN = "http://127.0.0.1:9/hook"  # nothing listens: "connection refused"
WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "deliveries": "Deliveries",
        "emails": "Emails",
        "search": "Search",
        "apply": "Apply filters",
        "find": "Search",
        "showing": "Showing 1\u20132 of 2",
        "one": "Showing 1\u20131 of 1",
        "none": "No delivery matches these filters.",
        "about": re.compile(r"Showing 1\u20132 of about 1,300"),
        "refused": "connection refused or lost",
        "delivered": "delivered",
        "dead": "dead",
        "ignored_why": "no download link, and no detector or rule claimed it",
        "nobody": "nobody: the email was ignored",
        "preview": "Body preview",
        "outcome": "Outcome",
        "next": "Next try",
        "ago": re.compile(r"(now|seconds? ago|minutes? ago|min\. ago)"),
    },
    "fr": {
        "deliveries": "Livraisons",
        "emails": "E-mails",
        "search": "Rechercher",
        "apply": "Appliquer les filtres",
        "find": "Rechercher",
        "showing": "Affichage de 1 à 2 sur 2",
        "one": "Affichage de 1 à 1 sur 1",
        "none": "Aucune livraison ne correspond à ces filtres.",
        "about": re.compile(r"Affichage de 1 à 2 sur environ 1\s300"),
        "refused": "connexion refusée ou interrompue",
        "delivered": "livrée",
        "dead": "en échec",
        "ignored_why": "aucun lien de téléchargement",
        "nobody": "personne : l\u2019e-mail a été ignoré",
        "preview": "Début du message",
        "outcome": "Issue",
        "next": "Prochain essai",
        "ago": re.compile(r"(maintenant|il y a \d+ (seconde|minute)s?)"),
    },
}
# Never on screen: codes of the server, English words on a French screen, message keys, ISO dates.
RAW = ("connection_error", "no_links", "lease_expired", "in_flight", "HTTP —", "(s)", "None")
RAW_FR = re.compile(r"\b(delivered|dead|accepted|ignored|normal|scheduled|Status|Target|Subject)\b")
KEYS = re.compile(r"\b(deliveries|emails|records|outcome|monitor|release|reroute)\.[a-z_.]+\b")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture
def seeded(live: Live, email_payload: Any) -> dict[str, Any]:
    """'Livraison 7' delivered to the sink and dead at a receiver that refuses connections
    (one attempt each); 'Bonjour' ignored (no download link)."""
    one_attempt_only(live)
    target = {"id": "broken", "name": "Broken receiver", "url": BROKEN}
    target["options"] = {"default": True}
    assert live.admin.post("/api/targets", json=target).status_code == 201
    accepted = live.push(linked(email_payload, subject="Livraison 7"))
    text = "<p>Bonjour, <b>rien</b> à télécharger.</p>"
    ignored = live.push(email_payload(subject="Bonjour", body=text))
    (delivered,) = wait_for_state(live, "delivered", 1)
    (dead,) = wait_for_state(live, "dead", 1)
    return {"accepted": accepted, "ignored": ignored, "delivered": delivered, "dead": dead}


def in_lang(page: Any, lang: str) -> None:
    if lang == "fr":
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("tab", name="Livraisons").wait_for()


def screen(page: Any, lang: str, name: str, hash_: str = "") -> Any:
    """Open a screen by its route and wait for its list."""
    page.goto(f"/#/{name}{hash_}")
    page.locator(f"#panel-{name}[data-loaded=true]").wait_for()
    return page.get_by_role("tabpanel", name=WORDS[lang][name])


def summary(panel: Any) -> str:
    text: str = panel.locator(".records-summary").inner_text()
    return text


def in_words(panel: Any, lang: str) -> None:
    """No code of the server, message key or ISO date on screen (nor English on a French one)."""
    text = panel.inner_text()
    assert not [raw for raw in RAW if raw in text], text
    assert not KEYS.search(text), KEYS.search(text)
    assert not ISO.search(text), ISO.search(text)
    if lang == "fr":
        assert not RAW_FR.search(text), RAW_FR.search(text)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("innerWidth")
    assert width <= inner, f"the page scrolls sideways ({width} > {inner} px)"


@pytest.mark.parametrize("lang", LANGS)
def test_the_search_finds_subjects_and_ids_on_both_screens(
    live: Live, seeded: Any, signed_in: Any, lang: str
) -> None:
    page, w = signed_in, WORDS[lang]
    in_lang(page, lang)
    panel = screen(page, lang, "deliveries")
    panel.get_by_label(w["search"], exact=True).fill("livraison")
    panel.get_by_role("button", name=w["apply"]).click()
    page.wait_for_url("**/#/deliveries?q=livraison")
    panel.locator(".records-summary", has_text=w["showing"]).wait_for()
    assert panel.locator("tbody tr").count() == 2
    panel.get_by_label(w["search"], exact=True).fill(seeded["dead"]["webhook_id"])
    panel.get_by_role("button", name=w["apply"]).click()
    panel.locator(".records-summary", has_text=w["one"]).wait_for()
    assert w["refused"] in panel.locator("tbody tr").inner_text()
    panel.get_by_label(w["search"], exact=True).fill("pas un objet")
    panel.get_by_role("button", name=w["apply"]).click()
    panel.get_by_role("status").filter(has_text=w["none"]).wait_for()
    emails = screen(page, lang, "emails", f"?q={seeded['delivered']['id']}")
    emails.locator(".records-summary", has_text=w["one"]).wait_for()
    assert emails.get_by_label(w["search"], exact=True).input_value() == seeded["delivered"]["id"]
    assert emails.get_by_role("link", name="Livraison 7").count() == 1
    shot(page, f"lists-emails-search-{lang}-1280")


@pytest.mark.parametrize("lang", LANGS)
def test_an_estimated_total_reads_about(live: Live, seeded: Any, signed_in: Any, lang: str) -> None:
    page = signed_in

    def estimated(route: Any) -> None:
        resp = route.fetch()
        body = resp.json()
        body.update(total=1284, total_exact=False)
        route.fulfill(response=resp, json=body)

    page.route(re.compile(r"/api/deliveries\?"), estimated)
    in_lang(page, lang)
    panel = screen(page, lang, "deliveries", "?q=livraison")
    assert WORDS[lang]["about"].search(summary(panel)), summary(panel)


@pytest.mark.parametrize("lang", LANGS)
def test_both_lists_in_words_at_1280_with_the_attempts_whole(
    live: Live, seeded: Any, signed_in: Any, lang: str
) -> None:
    page, w = signed_in, WORDS[lang]
    in_lang(page, lang)
    panel = screen(page, lang, "deliveries")
    assert summary(panel).startswith(w["showing"])
    dead = panel.get_by_role("row").filter(has_text=w["dead"])
    assert w["refused"] in dead.inner_text()  # the last error, in words
    created = dead.locator("time.ago")
    assert w["ago"].search(created.inner_text()), created.inner_text()
    assert ISO.fullmatch(created.get_attribute("datetime")[:16])
    assert re.search(r"\d{1,2}:\d{2}:\d{2}", created.get_attribute("title") or "")
    in_words(panel, lang)
    shot(page, f"lists-deliveries-{lang}-1280")
    dead.get_by_role("link", name="Livraison 7").click()
    detail = panel.locator(".deliveries-detail")
    attempts = detail.locator(".table-wrap").first
    attempts.get_by_role("columnheader", name=w["next"]).wait_for()
    box = detail.bounding_box()
    for name in (w["outcome"], w["next"]):
        cell = attempts.get_by_role("columnheader", name=name).bounding_box()
        assert cell["x"] + cell["width"] <= box["x"] + box["width"], f"{name} is cut off"
    assert attempts.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    assert w["refused"] in attempts.inner_text()
    in_words(panel, lang)
    shot(page, f"lists-deliveries-detail-{lang}-1280")
    emails = screen(page, lang, "emails")
    assert summary(emails).startswith(w["showing"])
    in_words(emails, lang)
    shot(page, f"lists-emails-{lang}-1280")


@pytest.mark.parametrize("lang", LANGS)
def test_an_ignored_email_says_why_and_previews_its_text(
    live: Live, seeded: Any, signed_in: Any, lang: str
) -> None:
    page, w = signed_in, WORDS[lang]
    in_lang(page, lang)
    panel = screen(page, lang, "emails", f"?id={seeded['ignored']['email_id']}")
    detail = panel.locator(".emails-detail")
    detail.get_by_role("heading", name=re.compile("Bonjour")).wait_for()
    facts = detail.locator("dl.facts").first.inner_text()
    assert w["ignored_why"] in facts and w["nobody"] in facts
    preview = detail.get_by_role("region", name=w["preview"])
    assert preview.locator(".email-preview").inner_text() == "Bonjour, rien à télécharger."
    assert preview.locator("b, p.email-preview *").count() == 0  # text, never the email's markup
    decision = detail.get_by_role("region", name=re.compile("^(Decision|Décision)$"))
    assert "default" not in decision.inner_text() and "WEBHOOK_URL" not in decision.inner_text()
    in_words(panel, lang)
    shot(page, f"lists-emails-detail-{lang}-1280")


@pytest.mark.parametrize("lang", LANGS)
def test_both_lists_are_cards_at_375_px_without_sideways_scroll(
    live: Live, seeded: Any, signed_in: Any, lang: str
) -> None:
    page, w = signed_in, WORDS[lang]
    page.set_viewport_size({"width": 375, "height": 800})
    in_lang(page, lang)
    for name in ("deliveries", "emails"):
        panel = screen(page, lang, name)
        cards = panel.locator("li.record-card")
        cards.first.wait_for()
        assert panel.locator(".records-table").is_hidden()
        assert cards.count() == 2  # two deliveries of one email; two emails
        no_sideways_scroll(page)
        in_words(panel, lang)
        shot(page, f"lists-{name}-{lang}-375")
        cards.filter(has_text=w["dead"] if name == "deliveries" else "Bonjour").get_by_role(
            "link"
        ).click()
        detail = panel.locator(f".{name}-detail")
        detail.locator("h3").wait_for()
        assert panel.locator(".records-list").is_hidden()  # the detail takes the screen
        no_sideways_scroll(page)
        in_words(panel, lang)
        shot(page, f"lists-{name}-detail-{lang}-375")
        detail.locator(".records-close").click()
        cards.first.wait_for()
