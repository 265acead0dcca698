"""The dashboard shell: sign-in, tabs (mouse and keyboard), language, sign-out, no CSP breach."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live, open_tab, shot, sign_in


def test_signed_out_visitors_land_on_the_login_page(page: Any) -> None:
    page.goto("/")
    page.wait_for_url("**/login")
    page.get_by_role("heading", name="Sign in to Relais").wait_for()
    shot(page, "login")


def test_a_wrong_password_is_said_in_words_and_nothing_opens(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.locator("#login-error")
    alert.filter(has_text="Wrong user name or password").wait_for()
    assert page.url.endswith("/login")


def test_tabs_follow_the_aria_pattern_with_the_keyboard(signed_in: Any) -> None:
    page = signed_in
    overview = page.get_by_role("tab", name="Overview")
    assert overview.get_attribute("aria-selected") == "true"
    overview.focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Deliveries"
    page.keyboard.press("Enter")
    page.wait_for_url("**/#/deliveries")
    page.get_by_role("tabpanel", name="Deliveries").wait_for()
    assert page.get_by_role("tab", name="Deliveries").get_attribute("aria-selected") == "true"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.textContent") == "Tools"


def test_the_language_switches_to_french_and_is_remembered(signed_in: Any) -> None:
    page = signed_in
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("tab", name="Règles").wait_for()
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.reload()
    page.get_by_role("tab", name="Livraisons").wait_for()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("tab", name="Deliveries").wait_for()


def test_french_browsers_get_french_by_default(browser: Any, live: Live) -> None:
    context = browser.new_context(base_url=live.url, locale="fr-FR")
    page = context.new_page()
    page.goto("/login")
    page.get_by_role("heading", name="Connexion à Relais").wait_for()
    context.close()


def test_sign_out_ends_the_session(signed_in: Any) -> None:
    page = signed_in
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/")
    page.wait_for_url("**/login")


def test_a_deep_link_opens_its_screen_after_sign_in(page: Any) -> None:
    sign_in(page)
    page.goto("/#/tools")
    panel = open_tab(page, "Tools")
    assert panel.is_visible()


TAB_IDS = (
    "overview",
    "deliveries",
    "emails",
    "rules",
    "targets",
    "mailboxes",
    "schedule",
    "preferences",
    "flags",
    "access",
    "tools",
)


def active_tab_box(page: Any) -> dict[str, float]:
    box: dict[str, float] = page.evaluate(
        """() => {
          const tab = document.querySelector('[role=tab][aria-selected=true]');
          const r = tab.getBoundingClientRect();
          return {left: r.left, right: r.right, width: innerWidth, id: tab.id};
        }"""
    )
    return box


def test_the_active_tab_is_always_in_view_at_375_px_in_both_languages(signed_in: Any) -> None:
    page = signed_in
    page.set_viewport_size({"width": 375, "height": 800})
    for lang in ("en", "fr"):
        if lang == "fr":
            page.get_by_label("Language").select_option("fr")
            page.get_by_role("tab", name="Règles").wait_for()
        for screen in (*TAB_IDS, *reversed(TAB_IDS[:-1])):
            page.goto(f"/#/{screen}")
            page.wait_for_function(
                "id => document.querySelector('[role=tab][aria-selected=true]')?.id === id",
                arg=f"tab-{screen}",
            )
            box = active_tab_box(page)
            assert box["left"] >= 0 and box["right"] <= box["width"], (lang, screen, box)
    page.goto("/#/tools")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_timeout(100)
    box = active_tab_box(page)
    assert box["left"] >= 0 and box["right"] <= box["width"], ("after a resize", box)
    shot(page, "shell-tabs-fr-375")
