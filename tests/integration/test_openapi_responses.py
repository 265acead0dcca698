"""The OpenAPI document is true: every operation, called for real, answers what it says.

One walk through the whole API on the real Redis (the Gmail endpoints against the loopback
fake of Google): each answer's JSON body is validated against the response schema the
document declares for that operation and status (Draft 2020-12, `$ref`s resolved against the
document), non-JSON answers against the declared content type. A route that answers a field,
a type or a status its schema does not declare fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import FIXTURES, TEST_PASSWORD, TEST_WHSEC, auth
from tests.integration.test_gmail_push import ADDRESS, AUDIENCE, gmail_settings
from tests.support.admin import AdminClient
from tests.support.fake_google import FakeGoogle, build_raw

METRICS_TOKEN = "metrics-token-for-the-contract-test"
DOC_URI = "urn:relais:openapi"
_PATH_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(default_email=ADDRESS) as fake:
        yield fake


@pytest.fixture
def app(make_app, google, sink, clock):
    return make_app(
        clock=clock,
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        metrics_token=METRICS_TOKEN,
        gmail_address=ADDRESS,
        gmail_refresh_token=google.refresh_token_for(ADDRESS),
        **gmail_settings(google),
    )


class Contract:
    """Checks each answer against the document; remembers which operations succeeded (2xx,
    or the redirect that is the success of a browser step)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.doc = app.test_client().get("/api/openapi.json").get_json()
        resource = Resource(contents=self.doc, specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
        self.succeeded: set[tuple[str, str]] = set()

    def operations(self) -> set[tuple[str, str]]:
        return {(path, method) for path, ops in self.doc["paths"].items() for method in ops}

    def _operation(self, method: str, url: str) -> tuple[str, dict[str, Any]]:
        """The documented path template and operation that this request reaches."""
        adapter = self.app.url_map.bind("localhost")
        rule, _ = adapter.match(urlsplit(url).path, method=method, return_rule=True)
        template = _PATH_PARAM.sub(r"{\1}", rule.rule)
        return template, self.doc["paths"][template][method.lower()]

    def check(self, resp: Any, method: str, url: str, status: int) -> Any:
        template, operation = self._operation(method, url)
        where = f"{method} {url}"
        assert resp.status_code == status, (where, resp.status_code, resp.get_data(as_text=True))
        responses = operation["responses"]
        key = str(status) if str(status) in responses else "default"
        content = responses[key].get("content", {})
        assert resp.mimetype in content, (where, status, resp.mimetype, sorted(content))
        if resp.mimetype == "application/json":
            pointer = "/".join(
                part.replace("~", "~0").replace("/", "~1")
                for part in (
                    "paths",
                    template,
                    method.lower(),
                    "responses",
                    key,
                    "content",
                    resp.mimetype,
                    "schema",
                )
            )
            validator = Draft202012Validator(
                {"$ref": f"{DOC_URI}#/{pointer}"}, registry=self.registry
            )
            errors = [
                (list(e.absolute_path), e.message) for e in validator.iter_errors(resp.get_json())
            ]
            assert not errors, (where, status, errors[:5])
        if 200 <= status < 400:
            self.succeeded.add((template, method.lower()))
        return resp


class Caller:
    """Sends a request as someone (anonymous client or signed-in admin) and checks it."""

    def __init__(self, contract: Contract, client: Any) -> None:
        self.contract = contract
        self.client = client

    def __call__(self, method: str, url: str, status: int, **kwargs: Any) -> Any:
        if isinstance(self.client, AdminClient) and method != "GET":
            kwargs["headers"] = {"X-CSRF-Token": self.client.csrf, **kwargs.get("headers", {})}
        client = self.client.client if isinstance(self.client, AdminClient) else self.client
        resp = client.open(url, method=method, **kwargs)
        return self.contract.check(resp, method, url, status)


def drain(app: Any) -> None:
    while app.extensions["relais"].delivery.workers.run_once():
        pass


def probes_and_pages(anon: Caller, admin: Caller) -> None:
    anon("GET", "/health", 200)
    anon("GET", "/ready", 200)
    anon("GET", "/api/ping", 200)
    anon("GET", "/metrics", 200, headers=auth(METRICS_TOKEN))
    anon("GET", "/metrics", 401)
    anon("GET", "/login", 200)
    anon("GET", "/", 302)
    anon("GET", "/api/auth/session", 401)
    anon("GET", "/api/stats", 401)
    anon("GET", "/api/docs", 200)
    anon("GET", "/api/docs/assets/swagger-ui.css", 200)
    anon("GET", "/api/docs/assets/swagger-ui-bundle.js", 200)
    anon("GET", "/api/docs/assets/swagger-editor.js", 404)
    admin("GET", "/api/auth/session", 200)
    admin("GET", "/", 200)
    admin("GET", "/login", 302)


def ingress(app: Any, anon: Caller, sink: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = json.loads((FIXTURES / "plain_wetransfer.json").read_text())["payload"]
    accepted = anon("POST", "/api/ingress/gmail", 200, json=payload, headers=auth()).get_json()
    anon("POST", "/api/ingress/gmail", 200, json=payload, headers=auth())  # duplicate
    no_link = {**payload, "subject": "Bonjour", "body": "<p>Rien</p>", "snippet": "Rien"}
    ignored = anon("POST", "/api/ingress/gmail", 200, json=no_link, headers=auth()).get_json()
    assert (ignored["status"], ignored["reason"]) == ("ignored", "no_links")
    anon("POST", "/api/ingress/gmail", 422, json={"subject": 3}, headers=auth())
    anon("POST", "/api/ingress/gmail", 401, json=payload)
    ids = {"gmail_message_ids": ["abc", "def"]}
    anon("POST", "/api/ingress/reconcile", 200, json=ids, headers=auth())
    drain(app)
    sink.wait_for(1)
    return payload, accepted


def records(app: Any, admin: Caller, email_id: str, delivery_id: str) -> None:
    admin("GET", "/api/emails", 200)
    admin("GET", "/api/emails?status=accepted&q=fichiers", 200)
    admin("GET", f"/api/emails/{email_id}?include_body=true", 200)
    admin("GET", "/api/emails/nope", 404)
    admin("GET", "/api/emails?limit=0", 422)
    admin("GET", "/api/deliveries", 200)
    admin("GET", "/api/deliveries?status=delivered", 200)
    admin("GET", f"/api/deliveries/{delivery_id}?include_payload=true", 200)
    admin("GET", f"/api/deliveries/{delivery_id}", 200)
    admin("POST", f"/api/deliveries/{delivery_id}/replay", 200)
    admin("POST", f"/api/deliveries/{delivery_id}/replay", 409)
    admin("POST", "/api/deliveries/replay", 200, json={"dry_run": True})
    admin("POST", "/api/deliveries/release", 200, json={"dry_run": True})
    admin("POST", "/api/deliveries/release", 200, json={})
    admin("POST", f"/api/deliveries/{delivery_id}/release", 200)
    drain(app)
    admin("POST", f"/api/deliveries/{delivery_id}/release", 409)
    admin("POST", "/api/deliveries/replay", 200, json={"status": "delivered"})
    admin("POST", f"/api/emails/{email_id}/reroute", 200, json={"dry_run": True})
    admin("POST", f"/api/emails/{email_id}/reroute", 200, json={})
    admin("POST", "/api/emails/reroute", 200, json={"dry_run": True})
    admin("POST", "/api/emails/reroute", 200, json={})
    admin("POST", "/api/emails/reroute", 415, data="{}")
    drain(app)


def documents(admin: Caller, payload: dict[str, Any], email_id: str) -> None:
    for path in ("/api/preferences", "/api/routing_rules", "/api/runtime_flags"):
        doc = admin("GET", path, 200).get_json()
        update = {"version": doc["version"], "document": doc["document"]}
        admin("PUT", path, 200, json=update)
        admin("PUT", path, 409, json=update)
    windows = admin("GET", "/api/time_windows", 200).get_json()["document"]
    windows["window"] = {"start": "09h00", "end": "18h00"}
    admin("PUT", "/api/time_windows", 200, json={"version": None, "document": windows})
    admin("GET", "/api/time_windows", 200)
    lab = "/api/routing_rules/test"
    admin("POST", lab, 200, json={"email": payload})
    admin("POST", lab, 200, json={"email_id": email_id})
    admin("POST", lab, 200, json={"replay_last": 5, "include_unchanged": True})
    admin("POST", lab, 404, json={"email_id": "nope"})
    admin("POST", lab, 422, json={})


def targets(admin: Caller, sink: Any, email_id: str) -> None:
    admin("GET", "/api/targets", 200)
    new = {"name": "Second", "url": sink.url()}
    target_id = admin("POST", "/api/targets", 201, json=new).get_json()["target"]["id"]
    admin("POST", "/api/targets", 409, json=new)
    admin("GET", f"/api/targets/{target_id}", 200)
    admin("POST", f"/api/targets/{target_id}/test", 200, json={})
    send = {"mode": "send", "email_id": email_id}
    admin("POST", f"/api/targets/{target_id}/test", 200, json=send)
    admin("GET", f"/api/targets/{target_id}/stats?range=7d", 200)
    admin("GET", "/api/targets/default/stats", 200)
    admin("GET", "/api/targets/nope/stats", 404)
    admin("PATCH", f"/api/targets/{target_id}", 200, json={"enabled": False})
    admin("POST", f"/api/targets/{target_id}/rotate_secret", 200)
    admin("GET", "/api/targets", 200)
    rules = admin("GET", "/api/routing_rules", 200).get_json()
    rules["document"]["default_route"] = {"action": "default_targets", "targets": [target_id]}
    admin("PUT", "/api/routing_rules", 200, json=rules)
    refused = admin("DELETE", f"/api/targets/{target_id}", 409).get_json()
    assert refused["used_by"] == [{"kind": "default_route"}]
    admin("DELETE", f"/api/targets/{target_id}?detach=true", 200)
    admin("GET", f"/api/targets/{target_id}", 404)


def operator(admin: Caller) -> None:
    admin("GET", "/api/stats", 200)
    admin("GET", "/api/audit?limit=500", 200)
    admin("GET", "/api/detectors", 200)
    exported = admin("GET", "/api/config/export", 200).get_json()
    admin("GET", "/api/config/export?include_secrets=true", 200)
    admin("POST", "/api/config/import?dry_run=true", 200, json=exported)
    admin("POST", "/api/config/import", 200, json=exported)
    legacy = {
        "webhook_config": {"webhook_url": "tok123456789@hook.eu2.make.com"},
        "processing_prefs": {"exclude_keywords": ["newsletter"], "mystery": 1},
    }
    admin("POST", "/api/config/import?dry_run=true", 200, json=legacy)
    admin("POST", "/api/config/import", 200, json=legacy)
    admin("POST", "/api/config/import", 422, json={"processing_prefs": {"mystery": 1}})


def magic_links(app: Any, admin: Caller) -> None:
    admin("GET", "/api/magic_links", 200)
    named = admin("POST", "/api/magic_links", 201, json={"name": "phone", "days": 3}).get_json()
    admin("GET", "/api/magic_links", 200)
    admin("DELETE", f"/api/magic_links/{named['link']['id']}", 200)
    admin("DELETE", "/api/magic_links/nope", 404)
    token = admin("POST", "/api/magic_links", 201, json={}).get_json()["url"].rsplit("/", 1)[1]
    browser = Caller(admin.contract, app.test_client())
    browser("GET", f"/auth/magic/{token}", 200)
    browser("POST", "/auth/magic", 303, data={"token": token})
    browser("POST", "/auth/magic", 400, data={"token": token})
    browser("GET", f"/auth/magic/{token}", 404)


def gmail(app: Any, anon: Caller, admin: Caller, google: FakeGoogle) -> None:
    assert app.extensions["relais"].gmail.runner.run_due(wait=False) is not None
    admin("GET", "/api/gmail/mailboxes", 200)
    started = admin("POST", "/api/gmail/connect", 200, json={}).get_json()
    back = urlsplit(google.consent(started["url"]))
    admin("GET", f"{back.path}?{back.query}", 303)
    sender = "Planning <planning@media-solution.example>"
    google.add_message(build_raw("Lot 7", sender, ADDRESS, html="<p>Lot 7</p>"))
    push = google.push_body(ADDRESS, google.history_id(ADDRESS))
    bearer = {"Authorization": f"Bearer {google.push_token(AUDIENCE)}"}
    anon("POST", "/api/ingress/pubsub", 200, json=push, headers=bearer)
    anon("POST", "/api/ingress/pubsub", 401, json=push)
    admin("POST", f"/api/gmail/mailboxes/{ADDRESS}/sync", 202)
    admin("GET", "/api/gmail/mailboxes", 200)
    admin("DELETE", f"/api/gmail/mailboxes/{ADDRESS}", 200)
    admin("DELETE", f"/api/gmail/mailboxes/{ADDRESS}", 404)
    admin("POST", f"/api/gmail/mailboxes/{ADDRESS}/sync", 404)


def sessions(app: Any, anon: Caller, admin: Caller) -> None:
    other = Caller(admin.contract, AdminClient(app))
    other("POST", "/api/auth/logout", 200)
    other("GET", "/api/auth/session", 401)
    admin("POST", "/api/auth/logout_all", 200)
    admin("GET", "/api/auth/session", 401)
    wrong = {"username": "admin", "password": "wrong"}
    anon("POST", "/api/auth/login", 401, json=wrong)
    anon("POST", "/api/auth/login", 200, json={"username": "admin", "password": TEST_PASSWORD})


def test_every_operation_answers_what_the_document_says(app, google, sink):
    """Each operation's success path (and its usual errors) through the test client, on the
    real Redis; every answer validated against the operation's response schema."""
    contract = Contract(app)
    anon = Caller(contract, app.test_client())
    admin = Caller(contract, AdminClient(app))
    probes_and_pages(anon, admin)
    payload, accepted = ingress(app, anon, sink)
    email_id, delivery_id = accepted["email_id"], accepted["deliveries"][0]["id"]
    records(app, admin, email_id, delivery_id)
    documents(admin, payload, email_id)
    targets(admin, sink, email_id)
    operator(admin)
    magic_links(app, admin)
    gmail(app, anon, admin, google)
    sessions(app, anon, admin)
    assert contract.operations() - contract.succeeded == set()
