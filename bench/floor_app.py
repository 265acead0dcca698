"""The stack's floor: Flask + pydantic + one Redis write, the cheapest ingress Relais could be.

Run it as Relais runs: ``REDIS_URL=redis://127.0.0.1:6379/14 gunicorn -k gthread -w 2
--threads 4 -b 127.0.0.1:8001 'bench.floor_app:create_app()'``. It depends on nothing of Relais
(it is the baseline Relais is compared with), so it reads its one setting itself.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import redis
from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, ValidationError

KEY_PREFIX = "bench:floor:"
KEY_TTL_S = 60
REDIS_TIMEOUT_S = 2.0
MAX_BODY_BYTES = 5 * 1024 * 1024
EXTENSION = "floor_redis"

bp = Blueprint("floor", __name__)


class Email(BaseModel):
    """The Apps Script payload (docs/old-router.md); unknown fields ignored, as on ingress."""

    model_config = ConfigDict(extra="ignore")

    subject: str
    sender: str
    date: str
    body: str
    snippet: str


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the floor app; ``REDIS_URL`` comes from ``overrides`` or the environment."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, REDIS_URL=os.environ.get("REDIS_URL"))
    app.config.update(overrides or {})
    init_redis(app)
    app.register_blueprint(bp)
    return app


def init_redis(app: Flask) -> None:
    """Build the Redis client (connects lazily, on the first command)."""
    url = app.config["REDIS_URL"]
    if not url:
        raise RuntimeError("REDIS_URL is not set: the floor app needs a Redis server")
    app.extensions[EXTENSION] = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )


@bp.post("/ingest")
def ingest() -> ResponseReturnValue:
    """Validate the email and store it once, with a TTL."""
    try:
        email = Email.model_validate_json(request.get_data())
    except ValidationError as exc:
        details = [
            {"loc": list(error["loc"]), "msg": error["msg"]}
            for error in exc.errors(include_input=False, include_url=False)
        ]
        return jsonify(error="validation_error", details=details), 422
    key = KEY_PREFIX + uuid.uuid4().hex
    current_app.extensions[EXTENSION].set(key, email.model_dump_json(), ex=KEY_TTL_S)
    return jsonify(success=True, key=key)
