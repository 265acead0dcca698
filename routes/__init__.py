"""One blueprint per resource."""

from __future__ import annotations

from flask import Flask

from routes import (
    api_admin,
    api_auth,
    api_documents,
    api_gmail,
    api_ingress,
    api_records,
    api_rules,
    api_targets,
    health,
    metrics,
    openapi,
    pages,
)

BLUEPRINTS = (
    health,
    metrics,
    pages,
    api_ingress,
    api_auth,
    api_targets,
    api_rules,
    api_records,
    api_admin,
    api_gmail,
    openapi,
)


def init_blueprints(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    for bp in api_documents.blueprints():
        app.register_blueprint(bp)
