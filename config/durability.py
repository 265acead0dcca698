"""What a 200 from Relais survives, read from the Redis server itself.

Levels, strongest first:

- `fsync_per_write`: every acknowledged write is on disk before Relais answers. Either the
  server fsyncs before it replies (`appendfsync always`) or Relais waits for the fsync with
  WAITAOF (Redis 7.2+, Valkey), so even a crash of the server's machine loses nothing.
- `fsync_every_second`: AOF with `appendfsync everysec`: a crash can lose the last second
  or so (Redis may even postpone its write() while a background fsync runs).
- `fsync_by_os`: AOF with `appendfsync no`: the OS flushes when it likes (~30 s).
- `snapshots_only`: RDB snapshots, no AOF: a crash loses what came since the last one.
- `none`: no persistence at all: a restart loses everything.
- `unknown`: the server would not say (managed services may refuse CONFIG).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import redis

from config.redis_conn import REDIS_DOWN_ERRORS

logger = logging.getLogger(__name__)

FSYNC_PER_WRITE = "fsync_per_write"
FSYNC_EVERY_SECOND = "fsync_every_second"
FSYNC_BY_OS = "fsync_by_os"
SNAPSHOTS_ONLY = "snapshots_only"
NONE = "none"
UNKNOWN = "unknown"
# Levels worth a warning at start: a crash of Redis loses acknowledged emails.
WEAK_LEVELS = frozenset({NONE, SNAPSHOTS_ONLY, FSYNC_BY_OS})

REFRESH_SECONDS = 60.0  # a reading is reused this long (/ready, every ingress)
RETRY_SECONDS = 5.0  # after a failed reading, or a connection error, read again this soon
# WAITAOF with nothing to wait for (numlocal 0): answers at once where the command exists.
_PROBE = ("WAITAOF", 0, 0, 1)


@dataclass(frozen=True)
class Durability:
    """One reading of the server's persistence and what it makes of an acknowledgement."""

    level: str
    server: str  # "redis", "valkey" or "unknown"
    version: str
    aof: bool | None  # None: not reported
    appendfsync: str  # always, everysec, no, or unknown (CONFIG refused)
    rdb: bool | None  # save points configured; None: CONFIG refused
    waitaof: bool  # Relais waits for the AOF fsync (WAITAOF) before answering 200

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


UNREAD = Durability(UNKNOWN, UNKNOWN, UNKNOWN, None, UNKNOWN, None, False)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _mapping(reply: Any) -> dict[str, Any]:
    """A parsed INFO or CONFIG GET reply; {} when the server refused the command."""
    if not isinstance(reply, dict):
        return {}
    return {_text(k): v for k, v in reply.items()}


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(int(value))


def level_of(aof: bool | None, appendfsync: str, rdb: bool | None, waitaof: bool) -> str:
    """The durability level these settings give an acknowledged write."""
    if aof:
        if waitaof or appendfsync == "always":
            return FSYNC_PER_WRITE
        return {"everysec": FSYNC_EVERY_SECOND, "no": FSYNC_BY_OS}.get(appendfsync, UNKNOWN)
    if aof is None or rdb is None:
        return UNKNOWN
    return SNAPSHOTS_ONLY if rdb else NONE


def uses_waitaof(supported: bool, aof: bool | None, appendfsync: str) -> bool:
    """Wait for the fsync where the server can confirm one: never with `appendfsync no`,
    whose fsyncs are left to the OS (WAITAOF would time out on every write)."""
    return supported and bool(aof) and appendfsync != "no"


def _server(info: dict[str, Any]) -> tuple[str, str]:
    if "valkey_version" in info:
        return "valkey", _text(info["valkey_version"])
    name = _text(info.get("server_name") or ("redis" if "redis_version" in info else UNKNOWN))
    return name, _text(info.get("redis_version", UNKNOWN))


def read_durability(client: redis.Redis) -> Durability:
    """Read the server's persistence in one round trip; refused commands read as unknown."""
    pipe = client.pipeline(transaction=False)
    pipe.info("server")
    pipe.info("persistence")
    pipe.config_get("appendfsync")
    pipe.config_get("save")
    pipe.execute_command(*_PROBE)
    info, persistence, fsync, save, probe = pipe.execute(raise_on_error=False)
    server, version = _server(_mapping(info))
    aof = _flag(_mapping(persistence).get("aof_enabled"))
    appendfsync = _text(_mapping(fsync).get("appendfsync", UNKNOWN))
    saves = _mapping(save).get("save")
    rdb = None if saves is None else bool(_text(saves).strip())
    waitaof = uses_waitaof(not isinstance(probe, Exception), aof, appendfsync)
    level = level_of(aof, appendfsync, rdb, waitaof)
    return Durability(level, server, version, aof, appendfsync, rdb, waitaof)


class DurabilityMonitor:
    """The server's durability, read at most every REFRESH_SECONDS (sooner after invalidate).

    A failed reading keeps the last good one (UNREAD before any) and is tried again after
    RETRY_SECONDS, so an unreachable Redis costs one extra round trip per few seconds.
    """

    def __init__(self, client: redis.Redis, clock: Callable[[], float]) -> None:
        self._redis = client
        self._clock = clock
        self._reading = UNREAD
        self._read_again_at = 0.0

    def current(self) -> Durability:
        now = self._clock()
        if now >= self._read_again_at:
            self._refresh(now)
        return self._reading

    def _refresh(self, now: float) -> None:
        try:
            self._reading = read_durability(self._redis)
        except REDIS_DOWN_ERRORS as exc:
            logger.warning("durability not read: Redis unreachable (%s)", type(exc).__name__)
            self._read_again_at = now + RETRY_SECONDS
            return
        self._read_again_at = now + REFRESH_SECONDS

    def invalidate(self, within: float = 0.0) -> None:
        """Read again at the next use, or within `within` seconds at the latest."""
        self._read_again_at = min(self._read_again_at, self._clock() + within)
