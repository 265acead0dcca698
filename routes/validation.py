"""Validation at the edge: one decorator, pydantic, one error shape, never an echo of the input."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from routes.errors import error_response

F = TypeVar("F", bound=Callable[..., Any])


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Where and what, without the offending value (emails and webhooks carry secrets)."""
    return [
        {"loc": list(err["loc"]), "msg": err["msg"]}
        for err in exc.errors(include_input=False, include_url=False, include_context=False)
    ]


def _is_json_request() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def json_body(model: type[BaseModel]) -> Callable[[F], F]:
    """Parse the JSON body into `model` and pass it as `body=`; 415, 400 or 422 otherwise."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _is_json_request():
                return error_response(
                    415, "unsupported_media_type", "send Content-Type: application/json"
                )
            raw = request.get_data(cache=False)
            try:
                kwargs["body"] = model.model_validate_json(raw)
            except ValidationError as exc:
                return _invalid(exc)
            return view(*args, **kwargs)

        wrapper.relais_body_model = model  # type: ignore[attr-defined]  # read by the OpenAPI builder
        return wrapper  # type: ignore[return-value]

    return decorator


def _invalid(exc: ValidationError) -> Any:
    if any(err["type"] == "json_invalid" for err in exc.errors()):
        return error_response(400, "invalid_json", "the body is not valid JSON")
    return error_response(
        422,
        "validation_error",
        "the body does not match the schema",
        details=validation_details(exc),
    )


def query_args(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the query string into `model` and pass it as `query=`; 422 otherwise."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            raw = {
                key: values if len(values) > 1 else values[0]
                for key, values in request.args.lists()
            }
            try:
                kwargs["query"] = model.model_validate(raw)
            except ValidationError as exc:
                return error_response(
                    422,
                    "validation_error",
                    "the query string does not match the schema",
                    details=validation_details(exc),
                )
            return view(*args, **kwargs)

        wrapper.relais_query_model = model  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


ResponseModel = type[BaseModel] | str | Callable[[], type[BaseModel]]
"""What `@responds` names: a model, the name of one in routes/responses.py, or a function
making one (called once). Names and functions are resolved when the OpenAPI document is
built: the ~80 answer models cost a worker about half a second to create, and only the
document needs them."""


def resolve_model(model: ResponseModel) -> type[BaseModel]:
    if isinstance(model, type):
        return model
    if isinstance(model, str):
        import routes.responses as responses  # loaded with the first document

        found: type[BaseModel] = getattr(responses, model)
        return found
    return model()


@dataclass(frozen=True)
class DeclaredResponse:
    """One status of a view's answers: the models of its JSON body (several: one of them),
    and its media types (none: no body)."""

    declared: tuple[ResponseModel, ...]
    media: tuple[str, ...]
    description: str

    @property
    def models(self) -> tuple[type[BaseModel], ...]:
        return tuple(resolve_model(model) for model in self.declared)


def responds(
    status: int,
    model: ResponseModel | None = None,
    *,
    media: str = "application/json",
    description: str = "",
) -> Callable[[F], F]:
    """Declare one answer of the view for the OpenAPI document (routes/openapi.py): its
    status and the pydantic model of its JSON body, or the media type of a body that is not
    JSON (`media="text/html"`), or no body (`media=""`). Stackable, in any order with the
    other decorators; two declarations of one status are alternatives."""

    def decorator(view: F) -> F:
        known: dict[int, DeclaredResponse] = dict(getattr(view, "relais_responses", {}))
        before = known.get(status, DeclaredResponse((), (), ""))
        models = before.declared + ((model,) if model is not None else ())
        types = before.media + ((media,) if media and media not in before.media else ())
        known[status] = DeclaredResponse(models, types, before.description or description)
        view.relais_responses = known  # type: ignore[attr-defined]  # read by the OpenAPI builder
        return view

    return decorator
