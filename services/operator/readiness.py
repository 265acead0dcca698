"""Readiness: is Redis reachable, how deep is the queue, is the config store degraded,
and how durable is a 200 from ingress."""

from __future__ import annotations

from typing import Any

import redis

from config.durability import DurabilityMonitor
from config.keys import Keys
from config.redis_conn import REDIS_DOWN_ERRORS
from config.store import ConfigStore
from services.delivery.queue import DeliveryQueue


class Readiness:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        queue: DeliveryQueue,
        store: ConfigStore,
        durability: DurabilityMonitor,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._queue = queue
        self._store = store
        self._durability = durability

    def check(self) -> tuple[bool, dict[str, Any]]:
        """(ready, report). Not ready when Redis cannot be reached."""
        try:
            self._redis.ping()
            queue = self._queue.depth()
        except REDIS_DOWN_ERRORS as exc:
            return False, {
                "status": "degraded",
                "redis": "unreachable",
                "error": type(exc).__name__,
                "config": "served from the last-known-good mirror",
                "durability": self.durability(),
            }
        return True, {
            "status": "ready",
            "redis": "ok",
            "queue": queue,
            "durability": self.durability(),
        }

    def durability(self) -> dict[str, Any]:
        """What an acknowledged email survives (level, server, AOF settings); cached reading."""
        return self._durability.current().to_dict()
