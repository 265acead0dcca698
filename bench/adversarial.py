"""The adversarial corpus: hostile email bodies that once cost more than linear time.

Each entry is a name and a builder of a body of about `size` characters. The tests run
every entry through the whole analysis (tests/unit/email_processing/test_adversarial.py:
right answers, caps respected) and the benchmark times it (`python -m bench --only
adversarial`): the worst per-email analysis time and its ratio to a normal body of the
same size.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

MIB = 1 << 20
RUNS = 5  # each body is analysed this many times; the median is reported

Builder = Callable[[int], str]


def _repeat(unit: str, size: int, head: str = "") -> str:
    return head + unit * max(1, (size - len(head)) // len(unit))


def normal(size: int) -> str:
    """The yardstick: an ordinary HTML newsletter of the same size, with one Dropbox link."""
    paragraph = (
        "<p>Bonjour, voici le planning de la semaine&nbsp;: lot 12, 40 photos à recadrer, "
        "livraison habituelle. Merci de confirmer la réception.</p>\n"
    )
    link = '<a href="https://www.dropbox.com/scl/fo/abc/AAA?rlkey=k&amp;dl=0">lien</a>'
    return _repeat(paragraph, size, head=f"<div>{link}</div>")


CORPUS: dict[str, Builder] = {
    # Link trimming counted brackets again for every character it dropped.
    "link_then_closing_brackets": lambda size: _repeat(")", size, head="https://a/"),
    "link_then_mixed_punctuation": lambda size: _repeat(".)]'!", size, head="https://a/(["),
    "provider_link_then_brackets": lambda size: _repeat(
        ")", size, head="https://www.dropbox.com/s/abc/file.pdf"
    ),
    "thousands_of_links": lambda size: "".join(
        f'<a href="https://www.dropbox.com/s/{n}/f.pdf">{n}</a> ' for n in range(size // 50)
    )[:size],
    "thousands_of_foreign_links": lambda size: _repeat("https://example.com/a dropbox.com ", size),
    "link_inside_link": lambda size: _repeat("https://a/?next=https://www.dropbox.com/s/x", size),
    "deep_nesting": lambda size: "<div>" * (size // 10) + "texte" + "</div>" * (size // 10),
    "huge_attribute": lambda size: '<a title="' + "x" * (size - 40) + '" href="#">a</a>',
    "unclosed_attribute": lambda size: '<a href="' + "y" * size,
    "long_line_without_spaces": lambda size: "a" * size,
    "one_character": lambda size: "&" * size,
    "tag_soup": lambda size: _repeat("<<<>>><a<b<", size),
    "comment_never_closed": lambda size: "<!--" + "-" * size,
    "malformed_entities": lambda size: _repeat("&#99999999;&amp&#x;&;&#;&zz", size),
    "entity_flood": lambda size: _repeat("&eacute;&#233;&#xE9;&nbsp;", size),
    "mixed_scripts": lambda size: _repeat("Ωмир日本語🙂é\u0301\u200b\u0627 ", size),
    "time_words_everywhere": lambda size: _repeat("à faire pour 14h30 le 21/11/2026 ", size),
    "urgence_and_tarifs": lambda size: _repeat("urgence journée tarifs habituels désabonn ", size),
    "whitespace_runs": lambda size: _repeat(" \t\n\u00a0\u2003", size),
}


def corpus(size: int = MIB) -> dict[str, str]:
    """Every hostile body at about `size` characters."""
    return {name: build(size) for name, build in CORPUS.items()}


def analyse_seconds(body: str) -> float:
    """The median time of the whole analysis of one email with this body (normalise, links,
    detectors, an empty rule set), as the ingress runs it, with the 1 MiB matching cap."""
    from email_processing.detectors import run_detectors
    from email_processing.inbound import InboundEmail
    from email_processing.links import extract_links
    from email_processing.normalize import normalize_email
    from email_processing.rules import RuleSet, compile_rules, evaluate

    rules = compile_rules(RuleSet())
    now = datetime.now(ZoneInfo("Europe/Paris"))
    email = InboundEmail(sender="A <a@example.com>", subject="Lot 12", date="d", body=body)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        normalized = normalize_email(email, max_body_chars=MIB)
        links = extract_links(normalized.body_html, normalized.plain_body)
        detector = run_detectors(
            normalized, links, now, {"recadrage", "desabonnement_journee_tarifs"}
        )
        evaluate(rules, normalized, links, detector)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(size: int = MIB) -> dict[str, Any]:
    """Per-email analysis time of every hostile body, against a normal body of that size."""
    normal_ms = analyse_seconds(normal(size)) * 1000
    per_body = {name: round(analyse_seconds(body) * 1000, 1) for name, body in corpus(size).items()}
    worst = max(per_body, key=lambda name: per_body[name])
    return {
        "size_bytes": size,
        "normal_ms": round(normal_ms, 1),
        "per_body_ms": per_body,
        "worst": worst,
        "worst_ms": per_body[worst],
        "worst_ratio": round(per_body[worst] / normal_ms, 2) if normal_ms else None,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
