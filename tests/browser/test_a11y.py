"""Every screen at 375 px and with the keyboard: reachable, no sideways scrolling, named controls.

The screens come from static/js/screens.js, so a screen added there is checked too. A screen
whose module is not built yet fails, unless DASHBOARD_PARTIAL=1 (a branch holding only part of
the dashboard), where it is skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Live, shot, sign_in, watched_page

STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
SCREENS_JS = STATIC_JS / "screens.js"
SCREEN_IDS = re.findall(r"\{\s*id:\s*'([a-z_]+)'", SCREENS_JS.read_text())
PARTIAL = os.environ.get("DASHBOARD_PARTIAL") == "1"

# The controls of a root without an accessible name (label, aria-label(ledby), text, title).
UNNAMED_CONTROLS = """
(root) => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const text = (el) => (el.textContent || '').replace(/\\s+/g, ' ').trim();
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const byText = (id) => document.getElementById(id) && text(document.getElementById(id));
    if (by.some(byText)) return true;
    if (el.labels && Array.from(el.labels).some((l) => text(l))) return true;
    if (el.tagName === 'BUTTON' && text(el)) return true;
    const valueNamed = ['submit', 'button', 'reset'].includes(el.type) && el.value;
    if (el.tagName === 'INPUT' && valueNamed) return true;
    return !!(el.getAttribute('title') || '').trim();
  };
  return Array.from(root.querySelectorAll('input, select, textarea, button'))
    .filter((el) => el.type !== 'hidden' && visible(el) && !named(el))
    .map((el) => el.outerHTML.slice(0, 160));
}
"""

# Keys for the controls Tab should stop at in a root (one per radio group).
TABBABLE_KEYS = """
(root) => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
  return Array.from(root.querySelectorAll(selector))
    .filter((el) => el.type !== 'hidden' && !el.disabled && visible(el) && el.tabIndex >= 0)
    .filter((el) => !el.closest('details:not([open])') || el.tagName === 'SUMMARY')
    .map((el) => {
      if (el.type === 'radio' && el.name) return `radio:${el.name}`;
      return el.dataset.a11yKey || (el.dataset.a11yKey = `k${Math.random()}`);
    });
}
"""

FOCUSED_KEY = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (el.type === 'radio' && el.name) return `radio:${el.name}`;
  return el.dataset.a11yKey || (el.dataset.a11yKey = `k${Math.random()}`);
}
"""


@pytest.fixture
def narrow(browser: Any, live: Live) -> Any:
    with watched_page(browser, live, width=375, height=800) as page:
        sign_in(page)
        yield page


def open_screen(page: Any, screen: str) -> Any:
    """Open a tab by its id, wait for its panel to settle; skip an unbuilt one when partial."""
    page.locator(f"#tab-{screen}").click()
    panel = page.locator(f"#panel-{screen}")
    panel.wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "(el) => el.childElementCount > 0 && !el.querySelector('[aria-busy=true]')",
        arg=panel.element_handle(),
    )
    failed = panel.locator("p.error[role=alert]").filter(has_text="could not be loaded")
    if failed.count():
        message = failed.first.inner_text()
        if PARTIAL and not (STATIC_JS / "screens" / f"{screen}.js").exists():
            pytest.skip(f"{screen}: not built in this branch ({message})")
        pytest.fail(f"the {screen} screen does not load: {message}", pytrace=False)
    return panel


def test_the_screen_list_matches_the_tabs_on_the_page(narrow: Any) -> None:
    ids = narrow.locator("[role=tab]").evaluate_all("(tabs) => tabs.map((t) => t.id.slice(4))")
    assert ids == SCREEN_IDS and len(ids) == 11


@pytest.mark.parametrize("screen", SCREEN_IDS)
def test_each_screen_fits_375px_and_names_every_control(narrow: Any, screen: str) -> None:
    panel = open_screen(narrow, screen)
    assert narrow.locator(f"#tab-{screen}").get_attribute("aria-selected") == "true"
    assert panel.is_visible()
    width = narrow.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    shot(narrow, f"a11y-{screen}-375")
    assert width[0] <= width[1], f"{screen}: the page scrolls sideways at 375 px ({width})"
    unnamed = panel.evaluate(UNNAMED_CONTROLS)
    assert unnamed == [], f"{screen}: controls without an accessible name: {unnamed}"
    assert narrow.locator("header").evaluate(UNNAMED_CONTROLS) == []


@pytest.mark.parametrize("screen", SCREEN_IDS)
def test_the_keyboard_reaches_every_control_of_each_screen(narrow: Any, screen: str) -> None:
    panel = open_screen(narrow, screen)
    wanted = set(panel.evaluate(TABBABLE_KEYS))
    narrow.locator(f"#tab-{screen}").focus()
    seen: set[str] = set()
    inside = False
    for _ in range(len(wanted) * 2 + 10):
        narrow.keyboard.press("Tab")
        in_panel = narrow.evaluate(
            f"document.getElementById('panel-{screen}').contains(document.activeElement)"
        )
        if not in_panel and inside:
            break
        inside = inside or in_panel
        key = narrow.evaluate(FOCUSED_KEY)
        if in_panel and key:
            seen.add(key)
    missing = wanted - seen
    assert not missing, f"{screen}: {len(missing)} control(s) the Tab key never reaches"


def test_the_shell_is_usable_with_the_keyboard_alone(narrow: Any) -> None:
    page = narrow
    page.goto("/")
    page.get_by_role("tablist").wait_for()
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate(
                "(() => { const el = document.activeElement;"
                " return el.id || el.getAttribute('role') || el.textContent.trim(); })()"
            )
        )
    assert order[:5] == ["Skip to content", "lang", "sign-out", "tab-overview", "panel-overview"], (
        order
    )
    # Only the selected tab is a Tab stop; arrows move between tabs, Enter opens one.
    assert page.locator("[role=tab][tabindex='0']").count() == 1
    page.locator("#tab-overview").focus()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.wait_for_url("**/#/tools")
    page.wait_for_function("document.querySelector('#tab-tools').ariaSelected === 'true'")
    page.locator("#panel-tools").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "panel-tools"


def test_the_skip_link_moves_past_the_tabs_and_keeps_the_screen(narrow: Any) -> None:
    page = narrow
    page.goto("about:blank")
    page.goto("/#/access")
    page.locator("#panel-access").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'main'")
    assert page.locator("#tab-access").get_attribute("aria-selected") == "true"
    assert page.locator("#panel-access").is_visible()
