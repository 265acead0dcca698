"""The config store: versions, conflicts, the file mirror, and reads while Redis is down."""

from __future__ import annotations

import json

import pytest

from config.keys import Keys
from config.redis_conn import connect
from config.settings import Settings, load_settings
from config.store import ConfigStore, StoreUnavailable, VersionConflict
from services.documents.base import DOCUMENT_RECHECK_INTERVAL
from services.documents.runtime_flags import RuntimeFlags, RuntimeFlagsService
from services.errors import Conflict, Unavailable
from tests.support.clock import FakeClock


@pytest.fixture
def store(redis_client, tmp_path):
    return ConfigStore(redis_client, Keys("relais:"), tmp_path / "config", FakeClock())


def dead_client():
    """A client configured like the app's, on a port where nothing listens."""
    return connect(load_settings({"redis_connect_timeout": 0.2}), "redis://127.0.0.1:9/0")


def test_write_then_read_bumps_versions_and_mirrors(store, tmp_path):
    assert store.read("runtime_flags") is None
    assert store.write("runtime_flags", {"a": 1}).version == 1
    assert store.write("runtime_flags", {"a": 2}, expected_version=1).version == 2
    assert store.read("runtime_flags").data == {"a": 2}
    mirror = json.loads((tmp_path / "config" / "runtime_flags.json").read_text())
    assert mirror["version"] == 2 and mirror["data"] == {"a": 2}


def test_stale_version_is_refused_and_nothing_changes(store):
    store.write("routing_rules", {"rules": [1]})
    store.write("routing_rules", {"rules": [2]}, expected_version=1)
    with pytest.raises(VersionConflict) as err:
        store.write("routing_rules", {"rules": ["stale"]}, expected_version=1)
    assert err.value.current_version == 2
    assert store.read("routing_rules").data == {"rules": [2]}


def test_empty_lists_survive_the_round_trip(store):
    store.write("webhook_targets", {"targets": []})
    assert store.read("webhook_targets").data == {"targets": []}


def test_redis_down_serves_the_mirror_and_refuses_writes(store, tmp_path):
    store.write("runtime_flags", {"gmail_ingress_enabled": False})
    down = ConfigStore(dead_client(), Keys("relais:"), tmp_path / "config", FakeClock())
    doc = down.read("runtime_flags")
    assert doc.data == {"gmail_ingress_enabled": False}
    assert down.degraded is True
    with pytest.raises(StoreUnavailable):
        down.write("runtime_flags", {})


def test_service_cache_and_errors(redis_client, tmp_path):
    clock = FakeClock()
    settings = Settings()
    store = ConfigStore(redis_client, Keys("relais:"), tmp_path / "config", clock)
    flags = RuntimeFlagsService(store, settings, clock)
    other_instance = RuntimeFlagsService(store, settings, clock)
    assert other_instance.get().gmail_ingress_enabled is True
    saved = flags.save(RuntimeFlags(gmail_ingress_enabled=False))
    assert flags.get().gmail_ingress_enabled is False  # own write: invalidated at once
    assert other_instance.get().gmail_ingress_enabled is True  # its copy, until the recheck
    clock.advance(DOCUMENT_RECHECK_INTERVAL)
    assert other_instance.get().gmail_ingress_enabled is False
    with pytest.raises(Conflict):
        flags.save(RuntimeFlags(), expected_version=saved.version - 1)
    down = RuntimeFlagsService(
        ConfigStore(dead_client(), Keys("relais:"), tmp_path / "config", clock), settings, clock
    )
    with pytest.raises(Unavailable) as err:
        down.save(RuntimeFlags())
    assert err.value.retry_after


def test_a_write_can_require_another_document_unchanged(store):
    store.write("webhook_targets", {"targets": ["a"]})
    rules = store.write("routing_rules", {"rules": []})
    store.write("webhook_targets", {"targets": []}, 1, requires={"routing_rules": rules.version})
    store.write("routing_rules", {"rules": ["names a"]}, rules.version)
    with pytest.raises(VersionConflict) as err:
        store.write("webhook_targets", {"targets": []}, 2, requires={"routing_rules": 1})
    assert (err.value.document, err.value.current_version) == ("routing_rules", 2)
    assert store.read("webhook_targets").version == 2


def test_an_unchanged_document_is_not_read_again(store, monkeypatch):
    clock = FakeClock()
    flags = RuntimeFlagsService(store, Settings(), clock)
    flags.save(RuntimeFlags(gmail_ingress_enabled=False))
    flags.get()
    reads: list[str] = []
    real_read = store.read
    monkeypatch.setattr(store, "read", lambda name: reads.append(name) or real_read(name))
    for _ in range(3):
        clock.advance(DOCUMENT_RECHECK_INTERVAL)
        assert flags.get().gmail_ingress_enabled is False
    assert reads == []  # only the version was checked
    store.write("runtime_flags", {"gmail_ingress_enabled": True})
    clock.advance(DOCUMENT_RECHECK_INTERVAL)
    assert flags.get().gmail_ingress_enabled is True
    assert reads == ["runtime_flags"]


def test_bad_document_names_are_refused(store):
    with pytest.raises(ValueError):
        store.read("../etc/passwd")
