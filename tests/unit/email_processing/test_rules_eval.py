"""Rule evaluation: every operator on every field family, ordering, default route, trace."""

from __future__ import annotations

import json
from typing import Any

import pytest

from email_processing.detectors import DetectorMatch
from email_processing.inbound import Attachment
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail
from email_processing.rules import RoutingDecision, RuleSet, compile_rules, evaluate, matching
from tests.unit.email_processing.helpers import email

SAMPLE = email(
    subject="Média Solution - Lot 4521",
    sender="Planning Média <Planning@Media-Solution.example>",
    body="<p>Bonjour,</p><p>voici le lot à faire pour <b>14h30</b>.</p>",
    to="ops@relais.example, Boss <boss@relais.example>",
    labels=["INBOX", "A_TRANSFERER_WEBHOOK"],
    headers={"X-Mailer": "Outlook 16"},
    attachments=[Attachment(name="bon.pdf", size=10)],
)
LINKS = [
    Link("dropbox", "https://www.dropbox.com/s/a", "https://www.dropbox.com/s/a?dl=1"),
    Link("wetransfer", "https://we.tl/t-a"),
]
DETECTED = DetectorMatch("recadrage", {"delivery_time": "14h30", "urgent": False})


def _rule(rule_id: str, conditions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    actions = {"targets": [f"t-{rule_id}"], "stop": False} | extra.pop("actions", {})
    return {
        "id": rule_id,
        "name": rule_id.upper(),
        "conditions": conditions,
        "actions": actions,
    } | extra


def _decide(
    rules: list[dict[str, Any]],
    normalized: NormalizedEmail = SAMPLE,
    links: list[Link] | None = None,
    detector: DetectorMatch | None = DETECTED,
    **document: Any,
) -> RoutingDecision:
    ruleset = RuleSet.model_validate({"rules": rules} | document)
    return evaluate(compile_rules(ruleset), normalized, LINKS if links is None else links, detector)


def _holds(condition: dict[str, Any], **context: Any) -> bool:
    return _decide([_rule("r", [condition])], **context).trace[0].matched


def _c(field: str, operator: str, value: Any, case_sensitive: bool = False) -> dict[str, Any]:
    return {"field": field, "operator": operator, "value": value, "case_sensitive": case_sensitive}


TEXT_CASES = [
    # equals / not_equals: folded (case, accents, whitespace) unless case-sensitive
    (_c("subject", "equals", "média solution - lot 4521"), True),
    (_c("subject", "equals", "  MEDIA   Solution - LOT 4521 "), True),
    (_c("subject", "equals", "Média Solution"), False),
    (_c("subject", "equals", "Média Solution - Lot 4521", True), True),
    (_c("subject", "equals", "média solution - lot 4521", True), False),
    (_c("subject", "not_equals", "Média Solution"), True),
    (_c("subject", "not_equals", "media solution - lot 4521"), False),
    # contains / not_contains
    (_c("subject", "contains", "SOLUTION"), True),
    (_c("subject", "contains", "media"), True),
    (_c("subject", "contains", "media", True), False),
    (_c("subject", "contains", "Média", True), True),
    (_c("subject", "contains", "média", True), False),
    (_c("subject", "not_contains", "facture"), True),
    (_c("subject", "not_contains", "LOT"), False),
    (_c("subject", "not_contains", "lot", True), True),
    # starts_with / ends_with and their negations
    (_c("subject", "starts_with", "média sol"), True),
    (_c("subject", "starts_with", "Solution"), False),
    (_c("subject", "starts_with", "Média ", True), True),
    (_c("subject", "not_starts_with", "Solution"), True),
    (_c("subject", "not_starts_with", "MEDIA"), False),
    (_c("subject", "ends_with", "4521"), True),
    (_c("subject", "ends_with", "Lot"), False),
    (_c("subject", "ends_with", "lot 4521", True), False),
    (_c("subject", "not_ends_with", "Lot"), True),
    (_c("subject", "not_ends_with", "4521"), False),
    # regex: the text as written (accents kept), case-insensitive unless asked
    (_c("subject", "regex", r"Lot \d{4}$"), True),
    (_c("subject", "regex", r"lot \d+"), True),
    (_c("subject", "regex", r"lot \d+", True), False),
    (_c("subject", "regex", r"^m[ée]dia\b"), True),
    (_c("subject", "regex", r"^media"), False),
    (_c("subject", "not_regex", r"^(re|tr|fwd?):"), True),
    (_c("subject", "not_regex", r"\d{4}"), False),
    # in / not_in: whole-value equality with any listed value
    (_c("subject", "in", ["x", "MEDIA solution - lot 4521"]), True),
    (_c("subject", "in", ["x", "Média Solution"]), False),
    (_c("subject", "in", ["x", "media solution - lot 4521"], True), False),
    (_c("subject", "not_in", ["x", "y"]), True),
    (_c("subject", "not_in", ["média solution - lot 4521"]), False),
    # body: the visible text, HTML gone, entities decoded
    (_c("body", "contains", "à faire pour 14h30"), True),
    (_c("body", "contains", "a faire pour 14h30"), True),
    (_c("body", "contains", "<p>"), False),
    (_c("body", "starts_with", "bonjour,"), True),
    (_c("body", "ends_with", "14h30."), True),
    (_c("body", "regex", r"\b\d{1,2}h\d{2}\b"), True),
    (_c("body", "equals", "Bonjour, voici le lot à faire pour 14h30.", True), True),
    # sender, sender_domain, to, cc
    # `sender` is the parsed, lower-cased address, as the old router compared it.
    (_c("sender", "equals", "planning@media-solution.example"), True),
    (_c("sender", "equals", "planning@media-solution.example", True), True),
    (_c("sender", "starts_with", "planning media"), False),
    (_c("sender", "contains", "Planning@Media", True), False),
    # `sender_header` is the raw From header.
    (_c("sender_header", "contains", "planning@media-solution.example"), True),
    (_c("sender_header", "starts_with", "planning media"), True),
    (_c("sender_header", "contains", "Planning@Media", True), True),
    (_c("sender_domain", "equals", "MEDIA-SOLUTION.example"), True),
    (_c("sender_domain", "equals", "MEDIA-SOLUTION.example", True), False),
    (_c("sender_domain", "ends_with", ".example"), True),
    (_c("sender_domain", "in", ["partner.example", "media-solution.example"]), True),
    (_c("to", "contains", "boss@relais.example"), True),
    (_c("to", "not_contains", "boss@relais.example"), False),
    (_c("cc", "equals", ""), True),
    (_c("cc", "contains", "x"), False),
    (_c("cc", "not_contains", "x"), True),
    # detector
    (_c("detector", "equals", "recadrage"), True),
    (_c("detector", "in", ["desabonnement_journee_tarifs"]), False),
    (_c("detector", "not_equals", "desabonnement_journee_tarifs"), True),
    # headers: names case-insensitive; a missing header is empty
    (_c("header:X-Mailer", "starts_with", "outlook"), True),
    (_c("header:x-mailer", "contains", "16"), True),
    (_c("header:X-MAILER", "regex", r"^Outlook \d+$", True), True),
    (_c("header:List-Id", "equals", ""), True),
    (_c("header:List-Id", "contains", "news"), False),
    (_c("header:List-Id", "not_contains", "news"), True),
]

MULTI_CASES = [
    (_c("label", "equals", "inbox"), True),
    (_c("label", "equals", "INBOX", True), True),
    (_c("label", "equals", "inbox", True), False),
    (_c("label", "not_equals", "INBOX"), False),  # one label is INBOX
    (_c("label", "not_equals", "SPAM"), True),  # none is SPAM
    (_c("label", "contains", "transferer"), True),
    (_c("label", "not_contains", "transferer"), False),
    (_c("label", "starts_with", "a_"), True),
    (_c("label", "ends_with", "webhook"), True),
    (_c("label", "not_ends_with", "box"), False),
    (_c("label", "regex", r"^A_[A-Z_]+$", True), True),
    (_c("label", "not_regex", r"^SPAM$"), True),
    (_c("label", "in", ["SPAM", "INBOX"]), True),
    (_c("label", "not_in", ["SPAM", "TRASH"]), True),
    (_c("label", "not_in", ["INBOX"]), False),
    (_c("link_provider", "equals", "dropbox"), True),
    (_c("link_provider", "equals", "fromsmash"), False),
    (_c("link_provider", "not_equals", "fromsmash"), True),
    (_c("link_provider", "not_equals", "dropbox"), False),
    (_c("link_provider", "in", ["fromsmash", "wetransfer"]), True),
    (_c("link_provider", "not_in", ["fromsmash", "swisstransfer"]), True),
]

BOOLEAN_CASES = [
    (_c("has_links", "equals", True), True),
    (_c("has_links", "equals", False), False),
    (_c("has_links", "not_equals", True), False),
    (_c("has_links", "not_equals", False), True),
    (_c("has_attachments", "equals", True), True),
    (_c("has_attachments", "equals", False), False),
    (_c("has_attachments", "not_equals", True), False),
    (_c("has_attachments", "not_equals", False), True),
]


def _case_id(case: tuple[dict[str, Any], bool]) -> str:
    condition, expected = case
    sensitivity = "-cs" if condition["case_sensitive"] else ""
    return f"{condition['field']}-{condition['operator']}{sensitivity}-{expected}"


@pytest.mark.parametrize(("condition", "expected"), TEXT_CASES, ids=map(_case_id, TEXT_CASES))
def test_text_fields(condition: dict[str, Any], expected: bool) -> None:
    assert _holds(condition) is expected


@pytest.mark.parametrize(("condition", "expected"), MULTI_CASES, ids=map(_case_id, MULTI_CASES))
def test_multi_valued_fields(condition: dict[str, Any], expected: bool) -> None:
    assert _holds(condition) is expected


@pytest.mark.parametrize(("condition", "expected"), BOOLEAN_CASES, ids=map(_case_id, BOOLEAN_CASES))
def test_boolean_fields(condition: dict[str, Any], expected: bool) -> None:
    assert _holds(condition) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (_c("label", "equals", "INBOX"), False),
        (_c("label", "not_equals", "INBOX"), True),
        (_c("label", "not_in", ["INBOX"]), True),
        (_c("link_provider", "equals", "dropbox"), False),
        (_c("link_provider", "not_contains", "drop"), True),
        (_c("has_links", "equals", False), True),
        (_c("has_attachments", "equals", False), True),
        (_c("detector", "equals", ""), True),
        (_c("detector", "not_equals", "recadrage"), True),
    ],
)
def test_fields_of_an_email_without_labels_links_attachments_or_detector(
    condition: dict[str, Any], expected: bool
) -> None:
    assert _holds(condition, normalized=email(), links=[], detector=None) is expected


