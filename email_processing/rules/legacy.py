"""Import of the old router's `routing_rules` document (docs/old-router.md, stored documents)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from email_processing.rules.models import (
    MAX_VALUE_CHARS,
    Condition,
    Rule,
    RuleActions,
    RuleSet,
    regex_is_valid,
)

LEGACY_FIELDS = ("sender", "subject", "body")
LEGACY_OPERATORS = ("contains", "equals", "regex")
MAKE_DEFAULT_HOST = "hook.eu2.make.com"
_MAKE_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,200}")
_ID_CHARS = 100
_NAME_CHARS = 200
MASK_TAIL = 4  # characters of a URL's secret part an operator sees, to tell targets apart
_MASK_MIN_CHARS = 12  # below this, even the tail would give too much of the secret away


class UnusableWebhook(ValueError):
    """A rule's webhook URL that cannot become a target; the message says why (never the URL)."""


def expand_webhook_url(value: str) -> str:
    """A Make bare token or `token@hook.<region>.make.com` as its https URL; URLs unchanged."""
    value = value.strip()
    if "://" in value:
        return value
    token, at, host = value.partition("@")
    if not at and _MAKE_TOKEN.fullmatch(token):
        return f"https://{MAKE_DEFAULT_HOST}/{token}"
    if at and _MAKE_TOKEN.fullmatch(token) and re.fullmatch(r"hook\.[a-z0-9-]+\.make\.com", host):
        return f"https://{host}/{token}"
    return value


def mask_url(url: str) -> str:
    """Scheme, host and the last 4 characters of the rest: the path of a webhook URL is its
    secret (a Make token), yet an operator must tell two targets on one host apart
    (`https://hook.eu2.make.com/…a1b2`). Not a URL (a malformed Make token): no more than its
    last 4 characters either. Masking a masked URL changes nothing."""
    if "://" not in url:
        return f"(not a URL: {mask_secret(url.strip())})"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "(unparsable URL)"
    if not parts.hostname:
        return "(not a URL)"
    host = parts.hostname + (f":{port}" if port else "")
    rest = (parts.path + (f"?{parts.query}" if parts.query else "")).strip("/")
    tail = rest if rest.startswith("…") else mask_secret(rest) if rest else ""
    return f"{parts.scheme}://{host}/{tail}"


def mask_secret(secret: str) -> str:
    """`…` and the last 4 characters; only `…` when that would give too much away."""
    return f"…{secret[-MASK_TAIL:]}" if len(secret) >= _MASK_MIN_CHARS else "…"


def _condition(raw: Any) -> tuple[Condition | None, str]:
    """A legacy condition as ours, or None and why not (never the value: it may be private)."""
    if not isinstance(raw, Mapping):
        return None, "not an object"
    field, operator, value = raw.get("field"), raw.get("operator"), raw.get("value")
    if field not in LEGACY_FIELDS:
        return None, f"unknown field {str(field)[:40]!r}"
    if operator not in LEGACY_OPERATORS:
        return None, f"unknown operator {str(operator)[:40]!r}"
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        return None, f"value is not a string of at most {MAX_VALUE_CHARS} characters"
    if operator == "regex" and not regex_is_valid(value):
        return None, "regular expression not supported by RE2 (no look-around, no backreference)"
    sensitive = raw.get("case_sensitive", False)
    condition = Condition(
        field=field, operator=operator, value=value, case_sensitive=sensitive is True
    )
    return condition, ""


def _unique_id(raw_id: Any, position: int, taken: set[str]) -> str:
    base = str(raw_id).strip()[:_ID_CHARS] if raw_id not in (None, "") else ""
    candidate = base or f"legacy-{position + 1}"
    suffix = 2
    while candidate in taken:
        candidate = f"{(base or 'legacy')[: _ID_CHARS - 6]}-{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


