"""One normalised view of an email: HTML decoded to text, accents folded for matching."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from types import MappingProxyType

from email_processing.identity import sender_domain as _domain_of
from email_processing.identity import sender_email as _address_of
from email_processing.inbound import InboundEmail

DEFAULT_MAX_BODY_CHARS = 1_048_576

# Tags rendered as a line break; inline tags vanish; any other tag becomes a space.
BLOCK_TAGS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table"),
        *("tbody", "tfoot", "thead", "title", "tr", "ul"),
    )
)
INLINE_TAGS = frozenset(
    (
        *("a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em"),
        *("font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike"),
        *("strong", "sub", "sup", "time", "tt", "u", "var", "wbr"),
    )
)
RAW_TEXT_TAGS = ("script", "style")

# `<` then a tag name, `!--`, `!` or `?`; a `<` followed by anything else is text.
_MARKUP = re.compile(r"<(?:(/?)([A-Za-z][A-Za-z0-9:-]*)|(!--)|[!?])")
# The rest of a tag up to its `>`, quoted values skipped (unrolled: no backtracking blow-up).
_TAG_REST = re.compile(r"""[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in RAW_TEXT_TAGS}
_WHITESPACE_RUN = re.compile(r"\s+")
_ASTRAL_RUN = re.compile("[\U00010000-\U0010ffff]+")


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


def fold_chars(text: str) -> str:
    """NFD, combining marks removed, lowercased; whitespace left alone."""
    if text.isascii():
        return text.lower()
    decomposed = _bmp_marks().sub("", unicodedata.normalize("NFD", text))
    return _ASTRAL_RUN.sub(_strip_astral_marks, decomposed).lower()


def fold(text: str) -> str:
    """Accent- and case-insensitive form used for matching (REFERENCE §4 normalisation)."""
    return collapse(fold_chars(text))


def collapse_runs(text: str) -> str:
    """Runs of whitespace become one space, ends kept (a leading space in a value is meant)."""
    return _WHITESPACE_RUN.sub(" ", text)


class _HtmlScanner:
    """Single forward pass over HTML; every search starts after the previous one (linear)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.parts: list[str] = []
        self.quotes_reliable = True

    def run(self) -> str:
        """Text with block boundaries as newlines, entities decoded, source newlines as spaces."""
        while self.pos < len(self.source):
            found = _MARKUP.search(self.source, self.pos)
            if found is None:
                self._text(len(self.source))
                break
            self._text(found.start())
            self._markup(found)
        return "".join(self.parts)

    def _text(self, end: int) -> None:
        chunk = self.source[self.pos : end]
        if chunk:
            self.parts.append(unescape(chunk).replace("\n", " "))
        self.pos = end

    def _skip_past(self, marker: str, start: int) -> None:
        """Move past the next `marker`; an unterminated construct swallows the rest."""
        end = self.source.find(marker, start)
        self.pos = len(self.source) if end < 0 else end + len(marker)

    def _markup(self, found: re.Match[str]) -> None:
        if found.group(3):
            self._skip_past("-->", found.end())
        elif found.group(2) is None:
            self._skip_past(">", found.end())
        else:
            self._tag(found.group(2).lower(), closing=bool(found.group(1)), start=found.end())

    def _tag_end(self, start: int) -> int:
        """Index just past the tag's `>`, or -1 when the tag never closes."""
        if self.quotes_reliable:
            rest = _TAG_REST.match(self.source, start)
            if rest is not None:
                return rest.end()
            # An unbalanced quote: from here on, a tag simply ends at the next `>`.
            self.quotes_reliable = False
        end = self.source.find(">", start)
        return -1 if end < 0 else end + 1

    def _tag(self, name: str, *, closing: bool, start: int) -> None:
        end = self._tag_end(start)
        if end < 0:
            self.pos = len(self.source)
            return
        self.pos = end
        if name in BLOCK_TAGS:
            self.parts.append("\n")
        elif name not in INLINE_TAGS:
            self.parts.append(" ")
        if not closing and name in _RAW_TEXT_END:
            self._skip_raw_text(name)

    def _skip_raw_text(self, name: str) -> None:
        """Drop a script/style body up to and including its end tag."""
        close = _RAW_TEXT_END[name].search(self.source, self.pos)
        if close is None:
            self.pos = len(self.source)
            return
        self._skip_past(">", close.start())


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: one line per block, whitespace collapsed.

    Block tags and `<br>` end a line, inline formatting tags (`<b>`, `<span>`, `<a>`...)
    vanish as a browser renders them (so `D<span>é</span>sabo` stays one word), other
    tags become a space. Script and style bodies and comments are dropped.
    """
    text = _HtmlScanner(html).run()
    lines = (collapse(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class NormalizedEmail:
    """What matching sees of one email; built once per email, shared by every matcher."""

    subject: str  # entities decoded, whitespace collapsed (case and accents kept)
    subject_folded: str
    body_html: str  # the HTML as received, cut at the size cap
    body_text: str  # HTML text then the plain body (when it differs), one line
    body_folded: str
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


def _cap(text: str, limit: int) -> tuple[str, bool]:
    """The text cut at `limit` characters, and whether it was cut."""
    return (text[:limit], True) if len(text) > limit else (text, False)


def _body_text(html_text: str, plain: str | None) -> str:
    """HTML-derived text, followed by the plain body when that says something else."""
    flat = collapse(html_text)
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
    body_text = _body_text(html_to_text(body_html), plain)
    subject = collapse(unescape(email.subject))
    address = _address_of(email.sender)
    return NormalizedEmail(
        subject=subject,
        subject_folded=fold(subject),
        body_html=body_html,
        body_text=body_text,
        body_folded=fold(body_text),
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