def test_the_plain_body_is_matched_too() -> None:
    normalized = email(body="<p>HTML</p>", plain_body="texte brut seulement")
    assert _holds(_c("body", "contains", "texte brut"), normalized=normalized)


def test_all_needs_every_condition_and_reports_the_first_failure() -> None:
    (entry,) = _decide(
        [_rule("r", [_c("subject", "contains", "lot"), _c("body", "contains", "nope")])]
    ).trace
    assert (entry.matched, entry.failed_condition) == (False, 1)
    assert entry.reason == "condition 1 (body contains) did not match"
    assert entry.why == {"code": "condition_failed", "condition": 1}


def test_any_needs_one_condition() -> None:
    (entry,) = _decide(
        [
            _rule(
                "r", [_c("body", "contains", "nope"), _c("subject", "contains", "lot")], match="any"
            )
        ]
    ).trace
    assert (entry.matched, entry.failed_condition) == (True, None)
    assert entry.reason == "condition 1 (subject contains) matched"
    assert entry.why == {"code": "condition_matched", "condition": 1}


def test_all_conditions_holding() -> None:
    (entry,) = _decide(
        [_rule("r", [_c("subject", "contains", "lot"), _c("body", "contains", "bonjour")])]
    ).trace
    assert (entry.matched, entry.failed_condition) == (True, None)
    assert entry.reason == "all 2 conditions matched"
    assert entry.why == {"code": "all_matched", "count": 2}


