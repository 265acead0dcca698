"""Relais: the application factory. gunicorn runs `app_render:create_app()`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import legacy_env
from config.local_secrets import complete_secrets
from config.log import init_logging
from config.redis_conn import connect
from config.settings import Settings, load_settings
from config.startup_checks import check_data_dir, check_eviction_policy, report_durability
from routes import init_blueprints
from routes.cli import init_cli
from routes.errors import init_errors
from routes.json_answers import OrjsonProvider
from routes.request_context import init_request_context
from routes.security_headers import init_security_headers
from routes.sessions import init_sessions
from services.container import build_services

# Keys of `overrides` that are not settings: test seams.
_SEAMS = ("clock", "resolver")


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, logging, secrets, store and services, errors, routes, commands."""
    overrides = dict(overrides or {})
    seams = {name: overrides.pop(name) for name in _SEAMS if name in overrides}
    settings = load_settings(overrides)
    init_logging(settings)
    legacy_env.report()
    check_data_dir(settings.data_dir)
    settings = complete_secrets(settings)

    assets = assets_dir()
    app = Flask(
        __name__,
        static_folder=str(assets / "static"),
        static_url_path="/static",
        template_folder=str(assets / "templates"),
    )
    init_flask_config(app, settings)
    init_sessions(app)
    init_services(app, settings, seams.get("clock", time.time), seams.get("resolver"))
    init_proxies(app, settings)
    init_request_context(app)
    init_security_headers(app)
    init_errors(app)
    init_blueprints(app)
    init_cli(app)
    return app


def assets_dir() -> Path:
    """Where static/ and templates/ are: beside this file in a checkout or the image, else
    where `pip install .` put them (<prefix>/share/relais, see setup.py)."""
    here = Path(__file__).resolve().parent
    if (here / "static").is_dir():
        return here
    return Path(sys.prefix) / "share" / "relais"


def init_flask_config(app: Flask, settings: Settings) -> None:
    secret = settings.flask_secret_key
    app.config.update(
        SECRET_KEY=secret.get_secret_value() if secret else None,
        MAX_CONTENT_LENGTH=settings.ingress_max_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json = OrjsonProvider(app)  # UTF-8, in the order built, by orjson


def init_proxies(app: Flask, settings: Settings) -> None:
    """Trust X-Forwarded-* from this many proxies (Render has one): client IP, https."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def init_services(
    app: Flask, settings: Settings, clock: Callable[[], float], resolver: Any = None
) -> None:
    client = connect(settings)
    check_eviction_policy(client)
    services = build_services(settings, client, clock, resolver)
    report_durability(services.delivery.durability.current())
    app.extensions["relais"] = services
