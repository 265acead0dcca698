"""A config document as a pydantic model: a per-process copy for reads, compare-and-set writes.

Reads serve a copy kept in memory and check the stored version at most every
DOCUMENT_RECHECK_INTERVAL (one HGET); the document is read again only when its version
moved, so a change made by another process is seen here within about that interval.
Writes never start from that copy: `update` reads the stored version, applies the change
to it and stores the result in one compare-and-set, applying it again on a conflict.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from config.store import ConfigStore, StoreUnavailable, VersionConflict
from services.access.audit import AuditLog
from services.errors import Conflict, Unavailable

logger = logging.getLogger(__name__)

# How long a process serves its copy of a document before checking the stored version
# (one HGET). Bounds how long another process's change takes to be seen here.
DOCUMENT_RECHECK_INTERVAL = 0.5
# While Redis is unreachable: how long the copy (from the file mirror) is served before
# Redis is tried again, so a dead server is not waited on for every request.
DEGRADED_RECHECK_INTERVAL = 5.0
# Compare-and-set attempts of one write (each re-reads and re-applies) before a 409.
UPDATE_ATTEMPTS = 10
READ_ONLY_RETRY_AFTER = 5

M = TypeVar("M", bound=BaseModel)
N = TypeVar("N", bound=BaseModel)


@dataclass(frozen=True)
class Versioned(Generic[M]):
    value: M
    version: int


@dataclass(frozen=True)
class Requires(Generic[M, N]):
    """Another document a write depends on (rules name targets that must exist).

    `check(new value, other document)` raises when the pair is not allowed; the write is
    then stored only while the other document is still at the version that was checked.
    """

    document: DocumentService[N]
    check: Callable[[M, N], None]


class DocumentService(Generic[M]):
    """One named document of the config store: cached reads, atomic writes."""

    def __init__(
        self,
        store: ConfigStore,
        name: str,
        model: type[M],
        default: Callable[[], M],
        clock: Callable[[], float],
        recheck: float = DOCUMENT_RECHECK_INTERVAL,
    ) -> None:
        self._store = store
        self.name = name
        self._model = model
        self._default = default
        self._clock = clock
        self._recheck = recheck
        self._lock = threading.Lock()
        self._cached: Versioned[M] | None = None
        self._fresh_until = 0.0
        self.audit: AuditLog | None = None
        # Called after every successful write (the reconciler re-plans waiting mail).
        self.on_change: list[Callable[[], object]] = []

    def view_extra(self) -> dict[str, Any]:
        """What the API shows beside the document (the schedule: what happens now)."""
        return {}

    @property
    def model(self) -> type[M]:
        return self._model

    def get(self) -> M:
        return self.get_versioned().value

    def get_versioned(self) -> Versioned[M]:
        """This process's copy; read again only when the stored version moved."""
        now = self._clock()
        with self._lock:
            cached, fresh_until = self._cached, self._fresh_until
        if cached is not None and now < fresh_until:
            return cached
        if cached is None or self._store.degraded or self._moved(cached.version):
            cached = self.load()
        interval = DEGRADED_RECHECK_INTERVAL if self._store.degraded else self._recheck
        with self._lock:
            self._cached, self._fresh_until = cached, now + interval
        return cached

    def _moved(self, version: int) -> bool:
        return self._store.version(self.name) != version

    def invalidate(self) -> None:
        with self._lock:
            self._cached, self._fresh_until = None, 0.0

    def save(
        self,
        value: M,
        expected_version: int | None = None,
        actor: str | None = None,
        requires: Requires[M, Any] | None = None,
    ) -> Versioned[M]:
        """Replace the document; 409 when `expected_version` is stale, 503 when Redis is down."""
        return self.update(
            lambda _stored: value, actor, expected_version=expected_version, requires=requires
        )

    def update(
        self,
        change: Callable[[M], M],
        actor: str | None = None,
        *,
        expected_version: int | None = None,
        requires: Requires[M, Any] | None = None,
    ) -> Versioned[M]:
        """Apply `change` to the stored document and store the result in one compare-and-set.

        `change` gets the stored document, never this process's copy; a domain error it
        raises propagates as itself. When the document (or the required one) moved
        meanwhile, the change is applied again to the new version; a write naming
        `expected_version` is refused instead (409) once its own document moved.
        With an `actor`, the change applied (old -> new, secrets masked) is audited.
        A change that leaves the stored document as it was writes nothing: the stored
        version is answered, with no new version, audit entry or change hook.
        """
        for _ in range(UPDATE_ATTEMPTS):
            try:
                saved, written = self._apply(change, actor, expected_version, requires)
            except VersionConflict as exc:
                if expected_version is not None and exc.document == self.name:
                    raise self._stale(expected_version, exc.current_version) from exc
                continue
            finally:
                self.invalidate()
            if written:
                self._changed()
            return saved
        raise Conflict(f"{self.name} kept changing while this change was saved; try again")

    def _apply(
        self,
        change: Callable[[M], M],
        actor: str | None,
        expected_version: int | None,
        requires: Requires[M, Any] | None,
    ) -> tuple[Versioned[M], bool]:
        """One compare-and-set attempt; whether it wrote (a change that changes nothing does
        not: no new version, no audit entry, no follow-up)."""
        current = self.load()
        if self._store.degraded:
            raise Unavailable(
                "config store is read-only while Redis is unreachable",
                retry_after=READ_ONLY_RETRY_AFTER,
            )
        if expected_version is not None and current.version != expected_version:
            raise self._stale(expected_version, current.version)
        value = change(current.value)
        required = _required_versions(value, requires)
        data = value.model_dump(mode="json")
        before = current.value.model_dump(mode="json")
        if data == before and current.version:
            return current, False
        try:
            doc = self._store.write(self.name, data, current.version, required)
        except StoreUnavailable as exc:
            raise Unavailable(str(exc), retry_after=READ_ONLY_RETRY_AFTER) from exc
        if actor and self.audit:
            self.audit.record(actor, "update", f"{self.name}@{doc.version}", before, data)
        return Versioned(value, doc.version), True

    def _changed(self) -> None:
        """Run the change hooks; the write stands whatever they do (they log their failure)."""
        for hook in self.on_change:
            try:
                hook()
            except Exception:
                logger.exception("after a change of %s: a follow-up failed", self.name)

    def _stale(self, expected: int, current: int) -> Conflict:
        return Conflict(
            f"{self.name} changed since version {expected} "
            f"(now {current}); reload and apply your change again"
        )

    def load(self) -> Versioned[M]:
        """The stored document, read now (the mirror while Redis is down); never the copy."""
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


def _required_versions(value: M, requires: Requires[M, Any] | None) -> dict[str, int]:
    """Check `value` against the other document, read now; the version it was checked at."""
    if requires is None:
        return {}
    other = requires.document.load()
    requires.check(value, other.value)
    return {requires.document.name: other.version}
