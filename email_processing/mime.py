"""An RFC 822 message (Gmail API `users.messages.get?format=raw`) as the `InboundEmail` the
Apps Script posts, plus its attachments' bytes.

Contract of `parse_message`:

- Fields match `apps_script/Code.gs` `emailPayload_`: `subject`, `to`, `cc`, `reply_to` are the
  headers RFC 2047-decoded and unfolded ("" when absent, as the script sends); `sender` is the
  From header as `Name <address>` (the name decoded, quoted when it holds specials, so
  `parseaddr` reads it back). Without a usable From (absent, blank, or one `parseaddr` fails
  on): the Sender header, then Return-Path, then `UNKNOWN_SENDER` (the model requires a
  sender; `.invalid` is a reserved TLD that never routes).
- `body` is the HTML body when there is one, else the plain text (Gmail's `getBody()`);
  `plain_body` the text/plain body, "" when there is none. Several inline text parts of a kind
  (multipart/mixed) are joined with a newline. Each is cut at `max_body_chars`.
- `date` and `received_at`: Gmail's internalDate (`internal_date_ms`, what `getDate()` returns)
  formatted as JS `toISOString()` (`2026-12-02T20:01:54.000Z`); without it the Date header in
  the same form; else "" (and `received_at` None).
- `snippet`: the given Gmail API snippet, HTML-unescaped (the API escapes it); without one,
  the first 200 characters of the plain body, as the script sends; else of the HTML's text.
- `labels` are `label_ids` as given (the script sends label *names*: map ids first if rules
  match on labels). `headers`: the first value of each name in `HEADER_NAMES` present
  (decoded, at most 10 000 characters); the script sends no headers at all.
- Attachments: every leaf part that is not body text, message/rfc822 included (not opened).
  A text/plain or text/html part is body text unless it has a file name or
  `Content-Disposition: attachment`. An unnamed, non-attachment part inside
  multipart/alternative (text/calendar, AMP HTML...) is another rendering of the body: skipped.
  A part with a Content-ID and no `attachment` disposition is `inline` (an image the HTML
  shows): kept in `ParsedMessage.attachments` but, whether named or not, left out of
  `InboundEmail.attachments`, as the script's `getAttachments({includeInlineImages: false})`
  does (Outlook names every signature image, which would flag each mail as having attachments).
- Text: the part's charset; ISO-8859-1 read as Windows-1252 (as browsers and Gmail do); no,
  US-ASCII or an unknown charset: UTF-8 when the bytes are valid UTF-8, else Windows-1252.
  Undecodable bytes become U+FFFD: never an exception, never a lone surrogate.
- Caps, so a hostile message costs linear time and bounded work: at most `MAX_PARTS` MIME
  parts are walked and `MAX_DEPTH` levels of multipart nesting; parts beyond are skipped and
  `ParsedMessage.truncated` is set (as it is when a body is cut). Every model field is cut to
  the model's limits rather than rejected.

Why not `email.message_from_bytes(raw, policy=email.policy.default)` for the whole message:
the stdlib parser has no part or depth limit (a 3 000-level nesting raises RecursionError, a
deep one costs depth x lines), `policy.default` spends ~0.3 ms per part on header objects
(10 000 parts: seconds), and its header parser is superlinear on long headers and recurses on
nested comments. So the multipart structure is split here (one regex scan per level, on
memoryviews, no copy), each header block is parsed by the stdlib `BytesHeaderParser`
(compat32: raw values), MIME parameters (RFC 2231 file names, charset, boundary) by
`email.message.Message`, addresses and dates by `email.utils`; encoded words (RFC 2047) and
transfer encodings are decoded here with `binascii`, in linear time.

Errors: `MimeError` (a ValueError) for input that is not a message at all (not bytes, empty
or blank) or ids the model refuses (`gmail_id`, `thread_id`); any other input parses
best-effort. Pure: no I/O.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime
from html import unescape
from itertools import islice

from pydantic import ValidationError

from email_processing.inbound import MAX_LIST, Attachment, InboundEmail
from email_processing.normalize import html_to_text

DEFAULT_MAX_BODY_CHARS = 5 * 1024 * 1024
MAX_PARTS = 500  # MIME parts walked, the message itself included
MAX_DEPTH = 20  # multipart levels opened below the message
MAX_HEADER_BYTES = 256 * 1024  # of one part's header block, parsed
MAX_PARAM_CHARS = 2048  # of a Content-Type / Content-Disposition value, parsed for parameters
MAX_PARAMS = 64  # parameters read in such a value (the stdlib parse is quadratic in them)
MAX_BOUNDARY_CHARS = 200  # RFC 2046 allows 70
UNKNOWN_SENDER = "unknown@invalid"
SNIPPET_CHARS = 200  # the script's `plain.slice(0, 200)`
HEADER_NAMES = (
    *("Message-ID", "In-Reply-To", "References", "Return-Path", "Sender", "Delivered-To"),
    *("List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Post", "Auto-Submitted"),
    *("Precedence", "X-Auto-Response-Suppress", "Feedback-ID", "Importance", "X-Priority"),
    *("Content-Language", "X-Mailer"),
)

# The model's limits (email_processing/inbound.py).
_LIMITS = {
    "subject": 10_000,
    "sender": 2000,
    "snippet": 10_000,
    "message_id": 998,
    "to": 100_000,
    "cc": 100_000,
    "reply_to": 2000,
    "label": 255,
    "name": 1000,
    "content_type": 255,
    "header": 10_000,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEADER_PARSER = BytesHeaderParser(policy=compat32)
# A header block: an optional mbox `From ` line, then header lines (`name:` or a folded
# continuation) up to the first other line. Possessive: one linear pass, no backtracking.
_HEAD = re.compile(rb"(?:From [^\n]*+\n)?(?:(?:[!-9;-~]*+:|[ \t])[^\n]*+(?:\n|\Z))*+")
_NON_SPACE = re.compile(rb"\S")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_BASE64_ALPHABET)))
# Codecs that are not mail charsets, or decode slowly (punycode is quadratic).
_REFUSED_CODECS = frozenset(
    ("punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape", "mbcs", "oem")
)
_SPECIALS = frozenset('()<>[]:;@\\,."')
_PARAM_ERRORS = (ValueError, LookupError, TypeError, IndexError)  # UnicodeError is a ValueError


class MimeError(ValueError):
    """Not a message at all (not bytes, empty or blank), or an id the model refuses."""


@dataclass(frozen=True)
class AttachmentPart:
    """A leaf part that is not body text."""

    part_id: str  # Gmail's partId path: "" the message itself, "1" its 2nd part, "1.0"...
    name: str  # file name (RFC 2231 / 2047 decoded), "" when the part has none
    content_type: str  # "type/subtype", lower case
    size: int  # decoded bytes
    data: bytes | None  # decoded; None when the part does not carry it (message/external-body)
    inline: bool  # has a Content-ID and no `attachment` disposition: not in InboundEmail
    content_id: str = ""


@dataclass(frozen=True)
class ParsedMessage:
    email: InboundEmail
    attachments: list[AttachmentPart]  # every one, inline included, in message order
    truncated: bool  # a cap was hit: parts skipped or a body cut


@dataclass(frozen=True)
class _Entity:
    """What the walk needs of one part's headers."""

    content_type: str
    disposition: str = ""
    filename: str = ""
    charset: str | None = None
    encoding: str = ""
    content_id: str = ""
    boundary: str = ""


