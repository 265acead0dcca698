"""Settings: fixed names, validation naming the variable, local secrets generated once."""

from __future__ import annotations

import os
import stat

import pytest

from config.local_secrets import SECRETS_FILE, complete_secrets, read_secrets_file
from config.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(
            ("RELAIS_", "REDIS_", "WEBHOOK_", "PROCESS_API", "DASHBOARD_", "FLASK_SECRET")
        ):
            monkeypatch.delenv(name, raising=False)
    for name in ("PORT", "DATA_DIR", "ALLOW_PRIVATE_TARGETS", "RETRY_SCHEDULE", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


def test_fixed_names_are_read_from_the_environment(monkeypatch, tmp_path):
    env = {
        "PORT": "9000",
        "DATA_DIR": str(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "PROCESS_API_TOKEN": "token-123456",
        "WEBHOOK_URL": "https://hook.eu2.make.com/abc",
        "WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "ALLOW_PRIVATE_TARGETS": "true",
        "FLASK_SECRET_KEY": "flask-secret",
        "DASHBOARD_USER": "ops",
        "DASHBOARD_PASSWORD": "password-123",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert (s.port, s.data_dir, s.redis_url, s.dashboard_user) == (
        9000,
        tmp_path,
        "redis://127.0.0.1:6379/3",
        "ops",
    )
    assert s.process_api_token.get_secret_value() == "token-123456"
    assert s.private_targets_allowed is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("WEBHOOK_SECRET", "not-a-whsec"),
        ("RETRY_SCHEDULE", "0,5,-1"),
        ("WEBHOOK_URL", "hook.example.com/x"),
        ("TIMEZONE", "Mars/Olympus"),
        ("PROCESS_API_TOKEN", "short"),
        ("RELAIS_ENV", "staging"),
    ],
)
def test_a_bad_value_stops_start_with_the_variable_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)
    assert value not in str(err.value) or name == "RELAIS_ENV"


def test_retry_schedule_is_a_comma_list(monkeypatch):
    monkeypatch.setenv("RETRY_SCHEDULE", "0, 10,60")
    assert load_settings().retry_schedule == [0, 10, 60]


def test_private_targets_default_follows_the_mode():
    assert load_settings({"relais_env": "development"}).private_targets_allowed is True
    assert load_settings({"relais_env": "production"}).private_targets_allowed is False


def test_development_generates_missing_secrets_once_and_reuses_them(tmp_path):
    settings = load_settings({"relais_env": "development", "data_dir": tmp_path})
    first = complete_secrets(settings)
    path = tmp_path / SECRETS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(read_secrets_file(path)) == {
        "PROCESS_API_TOKEN",
        "DASHBOARD_PASSWORD",
        "RELAIS_ENCRYPTION_KEY",
        "WEBHOOK_SECRET",
        "FLASK_SECRET_KEY",
    }
    again = complete_secrets(settings)
    assert again.process_api_token.get_secret_value() == first.process_api_token.get_secret_value()
    assert again.webhook_secret.get_secret_value().startswith("whsec_")


def test_environment_secrets_win_over_generated_ones(tmp_path):
    settings = load_settings(
        {"relais_env": "development", "data_dir": tmp_path, "process_api_token": "from-env-123"}
    )
    done = complete_secrets(settings)
    assert done.process_api_token.get_secret_value() == "from-env-123"
    assert "PROCESS_API_TOKEN" not in read_secrets_file(tmp_path / SECRETS_FILE)


def test_production_refuses_to_start_without_secrets(tmp_path):
    settings = load_settings({"data_dir": tmp_path, "webhook_url": "https://x.example/h"})
    with pytest.raises(SettingsError) as err:
        complete_secrets(settings)
    for name in ("PROCESS_API_TOKEN", "DASHBOARD_PASSWORD", "FLASK_SECRET_KEY", "WEBHOOK_SECRET"):
        assert name in str(err.value)
    assert not (tmp_path / SECRETS_FILE).exists()


def test_dotenv_files_fill_in_below_the_environment(tmp_path, monkeypatch):
    from config.settings import dotenv_values_for

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\nDATA_DIR=d\nPORT=9001\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ".env").write_text("PORT=9002\nTIMEZONE=UTC\n")
    environ = {"LOG_LEVEL": "ERROR"}
    assert dotenv_values_for(environ) == {
        "LOG_LEVEL": "DEBUG",
        "DATA_DIR": "d",
        "PORT": "9001",
        "TIMEZONE": "UTC",
    }
    monkeypatch.setenv("RELAIS_DOTENV", "1")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    settings = load_settings({"relais_env": "development"})
    assert (settings.log_level, settings.port, settings.timezone) == ("ERROR", 9001, "UTC")
    assert dotenv_values_for({"RELAIS_DOTENV": "0"}) == {}
