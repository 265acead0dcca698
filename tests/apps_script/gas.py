"""Run Apps Script files through the node harness against a Relais served over real HTTP.

- `LiveRelais`: a Relais app on a loopback port (werkzeug's threaded server) that records every
  request and answer, can hold requests at a gate, or answer some requests itself.
- `Project`: an Apps Script project on disk (mailbox, script properties, lock) run by the harness.
- `build_*`: fake Gmail threads and messages, from the shared fixture emails.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import FIXTURES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HARNESS = HERE / "harness.js"
CODE_GS = ROOT / "apps_script" / "Code.gs"
OLD_SCRIPT = HERE / "old_script.gs"
NODE = shutil.which("node")

LABEL = "A_TRANSFERER_WEBHOOK"
ERROR_LABEL = "A_TRANSFERER_WEBHOOK_ERREUR"
ME = "me@example.com"
INGRESS = "/api/ingress/gmail"
RECONCILE = "/api/ingress/reconcile"


def node_or_skip() -> None:
    """Skip the calling test module without node, or fail it when REQUIRE_NODE=1 (as in CI)."""
    if NODE is not None:
        return
    if os.environ.get("REQUIRE_NODE") == "1":
        pytest.fail("REQUIRE_NODE=1 but node is not on PATH", pytrace=False)
    pytest.skip(
        "node is not on PATH (the Apps Script harness runs in node)", allow_module_level=True
    )


# --- the server ------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request Relais got, and what it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    answer: Any = None

    def json(self) -> Any:
        return json.loads(self.body)


Answer = tuple[int, dict[str, str], dict[str, Any]]


class LiveRelais:
    """A Relais app served over HTTP on 127.0.0.1, recording each exchange."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.services = app.extensions["relais"]
        self.exchanges: list[Exchange] = []
        self.answer_for: Callable[[Exchange], Answer | None] | None = None
        self.first_held = threading.Event()
        self._gate: threading.Event | None = None
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def posts(self, path: str = INGRESS) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.path == path]

    def pushed_ids(self) -> list[str]:
        """Gmail ids in the order they were pushed (one entry per push)."""
        return [e.json().get("gmail_message_id") for e in self.posts()]

    def statuses(self) -> dict[str, list[str]]:
        """Per Gmail id, Relais's `status` answers in order (HTTP code when not 200)."""
        result: dict[str, list[str]] = {}
        for e in self.posts():
            said = e.answer.get("status") if e.status == 200 else str(e.status)
            result.setdefault(e.json().get("gmail_message_id"), []).append(said)
        return result

    @contextmanager
    def gate(self) -> Iterator[None]:
        """Requests wait inside the server until the block ends; `first_held` is set meanwhile."""
        self._gate = threading.Event()
        self.first_held.clear()
        try:
            yield
        finally:
            self._gate.set()

    def drain(self) -> int:
        """Run every due delivery now (no worker threads): returns how many were attempted."""
        attempted = 0
        while self.services.delivery.workers.run_once() is not None:
            attempted += 1
        return attempted

    def close(self) -> None:
        if self._gate is not None:
            self._gate.set()
        self._server.shutdown()
        self._server.server_close()

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        exchange = Exchange(environ.get("PATH_INFO", ""), headers, body)
        with self._lock:
            self.exchanges.append(exchange)
        gate = self._gate
        if gate is not None and not gate.is_set():
            self.first_held.set()
            gate.wait(30)
        scripted = self.answer_for(exchange) if self.answer_for else None
        if scripted is not None:
            return self._scripted(exchange, scripted, start_response)
        return self._relayed(exchange, environ, start_response)

    def _scripted(self, exchange: Exchange, answer: Answer, start_response: Any) -> list[bytes]:
        status, extra, doc = answer
        exchange.status, exchange.answer = status, doc
        payload = json.dumps(doc).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start_response(f"{status} Scripted", headers + list(extra.items()))
        return [payload]

    def _relayed(self, exchange: Exchange, environ: dict[str, Any], start_response: Any) -> Any:
        def recording_start(status: str, headers: Any, exc_info: Any = None) -> Any:
            exchange.status = int(status.split()[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start)
        try:
            raw = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        try:
            exchange.answer = json.loads(raw) if raw else None
        except ValueError:
            exchange.answer = None
        return [raw]


# --- fake Gmail content ------------------------------------------------------------------------


def fixture_emails() -> list[dict[str, Any]]:
    """The sample emails (name, payload, expect), in name order; none found is an error."""
    paths = sorted(FIXTURES.glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no sample emails in {FIXTURES}")
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def relais_delivers(fixture: dict[str, Any]) -> bool:
    """With the default settings, Relais delivers mail with a detector match or a file link."""
    expect = fixture["expect"]
    return bool(expect.get("detector") or expect.get("links"))


def gmail_id(n: int) -> str:
    """A Gmail-looking message id (16 hex digits)."""
    return f"{0x18C2F00000000000 + n:x}"


def plain_text(body_html: str) -> str:
    text = re.sub(r"<br\s*/?>|</(div|p)>", "\n", body_html)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def build_message(msg_id: str, payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A Gmail message as the fake stores it, from a pushed-email payload (old five fields)."""
    message = {
        "id": msg_id,
        "from": payload["sender"],
        "to": ME,
        "subject": payload["subject"],
        "date": payload["date"],
        "body": payload["body"],
        "plainBody": plain_text(payload["body"]),
        "headers": {"Message-ID": f"<{msg_id}@mail.example>"},
        "attachments": [],
        "unread": True,
    }
    message.update(changes)
    return message


def build_thread(thread_id: str, *messages: dict[str, Any], labels: Iterable[str] = (LABEL,)):
    return {"id": thread_id, "labels": list(labels), "messages": list(messages)}


def build_mailbox(*threads: dict[str, Any]) -> dict[str, Any]:
    return {"account": {"email": ME, "aliases": []}, "labels": [LABEL], "threads": list(threads)}


def fixture_mailbox() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Every fixture email as a labelled one-message thread; returns (mailbox, fixture by id)."""
    by_id: dict[str, dict[str, Any]] = {}
    threads = []
    for n, fixture in enumerate(fixture_emails()):
        msg_id = gmail_id(n)
        by_id[msg_id] = fixture
        threads.append(build_thread(f"t{msg_id}", build_message(msg_id, fixture["payload"])))
    return build_mailbox(*threads), by_id


# --- the harness -------------------------------------------------------------------------------


@dataclass
class Run:
    """One harness run: exit status and the report it printed."""

    returncode: int
    report: dict[str, Any]
    stderr: str = ""

    @property
    def returned(self) -> Any:
        return self.report["returned"]

    @property
    def error(self) -> dict[str, Any] | None:
        return self.report["error"]

    @property
    def fetches(self) -> list[dict[str, Any]]:
        return self.report["fetches"]

    @property
    def logs(self) -> list[str]:
        return self.report["logs"]


def _finished(proc: subprocess.CompletedProcess[str] | Any, stdout: str, stderr: str) -> Run:
    if proc.returncode not in (0, 1) or not stdout.strip():
        raise AssertionError(f"harness failed ({proc.returncode}): {stderr}")
    return Run(proc.returncode, json.loads(stdout.strip().splitlines()[-1]), stderr)


@dataclass
class Project:
    """An Apps Script project on disk: the script, its mailbox and its script properties."""

    directory: Path
    script: Path = CODE_GS
    extra_args: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    @property
    def mailbox_path(self) -> Path:
        return self.directory / "mailbox.json"

    @property
    def props_path(self) -> Path:
        return self.directory / "props.json"

    @property
    def mailbox(self) -> dict[str, Any]:
        return json.loads(self.mailbox_path.read_text(encoding="utf-8"))

    @mailbox.setter
    def mailbox(self, value: dict[str, Any]) -> None:
        self.mailbox_path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")

    @property
    def props(self) -> dict[str, str]:
        return json.loads(self.props_path.read_text(encoding="utf-8"))

    @props.setter
    def props(self, value: dict[str, Any]) -> None:
        self.props_path.write_text(json.dumps(value), encoding="utf-8")

    def set_props(self, **changes: Any) -> None:
        props = self.props
        for key, value in changes.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = str(value)
        self.props = props

    def command(self, function: str, *args: str) -> list[str]:
        return [
            str(NODE),
            str(HARNESS),
            str(self.mailbox_path),
            function,
            "--props",
            str(self.props_path),
            "--script",
            str(self.script),
            *self.extra_args,
            *args,
        ]

    def run(self, function: str = "processInbox", *args: str) -> Run:
        proc = subprocess.run(
            self.command(function, *args), capture_output=True, text=True, timeout=90, check=False
        )
        return _finished(proc, proc.stdout, proc.stderr)

    def start(self, function: str = "processInbox", *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(function, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def wait(proc: subprocess.Popen[str], timeout: float = 90) -> Run:
        """The run's report; a run still going after `timeout` seconds is killed and fails."""
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError(f"the harness run did not end within {timeout} s") from None
        return _finished(proc, stdout, stderr)

    def wait_for_lock_waiter(self, timeout: float = 20) -> None:
        """Block until a run of this project waits for the script lock (its marker file exists)."""
        deadline = time.monotonic() + timeout
        while not list(self.directory.glob("props.json.lock.waiting.*")):
            if time.monotonic() > deadline:
                raise AssertionError("no run is waiting for the script lock")
            time.sleep(0.01)

    # -- reading the mailbox back --

    def thread(self, thread_id: str) -> dict[str, Any]:
        return next(t for t in self.mailbox["threads"] if t["id"] == thread_id)

    def labels(self, thread_id: str) -> list[str]:
        return self.thread(thread_id)["labels"]

    def threads_labelled(self, label: str) -> set[str]:
        return {t["id"] for t in self.mailbox["threads"] if label in t["labels"]}
