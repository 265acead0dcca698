"""The adversarial corpus: hostile email bodies that once cost more than linear time.

Each entry is a name and a builder of a body of about `size` characters. The tests run
every entry through the whole analysis (tests/unit/email_processing/test_adversarial.py:
right answers, caps respected) and the benchmark times it (`python -m bench --only
adversarial`): the worst per-email analysis time and its ratio to a normal body of the
same size.
"""

from __future__ import annotations

from collections.abc import Callable

MIB = 1 << 20

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
