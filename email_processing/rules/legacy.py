"""Import of the old router's `routing_rules` document (REFERENCE §8)."""

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
    """Scheme and host only: webhook URLs carry secrets."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else "(not a URL)"


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


def _status(*, enabled: bool, incomplete: bool) -> str:
    if incomplete:
        return "imported disabled, review its conditions"
    return "imported" if enabled else "imported (disabled, as it was)"


class _Importer:
    """Converts rules one by one, remembering targets and writing the report."""

    def __init__(self, target_id_for_url: Callable[[str], str]) -> None:
        self.target_id_for_url = target_id_for_url
        self.targets: dict[str, str] = {}
        self.taken: set[str] = set()
        self.report: list[str] = []

    def target(self, actions: Mapping[str, Any]) -> str | None:
        """Target id for the rule's webhook, one caller lookup per distinct URL."""
        url = actions.get("webhook_url")
        if not isinstance(url, str) or not url.strip():
            return None
        url = expand_webhook_url(url)
        if url not in self.targets:
            self.targets[url] = self.target_id_for_url(url)
            self.report.append(f"webhook {mask_url(url)} -> target {self.targets[url]!r}")
        return self.targets[url] or None

    def conditions(self, label: str, raws: Any) -> tuple[list[Condition], bool]:
        """Convertible conditions, and whether any had to be left out (reported)."""
        kept: list[Condition] = []
        dropped = False
        for index, raw in enumerate(raws if isinstance(raws, list) else []):
            condition, why = _condition(raw)
            if condition is None:
                dropped = True
                self.report.append(f"{label}: condition {index} left out: {why}")
            else:
                kept.append(condition)
        return kept, dropped

    def actions(self, label: str, raw: Mapping[str, Any], target: str) -> RuleActions:
        priority = raw.get("priority", "normal")
        if priority not in ("normal", "high"):
            self.report.append(f"{label}: unknown priority, imported as normal")
            priority = "normal"
        stop = raw.get("stop_processing")
        if not isinstance(stop, bool):
            self.report.append(f"{label}: stop_processing missing, imported as stop")
            stop = True
        return RuleActions(targets=[target], stop=stop, priority=priority)

    def rule(self, position: int, raw: Any) -> Rule | None:
        if not isinstance(raw, Mapping):
            self.report.append(f"rule #{position}: not an object, skipped")
            return None
        rule_id = _unique_id(raw.get("id"), position, self.taken)
        name = str(raw.get("name") or rule_id)[:_NAME_CHARS]
        label = f"rule {rule_id!r} ({name})"
        raw_actions = raw.get("actions")
        actions: Mapping[str, Any] = raw_actions if isinstance(raw_actions, Mapping) else {}
        target = self.target(actions)
        conditions, incomplete = self.conditions(label, raw.get("conditions"))
        if target is None or not conditions:
            why = "no webhook_url mapped to a target" if target is None else "no usable condition"
            self.report.append(f"{label}: skipped, {why}")
            return None
        enabled = raw.get("enabled", True) is not False and not incomplete
        try:
            rule = Rule(
                id=rule_id,
                name=name,
                enabled=enabled,
                match="all",
                conditions=conditions,
                actions=self.actions(label, actions, target),
            )
        except ValidationError:
            self.report.append(f"{label}: skipped, the mapped target id is not valid")
            return None
        self.report.append(f"{label}: {_status(enabled=enabled, incomplete=incomplete)}")
        return rule


def import_legacy_rules(
    doc: Mapping[str, Any], target_id_for_url: Callable[[str], str]
) -> tuple[RuleSet, list[str]]:
    """The old `routing_rules` document as a RuleSet, and a readable report of the mapping.

    Old rules send to a `webhook_url`; `target_id_for_url` names the target for each
    distinct URL (Make shorthands expanded first). A rule that lost a condition is imported
    disabled (running it without that condition would catch more mail than before).
    """
    importer = _Importer(target_id_for_url)
    raws = doc.get("rules")
    if not isinstance(raws, list):
        importer.report.append("no rules list in the document")
        raws = []
    rules = [rule for index, raw in enumerate(raws) if (rule := importer.rule(index, raw))]
    importer.report.append(f"{len(rules)} of {len(raws)} rules imported")
    return RuleSet(rules=rules), importer.report
