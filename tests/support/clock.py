"""A clock the tests move by hand (no sleep in tests)."""

from __future__ import annotations

import threading
import time


class FakeClock:
    def __init__(self, start: float | None = None) -> None:
        # Near real time by default: signatures carry it and verifiers allow 5 minutes.
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = when
