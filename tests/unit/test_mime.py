"""Raw RFC 822 bytes (Gmail API format=raw) to the InboundEmail the Apps Script would post."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from email_processing import mime
from email_processing.mime import (
    HEADER_NAMES,
    MAX_DEPTH,
    MAX_PARTS,
    UNKNOWN_SENDER,
    MimeError,
    ParsedMessage,
    parse_message,
)

DEC_2 = datetime(2026, 12, 2, 20, 1, 54, tzinfo=UTC)
DEC_2_MS = int(DEC_2.timestamp()) * 1000


def parse(raw: bytes, **kwargs: object) -> ParsedMessage:
    kwargs.setdefault("gmail_id", "18c0ffee0001")
    return parse_message(raw, **kwargs)  # type: ignore[arg-type]


def crlf(text: str) -> bytes:
    """A hand-written message: `\n` line ends become CRLF, as on the wire."""
    return text.replace("\n", "\r\n").encode("latin-1")


ALTERNATIVE_WITH_PDF = crlf(
    """\
From: =?UTF-8?Q?Jos=C3=A9_M=C3=BCller?= <jose@example.com>
To: =?ISO-8859-1?Q?Ren=E9?= <rene@example.com>, "Doe, Jane" <jane@example.com>
Cc: carol@example.com
Reply-To: support@example.com
Subject: =?UTF-8?B?Q2Fmw6kg4piV?= =?ISO-8859-1?Q?_d=E9j=E0?= vu
Date: Wed, 02 Dec 2026 21:01:54 +0100
Message-ID: <m1@example.com>
List-Unsubscribe: <https://example.com/unsubscribe>
Received: from mx.example.com
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

This is a preamble, ignored.
--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Bonjour, caf=E9 cr=E8me br=FBl=E9e, une tr=E8s longue ligne coup=E9e par un saut =
doux.
--alt
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

PHA+Qm9uam91ciwgPGI+Y2Fmw6k8L2I+PC9wPg==
--alt--
--outer
Content-Type: application/pdf; name="resume.pdf"
Content-Disposition: attachment;
 filename*0*=UTF-8''R%C3%A9sum%C3%A9%20;
 filename*1*=%C3%A9t%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==
