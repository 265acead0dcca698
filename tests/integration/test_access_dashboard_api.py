"""The admin API as the Access and Tools screens use it: import dry runs."""

from __future__ import annotations

import pytest

from tests.support.admin import AdminClient

LEGACY = {
    "webhook_config": {
        "webhook_url": "tok123456789@hook.eu2.make.com",
        "webhook_time_start": "09h00",
        "webhook_time_end": "18h00",
    },
    "processing_prefs": {"exclude_keywords": ["newsletter"], "mystery": 1},
}


@pytest.fixture
def admin(make_app):
    return AdminClient(make_app())


def test_a_legacy_dry_run_reports_without_writing(admin):
    before = {
        name: admin.get(path).get_json()["version"]
        for name, path in (("prefs", "/api/preferences"), ("windows", "/api/time_windows"))
    }
    resp = admin.post("/api/config/import?dry_run=true", json=LEGACY)
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    assert report["dry_run"] is True
    assert {"webhook_targets", "processing_prefs", "time_windows"} <= set(report["would_write"])
    assert "written" not in report  # nothing was
    assert any(item["field"] == "processing_prefs.mystery" for item in report["not_mapped"])
    assert list(report["generated_secrets"].values()) == ["***"]
    assert admin.get("/api/targets").get_json()["items"] == []
    assert admin.get("/api/preferences").get_json()["version"] == before["prefs"]
    assert admin.get("/api/time_windows").get_json()["version"] == before["windows"]


def test_a_relais_dry_run_writes_nothing_and_the_import_then_does(admin):
    exported = admin.get("/api/config/export").get_json()
    exported["documents"]["processing_prefs"]["exclude_keywords"] = ["dry"]
    dry = admin.post("/api/config/import?dry_run=1", json=exported).get_json()
    assert dry["dry_run"] is True and "processing_prefs" in dry["would_write"]
    assert admin.get("/api/preferences").get_json()["document"]["exclude_keywords"] != ["dry"]
    real = admin.post("/api/config/import", json=exported).get_json()
    assert real["dry_run"] is False
    assert admin.get("/api/preferences").get_json()["document"]["exclude_keywords"] == ["dry"]


def test_a_dry_run_of_an_invalid_file_is_refused_like_the_import(admin):
    bad = {"format": "relais-config", "documents": {"processing_prefs": {"retry_schedule": "x"}}}
    resp = admin.post("/api/config/import?dry_run=true", json=bad)
    assert resp.status_code == 422
    assert "processing_prefs" in resp.get_json()["message"]
