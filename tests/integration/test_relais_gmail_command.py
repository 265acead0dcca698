"""`relais gmail …`: the operator's view of Gmail push, run through the real command (click's
runner on `relais`, the app built from the environment as in production) against the real
Redis and the fake Google of tests/support/fake_google.py.

The mailbox is connected the way the dashboard leaves it (an app built with its grant, first
sync done); each command then builds its own app from the environment, without
GMAIL_ADDRESS, so a removed mailbox stays removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

from routes.relais_command import main
from tests.conftest import TEST_TOKEN
from tests.support.fake_google import (
    CLIENT_ID,
    CLIENT_SECRET,
    PUSH_ACCOUNT,
    FakeGoogle,
    build_raw,
)

ADDRESS = "owner@example.com"
TOPIC = "projects/relais-test/topics/gmail"
AUDIENCE = "https://relais.example/api/ingress/pubsub"
KEY = Fernet.generate_key().decode()


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(default_email=ADDRESS) as fake:
        yield fake


def gmail_env(google: FakeGoogle) -> dict[str, str]:
    return {
        "GMAIL_CLIENT_ID": CLIENT_ID,
        "GMAIL_CLIENT_SECRET": CLIENT_SECRET,
        "GMAIL_PUBSUB_TOPIC": TOPIC,
        "PUBSUB_AUDIENCE": AUDIENCE,
        "PUBSUB_SERVICE_ACCOUNT": PUSH_ACCOUNT,
        "GOOGLE_API_ROOT": google.api_root,
        "GOOGLE_TOKEN_URI": google.token_uri,
        "GOOGLE_AUTH_URI": google.auth_uri,
        "GOOGLE_OIDC_CERTS_URL": google.certs_url,
        "RELAIS_ENCRYPTION_KEY": KEY,
    }


@pytest.fixture
def env(monkeypatch, redis_url, redis_client, tmp_path):
    """What every command runs with: development settings on the test database."""
    monkeypatch.setenv("RELAIS_ENV", "development")
    monkeypatch.setenv("RELAIS_DOTENV", "0")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("PROCESS_API_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("RELAIS_ENCRYPTION_KEY", KEY)
    for name in ("GMAIL_CLIENT_ID", "GMAIL_CLIENT_SECRET", "GMAIL_PUBSUB_TOPIC"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def configured(env, google):
    for name, value in gmail_env(google).items():
        env.setenv(name, value)
    return env


@pytest.fixture
def connected(configured, make_app, google):
    """The mailbox connected with its grant and synced once (watching, at the current history):
    what the dashboard's Connect Gmail leaves behind."""
    settings: dict[str, Any] = {
        "gmail_client_id": CLIENT_ID,
        "gmail_client_secret": CLIENT_SECRET,
        "gmail_pubsub_topic": TOPIC,
        "google_api_root": google.api_root,
        "google_token_uri": google.token_uri,
        "google_auth_uri": google.auth_uri,
        "google_oidc_certs_url": google.certs_url,
        "relais_encryption_key": KEY,
        "gmail_address": ADDRESS,
        "gmail_refresh_token": google.refresh_token_for(ADDRESS),
    }
    services = make_app(**settings).extensions["relais"]
    assert services.gmail.runner.run_due(wait=False) is not None
    return services


def relais(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def stdout_json(result: Result) -> Any:
    return json.loads(result.stdout)


def new_mail(google: FakeGoogle, subject: str) -> Any:
    raw = build_raw(
        subject, "Planning <planning@media-solution.example>", ADDRESS, html="<p>hi</p>"
    )
    return google.add_message(raw)


# -- Gmail not configured ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["gmail", "sync", ADDRESS],
        ["gmail", "renew-watch", ADDRESS],
        ["gmail", "renew-watch", "--all"],
    ],
)
def test_without_an_oauth_client_reading_commands_exit_2_in_one_line(env, args):
    result = relais(*args)
    assert result.exit_code == 2, result.output
    assert "Error: Gmail is not configured: set GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET" in (
        result.stderr
    )
    assert "Traceback" not in result.output


def test_list_without_gmail_says_so_and_exits_0(env):
    result = relais("gmail", "list")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no mailbox connected"
    assert "Gmail is not configured" in result.stderr
    listed = stdout_json(relais("gmail", "list", "--json"))
    assert listed["items"] == [] and listed["setup"]["oauth_client"] is False


def test_renew_watch_without_a_topic_exits_2(connected, configured):
    configured.delenv("GMAIL_PUBSUB_TOPIC")
    result = relais("gmail", "renew-watch", ADDRESS)
    assert result.exit_code == 2
    assert "GMAIL_PUBSUB_TOPIC is not set" in result.stderr


# -- unknown mailbox, usage -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["sync", "renew-watch", "remove"])
def test_an_unknown_mailbox_is_exit_1(configured, command):
    result = relais("gmail", command, "nobody@example.com")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == "Error: nobody@example.com: no such mailbox"


