"""The realistic ingress mix of issue 9, as request bodies in the Apps Script payload shape.

Every round of ten requests holds six sample emails (``tests/fixtures/emails``, in
turn), two 20 KB HTML emails, one 200 KB HTML email and one duplicate: the identical bytes of
an earlier request of the same round (which one rotates, so duplicates are of every kind). A
duplicate must be answered ``duplicate``; every other request is a new email.

Each new email carries a unique ``gmail_message_id`` (its identity, hence its dedup key) and,
in ``date``, the time it was built: the sink reads it back from the webhook's
``receivedDateTime`` to measure end-to-end latency.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The sample emails, as kept in the repository (a copy of the shared set).
FIXTURES_DIR = ROOT / "tests" / "fixtures" / "emails"
ROUND = 10
SLOTS = ("fixture",) * 6 + ("html_20kb",) * 2 + ("html_200kb", "duplicate")
SIZES = {"html_20kb": 20_000, "html_200kb": 200_000}
FILLER = (
    "<p>Bonjour, voici le planning de la semaine&nbsp;: lot {n}, {n} photos à recadrer, "
    "livraison habituelle. Merci de confirmer la réception.</p>\n"
)
# What the ingress accepts as a Gmail message id, with room for the index.
GMAIL_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
# How many recent bodies are kept for duplicates (a duplicate is at most 9 requests later).
RECENT = 64


def load_fixtures(folder: Path = FIXTURES_DIR) -> list[dict[str, Any]]:
    """The sample emails' payloads, by file name (an empty or missing folder is an error)."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no sample emails in {folder}")
    return [json.loads(path.read_text(encoding="utf-8"))["payload"] for path in files]


def padded_html(seed: dict[str, Any], size: int) -> dict[str, Any]:
    """A copy of a sample email whose HTML body is padded with paragraphs to about ``size``."""
    parts = [seed.get("body", "")]
    total = len(parts[0])
    n = 0
    while total < size:
        n += 1
        parts.append(FILLER.format(n=n))
        total += len(parts[-1])
    return {**seed, "body": "<html><body>" + "".join(parts) + "</body></html>"}


@dataclass(frozen=True)
class Template:
    """One email without identity or date, pre-encoded up to its closing brace."""

    kind: str
    prefix: bytes

    @classmethod
    def of(cls, kind: str, payload: dict[str, Any]) -> Template:
        """Encode ``payload`` less its ``date`` (and any id); the per-request fields go last."""
        fixed = {k: v for k, v in payload.items() if k not in ("date", "gmail_message_id")}
        fixed.setdefault("snippet", "")
        encoded = json.dumps(fixed, ensure_ascii=False).encode()
        return cls(kind, encoded[:-1])

    def render(self, email_id: str, sent: float) -> bytes:
        """The full body for one new email."""
        tail = f', "gmail_message_id": "{email_id}", "date": "{sent:.6f}"}}'
        return self.prefix + tail.encode()


class Mix:
    """Index -> request body, following the round of SLOTS; see the module docstring."""

    def __init__(
        self,
        run_id: str,
        fixtures: list[dict[str, Any]],
        clock: Callable[[], float] = time.time,
        duplicates: bool = True,
    ) -> None:
        """Pre-encode the templates; ``duplicates=False`` sends a new email in the dup slot."""
        if not GMAIL_ID.fullmatch(run_id):
            raise ValueError("run_id must be letters, digits, _ or - (it goes into Gmail ids)")
        self.run_id = run_id
        self.clock = clock
        self.duplicates = duplicates
        self.fixtures = [Template.of("fixture", p) for p in fixtures]
        self.padded = {
            kind: [Template.of(kind, padded_html(p, size)) for p in fixtures]
            for kind, size in SIZES.items()
        }
        self.recent: dict[int, bytes] = {}
        self.sent: Counter[str] = Counter()

    def kind(self, index: int) -> str:
        """What request ``index`` is: fixture, html_20kb, html_200kb or duplicate."""
        slot = SLOTS[index % ROUND]
        return "fixture" if slot == "duplicate" and not self.duplicates else slot

    def original_of(self, index: int) -> int:
        """The earlier index a duplicate repeats (same round, a different slot each round)."""
        round_start = index - index % ROUND
        return round_start + (index // ROUND) % (ROUND - 1)

    def template(self, index: int, kind: str) -> Template:
        """The template request ``index`` of a new-email kind uses (rotating over samples)."""
        choices = self.fixtures if kind == "fixture" else self.padded[kind]
        slots = [i for i, name in enumerate(SLOTS) if name == kind]
        place = slots.index(index % ROUND) if index % ROUND in slots else 0
        # Consecutive rounds walk on through the samples: every one is used in turn.
        return choices[(index // ROUND * len(slots) + place) % len(choices)]

    def __call__(self, index: int) -> bytes:
        """The body of request ``index``."""
        kind = self.kind(index)
        self.sent[kind] += 1
        if kind == "duplicate":
            original = self.original_of(index)
            body = self.recent.get(original) or self.build(original)
        else:
            body = self.build(index)
        self.recent[index] = body
        self.recent.pop(index - RECENT, None)
        return body

    def build(self, index: int) -> bytes:
        """A new email for ``index`` (its id depends on the index only)."""
        template = self.template(index, self.kind(index))
        return template.render(f"bench{self.run_id}x{index}", self.clock())


def answer_of(status: int, body: bytes) -> str:
    """How the ingress answered: its decision on 200 (``accepted``, ``duplicate``, ...)."""
    if status != 200:
        return f"http_{status}"
    try:
        doc = json.loads(body)
    except ValueError:
        return "unreadable"
    if not isinstance(doc, dict):
        return "unreadable"
    decision = str(doc.get("status", "stored"))
    reason = doc.get("reason")
    return f"{decision}:{reason}" if reason else decision


def share(answers: dict[str, int], prefix: str) -> int:
    """How many answers start with ``prefix`` (``ignored`` counts every reason)."""
    return sum(n for key, n in answers.items() if key.startswith(prefix))


class Repeats:
    """Duplicates only: request ``index`` re-sends email ``index % len(bodies)`` of a set
    admitted once beforehand (``bodies``, from a Mix), so every answer must be
    ``duplicate``: what a duplicate push costs at saturation."""

    def __init__(self, mix: Mix, count: int = 100) -> None:
        self.bodies = [mix(index) for index in range(count)]
        self.sent: Counter[str] = Counter()

    def __call__(self, index: int) -> bytes:
        self.sent["duplicate"] += 1
        return self.bodies[index % len(self.bodies)]
