"""The Mailboxes screen in a real browser, against a fake of Google on loopback.

The consent goes through the browser for real: Connect asks the server for Google's
consent URL, the test stands in for Google's page (it answers the navigation with the
redirect the fake's `consent()` computes), and the browser comes back through
/api/gmail/oauth/callback to the screen. A connected mailbox comes from GMAIL_ADDRESS +
GMAIL_REFRESH_TOKEN; the delivery processes' Gmail sync thread reads it against the fake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.browser.conftest import Live, live_app, serving, shot, sign_in, watched_page
from tests.conftest import AppFactory
from tests.support.fake_google import CLIENT_ID, CLIENT_SECRET, PUSH_ACCOUNT, FakeGoogle
from tests.support.sink import Sink

ADDRESS = "owner@example.com"
NEW_ADDRESS = "newcomer@example.com"
TOPIC = "projects/relais-test/topics/gmail"
AUDIENCE = "https://relais.example/api/ingress/pubsub"


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(default_email=ADDRESS) as fake:
        yield fake


def _gmail_live(
    make_app: AppFactory, sink: Sink, durable_redis: str, google: FakeGoogle, **extra: Any
) -> Any:
    app = live_app(
        make_app,
        sink,
        durable_redis,
        worker_threads=1,
        relais_encryption_key=Fernet.generate_key().decode(),
        gmail_client_id=CLIENT_ID,
        gmail_client_secret=CLIENT_SECRET,
        google_api_root=google.api_root,
        google_token_uri=google.token_uri,
        google_auth_uri=google.auth_uri,
        google_oidc_certs_url=google.certs_url,
        gmail_pubsub_topic=TOPIC,
        pubsub_audience=AUDIENCE,
        pubsub_service_account=PUSH_ACCOUNT,
        **extra,
    )
    return serving(app, sink)


@pytest.fixture
def oauth_live(
    make_app: AppFactory, sink: Sink, durable_redis: str, google: FakeGoogle
) -> Iterator[Live]:
    """Relais with everything set up for Gmail, and no mailbox connected yet."""
    with _gmail_live(make_app, sink, durable_redis, google) as running:
        yield running


@pytest.fixture
def mailbox_live(
    make_app: AppFactory, sink: Sink, durable_redis: str, google: FakeGoogle
) -> Iterator[Live]:
    """Relais with the mailbox of GMAIL_ADDRESS + GMAIL_REFRESH_TOKEN connected."""
    token = google.refresh_token_for(ADDRESS)
    with _gmail_live(
        make_app, sink, durable_redis, google, gmail_address=ADDRESS, gmail_refresh_token=token
    ) as running:
        yield running


def _page(browser: Any, live: Live, width: int = 1280) -> Any:
    """A watched page (JavaScript errors and CSP violations fail the test)."""
    return watched_page(browser, live, width=width, height=860)


def _open_mailboxes(page: Any, lang: str = "en") -> Any:
    if lang != "en":
        page.get_by_label("Language").select_option(lang)
    page.locator("#tab-mailboxes").click()
    panel = page.locator("#panel-mailboxes")
    page.wait_for_function(
        "() => document.querySelector('#panel-mailboxes').dataset.loaded === 'true'"
    )
    return panel


def _card(panel: Any, address: str) -> Any:
    return panel.locator(f"section.mailbox[data-mailbox='{address}']")


def _no_sideways_scroll(page: Any, what: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth > innerWidth + 1")
    assert not overflow, f"{what} scrolls sideways"


def _shots(page: Any, name: str) -> None:
    """At 1280 px, then at 375 px (checking nothing scrolls sideways), then back; the passing
    notices are closed first so they hide nothing."""
    for close in page.locator("#notices .notice-close").all():
        close.click()
    shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_timeout(100)
    _no_sideways_scroll(page, f"{name} at 375 px")
    shot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 860})


# -- first run ---------------------------------------------------------------------------


FIRST_RUN = {
    "en": ("Set up Gmail push", "Connecting needs a Google OAuth client", "Missing"),
    "fr": (
        "Mettre en place la réception Gmail",
        "La connexion demande un client OAuth",
        "Manquant",
    ),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_first_run_says_what_is_missing_and_connect_waits_for_it(
    browser: Any, live: Live, lang: str
) -> None:
    title, blocked, missing = FIRST_RUN[lang]
    with _page(browser, live) as page:
        sign_in(page)
        panel = _open_mailboxes(page, lang)
        setup = panel.locator("section.setup")
        setup.get_by_role("heading", name=title).wait_for()
        known = live.admin.get("/api/gmail/mailboxes").get_json()["setup"]
        assert not (known["oauth_client"] or known["topic"] or known["push_auth"])
        for name in ("oauth_client", "encryption_key", "topic", "push_auth"):
            item = setup.locator(f"li[data-setup='{name}']")
            assert item.get_attribute("data-done") == str(bool(known[name])).lower()
            assert (missing in item.inner_text()) is not bool(known[name])
        oauth = setup.locator("li[data-setup='oauth_client']").inner_text()
        assert f"{live.url}/api/gmail/oauth/callback" in oauth and "GMAIL_CLIENT_ID" in oauth
        assert "Gmail push: mail in seconds" in setup.inner_text()
        connect = panel.locator(".config-head button.primary")
        assert connect.is_disabled()
        described = connect.get_attribute("aria-describedby")
        assert blocked in page.locator(f"#{described}").inner_text()
        assert panel.locator(".mailbox-list").inner_text().strip() != ""
        _shots(page, f"mailboxes-first-run-{lang}")


# -- a connected mailbox -----------------------------------------------------------------


CONNECTED = {
    "en": ("Connected", "Watch expires", "up to date|behind", "Sync now", "Disconnect"),
    "fr": (
        "Connectée",
        "Fin de la surveillance",
        "à jour|de retard",
        "Synchroniser",
        "Déconnecter",
    ),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_connected_mailbox_is_listed_with_its_state_in_words(
    browser: Any, mailbox_live: Live, google: FakeGoogle, lang: str
) -> None:
    state, watch, lag, sync, disconnect = CONNECTED[lang]
    with _page(browser, mailbox_live) as page:
        sign_in(page)
        panel = _open_mailboxes(page, lang)
        card = _card(panel, ADDRESS)
        card.get_by_role("heading", name=ADDRESS).wait_for()
        # the first sync (the sync thread) sets the watch: "Refresh now" until it shows
        _wait_for_badge(page, panel, ADDRESS, state)
        facts = card.locator("dl.mailbox-facts")
        assert watch in facts.inner_text()
        watch_value = card.locator("[data-fact='watch'] dd").inner_text()
        assert re.search(r"\d", watch_value), watch_value  # a date, not "no watch"
        assert re.search(lag, card.locator("[data-fact='lag'] dd").inner_text())
        assert card.get_by_role("button", name=f"{sync} — {ADDRESS}").is_enabled()
        card.get_by_role("button", name=f"{disconnect} — {ADDRESS}").wait_for()
        assert google.watch_calls and google.watch_calls[-1].topic_name == TOPIC
        setup = panel.locator("details.setup")
        assert setup.get_attribute("open") is None  # all set: the setup is folded away
        _shots(page, f"mailboxes-connected-{lang}")


def _wait_for_badge(page: Any, panel: Any, address: str, words: str, tries: int = 40) -> None:
    """Click "Refresh now" until the mailbox's badge says `words` (the sync runs meanwhile)."""
    badge = _card(panel, address).locator(".mailbox-badges [data-health]")
    for _ in range(tries):
        if badge.count() and badge.inner_text() == words:
            return
        page.wait_for_timeout(250)
        panel.locator(".mailboxes-refresh button").click()
        page.wait_for_function(
            "() => !document.querySelector('#panel-mailboxes').hasAttribute('aria-busy')"
        )
    assert badge.inner_text() == words


