"""The audit log of admin changes: who, when, what, old -> new, secrets masked."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis

from config.keys import AUDIT_MAX_ENTRIES, Keys

MASK = "***"
_SECRET_WORDS = ("secret", "password", "token")


def mask_secrets(value: Any, parent: str = "") -> Any:
    """A copy of `value` with secret-looking fields and static header values masked."""
    if isinstance(value, dict):
        return {k: _masked_field(k, v, parent) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item, parent) for item in value]
    return value


def _masked_field(key: str, value: Any, parent: str) -> Any:
    lowered = str(key).lower()
    if value is not None and (parent == "headers" or any(w in lowered for w in _SECRET_WORDS)):
        return MASK
    return mask_secrets(value, lowered)


def _child(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _pairs(before: Any, after: Any, path: str) -> list[tuple[Any, Any, str]] | None:
    """Children to compare one by one, or None when the values compare as leaves."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after), key=str)
        return [(before.get(k), after.get(k), _child(path, k)) for k in keys]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = zip(before, after, strict=True)
        return [(old, new, _child(path, i)) for i, (old, new) in enumerate(pairs)]
    return None


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Changed leaves as [{path, old, new}], on already-masked documents."""
    pairs = _pairs(before, after, path)
    if pairs is None:
        return [] if before == after else [{"path": path, "old": before, "new": after}]
    return [change for old, new, sub in pairs for change in diff(old, new, sub)]


class AuditLog:
    def __init__(self, client: redis.Redis, keys: Keys, clock: Callable[[], float]) -> None:
        self._redis = client
        self._keys = keys
        self._clock = clock

    def record(
        self,
        actor: str,
        action: str,
        resource: str,
        before: Any = None,
        after: Any = None,
        detail: str | None = None,
    ) -> dict[str, Any]:
        entry = {
            "at": self._clock(),
            "actor": actor,
            "action": action,
            "resource": resource,
            "changes": diff(mask_secrets(before), mask_secrets(after)),
        }
        if detail:
            entry["detail"] = detail
        pipe = self._redis.pipeline(transaction=True)
        pipe.lpush(self._keys.audit_log, json.dumps(entry, ensure_ascii=False, default=str))
        pipe.ltrim(self._keys.audit_log, 0, AUDIT_MAX_ENTRIES - 1)
        pipe.execute()
        return entry

    def entries(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        raw = self._redis.lrange(self._keys.audit_log, offset, offset + limit - 1)
        return [json.loads(item) for item in raw]
