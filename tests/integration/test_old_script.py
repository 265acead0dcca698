"""The ORIGINAL Apps Script (a replica of the one docs/old-router.md describes) switched over
to a live Relais.

It posts exactly the five old fields with `X-Source: GoogleAppsScript`, and removes a thread's
label only when every post got HTTP 200. These tests prove that, pointed at Relais, it neither
loses mail (a non-200 whenever Relais does not have the message) nor loops (200 for new and for
duplicate mail, so the label goes once the message is safe).
"""

from __future__ import annotations

import pytest

from services.documents.runtime_flags import RuntimeFlags
from tests.apps_script.gas import (
    INGRESS,
    LABEL,
    OLD_SCRIPT,
    LiveRelais,
    Project,
    build_mailbox,
    build_message,
    build_thread,
    fixture_emails,
    fixture_mailbox,
    gmail_id,
    node_or_skip,
    relais_delivers,
)
from tests.conftest import TEST_TOKEN, TEST_WHSEC
from tests.support.redis_server import RedisServer, free_port

pytestmark = pytest.mark.slow
node_or_skip()

OLD_FIELDS = {"subject", "sender", "date", "body", "snippet"}


@pytest.fixture
def start_relais(make_app, sink):
    servers: list[LiveRelais] = []

    def start(**overrides):
        settings = {"webhook_url": sink.url(), "webhook_secret": TEST_WHSEC, **overrides}
        server = LiveRelais(make_app(**settings))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def old_project(tmp_path, url: str, style: str = "bearer", token: str = TEST_TOKEN) -> Project:
    project = Project(tmp_path / "old-script", script=OLD_SCRIPT)
    project.props = {"SERVER_URL": url, "PROCESS_API_TOKEN": token, "TOKEN_STYLE": style}
    return project


def statuses(relais: LiveRelais) -> list[tuple[int, str | None]]:
    return [(e.status, (e.answer or {}).get("status")) for e in relais.posts()]


@pytest.mark.parametrize("style", ["bearer", "bare"])
def test_new_then_duplicate_mail_gets_200_and_each_message_is_delivered_once(
    start_relais, tmp_path, sink, style
):
    relais = start_relais()
    mailbox, by_id = fixture_mailbox()
    already_read = build_message(gmail_id(500), fixture_emails()[0]["payload"], unread=False)
    mailbox["threads"][0]["messages"].insert(0, already_read)
    project = old_project(tmp_path, relais.url, style)
    project.mailbox = mailbox
    delivered = sum(relais_delivers(f) for f in by_id.values())

    project.run("processEmails")

    posts = relais.posts()
    assert len(posts) == len(by_id)  # every unread message, and only those
    for post in posts:
        assert set(post.json()) == OLD_FIELDS
        assert post.headers["x-source"] == "GoogleAppsScript"
        expected = f"Bearer {TEST_TOKEN}" if style == "bearer" else TEST_TOKEN
        assert post.headers["authorization"] == expected
    assert sorted(statuses(relais)) == sorted(
        [(200, "accepted")] * delivered + [(200, "ignored")] * (len(by_id) - delivered)
    )
    assert project.threads_labelled(LABEL) == set()
    assert project.run("processEmails").fetches == []  # label gone: nothing is sent again

    # The filter labels every thread again (say, a rule re-applied): all duplicates, all 200.
    mailbox = project.mailbox
    for thread in mailbox["threads"]:
        thread["labels"].append(LABEL)
    project.mailbox = mailbox
    again = project.run("processEmails")

    assert [f["status"] for f in again.fetches] == [200] * len(by_id)
    assert statuses(relais)[len(by_id) :] == [(200, "duplicate")] * len(by_id)
    assert project.threads_labelled(LABEL) == set()
    assert relais.drain() == delivered
    assert len({r.webhook_id for r in sink.requests}) == len(sink.requests) == delivered


@pytest.mark.parametrize(
    "case", ["401-wrong-token", "409-ingress-off", "relais-down", "503-redis-down"]
)
def test_a_refusal_keeps_the_label_and_the_next_run_after_the_fix_delivers(
    start_relais, tmp_path, sink, case
):
    redis_server = None
    if case == "503-redis-down":
        redis_server = RedisServer(tmp_path / "redis")
        redis_server.start()
        relais = start_relais(
            redis_url=redis_server.url, redis_connect_timeout=0.3, redis_socket_timeout=0.5
        )
    else:
        relais = start_relais()
    try:
        _refused_then_delivered(relais, redis_server, tmp_path, sink, case)
    finally:
        if redis_server is not None:
            redis_server.kill()


def _refused_then_delivered(relais, redis_server, tmp_path, sink, case):
    payloads = [f["payload"] for f in fixture_emails() if relais_delivers(f)][:3]
    threads = [
        build_thread(f"t{n}", build_message(gmail_id(n), payload))
        for n, payload in enumerate(payloads)
    ]
    project = old_project(tmp_path, relais.url)
    project.mailbox = build_mailbox(*threads)
    if case == "401-wrong-token":
        project.props = {**project.props, "PROCESS_API_TOKEN": "wrong-token-000000000000"}
    elif case == "409-ingress-off":
        relais.services.documents.flags.save(RuntimeFlags(gmail_ingress_enabled=False))
    elif case == "relais-down":
        project.props = {**project.props, "SERVER_URL": f"http://127.0.0.1:{free_port()}"}
    else:
        redis_server.stop()

    refused = project.run("processEmails")

    expected = {"401-wrong-token": 401, "409-ingress-off": 409, "503-redis-down": 503}.get(case)
    assert [f["status"] for f in refused.fetches] == [expected] * 3
    assert project.threads_labelled(LABEL) == {"t0", "t1", "t2"}  # kept: posted again next run
    if redis_server is None:  # (with Redis down there is no queue to look at)
        assert relais.drain() == 0
    assert sink.requests == []

    if redis_server is not None:
        redis_server.start()
    project.props = {**project.props, "SERVER_URL": relais.url, "PROCESS_API_TOKEN": TEST_TOKEN}
    relais.services.documents.flags.save(RuntimeFlags(gmail_ingress_enabled=True))
    fixed = project.run("processEmails")

    assert [f["status"] for f in fixed.fetches] == [200] * 3
    assert [e.answer["status"] for e in relais.posts(INGRESS) if e.status == 200] == [
        "accepted"
    ] * 3
    assert project.threads_labelled(LABEL) == set()
    assert relais.drain() == 3
    assert sorted(r.json()["subject"] for r in sink.requests) == sorted(
        p["subject"] for p in payloads
    )