def test_any_with_no_condition_holding() -> None:
    (entry,) = _decide(
        [_rule("r", [_c("body", "contains", "nope"), _c("subject", "contains", "no")], match="any")]
    ).trace
    assert (entry.matched, entry.failed_condition) == (False, 0)
    assert entry.reason == "none of 2 conditions matched"
    assert entry.why == {"code": "none_matched", "count": 2}


def test_stop_ends_evaluation() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "lot")], actions={"stop": True}),
            _rule("b", [_c("subject", "contains", "lot")]),
        ]
    )
    assert decision.targets == ("t-a",)
    assert decision.matched_rules == ("a",)
    assert decision.trace[1].skipped == "after_stop"
    assert decision.trace[1].matched is False


def test_a_rule_that_does_not_match_does_not_stop() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "nope")], actions={"stop": True}),
            _rule("b", [_c("subject", "contains", "lot")]),
        ]
    )
    assert decision.matched_rules == ("b",)


def test_continue_lets_later_rules_add_targets_once_each_in_order() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "lot")], actions={"targets": ["x", "y"]}),
            _rule("b", [_c("subject", "contains", "nope")], actions={"targets": ["z"]}),
            _rule("c", [_c("body", "contains", "bonjour")], actions={"targets": ["y", "w", "x"]}),
        ]
    )
    assert decision.targets == ("x", "y", "w")
    assert decision.matched_rules == ("a", "c")
    assert decision.used_default is False


