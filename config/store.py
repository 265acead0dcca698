"""The config store: documents in Redis, mirrored to DATA_DIR/config/<name>.json.

Reads go to Redis; when it is unreachable they serve the last-known-good
mirror and the store reports itself degraded. Writes need Redis (503
otherwise), so two instances never diverge. Every document carries a version;
a write that names a stale version is refused (409), never applied. A write may
also require other documents to be still at the versions its writer checked it
against (a rule names targets that must exist).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from config.files import atomic_write_text
from config.keys import Keys
from config.redis_conn import REDIS_DOWN_ERRORS

logger = logging.getLogger(__name__)

DOC_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

# KEYS[1] = document hash, KEYS[2..] = documents that must still be at a version;
# ARGV = data JSON, expected version ('' = any), now, then the version of each KEYS[2..].
# Returns {1, new version, 1}, or {0, current version, index of the key that moved}.
_CAS_WRITE = """
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= current then
  return {0, current, 1}
end
for i = 2, #KEYS do
  local other = tonumber(redis.call('HGET', KEYS[i], 'version') or '0')
  if other ~= tonumber(ARGV[i + 2]) then
    return {0, other, i}
  end
end
local version = current + 1
redis.call('HSET', KEYS[1], 'version', version, 'data', ARGV[1], 'updated_at', ARGV[3])
return {1, version, 1}
"""


class StoreUnavailable(Exception):
    """Redis is unreachable and the operation cannot be served from the mirror."""


class VersionConflict(Exception):
    """A document changed since the version the writer read: the one written, or one it required."""

    def __init__(self, current_version: int, document: str = "") -> None:
        super().__init__(f"document {document} is at version {current_version}")
        self.current_version = current_version
        self.document = document


@dataclass(frozen=True)
class StoredDoc:
    version: int
    updated_at: float
    data: Any


class ConfigStore:
    """Versioned JSON documents in Redis with a file mirror."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        mirror_dir: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._mirror_dir = mirror_dir
        self._clock = clock
        self._mirrored: dict[str, int] = {}
        self._lock = threading.Lock()
        self._degraded_since: float | None = None
        self._cas = client.register_script(_CAS_WRITE)

    @property
    def degraded(self) -> bool:
        return self._degraded_since is not None

    @property
    def degraded_since(self) -> float | None:
        return self._degraded_since

    def read(self, name: str) -> StoredDoc | None:
        """The document, from Redis or (Redis down) from the mirror; None if it never existed."""
        _check_name(name)
        try:
            raw = self._redis.hgetall(self._keys.config(name))
        except REDIS_DOWN_ERRORS:
            self._mark_degraded()
            return self._read_mirror(name)
        self._degraded_since = None
        if not raw:
            return None
        doc = StoredDoc(int(raw["version"]), float(raw["updated_at"]), json.loads(raw["data"]))
        self._mirror(name, doc)
        return doc

    def version(self, name: str) -> int | None:
        """The stored version (0: never written), one cheap read; None while Redis is down."""
        _check_name(name)
        try:
            raw = self._redis.hget(self._keys.config(name), "version")
        except REDIS_DOWN_ERRORS:
            self._mark_degraded()
            return None
        self._degraded_since = None
        return int(raw or 0)

    def write(
        self,
        name: str,
        data: Any,
        expected_version: int | None = None,
        requires: Mapping[str, int] | None = None,
    ) -> StoredDoc:
        """Store a new version; raise VersionConflict or StoreUnavailable.

        `requires` maps other documents to the version each must still be at.
        """
        names = [name, *(requires or {})]
        for each in names:
            _check_name(each)
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        now = self._clock()
        expected = "" if expected_version is None else str(expected_version)
        keys = [self._keys.config(each) for each in names]
        args: list[str | float] = [payload, expected, now, *(requires or {}).values()]
        try:
            ok, version, moved = self._cas(keys=keys, args=args)
        except REDIS_DOWN_ERRORS as exc:
            self._mark_degraded()
            raise StoreUnavailable("config store is read-only while Redis is unreachable") from exc
        self._degraded_since = None
        if not ok:
            raise VersionConflict(int(version), names[int(moved) - 1])
        doc = StoredDoc(int(version), now, data)
        self._mirror(name, doc)
        return doc

    def _mark_degraded(self) -> None:
        if self._degraded_since is None:
            self._degraded_since = self._clock()
            logger.error(
                "store degraded: Redis unreachable, serving config from %s", self._mirror_dir
            )

    def _mirror_path(self, name: str) -> Path:
        return self._mirror_dir / f"{name}.json"

    def _mirror(self, name: str, doc: StoredDoc) -> None:
        with self._lock:
            if self._mirrored.get(name) == doc.version and self._mirror_path(name).exists():
                return
            self._mirrored[name] = doc.version
        text = json.dumps(
            {"version": doc.version, "updated_at": doc.updated_at, "data": doc.data},
            ensure_ascii=False,
            indent=1,
        )
        try:
            atomic_write_text(self._mirror_path(name), text, mode=0o600)
        except OSError:
            logger.exception("could not mirror config document %s", name)

    def _read_mirror(self, name: str) -> StoredDoc | None:
        path = self._mirror_path(name)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            logger.exception("config mirror %s is unreadable", path)
            return None
        return StoredDoc(int(raw["version"]), float(raw["updated_at"]), raw["data"])


def _check_name(name: str) -> None:
    if not name or not set(name) <= DOC_NAME_CHARS:
        raise ValueError(f"bad config document name {name!r}")
