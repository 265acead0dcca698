"""File-transfer links found in an email (docs/old-router.md, links)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

DROPBOX = "dropbox"
FROMSMASH = "fromsmash"
SWISSTRANSFER = "swisstransfer"
WETRANSFER = "wetransfer"

# Provider -> (registrable domains, path prefixes a delivery link has; "/" = any non-empty path).
_PROVIDERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (DROPBOX, ("dropbox.com",), ("/scl/fo/", "/scl/fi/", "/s/", "/request/")),
    (FROMSMASH, ("fromsmash.com",), ("/",)),
    (SWISSTRANSFER, ("swisstransfer.com",), ("/d/",)),
    (WETRANSFER, ("wetransfer.com",), ("/downloads/",)),
    (WETRANSFER, ("we.tl",), ("/",)),
)

# A URL runs until whitespace, a quote, an angle bracket or a backslash (never a host trick).
# Candidates are only URLs whose host is, or ends in, a provider's domain: other URLs cost
# the scan and nothing else, and `provider_of` then checks each candidate exactly. The host
# is read possessively and its end compared by look-behinds, so nothing backtracks: linear.
_URL_CHAR = r"""[^\s"'<>\\`]"""
_HOST_CHAR = r"""[^\s"'<>\\`/?#@:]"""
_DOMAINS = sorted({domain for _, domains, _ in _PROVIDERS for domain in domains})
_HOST_ENDS = "|".join(
    f"(?<=[./]{re.escape(domain)}{dot})" for domain in _DOMAINS for dot in ("", r"\.")
)
_CANDIDATE_PATTERN = (
    rf"https?://(?:{_HOST_CHAR}*+@)?{_HOST_CHAR}++(?:{_HOST_ENDS})"
    rf"(?::[0-9]*+)?(?:[/?#]{_URL_CHAR}*+)?"
)
# Searched in the lower-cased text, the pattern starts with a literal, which `re` finds by a
# fast scan; with IGNORECASE it tries a match at every position (2.5 times slower).
_CANDIDATE_LOWER = re.compile(_CANDIDATE_PATTERN)
_CANDIDATE = re.compile(_CANDIDATE_PATTERN, re.IGNORECASE)  # when lowering changes lengths
# A candidate inside an earlier URL (a `?next=https://…` parameter) belongs to that URL,
# not to the email: its run (what lies since the last terminator) holds an earlier scheme.
_TERMINATORS = " \t\r\n\f\v\"'<>\\`"
_SCHEME = re.compile("https?://", re.IGNORECASE)
RUN_LOOKBACK = 2048  # characters looked back for the start of a candidate's run
MAX_CANDIDATES = 1000  # distinct candidate URLs examined per text (a cap on hostile mail)
# Only `;`-terminated references: `&copy=2` in a query string stays as written.
# Split out as a group: text, reference, text, reference...
_CHAR_REF = re.compile(r"(&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)")
REF_CACHE_SIZE = 4096  # distinct references remembered (a hostile body may hold millions)
# Sentence punctuation and closing quotes (typographic ones too: \u201d, \u2019, \u00bb).
_TRAILING = frozenset(".,;:!?\"'>*\u201d\u2019\u00bb")
_CLOSERS = {")": "(", "]": "["}
_TRIMMABLE = "".join(_TRAILING) + "".join(_CLOSERS)
MAX_TRAILING = 64  # trailing punctuation characters examined one by one
_PREVIEW_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp")
_PREVIEW_PREFIXES = ("ms", "logo", "avatar", "profile")
_DEFAULT_PORTS = (None, 80, 443)


@dataclass(frozen=True)
class Link:
    """A delivery link: where it points and, for Dropbox, a direct-download form."""

    provider: str
    raw_url: str
    direct_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `delivery_links` item of the payload (docs/old-router.md, webhook body)."""
        item: dict[str, Any] = {"provider": self.provider, "raw_url": self.raw_url}
        if self.direct_url is not None:
            item["direct_url"] = self.direct_url
        return item


class _Decoded(dict[str, str]):
    """Reference -> its text, computed on first sight: a mail repeats a few references
    (`&amp;`, `&nbsp;`) thousands of times, and each known one is a dict lookup in C."""

    def __missing__(self, ref: str) -> str:
        text = unescape(ref)
        if len(self) < REF_CACHE_SIZE:
            self[ref] = text
        return text


_DECODED = _Decoded()


def unescape_char_refs(text: str) -> str:
    """Decode `&amp;`-style references that end in `;` (how browsers read attribute values).
    The text is split at its references, which are mapped through a cache: no Python code
    runs for a reference already seen (a regex `sub` with a function would run some for
    every one)."""
    if "&" not in text:
        return text
    parts = _CHAR_REF.split(text)
    parts[1::2] = map(_DECODED.__getitem__, parts[1::2])
    return "".join(parts)


def _trim(url: str) -> str:
    """Drop trailing punctuation that belongs to the sentence, not the URL: a closing bracket
    goes when the URL has more of them than openers. Linear: the brackets are counted once,
    and a tail longer than MAX_TRAILING (no real link ends so) is dropped whole."""
    core = url.rstrip(_TRIMMABLE)
    if len(url) - len(core) > MAX_TRAILING:
        return core
    unmatched = {
        closer: url.count(closer) - url.count(opener) for closer, opener in _CLOSERS.items()
    }
    end = len(url)
    while end > len(core):
        last = url[end - 1]
        if last in _CLOSERS and unmatched[last] <= 0:
            break
        if last in _CLOSERS:
            unmatched[last] -= 1
        end -= 1
    return url[:end]


def host_in(host: str, domains: tuple[str, ...]) -> bool:
    """Exact domain or a true subdomain of one (`evil-dropbox.com` is neither)."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _path_fits(path: str, prefixes: tuple[str, ...]) -> bool:
    lowered = path.lower()
    return any(lowered.startswith(prefix) and len(lowered) > len(prefix) for prefix in prefixes)


def _split(url: str) -> SplitResult | None:
    """`urlsplit`, or None for a URL it rejects (bad port, bad IPv6 literal)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- validates the port, raising on garbage
    except ValueError:
        return None
    return parts


def provider_of(url: str) -> str | None:
    """The provider a URL belongs to, or None."""
    parts = _split(url)
    if parts is None or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".")
    for name, domains, prefixes in _PROVIDERS:
        if host_in(host, domains) and _path_fits(parts.path, prefixes):
            return name
    return None


def is_dropbox_preview(url: str) -> bool:
    """An inline Dropbox image (logo, avatar...), not a delivery (docs/old-router.md, links)."""
    parts = _split(url)
    if parts is None or not parts.path.lower().startswith("/scl/fi/"):
        return False
    if "raw=1" not in parts.query.replace("&amp;", "&").split("&"):
        return False
    filename = parts.path.rsplit("/", 1)[-1].lower()
    return filename.endswith(_PREVIEW_EXTENSIONS) and filename.startswith(_PREVIEW_PREFIXES)


def _query_key(item: str) -> str:
    return item.split("=", 1)[0]


def dropbox_direct_url(url: str) -> str:
    """Direct-download form of a Dropbox link: https, `dl=1`, query sorted, no fragment."""
    parts = urlsplit(url.replace("&amp;", "&"))
    host = (parts.hostname or "").lower()
    netloc = host if parts.port in _DEFAULT_PORTS else f"{host}:{parts.port}"
    kept = [item for item in parts.query.split("&") if item and _query_key(item) != "dl"]
    query = "&".join(sorted([*kept, "dl=1"], key=_query_key))
    return urlunsplit(("https", netloc, parts.path, query, ""))


def _link(url: str) -> Link | None:
    provider = provider_of(url)
    if provider is None:
        return None
    if provider == DROPBOX:
        if is_dropbox_preview(url):
            return None
        return Link(provider, url, dropbox_direct_url(url))
    return Link(provider, url)


def _embedded(text: str, start: int) -> bool:
    """Whether the URL starting at `start` continues an earlier URL of the same run."""
    if start == 0 or text[start - 1] in _TERMINATORS or text[start - 1].isspace():
        return False
    low = max(0, start - RUN_LOOKBACK)
    run_start = max(low, *(text.rfind(char, low, start) + 1 for char in _TERMINATORS))
    return _SCHEME.search(text, run_start, start) is not None


def _candidate_matches(text: str) -> Iterator[re.Match[str]]:
    """Provider URL matches in `text`, none when no provider domain appears at all."""
    lowered = text.lower()
    if not any(domain in lowered for domain in _DOMAINS):
        return iter(())
    if len(lowered) == len(text):  # positions agree: find in the lowered text, read in text
        return _CANDIDATE_LOWER.finditer(lowered)
    return _CANDIDATE.finditer(text)  # a character that lowers to two (`İ`)


def _candidates(text: str) -> list[str]:
    """Provider URLs in an unescaped text, in order, trailing punctuation trimmed; the first
    MAX_CANDIDATES distinct ones."""
    found: dict[str, bool] = {}
    for match in _candidate_matches(text):
        raw = text[match.start() : match.end()]
        if raw in found:
            continue
        if len(found) == MAX_CANDIDATES:
            break
        found[raw] = not _embedded(text, match.start())
    return [url for url in (_trim(raw) for raw, own in found.items() if own) if url]


def extract_links(html: str, plain: str | None = None) -> list[Link]:
    """Delivery links of an email, HTML first then plain text; first occurrence kept.

    The whole HTML is scanned, so `href`/`src` values in either quote style and URLs
    written in the text are all found. One regex pass per input: linear in its size.
    """
    urls = _candidates(unescape_char_refs(html))
    if plain:
        urls += _candidates(unescape_char_refs(plain))
    links: list[Link] = []
    seen: set[str] = set()
    for url in urls:
        if url in seen:
            continue
        seen.add(url)
        link = _link(url)
        if link is not None:
            links.append(link)
    return links