def test_disabled_rules_are_skipped() -> None:
    decision = _decide(
        [_rule("a", [_c("subject", "contains", "lot")], enabled=False)],
        default_route={"targets": ["d"]},
    )
    assert decision.trace[0].skipped == "disabled"
    assert decision.targets == ("d",)


def test_highest_priority_of_the_matched_rules() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "lot")]),
            _rule("b", [_c("subject", "contains", "lot")], actions={"priority": "high"}),
            _rule("c", [_c("subject", "contains", "nope")], actions={"priority": "high"}),
        ]
    )
    assert decision.priority == "high"


def test_normal_priority_when_no_matched_rule_is_high() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "lot")]),
            _rule("c", [_c("subject", "contains", "nope")], actions={"priority": "high"}),
        ]
    )
    assert decision.priority == "normal"


def test_window_policy_of_the_first_matched_rule_that_sets_one() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "nope")], actions={"window_policy": "drop"}),
            _rule("b", [_c("subject", "contains", "lot")]),
            _rule("c", [_c("subject", "contains", "lot")], actions={"window_policy": "send"}),
            _rule("d", [_c("subject", "contains", "lot")], actions={"window_policy": "hold"}),
        ]
    )
    assert decision.window_policy == "send"


def test_default_route_to_its_own_targets() -> None:
    ruleset = RuleSet.model_validate(
        {
            "rules": [_rule("a", [_c("subject", "contains", "nope")])],
            "default_route": {"targets": ["d"]},
        }
    )
    decision = evaluate(compile_rules(ruleset), SAMPLE, LINKS, None, default_targets=["caller"])
    assert (decision.targets, decision.used_default, decision.dropped) == (("d",), True, False)


def test_default_route_to_the_callers_default_targets() -> None:
    ruleset = RuleSet.model_validate({"rules": []})
    decision = evaluate(compile_rules(ruleset), SAMPLE, LINKS, None, default_targets=["c1", "c2"])
    assert (decision.targets, decision.used_default, decision.dropped) == (
        ("c1", "c2"),
        True,
        False,
    )


def test_default_route_drop() -> None:
    decision = _decide(
        [_rule("a", [_c("subject", "contains", "nope")])], default_route={"action": "drop"}
    )
    assert (decision.targets, decision.used_default, decision.dropped) == ((), True, True)


def test_trace_is_json_and_covers_every_rule() -> None:
    decision = _decide(
        [
            _rule("a", [_c("subject", "contains", "secret-value")]),
            _rule("b", [_c("subject", "contains", "lot")], actions={"stop": True}),
            _rule("c", [_c("subject", "contains", "lot")], enabled=False),
            _rule("d", [_c("subject", "contains", "lot")]),
        ]
    )
    document = json.loads(json.dumps(decision.to_dict()))
    assert document["trace"] == [
        {
            "rule_id": "a",
            "name": "A",
            "matched": False,
            "skipped": None,
            "failed_condition": 0,
            "reason": "condition 0 (subject contains) did not match",
            "why": {"code": "condition_failed", "condition": 0},
        },
        {
            "rule_id": "b",
            "name": "B",
            "matched": True,
            "skipped": None,
            "failed_condition": None,
            "reason": "condition 0 (subject contains) matched",
            "why": {"code": "condition_matched", "condition": 0},
        },
        {
            "rule_id": "c",
            "name": "C",
            "matched": False,
            "skipped": "disabled",
            "failed_condition": None,
            "reason": "rule disabled",
            "why": {"code": "disabled"},
        },
        {
            "rule_id": "d",
            "name": "D",
            "matched": False,
            "skipped": "after_stop",
            "failed_condition": None,
            "reason": "an earlier rule stopped evaluation",
            "why": {"code": "after_stop"},
        },
    ]
    assert "secret-value" not in json.dumps(document)


def test_decision_to_dict() -> None:
    decision = _decide(
        [_rule("b", [_c("subject", "contains", "lot")], actions={"priority": "high"})]
    )
    document = decision.to_dict()
    del document["trace"]
    assert document == {
        "targets": ["t-b"],
        "matched_rules": ["b"],
        "used_default": False,
        "dropped": False,
        "priority": "high",
        "window_policy": None,
    }


def test_compiled_rules_are_reusable_across_emails() -> None:
    ruleset = RuleSet.model_validate({"rules": [_rule("a", [_c("body", "contains", "bonjour")])]})
    compiled = compile_rules(ruleset)
    assert evaluate(compiled, SAMPLE, [], None).matched_rules == ("a",)
    assert evaluate(compiled, email(body="<p>Salut</p>"), [], None).matched_rules == ()
    assert evaluate(compiled, SAMPLE, [], None).matched_rules == ("a",)


