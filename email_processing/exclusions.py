"""Exclusion keywords: an email containing one is ignored (processing preferences)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from email_processing.normalize import NormalizedEmail, fold


def excluded(
    email: NormalizedEmail,
    detector: str | None,
    global_keywords: Iterable[str],
    per_detector: Mapping[str, Sequence[str]],
) -> str | None:
    """The first keyword (as configured) found in the subject or body, else None.

    Matching is on folded text: case, accents and runs of whitespace do not matter.
    The detector's own keywords apply only when that detector matched.
    """
    keywords = list(global_keywords)
    if detector is not None:
        keywords += per_detector.get(detector, ())
    for keyword in keywords:
        folded = fold(keyword)
        if folded and (folded in email.subject_folded or folded in email.body_folded):
            return keyword
    return None
