"""R2 settings: old names kept, a misconfiguration stops the start naming the variable."""

from __future__ import annotations

import os

import pytest

from config.settings import SettingsError, load_settings

WORKER = {
    "r2_fetch_enabled": True,
    "r2_fetch_endpoint": "https://relais-r2.example.workers.dev",
    "r2_fetch_token": "worker-token-0123",
    "r2_bucket_name": "relais-transfers",
}
DIRECT = {
    "r2_fetch_enabled": True,
    "r2_mode": "direct",
    "r2_endpoint_url": "https://acc0unt.r2.cloudflarestorage.com",
    "r2_bucket_name": "relais-transfers",
    "r2_access_key_id": "AKIAEXAMPLE",
    "r2_secret_access_key": "s3cr3t-access-key-value",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("R2_", "RELAIS_", "WORKER_", "WEBHOOK_", "ALLOW_PRIVATE")):
            monkeypatch.delenv(name, raising=False)


def settings(**values):
    return load_settings({"relais_env": "production", **values})


def test_the_old_names_are_read_from_the_environment(monkeypatch):
    env = {
        "R2_FETCH_ENABLED": "true",
        "R2_FETCH_ENDPOINT": "https://relais-r2.example.workers.dev",
        "R2_FETCH_TOKEN": "worker-token-0123",
        "R2_BUCKET_NAME": "relais-transfers",
        "R2_PUBLIC_BASE_URL": "https://files.example.com",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert (s.r2_fetch_enabled, s.r2_mode, s.r2_bucket_name) == (True, "worker", "relais-transfers")
    assert s.r2_fetch_token.get_secret_value() == "worker-token-0123"
    assert (s.r2_retention_hours, s.r2_fetch_timeout, s.r2_folder_fetch_timeout) == (24, 15, 120)


@pytest.mark.parametrize(
    ("base", "missing"),
    [
        (WORKER, "r2_fetch_endpoint"),
        (WORKER, "r2_fetch_token"),
        (WORKER, "r2_bucket_name"),
        (DIRECT, "r2_endpoint_url"),
        (DIRECT, "r2_bucket_name"),
        (DIRECT, "r2_access_key_id"),
        (DIRECT, "r2_secret_access_key"),
    ],
)
def test_enabled_without_what_the_mode_needs_stops_the_start(base, missing):
    values = {k: v for k, v in base.items() if k != missing}
    with pytest.raises(SettingsError, match=missing.upper()):
        settings(**values)


def test_a_blank_secret_counts_as_missing():
    with pytest.raises(SettingsError, match="R2_FETCH_TOKEN"):
        settings(**{**WORKER, "r2_fetch_token": "  "})


def test_disabled_needs_nothing():
    assert settings(r2_mode="direct").r2_fetch_enabled is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("r2_fetch_endpoint", "relais-r2.example.workers.dev"),
        ("r2_fetch_endpoint", "http://relais-r2.example.workers.dev"),
        ("r2_endpoint_url", "ftp://acc0unt.r2.cloudflarestorage.com"),
        ("r2_public_base_url", "files.example.com"),
    ],
)
def test_urls_must_be_absolute_and_https_in_production(name, value):
    with pytest.raises(SettingsError, match=name.upper()):
        settings(**{**WORKER, **DIRECT, name: value})


def test_the_offload_wait_must_fit_in_the_lease():
    with pytest.raises(SettingsError, match="R2_OFFLOAD_TIMEOUT"):
        settings(**WORKER, r2_offload_timeout=45, worker_lease_seconds=60)
    assert settings(**WORKER, r2_offload_timeout=45, worker_lease_seconds=120)


@pytest.mark.parametrize(
    "values",
    [
        {"relais_env": "production"},
        {"relais_env": "development", "allow_private_targets": False},
    ],
)
def test_the_insecure_test_seam_is_refused_outside_tests(values):
    with pytest.raises(SettingsError, match="R2_INSECURE_TEST_SOURCES"):
        load_settings({**values, "r2_insecure_test_sources": True})


def test_secrets_are_masked():
    text = repr(settings(**DIRECT, r2_fetch_token="worker-token-0123"))
    for secret in ("s3cr3t-access-key-value", "AKIAEXAMPLE", "worker-token-0123"):
        assert secret not in text