class _Importer:
    """Converts rules one by one, remembering targets; `problems` lists only what the operator
    must look at (a rule imported as it was needs no line: the caller reports it)."""

    def __init__(self, target_id_for_url: Callable[[str], str]) -> None:
        self.target_id_for_url = target_id_for_url
        self.targets: dict[str, str | UnusableWebhook] = {}
        self.taken: set[str] = set()
        self.problems: list[str] = []

    def target(self, label: str, actions: Mapping[str, Any]) -> str | None:
        """Target id for the rule's webhook, one caller lookup per distinct URL; None (and a
        problem said) when the rule has no URL or its URL cannot be a target."""
        url = actions.get("webhook_url")
        if not isinstance(url, str) or not url.strip():
            self.problems.append(f"{label}: not imported, it has no webhook_url")
            return None
        url = expand_webhook_url(url)
        if url not in self.targets:
            try:
                self.targets[url] = self.target_id_for_url(url)
            except UnusableWebhook as exc:
                self.targets[url] = exc
        found = self.targets[url]
        if isinstance(found, UnusableWebhook) or not found:
            why = str(found) if found else "no target for it"
            self.problems.append(f"{label}: not imported, its webhook {mask_url(url)}: {why}")
            return None
        return found

    def conditions(self, label: str, raws: Any) -> tuple[list[Condition], bool]:
        """Convertible conditions, and whether any had to be left out (reported)."""
        kept: list[Condition] = []
        dropped = False
        for index, raw in enumerate(raws if isinstance(raws, list) else []):
            condition, why = _condition(raw)
            if condition is None:
                dropped = True
                self.problems.append(f"{label}: condition {index} left out: {why}")
            else:
                kept.append(condition)
        return kept, dropped

    def actions(self, label: str, raw: Mapping[str, Any], target: str) -> RuleActions:
        priority = raw.get("priority", "normal")
        if priority not in ("normal", "high"):
            self.problems.append(f"{label}: unknown priority, imported as normal")
            priority = "normal"
        stop = raw.get("stop_processing")
        if not isinstance(stop, bool):
            self.problems.append(f"{label}: stop_processing missing, imported as stop")
            stop = True
        return RuleActions(targets=[target], stop=stop, priority=priority)

    def rule(self, position: int, raw: Any) -> Rule | None:
        if not isinstance(raw, Mapping):
            self.problems.append(f"rule #{position}: not an object, not imported")
            return None
        rule_id = _unique_id(raw.get("id"), position, self.taken)
        name = str(raw.get("name") or rule_id)[:_NAME_CHARS]
        label = f"rule {rule_id!r} ({name})"
        raw_actions = raw.get("actions")
        actions: Mapping[str, Any] = raw_actions if isinstance(raw_actions, Mapping) else {}
        conditions, incomplete = self.conditions(label, raw.get("conditions"))
        if not conditions:
            self.problems.append(f"{label}: not imported, no usable condition")
            return None
        target = self.target(label, actions)
        if target is None:
            return None
        if incomplete:
            self.problems.append(f"{label}: imported disabled, review its conditions")
        try:
            return Rule(
                id=rule_id,
                name=name,
                enabled=raw.get("enabled", True) is not False and not incomplete,
                match="all",
                conditions=conditions,
                actions=self.actions(label, actions, target),
            )
        except ValidationError:
            self.problems.append(f"{label}: not imported, the mapped target id is not valid")
            return None


def import_legacy_rules(
    doc: Mapping[str, Any], target_id_for_url: Callable[[str], str]
) -> tuple[RuleSet, list[str]]:
    """The old `routing_rules` document as a RuleSet, and the problems met on the way.

    Old rules send to a `webhook_url`; `target_id_for_url` names the target for each
    distinct URL (Make shorthands expanded first), or raises UnusableWebhook: that rule is
    then left out and said so, and the others import. A rule that lost a condition is
    imported disabled (running it without that condition would catch more mail than
    before). A document without any rule is a problem too: an operator who gave one expects
    rules from it.
    """
    importer = _Importer(target_id_for_url)
    raws = doc.get("rules")
    if not isinstance(raws, list):
        importer.problems.append("no rules list in the document: no rule imported")
        return RuleSet(), importer.problems
    rules = [rule for index, raw in enumerate(raws) if (rule := importer.rule(index, raw))]
    if not rules:
        importer.problems.append(f"no rule imported ({len(raws)} in the document)")
    return RuleSet(rules=rules), importer.problems
