"""Logging, configured once by create_app."""

from __future__ import annotations

import logging
import sys

from config.settings import Settings

_MARK = "_relais_handler"


def init_logging(settings: Settings) -> None:
    """One stream handler on the root logger, at the configured level (idempotent)."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    if any(getattr(h, _MARK, False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s: %(message)s"
        )
    )
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    # botocore at DEBUG logs signed request headers: never below WARNING.
    for noisy in ("urllib3", "werkzeug", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
