"""The words of an import report: one item per field of the old documents, and the notes.

An item says what one field was (its value as text, URLs masked) and what it became, or
why it did not; an item marked as a problem is one the operator must act on (a rule left
out, a document refused). Values are shown so an operator can check them, but never a
secret: URLs and Make tokens are masked (their last 4 characters kept, to tell two targets
apart), and an object or a list the import does not know is shown by its size only, as it
may hold a whole rule set and its tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from email_processing.rules import expand_webhook_url
from email_processing.rules.legacy import mask_secret, mask_url

# Why a field maps as it does (a code the dashboard words), with the English words.
NOTES = {
    "same_meaning": "kept as it was",
    "format_kept": "kept as written: webhooks carry it in the same form",
    "old_default_not_enforced": (
        "the old router's default, which it never applied (it retried connection errors "
        "anyway): Relais's default applies"
    ),
    "never_enforced": (
        "the old router stored it but never enforced it: not applied "
        "(set a limit in Preferences if you want one)"
    ),
    "more_retried": "Relais also retries 5xx and 429 answers, and honours Retry-After",
    "require_success": 'counts a 2xx as delivered only with "success": true, as the old router did',
    "sender_address": "a sender condition compares the sender's address, as the old router did",
    "always_verified": "Relais always verifies the receiver's certificate",
    "json_only": "Relais always sends JSON",
    "pause_off": "the absence pause was off: no absence day",
    "not_applicable": "nothing in Relais uses it",
    "unknown_field": "not a field the old router's documents had",
    "wrapper": "the old dashboard's export wrapper: its document was read",
    "rules_problem": "left out of a rule",
    "default_kept": (
        "a default target is already set: the old router sent one webhook per email, so this "
        "URL does not become a second default"
    ),
    "not_imported": "could not be imported",
    "document_refused": "its document could not be imported",
    "overridden": (
        "not used: the export's time_window gives the window (it is what the old dashboard showed)"
    ),
    "window_policy": "what happens to this kind of mail outside the window",
    "schedule_stored": (
        "the stored schedule now takes precedence over TIMEZONE and WEBHOOKS_TIME_START/END "
        "(and their old names) from the environment"
    ),
}
_SECRET_NAME = re.compile(r"token|secret|password|passwd|key|auth|url|hook", re.IGNORECASE)
_URLISH = re.compile(r"\S*(?:://|@hook\.)\S*")


@dataclass(frozen=True)
class Item:
    """One field of an old document in the report (or one thing the import writes)."""

    field: str
    note: str
    value: str | None = None  # the old value, as text (masked: see the module's docstring)
    becomes: str | None = None  # what it is in Relais
    detail: str = ""  # specifics, in English
    problem: bool = False  # the operator must look at it

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"field": self.field, "note": self.note, "text": self.text()}
        if self.value is not None:
            doc["value"] = self.value
        if self.becomes is not None:
            doc["becomes"] = self.becomes
        if self.detail:
            doc["detail"] = self.detail
        if self.problem:
            doc["problem"] = True
        return doc

    def text(self) -> str:
        """The item as one English line (CLI output and logs)."""
        head = self.field + (f" = {self.value}" if self.value is not None else "")
        head += f" -> {self.becomes}" if self.becomes is not None else ""
        return f"{head}: {self.detail or NOTES.get(self.note, self.note)}"


@dataclass
class Notes:
    """What one document's import says."""

    mapped: list[Item] = field(default_factory=list)
    not_mapped: list[Item] = field(default_factory=list)
    generated_secrets: dict[str, str] = field(default_factory=dict)

    def map(
        self, name: str, note: str, value: Any = None, becomes: Any = None, detail: str = ""
    ) -> None:
        self.mapped.append(Item(name, note, shown(value), shown(becomes), detail))

    def skip(
        self, name: str, note: str, value: Any = None, detail: str = "", problem: bool = False
    ) -> None:
        self.not_mapped.append(Item(name, note, shown(value), None, detail, problem))

    def add(self, other: Notes) -> None:
        self.mapped += other.mapped
        self.not_mapped += other.not_mapped
        self.generated_secrets.update(other.generated_secrets)

    def problems(self) -> list[str]:
        return [item.text() for item in self.not_mapped if item.problem]


def shown(value: Any) -> str | None:
    """A value as the report shows it: URLs and Make shorthands masked; an object or a list
    by its size only."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, str):
        return _URLISH.sub(lambda m: mask_url(expand_webhook_url(m.group())), value)
    if isinstance(value, Mapping):
        return f"(an object of {len(value)} field(s), not shown)"
    if isinstance(value, list | tuple):
        return f"(a list of {len(value)} item(s), not shown)"
    return f"(a {type(value).__name__}, not shown)"


def unknown_value(name: str, value: Any) -> str | None:
    """A field the import does not know: under a name that suggests a secret (a token, a
    URL), only its last characters, as for URLs."""
    if isinstance(value, str) and _SECRET_NAME.search(name) and "://" not in value:
        return f"(hidden: {mask_secret(value)})"
    return shown(value)
