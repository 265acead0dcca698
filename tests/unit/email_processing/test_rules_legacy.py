"""Import of the old router's routing_rules document (docs/old-router.md)."""

from __future__ import annotations

from typing import Any

import pytest

from email_processing.rules import (
    UnusableWebhook,
    expand_webhook_url,
    import_legacy_rules,
    mask_url,
)

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
    assert "rule 'r1' (Rule r1): not imported, no usable condition" in report


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (None, "it has no webhook_url"),
        ("", "it has no webhook_url"),
        ("https://unknown.example/hook", "its webhook https://unknown.example/…: no target for it"),
    ],
)
def test_a_rule_without_a_mapped_webhook_is_skipped(url: str | None, why: str) -> None:
    condition = [{"field": "body", "operator": "contains", "value": "x"}]
    ruleset, report, _ = _import(_legacy_rule("r1", condition, webhook_url=url))
    assert ruleset.rules == []
    assert f"rule 'r1' (Rule r1): not imported, {why}" in report


def test_a_webhook_that_cannot_be_a_target_leaves_out_its_rules_only() -> None:
    """An old `localhost` URL (the old router's defect) or a malformed Make token: those
    rules are said and left out, the others import."""
    condition = [{"field": "body", "operator": "contains", "value": "x"}]

    def targets(url: str) -> str:
        if url != HOOK_A:
            raise UnusableWebhook("private targets are not allowed")
        return "make-a"

    rules = [
        _legacy_rule("local", condition, webhook_url="http://localhost:5000/webhook-secret-path"),
        _legacy_rule("bad", condition, webhook_url="not a token!"),
        _legacy_rule("good", condition),
        _legacy_rule(
            "local-again", condition, webhook_url="http://localhost:5000/webhook-secret-path"
        ),
    ]
    ruleset, report = import_legacy_rules({"rules": rules}, targets)
    assert [rule.id for rule in ruleset.rules] == ["good"]
    assert report == [
        "rule 'local' (Rule local): not imported, its webhook http://localhost:5000/…path: "
        "private targets are not allowed",
        "rule 'bad' (Rule bad): not imported, its webhook (not a URL: …ken!): "
        "private targets are not allowed",
        "rule 'local-again' (Rule local-again): not imported, its webhook "
        "http://localhost:5000/…path: private targets are not allowed",
    ]


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
    assert report == []  # nothing to look at: it was off before


def test_rules_imported_as_they_were_are_no_problem_and_values_never_shown() -> None:
    condition = [{"field": "body", "operator": "contains", "value": "private words"}]
    bad = _legacy_rule("r3", [{"field": "to", "operator": "contains", "value": "private words"}])
    ruleset, report, _ = _import(
        _legacy_rule("r1", condition), _legacy_rule("r2", condition, webhook_url=HOOK_B), bad
    )
    assert [rule.id for rule in ruleset.rules] == ["r1", "r2"]
    assert report == [
        "rule 'r3' (Rule r3): condition 0 left out: unknown field 'to'",
        "rule 'r3' (Rule r3): not imported, no usable condition",
    ]


def test_a_document_without_rules_is_a_problem() -> None:
    ruleset, report, _ = _import()
    assert ruleset.rules == []
    assert report == ["no rule imported (0 in the document)"]


def test_a_document_with_no_rules_list() -> None:
    ruleset, report = import_legacy_rules({"rules": "nope"}, lambda url: "t")
    assert ruleset.rules == []
    assert report == ["no rules list in the document: no rule imported"]


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://hook.eu2.make.com/abcdefgh1234a1b2", "https://hook.eu2.make.com/…a1b2"),
        ("https://hook.eu2.make.com/abcdefghzzzzc3d4", "https://hook.eu2.make.com/…c3d4"),
        ("https://hook.eu2.make.com/…a1b2", "https://hook.eu2.make.com/…a1b2"),  # masked twice
        ("https://example.com:8443/hooks/b?key=secret-key", "https://example.com:8443/…-key"),
        ("https://example.com/short", "https://example.com/…"),
        ("https://example.com", "https://example.com/"),
        ("abcdefgh12345678!bad", "(not a URL: …!bad)"),
        ("short", "(not a URL: …)"),
    ],
)
def test_a_masked_url_keeps_its_host_and_last_four_characters_only(url: str, masked: str) -> None:
    """Two Make targets stay distinguishable; a short secret shows nothing of itself."""
    assert mask_url(url) == masked


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