def test_sync_now_and_disconnect_after_a_confirmation(
    browser: Any, mailbox_live: Live, google: FakeGoogle
) -> None:
    with _page(browser, mailbox_live) as page:
        sign_in(page)
        panel = _open_mailboxes(page)
        _wait_for_badge(page, panel, ADDRESS, "Connected")
        history_calls = google.calls("/history")
        panel.get_by_role("button", name=f"Sync now — {ADDRESS}").click()
        page.get_by_text(f"Sync of {ADDRESS} started.").wait_for()
        for _ in range(40):
            if google.calls("/history") > history_calls:
                break
            page.wait_for_timeout(100)
        assert google.calls("/history") > history_calls
        panel.get_by_role("button", name=f"Disconnect — {ADDRESS}").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("GMAIL_REFRESH_TOKEN are set").wait_for()  # from the environment
        dialog.get_by_role("button", name="Disconnect").click()
        page.get_by_text(f"Mailbox {ADDRESS} disconnected.").wait_for()
        panel.get_by_text("No mailbox connected yet.").wait_for()
        assert ADDRESS in google.stop_calls
        assert mailbox_live.admin.get("/api/gmail/mailboxes").get_json()["items"] == []


# -- a revoked grant ---------------------------------------------------------------------


def test_a_revoked_grant_needs_reconnecting_and_turns_the_banner_red(
    browser: Any, mailbox_live: Live, google: FakeGoogle
) -> None:
    with _page(browser, mailbox_live) as page:
        sign_in(page)
        panel = _open_mailboxes(page)
        _wait_for_badge(page, panel, ADDRESS, "Connected")
        google.revoke_all()
        google.expire_access_tokens()
        panel.get_by_role("button", name=f"Sync now — {ADDRESS}").click()
        _wait_for_badge(page, panel, ADDRESS, "Needs reconnecting")
        card = _card(panel, ADDRESS)
        assert card.get_attribute("data-health") == "needs_reconnect"
        card.get_by_text("Last error: Google refused the grant").wait_for()
        card.get_by_text("nothing received meanwhile is lost").wait_for()
        # nothing to sync until it is reconnected: the button offers the consent instead
        assert card.get_by_role("button", name=f"Sync now — {ADDRESS}").count() == 0
        card.get_by_role("button", name=f"Reconnect — {ADDRESS}").wait_for()
        _shots(page, "mailboxes-needs-reconnect")

        page.get_by_role("tab", name="Overview").click()
        banner = page.locator("#panel-overview .overview-status .banner")
        banner.locator("li[data-code='mailbox_needs_reconnect']").wait_for()
        assert banner.get_attribute("data-level") == "red"
        reason = banner.locator("li[data-code='mailbox_needs_reconnect']")
        assert f"Mailbox {ADDRESS} must be connected again" in reason.inner_text()
        shot(page, "mailboxes-overview-red")
        reason.get_by_role("link", name="Open Mailboxes").click()
        page.locator("#tab-mailboxes[aria-selected='true']").wait_for()
        assert page.url.endswith("/#/mailboxes")

        page.get_by_label("Language").select_option("fr")
        page.locator("#tab-overview").click()
        reason = page.locator("#panel-overview li[data-code='mailbox_needs_reconnect']")
        reason.get_by_text(f"La boîte {ADDRESS} doit être reconnectée").wait_for()
        reason.get_by_role("link", name="Ouvrir les boîtes mail").wait_for()
        shot(page, "mailboxes-overview-red-fr")


