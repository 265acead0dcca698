"""One normalised view of an email: HTML decoded to text, accents folded for matching."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from types import MappingProxyType

from email_processing.html_text import html_to_text as html_to_text  # re-exported
from email_processing.html_text import visible_text
from email_processing.identity import sender_domain as _domain_of
from email_processing.identity import sender_email as _address_of
from email_processing.inbound import InboundEmail

DEFAULT_MAX_BODY_CHARS = 1_048_576

_ASTRAL_RUN = re.compile("[\U00010000-\U0010ffff]+")
_WHITESPACE_RUN = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Runs of whitespace become one space; the ends are stripped."""
    return " ".join(text.split())


@functools.cache
def _bmp_marks() -> re.Pattern[str]:
    """Combining code points below U+10000 as one character class (a fast bitmap in `re`)."""
    marks = (chr(code) for code in range(0x10000) if unicodedata.combining(chr(code)))
    return re.compile("[" + "".join(re.escape(mark) for mark in marks) + "]+")


def _strip_astral_marks(run: re.Match[str]) -> str:
    """Combining marks removed from a run of characters beyond U+FFFF (emoji, rare scripts)."""
    return "".join(char for char in run.group() if not unicodedata.combining(char))


def _has_astral(text: str) -> bool:
    """Whether the text holds a character beyond U+FFFF: it then takes more UTF-16 units than
    characters. The encoding is a copy for text without any (a scan by regex costs ~9 ms/MiB)."""
    return len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text)


@functools.cache
def _latin1_folds() -> bytes:
    """Each Latin-1 character's fold, itself one Latin-1 character (`é` -> `e`, `À` -> `a`)."""
    return bytes(ord(_fold_wide(chr(code))) for code in range(256))


def _fold_wide(text: str) -> str:
    decomposed = _bmp_marks().sub("", unicodedata.normalize("NFD", text))
    if _has_astral(decomposed):
        decomposed = _ASTRAL_RUN.sub(_strip_astral_marks, decomposed)
    return decomposed.lower()


MAX_REPLACED = 32  # distinct characters folded by replacement; beyond, the whole-text path


@functools.lru_cache(maxsize=8192)
def _unmarked(char: str) -> str:
    """One character decomposed, its combining marks removed (case kept)."""
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))


def _fold_by_replacing(text: str) -> str | None:
    """Each distinct character that folds to something else replaced everywhere, then the
    whole text lower-cased (so `Σ` still ends a word as `ς`); None when too many differ.
    The same result as NFD and mark removal: decomposition is per character, and the
    canonical reordering it adds only moves marks, which all go."""
    changed = [c for c in set(text) if not c.isascii() and _unmarked(c) != c]
    if len(changed) > MAX_REPLACED:
        return None
    for char in changed:
        text = text.replace(char, _unmarked(char))
    return text.lower()


def fold_chars(text: str) -> str:
    """NFD, combining marks removed, lowercased; whitespace left alone.

    Text within Latin-1 (most French mail) is folded character by character through a
    256-byte table, in C: the same result, since no Latin-1 character composes with
    another, and about a tenth of the time of decomposing and removing marks."""
    if text.isascii():
        return text.lower()
    try:
        latin1 = text.encode("latin-1")
    except UnicodeEncodeError:
        replaced = _fold_by_replacing(text)
        return _fold_wide(text) if replaced is None else replaced
    return latin1.translate(_latin1_folds()).decode("latin-1")


def fold(text: str) -> str:
    """Accent- and case-insensitive form used for matching (docs/old-router.md, normalisation)."""
    return collapse(fold_chars(text))


def fold_collapsed(text: str) -> str:
    """`fold` of a text already collapsed: removing marks can only leave a doubled or an end
    space, which are looked for instead of splitting the whole text again."""
    folded = fold_chars(text)
    if "  " in folded or folded[:1] == " " or folded[-1:] == " ":
        return collapse(folded)
    return folded


def collapse_runs(text: str) -> str:
    """Runs of whitespace become one space, ends kept (a leading space in a value is meant)."""
    return _WHITESPACE_RUN.sub(" ", text)


@dataclass(frozen=True)
class NormalizedEmail:
    """What matching sees of one email; built once per email, shared by every matcher."""

    subject: str  # entities decoded, whitespace collapsed (case and accents kept)
    subject_folded: str
    body_html: str  # the HTML as received, cut at the size cap
    body_text: str  # HTML text then the plain body (when it differs), one line
    sender: str  # the raw From header
    sender_email: str
    sender_domain: str
    to: str
    cc: str
    labels: tuple[str, ...]
    headers: Mapping[str, str]  # names lower-cased
    has_attachments: bool
    truncated: bool
    plain_body: str | None = None  # cut at the size cap, for link extraction

    @functools.cached_property
    def body_folded(self) -> str:
        """The folded body, computed on first use: most emails never need it (~0.5 ms/20 KB)."""
        return fold_collapsed(self.body_text)


def _cap(text: str, limit: int) -> tuple[str, bool]:
    """The text cut at `limit` characters, and whether it was cut."""
    return (text[:limit], True) if len(text) > limit else (text, False)


def _body_text(flat: str, plain: str | None) -> str:
    """HTML-derived text (collapsed), followed by the plain body when that says something else."""
    plain_flat = collapse(plain or "")
    if not plain_flat or plain_flat == flat:
        return flat
    if not flat:
        return plain_flat
    return f"{flat} {plain_flat}"


def normalize_email(
    email: InboundEmail, *, max_body_chars: int = DEFAULT_MAX_BODY_CHARS
) -> NormalizedEmail:
    """The matching view of `email`; bodies over the cap are cut once (`truncated`)."""
    body_html, html_cut = _cap(email.body, max_body_chars)
    plain: str | None = None
    plain_cut = False
    if email.plain_body is not None:
        plain, plain_cut = _cap(email.plain_body, max_body_chars)
    body_text = _body_text(visible_text(body_html), plain)
    subject = collapse(unescape(email.subject))
    address = _address_of(email.sender)
    return NormalizedEmail(
        subject=subject,
        subject_folded=fold(subject),
        body_html=body_html,
        body_text=body_text,
        sender=email.sender,
        sender_email=address,
        sender_domain=_domain_of(address),
        to=email.to or "",
        cc=email.cc or "",
        labels=tuple(email.labels),
        headers=MappingProxyType({name.lower(): value for name, value in email.headers.items()}),
        has_attachments=bool(email.attachments),
        truncated=html_cut or plain_cut,
        plain_body=plain,
    )
