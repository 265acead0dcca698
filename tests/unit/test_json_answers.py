"""The app's JSON answers (orjson) read as Flask's own provider wrote them."""

from __future__ import annotations

import dataclasses
import decimal
import json
import random
import uuid
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from routes.json_answers import COMPACT, OrjsonProvider
from tests.support.json_docs import random_value

Providers = tuple[OrjsonProvider, DefaultJSONProvider]


@pytest.fixture
def providers() -> Providers:
    app = Flask(__name__)
    flask_own = DefaultJSONProvider(app)
    flask_own.ensure_ascii, flask_own.sort_keys = False, False
    return OrjsonProvider(app), flask_own


@dataclasses.dataclass
class Point:
    x: int
    label: str


def test_random_documents_are_written_as_flask_writes_them(providers: Providers) -> None:
    ours, flask_own = providers
    rnd = random.Random(3)
    for _ in range(2_000):
        doc = {"v": random_value(rnd, floats=False)}
        assert ours.dumps(doc, **COMPACT) == flask_own.dumps(doc, **COMPACT)


def test_flasks_conversions_are_kept(providers: Providers) -> None:
    ours, flask_own = providers
    doc = {
        "when": datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
        "day": date(2026, 12, 3),
        "amount": decimal.Decimal("1.50"),
        "id": uuid.UUID(int=7),
        "point": Point(1, "é"),
        1: "non-str key",
    }
    assert ours.dumps(doc, **COMPACT) == flask_own.dumps(doc, **COMPACT)
    assert json.loads(ours.dumps(doc))["when"] == "Thu, 03 Dec 2026 10:00:00 GMT"


def test_what_orjson_cannot_write_is_flasks_to_answer(providers: Providers) -> None:
    ours, flask_own = providers
    big = {"n": 2**70}
    assert ours.dumps(big) == flask_own.dumps(big)
    with pytest.raises(TypeError):
        ours.dumps({"x": object()})


def test_pretty_printing_is_flasks(providers: Providers) -> None:
    ours, flask_own = providers
    assert ours.dumps({"a": [1, 2]}, indent=2) == flask_own.dumps({"a": [1, 2]}, indent=2)


def test_answers_are_utf8_text_with_a_newline() -> None:
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    with app.app_context():
        resp = app.json.response({"sujet": "Désabo", "n": 1})
    assert resp.get_data(as_text=True) == '{"sujet":"Désabo","n":1}\n'  # type: ignore[attr-defined]
    assert resp.mimetype == "application/json"