--outer--
Epilogue, ignored.
"""
)


def test_alternative_with_encoded_headers_latin1_qp_html_and_pdf() -> None:
    parsed = parse(
        ALTERNATIVE_WITH_PDF,
        thread_id="18c0ffee0000",
        label_ids=["INBOX", "Label_7"],
        internal_date_ms=DEC_2_MS,
    )
    email = parsed.email
    assert email.subject == "Café ☕ déjà vu"
    assert email.sender == "José Müller <jose@example.com>"
    assert email.to == 'René <rene@example.com>, "Doe, Jane" <jane@example.com>'
    assert email.cc == "carol@example.com"
    assert email.reply_to == "support@example.com"
    assert email.plain_body == (
        "Bonjour, café crème brûlée, une très longue ligne coupée par un saut doux."
    )
    assert email.body == "<p>Bonjour, <b>café</b></p>"  # HTML preferred, as getBody()
    assert email.snippet == email.plain_body[:200]
    assert email.date == email.received_at == "2026-12-02T20:01:54.000Z"
    assert email.gmail_message_id == "18c0ffee0001"
    assert email.thread_id == "18c0ffee0000"
    assert email.message_id == "<m1@example.com>"
    assert email.labels == ["INBOX", "Label_7"]
    assert email.headers == {
        "Message-ID": "<m1@example.com>",
        "List-Unsubscribe": "<https://example.com/unsubscribe>",
    }
    assert [a.model_dump(exclude_none=True) for a in email.attachments] == [
        {"name": "Résumé été.pdf", "size": 19, "content_type": "application/pdf"}
    ]
    (pdf,) = parsed.attachments
    assert pdf.part_id == "1"  # Gmail's partId: the 2nd part of the message
    assert pdf.data == b"%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n"
    assert pdf.size == len(pdf.data) and not pdf.inline
    assert parsed.truncated is False


def test_plain_text_only() -> None:
    message = EmailMessage()
    message["From"] = "alice@example.com"
    message["Subject"] = "Plain"
    message.set_content("Just text, " + "x" * 300 + "\n")
    parsed = parse(message.as_bytes())
    email = parsed.email
    assert email.plain_body == "Just text, " + "x" * 300 + "\n"
    assert email.body == email.plain_body  # getBody() gives the text when there is no HTML
    assert email.snippet == email.plain_body[:200]
    assert email.sender == "alice@example.com"
    assert (email.to, email.cc, email.reply_to) == ("", "", "")  # the script sends ""
    assert email.attachments == [] and parsed.attachments == []


def test_html_only() -> None:
    message = EmailMessage()
    message["From"] = "Shop <news@shop.example>"
    message.set_content("<html><body><h1>Sale</h1><p>50% off</p></body></html>", subtype="html")
    email = parse(message.as_bytes()).email
    assert email.body.startswith("<html><body><h1>Sale</h1>")
    assert email.plain_body == ""
    assert email.snippet == "Sale\n50% off"  # the HTML's text, as getPlainBody() would give


def test_nested_mixed_related_alternative_and_inline_image() -> None:
    message = EmailMessage()
    message["From"] = "Outlook User <user@corp.example>"
    message["Subject"] = "Nested"
    message.set_content("plain version\n")
    message.add_alternative('<p>html <img src="cid:logo@corp"></p>', subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(
        b"\x89PNG fake",
        maintype="image",
        subtype="png",
        cid="<logo@corp>",
        filename="image001.png",
        disposition="inline",
    )
    message.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="data.csv")
    parsed = parse(message.as_bytes())
    email = parsed.email
    assert email.plain_body == "plain version\n"
    assert email.body == '<p>html <img src="cid:logo@corp"></p>\n'
    image, csv = parsed.attachments
    # mixed > alternative (0) > [plain 0.0, related 0.1 > [html 0.1.0, image 0.1.1]], csv 1
    assert (image.part_id, image.name, image.inline) == ("0.1.1", "image001.png", True)
    assert image.content_id == "<logo@corp>" and image.data == b"\x89PNG fake"
    assert (csv.part_id, csv.content_type, csv.data) == ("1", "text/csv", b"a,b\n1,2\n")
    # An inline image stays out of the model, named or not (getAttachments without them).
    assert [a.name for a in email.attachments] == ["data.csv"]


def test_alternative_renderings_are_not_attachments() -> None:
    raw = crlf(
        """\
From: cal@example.com
Content-Type: multipart/alternative; boundary=b

--b
Content-Type: text/plain

Invitation
--b
Content-Type: text/calendar; method=REQUEST

BEGIN:VCALENDAR
--b
Content-Type: text/html

<p>Invitation</p>
--b--
"""
    )
    parsed = parse(raw)
    assert parsed.attachments == []
    assert parsed.email.body == "<p>Invitation</p>"
    assert parsed.email.plain_body == "Invitation"


def test_message_rfc822_is_an_attachment_not_opened() -> None:
    inner = EmailMessage()
    inner["From"] = "inner@example.com"
    inner["Subject"] = "Forwarded"
    inner.set_content("inner body\n")
    outer = EmailMessage()
    outer["From"] = "outer@example.com"
    outer.set_content("see attached\n")
    outer.add_attachment(inner)
    parsed = parse(outer.as_bytes())
    (forwarded,) = parsed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.data is not None and b"Subject: Forwarded" in forwarded.data
    assert parsed.email.plain_body == "see attached\n"  # the inner body is not the body
    assert [a.content_type for a in parsed.email.attachments] == ["message/rfc822"]


def test_digest_parts_default_to_message_rfc822() -> None:
    raw = crlf(
        """\
From: list@example.com
Content-Type: multipart/digest; boundary=d

--d

From: a@example.com
Subject: one

