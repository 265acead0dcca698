"""The durability level a server's persistence settings give an acknowledged write."""

from __future__ import annotations

import pytest

from config.durability import level_of, uses_waitaof


@pytest.mark.parametrize(
    ("aof", "appendfsync", "rdb", "waitaof", "level"),
    [
        (True, "always", False, False, "fsync_per_write"),
        (True, "everysec", True, True, "fsync_per_write"),
        (True, "unknown", None, True, "fsync_per_write"),
        (True, "everysec", True, False, "fsync_every_second"),
        (True, "no", False, False, "fsync_by_os"),
        (True, "unknown", None, False, "unknown"),
        (False, "everysec", True, False, "snapshots_only"),
        (False, "everysec", False, False, "none"),
        (False, "unknown", None, False, "unknown"),
        (None, "unknown", None, False, "unknown"),
    ],
)
def test_level_of(aof, appendfsync, rdb, waitaof, level):
    assert level_of(aof, appendfsync, rdb, waitaof) == level


@pytest.mark.parametrize(
    ("supported", "aof", "appendfsync", "expected"),
    [
        (True, True, "everysec", True),
        (True, True, "always", True),
        (True, True, "unknown", True),
        (True, True, "no", False),  # the OS fsyncs: WAITAOF would time out on every write
        (True, False, "everysec", False),
        (True, None, "everysec", False),
        (False, True, "everysec", False),
    ],
)
def test_waitaof_only_where_the_server_can_confirm_an_fsync(supported, aof, appendfsync, expected):
    assert uses_waitaof(supported, aof, appendfsync) is expected
