"""The two ways html_text replaces tags (one split by tag; runs of adjacent tags for markup
dense with them) read every text the same, and the guards and caches change no answer."""

from __future__ import annotations

import random

import pytest

from email_processing import html_text
from email_processing.html_text import html_to_text, visible_text

PIECES = (
    *("<div>", "</div>", "<DIV class='a>b'>", "<diV\t>", "<Tr>", "<br/>", "<p", "< div>"),
    *("<b>", "</B>", '<span x="1">', "<bdi>", "<a href='u'>", "</a>", "<s\u017f>", "<S>"),
    *("<img src=x>", "<td>", "</td>", "<o:p>", "<divx>", "<x-y:z>", "</ div>", "</>"),
    *("<!--", "-->", "<script>", "</script>", "<style a=1>", "<!doctype html>"),
    *(" ", "\n", "\t", "x", "é", "<", ">", "'", '"', "&amp;", "&eacute", "\ue000"),
)


def random_markup(rnd: random.Random) -> str:
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 40)))


@pytest.fixture
def by_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text with an adjacent pair of tags read by runs."""
    monkeypatch.setattr(html_text, "RUN_DENSITY", 1 << 40)


def both_views(text: str) -> tuple[str, str]:
    return html_to_text(text), visible_text(text)


def test_runs_and_single_tags_read_every_text_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(20261203)
    texts = [random_markup(rnd) for _ in range(20_000)]
    monkeypatch.setattr(html_text, "RUN_DENSITY", 1 << 40)  # any `><` -> by runs
    dense = [both_views(text) for text in texts]
    monkeypatch.setattr(html_text, "RUN_DENSITY", 1)  # never by runs (`><` is at most len/2)
    assert [both_views(text) for text in texts] == dense
    assert sum("><" in text for text in texts) > 10_000  # the runs path was taken


@pytest.mark.usefixtures("by_runs")
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div><div><p>a</p></div></div><div>b", "a\nb"),
        ("D<b><i>é</i></b>sabo", "Désabo"),
        ("a<img><img>b", "a b"),
        ("a<b><img><i>b", "a b"),
        ("a<b><br><i>b", "a\nb"),
        ("a<B></SPAN>b", "ab"),
        ("a<b <div>>b", "a b"),
    ],
)
def test_runs_become_what_their_tags_become(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_dense_markup_is_read_by_runs() -> None:
    nested = "<div>" * 1000 + "texte" + "</div>" * 1000
    assert nested.count("><") > len(nested) // html_text.RUN_DENSITY
    # text, then block / inline / other slots per run: two runs of block tags
    assert html_text._TAG_RUN.split(nested) == ["", "", None, None, "texte", "", None, None, ""]
    assert html_to_text(nested) == "texte"


def test_unknown_tag_names_are_remembered_up_to_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    names = html_text._TagText({"div": "\ue000"})
    monkeypatch.setattr(html_text, "NAMES_REMEMBERED", 3)
    assert [names[n] for n in ("DIV", "td", "x1", "x2")] == ["\ue000", " ", " ", " "]
    assert set(names) == {"div", "DIV", "td"}


@pytest.mark.usefixtures("by_runs")
def test_script_bodies_are_dropped_in_dense_markup_whatever_the_case() -> None:
    # Dense markup runs the script/style pass only where `<s`, `<S` or `<\u017f` appears,
    # the characters its IGNORECASE pattern reads as `s`.
    for tag in ("script", "Script", "SCRIPT", "\u017fcript", "style", "STYLE"):
        assert html_to_text(f"<b><i>a</i></b><{tag}>hidden</{tag}>b") == "a b"