# -- connecting through Google's consent -------------------------------------------------


def _stand_in_for_google(page: Any, google: FakeGoogle, seen: list[str], **consent: Any) -> None:
    """Answer the browser's visit to Google's consent page as Google would: a redirect."""

    def answer(route: Any) -> None:
        seen.append(route.request.url)
        back = google.consent(route.request.url, **consent)
        route.fulfill(status=302, headers={"Location": back})

    page.route(re.compile(re.escape(google.auth_uri) + r"\?.*"), answer)


def test_connect_goes_through_google_consent_and_lists_the_mailbox(
    browser: Any, oauth_live: Live, google: FakeGoogle
) -> None:
    seen: list[str] = []
    with _page(browser, oauth_live) as page:
        sign_in(page)
        panel = _open_mailboxes(page)
        panel.get_by_text("No mailbox connected yet.").wait_for()
        setup = panel.locator("section.setup")
        setup.get_by_role("heading", name="Ready: connect a mailbox").wait_for()
        assert setup.locator("li[data-done='false']").count() == 0
        _stand_in_for_google(page, google, seen, email=NEW_ADDRESS)
        connect = panel.get_by_role("button", name="Connect Gmail")
        assert connect.is_enabled()
        with page.expect_navigation(url=re.compile(r"/#/mailboxes\?connected="), timeout=15_000):
            connect.click()
        assert seen and seen[0].startswith(f"{google.auth_uri}?")
        assert f"redirect_uri={oauth_live.url}" in seen[0].replace("%3A", ":").replace("%2F", "/")
        panel = page.locator("#panel-mailboxes")
        outcome = panel.locator(".consent-outcome")
        outcome.get_by_text(f"Mailbox {NEW_ADDRESS} is connected.").wait_for()
        assert outcome.get_attribute("role") == "status"
        assert "connected=" not in page.url  # shown once: a reload does not repeat it
        _card(panel, NEW_ADDRESS).get_by_role("heading", name=NEW_ADDRESS).wait_for()
        _shots(page, "mailboxes-connected-banner")
        outcome.get_by_role("button", name="Dismiss").click()
        assert panel.locator(".consent-outcome").count() == 0
    items = oauth_live.admin.get("/api/gmail/mailboxes").get_json()["items"]
    assert [m["address"] for m in items] == [NEW_ADDRESS]
    assert items[0]["source"] == "oauth"


def test_a_declined_or_refused_consent_says_nothing_was_connected(
    browser: Any, oauth_live: Live, google: FakeGoogle
) -> None:
    seen: list[str] = []
    with _page(browser, oauth_live) as page:
        sign_in(page)
        panel = _open_mailboxes(page)
        _stand_in_for_google(page, google, seen, deny=True)
        with page.expect_navigation(url=re.compile(r"/#/mailboxes\?error="), timeout=15_000):
            panel.get_by_role("button", name="Connect Gmail").click()
        panel = page.locator("#panel-mailboxes")
        outcome = panel.locator(".consent-outcome")
        outcome.get_by_text("Nothing was connected: the consent was declined").wait_for()
        assert outcome.get_attribute("role") == "alert"
        assert seen

        message = "this consent expired or was already used: connect again"
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("tab", name="Boîtes mail").wait_for()
        page.evaluate(
            "(m) => { location.hash = '#/mailboxes?error=consent_refused&message=' + "
            "encodeURIComponent(m); }",
            message,
        )
        outcome = page.locator("#panel-mailboxes .consent-outcome")
        outcome.get_by_text(f"Rien n\u2019a été connecté : {message}").wait_for()
        shot(page, "mailboxes-consent-refused-fr")
    assert oauth_live.admin.get("/api/gmail/mailboxes").get_json()["items"] == []
