"""Condition matching: the conditions on one field view answered together, in one pass.

A condition on a text field becomes an RE2 pattern ("atom") on a *view* of that field:
the folded view (accents and case removed, for case-insensitive literal operators) or the
exact view (whitespace collapsed only, for regexes and case-sensitive operators).

- Literal tests (equals, contains, starts/ends_with, in) of a view share one `re2.Set`,
  so a 50 KB body is scanned once per view, not once per condition.
- A regex is searched only when the literals every match of it must contain are present
  (`prefilter`); those literals ride in the same Set. Few candidates are searched one by
  one, many in one Set pass; regexes with no usable literal share a Set of their own.
- Every Set carries an always-matching sentinel: a Set whose DFA gave up answers nothing,
  and then its patterns are searched one by one (same answers, slower). A Set RE2 refuses
  to build (too big) is searched one by one too.

Per email, each view's answer is written into one flat list of booleans holding, for
every atom, "hit" then "missed"; a condition is one index into it (`not_` picks "missed"),
so evaluating a rule is a few list lookups. Views are answered lazily, in the order the
rules first need them, so a rule that stops early spares the later scans.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import re2

from email_processing.detectors.base import DetectorMatch
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail, collapse, collapse_runs, fold, fold_chars
from email_processing.rules.models import (
    BOOLEAN_FIELDS,
    HEADER_PREFIX,
    Condition,
    is_header_field,
    quiet_options,
    split_operator,
)
from email_processing.rules.prefilter import required_literals

ViewKey = tuple[str, bool]  # (field, folded)
SET_MAX_MEM = 64 << 20  # RE2 Set program + DFA cache budget, per Set
SINGLE_MAX_MEM = 16 << 20  # one pattern searched alone (a long `in` list is one pattern)
MAX_SINGLE_SEARCHES = 8  # beyond this many candidate regexes, one Set pass is cheaper
_SENTINEL = "^"  # matches every text, once (an empty pattern would match at every byte: slower)


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
    name = condition.field
    return (name.lower() if is_header_field(name) else name), folded


class EmailInput:
    """One email, its links and detector result: the strings each view holds."""

    def __init__(
        self, email: NormalizedEmail, links: Sequence[Link], detector: DetectorMatch | None
    ) -> None:
        self.email = email
        self.links = links
        self.detector = detector

    def raw_values(self, name: str) -> tuple[str, ...]:
        """The values of a field, before view shaping."""
        if name.startswith(HEADER_PREFIX):
            return (self.email.headers.get(name[len(HEADER_PREFIX) :], ""),)
        if name == "label":
            return self.email.labels
        if name == "link_provider":
            return tuple(dict.fromkeys(link.provider for link in self.links))
        if name == "detector":
            return (self.detector.detector if self.detector else "",)
        value: str = getattr(self.email, _EMAIL_ATTRIBUTE.get(name, name))
        return (value,)

    def texts(self, key: ViewKey) -> tuple[bytes, ...]:
        """The view's strings, UTF-8 encoded once (RE2 would encode on every call)."""
        precomputed = _PRECOMPUTED.get(key)
        if precomputed is not None:
            return (precomputed(self.email).encode(),)
        shape = fold if key[1] else collapse
        return tuple(shape(value).encode() for value in self.raw_values(key[0]))


# Rule fields named otherwise on the normalised email.
_EMAIL_ATTRIBUTE = {"sender": "sender_email", "sender_header": "sender"}

# Views the normalised email already holds (the big ones: never recomputed).
_PRECOMPUTED: dict[ViewKey, Callable[[NormalizedEmail], str]] = {
    ("subject", False): lambda email: email.subject,
    ("subject", True): lambda email: email.subject_folded,
    ("body", False): lambda email: email.body_text,
    ("body", True): lambda email: email.body_folded,
}


def _options(max_mem: int) -> Any:
    options = quiet_options()
    options.max_mem = max_mem
    return options


def _compiled_set(patterns: list[str]) -> Any:
    """An RE2 Set of the sentinel then `patterns`; None when RE2 refuses it (too big)."""
    regex_set = re2.Set.SearchSet(_options(SET_MAX_MEM))
    try:
        for pattern in (_SENTINEL, *patterns):
            regex_set.Add(pattern)
        regex_set.Compile()
    except re2.error:
        return None
    return regex_set


