"""Routing rules as admin documents (pydantic v2): validated once, when saved."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import re2
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# `sender` is the parsed, lower-cased address (as the old router compared it);
# `sender_header` the raw From header (`Planning Média <planning@…>`).
TEXT_FIELDS = (
    "sender",
    "sender_header",
    "sender_domain",
    "subject",
    "body",
    "to",
    "cc",
    "detector",
)
RULES_FORMAT: Literal[2] = 2
"""Format 1 (before format was recorded): `sender` meant the raw From header."""
MULTI_FIELDS = ("label", "link_provider")  # match when any value matches
BOOLEAN_FIELDS = ("has_links", "has_attachments")
FIELDS = TEXT_FIELDS + MULTI_FIELDS + BOOLEAN_FIELDS
HEADER_PREFIX = "header:"
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")

POSITIVE_OPERATORS = ("equals", "contains", "starts_with", "ends_with", "regex", "in")
Operator = Literal[
    "equals",
    "contains",
    "starts_with",
    "ends_with",
    "regex",
    "in",
    "not_equals",
    "not_contains",
    "not_starts_with",
    "not_ends_with",
    "not_regex",
    "not_in",
]
Priority = Literal["normal", "high"]
WindowPolicy = Literal["hold", "drop", "send"]

MAX_RULES = 2000
MAX_CONDITIONS = 20
MAX_VALUE_CHARS = 1000
MAX_IN_VALUES = 200
MAX_TARGETS = 50

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS)]

# Admin documents: unknown keys refused; error reports never carry the submitted values.
_ADMIN = ConfigDict(extra="forbid", hide_input_in_errors=True)


def split_operator(operator: str) -> tuple[str, bool]:
    """`not_contains` -> (`contains`, True); `contains` -> (`contains`, False)."""
    if operator.startswith("not_"):
        return operator[4:], True
    return operator, False


def is_header_field(field: str) -> bool:
    return field.startswith(HEADER_PREFIX)


def _value_error(condition: Condition) -> str | None:
    """Why the value does not suit the field and operator, or None."""
    base, _ = split_operator(condition.operator)
    value = condition.value
    if condition.field in BOOLEAN_FIELDS:
        if base != "equals" or not isinstance(value, bool):
            return "a boolean field takes equals/not_equals with true or false"
        return None
    if isinstance(value, bool):
        return "a text field takes a string value"
    if base == "in":
        return None if isinstance(value, list) and value else "in/not_in take a non-empty list"
    return None if isinstance(value, str) else "this operator takes a string value"


class Condition(BaseModel):
    """One test on one field of the email."""

    model_config = ConfigDict(**_ADMIN, frozen=True)

    field: str
    operator: Operator
    value: bool | Text | Annotated[list[Text], Field(max_length=MAX_IN_VALUES)]
    case_sensitive: bool = False

    @field_validator("field")
    @classmethod
    def _known_field(cls, field: str) -> str:
        if field in FIELDS:
            return field
        if is_header_field(field) and _HEADER_NAME.fullmatch(field[len(HEADER_PREFIX) :]):
            return field
        raise PydanticCustomError(
            "unknown_field",
            "unknown field; expected one of {fields} or header:<Name>",
            {"fields": ", ".join(FIELDS)},
        )

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        problem = _value_error(self)
        if problem is not None:
            raise PydanticCustomError("invalid_value", problem)
        return self


class RuleActions(BaseModel):
    """What a matched rule does."""

    model_config = _ADMIN

    targets: list[Identifier] = Field(max_length=MAX_TARGETS)
    """At least one while the rule is enabled (a disabled rule may keep none)."""
    stop: bool = True
    priority: Priority = "normal"
    window_policy: WindowPolicy | None = None


def quiet_options() -> re2.Options:
    """RE2 options that never log (its error log would print the pattern)."""
    options = re2.Options()
    options.log_errors = False
    return options


def regex_is_valid(pattern: str) -> bool:
    """Whether RE2 accepts the pattern (it refuses backreferences and look-arounds)."""
    try:
        re2.compile(pattern, quiet_options())
    except re2.error:
        return False
    return True


class Rule(BaseModel):
    """Conditions joined by `all`/`any`, and the actions taken when they hold."""

    model_config = _ADMIN

    id: Identifier
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    enabled: bool = True
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)
    actions: RuleActions

    @model_validator(mode="after")
    def _enabled_has_targets(self) -> Rule:
        # A rule whose last target was deleted is switched off and kept for the admin
        # to point elsewhere: only an enabled rule must send somewhere.
        if self.enabled and not self.actions.targets:
            raise PydanticCustomError(
                "no_targets",
                "rule {rule_id}: an enabled rule needs at least one target",
                {"rule_id": repr(self.id)},
            )
        return self

    @model_validator(mode="after")
    def _regexes_compile(self) -> Rule:
        for index, condition in enumerate(self.conditions):
            base, _ = split_operator(condition.operator)
            if base == "regex" and not regex_is_valid(str(condition.value)):
                raise PydanticCustomError(
                    "invalid_regex",
                    "rule {rule_id} ({rule_name}), condition {index}: invalid regular expression",
                    {"rule_id": repr(self.id), "rule_name": repr(self.name), "index": index},
                )
        return self


class DefaultRoute(BaseModel):
    """Where mail goes when no rule matched: the default targets, or nowhere."""

    model_config = _ADMIN

    action: Literal["default_targets", "drop"] = "default_targets"
    targets: list[Identifier] = Field(default_factory=list, max_length=MAX_TARGETS)


def migrate_ruleset(data: Any) -> Any:
    """A stored or exported rule set brought to the current format, keeping its meaning.

    Format 1 compared `sender` with the raw From header: those conditions become
    `sender_header` conditions, which still do exactly that.
    """
    if not isinstance(data, dict) or "format" in data:
        return data
    rules = data.get("rules")
    migrated = [_sender_as_header(rule) for rule in rules] if isinstance(rules, list) else rules
    return {**data, "rules": migrated, "format": RULES_FORMAT}


def _sender_as_header(rule: Any) -> Any:
    if not isinstance(rule, dict) or not isinstance(rule.get("conditions"), list):
        return rule
    conditions = [
        {**c, "field": "sender_header"} if isinstance(c, dict) and c.get("field") == "sender" else c
        for c in rule["conditions"]
    ]
    return {**rule, "conditions": conditions}


class RuleSet(BaseModel):
    """The ordered rules and the default route: the `routing_rules` document."""

    model_config = _ADMIN

    format: Literal[2] = RULES_FORMAT
    """The document's format (see `migrate_ruleset`)."""

    rules: list[Rule] = Field(default_factory=list, max_length=MAX_RULES)
    default_route: DefaultRoute = Field(default_factory=DefaultRoute)

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise PydanticCustomError(
                    "duplicate_rule_id",
                    "rule id {rule_id} is used twice",
                    {"rule_id": repr(rule.id)},
                )
            seen.add(rule.id)
        return self
