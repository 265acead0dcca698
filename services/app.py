"""The current app's services, for routes and operator commands (the only Flask-aware module
of the package)."""

from __future__ import annotations

from flask import current_app

from services.container import Services


def get_services() -> Services:
    """The current app's services (routes and CLI commands call this)."""
    services: Services = current_app.extensions["relais"]
    return services


__all__ = ["Services", "get_services"]
