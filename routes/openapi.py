"""GET /api/openapi.json: the OpenAPI 3.1 document, built from the routes and pydantic models;
GET /api/docs: the same document as a page (Swagger UI).

Each view carries what its decorators know (`relais_body_model`, `relais_query_model`,
`relais_auth`, and its answers declared with `@responds`, whose models are in
routes/responses.py); this module walks the URL map and turns that into operations, with
every pydantic model under components/schemas.

Both are public, like the API's shape itself: the document holds no secret and no data,
and every operation it lists still asks for its own credentials.

Swagger UI comes from the `swagger-ui-py` package (PyPI, Apache-2.0), installed with the
other dependencies: the page loads nothing from another origin and runs under the app's
strict CSP (its own start-up script is static/api_docs.js, not inline).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, send_from_directory
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from config.version import VERSION
from routes.validation import DeclaredResponse, resolve_model, responds

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "relais_session"},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
    "ingressToken": {"type": "http", "scheme": "bearer"},
    # Pub/Sub push: Google's OIDC token for PUBSUB_AUDIENCE, signed for PUBSUB_SERVICE_ACCOUNT.
    "pubsubOidc": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
}
_SKIPPED_ENDPOINTS = frozenset({"static", "openapi.openapi"})
SWAGGER_UI_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
"""What /api/docs loads from the package (its editor, maps and templates are not served)."""
ASSET_MAX_AGE = 24 * 3600


def _security(auth: str | None, method: str) -> list[dict[str, list[str]]]:
    if auth == "admin":
        return [{"session": []}] if method == "get" else [{"session": [], "csrf": []}]
    if auth == "ingress":
        return [{"ingressToken": []}]
    if auth == "pubsub":
        return [{"pubsubOidc": []}]
    return []


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


Refs = dict[tuple[Any, JsonSchemaMode], dict[str, Any]]
"""Each (model, mode)'s `$ref` in components/schemas, as pydantic named it."""
ERROR_REF = {"$ref": REF.format(model="Error")}
_ERRORS = {
    400: "invalid_json: the body is not JSON",
    401: "unauthorized: missing or invalid credentials",
    403: "forbidden or csrf_failed: a cross-origin request, or a missing or wrong CSRF token",
    404: "not_found",
    409: "conflict (the `error` code says which)",
    415: "unsupported_media_type: send Content-Type: application/json",
    422: "validation_error: the input does not match the schema (`details` says where)",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(status: int) -> dict[str, Any]:
    return {"description": _ERRORS.get(status, "error"), "content": _json(ERROR_REF)}


def _content(view: Any, status: int, media: tuple[str, ...], schemas: list[Any]) -> dict[str, Any]:
    """The media types of one declared answer: JSON with its model(s), others as strings."""
    content: dict[str, Any] = {}
    for one in media:
        if one != "application/json":
            content[one] = {"schema": {"type": "string"}}
            continue
        if not schemas:
            raise TypeError(f"{view.__name__}: @responds({status}) needs the JSON model")
        content[one] = {"schema": schemas[0] if len(schemas) == 1 else {"oneOf": schemas}}
    return content


def _declared(view: Any, refs: Refs) -> dict[str, Any]:
    """The answers the view declares with `@responds` (routes/validation.py)."""
    found: dict[str, Any] = {}
    declared: dict[int, DeclaredResponse] = getattr(view, "relais_responses", {})
    for status, answer in sorted(declared.items()):
        schemas = [refs[(model, "serialization")] for model in answer.models]
        default = _ERRORS.get(status, "error") if schemas == [ERROR_REF] else None
        entry: dict[str, Any] = {
            "description": answer.description or default or HTTPStatus(status).phrase
        }
        content = _content(view, status, tuple(answer.media), schemas)
        if content:
            entry["content"] = content
        found[str(status)] = entry
    return found


def _responses(view: Any, method: str, refs: Refs) -> dict[str, Any]:
    """Declared answers, the errors the decorators answer, and `default` for the rest."""
    implied: list[int] = []
    auth = getattr(view, "relais_auth", None)
    if auth in ("admin", "ingress"):
        implied.append(401)
    if auth == "admin" and method != "get":
        implied.append(403)
    if getattr(view, "relais_body_model", None) is not None:
        implied += [400, 415, 422]
    if getattr(view, "relais_query_model", None) is not None:
        implied.append(422)
    responses = {str(status): _error(status) for status in sorted(set(implied))}
    responses.update(_declared(view, refs))
    responses["default"] = {
        "description": "any other error: 500 internal_error (with `error_id`), 503 "
        "unavailable when storage is down (with Retry-After); the same shape",
        "content": _json(ERROR_REF),
    }
    return dict(sorted(responses.items()))


def _operation(
    endpoint: str, view: Any, method: str, path_params: list[str], refs: Refs
) -> dict[str, Any]:
    summary, _, description = inspect.cleandoc(view.__doc__ or "").partition("\n")
    operation: dict[str, Any] = {
        "operationId": f"{endpoint}.{method}",
        "summary": summary or endpoint,
        "tags": [endpoint.split(".")[0].removeprefix("api_")],
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in path_params
        ],
        "responses": _responses(view, method, refs),
        "security": _security(getattr(view, "relais_auth", None), method),
    }
    if description.strip():
        operation["description"] = description.strip()
    query = getattr(view, "relais_query_model", None)
    if query is not None:
        operation["parameters"] += _query_parameters(query)
    body = getattr(view, "relais_body_model", None)
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": _json(refs[(body, "validation")]),
        }
    return operation


def _models(app: Flask) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    """Every model the views name: bodies and queries as validated, answers as serialised."""
    error = resolve_model("Error")
    found: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(error, "serialization"): None}
    for view in app.view_functions.values():
        for attr in ("relais_body_model", "relais_query_model"):
            model = getattr(view, attr, None)
            if model is not None:
                found[(model, "validation")] = None
        declared: dict[int, DeclaredResponse] = getattr(view, "relais_responses", {})
        for answer in declared.values():
            found.update(dict.fromkeys((model, "serialization") for model in answer.models))
    return list(found)


def build_openapi(app: Flask) -> dict[str, Any]:
    refs, definitions = models_json_schema(_models(app), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in _SKIPPED_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        path = _PATH_PARAM.sub(r"{\1}", rule.rule)
        params = _PATH_PARAM.findall(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            lower = method.lower()
            operation = _operation(rule.endpoint, view, lower, params, refs)
            paths.setdefault(path, {})[lower] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Relais",
            "version": VERSION,
            "description": "Gmail-push email-to-webhook router: ingress, admin API.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


@bp.get("/api/openapi.json")
def openapi() -> Any:
    """This document."""
    return jsonify(build_openapi(current_app))


@cache
def swagger_ui_dir() -> Path:
    """The package's static folder, found without importing it (its `__init__` loads the
    framework glue and templates we do not use)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed (requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@bp.get("/api/docs")
@responds(200, media="text/html", description="Swagger UI over /api/openapi.json")
def docs() -> Any:
    """This document as a page: every operation, its parameters and its answers."""
    html = (Path(current_app.static_folder or "static") / "api_docs.html").read_bytes()
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/api/docs/assets/<name>")
@responds(200, media="text/javascript", description="Swagger UI's script or style sheet")
@responds(200, media="text/css")
@responds(404, "Error")
def docs_asset(name: str) -> Any:
    """Swagger UI's script and style sheet, from the installed package."""
    if name not in SWAGGER_UI_FILES:
        abort(404)
    resp = send_from_directory(swagger_ui_dir(), name, max_age=ASSET_MAX_AGE)
    resp.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return resp
