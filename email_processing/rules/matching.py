"""Condition matching: the conditions on one field view answered together, in one pass.

A condition on a text field becomes an RE2 pattern ("atom") on a *view* of that field:
the folded view (accents and case removed, for case-insensitive literal operators) or the
exact view (whitespace collapsed only, for regexes and case-sensitive operators).

- Literal tests (equals, contains, starts/ends_with, in) of a view share one `re2.Set`,
  so a 50 KB body is scanned once per view, not once per condition.
- A regex is searched only when the literals every match of it must contain are present
  (`prefilter`); those literals ride in the same Set. Regexes are in two groups, light
  and heavy (large RE2 programs: bounded repeats of wide classes); in each, one or two
  candidates are searched alone, more in one Set pass over the group, and a regex with no
  usable literal makes its group's Set run on every text.
- Every Set carries an always-matching sentinel: a Set whose DFA gave up answers nothing,
  and then its patterns are searched one by one (same answers, slower). A Set RE2 refuses
  to build (over its memory budget) is split in halves, down to single patterns searched
  alone.

Per email, each view's answer is written into one flat list of booleans holding, for
every atom, "hit" then "missed"; a condition is one index into it (`not_` picks "missed"),
so evaluating a rule is a few list lookups. The engine answers views in the order the rules
first need them, so a rule that stops early spares the later scans, and evaluates only the
rules that test an atom that hit (`engine`).
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
# A regex searched alone costs about as much as a Set pass over all the light regexes of
# a view on a new 50 KB text (measured: ~70 us against ~100 us): beyond two candidates,
# the Set pass is cheaper.
MAX_SINGLE_SEARCHES = 2
HEAVY_PROGRAM = 100  # RE2 program size (instructions) above which a regex is "heavy"
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

# Views the normalised email already holds (the big ones: never recomputed; the folded
# body is computed once per email, shared with the detectors and exclusions).
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


def _compiled_parts(patterns: list[str], offset: int = 0) -> list[tuple[int, int, Any]]:
    """(offset, count, Set) covering `patterns`: one Set, or halves when RE2 refuses the
    whole (too big for its memory budget), down to single patterns (Set None: searched
    alone)."""
    if not patterns:
        return []
    compiled = _compiled_set(patterns)
    if compiled is not None or len(patterns) == 1:
        return [(offset, len(patterns), compiled)]
    half = len(patterns) // 2
    return _compiled_parts(patterns[:half], offset) + _compiled_parts(
        patterns[half:], offset + half
    )


class _PatternSet:
    """Patterns answered by RE2 Set passes (one unless RE2 refused the whole), or one by one
    where RE2 cannot build or run a Set."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = patterns
        self._parts = _compiled_parts(patterns)
        self._alone: dict[int, Any] = {}

    def _search_alone(self, offset: int, count: int, text: bytes) -> list[int]:
        found = []
        for index in range(offset, offset + count):
            regex = self._alone.get(index)
            if regex is None:
                regex = self._alone[index] = re2.compile(
                    self.patterns[index], _options(SINGLE_MAX_MEM)
                )
            if regex.search(text) is not None:
                found.append(index)
        return found

    def match(self, text: bytes) -> list[int]:
        """Indexes (into `patterns`) of the patterns found in `text`."""
        found: list[int] = []
        for offset, count, regex_set in self._parts:
            answer = regex_set.Match(text) if regex_set is not None else None
            if answer:  # never empty when the DFA ran: the sentinel always matches
                found += [offset + index - 1 for index in answer if index]
            else:
                found += self._search_alone(offset, count, text)
        return found


@dataclass(frozen=True)
class _Regex:
    atom: int  # the regex's atom number in the view
    regex: Any  # compiled RE2 pattern, for a search on its own
    needs: frozenset[int]  # literal-set indexes that must all be present; empty: always run


class _RegexGroup:
    """Regexes of one view answered together: each candidate searched alone when there are
    few (a search stops at the first match), else one Set pass over the whole group."""

    def __init__(self, regexes: list[_Regex]) -> None:
        self.regexes = regexes
        self.filtered = [item for item in regexes if item.needs]
        self.always = len(self.filtered) < len(regexes)  # some have no usable literal
        self.set = _PatternSet([item.regex.pattern for item in regexes])

    def hits(self, present: frozenset[int], text: bytes) -> list[int]:
        candidates = [item for item in self.filtered if item.needs <= present]
        if self.always or len(candidates) > MAX_SINGLE_SEARCHES:
            return [self.regexes[index].atom for index in self.set.match(text)]
        return [item.atom for item in candidates if item.regex.search(text) is not None]


class TextView:
    """All atoms of one field view.

    Literal tests and the literals regexes require share one RE2 Set (cheap on any text);
    a regex runs only when its literals are all there. Regexes are split in two groups by
    the size of their RE2 program: a bounded repeat of a wide class (`.{0,20}`) makes a
    large one, and in a shared Set it multiplies the DFA states every new text must build
    (several times the cost of the rest together), so those stay in a group of their own.
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

    def _regex(self, pattern: str, source: str, atom: int) -> _Regex:
        needs = frozenset(
            self._literal(f"(?i:{re2.escape(text)})", -1) for text in required_literals(source)
        )
        return _Regex(atom, re2.compile(pattern, _options(SINGLE_MAX_MEM)), needs)

    def compile(self) -> None:
        self._literal_patterns: list[str] = []
        self._literal_index: dict[str, int] = {}
        self._literal_atom_of: list[int] = []
        for pattern, atom in self._literal_atoms:
            self._literal(pattern, atom)
        light: list[_Regex] = []
        heavy: list[_Regex] = []
        for pattern, source, atom in self._regex_atoms:
            item = self._regex(pattern, source, atom)
            (heavy if item.regex.programsize > HEAVY_PROGRAM else light).append(item)
        self._literals = _PatternSet(self._literal_patterns)
        self._groups = tuple(_RegexGroup(group) for group in (light, heavy) if group)

    def _hits_in(self, text: bytes) -> list[int]:
        present = self._literals.match(text)
        atoms = self._literal_atom_of
        hits = [atom for atom in (atoms[index] for index in present) if atom >= 0]
        if self._groups:
            found = frozenset(present)
            for group in self._groups:
                hits += group.hits(found, text)
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

    def answer(self, position: int) -> list[int]:
        """Answer one view: its atoms that hit are marked, and returned as numbers in the
        whole table (the truth of atom n is at 2n, its negation at 2n + 1)."""
        values = self.values
        offset = self.table.offset(position)
        found = []
        for atom in self.table.views[position].hits(self.given):
            number = offset + atom
            values[2 * number] = True
            values[2 * number + 1] = False
            found.append(number)
        return found
