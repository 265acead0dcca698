"""TTL-cached singleton services, built once per app into `app.extensions`."""

from __future__ import annotations

from flask import current_app

from services.container import Services


def get_services() -> Services:
    """The current app's services (routes and CLI commands call this)."""
    services: Services = current_app.extensions["relais"]
    return services


__all__ = ["Services", "get_services"]
