"""Logging, configured once by create_app: one JSON object per line, personal data masked.

Every line carries the request id of the request (or of the ingress request
that created the delivery a worker is attempting), so one email can be
followed from its push to its webhook. Email addresses, tokens, `whsec_`
secrets and URL paths (webhook URLs carry secrets) are masked in every message.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from config.settings import Settings

_MARK = "_relais_handler"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "relais_request_id", default=None
)

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), "whsec_***"),
    (re.compile(r"(?i)(bearer\s+)[^\s,;\"']+"), r"\1***"),
    (re.compile(r"(?i)\b(token|password|secret|signature)(=|:\s*)[^\s,;&\"']+"), r"\1\2***"),
    (re.compile(r"(https?://[^/\s\"'<>]+)/[^\s\"'<>]*"), r"\1/…"),
    (
        re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b"),
        r"\1***@\2",
    ),
)


def mask(text: str) -> str:
    """Emails, tokens, secrets and URL paths hidden; the rest kept for diagnosis."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, process, thread."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "process": record.process,
            "thread": record.threadName,
        }
        if record.exc_info:
            doc["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(doc, ensure_ascii=False)


class AccessFormatter(JsonFormatter):
    """gunicorn's access lines as JSON: method, path (no query string, magic-link tokens
    hidden), status, bytes, duration and the request id the app echoed (X-Request-ID)."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, dict) else None
        if atoms is None:
            return super().format(record)
        path = _SECRET_PATH.sub(r"\1***", str(atoms.get("U", "")))
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": "gunicorn.access",
            "msg": f"{atoms.get('m', '')} {path} {atoms.get('s', '')}",
            "request_id": _atom(atoms, "{x-request-id}o"),
            "method": atoms.get("m"),
            "path": path,
            "status": _int(atoms.get("s")),
            "bytes": _int(atoms.get("B")),
            "duration_ms": round((_int(atoms.get("D")) or 0) / 1000, 3),
            "remote": atoms.get("h"),
            "user_agent": mask(str(atoms.get("a", ""))),
            "process": record.process,
        }
        return json.dumps(doc, ensure_ascii=False)


_SECRET_PATH = re.compile(r"(/auth/magic/)[^/?#]+")


def _atom(atoms: dict[str, Any], name: str) -> str | None:
    value = atoms.get(name)
    return None if value in (None, "-", "") else str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def json_handler(stream: str = "stderr", access: bool = False) -> logging.Handler:
    """A stream handler with the JSON formatter, marked as Relais's own (init_logging then
    adds no second one)."""
    handler = logging.StreamHandler(sys.stdout if stream == "stdout" else sys.stderr)
    handler.setFormatter(AccessFormatter() if access else JsonFormatter())
    setattr(handler, _MARK, True)
    return handler


def gunicorn_logconfig(level: str, access: bool) -> dict[str, Any]:
    """gunicorn's own error and access logs, and the root logger, through the same JSON
    formatter (one format in the log stream; `logconfig_dict` in gunicorn.conf.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "json": {"()": "config.log.json_handler"},
            "access": {"()": "config.log.json_handler", "stream": "stdout", "access": True},
        },
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["json"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO" if access else "CRITICAL",
                "handlers": ["access"],
                "propagate": False,
            },
        },
        "root": {"level": level, "handlers": ["json"]},
    }


def _install_record_factory() -> None:
    """Records carry the request id current when they are created (any handler sees it)."""
    base = logging.getLogRecordFactory()
    if getattr(base, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)


def init_logging(settings: Settings) -> None:
    """One JSON stream handler on the root logger, at the configured level (idempotent)."""
    _install_record_factory()
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    if any(getattr(h, _MARK, False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    # botocore at DEBUG logs signed request headers: never below WARNING.
    for noisy in ("urllib3", "werkzeug", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
