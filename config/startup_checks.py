"""Checks that refuse to start with a clear message rather than run half-broken."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import redis

from config.durability import WEAK_LEVELS, Durability
from config.redis_conn import REDIS_DOWN_ERRORS

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """Relais must not start; the message says what to fix."""


def check_data_dir(data_dir: Path) -> None:
    """DATA_DIR must be writable (config mirror, local secrets, metrics)."""
    probe = data_dir / f".write-probe-{secrets.token_hex(4)}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise StartupError(f"DATA_DIR {data_dir} is not writable ({exc.strerror})") from None


def check_eviction_policy(client: redis.Redis) -> None:
    """Redis must never evict our keys (queued deliveries): maxmemory-policy noeviction."""
    try:
        policy = client.info("memory").get("maxmemory_policy")
    except REDIS_DOWN_ERRORS:
        logger.warning("startup: Redis unreachable, eviction policy not checked yet")
        return
    if policy and policy != "noeviction":
        raise StartupError(
            f"Redis maxmemory-policy is {policy!r}: it may evict queued deliveries. "
            "Set it to noeviction (Render Key Value: Maxmemory Policy = noeviction)."
        )


def durability_detail(reading: Durability) -> str:
    """What the level rests on: `redis 7.0.15, AOF on, appendfsync always, ...`."""
    return (
        f"{reading.server} {reading.version}, AOF {_on_off(reading.aof)}, "
        f"appendfsync {reading.appendfsync}, snapshots {_on_off(reading.rdb)}, "
        f"WAITAOF {'used' if reading.waitaof else 'not used'}"
    )


def report_durability(reading: Durability) -> None:
    """One line at start saying what a 200 survives; a warning when a Redis crash loses it."""
    detail = durability_detail(reading)
    if reading.level in WEAK_LEVELS:
        logger.warning(
            "startup: Redis durability is %s (%s): a Redis crash or restart can lose emails "
            "already answered 200. Use appendonly yes with appendfsync always, or everysec on "
            "Redis 7.2+ / Valkey (Relais then waits for the fsync)",
            reading.level,
            detail,
        )
    else:
        logger.info("startup: Redis durability is %s (%s)", reading.level, detail)


def _on_off(flag: bool | None) -> str:
    return "unknown" if flag is None else ("on" if flag else "off")
