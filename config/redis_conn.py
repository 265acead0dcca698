"""The Redis client: REDIS_URL when set, else the embedded server. One code path after that."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from config import embedded_redis
from config.settings import Settings

# What a dependency outage looks like from redis-py: answered with 503.
REDIS_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.MasterDownError,
)
REDIS_DOWN_RETRY_AFTER = 30
"""Seconds a client is asked to wait (`Retry-After`) while Redis is unreachable."""


def resolve_url(settings: Settings) -> str:
    return settings.redis_url or embedded_redis.ensure_running(settings.data_dir)


def connect(settings: Settings, url: str | None = None) -> redis.Redis:
    """A pooled client with explicit timeouts, a short retry with backoff, and health checks."""
    url = url or resolve_url(settings)
    tcp_only = {} if url.startswith("unix://") else {"socket_keepalive": True}
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.redis_connect_timeout,
        socket_timeout=settings.redis_socket_timeout,
        **tcp_only,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
        max_connections=64,
        decode_responses=True,
    )