first
--d--
"""
    )
    (part,) = parse(raw).attachments
    assert part.content_type == "message/rfc822"
    assert part.data == b"From: a@example.com\r\nSubject: one\r\n\r\nfirst"


def test_windows_1252_and_latin1_read_as_windows_1252() -> None:
    for charset in ("windows-1252", "iso-8859-1"):
        raw = (
            b"From: a@example.com\r\nContent-Type: text/plain; charset=" + charset.encode()
        ) + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\x93quoted\x94 \x80 caf\xe9\r\n"
        assert parse(raw).email.plain_body == "\u201cquoted\u201d € café\r\n"


@pytest.mark.parametrize(
    ("charset", "payload", "expected"),
    [
        ("x-bogus", "café".encode(), "café"),  # unknown: UTF-8 when valid...
        ("x-bogus", "café".encode("cp1252"), "café"),  # ...else Windows-1252
        ("us-ascii", "naïve".encode(), "naïve"),  # 8-bit bytes in "ASCII"
        ("utf-8", b"ok \xff\xfe end", "ok \ufffd\ufffd end"),  # invalid bytes replaced
        ("hex", b"plain", "plain"),  # a codec that is no text encoding
        ("punycode", b"abc-", "abc-"),  # refused (quadratic): guessed instead
        ("utf-7", b"+2AA-", "\ufffd"),  # a lone surrogate never leaks
        ('"utf-8\x00"', "é".encode(), "é"),
    ],
)
def test_odd_and_bogus_charsets_never_raise(charset: str, payload: bytes, expected: str) -> None:
    raw = b"From: a@example.com\r\nContent-Type: text/plain; charset="
    raw += charset.encode("latin-1") + b"\r\n\r\n" + payload
    assert parse(raw).email.plain_body == expected


def test_bogus_charsets_in_headers_and_parameters() -> None:
    raw = crlf(
        """\
From: =?x-bogus?Q?Caf=C3=A9?= <a@example.com>
Subject: =?undefined?B?AAAA?= =?utf-8?B?broken base64?= =?utf-8?Q?ok?=
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=undefined''x.bin

