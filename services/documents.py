"""A config document as a pydantic model: TTL-cached, invalidated on every write."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from config.store import ConfigStore, StoreUnavailable, VersionConflict
from services.audit import AuditLog
from services.errors import Conflict, Unavailable

logger = logging.getLogger(__name__)

# How long a process serves a document from memory before reading Redis again.
# Bounds how long another instance's change takes to be seen here.
DOCUMENT_CACHE_TTL = 5.0

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Versioned(Generic[M]):
    value: M
    version: int


class DocumentService(Generic[M]):
    """Read-through cache over one named document of the config store."""

    def __init__(
        self,
        store: ConfigStore,
        name: str,
        model: type[M],
        default: Callable[[], M],
        clock: Callable[[], float],
        ttl: float = DOCUMENT_CACHE_TTL,
    ) -> None:
        self._store = store
        self.name = name
        self._model = model
        self._default = default
        self._clock = clock
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: Versioned[M] | None = None
        self._expires = 0.0
        self.audit: AuditLog | None = None
        # Called after every successful write (the reconciler re-plans waiting mail).
        self.on_change: list[Callable[[], object]] = []

    @property
    def model(self) -> type[M]:
        return self._model

    def get(self) -> M:
        return self.get_versioned().value

    def get_versioned(self) -> Versioned[M]:
        now = self._clock()
        with self._lock:
            if self._cached is not None and now < self._expires:
                return self._cached
        loaded = self._load()
        with self._lock:
            self._cached, self._expires = loaded, now + self._ttl
        return loaded

    def invalidate(self) -> None:
        with self._lock:
            self._cached, self._expires = None, 0.0

    def save(
        self, value: M, expected_version: int | None = None, actor: str | None = None
    ) -> Versioned[M]:
        """Write a new version; 409 on a stale version, 503 when Redis is down.

        With an `actor`, the change (old -> new, secrets masked) goes to the audit log.
        """
        data = value.model_dump(mode="json")
        before = self._load().value.model_dump(mode="json") if actor and self.audit else None
        try:
            doc = self._store.write(self.name, data, expected_version)
        except VersionConflict as exc:
            raise Conflict(
                f"{self.name} changed since version {expected_version} "
                f"(now {exc.current_version}); reload and apply your change again"
            ) from exc
        except StoreUnavailable as exc:
            raise Unavailable(str(exc), retry_after=5) from exc
        finally:
            self.invalidate()
        if actor and self.audit:
            self.audit.record(actor, "update", f"{self.name}@{doc.version}", before, data)
        self._changed()
        return Versioned(value, doc.version)

    def _changed(self) -> None:
        """Run the change hooks; the write stands whatever they do (they log their failure)."""
        for hook in self.on_change:
            try:
                hook()
            except Exception:
                logger.exception("after a change of %s: a follow-up failed", self.name)

    def update(
        self, change: Callable[[M], M], actor: str | None = None, attempts: int = 5
    ) -> Versioned[M]:
        """Read-modify-write with optimistic concurrency, retried on conflicts."""
        for _ in range(attempts - 1):
            current = self._load()
            try:
                return self.save(change(current.value), current.version, actor)
            except Conflict:
                continue
        current = self._load()
        return self.save(change(current.value), current.version, actor)

    def _load(self) -> Versioned[M]:
        doc = self._store.read(self.name)
        if doc is None:
            return Versioned(self._default(), 0)
        return Versioned(self._parse(doc.data), doc.version)

    def _parse(self, data: Any) -> M:
        try:
            return self._model.model_validate(data)
        except ValidationError:
            logger.error(
                "stored %s document is invalid; using defaults until it is fixed", self.name
            )
            return self._default()
