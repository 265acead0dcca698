"""One blueprint per resource."""

from __future__ import annotations

from flask import Flask

from routes import (
    api_admin,
    api_auth,
    api_ingress,
    api_preferences,
    api_records,
    api_rules,
    api_runtime_flags,
    api_targets,
    api_time_windows,
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
    api_time_windows,
    api_preferences,
    api_runtime_flags,
    api_records,
    api_admin,
    openapi,
)


def init_blueprints(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