data
--b--
"""
    )
    parsed = parse(raw)
    assert parsed.email.sender == "Café <a@example.com>"
    assert parsed.email.subject.endswith("ok")
    assert [a.data for a in parsed.attachments] == [b"data"]  # the part survives


def test_raw_8bit_headers_and_rfc2047_filename() -> None:
    raw = (
        "From: Jörg <jorg@example.com>\r\nSubject: Grüße\r\n".encode()
        + b"To: Ren\xe9 <rene@example.com>\r\n"  # Latin-1 bytes, not UTF-8
        + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + b'Content-Type: application/pdf; name="=?UTF-8?B?UsOpc3Vtw6kucGRm?="\r\n'
        + b"Content-Disposition: attachment\r\n\r\n%PDF\r\n--b--\r\n"
    )
    parsed = parse(raw)
    assert parsed.email.subject == "Grüße"
    assert parsed.email.sender == "Jörg <jorg@example.com>"
    assert parsed.email.to == "René <rene@example.com>"
    assert parsed.attachments[0].name == "Résumé.pdf"


def test_sender_with_specials_in_an_encoded_name_is_quoted() -> None:
    raw = b"From: =?utf-8?q?Doe=2C_Jane?= <jane@example.com>\r\n\r\nx"
    sender = parse(raw).email.sender
    assert sender == '"Doe, Jane" <jane@example.com>'
    assert parseaddr(sender) == ("Doe, Jane", "jane@example.com")


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        (b"Subject: no from\r\n", UNKNOWN_SENDER),
        (b"From:   \r\nReturn-Path: <>\r\n", UNKNOWN_SENDER),
        (
            b"Sender: Bot <bot@example.com>\r\nReturn-Path: <b@x.example>\r\n",
            "Bot <bot@example.com>",
        ),
        (b"Return-Path: <bounce@mail.example>\r\n", "bounce@mail.example"),
        (b"From: " + b"(" * 3000 + b"a@example.com\r\n", UNKNOWN_SENDER),  # parseaddr recurses
        (b"From: Undisclosed\r\n", "Undisclosed"),
    ],
)
def test_sender_fallbacks(headers: bytes, sender: str) -> None:
    email = parse(headers + b"\r\nbody").email
    assert email.sender == sender


def test_garbage_still_gives_a_valid_email() -> None:
    email = parse(b"\x00\x81\xe9 not a header line\r\nmore").email
    assert email.sender == UNKNOWN_SENDER
    # Not UTF-8, so Windows-1252, where 0x81 is undefined: replaced.
    assert email.plain_body == "\x00\ufffd\xe9 not a header line\r\nmore"
    assert email.date == "" and email.received_at is None


@pytest.mark.parametrize("raw", [b"", b" \r\n\t\r\n", bytearray()])
def test_empty_input_is_a_mime_error(raw: bytes) -> None:
    with pytest.raises(MimeError):
        parse(raw)


def test_not_bytes_or_a_bad_gmail_id_is_a_mime_error() -> None:
    with pytest.raises(MimeError):
        parse("From: a@example.com\r\n\r\nx")  # type: ignore[arg-type]
    with pytest.raises(MimeError):
        parse(b"From: a@example.com\r\n\r\nx", gmail_id="not/an id")
    assert issubclass(MimeError, ValueError)


@pytest.mark.parametrize(
    ("internal_date_ms", "header", "expected"),
    [
        (DEC_2_MS, "Thu, 01 Jan 2015 00:00:00 +0000", "2026-12-02T20:01:54.000Z"),
        (DEC_2_MS + 7, None, "2026-12-02T20:01:54.007Z"),
        (0, None, "1970-01-01T00:00:00.000Z"),
        (None, "Wed, 02 Dec 2026 21:01:54 +0100", "2026-12-02T20:01:54.000Z"),
        (None, "2 Dec 2026 15:01:54 -0500 (EST)", "2026-12-02T20:01:54.000Z"),
        (None, "Wed, 02 Dec 2026 20:01:54 -0000", "2026-12-02T20:01:54.000Z"),
        (10**20, "Wed, 02 Dec 2026 20:01:54 +0000", "2026-12-02T20:01:54.000Z"),  # overflow
        (None, "not a date", ""),
        (None, "Wed, 02 Dec 2026 20:01:54 +9999", ""),
        (None, None, ""),
    ],
)
def test_date_is_formatted_like_js_to_iso_string(
    internal_date_ms: int | None, header: str | None, expected: str
) -> None:
    raw = b"From: a@example.com\r\n"
    if header is not None:
        raw += b"Date: " + header.encode() + b"\r\n"
    email = parse(raw + b"\r\nx", internal_date_ms=internal_date_ms).email
    assert email.date == expected
    assert email.received_at == (expected or None)


def test_snippet_given_by_gmail_is_unescaped() -> None:
    raw = b"From: a@example.com\r\n\r\nbody"
    assert parse(raw, snippet="It&#39;s &lt;here&gt; &amp; now").email.snippet == (
        "It's <here> & now"
    )


def _flat(parts: int) -> bytes:
    chunks = [b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n']
    for index in range(parts):
        chunks.append(
            b"--B\r\nContent-Type: application/octet-stream\r\n"
            b'Content-Disposition: attachment; filename="f%d.bin"\r\n\r\n%d\r\n' % (index, index)
        )
    return b"".join([*chunks, b"--B--\r\n"])


def _nested(depth: int, text: bytes = b"deep text") -> bytes:
    chunks = [b"From: a@example.com\r\n"]
    for level in range(depth):
        chunks.append(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
        )
    chunks.append(b"Content-Type: text/plain\r\n\r\n" + text + b"\r\n")
    chunks.extend(b"--b%d--\r\n" % level for level in reversed(range(depth)))
    return b"".join(chunks)


def test_part_cap_ten_thousand_parts_parse_quickly() -> None:
    raw = _flat(10_000)
    start = time.perf_counter()
    parsed = parse(raw)
    assert time.perf_counter() - start < 1.0
    assert len(parsed.attachments) == MAX_PARTS - 1  # the message itself is a part
    assert parsed.attachments[-1].name == f"f{MAX_PARTS - 2}.bin"
    assert len(parsed.email.attachments) == MAX_PARTS - 1
    assert parsed.truncated is True


def test_depth_cap() -> None:
    within = parse(_nested(MAX_DEPTH))
    assert within.email.plain_body == "deep text" and not within.truncated
    beyond = parse(_nested(MAX_DEPTH + 1))
    assert beyond.email.plain_body == "" and beyond.truncated
    start = time.perf_counter()
    hostile = parse(_nested(5000))  # the stdlib parser raises RecursionError on this one
    assert time.perf_counter() - start < 1.0
    assert hostile.truncated and hostile.email.sender == "a@example.com"


def test_large_body_is_capped() -> None:
    raw = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + b"<p>x</p>" * 1_000_000
    parsed = parse(raw, max_body_chars=1000)
    assert len(parsed.email.body) == 1000 and parsed.truncated
    default = parse(raw)
    assert len(default.email.body) == mime.DEFAULT_MAX_BODY_CHARS < 8_000_000
    assert default.truncated


def test_several_text_parts_share_the_cap() -> None:
    raw = crlf(
        """\
