"""The old router's environment, read so that switching to Relais changes nothing quietly.

An operator moving from the old router keeps its variables. Each one that has a
Relais equivalent under another name is read when the Relais name is unset, and
named in one start-up warning; each one that has no effect in Relais gets a
warning of its own saying why. Variables with the same name in both (REDIS_URL,
PROCESS_API_TOKEN, WEBHOOK_URL, FLASK_SECRET_KEY, R2_*,
ALLOW_CUSTOM_WEBHOOK_WITHOUT_LINKS, WEBHOOK_SENDING_ENABLED, DISABLE_EMAIL_ID_DEDUP,
WEBHOOKS_TIME_START/END, GMAIL_SENDER_ALLOWLIST) need nothing here.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

logger = logging.getLogger(__name__)


MAGIC_LINK_MAX_MINUTES = 15  # Relais's bound (MAGIC_LINK_TTL_MINUTES)


def _seconds_to_minutes(value: str) -> str:
    """MAGIC_LINK_TTL_SECONDS (60 s at least) as whole minutes, at most Relais's 15."""
    try:
        seconds = max(60, int(value.strip()))
    except ValueError:
        return value  # Settings then names MAGIC_LINK_TTL_MINUTES as malformed
    return str(min(MAGIC_LINK_MAX_MINUTES, math.ceil(seconds / 60)))


def _ttl_change(value: str) -> str:
    """What became of the old lifetime when it does not fit Relais's whole minutes up to 15:
    an operator who set an hour must learn that links now last 15 minutes, and why."""
    try:
        seconds = int(value.strip())
    except ValueError:
        return ""
    minutes = _seconds_to_minutes(value)
    if seconds > MAGIC_LINK_MAX_MINUTES * 60:
        return (
            f" ({seconds} s is capped to {MAGIC_LINK_MAX_MINUTES} minutes, the longest a "
            "magic link lives in Relais: it signs in whoever holds it, so a link that leaks "
            "from a mailbox or a chat must not stay usable long)"
        )
    if seconds % 60 or seconds < 60:
        return f" ({seconds} s becomes {minutes} minute(s): Relais counts whole minutes)"
    return ""


def _same(value: str) -> str:
    return value


def _nothing_to_add(_value: str) -> str:
    return ""


@dataclass(frozen=True)
class Alias:
    old: str
    new: str
    convert: Callable[[str], str] = _same
    change: Callable[[str], str] = _nothing_to_add
    """Words on a value the conversion changes (never a secret's: only TTLs have one)."""


ALIASES = (
    Alias("TRIGGER_PAGE_USER", "DASHBOARD_USER"),
    Alias("TRIGGER_PAGE_PASSWORD", "DASHBOARD_PASSWORD"),
    Alias("POLLING_TIMEZONE", "TIMEZONE"),
    Alias("MAGIC_LINK_TTL_SECONDS", "MAGIC_LINK_TTL_MINUTES", _seconds_to_minutes, _ttl_change),
    Alias("FLASK_LOG_LEVEL", "LOG_LEVEL", lambda value: value.strip().upper()),
    Alias("WEBHOOK_TIME_START", "WEBHOOKS_TIME_START"),
    Alias("WEBHOOK_TIME_END", "WEBHOOKS_TIME_END"),
)

# Old variables Relais does not read, and why.
IGNORED = {
    "WEBHOOK_SSL_VERIFY": "Relais always verifies the receiver's certificate",
    "EMAIL_ADDRESS": "IMAP polling: Relais receives mail from the Apps Script or Gmail's push",
    "EMAIL_PASSWORD": "IMAP polling: Relais receives mail from the Apps Script or Gmail's push",
    "EMAIL_POLLING_INTERVAL_SECONDS": "IMAP polling: mail is pushed to Relais",
    "EXTERNAL_CONFIG_BASE_URL": "the PHP config store: Relais keeps its configuration in Redis",
    "CONFIG_API_TOKEN": "the PHP config store: Relais keeps its configuration in Redis",
    "RENDER_API_KEY": "the deploy button: deploys come from the image workflow (README)",
    "RENDER_DEPLOY_HOOK_URL": "the deploy button: deploys come from the image workflow (README)",
    "TEST_API_KEY": "the old test endpoints do not exist in Relais",
    "CORS_ALLOWED_ORIGINS": "the dashboard is served by Relais itself; no cross-origin API",
}
IGNORED_PREFIXES = {
    "IMAP_": "IMAP polling: Relais receives mail from the Apps Script or Gmail's push",
    "POLLING_ACTIVE_": "IMAP polling hours: use the delivery window (Schedule)",
    "SUBJECT_GROUP_": "subject-group dedup: Relais dedups on the email id only",
}


def _get(environ: Mapping[str, str], name: str) -> str | None:
    """An environment variable, case-insensitively (as Relais's settings read them)."""
    for key, value in environ.items():
        if key.upper() == name:
            return value
    return None


def aliased(environ: Mapping[str, str]) -> dict[str, str]:
    """Settings (lower-case names) taken from old variables whose Relais name is unset."""
    found = {}
    for alias in ALIASES:
        value = _get(environ, alias.old)
        if value is not None and _get(environ, alias.new) is None:
            found[alias.new.lower()] = alias.convert(value)
    return found


def warnings(environ: Mapping[str, str]) -> list[str]:
    """One line per old variable set: what it became, or why it has no effect. No secret
    values (only what a conversion changed, e.g. a magic-link lifetime capped)."""
    lines = []
    for alias in ALIASES:
        value = _get(environ, alias.old)
        if value is None:
            continue
        if _get(environ, alias.new) is None:
            change = alias.change(value)
            lines.append(f"{alias.old} (old router) is read as {alias.new}{change}; rename it")
        else:
            lines.append(f"{alias.old} (old router) is ignored: {alias.new} is set")
    for name in sorted({key.upper() for key in environ}):
        why = IGNORED.get(name) or next(
            (text for prefix, text in IGNORED_PREFIXES.items() if name.startswith(prefix)), None
        )
        if why:
            lines.append(f"{name} (old router) has no effect in Relais: {why}")
    return lines


def report(environ: Mapping[str, str] | None = None) -> None:
    """Log the warnings at start (once per process)."""
    for line in warnings(os.environ if environ is None else environ):
        logger.warning("startup: %s", line)
