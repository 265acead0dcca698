"""One blueprint per resource."""

from __future__ import annotations

from flask import Flask

from routes import api_ingress, health


def init_blueprints(app: Flask) -> None:
    for module in (health, api_ingress):
        app.register_blueprint(module.bp)