From: a@example.com
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

aaaa
--b
Content-Type: text/plain

bbbb
--b
Content-Type: text/plain

cccc
--b--
"""
    )
    assert parse(raw).email.plain_body == "aaaa\nbbbb\ncccc"
    capped = parse(raw, max_body_chars=6)
    assert capped.email.plain_body == "aaaa\nb" and capped.truncated


def test_model_field_limits_are_respected_by_cutting() -> None:
    long_to = ", ".join(f"user{i}@example.com" for i in range(8000))
    raw = (
        f"From: {'N' * 3000} <a@example.com>\r\nSubject: {'s' * 20_000}\r\n"
        f"To: {long_to}\r\nMessage-ID: <{'m' * 2000}@x>\r\n"
        f"References: {'<r@x> ' * 5000}\r\n\r\nbody"
    ).encode()
    email = parse(raw, label_ids=["L" * 300] * 600).email
    assert len(email.subject) == 10_000
    assert len(email.sender) == 2000
    assert email.to is not None and len(email.to) == 100_000
    assert email.message_id is not None and len(email.message_id) == 998
    assert len(email.headers["References"]) == 10_000
    assert len(email.labels) == 500 and len(email.labels[0]) == 255


def test_header_allowlist_fits_the_model() -> None:
    assert len(HEADER_NAMES) <= 200
    assert all(len(name) <= 100 for name in HEADER_NAMES)


def test_transfer_encodings_are_lenient() -> None:
    raw = crlf(
        """\
From: a@example.com
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

Q2Fmw6k
--b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: Quoted-Printable

<p>soft =
break =C3=A9</p>
--b--
"""
    )
    email = parse(raw).email
    assert email.plain_body == "Café"  # missing padding repaired
    assert email.body == "<p>soft break é</p>"


def test_multipart_without_a_closing_delimiter_or_boundary() -> None:
    unclosed = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    unclosed += b"--b\r\nContent-Type: text/plain\r\n\r\nlast part runs to the end\r\n"
    assert parse(unclosed).email.plain_body == "last part runs to the end\r\n"
    no_boundary = b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nhi"
    assert parse(no_boundary).email.plain_body == ""


@pytest.mark.parametrize(
    ("disposition", "inline"),
    [("inline", True), (None, True), ("attachment", False)],
)
def test_a_content_id_makes_a_part_inline_unless_it_is_an_attachment(
    disposition: str | None, inline: bool
) -> None:
    raw = b"From: a@example.com\r\nContent-Type: multipart/related; boundary=b\r\n\r\n"
    raw += b"--b\r\nContent-Type: text/html\r\n\r\n<img src=cid:i1>\r\n"
    raw += b"--b\r\nContent-Type: image/gif\r\nContent-ID: <i1>\r\n"
    if disposition:
        raw += b"Content-Disposition: " + disposition.encode() + b"\r\n"
    raw += b"\r\nGIF89a\r\n--b--\r\n"
    parsed = parse(raw)
    (image,) = parsed.attachments
    assert image.inline is inline and image.name == ""
    assert len(parsed.email.attachments) == (0 if inline else 1)


def test_mangled_messages_never_raise_and_stay_json_safe() -> None:
    rng = random.Random(17)
    for _ in range(300):
        raw = bytearray(ALTERNATIVE_WITH_PDF)
        for _flip in range(rng.randint(1, 40)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        raw = raw[: rng.randint(1, len(raw))]
        try:
            parsed = parse(bytes(raw))
        except MimeError:
            continue  # blank after the cut
        parsed.email.model_dump_json().encode("utf-8")  # no lone surrogate anywhere
