"""The API contract: every route documented, no auth bypass, no 5xx under generated input."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.conftest import TEST_TOKEN, TEST_WHSEC
from tests.support.admin import AdminClient

# Operations the generated run must not call: they end the session it runs with.
SESSION_ENDERS = {"/api/auth/logout", "/api/auth/logout_all"}
# Browser steps whose success is a redirect (303): the OAuth callback and the magic link.
REDIRECT_ONLY = {("/api/gmail/oauth/callback", "get"), ("/auth/magic", "post")}


@pytest.fixture
def api_app(make_app, sink):
    return make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC)


@pytest.fixture
def openapi_doc(api_app):
    resp = api_app.test_client().get("/api/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def test_document_is_openapi_3_1_and_covers_every_route(api_app, openapi_doc):
    assert openapi_doc["openapi"] == "3.1.0"
    documented = {
        (path, method.upper()) for path, ops in openapi_doc["paths"].items() for method in ops
    }
    routes = {
        (re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule), method)
        for rule in api_app.url_map.iter_rules()
        if rule.endpoint not in ("static", "openapi.openapi")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - documented == set()
    assert "TargetCreate" in openapi_doc["components"]["schemas"]


def test_the_document_validates_against_the_openapi_3_1_specification(openapi_doc):
    validate(openapi_doc)  # openapi-spec-validator: the 3.1 schema, and every $ref resolves


def test_the_validator_would_catch_a_broken_document(openapi_doc):
    broken = json.loads(json.dumps(openapi_doc))
    del broken["paths"]["/health"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_operation_documents_a_2xx_answer_with_its_content(openapi_doc):
    """At least one success answer each (a redirect for the two whose success is one); a
    JSON one names a schema from components/schemas; every operation also names the error
    shape for what it does not declare."""
    schemas = openapi_doc["components"]["schemas"]
    for path, operations in openapi_doc["paths"].items():
        for method, operation in operations.items():
            where = (method, path)
            responses = operation["responses"]
            successes = [code for code in responses if code.startswith("2")]
            if (path, method) in REDIRECT_ONLY:
                successes = [code for code in responses if code.startswith("3")]
            assert successes, where
            for code in successes:
                content = responses[code].get("content")
                assert content, (where, code)
                json_schema = content.get("application/json", {}).get("schema")
                if json_schema is not None:
                    refs = [json_schema] if "$ref" in json_schema else json_schema["oneOf"]
                    for ref in refs:
                        assert ref["$ref"].rsplit("/", 1)[1] in schemas, (where, ref)
            default = responses["default"]["content"]["application/json"]["schema"]
            assert default == {"$ref": "#/components/schemas/Error"}, where
    assert schemas["Error"]["additionalProperties"] is False


def test_non_json_answers_have_their_own_media_type(openapi_doc):
    def media(path, code="200"):
        return set(openapi_doc["paths"][path]["get"]["responses"][code]["content"])

    assert media("/metrics") == {"text/plain"}
    assert media("/") == {"text/html"}
    assert media("/api/docs") == {"text/html"}
    assert media("/api/docs/assets/{name}") == {"text/css", "text/javascript"}


def test_deleting_a_target_documents_detach_and_the_in_use_answer(openapi_doc):
    operation = openapi_doc["paths"]["/api/targets/{target_id}"]["delete"]
    assert "detach" in [param["name"] for param in operation["parameters"]]
    assert "held, never dropped" in operation["summary"]
    assert "target_in_use" in operation["description"]
    assert "used_by" in openapi_doc["components"]["schemas"]["Error"]["properties"]


def test_every_secured_operation_refuses_anonymous_callers(api_app, openapi_doc):
    client = api_app.test_client()
    checked = 0
    for path, operations in openapi_doc["paths"].items():
        for method, operation in operations.items():
            if not operation["security"]:
                continue
            url = re.sub(r"\{[a-z_]+\}", "x", path)
            resp = client.open(url, method=method.upper(), json={})
            assert resp.status_code == 401, (method, path, resp.status_code)
            checked += 1
    assert checked > 30


@pytest.fixture
def credentials(api_app):
    admin = AdminClient(api_app)
    cookie = admin.client.get_cookie("relais_session").value
    return {
        "cookies": {"relais_session": cookie},
        "headers": {"X-CSRF-Token": admin.csrf, "Authorization": f"Bearer {TEST_TOKEN}"},
    }


@pytest.mark.slow
def test_generated_requests_never_get_a_server_error(api_app, credentials):
    """schemathesis generates requests for every operation, signed in; none may get a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = 0
    for operation in operations:
        if operation.path in SESSION_ENDERS:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            resp = case.call(headers=credentials["headers"], cookies=credentials["cookies"])
            assert resp.status_code < 500, (
                case.method,
                case.path,
                resp.status_code,
                resp.text[:300],
            )

        call()
        tested += 1
    assert tested == len(operations) - len(SESSION_ENDERS)
