"""Redis down: ingress answers 503 with Retry-After, config reads degrade, nothing is lost."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow

URL = "/api/ingress/gmail"


@pytest.fixture
def server(tmp_path):
    srv = RedisServer(tmp_path / "redis")
    srv.start()
    yield srv
    srv.kill()


@pytest.fixture
def app(make_app, server, sink):
    return make_app(
        redis_url=server.url,
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        redis_connect_timeout=0.3,
        redis_socket_timeout=0.5,
    )


def test_redis_down_gives_503_and_nothing_is_lost_once_back(app, server, sink):
    client = app.test_client()
    services = app.extensions["relais"]
    before = client.post(URL, json=old_payload(subject="before"), headers=auth())
    assert before.get_json()["status"] == "accepted"

    server.stop()
    during = client.post(URL, json=old_payload(subject="during"), headers=auth())
    assert during.status_code == 503
    assert int(during.headers["Retry-After"]) > 0
    assert during.get_json()["error"] == "unavailable"
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.get_json()["status"] == "degraded"
    assert client.get("/health").status_code == 200
    ping = client.get("/api/ping")  # the old router's monitor URL, no session, no Redis
    assert ping.status_code == 200 and ping.get_json()["success"] is True

    server.start()
    # The script keeps the label and posts again: now it is accepted, once.
    again = client.post(URL, json=old_payload(subject="during"), headers=auth())
    assert again.get_json()["status"] == "accepted"
    assert services.delivery.workers.run_once() == "delivered"
    assert services.delivery.workers.run_once() == "delivered"
    subjects = sorted(r.json()["subject"] for r in sink.wait_for(2))
    assert subjects == ["before", "during"]


def test_config_reads_survive_an_outage_writes_are_refused(app, server):
    services = app.extensions["relais"]
    flags = services.documents.flags
    flags.save(flags.get().model_copy(update={"disable_email_id_dedup": True}))
    server.stop()
    flags.invalidate()
    assert flags.get().disable_email_id_dedup is True  # from the DATA_DIR mirror
    assert services.documents.store.degraded is True
    resp = app.test_client().post(URL, json=old_payload(), headers=auth())
    assert resp.status_code == 503


def test_worker_survives_an_outage(make_app, server, sink):
    app = make_app(
        redis_url=server.url,
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        worker_threads=1,
        redis_connect_timeout=0.3,
        redis_socket_timeout=0.5,
    )
    services = app.extensions["relais"]
    services.delivery.workers.start()
    server.stop()
    server.start()
    resp = app.test_client().post(URL, json=old_payload(), headers=auth())
    assert resp.get_json()["status"] == "accepted"
    assert len(sink.wait_for(1, timeout=20)) == 1
