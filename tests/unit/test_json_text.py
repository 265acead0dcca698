"""The queue's and the webhooks' JSON text (orjson) reads as the standard library wrote it."""

from __future__ import annotations

import json
import random

import pytest

from email_processing.payload import build_payload
from services.delivery.json_text import compact
from tests.support.json_docs import random_value


def stdlib(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def test_the_text_is_the_standard_librarys_for_random_documents() -> None:
    rnd = random.Random(20261203)
    for _ in range(3_000):
        doc = {"v": random_value(rnd, floats=False)}
        assert compact(doc) == stdlib(doc)


def test_floats_may_be_written_otherwise_but_read_back_the_same() -> None:
    rnd = random.Random(20261204)
    for _ in range(3_000):
        doc = {"v": random_value(rnd)}
        assert json.loads(compact(doc)) == json.loads(stdlib(doc)) == doc


def test_keys_that_are_not_strings_are_written_as_strings() -> None:
    assert compact({"a": {1: "x", 2: None}}) == stdlib({"a": {1: "x", 2: None}})


def test_a_webhook_payload_reads_back_the_same() -> None:
    meta = {"subject": "Lot 12 é", "sender": "A <a@example.com>", "email_id": "e1"}
    payload = build_payload(meta, "<p>Bonjour&nbsp;é</p>" * 1000, target_id="t")
    assert json.loads(compact(payload)) == payload
    assert compact(payload) == stdlib(payload)


def test_integers_beyond_64_bits_are_written_as_the_standard_library_does() -> None:
    doc = {"size": 2**70, "neg": -(2**80), "ok": 1}
    assert compact(doc) == stdlib(doc)


def test_what_no_writer_can_write_is_still_an_error() -> None:
    with pytest.raises(TypeError):
        compact({"x": object()})