# ---------------------------------------------------------------------------------------------
# text


def _scrub(text: str) -> str:
    """Lone surrogates (undecodable bytes some decoders keep) become U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _guess(data: bytes) -> str:
    """Bytes of unknown charset: UTF-8 when valid, else Windows-1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset; None to guess."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset.strip()[:64]).name
    except (LookupError, ValueError):
        return None
    if name in _REFUSED_CODECS or name == "ascii":
        return None
    return "cp1252" if name == "iso8859-1" else name


def _decode_text(data: bytes, charset: str | None) -> str:
    codec = _codec(charset)
    if codec:
        try:
            return _scrub(data.decode(codec, "replace"))
        except (LookupError, UnicodeError):  # not a text codec (hex, rot13...)
            pass
    return _guess(data)


def _unbytes(value: str) -> str:
    """A raw header value (8-bit bytes kept as surrogates by the parser) as text."""
    if value.isascii():
        return value
    try:
        return _guess(value.encode("ascii", "surrogateescape"))
    except UnicodeEncodeError:
        return _scrub(value)


def _unfold(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def _base64(data: bytes) -> bytes:
    """Lenient base64: characters outside the alphabet dropped, padding repaired."""
    data = data.translate(None, _NOT_BASE64)
    extra = len(data) % 4
    data = data[:-1] if extra == 1 else data + b"=" * ((4 - extra) % 4)
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:  # not expected once cleaned; never fatal
        return b""


def _decode_word(charset: str, encoding: str, text: str) -> str:
    data = text.encode("utf-8", "replace")
    raw = _base64(data) if encoding in "Bb" else binascii.a2b_qp(data, header=True)
    return _decode_text(raw, charset)


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded; whitespace between two of them dropped."""
    pieces: list[str] = []
    end = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(text):
        gap = text[end : match.start()]
        if not after_word or gap.strip():
            pieces.append(gap)
        pieces.append(_decode_word(*match.groups()))
        end = match.end()
        after_word = True
    pieces.append(text[end:])
    return "".join(pieces)


def _header_text(raw: str | None, limit: int) -> str:
    """A header value decoded (8-bit, RFC 2047), unfolded, stripped, cut at `limit`."""
    if not raw:
        return ""
    text = _unfold(_unbytes(raw))
    if "=?" in text:
        text = _decode_words(text)
    return text.strip()[:limit]


# ---------------------------------------------------------------------------------------------
# addresses and dates


def _quote_name(name: str) -> str:
    if not _SPECIALS.intersection(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_address(value: str) -> tuple[str, str] | None:
    """`parseaddr`, or None when it fails: it recurses on nested comments (RecursionError)."""
    try:
        return parseaddr(value)
    except Exception:
        return None


def _address_text(raw: str | None) -> str:
    """An address header as `Name <address>`; its decoded text when it holds no address.

    "" when the header is absent, has no letter or digit, or is one `parseaddr` cannot read
    (the ingest pipeline parses the sender again, and would fail the same way).
    """
    if not raw:
        return ""
    value = _unfold(_unbytes(raw)).strip()[: 4 * _LIMITS["sender"]]
    parsed = _parse_address(value)
    if parsed is None:
        return ""
    name, address = parsed
    if not address:
        text = _header_text(value, _LIMITS["sender"])
        return text if any(char.isalnum() for char in text) else ""
    name = _header_text(name, _LIMITS["sender"]) if "=?" in name else name.strip()
    return f"{_quote_name(name)} <{address}>" if name else address


def _sender(fields: dict[str, str]) -> str:
    for name in ("from", "sender", "return-path"):
        text = _address_text(fields.get(name))
        if text:
            return text[: _LIMITS["sender"]]
    return UNKNOWN_SENDER


def _js_iso(moment: datetime) -> str:
    """JS `Date.prototype.toISOString()`: UTC, milliseconds, `Z`."""
    moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def _header_date(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        moment = parsedate_to_datetime(_unfold(_unbytes(raw)).strip()[:200])
        if moment.tzinfo is None:  # `-0000`: UTC, origin unknown
            moment = moment.replace(tzinfo=UTC)
        return _js_iso(moment)
    except (ValueError, TypeError, OverflowError, IndexError):
        return ""


def _date(internal_date_ms: int | None, header: str | None) -> str:
    if internal_date_ms is not None:
        try:
            return _js_iso(_EPOCH + timedelta(milliseconds=internal_date_ms))
        except (OverflowError, ValueError, TypeError):
            pass
    return _header_date(header)


# ---------------------------------------------------------------------------------------------
# MIME structure


def _split_head(data: memoryview) -> tuple[memoryview, memoryview]:
    """A part's header block and its body (the blank line between them dropped)."""
    match = _HEAD.match(data)
    end = match.end() if match else 0
    start = _after_line_break(data, end)
    return data[:end], data[start:]


def _after_line_break(data: memoryview, pos: int) -> int:
    if data[pos : pos + 2] == b"\r\n":
        return pos + 2
    return pos + 1 if data[pos : pos + 1] == b"\n" else pos


def _fields(head: memoryview) -> dict[str, str]:
    """The first raw value of each header name (lower case) in a header block."""
    message = _HEADER_PARSER.parsebytes(bytes(head[:MAX_HEADER_BYTES]))
    fields: dict[str, str] = {}
    for name, value in message.raw_items():
        fields.setdefault(name.strip().lower(), value)
    return fields


def _param_value(raw: str) -> str:
    """A Content-Type/-Disposition value cut for the stdlib's parameter parser."""
    value = _unfold(_unbytes(raw))[:MAX_PARAM_CHARS]
    return ";".join(value.split(";", MAX_PARAMS)[:MAX_PARAMS])


def _entity(fields: dict[str, str], default_type: str) -> _Entity:
    message = Message()
    message.set_default_type(default_type)
    for name in ("content-type", "content-disposition"):
        if name in fields:
            message[name] = _param_value(fields[name])
    try:
        return _Entity(
            content_type=message.get_content_type(),
            disposition=message.get_content_disposition() or "",
            filename=_filename(message),
            charset=message.get_content_charset(),
            encoding=_header_text(fields.get("content-transfer-encoding"), 100).lower(),
            content_id=_header_text(fields.get("content-id"), 998),
            boundary=str(message.get_boundary() or ""),
        )
    except _PARAM_ERRORS:  # e.g. an RFC 2231 value in the `undefined` codec
        return _Entity(content_type=message.get_content_type())


def _filename(message: Message) -> str:
    name = message.get_filename()
    if not isinstance(name, str):
        return ""
    name = _header_text(name, _LIMITS["name"]) if "=?" in name else _scrub(name).strip()
    return name[: _LIMITS["name"]]


def _split_multipart(body: memoryview, boundary: str) -> Iterator[memoryview]:
    """The parts between delimiter lines, lazily; preamble and epilogue dropped."""
    delimiter = re.compile(
        b"--" + re.escape(boundary.encode("utf-8", "replace")) + rb"(--)?[ \t]*+(?=\r?\n|\Z)"
    )
    start: int | None = None
    for match in delimiter.finditer(body):
        if match.start() > 0 and body[match.start() - 1] != 0x0A:
            continue  # not at the start of a line
        if start is not None:
            yield body[start : _line_end(body, match.start())]
        if match.group(1):
            return
        start = _after_line_break(body, match.end())
    if start is not None:  # no closing delimiter: the last part runs to the end
        yield body[start:]


def _line_end(body: memoryview, delimiter_start: int) -> int:
    """Where a part ends: the line break before its delimiter belongs to the delimiter."""
    end = max(delimiter_start - 1, 0)
    return end - 1 if end > 0 and body[end - 1] == 0x0D else end


def _child_id(parent: str, index: int) -> str:
    return f"{parent}.{index}" if parent else str(index)


def _decode_transfer(body: memoryview, encoding: str) -> bytes:
    if encoding == "base64":
        return _base64(bytes(body))
    if encoding == "quoted-printable":
        return binascii.a2b_qp(body)
    return bytes(body)  # 7bit, 8bit, binary, or unknown: as is


def _body_kind(entity: _Entity) -> str | None:
    """`html` or `plain` for a part that is body text, else None."""
    if entity.filename or entity.disposition == "attachment":
        return None
    return {"text/html": "html", "text/plain": "plain"}.get(entity.content_type)


@dataclass
class _Walk:
    """The walk's state: the body texts, the attachments, the part budget."""

    max_body_chars: int
    parts_left: int = MAX_PARTS - 1  # the message itself is the first part
    texts: dict[str, list[str]] = field(default_factory=lambda: {"html": [], "plain": []})
    room: dict[str, int] = field(default_factory=dict)
    attachments: list[AttachmentPart] = field(default_factory=list)
    truncated: bool = False

    def __post_init__(self) -> None:
        self.room = dict.fromkeys(self.texts, self.max_body_chars)

    def entity(self, entity: _Entity, body: memoryview, part_id: str, depth: int) -> None:
        if entity.content_type.startswith("multipart/"):
            self.multipart(entity, body, part_id, depth)
        else:
            self.leaf(entity, body, part_id, parent_type="")

    def multipart(self, entity: _Entity, body: memoryview, part_id: str, depth: int) -> None:
        if depth >= MAX_DEPTH:
            self.truncated = True
            return
        if not entity.boundary or len(entity.boundary) > MAX_BOUNDARY_CHARS:
            return  # no way to find its parts
        digest = entity.content_type == "multipart/digest"
        default_type = "message/rfc822" if digest else "text/plain"
        for index, chunk in enumerate(_split_multipart(body, entity.boundary)):
            if self.parts_left <= 0:
                self.truncated = True
                return
            self.parts_left -= 1
            head, child_body = _split_head(chunk)
            child = _entity(_fields(head), default_type)
            child_id = _child_id(part_id, index)
            if child.content_type.startswith("multipart/"):
                self.multipart(child, child_body, child_id, depth + 1)
            else:
                self.leaf(child, child_body, child_id, entity.content_type)

    def leaf(self, entity: _Entity, body: memoryview, part_id: str, parent_type: str) -> None:
        kind = _body_kind(entity)
        if kind:
            self.text(kind, entity, body)
        elif parent_type == "multipart/alternative" and not (
            entity.filename or entity.disposition == "attachment"
        ):
            return  # another rendering of the body (text/calendar, AMP...)
        else:
            self.attachments.append(_attachment(entity, body, part_id))

    def text(self, kind: str, entity: _Entity, body: memoryview) -> None:
        room = self.room[kind]
        if room <= 0:
            self.truncated = True
            return
        text = _decode_text(_decode_transfer(body, entity.encoding), entity.charset)
        if len(text) > room:
            text = text[:room]
            self.truncated = True
        self.room[kind] = room - len(text)
        self.texts[kind].append(text)

    def joined(self, kind: str) -> str:
        return "\n".join(self.texts[kind])[: self.max_body_chars]


def _attachment(entity: _Entity, body: memoryview, part_id: str) -> AttachmentPart:
    external = entity.content_type == "message/external-body"
    data = None if external else _decode_transfer(body, entity.encoding)
    return AttachmentPart(
        part_id=part_id,
        name=entity.filename,
        content_type=entity.content_type[: _LIMITS["content_type"]],
        size=len(data) if data is not None else 0,
        data=data,
        inline=bool(entity.content_id) and entity.disposition != "attachment",
        content_id=entity.content_id,
    )


# ---------------------------------------------------------------------------------------------
# the InboundEmail


def _snippet(given: str, plain: str, html: str) -> str:
    if given:
        return unescape(given)[: _LIMITS["snippet"]]
    if plain:
        return plain[:SNIPPET_CHARS]
    return html_to_text(html[: 100 * SNIPPET_CHARS])[:SNIPPET_CHARS]


def _headers(fields: dict[str, str]) -> dict[str, str]:
    """The HEADER_NAMES present (far fewer than the model's 200 entries)."""
    found = {
        name: _header_text(fields.get(name.lower()), _LIMITS["header"]) for name in HEADER_NAMES
    }
    return {name: value for name, value in found.items() if value}


def _as_view(raw: bytes) -> memoryview:
    if not isinstance(raw, bytes | bytearray):
        raise MimeError("expected the message's bytes")
    view = memoryview(raw)
    if not _NON_SPACE.search(view):
        raise MimeError("empty message")
    return view


def _email(
    fields: dict[str, str], walk: _Walk, *, date: str, snippet: str, gmail: dict[str, object]
) -> InboundEmail:
    html, plain = walk.joined("html"), walk.joined("plain")
    attachments = [
        Attachment(name=part.name, size=part.size, content_type=part.content_type)
        for part in walk.attachments
        if not part.inline
    ]
    return InboundEmail.model_validate(
        {
            **gmail,
            "subject": _header_text(fields.get("subject"), _LIMITS["subject"]),
            "sender": _sender(fields),
            "date": date,
            "body": html or plain,
            "plain_body": plain,
            "snippet": _snippet(snippet, plain, html),
            "message_id": _header_text(fields.get("message-id"), _LIMITS["message_id"]) or None,
            "to": _header_text(fields.get("to"), _LIMITS["to"]),
            "cc": _header_text(fields.get("cc"), _LIMITS["cc"]),
            "reply_to": _header_text(fields.get("reply-to"), _LIMITS["reply_to"]),
            "attachments": attachments[:MAX_LIST],
            "headers": _headers(fields),
            "received_at": date or None,
        }
    )


def parse_message(
    raw: bytes,
    *,
    gmail_id: str,
    thread_id: str = "",
    label_ids: Sequence[str] = (),
    internal_date_ms: int | None = None,
    snippet: str = "",
    max_body_chars: int = DEFAULT_MAX_BODY_CHARS,
) -> ParsedMessage:
    """The message in `raw` (RFC 822 bytes) as Apps Script would post it: see the module doc."""
    head, body = _split_head(_as_view(raw))
    fields = _fields(head)
    walk = _Walk(max_body_chars=max(max_body_chars, 0))
    walk.entity(_entity(fields, "text/plain"), body, "", 0)
    labels = [str(label)[: _LIMITS["label"]] for label in islice(label_ids, MAX_LIST)]
    gmail: dict[str, object] = {
        "gmail_message_id": gmail_id or None,
        "thread_id": thread_id or None,
        "labels": labels,
    }
    date = _date(internal_date_ms, fields.get("date"))
    try:
        email = _email(fields, walk, date=date, snippet=snippet, gmail=gmail)
    except ValidationError as error:
        raise MimeError(f"refused by the model: {error}") from error
    return ParsedMessage(email=email, attachments=walk.attachments, truncated=walk.truncated)
