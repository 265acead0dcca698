"""Routing-rules micro-benchmark: evaluation time per email, 1,000 rules on 50 KB HTML bodies.

Run: python bench/rules_bench.py [--rules 1000] [--emails 300] [--warmup 50] [--seed 7]
                                 [--shared-vocabulary]
Prints one JSON document.

- 1,000 rules, a fifth with a regex condition, the rest mixed operators (equals,
  contains, starts/ends_with, in and their `not_` forms) on body, subject and sender;
  half the rules have a second condition; 10-20% are case-sensitive. Every rule
  "continues" (stop=false), so each email is checked against every rule.
- Each email is new (a 50 KB HTML body of its own): RE2 builds DFA states lazily, so
  text never seen before is the honest case. `evaluate_us` covers the emails after
  `--warmup` (wall clock; `evaluate_cpu_us` is the same run in CPU time of the thread,
  less disturbed by a busy machine); `evaluate_repeat_us` evaluates them a second time.
- Rule words are drawn mostly from words that bodies rarely contain (as real rules look
  for specific things); a few are common words. `--shared-vocabulary` draws every rule
  word from the body vocabulary instead: nearly every literal is present in every body,
  the pessimistic case for the regex prefilter.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from email_processing.detectors import run_detectors
from email_processing.inbound import InboundEmail
from email_processing.links import extract_links
from email_processing.normalize import NormalizedEmail, normalize_email
from email_processing.rules import RuleSet, compile_rules, evaluate

BODY_BYTES = 50_000
# Pseudo-French syllables: words look like words, a few carry accents.
SYLLABLES = (
    *(consonant + vowel for consonant in "bcdflmnprstv" for vowel in "aeiou"),
    *("ré", "dé", "té", "mé", "lé", "gé", "pré", "tré", "cha", "che", "chi"),
    *("on", "an", "en", "in", "our", "eur", "ion", "tion", "ment", "age"),
)
REGEX_SHAPES = (
    r"\b{w}\s+\d{{2,4}}\b",
    r"(?:{w}|{v})\s+{u}",
    r"lot\s*#?\d{{3,5}}\s+{w}",
    r"[a-z0-9._-]+@{w}\.example",
    r"\d{{2}}/\d{{2}}/\d{{4}}\s+{w}",
    r"{w}.{{0,20}}{v}",
    r"^{w}",
    r"{w}$",
    r"(?i)\b{w}(?:s|x)?\b",
    r"[A-Z]{{2,}}-{w}-\d+",
)
TEXT_OPERATORS = (
    "contains",
    "not_contains",
    "equals",
    "not_equals",
    "starts_with",
    "ends_with",
    "in",
    "not_in",
)
TEXT_FIELDS = ("body", "body", "subject", "sender")


class Vocabulary:
    """Body words, and rule words (mostly rare in bodies unless shared)."""

    def __init__(self, rng: random.Random, *, shared: bool) -> None:
        words = sorted(
            {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(12000)}
        )
        rng.shuffle(words)
        self.rng = rng
        self.common = words[:2500]
        self.rare = self.common if shared else words[2500:5000]

    def body_word(self) -> str:
        return self.rng.choice(self.common)

    def rule_word(self) -> str:
        """85% rare words, 15% common ones (rules like `contains bonjour` exist too)."""
        pool = self.common if self.rng.random() < 0.15 else self.rare
        return self.rng.choice(pool)

    def rule_words(self, count: int) -> list[str]:
        return [self.rule_word() for _ in range(count)]


def text_condition(rng: random.Random, words: Vocabulary) -> dict[str, Any]:
    operator = rng.choice(TEXT_OPERATORS)
    field = rng.choice(TEXT_FIELDS)
    value: Any = " ".join(words.rule_words(rng.randint(1, 2)))
    if operator.endswith("in"):
        value = words.rule_words(rng.randint(2, 6))
    return {
        "field": field,
        "operator": operator,
        "value": value,
        "case_sensitive": rng.random() < 0.1,
    }


def regex_condition(rng: random.Random, words: Vocabulary) -> dict[str, Any]:
    shape = rng.choice(REGEX_SHAPES)
    w, v, u = words.rule_words(3)
    return {
        "field": rng.choice(("body", "body", "subject")),
        "operator": "regex",
        "value": shape.format(w=w, v=v, u=u),
        "case_sensitive": rng.random() < 0.2,
    }


def make_ruleset(rng: random.Random, words: Vocabulary, count: int) -> RuleSet:
    rules = []
    for index in range(count):
        first = regex_condition(rng, words) if index % 5 == 0 else text_condition(rng, words)
        conditions = [first]
        if rng.random() < 0.5:
            conditions.append(text_condition(rng, words))
        rules.append(
            {
                "id": f"r{index}",
                "name": f"rule {index}",
                "match": "any" if rng.random() < 0.3 else "all",
                "conditions": conditions,
                "actions": {"targets": [f"t{index % 7}"], "stop": False},
            }
        )
    return RuleSet.model_validate({"rules": rules})


def html_body(rng: random.Random, words: Vocabulary) -> str:
    parts: list[str] = ["<html><head><style>p{margin:0}</style></head><body>"]
    size = 0
    while size < BODY_BYTES:
        sentence = " ".join(words.body_word() for _ in range(rng.randint(6, 18)))
        if rng.random() < 0.01:
            sentence += " " + rng.choice(words.rare)  # the occasional rule word
        if rng.random() < 0.1:
            sentence += f" &agrave; faire pour {rng.randint(8, 19)}h{rng.choice(('00', '30'))}"
        if rng.random() < 0.05:
            link = f"https://www.dropbox.com/scl/fo/{rng.randrange(10**9)}/AA?rlkey=k&amp;dl=0"
            sentence += f' <a href="{link}">lien</a>'
        chunk = f'<div class="x{rng.randint(1, 9)}"><p>{sentence.capitalize()}.</p></div>\n'
        parts.append(chunk)
        size += len(chunk)
    parts.append("</body></html>")
    return "".join(parts)[: BODY_BYTES + 200]


def make_email(rng: random.Random, words: Vocabulary) -> InboundEmail:
    subject = " ".join(words.body_word() for _ in range(rng.randint(3, 9))).capitalize()
    if rng.random() < 0.2:
        subject += " " + rng.choice(words.rare)
    name, user, domain = words.body_word(), words.rule_word(), words.rule_word()
    sender = f"{name.title()} <{user}@{domain}.example>"
    return InboundEmail(
        subject=subject,
        sender=sender,
        date="2026-11-20T09:14:03.000Z",
        body=html_body(rng, words),
    )


def summary(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "mean": round(statistics.fmean(ordered) / 1000, 1),
        "p50": round(statistics.median(ordered) / 1000, 1),
        "p99": round(p99 / 1000, 1),
        "samples": len(ordered),
    }


def prepare(emails: list[InboundEmail]) -> tuple[list[tuple[NormalizedEmail, Any, Any]], list[int]]:
    """Normalise, extract links and detect, as the ingest service would; times each email."""
    prepared = []
    timings = []
    now = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    for email in emails:
        start = time.perf_counter_ns()
        normalized = normalize_email(email)
        links = extract_links(normalized.body_html, normalized.plain_body)
        detector = run_detectors(normalized, links, now)
        timings.append(time.perf_counter_ns() - start)
        prepared.append((normalized, links, detector))
    return prepared, timings


def timed(
    compiled: Any, prepared: list[tuple[NormalizedEmail, Any, Any]]
) -> tuple[list[int], list[int]]:
    """Wall-clock and CPU (this thread) nanoseconds per evaluation."""
    wall, cpu = [], []
    for normalized, links, detector in prepared:
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        evaluate(compiled, normalized, links, detector)
        cpu.append(time.thread_time_ns() - start_cpu)
        wall.append(time.perf_counter_ns() - start)
    return wall, cpu


def measure(
    rules: int = 1000, emails: int = 300, warmup: int = 50, seed: int = 7, shared: bool = False
) -> dict[str, Any]:
    """Evaluate `rules` rules on fresh 50 KB emails; timings in microseconds."""
    rng = random.Random(seed)
    words = Vocabulary(rng, shared=shared)
    ruleset = make_ruleset(rng, words, rules)
    start = time.perf_counter_ns()
    compiled = compile_rules(ruleset)
    compile_ns = time.perf_counter_ns() - start

    batch = [make_email(rng, words) for _ in range(warmup + emails)]
    prepared, prepare_ns = prepare(batch)
    warm, _ = timed(compiled, prepared[:warmup])
    fresh, fresh_cpu = timed(compiled, prepared[warmup:])
    repeat, _ = timed(compiled, prepared[warmup:])
    matched = [len(evaluate(compiled, *item).matched_rules) for item in prepared[warmup:]]

    regex_rules = sum(
        any(c.operator.endswith("regex") for c in rule.conditions) for rule in ruleset.rules
    )
    return {
        "benchmark": "rules_evaluate",
        "vocabulary": "shared" if shared else "rare rule words",
        "rules": len(ruleset.rules),
        "regex_rules": regex_rules,
        "conditions": sum(len(rule.conditions) for rule in ruleset.rules),
        "views": compiled.view_count,
        "body_chars_mean": round(statistics.fmean(len(p[0].body_html) for p in prepared)),
        "emails": emails,
        "warmup_emails": warmup,
        "matched_rules_per_email": round(statistics.fmean(matched), 1),
        "compile_ms": round(compile_ns / 1e6, 1),
        "evaluate_us": summary(fresh),
        "evaluate_cpu_us": summary(fresh_cpu),
        "evaluate_repeat_us": summary(repeat),
        "evaluate_warmup_us": summary(warm),
        "normalize_links_detect_us": summary(prepare_ns),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--emails", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shared-vocabulary", action="store_true")
    args = parser.parse_args()
    report = measure(args.rules, args.emails, args.warmup, args.seed, args.shared_vocabulary)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
