"""GET /api/openapi.json: the OpenAPI 3.1 document, built from the routes and pydantic models.

Each view carries what its decorators know (`relais_body_model`,
`relais_query_model`, `relais_auth`); this module walks the URL map and turns
that into operations, with every pydantic model under components/schemas.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from config.version import VERSION

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object"}},
        "error_id": {"type": "string"},
        "used_by": {
            "description": "409 target_in_use: the rules and the default route naming the target",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"enum": ["rule", "default_route"]},
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                },
            },
        },
    },
}
SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "relais_session"},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
    "ingressToken": {"type": "http", "scheme": "bearer"},
    # Pub/Sub push: Google's OIDC token for PUBSUB_AUDIENCE, signed for PUBSUB_SERVICE_ACCOUNT.
    "pubsubOidc": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
}
_SKIPPED_ENDPOINTS = frozenset({"static", "openapi.openapi"})


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


def _operation(endpoint: str, view: Any, method: str, path_params: list[str]) -> dict[str, Any]:
    summary, _, description = inspect.cleandoc(view.__doc__ or "").partition("\n")
    operation: dict[str, Any] = {
        "operationId": f"{endpoint}.{method}",
        "summary": summary or endpoint,
        "tags": [endpoint.split(".")[0].removeprefix("api_")],
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in path_params
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {}}}},
            "default": {
                "description": "Error (one shape for every error)",
                "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
            },
        },
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
            "content": {"application/json": {"schema": {"$ref": REF.format(model=body.__name__)}}},
        }
    return operation


def _models(app: Flask) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for view in app.view_functions.values():
        for attr in ("relais_body_model", "relais_query_model"):
            model = getattr(view, attr, None)
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def build_openapi(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in _SKIPPED_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        path = _PATH_PARAM.sub(r"{\1}", rule.rule)
        params = _PATH_PARAM.findall(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            lower = method.lower()
            paths.setdefault(path, {})[lower] = _operation(rule.endpoint, view, lower, params)
    _, definitions = models_json_schema(
        [(model, "validation") for model in _models(app)], ref_template=REF
    )
    schemas = {"Error": ERROR_SCHEMA, **definitions.get("$defs", {})}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Relais",
            "version": VERSION,
            "description": "Gmail-push email-to-webhook router: ingress, admin API.",
        },
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


@bp.get("/api/openapi.json")
def openapi() -> Any:
    """This document."""
    return jsonify(build_openapi(current_app))
