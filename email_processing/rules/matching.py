"""Condition matching: every text pattern of one field view answered by one RE2 Set pass.

A condition on a text field becomes an RE2 pattern ("atom") on a *view* of that field:
the folded view (accents and case removed, for case-insensitive literal operators) or the
exact view (whitespace collapsed only, for regexes and case-sensitive operators). All atoms
of one view go into one `re2.Set`, so a 50 KB body is scanned once per view, not once per
condition. Each Set carries an always-matching sentinel: a Set whose DFA ran out of memory
answers nothing, and then the atoms are searched one by one (same answers, slower).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from email_processing.detectors.base import DetectorMatch
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail, collapse, collapse_runs, fold, fold_chars
from email_processing.rules.models import (
    HEADER_PREFIX,
    Condition,
    is_header_field,
    quiet_options,
    split_operator,
)

ViewKey = tuple[str, bool]  # (field, folded)
SET_MAX_MEM = 64 << 20  # RE2 Set program + DFA cache budget per view
_SENTINEL = ""  # matches every text


def _literal_value(value: str, *, folded: bool, whole: bool) -> str:
    """A condition value in the form of the view it is compared with."""
    if folded:
        return fold(value) if whole else collapse_runs(fold_chars(value))
    return collapse(value) if whole else collapse_runs(value)


def atom_pattern(base: str, value: Any, *, folded: bool, case_sensitive: bool) -> str:
    """The RE2 pattern testing one positive operator on one view."""
    if base == "regex":
        return str(value) if case_sensitive else f"(?i:{value})"
    if base == "in":
        options = (_literal_value(item, folded=folded, whole=True) for item in value)
        return "^(?:" + "|".join(re2.escape(item) for item in options) + ")$"
    escaped = re2.escape(_literal_value(str(value), folded=folded, whole=base == "equals"))
    if base == "contains":
        return escaped
    if base == "starts_with":
        return "^" + escaped
    if base == "ends_with":
        return escaped + "$"
    return "^" + escaped + "$"  # equals


def view_of(condition: Condition) -> ViewKey:
    """Regexes and case-sensitive tests see the exact view; the rest the folded one."""
    base, _ = split_operator(condition.operator)
    folded = not condition.case_sensitive and base != "regex"
    return _field_key(condition.field), folded


def _field_key(name: str) -> str:
    """Header names are case-insensitive."""
    return name.lower() if is_header_field(name) else name


class ViewMatcher:
    """All atoms of one view, answered together."""

    def __init__(self, key: ViewKey) -> None:
        self.key = key
        self.patterns: list[str] = [_SENTINEL]
        self._index: dict[str, int] = {_SENTINEL: 0}
        self._set: Any = None
        self._one_by_one: list[Any] | None = None

    def add(self, pattern: str) -> int:
        """Index of the atom for `pattern` (shared by every condition using it)."""
        index = self._index.get(pattern)
        if index is None:
            index = self._index[pattern] = len(self.patterns)
            self.patterns.append(pattern)
        return index

    def compile(self) -> None:
        options = quiet_options()
        options.max_mem = SET_MAX_MEM
        regex_set = re2.Set.SearchSet(options)
        for pattern in self.patterns:
            regex_set.Add(pattern)
        regex_set.Compile()
        self._set = regex_set

    def _search_each(self, text: str) -> set[int]:
        if self._one_by_one is None:
            self._one_by_one = [re2.compile(pattern, quiet_options()) for pattern in self.patterns]
        return {index for index, regex in enumerate(self._one_by_one) if regex.search(text)}

    def hits(self, texts: Sequence[str]) -> frozenset[int]:
        """Atoms matching any of the texts (several for label, link_provider)."""
        found: set[int] = set()
        for text in texts:
            answer = self._set.Match(text)
            found.update(answer if answer else self._search_each(text))
        return frozenset(found)


def _raw_values(key: str, email: NormalizedEmail, context: EvaluationInput) -> tuple[str, ...]:
    """The values of a field, before view shaping."""
    if key.startswith(HEADER_PREFIX):
        return (email.headers.get(key[len(HEADER_PREFIX) :], ""),)
    if key == "label":
        return email.labels
    if key == "link_provider":
        return tuple(dict.fromkeys(link.provider for link in context.links))
    if key == "detector":
        return (context.detector.detector if context.detector else "",)
    value: str = getattr(email, key)
    return (value,)


# Views the normalised email already holds (the big ones: never recomputed).
_PRECOMPUTED: dict[ViewKey, Callable[[NormalizedEmail], str]] = {
    ("subject", False): lambda email: email.subject,
    ("subject", True): lambda email: email.subject_folded,
    ("body", False): lambda email: email.body_text,
    ("body", True): lambda email: email.body_folded,
}


@dataclass
class EvaluationInput:
    """One email, its links and detector result, with views and hits computed on demand."""

    email: NormalizedEmail
    links: Sequence[Link]
    detector: DetectorMatch | None
    _hits: dict[ViewKey, frozenset[int]] = field(default_factory=dict)

    def texts(self, key: ViewKey) -> tuple[str, ...]:
        """The strings a view holds for this email."""
        precomputed = _PRECOMPUTED.get(key)
        if precomputed is not None:
            return (precomputed(self.email),)
        shape = fold if key[1] else collapse
        return tuple(shape(value) for value in _raw_values(key[0], self.email, self))

    def hits(self, matcher: ViewMatcher) -> frozenset[int]:
        cached = self._hits.get(matcher.key)
        if cached is None:
            cached = self._hits[matcher.key] = matcher.hits(self.texts(matcher.key))
        return cached

    def flag(self, name: str) -> bool:
        return bool(self.links) if name == "has_links" else self.email.has_attachments


@dataclass(frozen=True)
class AtomCheck:
    """A text condition: its atom hit (or missed) on its view, negated for `not_`."""

    matcher: ViewMatcher
    atom: int
    negate: bool

    def holds(self, given: EvaluationInput) -> bool:
        return (self.atom in given.hits(self.matcher)) != self.negate


@dataclass(frozen=True)
class FlagCheck:
    """`has_links` / `has_attachments` equals true or false."""

    name: str
    expected: bool

    def holds(self, given: EvaluationInput) -> bool:
        return given.flag(self.name) == self.expected


Check = AtomCheck | FlagCheck


class Atoms:
    """Builds the view matchers while conditions are compiled."""

    def __init__(self) -> None:
        self.views: dict[ViewKey, ViewMatcher] = {}

    def check(self, condition: Condition) -> Check:
        base, negate = split_operator(condition.operator)
        if isinstance(condition.value, bool):
            return FlagCheck(condition.field, condition.value != negate)
        key = view_of(condition)
        matcher = self.views.get(key)
        if matcher is None:
            matcher = self.views[key] = ViewMatcher(key)
        pattern = atom_pattern(
            base, condition.value, folded=key[1], case_sensitive=condition.case_sensitive
        )
        return AtomCheck(matcher, matcher.add(pattern), negate)

    def compile(self) -> None:
        for matcher in self.views.values():
            matcher.compile()
