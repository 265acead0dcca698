"""Rule documents: what validation accepts and refuses, and how it reports."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from email_processing.rules import Condition, RuleSet


def _rule(conditions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "r1",
        "name": "Media",
        "conditions": conditions,
        "actions": {"targets": ["t"]},
    } | extra


def _ruleset(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"rules": list(rules)}


def _errors(document: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        RuleSet.model_validate(document)
    return caught.value.errors()


def test_a_complete_document_round_trips() -> None:
    document = {
        "rules": [
            {
                "id": "media",
                "name": "Media Solution",
                "enabled": False,
                "match": "any",
                "conditions": [
                    {"field": "subject", "operator": "contains", "value": "Lot"},
                    {"field": "header:X-Mailer", "operator": "regex", "value": "^Outlook"},
                    {"field": "label", "operator": "not_in", "value": ["SPAM", "TRASH"]},
                    {"field": "has_links", "operator": "equals", "value": True},
                ],
                "actions": {
                    "targets": ["make", "n8n"],
                    "stop": False,
                    "priority": "high",
                    "window_policy": "send",
                },
            }
        ],
        "default_route": {"action": "drop", "targets": []},
    }
    parsed = RuleSet.model_validate(document)
    assert RuleSet.model_validate(parsed.model_dump()) == parsed
    assert parsed.model_dump()["rules"][0]["conditions"][0]["case_sensitive"] is False


def test_defaults() -> None:
    parsed = RuleSet.model_validate(
        _ruleset(_rule([{"field": "body", "operator": "contains", "value": "x"}]))
    )
    rule = parsed.rules[0]
    assert (rule.enabled, rule.match) == (True, "all")
    assert (rule.actions.stop, rule.actions.priority, rule.actions.window_policy) == (
        True,
        "normal",
        None,
    )
    assert parsed.default_route.action == "default_targets"
    assert parsed.default_route.targets == []


@pytest.mark.parametrize(
    "document",
    [
        _ruleset(_rule([{"field": "body", "operator": "contains", "value": "x", "extra": 1}])),
        _ruleset(_rule([{"field": "body", "operator": "contains", "value": "x"}], colour="red")),
        {"rules": [], "version": 3},
        {
            "rules": [
                _rule([{"field": "body", "operator": "contains", "value": "x"}])
                | {"actions": {"targets": ["t"], "webhook_url": "https://x"}}
            ]
        },
    ],
    ids=["condition", "rule", "ruleset", "actions"],
)
def test_unknown_keys_are_refused(document: dict[str, Any]) -> None:
    assert _errors(document)[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    "field",
    ["from", "Subject", "header:", "header:bad name", "header:" + "x" * 101, "headers:X"],
)
def test_unknown_fields_are_refused(field: str) -> None:
    errors = _errors(_ruleset(_rule([{"field": field, "operator": "contains", "value": "x"}])))
    assert errors[0]["type"] == "unknown_field"


@pytest.mark.parametrize("field", ["header:X-Mailer", "header:list-id", "header:X_Custom.1"])
def test_header_fields(field: str) -> None:
    assert Condition(field=field, operator="contains", value="x").field == field


def test_unknown_operator_is_refused() -> None:
    errors = _errors(_ruleset(_rule([{"field": "body", "operator": "like", "value": "x"}])))
    assert errors[0]["loc"][-1] == "operator"


@pytest.mark.parametrize(
    ("field", "operator", "value"),
    [
        ("has_links", "contains", True),
        ("has_links", "equals", "true"),
        ("has_attachments", "in", [True]),
        ("subject", "contains", True),
        ("subject", "in", "x"),
        ("subject", "in", []),
        ("label", "not_in", "INBOX"),
        ("body", "contains", ["x"]),
        ("body", "regex", ["x"]),
        ("body", "contains", "x" * 1001),
    ],
)
def test_values_must_suit_field_and_operator(field: str, operator: str, value: Any) -> None:
    assert _errors(_ruleset(_rule([{"field": field, "operator": operator, "value": value}])))


@pytest.mark.parametrize(
    "pattern", ["(unclosed", "a(?=b)", "(a)\\1", "a{1001}", "\\Z", "[z-a]", "*"]
)
def test_invalid_regex_names_the_rule_and_the_condition(pattern: str) -> None:
    document = _ruleset(
        _rule([{"field": "body", "operator": "contains", "value": "ok"}]),
        {
            "id": "r2",
            "name": "Second",
            "conditions": [
                {"field": "subject", "operator": "contains", "value": "fine"},
                {"field": "body", "operator": "not_regex", "value": pattern},
            ],
            "actions": {"targets": ["t"]},
        },
    )
    (error,) = _errors(document)
    assert error["type"] == "invalid_regex"
    assert error["loc"] == ("rules", 1)
    assert error["msg"] == "rule 'r2' ('Second'), condition 1: invalid regular expression"


def test_invalid_regex_report_never_echoes_the_input() -> None:
    document = _ruleset(
        _rule(
            [
                {"field": "body", "operator": "contains", "value": "secret-token-123"},
                {"field": "body", "operator": "regex", "value": "(secret-pattern"},
            ]
        )
    )
    with pytest.raises(ValidationError) as caught:
        RuleSet.model_validate(document)
    text = str(caught.value) + repr(caught.value.errors(include_input=False))
    assert "secret-token-123" not in text
    assert "secret-pattern" not in text


def test_invalid_regex_is_not_logged(capfd: pytest.CaptureFixture[str]) -> None:
    _errors(_ruleset(_rule([{"field": "body", "operator": "regex", "value": "(leaky"}])))
    captured = capfd.readouterr()
    assert "leaky" not in captured.out + captured.err


def test_rule_ids_are_unique() -> None:
    condition = [{"field": "body", "operator": "contains", "value": "x"}]
    (error,) = _errors(_ruleset(_rule(condition), _rule(condition)))
    assert error["type"] == "duplicate_rule_id"
    assert "'r1'" in error["msg"]


@pytest.mark.parametrize(
    "rule",
    [
        _rule([]),
        _rule([{"field": "body", "operator": "contains", "value": "x"}])
        | {"actions": {"targets": []}},
        _rule([{"field": "body", "operator": "contains", "value": "x"}]) | {"id": "  "},
        _rule([{"field": "body", "operator": "contains", "value": "x"}], match="most"),
        _rule(
            [{"field": "body", "operator": "contains", "value": "x"}],
            actions={"targets": ["t"], "window_policy": "later"},
        ),
        _rule(
            [{"field": "body", "operator": "contains", "value": "x"}],
            actions={"targets": ["t"], "priority": "urgent"},
        ),
    ],
    ids=["no-condition", "no-target", "blank-id", "bad-match", "bad-window-policy", "bad-priority"],
)
def test_rule_shape(rule: dict[str, Any]) -> None:
    assert _errors(_ruleset(rule))


def test_only_a_disabled_rule_may_have_no_target() -> None:
    condition = [{"field": "body", "operator": "contains", "value": "x"}]
    kept = _rule(condition, enabled=False, actions={"targets": []})
    assert RuleSet.model_validate(_ruleset(kept)).rules[0].actions.targets == []
    (error,) = _errors(_ruleset(kept | {"enabled": True}))
    assert error["type"] == "no_targets" and "'r1'" in error["msg"]


def test_default_route_action() -> None:
    assert _errors({"rules": [], "default_route": {"action": "ignore"}})
