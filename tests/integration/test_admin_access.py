"""Dashboard access: login, sessions, CSRF, Origin, rate limits, log out everywhere, magic links."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.support.admin import AdminClient

LOGIN = "/api/auth/login"


@pytest.fixture
def app(make_app, clock):
    return make_app(clock=clock, login_limit_per_ip=5, login_limit_per_account=8)


def login(client, password=TEST_PASSWORD, user="admin", ip="203.0.113.7"):
    return client.post(
        LOGIN,
        json={"username": user, "password": password},
        headers={"X-Forwarded-For": ip},
    )


def test_login_sets_a_hardened_session_cookie(make_app):
    app = make_app(session_cookie_secure=True)
    resp = login(app.test_client())
    assert resp.status_code == 200
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("relais_session=")
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert set(resp.get_json()) == {"user", "csrf_token", "created_at", "expires_at"}


def test_secure_flag_can_be_switched_off_for_local_http(make_app):
    cookie = login(make_app(session_cookie_secure=False).test_client()).headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize(
    ("user", "password"), [("admin", "wrong-password"), ("root", TEST_PASSWORD)]
)
def test_wrong_credentials_are_401_without_detail(app, user, password):
    resp = login(app.test_client(), password=password, user=user)
    assert resp.status_code == 401
    assert resp.get_json() == {
        "error": "invalid_credentials",
        "message": "wrong user name or password",
    }


def test_api_without_a_session_is_401_and_the_dashboard_redirects(app):
    client = app.test_client()
    assert client.get("/api/targets").status_code == 401
    assert client.get("/api/targets").get_json()["error"] == "unauthorized"
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].endswith("/login")


def test_signed_in_the_dashboard_page_is_served_and_login_redirects_to_it(app):
    admin = AdminClient(app)
    with admin.get("/") as page:
        assert page.status_code == 200 and b'src="/static/js/app.js"' in page.data
        assert page.headers["Cache-Control"] == "no-cache"
    with admin.get("/login") as login:
        assert login.status_code == 302 and login.headers["Location"].endswith("/")


def test_state_change_without_csrf_is_403(app):
    admin = AdminClient(app)
    resp = admin.client.post("/api/auth/logout_all")  # cookie, no CSRF header
    assert resp.status_code == 403 and resp.get_json()["error"] == "csrf_failed"
    wrong = admin.client.post("/api/auth/logout_all", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403


def test_foreign_origin_is_403_even_with_the_csrf_token(app):
    admin = AdminClient(app)
    resp = admin.post("/api/auth/logout_all", headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403 and resp.get_json()["error"] == "forbidden"
    cross_site = admin.post("/api/auth/logout_all", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    assert login(app.test_client(), ip="1.1.1.1").status_code == 200
    foreign_login = app.test_client().post(
        LOGIN,
        json={"username": "admin", "password": TEST_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign_login.status_code == 403


def test_same_origin_with_csrf_is_accepted(app):
    admin = AdminClient(app)
    resp = admin.post("/api/auth/logout", headers={"Origin": "http://localhost"})
    assert resp.status_code == 200


def test_log_out_everywhere_invalidates_old_cookies(app):
    first, second = AdminClient(app), AdminClient(app)
    stolen_cookie = first.client.get_cookie("relais_session").value
    assert second.post("/api/auth/logout_all").status_code == 200
    assert first.get("/api/targets").status_code == 401
    replay = app.test_client()
    replay.set_cookie("relais_session", stolen_cookie)
    assert replay.get("/api/auth/session").status_code == 401
    assert AdminClient(app).get("/api/targets").status_code == 200  # new logins work


def test_sessions_end_after_idle_and_absolute_lifetimes(make_app, clock):
    app = make_app(clock=clock, session_idle_minutes=30, session_max_hours=1)
    idle = AdminClient(app)
    clock.advance(31 * 60)
    assert idle.get("/api/targets").status_code == 401
    busy = AdminClient(app)
    for _ in range(5):
        clock.advance(15 * 60)
        status = busy.get("/api/targets").status_code
    assert status == 401  # used every 15 min, but past the 1-hour absolute lifetime


def test_login_rate_limit_per_ip_is_429_with_retry_after(app):
    client = app.test_client()
    for _ in range(5):
        assert login(client, "wrong", ip="198.51.100.1").status_code == 401
    blocked = login(client, TEST_PASSWORD, ip="198.51.100.1")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    assert login(client, TEST_PASSWORD, ip="198.51.100.2").status_code == 200


def test_login_rate_limits_hold_across_two_instances_sharing_redis(make_app, clock):
    one = make_app(clock=clock, login_limit_per_ip=4).test_client()
    two = make_app(clock=clock, login_limit_per_ip=4).test_client()
    for client in (one, two, one, two):
        assert login(client, "wrong", ip="192.0.2.9").status_code == 401
    assert login(one, TEST_PASSWORD, ip="192.0.2.9").status_code == 429
    assert login(two, TEST_PASSWORD, ip="192.0.2.9").status_code == 429


def test_login_rate_limit_per_account_spans_ips(app):
    client = app.test_client()
    for n in range(8):
        assert login(client, "wrong", ip=f"192.0.2.{n}").status_code == 401
    assert login(client, TEST_PASSWORD, ip="192.0.2.200").status_code == 429


def test_client_ip_comes_from_the_trusted_proxy_only(make_app):
    app = make_app(trusted_proxies=0, login_limit_per_ip=2, login_limit_per_account=100)
    client = app.test_client()
    for n in range(2):
        login(client, "wrong", ip=f"10.0.0.{n}")  # spoofed header, ignored: same peer
    assert login(client, TEST_PASSWORD, ip="10.0.0.99").status_code == 429


# -- magic links --------------------------------------------------------------------------------


def make_link(app, **body):
    resp = AdminClient(app).post("/api/magic_links", json=body)
    assert resp.status_code == 201
    return resp.get_json()


def token_of(url):
    return url.rsplit("/", 1)[1]


def test_one_shot_magic_link_is_consumed_by_post_only_once(app, redis_client):
    created = make_link(app)
    token = token_of(created["url"])
    assert created["link"]["one_shot"] is True
    assert created["link"]["expires_at"] - created["link"]["created_at"] == 600
    assert not [k for k in redis_client.keys("*") if token in k]  # stored hashed
    client = app.test_client()
    for _ in range(2):  # link scanners GET it: nothing is consumed
        page = client.get(f"/auth/magic/{token}")
        assert page.status_code == 200 and b'name="token"' in page.data
    used = client.post("/auth/magic", data={"token": token})
    assert used.status_code == 303 and used.headers["Location"] == "/"
    assert client.get("/api/auth/session").status_code == 200
    again = app.test_client().post("/auth/magic", data={"token": token})
    assert again.status_code == 400
    assert app.test_client().get(f"/auth/magic/{token}").status_code == 404


def test_one_shot_link_expires(app, clock):
    token = token_of(make_link(app)["url"])
    clock.advance(601)
    assert app.test_client().post("/auth/magic", data={"token": token}).status_code == 400


def test_named_links_are_listed_reusable_and_revocable(app):
    created = make_link(app, name="phone", days=30)
    token = token_of(created["url"])
    for _ in range(2):
        assert app.test_client().post("/auth/magic", data={"token": token}).status_code == 303
    admin = AdminClient(app)
    (listed,) = admin.get("/api/magic_links").get_json()["items"]
    assert listed["name"] == "phone" and listed["uses"] == 2
    assert token not in admin.get("/api/magic_links").get_data(as_text=True)
    assert admin.delete(f"/api/magic_links/{listed['id']}").status_code == 200
    assert app.test_client().post("/auth/magic", data={"token": token}).status_code == 400
    assert admin.delete(f"/api/magic_links/{listed['id']}").status_code == 404


def test_magic_link_post_from_a_foreign_origin_is_refused(app):
    token = token_of(make_link(app)["url"])
    resp = app.test_client().post(
        "/auth/magic", data={"token": token}, headers={"Origin": "https://evil.example"}
    )
    assert resp.status_code == 403
    assert app.test_client().post("/auth/magic", data={"token": token}).status_code == 303


# -- headers and error shapes ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/login", "/api/targets", "/nope"])
def test_security_headers_on_every_response(app, path):
    resp = app.test_client().get(path)
    resp.close()  # the login page is a file response
    csp = resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in resp.headers


def test_hsts_when_served_over_https_behind_the_proxy(app):
    resp = app.test_client().get("/health", headers={"X-Forwarded-Proto": "https"})
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_error_codes_keep_the_json_shape(app):
    admin = AdminClient(app)
    cases = {
        404: admin.get("/api/targets/nope"),
        405: admin.client.put("/api/stats"),
        415: admin.post("/api/targets", data="x", headers={"Content-Type": "text/plain"}),
        422: admin.post("/api/targets", json={"name": ""}),
    }
    for status, resp in cases.items():
        assert resp.status_code == status
        assert {"error", "message"} <= set(resp.get_json())


def test_log_out_everywhere_also_revokes_named_magic_links(app):
    admin = AdminClient(app)
    created = admin.post("/api/magic_links", json={"name": "phone", "days": 365}).get_json()
    token = created["url"].rsplit("/", 1)[1]
    resp = admin.post("/api/auth/logout_all")
    assert resp.get_json() == {"success": True, "magic_links_revoked": 1}
    assert app.test_client().get(f"/auth/magic/{token}").status_code == 404
    assert AdminClient(app).get("/api/magic_links").get_json()["items"] == []


def test_pages_and_answers_that_carry_a_token_are_never_cached(app):
    admin = AdminClient(app)
    token = admin.post("/api/magic_links", json={}).get_json()["url"].rsplit("/", 1)[1]
    page = app.test_client().get(f"/auth/magic/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    created = admin.post("/api/targets", json={"name": "X", "url": "http://127.0.0.1:9/x"})
    assert created.headers["Cache-Control"] == "no-store"  # it carries the new secret


def test_the_links_list_says_how_long_a_one_shot_link_lasts(make_app):
    app = make_app(magic_link_ttl_minutes=7)
    listed = AdminClient(app).get("/api/magic_links").get_json()
    assert listed["one_shot_minutes"] == 7
    created = make_link(app)
    assert created["link"]["expires_at"] - created["link"]["created_at"] == 7 * 60
