"""The Deliveries and Emails lists: the search (`q`), the totals, and the email's preview."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.operator import records
from tests.conftest import FIXTURES, TEST_WHSEC, auth
from tests.support.admin import AdminClient

INGRESS = "/api/ingress/gmail"
TARGETS = ("t1", "t2")  # with the environment's default: three deliveries per email


@pytest.fixture
def app(make_app, sink, clock):
    app = make_app(clock=clock, webhook_url=sink.url(), webhook_secret=TEST_WHSEC)
    admin = AdminClient(app)
    for target in TARGETS:
        body = {"id": target, "name": target.upper(), "url": sink.url(f"/{target}")}
        resp = admin.post("/api/targets", json={**body, "options": {"default": True}})
        assert resp.status_code == 201, resp.get_json()
    return app


def push(app: Any, subject: str, body: str | None = None, n: list[int] = [0]) -> str:  # noqa: B006
    """One email through the ingress (a download link: accepted); its email id."""
    n[0] += 1
    payload = json.loads((FIXTURES / "plain_wetransfer.json").read_text())["payload"]
    payload = {**payload, "subject": subject, "gmail_message_id": f"gm-list-{n[0]}"}
    if body is not None:
        payload["body"] = body
    resp = app.test_client().post(INGRESS, json=payload, headers=auth())
    assert resp.status_code == 200, resp.get_json()
    email_id: str = resp.get_json()["email_id"]
    return email_id


@pytest.fixture
def stored(app, clock):
    """Five emails a second apart, three deliveries each; the admin client."""
    ids = {}
    for subject in ("Mission Alpha", "mission beta", "Émission Gamma", "Ωmega report", "Delta"):
        ids[subject] = push(app, subject)
        clock.advance(1)
    return AdminClient(app), ids


def page(admin: AdminClient, path: str, **query: Any) -> dict[str, Any]:
    resp = admin.get(path, query_string=query)
    assert resp.status_code == 200, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


def subjects(doc: dict[str, Any]) -> list[str]:
    return [item["subject"] for item in doc["items"]]


def test_the_delivery_search_finds_a_subject_in_any_case(stored):
    admin, _ = stored
    found = page(admin, "/api/deliveries", q="MISSION")
    assert subjects(found) == ["Émission Gamma"] * 3 + ["mission beta"] * 3 + ["Mission Alpha"] * 3
    assert (found["total"], found["total_exact"], found["next_offset"]) == (9, True, None)
    assert subjects(page(admin, "/api/deliveries", q="émission")) == ["Émission Gamma"] * 3
    assert subjects(page(admin, "/api/deliveries", q="ÉMISSION gamma")) == ["Émission Gamma"] * 3


def test_a_search_the_script_cannot_fold_is_matched_in_python(stored):
    admin, _ = stored
    assert not records.foldable("ωMEGA")
    assert subjects(page(admin, "/api/deliveries", q="ωMEGA")) == ["Ωmega report"] * 3
    assert page(admin, "/api/deliveries", q="ωMEGA", target="t1")["total"] == 1


def test_the_delivery_search_finds_an_id_exactly(stored):
    admin, ids = stored
    alpha = page(admin, "/api/deliveries", q="Mission Alpha")["items"]
    one = alpha[1]
    by_id = page(admin, "/api/deliveries", q=one["id"])
    assert [d["id"] for d in by_id["items"]] == [one["id"]] and by_id["total"] == 1
    by_webhook = page(admin, "/api/deliveries", q=one["webhook_id"])
    assert [d["id"] for d in by_webhook["items"]] == [one["id"]]
    by_email = page(admin, "/api/deliveries", q=ids["Mission Alpha"])
    assert sorted(d["id"] for d in by_email["items"]) == sorted(d["id"] for d in alpha)
    assert page(admin, "/api/deliveries", q=one["id"][:-1])["total"] == 0  # ids: exact only


def test_the_search_combines_with_the_filters_and_a_blank_one_is_none(stored):
    admin, _ = stored
    found = page(admin, "/api/deliveries", q="mission", target="t2")
    assert [d["target_id"] for d in found["items"]] == ["t2"] * 3
    assert found["total"] == 3
    queued = page(admin, "/api/deliveries", q="mission", status="scheduled")
    assert queued["total"] == 9 and queued["total_exact"] is True
    assert page(admin, "/api/deliveries", q="   ")["total"] == 15
    assert admin.get("/api/deliveries", query_string={"q": "x" * 201}).status_code == 422


def test_totals_and_pages_without_a_filter_come_from_the_index(stored):
    admin, _ = stored
    first = page(admin, "/api/deliveries", limit=4)
    assert (first["total"], first["total_exact"], first["next_offset"]) == (15, True, 4)
    last = page(admin, "/api/deliveries", limit=4, offset=12)
    assert len(last["items"]) == 3 and last["next_offset"] is None and last["total"] == 15
    emails = page(admin, "/api/emails", limit=2, offset=4)
    assert subjects(emails) == ["Mission Alpha"]
    assert (emails["total"], emails["next_offset"]) == (5, None)


def test_a_filtered_total_is_estimated_past_the_budget(stored, monkeypatch):
    admin, _ = stored
    monkeypatch.setattr(records, "SCRIPT_BATCH", 3)
    monkeypatch.setattr(records, "COUNT_BUDGET", 6)
    found = page(admin, "/api/deliveries", target="t1", limit=1)
    # Looked at 6 of 15 (newest first: Delta, Ωmega): 2 for t1, so about 2 * 15 / 6 = 5.
    assert (found["total"], found["total_exact"], found["next_offset"]) == (5, False, 1)
    exact = page(admin, "/api/deliveries", target="t1", limit=10)
    assert (exact["total"], exact["total_exact"]) == (5, True)
    every = [d["subject"] for d in page(admin, "/api/deliveries", target="t1", offset=3)["items"]]
    assert every == ["mission beta", "Mission Alpha"]


def test_an_estimated_email_total(stored, monkeypatch):
    admin, _ = stored
    monkeypatch.setattr(records, "SCAN_BATCH", 2)
    monkeypatch.setattr(records, "COUNT_BUDGET", 2)
    found = page(admin, "/api/emails", q="a", limit=1)
    assert found["total_exact"] is False and found["next_offset"] == 1
    assert found["total"] == 5  # 2 of the first 2 matched: all 5, as far as it can tell


def test_the_email_search_finds_subjects_and_ids(stored):
    admin, ids = stored
    assert subjects(page(admin, "/api/emails", q="mission")) == [
        "Émission Gamma",
        "mission beta",
        "Mission Alpha",
    ]
    assert subjects(page(admin, "/api/emails", q=ids["Delta"])) == ["Delta"]
    delivery = page(admin, "/api/deliveries", q="Mission Alpha")["items"][0]
    assert subjects(page(admin, "/api/emails", q=delivery["id"])) == ["Mission Alpha"]
    by_webhook = page(admin, "/api/emails", q=delivery["webhook_id"])
    assert (subjects(by_webhook), by_webhook["total"]) == (["Mission Alpha"], 1)
    assert page(admin, "/api/emails", q="nothing like it")["total"] == 0


def test_a_filtered_replay_takes_the_search_too(stored):
    admin, _ = stored
    dry = admin.post("/api/deliveries/replay", json={"q": "mission", "dry_run": True})
    assert dry.get_json() == {"matched": 0, "queued": 0}  # none finished yet
    every = admin.post("/api/deliveries/release", json={"dry_run": True}).get_json()
    beta = admin.post("/api/deliveries/release", json={"q": "beta", "dry_run": True}).get_json()
    assert (every["matched"], beta["matched"]) == (15, 3)  # scheduled: waiting to leave


def test_the_email_detail_previews_the_body_as_text(app):
    html = "<style>p{color:red}</style><p>Bonjour&nbsp;<b>Anne</b>,</p><script>x()</script>"
    html += "<p>" + "lot à télécharger " * 60 + "</p>"
    email_id = push(app, "Aperçu", body=html + '<a href="https://we.tl/t-Abc">we.tl</a>')
    doc = page(AdminClient(app), f"/api/emails/{email_id}")
    preview = doc["preview"]
    assert preview.startswith("Bonjour Anne,\nlot à télécharger lot")
    assert "<" not in preview and "color" not in preview and "x()" not in preview
    assert doc["preview_truncated"] is True and preview.endswith("…")
    assert len(preview) <= records.PREVIEW_CHARS + 1
    assert "body" not in doc


def test_a_short_plain_body_is_previewed_whole(app):
    email_id = push(app, "Court", body='Lien : <a href="https://we.tl/t-Abc">we.tl</a>')
    doc = page(AdminClient(app), f"/api/emails/{email_id}")
    assert (doc["preview"], doc["preview_truncated"]) == ("Lien : we.tl", False)
