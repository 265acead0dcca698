"""Run a write script and, where the server can confirm it, wait until it is on disk.

With AOF on a server that has WAITAOF (Redis 7.2+, Valkey), the script and `WAITAOF 1 0 <ms>`
go out in one pipeline without MULTI (WAITAOF does not block inside a transaction), so both
run on the same connection and WAITAOF covers the script's writes. Elsewhere the script runs
alone and the acknowledgement is as durable as the server's own settings (config/durability.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import redis
from redis.commands.core import Script

from config.durability import RETRY_SECONDS, DurabilityMonitor
from config.redis_conn import REDIS_DOWN_ERRORS
from services.errors import Unavailable

logger = logging.getLogger(__name__)

WAIT_MAX_SECONDS = 2.0  # an everysec fsync is due within ~1 s; a disk slower than this is sick
FSYNC_RETRY_AFTER = 10  # seconds the client waits before sending again


def wait_budget_ms(socket_timeout: float) -> int:
    """WAITAOF's timeout: well inside the socket timeout, so Redis answers before it hits."""
    return max(1, int(min(WAIT_MAX_SECONDS, socket_timeout / 2) * 1000))


class FsyncWait:
    """Runs write scripts; with WAITAOF available, only returns once they are fsynced."""

    def __init__(self, client: redis.Redis, monitor: DurabilityMonitor, timeout_ms: int) -> None:
        self._redis = client
        self._monitor = monitor
        self._timeout_ms = timeout_ms

    def run(
        self,
        script: Script,
        keys: Sequence[Any],
        args: Sequence[Any],
        needed: Callable[[Any], bool] | None = None,
    ) -> Any:
        """The script's reply; Unavailable when the fsync is not confirmed in time (and, with
        `needed`, only when that reply calls for it: a check that found nothing wrote nothing
        a caller relies on)."""
        try:
            if not self._monitor.current().waitaof:
                return script(keys=keys, args=args)
            return self._run_and_wait(script, keys, args, needed)
        except REDIS_DOWN_ERRORS:
            self._monitor.invalidate(within=RETRY_SECONDS)  # the server may come back changed
            raise

    def _run_and_wait(
        self,
        script: Script,
        keys: Sequence[Any],
        args: Sequence[Any],
        needed: Callable[[Any], bool] | None,
    ) -> Any:
        with self._redis.pipeline(transaction=False) as pipe:
            script(keys=keys, args=args, client=pipe)
            pipe.execute_command("WAITAOF", 1, 0, self._timeout_ms)
            reply, synced = pipe.execute(raise_on_error=False)
        if isinstance(reply, Exception):
            raise reply
        if needed is not None and not needed(reply):
            return reply
        if isinstance(synced, Exception) or int(synced[0]) < 1:
            self._not_confirmed(synced)
        return reply

    def _not_confirmed(self, synced: Any) -> None:
        # The write is in Redis's memory, not confirmed on disk: answer 503 so the client
        # sends it again. Its claim is stored, so the retry is answered `duplicate` (a 200)
        # and is then safe too: the admit script always writes (its ingress counter), so the
        # retry's WAITAOF covers every earlier write, the first admit's included. Should
        # Redis crash first, the claim is gone with the rest and the retry is accepted anew.
        why = type(synced).__name__ if isinstance(synced, Exception) else "timeout"
        logger.warning(
            "ingress refused: Redis did not confirm the AOF fsync within %d ms (%s)",
            self._timeout_ms,
            why,
        )
        self._monitor.invalidate()  # AOF switched off, or a command refused: read again
        raise Unavailable(
            "storage did not confirm the write on disk in time; retry later",
            retry_after=FSYNC_RETRY_AFTER,
        )
