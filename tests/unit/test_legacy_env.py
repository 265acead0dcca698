"""The old router's environment: read where Relais has an equivalent, named where not."""

from __future__ import annotations

import pytest

from config import legacy_env
from config.settings import SettingsError, load_settings

OLD_ROUTER = {
    "TRIGGER_PAGE_USER": "ops",
    "TRIGGER_PAGE_PASSWORD": "an-old-password",
    "POLLING_TIMEZONE": "America/Montreal",
    "MAGIC_LINK_TTL_SECONDS": "600",
    "FLASK_LOG_LEVEL": "debug",
    "WEBHOOK_TIME_START": "08:00",
    "WEBHOOKS_TIME_END": "23:30",
    "WEBHOOK_SENDING_ENABLED": "false",
    "DISABLE_EMAIL_ID_DEDUP": "true",
    "GMAIL_SENDER_ALLOWLIST": "Planning@Media-Solution.example, studio@photo.example",
    "WEBHOOK_SSL_VERIFY": "false",
    "IMAP_SERVER": "imap.example.com",
    "EMAIL_POLLING_INTERVAL_SECONDS": "60",
    "CORS_ALLOWED_ORIGINS": "*",
}


@pytest.fixture
def env(monkeypatch):
    def setenv(values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return setenv


def test_old_variables_with_an_equivalent_become_it(env):
    env(OLD_ROUTER)
    settings = load_settings()
    assert settings.dashboard_user == "ops"
    assert settings.dashboard_password.get_secret_value() == "an-old-password"
    assert settings.timezone == "America/Montreal"
    assert settings.magic_link_ttl_minutes == 10
    assert settings.log_level == "DEBUG"
    assert (settings.webhooks_time_start, settings.webhooks_time_end) == ("08:00", "23:30")
    assert settings.webhook_sending_enabled is False
    assert settings.disable_email_id_dedup is True
    assert settings.gmail_sender_allowlist == [
        "planning@media-solution.example",
        "studio@photo.example",
    ]


def test_the_relais_name_wins_when_both_are_set(env):
    env({"POLLING_TIMEZONE": "America/Montreal", "TIMEZONE": "UTC"})
    settings = load_settings()
    assert settings.timezone == "UTC"
    (line,) = legacy_env.warnings({"POLLING_TIMEZONE": "x", "TIMEZONE": "UTC"})
    assert line == "POLLING_TIMEZONE (old router) is ignored: TIMEZONE is set"


@pytest.mark.parametrize(("seconds", "minutes"), [("900", 15), ("60", 1), ("10", 1), ("3600", 15)])
def test_magic_link_seconds_become_minutes_within_relais_bounds(env, seconds, minutes):
    env({"MAGIC_LINK_TTL_SECONDS": seconds})
    settings = load_settings()
    assert settings.magic_link_ttl_minutes == minutes


def test_a_magic_link_lifetime_above_15_minutes_is_said_capped_and_why():
    (line,) = legacy_env.warnings({"MAGIC_LINK_TTL_SECONDS": "3600"})
    assert line == (
        "MAGIC_LINK_TTL_SECONDS (old router) is read as MAGIC_LINK_TTL_MINUTES (3600 s is "
        "capped to 15 minutes, the longest a magic link lives in Relais: it signs in whoever "
        "holds it, so a link that leaks from a mailbox or a chat must not stay usable long); "
        "rename it"
    )
    (rounded,) = legacy_env.warnings({"MAGIC_LINK_TTL_SECONDS": "90"})
    assert "(90 s becomes 2 minute(s): Relais counts whole minutes)" in rounded
    (exact,) = legacy_env.warnings({"MAGIC_LINK_TTL_SECONDS": "600"})
    assert exact.endswith("is read as MAGIC_LINK_TTL_MINUTES; rename it")


def test_every_old_variable_set_gets_one_warning_without_its_value():
    lines = legacy_env.warnings(OLD_ROUTER)
    text = "\n".join(lines)
    for name in (
        "TRIGGER_PAGE_USER",
        "TRIGGER_PAGE_PASSWORD",
        "POLLING_TIMEZONE",
        "MAGIC_LINK_TTL_SECONDS",
        "FLASK_LOG_LEVEL",
        "WEBHOOK_TIME_START",
        "WEBHOOK_SSL_VERIFY",
        "IMAP_SERVER",
        "EMAIL_POLLING_INTERVAL_SECONDS",
        "CORS_ALLOWED_ORIGINS",
    ):
        assert sum(line.startswith(name + " ") for line in lines) == 1, name
    assert "read as DASHBOARD_PASSWORD" in text and "an-old-password" not in text
    # Same name in both: nothing to say.
    for name in ("WEBHOOKS_TIME_END", "WEBHOOK_SENDING_ENABLED", "GMAIL_SENDER_ALLOWLIST"):
        assert name + " " not in text


def test_a_malformed_old_window_is_refused_with_the_variable_name(make_app):
    with pytest.raises(SettingsError, match="WEBHOOKS_TIME_START"):
        make_app(webhooks_time_start="8 heures")
