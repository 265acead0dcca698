"""The compiled rule set against a straightforward evaluation, on generated rules and emails.

The reference below evaluates each rule in order, each condition on its own, with Python
string operations on `normalize.fold`/`collapse` texts and one RE2 search per regex (its
case-insensitivity as an RE2 option, not the engine's `(?i:...)`): no Set, no prefilter,
no baseline. Decisions and traces (which condition matched or failed, what was skipped)
must be equal, on rule sets of every size, with the Sets whole, split by RE2's memory
budget, or giving up.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import chain
from typing import Any

import pytest
import re2

from email_processing.detectors import DetectorMatch
from email_processing.inbound import Attachment
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail, collapse, collapse_runs, fold, fold_chars
from email_processing.rules import Condition, Rule, RuleSet, compile_rules, evaluate, matching
from email_processing.rules.models import BOOLEAN_FIELDS, split_operator
from tests.unit.email_processing.helpers import email

# Words that fold together or apart: case, accents (precomposed and combining), the
# capital sigma, ligatures, dotted I, Kelvin sign, sharp s.
WORDS = (
    "alpha", "Alpha", "ALPHA", "été", "Été", "ete", "e\u0301te\u0301", "straße", "STRASSE",
    "Σοφία", "ΣΟΦΙΑ", "σοφια", "naïve", "naive", "\ufb01n", "fin", "lot", "Lot", "4521",
    "14h30", "İstanbul", "istanbul", "\u212aelvin", "kelvin", "café", "CAFÉ", "ok", "x",
    "media-solution", "planning@media-solution.example", "ǅemal", "a_b", "ﬀ", "한국",
)  # fmt: skip
SEPARATORS = (" ", " ", " ", "  ", "\t", "\n", "<br>", "</p><p>", "<b>", "</b>", "&nbsp;", ", ")
REGEX_SHAPES = (
    "{w}", r"\b{w}\b", "^{w}", "{w}$", r"{w}\s+\d+", "(?:{w}|{v})", "{w}.{{0,30}}{v}",
    r"[a-z]+{w}", "(?i){w}", r"\d{{2}}h\d{{2}}", r"\pL+", "^$", ".", "{w}|{v}", r"\w{{2,40}}{w}",
    r"(?:{w}\W+){{1,3}}{v}", r"{w}\d*", "[[:upper:]]{{2}}", r"\Q{w}\E",
)  # fmt: skip
TEXT_FIELDS = (
    "body", "body", "body", "subject", "subject", "sender", "sender_header", "sender_domain",
    "to", "cc", "detector", "label", "link_provider", "header:X-Tag", "header:x-missing",
)  # fmt: skip
OPERATORS = (
    "equals", "contains", "starts_with", "ends_with", "regex", "in",
    "not_equals", "not_contains", "not_starts_with", "not_ends_with", "not_regex", "not_in",
)  # fmt: skip
PROVIDERS = ("dropbox", "wetransfer", "fromsmash", "Dropbox")


# --- the reference evaluation --------------------------------------------------------


def _raw_values(
    name: str, given: NormalizedEmail, links: Sequence[Link], detector: DetectorMatch | None
) -> tuple[str, ...]:
    if name.startswith("header:"):
        return (given.headers.get(name[len("header:") :].lower(), ""),)
    if name == "label":
        return given.labels
    if name == "link_provider":
        return tuple({link.provider: None for link in links})
    if name == "detector":
        return (detector.detector if detector else "",)
    attribute = {"sender": "sender_email", "sender_header": "sender", "body": "body_text"}
    return (getattr(given, attribute.get(name, name)),)


def _positive(base: str, value: Any, text: str, *, folded: bool, case_sensitive: bool) -> bool:
    if base == "regex":
        options = re2.Options()
        options.case_sensitive = case_sensitive
        return re2.compile(value, options).search(text) is not None
    whole = fold if folded else collapse
    part = (lambda v: collapse_runs(fold_chars(v))) if folded else collapse_runs
    if base == "in":
        return text in {whole(item) for item in value}
    if base == "equals":
        return text == whole(value)
    if base == "contains":
        return part(value) in text
    if base == "starts_with":
        return text.startswith(part(value))
    return text.endswith(part(value))


def _holds(
    condition: Condition,
    given: NormalizedEmail,
    links: Sequence[Link],
    detector: DetectorMatch | None,
) -> bool:
    base, negate = split_operator(condition.operator)
    if condition.field in BOOLEAN_FIELDS:
        actual = bool(links) if condition.field == "has_links" else given.has_attachments
        return (actual == condition.value) != negate
    folded = base != "regex" and not condition.case_sensitive
    texts = [
        fold(value) if folded else collapse(value)
        for value in _raw_values(condition.field, given, links, detector)
    ]
    found = any(
        _positive(
            base, condition.value, text, folded=folded, case_sensitive=condition.case_sensitive
        )
        for text in texts
    )
    return found != negate


def _rule_entry(rule: Rule, truths: list[bool]) -> dict[str, Any]:
    count = len(truths)
    entry: dict[str, Any] = {"rule_id": rule.id, "name": rule.name, "skipped": None}
    if rule.match == "all":
        failing = next((i for i, truth in enumerate(truths) if not truth), None)
        if failing is not None:
            why = {"code": "condition_failed", "condition": failing}
            return entry | {"matched": False, "failed_condition": failing, "why": why}
        why = {"code": "all_matched", "count": count}
        if count == 1:
            why = {"code": "condition_matched", "condition": 0}
        return entry | {"matched": True, "failed_condition": None, "why": why}
    holding = next((i for i, truth in enumerate(truths) if truth), None)
    if holding is not None:
        why = {"code": "condition_matched", "condition": holding}
        return entry | {"matched": True, "failed_condition": None, "why": why}
    why = {"code": "none_matched", "count": count}
    if count == 1:
        why = {"code": "condition_failed", "condition": 0}
    return entry | {"matched": False, "failed_condition": 0, "why": why}


def reference(
    ruleset: RuleSet,
    given: NormalizedEmail,
    links: Sequence[Link],
    detector: DetectorMatch | None,
    default_targets: Sequence[str],
) -> dict[str, Any]:
    """The decision, rule by rule and condition by condition (trace without `reason`)."""
    trace: list[dict[str, Any]] = []
    matched: list[Rule] = []
    stopped = False
    for rule in ruleset.rules:
        skipped = "disabled" if not rule.enabled else "after_stop" if stopped else None
        if skipped is not None:
            trace.append(
                {
                    "rule_id": rule.id,
                    "name": rule.name,
                    "matched": False,
                    "skipped": skipped,
                    "failed_condition": None,
                    "why": {"code": skipped},
                }
            )
            continue
        truths = [_holds(c, given, links, detector) for c in rule.conditions]
        entry = _rule_entry(rule, truths)
        trace.append(entry)
        if entry["matched"]:
            matched.append(rule)
            stopped = rule.actions.stop
    if matched:
        policies = [r.actions.window_policy for r in matched if r.actions.window_policy]
        return {
            "targets": list(dict.fromkeys(chain.from_iterable(r.actions.targets for r in matched))),
            "matched_rules": [r.id for r in matched],
            "used_default": False,
            "dropped": False,
            "priority": "high" if any(r.actions.priority == "high" for r in matched) else "normal",
            "window_policy": policies[0] if policies else None,
            "trace": trace,
        }
    route = ruleset.default_route
    dropped = route.action == "drop"
    targets = [] if dropped else list(dict.fromkeys(route.targets or default_targets))
    return {
        "targets": targets,
        "matched_rules": [],
        "used_default": True,
        "dropped": dropped,
        "priority": "normal",
        "window_policy": None,
        "trace": trace,
    }


# --- generators ----------------------------------------------------------------------


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def _phrase(rng: random.Random, words: int) -> str:
    return "".join(_word(rng) + rng.choice((" ", " ", "  ", "-", "")) for _ in range(words))


def _value(rng: random.Random, base: str) -> Any:
    if base == "regex":
        shape = rng.choice(REGEX_SHAPES)
        return shape.format(w=re2.escape(_word(rng)), v=re2.escape(_word(rng)))
    if base == "in":
        return [_phrase(rng, rng.randint(1, 2)).strip() for _ in range(rng.randint(1, 4))]
    choice = rng.random()
    if choice < 0.05:
        return ""
    if choice < 0.15:
        return " " + _word(rng) + rng.choice(("", " ", "\t"))
    return _phrase(rng, rng.randint(1, 2)).rstrip() if rng.random() < 0.8 else _word(rng)


def _condition(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.08:
        return {
            "field": rng.choice(BOOLEAN_FIELDS),
            "operator": rng.choice(("equals", "not_equals")),
            "value": rng.random() < 0.5,
        }
    operator = rng.choice(OPERATORS)
    base, _ = split_operator(operator)
    return {
        "field": rng.choice(TEXT_FIELDS),
        "operator": operator,
        "value": _value(rng, base),
        "case_sensitive": rng.random() < 0.25,
    }


def ruleset(rng: random.Random, count: int) -> RuleSet:
    rules = []
    for index in range(count):
        enabled = rng.random() < 0.9
        actions: dict[str, Any] = {
            "targets": [f"t{rng.randrange(5)}"] if enabled or rng.random() < 0.5 else [],
            "stop": rng.random() < 0.15,
            "priority": "high" if rng.random() < 0.1 else "normal",
            "window_policy": rng.choice((None, None, None, "hold", "drop", "send")),
        }
        rules.append(
            {
                "id": f"r{index}",
                "name": f"rule {index}",
                "enabled": enabled,
                "match": rng.choice(("all", "all", "any")),
                "conditions": [_condition(rng) for _ in range(rng.choice((1, 1, 2, 3, 4)))],
                "actions": actions,
            }
        )
    route = rng.choice(
        (
            {"action": "default_targets", "targets": []},
            {"action": "default_targets", "targets": ["t9", "t9", "t1"]},
            {"action": "drop"},
        )
    )
    return RuleSet.model_validate({"rules": rules, "default_route": route})


def _text(rng: random.Random, words: int) -> str:
    return "".join(_word(rng) + rng.choice(SEPARATORS) for _ in range(words))


def generated_email(
    rng: random.Random, body_words: int
) -> tuple[NormalizedEmail, list[Link], DetectorMatch | None]:
    given = email(
        subject=_text(rng, rng.randint(0, 6)).replace("<", " "),
        sender=f"{_word(rng)} <{rng.choice(('planning', 'Ops', 'été'))}@"
        f"{rng.choice(('media-solution', 'Partner', 'x'))}.example>",
        body="<div>" + _text(rng, body_words) + "</div>",
        plain_body=_text(rng, rng.randint(1, 8)) if rng.random() < 0.3 else None,
        to=_text(rng, rng.randint(0, 3)).replace("<", " ") or None,
        cc=rng.choice((None, "", _word(rng))),
        labels=rng.sample(("INBOX", "A_TRANSFERER", "été", "Lot"), rng.randint(0, 3)),
        headers={"X-Tag": _phrase(rng, 2)} if rng.random() < 0.7 else {},
        attachments=[Attachment(name="a.pdf", size=1)] if rng.random() < 0.3 else [],
    )
    links = [
        Link(rng.choice(PROVIDERS), f"https://files.example/{i}") for i in range(rng.randint(0, 3))
    ]
    detector = rng.choice((None, DetectorMatch("recadrage"), DetectorMatch("Lot")))
    return given, links, detector


def _without_reasons(decision: dict[str, Any]) -> dict[str, Any]:
    trace = [{k: v for k, v in entry.items() if k != "reason"} for entry in decision["trace"]]
    return decision | {"trace": trace}


def _check(seed: int, rules: int, emails: int, body_words: int) -> None:
    rng = random.Random(seed)
    document = ruleset(rng, rules)
    compiled = compile_rules(document)
    for _ in range(emails):
        given, links, detector = generated_email(rng, body_words)
        defaults = rng.choice(((), ("d1", "d2")))
        expected = reference(document, given, links, detector, defaults)
        decision = evaluate(compiled, given, links, detector, default_targets=defaults)
        assert _without_reasons(decision.to_dict()) == expected, f"seed {seed}"


# --- the tests -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_compiled_rules_decide_as_a_rule_by_rule_evaluation(seed: int) -> None:
    _check(seed, rules=random.Random(seed).choice((0, 1, 2, 5, 12, 40)), emails=8, body_words=60)


def test_an_empty_rule_set_takes_the_default_route() -> None:
    _check(1000, rules=0, emails=5, body_words=20)


def test_a_thousand_rules_on_long_bodies() -> None:
    _check(2000, rules=1000, emails=6, body_words=4000)


@pytest.mark.parametrize("seed", range(3000, 3012))
def test_sets_split_by_the_memory_budget_decide_the_same(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A budget that takes a few patterns per Set: RE2 refuses the whole, the halves are
    # tried, down to single patterns searched alone.
    monkeypatch.setattr(matching, "SET_MAX_MEM", 1 << 14)
    _check(seed, rules=30, emails=6, body_words=80)


class _GivingUpSet:
    """An RE2 Set whose DFA ran out of memory on the text: it answers nothing."""

    def Match(self, text: bytes) -> None:
        return None


@pytest.mark.parametrize("seed", range(4000, 4006))
def test_sets_that_give_up_decide_the_same(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "_compiled_set", lambda patterns: _GivingUpSet())
    _check(seed, rules=30, emails=6, body_words=80)


def test_rules_read_the_folded_body_the_email_holds() -> None:
    rules = RuleSet.model_validate(
        {
            "rules": [
                {
                    "id": "r",
                    "conditions": [{"field": "body", "operator": "contains", "value": "ETE"}],
                    "actions": {"targets": ["t"]},
                }
            ]
        }
    )
    given = email(body="<p>Un été</p>")
    assert given.body_folded == "un ete"  # computed now, as a detector would
    object.__setattr__(given, "body_folded", "un hiver")  # what the email says it is
    assert evaluate(compile_rules(rules), given, [], None).matched_rules == ()
