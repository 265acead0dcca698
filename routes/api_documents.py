"""The versioned config documents with a path in the registry (services/documents/registry.py):
runtime flags, preferences, the schedule, routing rules.

Each is read as `{"version", "document"}` and written with the version it was
read at: a stale version gets 409 (someone else saved meanwhile), never a
silent overwrite. Invalid documents get 422 naming where, never echoing values.
A document that depends on another (rules name targets) is checked against it
within the same compare-and-set.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, create_model

from routes.admin_access import actor, admin_required
from routes.validation import json_body, responds
from services.app import get_services
from services.documents.base import Versioned
from services.documents.registry import REGISTRY, DocumentKind


def versioned_doc(versioned: Versioned[Any]) -> dict[str, Any]:
    return {"version": versioned.version, "document": versioned.value.model_dump(mode="json")}


def update_model(name: str, model: type[BaseModel]) -> type[BaseModel]:
    """`{"version": int | null, "document": <model>}` for PUT bodies."""
    return create_model(
        f"{name}Update",
        __config__=ConfigDict(extra="forbid", hide_input_in_errors=True),
        version=(int | None, None),
        document=(model, ...),
    )


def versioned_model(name: str, model: type[BaseModel], **extra: Any) -> type[BaseModel]:
    """`{"version": int, "document": <model>, ...extra}`: the answer of GET and PUT."""
    return create_model(
        name,
        __config__=ConfigDict(extra="forbid"),
        version=(int, ...),
        document=(model, ...),
        **extra,
    )


def document_blueprint(kind: DocumentKind) -> Blueprint:
    """GET and PUT for one versioned document under /api/<path>."""
    assert kind.path is not None
    bp = Blueprint(f"api_{kind.name}", __name__, url_prefix=f"/api/{kind.path}")
    body_model = update_model(kind.model.__name__, kind.model)  # validates: made now

    @functools.cache
    def saved() -> type[BaseModel]:  # answers: made for the OpenAPI document only
        return versioned_model(f"{kind.model.__name__}Versioned", kind.model)

    @functools.cache
    def shown() -> type[BaseModel]:
        from routes.responses import DOCUMENT_EXTRAS

        extras = DOCUMENT_EXTRAS.get(kind.name, {})
        return versioned_model(f"{kind.model.__name__}View", kind.model, **extras)

    @bp.get("")
    @responds(200, shown)
    @admin_required
    def read() -> Any:
        service = get_services().documents.of(kind)
        return jsonify({**versioned_doc(service.get_versioned()), **service.view_extra()})

    @bp.put("")
    @responds(200, saved)
    @responds(409, "Error", description="conflict: `version` is stale (someone saved meanwhile)")
    @admin_required
    @json_body(body_model)
    def write(body: Any) -> Any:
        service = get_services().documents.of(kind)
        return jsonify(versioned_doc(service.save(body.document, body.version, actor=actor())))

    read.__doc__ = f"The {kind.label.lower()} document and its version."
    write.__doc__ = f"Replace the {kind.label.lower()} document (409 when `version` is stale)."
    return bp


def blueprints() -> list[Blueprint]:
    """One blueprint per document of the registry that has a path."""
    return [document_blueprint(kind) for kind in REGISTRY if kind.path is not None]