@pytest.mark.parametrize("args", [["renew-watch"], ["renew-watch", ADDRESS, "--all"], ["sync"]])
def test_usage_errors_are_exit_2(configured, args):
    assert relais("gmail", *args).exit_code == 2


# -- a connected mailbox ----------------------------------------------------------------------


def test_list_shows_each_mailbox_with_its_state(connected, google):
    result = relais("gmail", "list")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{ADDRESS}  state=connected  health=ok  watch_expires=20")
    assert f"history_id={google.history_id(ADDRESS)}" in line
    assert "last_sync=20" in line and "last_error" not in line
    (item,) = stdout_json(relais("gmail", "list", "--json"))["items"]
    assert item["address"] == ADDRESS and item["state"] == "connected"
    assert item["watch_expires_at"] > item["last_sync_at"] > 0
    assert "sealed_token" not in item


def test_sync_admits_what_arrived_and_says_so(connected, google):
    first = new_mail(google, "Lot 1")
    result = relais("gmail", "sync", ADDRESS.upper())  # addresses are not case-sensitive
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{ADDRESS}: synced (admitted 1, duplicates 0, skipped 0)"
    assert connected.gmail.store.get(ADDRESS).history_id == str(google.history_id(ADDRESS))
    new_mail(google, "Lot 2")
    report = stdout_json(relais("gmail", "sync", ADDRESS, "--json"))
    assert report == {
        "address": ADDRESS,
        "outcome": "synced",
        "admitted": 1,
        "duplicates": 0,
        "skipped": 0,
        "full": False,
        "error": "",
    }
    stored = connected.redis.exists(connected.keys.email(first.id))
    assert stored
    actions = [e["action"] for e in connected.access.audit.entries()]
    assert actions.count("gmail_sync") == 2


def test_a_sync_that_stops_on_googles_error_is_exit_1(connected, google):
    google.fail_next("history", 500)
    result = relais("gmail", "sync", ADDRESS)
    assert result.exit_code == 1
    assert f"{ADDRESS}: error" in result.stdout
    assert f"Error: the sync of {ADDRESS} stopped: Google answered 500" in result.stderr
    assert "last_error='Google answered 500" in relais("gmail", "list").stdout


def test_a_revoked_grant_needs_a_reconnect(connected, google):
    google.revoke_all()
    google.expire_access_tokens()
    first = relais("gmail", "sync", ADDRESS)
    assert first.exit_code == 1
    assert f"Error: the sync of {ADDRESS} stopped: needs_reconnect" in first.stderr
    again = relais("gmail", "sync", ADDRESS)
    assert again.exit_code == 1
    assert f"{ADDRESS}: {ADDRESS} must be connected again" in again.stderr
    assert "health=needs_reconnect" in relais("gmail", "list").stdout
    assert relais("gmail", "renew-watch", ADDRESS).exit_code == 1


def test_renew_watch_calls_users_watch_whatever_the_expiry(connected, google):
    before = len(google.watch_calls)
    result = relais("gmail", "renew-watch", ADDRESS)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{ADDRESS}: renewed (watch expires 20")
    assert len(google.watch_calls) == before + 1 and google.watch_calls[-1].topic_name == TOPIC
    every = stdout_json(relais("gmail", "renew-watch", "--all", "--json"))
    (row,) = every["mailboxes"]
    assert row["address"] == ADDRESS and row["outcome"] == "renewed"
    assert row["watch_expires_at"] > 0
    assert "gmail_watch_renew" in [e["action"] for e in connected.access.audit.entries()]


def test_a_refused_watch_is_exit_1_and_shown(connected, google):
    google.fail_next("watch", 403)
    result = relais("gmail", "renew-watch", "--all")
    assert result.exit_code == 1
    assert (
        f"{ADDRESS}: gmail_error (the watch of {ADDRESS} was not renewed: Google answered 403"
        in (result.stdout)
    )
    assert "watch_error='Google answered 403" in relais("gmail", "list").stdout


def test_remove_stops_the_watch_and_forgets_the_mailbox(connected, google):
    result = relais("gmail", "remove", ADDRESS, "--json")
    assert result.exit_code == 0, result.output
    assert stdout_json(result) == {"address": ADDRESS, "outcome": "removed"}
    assert google.stop_calls == [ADDRESS]
    assert connected.gmail.store.get(ADDRESS) is None
    assert "gmail_disconnect" in [e["action"] for e in connected.access.audit.entries()]
    assert relais("gmail", "list").stdout.strip() == "no mailbox connected"
    gone = relais("gmail", "remove", ADDRESS)
    assert gone.exit_code == 1 and "no such mailbox" in gone.stderr


def test_remove_warns_when_the_environment_connects_it_again(connected, configured, google):
    configured.setenv("GMAIL_ADDRESS", ADDRESS)
    configured.setenv("GMAIL_REFRESH_TOKEN", google.refresh_token_for(ADDRESS))
    result = relais("gmail", "remove", ADDRESS)
    assert result.exit_code == 0
    assert "GMAIL_ADDRESS names this mailbox" in result.stderr
