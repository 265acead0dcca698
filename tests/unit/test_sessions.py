"""The session interface: Flask's signed cookie, the serializer built only for a request
that brings the cookie; what a session holds and how it is signed are Flask's."""

from __future__ import annotations

from flask import Flask, request, session

from routes.sessions import CookieFirstSessionInterface, init_sessions


def app_with_sessions() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-secret-key-0123456789"
    init_sessions(app)

    @app.post("/in")
    def sign_in() -> str:
        session["who"] = "admin"
        return "ok"

    @app.get("/who")
    def who() -> str:
        return str(session.get("who"))

    return app


def test_a_request_without_the_cookie_gets_an_empty_session_and_no_cookie() -> None:
    client = app_with_sessions().test_client()
    resp = client.get("/who")
    assert resp.get_data(as_text=True) == "None"
    assert "Set-Cookie" not in resp.headers


def test_a_session_set_is_read_back_from_its_cookie() -> None:
    client = app_with_sessions().test_client()
    assert "Set-Cookie" in client.post("/in").headers
    assert client.get("/who").get_data(as_text=True) == "admin"


def test_a_cookie_signed_with_another_key_is_not_read() -> None:
    other = app_with_sessions()
    other.secret_key = "another-key-9876543210"
    forger = other.test_client()
    forger.post("/in")
    cookie = forger.get_cookie("session")
    assert cookie is not None
    client = app_with_sessions().test_client()
    client.set_cookie("session", cookie.value)
    assert client.get("/who").get_data(as_text=True) == "None"


def test_without_a_secret_key_there_is_no_session() -> None:
    app = Flask(__name__)
    init_sessions(app)
    assert isinstance(app.session_interface, CookieFirstSessionInterface)
    with app.test_request_context("/"):
        assert app.session_interface.open_session(app, request) is None
