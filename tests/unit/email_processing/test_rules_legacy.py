"""Import of the old router's routing_rules document (REFERENCE §8)."""

from __future__ import annotations

from typing import Any

import pytest

from email_processing.rules import expand_webhook_url, import_legacy_rules

HOOK_A = "https://hook.eu2.make.com/aaaaaaaasecrettoken"
HOOK_B = "https://example.com/hooks/b?key=secret-key"


class _Targets:
    """The caller's mapping from webhook URL to target id, recording its calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, url: str) -> str:
        self.calls.append(url)
        return {HOOK_A: "make-a", HOOK_B: "hook-b"}.get(url, "")


def _legacy_rule(rule_id: Any, conditions: list[dict[str, Any]], **actions: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": f"Rule {rule_id}",
        "conditions": conditions,
        "actions": {"webhook_url": HOOK_A, "priority": "normal", "stop_processing": True} | actions,
    }


def _import(*rules: dict[str, Any]) -> tuple[Any, list[str], _Targets]:
    targets = _Targets()
    ruleset, report = import_legacy_rules({"rules": list(rules)}, targets)
    return ruleset, report, targets


def test_imports_a_rule_as_is() -> None:
    ruleset, _, _ = _import(
        _legacy_rule(
            "media",
            [
                {"field": "sender", "operator": "contains", "value": "media-solution"},
                {
                    "field": "subject",
                    "operator": "regex",
                    "value": r"Lot \d+",
                    "case_sensitive": True,
                },
            ],
            priority="high",
            stop_processing=False,
        )
    )
    (rule,) = ruleset.rules
    assert (rule.id, rule.name, rule.enabled, rule.match) == ("media", "Rule media", True, "all")
    assert [(c.field, c.operator, c.value, c.case_sensitive) for c in rule.conditions] == [
        ("sender", "contains", "media-solution", False),
        ("subject", "regex", r"Lot \d+", True),
    ]
    assert (rule.actions.targets, rule.actions.priority, rule.actions.stop) == (
        ["make-a"],
        "high",
        False,
    )


def test_each_distinct_url_is_mapped_once() -> None:
    condition = [{"field": "body", "operator": "contains", "value": "x"}]
    ruleset, _, targets = _import(
        _legacy_rule(1, condition),
        _legacy_rule(2, condition, webhook_url=HOOK_B),
        _legacy_rule(3, condition),
    )
    assert targets.calls == [HOOK_A, HOOK_B]
    assert [rule.actions.targets for rule in ruleset.rules] == [["make-a"], ["hook-b"], ["make-a"]]


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "to", "operator": "contains", "value": "x"},
        {"field": "body", "operator": "starts_with", "value": "x"},
        {"field": "body", "operator": "contains", "value": 42},
        {"field": "body", "operator": "regex", "value": "(?<=a)b"},
        "not an object",
    ],
    ids=["unknown-field", "unknown-operator", "non-string-value", "unsupported-regex", "garbage"],
)
def test_an_unusable_condition_is_left_out_and_the_rule_disabled(condition: Any) -> None:
    good = {"field": "subject", "operator": "equals", "value": "Hello"}
    ruleset, report, _ = _import(_legacy_rule("r1", [good, condition]))
    (rule,) = ruleset.rules
    assert rule.enabled is False
    assert [c.value for c in rule.conditions] == ["Hello"]
    assert any(line.startswith("rule 'r1' (Rule r1): condition 1 left out") for line in report)
    assert "rule 'r1' (Rule r1): imported disabled, review its conditions" in report


def test_a_rule_without_a_usable_condition_is_skipped() -> None:
    ruleset, report, _ = _import(
        _legacy_rule("r1", [{"field": "from", "operator": "contains", "value": "x"}])
    )
    assert ruleset.rules == []
    assert "rule 'r1' (Rule r1): skipped, no usable condition" in report


@pytest.mark.parametrize("url", [None, "", "https://unknown.example/hook"])
def test_a_rule_without_a_mapped_webhook_is_skipped(url: str | None) -> None:
    condition = [{"field": "body", "operator": "contains", "value": "x"}]
    ruleset, report, _ = _import(_legacy_rule("r1", condition, webhook_url=url))
    assert ruleset.rules == []
    assert "rule 'r1' (Rule r1): skipped, no webhook_url mapped to a target" in report


def test_unknown_priority_and_missing_stop_are_reported() -> None:
    rule = _legacy_rule("r1", [{"field": "body", "operator": "contains", "value": "x"}])
    rule["actions"] = {"webhook_url": HOOK_A, "priority": "urgent"}
    ruleset, report, _ = _import(rule)
    assert (ruleset.rules[0].actions.priority, ruleset.rules[0].actions.stop) == ("normal", True)
    assert "rule 'r1' (Rule r1): unknown priority, imported as normal" in report
    assert "rule 'r1' (Rule r1): stop_processing missing, imported as stop" in report


def test_ids_are_made_unique_and_missing_ones_generated() -> None:
    condition = [{"field": "body", "operator": "contains", "value": "x"}]
    ruleset, _, _ = _import(
        _legacy_rule("same", condition),
        _legacy_rule("same", condition),
        _legacy_rule(None, condition),
    )
    assert [rule.id for rule in ruleset.rules] == ["same", "same-2", "legacy-3"]


def test_a_rule_disabled_before_stays_disabled() -> None:
    rule = _legacy_rule("r1", [{"field": "body", "operator": "contains", "value": "x"}])
    ruleset, report, _ = _import(rule | {"enabled": False})
    assert ruleset.rules[0].enabled is False
    assert "rule 'r1' (Rule r1): imported (disabled, as it was)" in report


def test_report_names_targets_but_never_webhook_secrets() -> None:
    condition = [{"field": "body", "operator": "contains", "value": "private words"}]
    _, report, _ = _import(
        _legacy_rule("r1", condition), _legacy_rule("r2", condition, webhook_url=HOOK_B)
    )
    text = "\n".join(report)
    assert "webhook https://hook.eu2.make.com/… -> target 'make-a'" in text
    assert "webhook https://example.com/… -> target 'hook-b'" in text
    assert "secret" not in text
    assert "private words" not in text
    assert report[-1] == "2 of 2 rules imported"


def test_a_document_without_rules() -> None:
    ruleset, report, _ = _import()
    assert ruleset.rules == []
    assert report == ["0 of 0 rules imported"]


def test_a_document_with_no_rules_list() -> None:
    ruleset, report = import_legacy_rules({"rules": "nope"}, lambda url: "t")
    assert ruleset.rules == []
    assert report[0] == "no rules list in the document"


def test_make_shorthands_are_expanded_before_mapping() -> None:
    rule = _legacy_rule(
        "r1",
        [{"field": "body", "operator": "contains", "value": "x"}],
        webhook_url="aaaaaaaasecrettoken",
    )
    ruleset, _, targets = _import(rule)
    assert targets.calls == [HOOK_A]
    assert ruleset.rules[0].actions.targets == ["make-a"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abcdefgh12345678", "https://hook.eu2.make.com/abcdefgh12345678"),
        ("abcdefgh12345678@hook.eu1.make.com", "https://hook.eu1.make.com/abcdefgh12345678"),
        (" https://hook.eu2.make.com/abc ", "https://hook.eu2.make.com/abc"),
        ("http://localhost:8080/hook", "http://localhost:8080/hook"),
        ("abcdefgh12345678@evil.example", "abcdefgh12345678@evil.example"),
        ("short", "short"),
    ],
)
def test_expand_webhook_url(value: str, expected: str) -> None:
    assert expand_webhook_url(value) == expected
