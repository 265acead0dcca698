"""The versioned config documents: runtime flags, preferences, time windows, routing rules.

Each is read as `{"version", "document"}` and written with the version it was
read at: a stale version gets 409 (someone else saved meanwhile), never a
silent overwrite. Invalid documents get 422 naming where, never echoing values.
A document that depends on another (rules name targets) is checked against it
within the same compare-and-set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, create_model

from routes.admin_access import actor, admin_required
from routes.validation import json_body
from services.app import Services, get_services
from services.documents.base import DocumentService, Requires, Versioned
from services.errors import ServiceError


class InvalidDocument(ServiceError):
    http_status = 422
    code = "validation_error"


Requirement = Callable[[Services], Requires[Any, Any]]


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


def document_blueprint(
    name: str,
    path: str,
    service: Callable[[Services], DocumentService[Any]],
    model: type[BaseModel],
    requires: Requirement | None = None,
    extra: Callable[[Services], dict[str, Any]] | None = None,
) -> Blueprint:
    """GET and PUT for one versioned document under /api/<path>."""
    bp = Blueprint(f"api_{name}", __name__, url_prefix=f"/api/{path}")
    body_model = update_model(model.__name__, model)

    @bp.get("")
    @admin_required
    def read() -> Any:
        services = get_services()
        doc = versioned_doc(service(services).get_versioned())
        if extra is not None:
            doc.update(extra(services))
        return jsonify(doc)

    @bp.put("")
    @admin_required
    @json_body(body_model)
    def write(body: Any) -> Any:
        services = get_services()
        saved = service(services).save(
            body.document,
            body.version,
            actor=actor(),
            requires=requires(services) if requires is not None else None,
        )
        return jsonify(versioned_doc(saved))

    read.__doc__ = f"The {name.replace('_', ' ')} document and its version."
    write.__doc__ = f"Replace the {name.replace('_', ' ')} document (409 when `version` is stale)."
    return bp
