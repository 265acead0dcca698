"""Literals a regex match must contain, so most regexes are skipped without a scan.

Conservative by construction: any syntax not understood gives "unknown" (the regex is
then always run). A literal is only kept when every match contains it; splitting a
literal in two, or dropping one, only makes the filter weaker, never wrong. Literals are
looked for by RE2 itself, case-insensitively, in the very text the regex will search, so
they hold for case-sensitive regexes too and need no case mapping of their own.
"""

from __future__ import annotations

import re

MIN_LITERAL = 3
_REPEAT = re.compile(r"\{(\d+)(?:,\d*)?\}")
_CLASS_ESCAPES = frozenset("dDsSwWbBAz")  # one-character escapes that are not literals
_QUANTIFIERS = "*+?"


class _Unknown(Exception):
    """Syntax the scan does not vouch for."""


class _Scan:
    """Left-to-right scan of the top level of a pattern, collecting literal runs."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.runs: list[str] = []
        self.run: list[str] = []
        self.after_literal = False

    def end_run(self) -> None:
        if self.run:
            self.runs.append("".join(self.run))
            self.run = []
        self.after_literal = False

    def literal(self, char: str) -> None:
        self.run.append(char)
        self.after_literal = True

    def parse(self) -> list[str]:
        while self.pos < len(self.pattern):
            self.step(self.pattern[self.pos])
        self.end_run()
        return self.runs

    def step(self, char: str) -> None:
        if char == "\\":
            self.escape()
        elif char in "[(":
            self.pos = _skip_class(self.pattern, self.pos) if char == "[" else self.group_end()
            self.end_run()
        elif char in "|)":
            raise _Unknown  # alternation at the top level: nothing is required
        elif char in _QUANTIFIERS or (char == "{" and _REPEAT.match(self.pattern, self.pos)):
            self.quantifier(char)
        else:
            self.pos += 1
            if char in ".^$":
                self.end_run()
            else:
                self.literal(char)

    def escape(self) -> None:
        following = self.pattern[self.pos + 1 : self.pos + 2]
        if not following or (following.isalnum() and following not in _CLASS_ESCAPES):
            raise _Unknown  # \x, \p, \Q, \C, octal... or a trailing backslash
        self.pos += 2
        if following in _CLASS_ESCAPES:
            self.end_run()
        else:
            self.literal(following)

    def quantifier(self, char: str) -> None:
        """A repeat: the literal before it is dropped if it may be absent, and ends the run."""
        repeat = _REPEAT.match(self.pattern, self.pos) if char == "{" else None
        optional = char in "*?" or (repeat is not None and int(repeat.group(1)) == 0)
        if self.after_literal and optional:
            self.run.pop()
        self.end_run()
        self.pos = repeat.end() if repeat is not None else self.pos + 1
        if self.pattern[self.pos : self.pos + 1] == "?":
            self.pos += 1  # lazy form

    def group_end(self) -> int:
        """Index just past the `)` closing the group that starts at `pos`."""
        depth, index = 0, self.pos
        while index < len(self.pattern):
            char = self.pattern[index]
            if char == "[":
                index = _skip_class(self.pattern, index)
                continue
            index += 2 if char == "\\" else 1
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                return index
        raise _Unknown


def _skip_class(pattern: str, start: int) -> int:
    """Index just past the `]` closing the character class that starts at `start`."""
    index = start + 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1  # a leading `]` is a member
    while index < len(pattern):
        if pattern.startswith("[:", index):
            end = pattern.find(":]", index + 2)
            index = end + 2 if end >= 0 else index + 1
        elif pattern[index] == "\\":
            index += 2
        elif pattern[index] == "]":
            return index + 1
        else:
            index += 1
    raise _Unknown


def required_literals(pattern: str, min_length: int = MIN_LITERAL) -> tuple[str, ...]:
    """Literals (as written) every match of `pattern` contains; () when unknown."""
    try:
        runs = _Scan(pattern).parse()
    except _Unknown:
        return ()
    return tuple(dict.fromkeys(run for run in runs if len(run) >= min_length))