class _PatternSet:
    """Patterns answered by one RE2 Set pass, or one by one if RE2 cannot build or run it."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = patterns
        self._set = _compiled_set(patterns)
        self._one_by_one: list[Any] | None = None

    def match(self, text: bytes) -> list[int]:
        """Indexes (into `patterns`) of the patterns found in `text`."""
        if self._set is not None:
            answer = self._set.Match(text)
            if answer:  # never empty when the DFA ran: the sentinel always matches
                return [index - 1 for index in answer if index]
        if self._one_by_one is None:
            options = _options(SINGLE_MAX_MEM)
            self._one_by_one = [re2.compile(pattern, options) for pattern in self.patterns]
        return [
            index for index, regex in enumerate(self._one_by_one) if regex.search(text) is not None
        ]


@dataclass(frozen=True)
class _FilteredRegex:
    atom: int  # the regex's atom number in the view
    regex: Any  # compiled RE2 pattern
    needs: frozenset[int]  # literal-set indexes that must all be present


class TextView:
    """All atoms of one field view.

    Literal tests and the literals regexes require share one RE2 Set (cheap on any text);
    a regex runs on its own only when its literals are all there. Regexes with no usable
    literal share a second Set.
    """

    def __init__(self, key: ViewKey) -> None:
        self.key = key
        self._atoms: dict[tuple[str, bool], int] = {}  # (pattern, is_regex) -> atom
        self._literal_atoms: list[tuple[str, int]] = []
        self._regex_atoms: list[tuple[str, str, int]] = []  # (pattern, source, atom)

    @property
    def size(self) -> int:
        return len(self._atoms)

    def add(self, pattern: str, *, regex_source: str | None = None) -> int:
        """Atom number for a pattern (shared by every condition using it).

        `regex_source` is the user's regex when `pattern` is one (it may wrap it in
        `(?i:...)`); None for a literal test built here.
        """
        is_regex = regex_source is not None
        atom = self._atoms.get((pattern, is_regex))
        if atom is None:
            atom = self._atoms[(pattern, is_regex)] = len(self._atoms)
            if regex_source is None:
                self._literal_atoms.append((pattern, atom))
            else:
                self._regex_atoms.append((pattern, regex_source, atom))
        return atom

    def _literal(self, pattern: str, atom: int) -> int:
        """Position of a pattern in the literal Set (atom -1: a prefilter literal)."""
        index = self._literal_index.get(pattern)
        if index is None:
            index = self._literal_index[pattern] = len(self._literal_patterns)
            self._literal_patterns.append(pattern)
            self._literal_atom_of.append(atom)
        return index

    def _add_regex(self, pattern: str, source: str, atom: int) -> None:
        needs = required_literals(source)
        if not needs:
            self._unfiltered_patterns.append(pattern)
            self._unfiltered_atom_of.append(atom)
            return
        indexes = frozenset(self._literal(f"(?i:{re2.escape(text)})", -1) for text in needs)
        regex = re2.compile(pattern, _options(SINGLE_MAX_MEM))
        self._filtered.append(_FilteredRegex(atom, regex, indexes))

    def compile(self) -> None:
        self._literal_patterns: list[str] = []
        self._literal_index: dict[str, int] = {}
        self._literal_atom_of: list[int] = []
        self._filtered: list[_FilteredRegex] = []
        self._unfiltered_patterns: list[str] = []
        self._unfiltered_atom_of: list[int] = []
        for pattern, atom in self._literal_atoms:
            self._literal(pattern, atom)
        for pattern, source, atom in self._regex_atoms:
            self._add_regex(pattern, source, atom)
        self._literals = _PatternSet(self._literal_patterns)
        self._unfiltered = _PatternSet(self._unfiltered_patterns)
        self._all_filtered = (
            _PatternSet([item.regex.pattern for item in self._filtered])
            if len(self._filtered) > MAX_SINGLE_SEARCHES
            else None
        )

    def _filtered_hits(self, present: list[int], text: bytes) -> list[int]:
        """Regexes whose literals are all present, each searched alone; when too many
        qualify, one Set pass over all of them is cheaper."""
        found = frozenset(present)
        candidates = [item for item in self._filtered if item.needs <= found]
        if self._all_filtered is None or len(candidates) <= MAX_SINGLE_SEARCHES:
            return [item.atom for item in candidates if item.regex.search(text) is not None]
        return [self._filtered[index].atom for index in self._all_filtered.match(text)]

    def _hits_in(self, text: bytes) -> list[int]:
        present = self._literals.match(text)
        hits = [atom for atom in (self._literal_atom_of[index] for index in present) if atom >= 0]
        if self._filtered:
            hits += self._filtered_hits(present, text)
        if self._unfiltered_atom_of:
            hits += [self._unfiltered_atom_of[index] for index in self._unfiltered.match(text)]
        return hits

    def hits(self, given: EmailInput) -> Collection[int]:
        """Atoms matching any string of the view (label and link_provider have several)."""
        texts = given.texts(self.key)
        if len(texts) == 1:
            return self._hits_in(texts[0])
        found: set[int] = set()
        for text in texts:
            found.update(self._hits_in(text))
        return found


class FlagView:
    """`has_links` (atom 0) and `has_attachments` (atom 1)."""

    size = len(BOOLEAN_FIELDS)

    def compile(self) -> None:
        """Nothing to compile."""

    def hits(self, given: EmailInput) -> Collection[int]:
        found = []
        if given.links:
            found.append(BOOLEAN_FIELDS.index("has_links"))
        if given.email.has_attachments:
            found.append(BOOLEAN_FIELDS.index("has_attachments"))
        return found


View = TextView | FlagView


class ConditionTable:
    """Maps each condition to an index into the per-email truth list."""

    def __init__(self) -> None:
        self.views: list[View] = []  # in the order rules first need them
        self._text_views: dict[ViewKey, tuple[int, TextView]] = {}
        self._flag_view: int | None = None
        self._offsets: list[int] = []  # first atom number of each view
        self.atom_count = 0

    def _position(self, view: View) -> int:
        self.views.append(view)
        self._offsets.append(0)
        return len(self.views) - 1

    def _flags(self) -> int:
        if self._flag_view is None:
            self._flag_view = self._position(FlagView())
        return self._flag_view

    def _text(self, key: ViewKey) -> tuple[int, TextView]:
        found = self._text_views.get(key)
        if found is None:
            view = TextView(key)
            found = self._text_views[key] = (self._position(view), view)
        return found

    def add(self, condition: Condition) -> tuple[int, int, bool]:
        """(view position, atom in the view, negated) for one condition."""
        base, negate = split_operator(condition.operator)
        if isinstance(condition.value, bool):
            # `equals false` is the "missed" side of the flag's atom.
            atom = BOOLEAN_FIELDS.index(condition.field)
            return self._flags(), atom, negate == condition.value
        position, view = self._text(view_of(condition))
        pattern = atom_pattern(
            base, condition.value, folded=view.key[1], case_sensitive=condition.case_sensitive
        )
        source = str(condition.value) if base == "regex" else None
        return position, view.add(pattern, regex_source=source), negate

    def compile(self) -> None:
        """Compile every Set and lay the views out in the truth list."""
        total = 0
        for position, view in enumerate(self.views):
            view.compile()
            self._offsets[position] = total
            total += view.size
        self.atom_count = total

    def key(self, position: int, atom: int, negate: bool) -> int:
        """Index of a condition's truth: atom hit at 2n, missed at 2n + 1."""
        return 2 * (self._offsets[position] + atom) + int(negate)

    def offset(self, position: int) -> int:
        return self._offsets[position]


class Truth:
    """The per-email truth list, filled view by view on demand."""

    def __init__(self, table: ConditionTable, given: EmailInput) -> None:
        self.table = table
        self.given = given
        self.values: list[bool] = [False, True] * table.atom_count
        self.ready = 0

    def prepare(self, views_needed: int) -> int:
        """Answer views up to `views_needed` (first-use order); returns how many are ready."""
        values = self.values
        for position in range(self.ready, views_needed):
            base = 2 * self.table.offset(position)
            for atom in self.table.views[position].hits(self.given):
                values[base + 2 * atom] = True
                values[base + 2 * atom + 1] = False
        self.ready = max(self.ready, views_needed)
        return self.ready
