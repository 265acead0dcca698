"""Our Apps Script (apps_script/Code.gs), run unchanged by the node harness against a live Relais.

Each test builds a fake mailbox (from the shared fixture emails), runs a script function in a
real node process whose UrlFetchApp makes real HTTP requests to Relais on a loopback port, then
reads back the mailbox, the script properties, what Relais answered and what the sink received.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest

from email_processing.identity import legacy_email_id
from services.documents.runtime_flags import RuntimeFlags
from tests.apps_script.gas import (
    ERROR_LABEL,
    INGRESS,
    LABEL,
    ME,
    RECONCILE,
    LiveRelais,
    Project,
    build_mailbox,
    build_message,
    build_thread,
    fixture_emails,
    fixture_mailbox,
    gmail_id,
    node_or_skip,
    plain_text,
    relais_delivers,
)
from tests.conftest import TEST_TOKEN, TEST_WHSEC
from tests.support.redis_server import free_port
from tests.support.sink import Reply

pytestmark = pytest.mark.slow
node_or_skip()

FIXTURES = {f["name"]: f for f in fixture_emails()}
DELIVERED = sorted(name for name, f in FIXTURES.items() if relais_delivers(f))


@pytest.fixture
def start_relais(make_app, sink):
    """Start a live Relais delivering to the sink; settings may be overridden."""
    servers: list[LiveRelais] = []

    def start(**overrides):
        settings = {"webhook_url": sink.url(), "webhook_secret": TEST_WHSEC, **overrides}
        server = LiveRelais(make_app(**settings))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def relais(start_relais):
    return start_relais()


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path / "project")


def connect(project: Project, url: str, **props) -> None:
    """Point the script at `url` with the test token, plus any other script properties."""
    props = {"RELAIS_URL": url, "PROCESS_API_TOKEN": TEST_TOKEN, **props}
    project.props = {key: str(value) for key, value in props.items()}


def message(n: int, name: str, **changes):
    """Message `gmail_id(n)` with the content of fixture `name`."""
    return build_message(gmail_id(n), FIXTURES[name]["payload"], **changes)


def one_thread_each(*messages):
    return build_mailbox(*(build_thread(f"t{m['id']}", m) for m in messages))


def delivered_gmail_ids(sink) -> list[str]:
    return [r.json()["gmail_message_id"] for r in sink.requests]


# --- the normal path ---------------------------------------------------------------------------


def test_every_message_is_delivered_once_and_every_label_removed(relais, project, sink):
    mailbox, by_id = fixture_mailbox()
    # Make one thread a conversation: a second received message, our own reply, a draft.
    conversation = mailbox["threads"][0]
    moved = mailbox["threads"].pop(1)["messages"][0]
    own_reply = build_message(gmail_id(900), FIXTURES["recadrage_time_only"]["payload"])
    own_reply.update({"from": f"Moi <{ME}>", "unread": False})
    draft = build_message(gmail_id(901), FIXTURES["plain_wetransfer"]["payload"], draft=True)
    conversation["messages"] += [moved, own_reply, draft]
    connect(project, relais.url)
    project.mailbox = mailbox

    run = project.run()

    assert run.error is None, run.logs
    assert sorted(relais.pushed_ids()) == sorted(by_id)  # each once; never our reply or a draft
    delivered = {i for i, f in by_id.items() if relais_delivers(f)}
    statuses = relais.statuses()
    assert {i for i, said in statuses.items() if said == ["accepted"]} == delivered
    assert {i for i, said in statuses.items() if said == ["ignored"]} == set(by_id) - delivered
    assert project.threads_labelled(LABEL) == set()
    assert project.threads_labelled(ERROR_LABEL) == set()
    assert run.returned["counts"] == {
        "posted": len(by_id),
        "accepted": len(delivered),
        "duplicate": 0,
        "ignored": len(by_id) - len(delivered),
        "rejected": 0,
        "failed": 0,
    }

    assert relais.drain() == len(delivered)
    webhook_ids = [r.webhook_id for r in sink.requests]
    assert len(set(webhook_ids)) == len(webhook_ids) == len(delivered)
    assert set(delivered_gmail_ids(sink)) == delivered


def test_the_request_carries_the_old_fields_and_the_gmail_ones(relais, project):
    payload = FIXTURES["recadrage_time_only"]["payload"]
    plain = plain_text(payload["body"]) + "\n" + "Détails du lot. " * 30
    msg = build_message(
        gmail_id(1),
        payload,
        plainBody=plain,
        cc="Compta <compta@media-solution.example>, Chef <chef@media-solution.example>",
        replyTo="Planning <reply@media-solution.example>",
        headers={"Message-ID": "<CAF=lot4521@mail.media-solution.example>"},
        attachments=[
            {"name": "lot-4521.pdf", "size": 48213, "contentType": "application/pdf"},
            {"name": "logo.png", "size": 999, "contentType": "image/png", "inline": True},
        ],
    )
    mailbox = build_mailbox(build_thread("thread-4521", msg, labels=[LABEL, "Clients"]))
    mailbox["labels"].append("Clients")
    connect(project, relais.url)
    project.mailbox = mailbox

    assert project.run().error is None

    (exchange,) = relais.posts()
    assert exchange.json() == {
        "subject": payload["subject"],
        "sender": payload["sender"],
        "date": payload["date"],
        "body": payload["body"],
        "snippet": plain[:200],
        "gmail_message_id": gmail_id(1),
        "thread_id": "thread-4521",
        "message_id": "<CAF=lot4521@mail.media-solution.example>",
        "to": ME,
        "cc": "Compta <compta@media-solution.example>, Chef <chef@media-solution.example>",
        "reply_to": "Planning <reply@media-solution.example>",
        "plain_body": plain,
        "labels": [LABEL, "Clients"],
        "attachments": [{"name": "lot-4521.pdf", "size": 48213, "content_type": "application/pdf"}],
        "received_at": payload["date"],
    }
    assert exchange.headers["authorization"] == f"Bearer {TEST_TOKEN}"
    assert exchange.headers["x-source"] == "GoogleAppsScript"
    assert exchange.headers["content-type"] == "application/json; charset=utf-8"
    assert exchange.answer["email_id"] == gmail_id(1)
    assert project.labels("thread-4521") == ["Clients"]


def test_a_second_run_sends_nothing_and_a_reply_sends_only_itself(relais, project, sink):
    first = message(1, "recadrage_time_only")
    connect(project, relais.url)
    project.mailbox = one_thread_each(first)
    project.run()
    assert relais.pushed_ids() == [first["id"]]

    again = project.run()
    assert again.fetches == []
    assert relais.pushed_ids() == [first["id"]]

    # A reply arrives in the thread and the Gmail filter labels the thread again.
    mailbox = project.mailbox
    reply = message(2, "recadrage_colon_time", date="2026-11-20T11:30:00.000Z")
    mailbox["threads"][0]["messages"].append(reply)
    mailbox["threads"][0]["labels"].append(LABEL)
    project.mailbox = mailbox
    third = project.run()

    assert [f["url"] for f in third.fetches] == [relais.url + INGRESS]
    assert relais.pushed_ids() == [first["id"], reply["id"]]
    assert project.threads_labelled(LABEL) == set()
    assert relais.drain() == 2
    assert sorted(delivered_gmail_ids(sink)) == sorted([first["id"], reply["id"]])


def test_read_messages_are_sent_only_when_recent(relais, project):
    """A reply brings an old thread back: its old, read messages are not sent again."""
    recent = datetime.fromtimestamp(time.time() - 3600, tz=UTC).isoformat()
    old_read = message(1, "recadrage_time_only", date="2020-01-06T09:00:00.000Z", unread=False)
    old_unread = message(2, "recadrage_colon_time", date="2020-01-07T09:00:00.000Z")
    recent_read = message(3, "plain_wetransfer", date=recent, unread=False)
    project.mailbox = build_mailbox(build_thread("revived", old_read, old_unread, recent_read))
    connect(project, relais.url)

    project.run()

    assert relais.pushed_ids() == [old_unread["id"], recent_read["id"]]
    assert project.labels("revived") == []


def test_a_thread_keeps_its_label_until_every_message_is_confirmed(relais, project, sink):
    a, b, c = (message(n, name) for n, name in enumerate(DELIVERED[:3], start=1))
    project.mailbox = build_mailbox(build_thread("conv", a, b, c))
    connect(project, relais.url)

    def fail_b(exchange):
        if exchange.path == INGRESS and exchange.json()["gmail_message_id"] == b["id"]:
            return 500, {}, {"error": "internal_error", "message": "unexpected error"}
        return None

    relais.answer_for = fail_b
    first = project.run()
    assert relais.pushed_ids() == [a["id"], b["id"], c["id"]]
    assert project.labels("conv") == [LABEL]
    assert first.returned["threads"] == {"done": 0, "error": 0, "kept": 1}

    relais.answer_for = None
    project.run()
    assert relais.pushed_ids() == [a["id"], b["id"], c["id"], b["id"]]  # a and c not resent
    assert project.labels("conv") == []
    assert relais.drain() == 3
    assert sorted(delivered_gmail_ids(sink)) == sorted([a["id"], b["id"], c["id"]])


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["422-empty-sender", "413-too-large"])
def test_a_permanently_refused_message_moves_its_thread_to_the_error_label(
    start_relais, project, sink, case
):
    if case == "422-empty-sender":
        relais = start_relais()
        poison = message(3, "plain_wetransfer", **{"from": ""})
        answers = ["422"]
    else:
        relais = start_relais(ingress_max_bytes=64 * 1024)
        big = "<p>" + "Lorem ipsum dolor sit amet. " * 4000 + "</p>"
        poison = message(3, "plain_wetransfer", body=big, plainBody=plain_text(big))
        answers = ["413", "413"]  # the second time without the plain text: still too large
    good_same_thread = message(1, "recadrage_time_only")
    good_other_thread = message(2, "recadrage_colon_time")
    project.mailbox = build_mailbox(
        build_thread("poisoned", good_same_thread, poison),
        build_thread("healthy", good_other_thread),
    )
    connect(project, relais.url)

    first = project.run()

    assert relais.statuses() == {
        good_same_thread["id"]: ["accepted"],
        poison["id"]: answers,
        good_other_thread["id"]: ["accepted"],
    }
    assert project.labels("poisoned") == [ERROR_LABEL]
    assert project.labels("healthy") == []
    assert first.returned["threads"] == {"done": 1, "error": 1, "kept": 0}
    assert project.run().fetches == []  # not retried forever
    assert relais.drain() == 2
    assert sorted(delivered_gmail_ids(sink)) == sorted(
        [good_same_thread["id"], good_other_thread["id"]]
    )


def test_a_message_too_large_with_its_plain_text_is_sent_again_without_it(start_relais, project):
    relais = start_relais(ingress_max_bytes=64 * 1024)
    html_body = "<p>" + "Lot 4521, à faire pour 14h30. " * 1200 + "</p>"  # ~37 KB, twice > 64 KB
    payload = {**FIXTURES["plain_wetransfer"]["payload"]}
    payload["body"] = html_body + payload["body"]
    big = build_message(gmail_id(1), payload)
    project.mailbox = one_thread_each(big)
    connect(project, relais.url)

    run = project.run()

    first, second = relais.posts()
    assert first.status == 413 and "plain_body" in first.json()
    assert second.status == 200 and "plain_body" not in second.json()
    assert second.json()["body"] == payload["body"]
    assert second.answer["status"] == "accepted"
    assert run.returned["counts"]["posted"] == 2
    assert project.threads_labelled(LABEL) == project.threads_labelled(ERROR_LABEL) == set()


@pytest.mark.parametrize("case", ["401-wrong-token", "409-ingress-off", "connection-refused"])
def test_relais_refusing_everything_keeps_the_labels_then_all_goes_through(
    relais, project, sink, case
):
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:3], start=1)]
    project.mailbox = one_thread_each(*messages)
    connect(project, relais.url)
    if case == "401-wrong-token":
        project.set_props(PROCESS_API_TOKEN="not-the-token-0000000000")
    elif case == "409-ingress-off":
        relais.services.documents.flags.save(RuntimeFlags(gmail_ingress_enabled=False))
    else:
        project.set_props(RELAIS_URL=f"http://127.0.0.1:{free_port()}")

    refused = project.run()

    assert len(refused.fetches) == 1  # the run stops at the first refusal
    stopped_by = {"401-wrong-token": "http_401", "409-ingress-off": "http_409"}
    assert refused.returned["stoppedBy"] == stopped_by.get(case, "network")
    assert project.threads_labelled(LABEL) == {f"t{m['id']}" for m in messages}
    assert project.threads_labelled(ERROR_LABEL) == set()
    assert relais.drain() == 0

    connect(project, relais.url)
    relais.services.documents.flags.save(RuntimeFlags(gmail_ingress_enabled=True))
    project.run()
    assert project.threads_labelled(LABEL) == set()
    assert relais.drain() == 3
    assert sorted(delivered_gmail_ids(sink)) == sorted(m["id"] for m in messages)


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [(503, "120", 120), (429, "90", 90), (429, None, 60)],
    ids=["503-retry-after", "429-retry-after", "429-default-wait"],
)
def test_retry_after_is_respected_across_runs(relais, project, sink, status, retry_after, wait):
    """A stub (the sink) answers like an overloaded Relais; the next runs wait, then go on."""
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:2], start=1)]
    project.mailbox = one_thread_each(*messages)
    headers = {"Content-Type": "application/json"}
    if retry_after:
        headers["Retry-After"] = retry_after
    sink.script(INGRESS, Reply(status, b'{"error": "busy"}', headers))
    connect(project, sink.url("").rstrip("/"))

    before = time.time()
    first = project.run()
    after = time.time()

    assert len(sink.requests) == 1
    assert first.returned["stoppedBy"] == f"http_{status}"
    not_before = datetime.fromisoformat(project.props["relais.notBefore"]).timestamp()
    assert before + wait - 1 <= not_before <= after + wait + 1

    waiting = project.run()
    assert waiting.fetches == []
    assert waiting.returned["stoppedBy"] == "retry_after"
    assert len(sink.requests) == 1
    assert project.threads_labelled(LABEL) == {f"t{m['id']}" for m in messages}

    # The wait is over (set back rather than slept), and Relais is fine again.
    project.set_props(RELAIS_URL=relais.url, **{"relais.notBefore": "2026-01-01T00:00:00.000Z"})
    project.run()
    assert project.threads_labelled(LABEL) == set()
    assert "relais.notBefore" not in project.props
    assert sorted(relais.pushed_ids()) == sorted(m["id"] for m in messages)


# --- one run at a time, within its time --------------------------------------------------------


def test_a_run_started_while_another_holds_the_lock_does_nothing(relais, project, sink):
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:4], start=1)]
    project.mailbox = one_thread_each(*messages)
    connect(project, relais.url)

    first = None
    try:
        with relais.gate():
            first = project.start()
            assert relais.first_held.wait(30), "the first run never reached Relais"
            # The first run holds the lock and is blocked inside its first request.
            second = Project.wait(project.start(), timeout=20)
    finally:
        first_run = Project.wait(first) if first else None

    assert second.returned == {"skipped": "locked"}
    assert second.fetches == []
    assert first_run.error is None
    assert len(first_run.fetches) == len(messages)
    assert sorted(relais.pushed_ids()) == sorted(m["id"] for m in messages)
    assert project.threads_labelled(LABEL) == set()
    assert relais.drain() == len(messages)
    assert sorted(delivered_gmail_ids(sink)) == sorted(m["id"] for m in messages)


def test_a_reconcile_started_during_a_run_waits_and_sees_what_the_run_sent(relais, project):
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:2], start=1)]
    project.mailbox = one_thread_each(*messages)
    connect(project, relais.url)

    first = reconcile = None
    try:
        with relais.gate():
            first = project.start("processInbox")
            assert relais.first_held.wait(30), "the first run never reached Relais"
            reconcile = project.start("reconcile")  # waits up to 30 s for the lock
            project.wait_for_lock_waiter()
    finally:
        inbox_run = Project.wait(first) if first else None
        reconcile_run = Project.wait(reconcile) if reconcile else None

    assert inbox_run.error is None and reconcile_run.error is None
    assert [e.path for e in relais.exchanges] == [INGRESS, INGRESS, RECONCILE]
    (asked,) = relais.posts(RECONCILE)
    assert sorted(asked.json()["gmail_message_ids"]) == sorted(m["id"] for m in messages)
    assert asked.answer["unknown"] == []


def test_the_time_budget_ends_the_run_and_the_next_run_goes_on(relais, project):
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:5], start=1)]
    project.mailbox = one_thread_each(*messages)
    connect(project, relais.url, TIME_BUDGET_SECONDS=150)

    # Each request takes a minute on the script's clock: requests start at 0, 60 and 120 s.
    slow = project.run("processInbox", "--fetch-latency-ms", "60000")

    assert slow.error is None, slow.error
    assert len(slow.fetches) == 3
    assert slow.returned["stoppedBy"] == "time_budget"
    assert len(project.threads_labelled(LABEL)) == 2
    project.run()
    assert project.threads_labelled(LABEL) == set()
    assert sorted(relais.pushed_ids()) == sorted(m["id"] for m in messages)


# --- signing, search mode, settings, state -----------------------------------------------------


def test_hmac_signed_requests_are_accepted_by_a_relais_that_requires_them(start_relais, project):
    secret = "hmac-secret-shared-with-relais"
    relais = start_relais(ingress_hmac_secret=secret)
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:3], start=1)]
    project.mailbox = one_thread_each(*messages)

    connect(project, relais.url)  # no HMAC_SECRET: refused, labels kept
    unsigned = project.run()
    assert [f["status"] for f in unsigned.fetches] == [401]
    assert len(project.threads_labelled(LABEL)) == 3

    connect(project, relais.url, HMAC_SECRET=secret)
    signed = project.run()
    assert [f["status"] for f in signed.fetches] == [200, 200, 200]
    assert project.threads_labelled(LABEL) == set()
    signature = relais.posts()[-1].headers["x-relais-signature"]
    assert signature.startswith("v1=") and len(signature) == 3 + 64


def test_standard_webhooks_signed_requests_are_accepted(start_relais, project):
    secret = "whsec_" + base64.b64encode(b"apps-script-signing-key-32-bytes").decode()
    relais = start_relais(ingress_signing_secret=secret)
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:2], start=1)]
    project.mailbox = one_thread_each(*messages)

    connect(project, relais.url)  # no SIGNING_SECRET: refused, labels kept
    assert [f["status"] for f in project.run().fetches] == [401]
    assert len(project.threads_labelled(LABEL)) == 2

    connect(project, relais.url, SIGNING_SECRET=secret)
    signed = project.run()
    assert [f["status"] for f in signed.fetches] == [200, 200]
    assert project.threads_labelled(LABEL) == set()
    headers = relais.posts()[-1].headers
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-timestamp"].isdigit()
    assert headers["webhook-signature"].startswith("v1,")
    assert "x-relais-signature" not in headers


def test_search_mode_sends_what_the_query_matches_once(relais, project):
    from_planning = message(1, "recadrage_time_only")
    from_planning_too = message(2, "recadrage_colon_time")
    someone_else = message(3, "plain_wetransfer")
    project.mailbox = build_mailbox(
        build_thread("planning-1", from_planning, labels=[]),
        build_thread("planning-2", from_planning_too, labels=[]),
        build_thread("other", someone_else, labels=[]),
    )
    connect(project, relais.url, SEARCH_QUERY="from:planning@media-solution.example is:unread")

    project.run()
    assert sorted(relais.pushed_ids()) == sorted([from_planning["id"], from_planning_too["id"]])
    assert project.run().fetches == []


VALID = {"RELAIS_URL": "http://127.0.0.1:9", "PROCESS_API_TOKEN": TEST_TOKEN}


@pytest.mark.parametrize(
    ("props", "named"),
    [
        ({"PROCESS_API_TOKEN": TEST_TOKEN}, "RELAIS_URL"),
        ({"RELAIS_URL": "http://127.0.0.1:9"}, "PROCESS_API_TOKEN"),
        ({**VALID, "BATCH_SIZE": "0"}, "BATCH_SIZE"),
        ({**VALID, "TRIGGER_EVERY_MINUTES": "7"}, "TRIGGER_EVERY_MINUTES"),
    ],
    ids=["no-url", "no-token", "batch-0", "every-7-minutes"],
)
def test_a_bad_setting_stops_the_run_with_its_name(project, props, named):
    project.mailbox = one_thread_each(message(1, "recadrage_time_only"))
    project.props = props

    run = project.run()

    assert run.returncode == 1
    assert named in run.error["message"]
    assert run.fetches == []
    assert project.threads_labelled(LABEL) == {f"t{gmail_id(1)}"}


def test_confirmed_ids_stay_within_the_property_limits(relais, project):
    """Ids are kept per hour in chunks under 9 KB; hours older than HISTORY_HOURS are dropped."""
    hour = int(time.time() // 3600)
    mid_hour_ms = str((hour * 3600 + 1800) * 1000)  # the run cannot cross into the next hour
    crowded = ",".join(f"{0x18C0000000000000 + n:x}" for n in range(470))  # 7,989 characters
    connect(project, relais.url, HISTORY_HOURS=24)
    project.set_props(
        **{f"relais.sent.{hour}.0": crowded, f"relais.sent.{hour - 25}.0": gmail_id(77)}
    )
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:2], start=1)]
    project.mailbox = one_thread_each(*messages)

    project.run("processInbox", "--start-at", mid_hour_ms)

    props = project.props
    assert f"relais.sent.{hour - 25}.0" not in props
    chunks = [props[f"relais.sent.{hour}.0"], props[f"relais.sent.{hour}.1"]]
    assert all(len(chunk) <= 8000 for chunk in chunks)
    assert ",".join(chunks).split(",") == [*crowded.split(","), *relais.pushed_ids()]


# --- reconcile -------------------------------------------------------------------------------


def test_reconcile_pushes_again_what_relais_lost(relais, project, sink):
    messages = [message(n, name) for n, name in enumerate(DELIVERED[:3], start=1)]
    project.mailbox = one_thread_each(*messages)
    connect(project, relais.url)
    project.run()
    assert relais.drain() == 3
    lost = messages[1]["id"]
    services = relais.services
    meta = services.delivery.queue.load_email(lost).meta
    old_formula_id = legacy_email_id(meta["subject"], meta["sender"], meta["date"])
    services.redis.delete(
        services.keys.seen(lost), services.keys.seen(old_formula_id), services.keys.email(lost)
    )

    run = project.run("reconcile")

    assert [f["url"] for f in run.fetches] == [relais.url + RECONCILE, relais.url + INGRESS]
    (asked,) = relais.posts(RECONCILE)
    assert sorted(asked.json()["gmail_message_ids"]) == sorted(m["id"] for m in messages)
    assert asked.answer == {"success": True, "unknown": [lost]}
    assert relais.statuses()[lost] == ["accepted", "accepted"]
    assert relais.drain() == 1  # delivered again: the receiver dedups on the same webhook-id
    assert len({r.webhook_id for r in sink.requests}) == 3

    quiet = project.run("reconcile")
    assert [f["url"] for f in quiet.fetches] == [relais.url + RECONCILE]


def test_reconcile_query_finds_a_message_that_lost_its_label_unsent(relais, project):
    an_hour_ago = datetime.fromtimestamp(time.time() - 3600, tz=UTC).isoformat()
    unsent = message(1, "recadrage_time_only", date=an_hour_ago)
    not_matching = message(2, "plain_wetransfer", date=an_hour_ago)
    too_old = message(3, "recadrage_colon_time", date="2020-01-01T00:00:00.000Z")
    project.mailbox = build_mailbox(
        build_thread("lost-label", unsent, labels=[]),
        build_thread("other", not_matching, labels=[]),
        build_thread("old", too_old, labels=[]),
    )
    connect(project, relais.url, RECONCILE_QUERY="from:planning@media-solution.example")

    project.run("reconcile")

    (asked,) = relais.posts(RECONCILE)
    assert asked.json() == {"gmail_message_ids": [unsent["id"]]}
    assert relais.pushed_ids() == [unsent["id"]]
    assert relais.statuses()[unsent["id"]] == ["accepted"]


# --- triggers --------------------------------------------------------------------------------


def test_install_trigger_is_idempotent_and_uninstall_removes_only_ours(relais, project):
    mailbox = build_mailbox()
    mailbox["labels"] = []
    mailbox["triggers"] = [{"id": "keep", "type": "CLOCK", "handler": "somethingElse"}]
    project.mailbox = mailbox
    connect(project, relais.url)

    first = project.run("installTrigger")
    project.run("installTrigger")

    assert first.returned["connection"] == 200
    triggers = sorted(
        (t["handler"], t.get("everyMinutes"), t.get("everyHours"))
        for t in project.mailbox["triggers"]
    )
    assert triggers == [
        ("processInbox", 1, None),
        ("reconcile", None, 1),
        ("somethingElse", None, None),
    ]
    assert sorted(project.mailbox["labels"]) == [LABEL, ERROR_LABEL]

    project.run("uninstallTrigger")
    assert [t["handler"] for t in project.mailbox["triggers"]] == ["somethingElse"]

    project.set_props(TRIGGER_EVERY_MINUTES=5, RECONCILE_HOURS=0)
    project.run("installTrigger")
    assert [(t["handler"], t.get("everyMinutes")) for t in project.mailbox["triggers"]] == [
        ("somethingElse", None),
        ("processInbox", 5),
    ]
