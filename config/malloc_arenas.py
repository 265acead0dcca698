"""glibc's malloc arenas, capped for a threaded server.

glibc gives each new thread its own malloc arena, up to eight per core, and an arena keeps
the memory its thread freed for that thread's next allocations. A worker's request and
delivery threads, each handling 200 KB emails in turn, so grow one arena each: under the
bench's saturation load a worker peaked at 108-110 MB with the default and at 86-88 MB with
two arenas, at the same throughput (`MALLOC_ARENA_MAX=2`, four alternating runs). Setting it
in code rather than in the environment covers every way the server starts (the image,
`relais run`, `gunicorn -c gunicorn.conf.py`); the master calls it before it forks, so
every worker inherits the cap.
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2


def cap_arenas(count: int = ARENAS) -> bool:
    """Cap glibc's arenas at `count` for this process and the ones it forks. False when
    MALLOC_ARENA_MAX is set (glibc has read it: the operator's value stands) or the C
    library has no mallopt (not glibc)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, count))