def test_conditions_sharing_a_pattern() -> None:
    decision = _decide(
        [
            _rule("a", [_c("body", "contains", "Bonjour")]),
            _rule("b", [_c("body", "not_contains", "bonjour")]),
            _rule("c", [_c("body", "contains", "BONJOUR")]),
        ]
    )
    assert decision.matched_rules == ("a", "c")


REGEX_TEXT = (
    "<p>Commande ALPHA-12 livrée le 21/11/2026, lot #4521 prêt. Contact: ops@relais.example</p>"
)
REGEX_CASES = [
    (r"alpha-\d+", False, True),
    (r"ALPHA-\d{3}", True, False),
    (r"lot\s*#?\d{3,5}\s+prêt", False, True),
    (r"lot\s*#?\d{3,5}\s+pret", False, False),
    (r"(?:beta|gamma)-\d+", False, False),
    (r"(?:alpha|gamma)-\d+", False, True),
    (r"\d{2}/\d{2}/\d{4}", False, True),
    (r"[a-z]+@relais\.example$", False, True),
    (r"^commande", False, True),
    (r"^livrée", False, False),
    (r"livrée?\s+le", False, True),
    (r"livr(ée|e)s?\b", False, True),
    (r"lots? #", False, True),
    (r"x*lot", False, True),
    (r"lo{0}t", False, False),
    (r"contact:\s", False, True),
    (r"\x{41}LPHA", True, True),
    (r"\QALPHA-12\E", True, True),
    (r"[[:upper:]]{5}-12", True, True),
    (r"Contact|absent", False, True),
    (r"a.c", False, False),
]


@pytest.mark.parametrize(("pattern", "case_sensitive", "expected"), REGEX_CASES)
def test_regexes_with_and_without_usable_literals(
    pattern: str, case_sensitive: bool, expected: bool
) -> None:
    normalized = email(body=REGEX_TEXT)
    assert _holds(_c("body", "regex", pattern, case_sensitive), normalized=normalized) is expected


def test_many_candidate_regexes_answered_together() -> None:
    # More regexes have their literal present than are searched one by one.
    count = matching.MAX_SINGLE_SEARCHES + 4
    rules = [_rule(f"r{i}", [_c("body", "regex", rf"alpha-{i}\b")]) for i in range(count)]
    normalized = email(body="<p>" + " ".join(f"alpha-{i}" for i in range(0, count, 2)) + "</p>")
    decision = _decide(rules, normalized=normalized)
    assert decision.matched_rules == tuple(f"r{i}" for i in range(0, count, 2))


def test_a_set_too_big_for_re2_falls_back_to_searching_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matching, "SET_MAX_MEM", 1 << 10)
    rules = [
        _rule("a", [_c("body", "contains", "bonjour")]),
        _rule("b", [_c("body", "regex", r"\d+h\d+")]),
        _rule("c", [_c("body", "contains", "absent")]),
    ]
    assert _decide(rules).matched_rules == ("a", "b")


class _SilentSet:
    """An RE2 Set whose DFA gave up: it answers nothing, not even the sentinel."""

    def Match(self, text: bytes) -> None:
        return None


def test_a_set_that_answers_nothing_falls_back_to_searching_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matching, "_compiled_set", lambda patterns: _SilentSet())
    rules = [
        _rule("a", [_c("body", "contains", "bonjour")]),
        _rule("b", [_c("body", "regex", r"\d+h\d+")]),
        _rule("c", [_c("body", "not_contains", "absent")]),
        _rule("d", [_c("body", "contains", "absent")]),
    ]
    assert _decide(rules).matched_rules == ("a", "b", "c")


def test_rules_saved_before_the_format_keep_their_meaning() -> None:
    from email_processing.rules.models import migrate_ruleset

    stored = {
        "rules": [
            {
                "id": "old",
                "conditions": [
                    {"field": "sender", "operator": "starts_with", "value": "planning media"},
                    {"field": "subject", "operator": "contains", "value": "Lot"},
                ],
                "actions": {"targets": ["make"]},
            }
        ]
    }
    migrated = RuleSet.model_validate(migrate_ruleset(stored))
    fields = [c.field for c in migrated.rules[0].conditions]
    assert (migrated.format, fields) == (2, ["sender_header", "subject"])
    assert migrate_ruleset(migrated.model_dump()) == migrated.model_dump()  # once only
