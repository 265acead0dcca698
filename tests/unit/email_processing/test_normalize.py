"""Normalisation: folding, HTML to text, and the normalised email."""

from __future__ import annotations

import pytest

from email_processing.inbound import Attachment
from email_processing.normalize import collapse, fold, html_to_text, normalize_email
from tests.unit.email_processing.helpers import email, inbound


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Désabonnement", "desabonnement"),
        ("JOURNÉE  \t Tarifs\nHabituels", "journee tarifs habituels"),
        ("  Média Solution - Missions Recadrage  ", "media solution - missions recadrage"),
        ("Ça coûte où ? Œuvre", "ca coute ou ? œuvre"),
        ("e\u0301te\u0301", "ete"),  # already decomposed
        ("\u212a", "k"),  # Kelvin sign decomposes to K
        ("Prêt 😀 \U0001d165x", "pret 😀 x"),  # emoji kept, a mark beyond U+FFFF removed
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_collapse_joins_whitespace_runs_and_strips() -> None:
    assert collapse(" a \n\t b\u00a0 c ") == "a b c"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>journ&eacute;e</p>", "journée"),
        ("caf&#233; &#xE9;t&#XE9;", "café été"),
        ("a&nbsp;&nbsp;b", "a b"),
        ("Tom &amp; Jerry &lt;b&gt;", "Tom & Jerry <b>"),
        ("sans point-virgule &eacute", "sans point-virgule é"),
    ],
)
def test_html_to_text_decodes_entities(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_html_to_text_drops_script_and_style_content() -> None:
    html = "<style>p{color:red}</style>A<script type='x'>if (a < b) alert(1)</script>B"
    assert html_to_text(html) == "A B"


def test_html_to_text_script_end_tag_is_case_insensitive() -> None:
    assert html_to_text("x<SCRIPT>bad()</Script >y") == "x y"


def test_html_to_text_breaks_lines_at_blocks_and_br() -> None:
    html = "<div>Bonjour,<br>Voici<p>le lot</p><ul><li>un</li><li>deux</li></ul></div>"
    assert html_to_text(html) == "Bonjour,\nVoici\nle lot\nun\ndeux"


def test_html_to_text_inline_tags_do_not_split_words() -> None:
    assert html_to_text("D<span>é</span>sabonnement <b>14</b>h30") == "Désabonnement 14h30"


def test_html_to_text_other_tags_become_spaces() -> None:
    assert html_to_text("<table><tr><td>a</td><td>b</td></tr></table>") == "a b"
    assert html_to_text("a<img src=x>b<x-tag>c</x-tag>") == "a b c"


def test_html_to_text_source_newlines_are_spaces() -> None:
    assert html_to_text("<p>une\nphrase\r\nsuite</p>") == "une phrase suite"


def test_html_to_text_drops_comments_and_declarations() -> None:
    html = "<!DOCTYPE html><!-- secret <p>x</p> -->a<?xml v?><![CDATA[c]]>b"
    assert html_to_text(html) == "ab"


def test_html_to_text_keeps_a_lone_less_than_sign() -> None:
    assert html_to_text("<p>3 < 4 et 5 <= 6</p>") == "3 < 4 et 5 <= 6"


def test_html_to_text_quoted_greater_than_stays_inside_the_tag() -> None:
    assert html_to_text('<a title="a > b" href="x">lien</a>') == "lien"


@pytest.mark.parametrize(
    "html",
    [
        "texte <div class='x",  # unterminated tag
        "texte <!-- jamais fermé",
        "texte <script>jamais fermé",
        'texte <a href="x>suite',  # unbalanced quote, no closing quote anywhere
    ],
)
def test_html_to_text_survives_malformed_html(html: str) -> None:
    assert html_to_text(html).startswith("texte")


@pytest.mark.parametrize(
    "html",
    [
        "<a " * 100_000,
        "<a x='" * 100_000,
        '<a b="' + "<p>x" * 50_000,
        "<!--" * 100_000,
        "&" * 200_000,
    ],
    ids=["open-tags", "open-quotes", "one-long-quote", "comment-openers", "ampersands"],
)
def test_html_to_text_handles_pathological_input(html: str) -> None:
    # Quadratic work here would blow the test timeout; the result itself is not the point.
    assert isinstance(html_to_text(html), str)


def test_normalize_decodes_the_subject() -> None:
    normalized = email(subject="D&eacute;sabonnement  du   jour")
    assert normalized.subject == "Désabonnement du jour"
    assert normalized.subject_folded == "desabonnement du jour"


def test_normalize_body_text_is_one_line_of_the_visible_text() -> None:
    normalized = email(body="<div>Bonjour,<br>Lot &agrave; faire</div>")
    assert normalized.body_text == "Bonjour, Lot à faire"
    assert normalized.body_folded == "bonjour, lot a faire"


def test_normalize_appends_a_plain_body_that_differs() -> None:
    normalized = email(body="<p>Version HTML</p>", plain_body="Version texte\nsuite")
    assert normalized.body_text == "Version HTML Version texte suite"


def test_normalize_does_not_repeat_a_plain_body_equal_to_the_html_text() -> None:
    normalized = email(body="<p>Même\ntexte</p>", plain_body="Même texte")
    assert normalized.body_text == "Même texte"


def test_normalize_uses_the_plain_body_when_there_is_no_html() -> None:
    assert email(body="", plain_body="Texte seul").body_text == "Texte seul"


def test_normalize_truncates_long_bodies_once() -> None:
    normalized = normalize_email(
        inbound(body="<p>" + "x" * 5000 + "</p>", plain_body="y" * 5000), max_body_chars=1000
    )
    assert normalized.truncated is True
    assert len(normalized.body_html) == 1000
    assert normalized.plain_body == "y" * 1000


def test_normalize_default_cap_is_one_mebibyte() -> None:
    normalized = normalize_email(inbound(body="x" * (1_048_576 + 10)))
    assert normalized.truncated is True
    assert len(normalized.body_html) == 1_048_576


def test_normalize_truncates_a_long_plain_body_alone() -> None:
    normalized = normalize_email(inbound(plain_body="y" * 50), max_body_chars=10)
    assert normalized.truncated is True


def test_normalize_leaves_short_bodies_alone() -> None:
    normalized = normalize_email(inbound(body="<p>court</p>"), max_body_chars=1000)
    assert normalized.truncated is False
    assert normalized.body_html == "<p>court</p>"


def test_normalize_parses_the_sender() -> None:
    normalized = email(sender="Planning Média <Planning@Media-Solution.example>")
    assert normalized.sender == "Planning Média <Planning@Media-Solution.example>"
    assert normalized.sender_email == "planning@media-solution.example"
    assert normalized.sender_domain == "media-solution.example"


def test_normalize_lower_cases_header_names() -> None:
    normalized = email(headers={"X-Mailer": "Outlook", "List-Id": "<news.example>"})
    assert dict(normalized.headers) == {"x-mailer": "Outlook", "list-id": "<news.example>"}


def test_normalize_keeps_recipients_labels_and_attachment_presence() -> None:
    normalized = email(
        to=["a@x.example", "b@x.example"],
        cc="c@x.example",
        labels=["INBOX", "A_TRANSFERER_WEBHOOK"],
        attachments=[Attachment(name="f.pdf", size=10)],
    )
    assert normalized.to == "a@x.example, b@x.example"
    assert normalized.cc == "c@x.example"
    assert normalized.labels == ("INBOX", "A_TRANSFERER_WEBHOOK")
    assert normalized.has_attachments is True


def test_normalize_defaults_for_the_old_script_fields_only() -> None:
    normalized = email()
    assert (normalized.to, normalized.cc, normalized.labels) == ("", "", ())
    assert normalized.has_attachments is False
    assert normalized.plain_body is None
