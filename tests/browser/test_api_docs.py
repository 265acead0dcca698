"""/api/docs in Chromium: Swagger UI from the installed package renders every operation of
/api/openapi.json under the app's strict CSP, with no console error and no CSP violation."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import shot, watched_page

# Counted in the page by Playwright (not subject to the page's CSP): every violation the
# browser reports, so one that the console would word differently still fails the test.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_the_api_docs_page_renders_every_operation_under_the_strict_csp(browser, live):
    operations = _operations(live)
    with watched_page(browser, live) as page:
        page.add_init_script(RECORD_VIOLATIONS)
        resp = page.goto("/api/docs")
        assert resp.status == 200
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() == len(operations)
        assert page.get_by_role("heading", name="Relais").first.is_visible()
        # One operation opened: its answers are documented, with their schema.
        path = page.locator('[data-path="/api/ingress/gmail"]')
        ingress = page.locator(".opblock-post", has=path)
        ingress.locator(".opblock-summary").click()
        answers = ingress.locator(".responses-table").first
        answers.wait_for()
        codes = answers.locator("tr.response").evaluate_all(
            "(rows) => rows.map((row) => row.dataset.code)"
        )
        assert {"200", "401", "409", "422", "default"} <= set(codes), codes
        assert "email_id" in answers.locator("tr.response").first.inner_text()
        shot(page, "api_docs")
        page.wait_for_timeout(300)  # let a late violation report arrive
        assert page.evaluate("window.__cspViolations") == []
        assert not page.problems, page.problems
        hosts = {url.split("/")[2] for url in _requested(page)}
        assert hosts <= {live.url.split("/")[2]}, hosts


def _operations(live: Any) -> list[tuple[str, str]]:
    doc = live.app.test_client().get("/api/openapi.json").get_json()
    return [(path, method) for path, ops in doc["paths"].items() for method in ops]


def _requested(page: Any) -> list[str]:
    """Every URL the page loaded (scripts, styles, the document, images)."""
    entries: list[str] = page.evaluate(
        "performance.getEntriesByType('resource').map((e) => e.name).concat([location.href])"
    )
    return [url for url in entries if url.startswith("http")]
