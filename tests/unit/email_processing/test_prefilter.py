"""The regex prefilter: required literals, and never a missed match because of them."""

from __future__ import annotations

import itertools

import pytest
import re2

from email_processing.normalize import collapse
from email_processing.rules import RuleSet, compile_rules, evaluate
from email_processing.rules.prefilter import required_literals
from tests.unit.email_processing.helpers import email


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        ("facture", ("facture",)),
        ("Facture N°", ("Facture N°",)),
        (r"lot\s*#?\d{3,5}\s+prêt", ("lot", "prêt")),
        (r"\bMedia Solution\b", ("Media Solution",)),
        (r"factures?", ("facture",)),
        (r"factures*x", ("facture",)),
        (r"facturex{0,2}", ("facture",)),
        (r"facturee{2}", ("facturee",)),
        (r"factur+e", ("factur",)),
        (r"abc.def", ("abc", "def")),
        (r"^abc$", ("abc",)),
        (r"abc\.def", ("abc.def",)),
        (r"abc[xyz]def", ("abc", "def")),
        (r"abc[]x]def", ("abc", "def")),
        (r"abc[^]x]def", ("abc", "def")),
        (r"abc[[:alpha:]]def", ("abc", "def")),
        (r"abc(?:x|y)def", ("abc", "def")),
        (r"abc(x(y)z)?def", ("abc", "def")),
        (r"(?i)abc", ("abc",)),
        (r"abc{x", ("abc{x",)),
        (r"abc+?def", ("abc", "def")),
        (r"ab", ()),  # too short to be worth it
        (r"abc|def", ()),  # top-level alternation
        (r"\x{41}BC", ()),  # escapes not vouched for
        (r"\QABC\E", ()),
        (r"\pLabc", ()),
        (r"abc\1", ()),
        ("abc\\", ()),
    ],
)
def test_required_literals(pattern: str, literals: tuple[str, ...]) -> None:
    assert required_literals(pattern) == literals


PATTERNS = [
    r"lot\s*#?\d{3,5}",
    r"factures?\b",
    r"fa(c|k)ture",
    r"\bprêt\b",
    r"pr[eê]t",
    r"ALPHA-\d+",
    r"(?i)alpha-\d+",
    r"^Bonjour",
    r"merci\.?$",
    r"abc{2}d",
    r"x*yz+w",
    r"MÉDIA",
    r"straße",
    r"[[:upper:]]{3,}",
    r"colou?r",
    r"a{0}bcd",
]
TEXTS = [
    "Bonjour, le lot #4521 est prêt. Merci.",
    "FACTURES et factures, ALPHA-7, abccd, yzzw",
    "MÉDIA média Media STRASSE Straße, colour color, bcd",
    "rien du tout",
    "Lot 12 prêt, fakture, xxyzw, ALPHA-",
]


@pytest.mark.parametrize(
    ("pattern", "case_sensitive"), list(itertools.product(PATTERNS, (False, True)))
)
def test_the_engine_agrees_with_a_plain_search(pattern: str, case_sensitive: bool) -> None:
    condition = {
        "field": "body",
        "operator": "regex",
        "value": pattern,
        "case_sensitive": case_sensitive,
    }
    rule = {"id": "r", "conditions": [condition], "actions": {"targets": ["t"]}}
    compiled = compile_rules(RuleSet.model_validate({"rules": [rule]}))
    options = re2.Options()
    options.case_sensitive = case_sensitive
    regex = re2.compile(pattern, options)
    for text in TEXTS:
        expected = regex.search(collapse(text)) is not None
        decision = evaluate(compiled, email(body=f"<p>{text}</p>"), [], None)
        assert decision.trace[0].matched is expected, text
