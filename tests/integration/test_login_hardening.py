"""Login hardening: constant work whatever the user name, a limit counted before the check,
device cookies against lock-out, and every refusal logged and counted."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

from services.access.admin_auth import AdminAuth
from tests.conftest import TEST_PASSWORD
from tests.support.admin import AdminClient

LOGIN = "/api/auth/login"


def login(client, password=TEST_PASSWORD, user="admin", ip="203.0.113.7"):
    return client.post(
        LOGIN, json={"username": user, "password": password}, headers={"X-Forwarded-For": ip}
    )


@pytest.fixture
def evaluations(monkeypatch):
    """How many times a password was checked (argon2 runs once per check)."""
    count = {"n": 0}
    lock = threading.Lock()
    real = AdminAuth._password_matches

    def counting(self, password):
        with lock:
            count["n"] += 1
        return real(self, password)

    monkeypatch.setattr(AdminAuth, "_password_matches", counting)
    return count


def test_a_wrong_user_name_costs_the_same_password_check(make_app, evaluations):
    client = make_app().test_client()
    assert login(client, user="not-admin").status_code == 401
    assert login(client, password="wrong").status_code == 401
    assert evaluations["n"] == 2  # argon2 ran for the unknown name too


def test_parallel_guesses_never_get_more_checks_than_the_limit(make_app, evaluations):
    app = make_app(login_limit_per_account=10, login_limit_per_ip=1000)

    def guess(n):
        return login(app.test_client(), password=f"guess-{n}", ip=f"198.51.100.{n}").status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(guess, range(30)))
    assert evaluations["n"] == 10
    assert sorted(codes) == [401] * 10 + [429] * 20


def test_a_browser_that_signed_in_before_is_not_locked_out_by_guesses(make_app):
    app = make_app(login_limit_per_account=3, login_limit_per_ip=1000, session_cookie_secure=False)
    own_browser = app.test_client()
    first = login(own_browser)
    assert first.status_code == 200
    assert "relais_device=" in first.headers.getlist("Set-Cookie")[-1]
    attacker = app.test_client()
    for n in range(3):
        assert login(attacker, password=f"guess-{n}", ip=f"192.0.2.{n}").status_code == 401
    assert login(attacker, ip="192.0.2.99").status_code == 429  # the account is locked for them
    assert login(app.test_client(), ip="192.0.2.100").status_code == 429  # a new browser too
    assert login(own_browser).status_code == 200  # the admin's own browser still signs in


def test_a_trusted_device_has_its_own_limit(make_app):
    app = make_app(login_limit_per_account=2, login_limit_per_ip=1000, session_cookie_secure=False)
    browser = app.test_client()
    assert login(browser).status_code == 200
    assert [login(browser, password="wrong").status_code for _ in range(3)] == [401, 401, 429]


def test_refused_logins_and_csrf_are_logged_and_counted(make_app, caplog):
    app = make_app(login_limit_per_ip=1, metrics_token="metrics-token-123")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        login(client, password="wrong-password")
        login(client, password="wrong-password")
        admin = AdminClient(app)
        refused = admin.client.post("/api/deliveries/release", json={"dry_run": True})
    assert refused.status_code == 403
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("login failed from") for line in lines)
    assert any(line.startswith("login limited from") for line in lines)
    assert any("CSRF token missing or wrong" in line for line in lines)
    assert not any("wrong-password" in line for line in lines)
    text = (
        app.test_client()
        .get("/metrics", headers={"Authorization": "Bearer metrics-token-123"})
        .get_data(as_text=True)
    )
    for event in ("login_failed", "login_limited", "csrf_refused", "login_ok"):
        assert f'relais_auth_events_total{{event="{event}"}}' in text


def test_a_plain_password_is_hashed_at_the_first_sign_in_not_at_each_start(make_app, monkeypatch):
    """argon2 costs ~0.15 s: a worker no longer pays it before answering anything."""
    hashed = {"n": 0}
    real = PasswordHasher.hash

    def counting(self, password, *args, **kwargs):
        hashed["n"] += 1
        return real(self, password, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counting)
    client = make_app(dashboard_password="plain-password-1234").test_client()
    assert hashed["n"] == 0
    assert login(client, password="wrong").status_code == 401
    assert login(client, password="plain-password-1234").status_code == 200
    assert hashed["n"] == 1  # once, then kept
