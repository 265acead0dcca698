"""The visible text of an email's HTML: tags by linear C-level regex passes, entities in C.

Block tags and `<br>` end a line, inline formatting tags (`<b>`, `<span>`, `<a>`...)
vanish as a browser renders them (so `D<span>é</span>sabo` stays one word), other tags
become a space; script and style bodies, comments, declarations and processing
instructions are dropped. Each step is one pass of a regex in C; tags are split out
once and their names mapped by a dict lookup, so the cost is linear in the size whatever
the markup.

Character references are decoded by lexbor's HTML5 tokenizer (selectolax), which applies
the same rules as `html.unescape` (named references with and without `;`, numeric ones
with the HTML5 replacements) in C: `html.unescape` calls Python code once per reference,
which made a body of `&eacute;` repeated cost ten times an ordinary one. The tokenizer
only ever sees text: every `<` is escaped first, so no element is built and no tree-
building cost (quadratic on hostile nesting in any HTML5 tree builder) can arise.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

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

# A tag: `<` or `</`, its name, attributes (quoted values may hold `>`), `>`. Possessive
# quantifiers, and nothing in a tag runs past the next `<`: every match attempt stays
# local, so hostile markup (thousands of unclosed quotes) is still linear.
_ATTRS = r"""(?:[^<>"']++|"[^"<]*+"|'[^'<]*+')*+"""
# A line break while whitespace is collapsed: a private-use character (the input's own are
# turned into spaces first), neither whitespace nor touched by the tokenizer.
_BREAK = "\ue000"
_NAME_END = r"(?![A-Za-z0-9:-])"
_TAG = re.compile(rf"</?([A-Za-z][A-Za-z0-9:-]*){_ATTRS}>")
NAMES_REMEMBERED = 4096  # tag names beyond the known ones kept (hostile mail invents many)


class _TagText(dict[str, str]):
    """Tag name -> what replaces the tag; a name in another case is looked up lower-cased,
    an unknown one is a space. Names seen before never leave C (`map` over `__getitem__`):
    the first sight of another name (`td`, `img`, `TD`) is remembered, up to a bound."""

    def __missing__(self, name: str) -> str:
        text = self.get(name.lower(), " ")
        if len(self) < NAMES_REMEMBERED:
            self[name] = text
        return text


_TAG_TEXT = _TagText({**dict.fromkeys(BLOCK_TAGS, _BREAK), **dict.fromkeys(INLINE_TAGS, "")})
# Markup dense with adjacent tags (`<div><div><div>`) is read by runs: `re` spends about a
# third of the time per tag inside a run that it spends on a match of its own. A run is
# adjacent tags of one kind (block, inline, other); it becomes what one tag of it becomes
# (breaks, nothing or spaces repeated read as one once whitespace is collapsed). Each kind
# ends in an empty group, so the split gives "" in that kind's slot and None in the others,
# mapped in C. For ordinary markup one split by tag is cheaper: a run's extra step costs a
# lone tag about as much as it saves.
RUN_DENSITY = 32  # read by runs when `><` occurs more than once per this many characters
_BLOCK_NAME = rf"(?:{'|'.join(sorted(BLOCK_TAGS))}){_NAME_END}"
_INLINE_NAME = rf"(?:{'|'.join(sorted(INLINE_TAGS))}){_NAME_END}"
_OTHER_NAME = rf"(?!{_BLOCK_NAME})(?!{_INLINE_NAME})[A-Za-z][A-Za-z0-9:-]*+"


def _run_of(name: str) -> str:
    """A run of adjacent tags whose names match `name`, less its first `<`, then `()`."""
    return rf"/?+{name}{_ATTRS}>(?:</?+{name}{_ATTRS}>)*+()"


_TAG_RUN = re.compile(  # the look-ahead: a tag is there (cheap), before the names are tried
    rf"<(?=/?[A-Za-z][A-Za-z0-9:-]*+{_ATTRS}>)"
    f"(?:{_run_of(_BLOCK_NAME)}|{_run_of(_INLINE_NAME)}|{_run_of(_OTHER_NAME)})",
    re.I | re.A,  # ASCII case only, as HTML reads tag names
)
_RUN_TEXT = (  # for each kind's slot: "" (this kind's run) or None -> its replacement
    {"": _BREAK, None: ""},
    {"": "", None: ""},
    {"": " ", None: ""},
)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_RAW_TEXT = re.compile(
    rf"<(script|style){_NAME_END}{_ATTRS}>.*?(?:</\1(?:[\s/][^>]*+)?(?:>|\Z)|\Z)",
    re.S | re.I,
)
# Declarations and processing instructions (`<!doctype>`, `<?xml?>`, CDATA) vanish.
_DECLARATION = re.compile(r"<[!?][^>]*+(?:>|\Z)")
# A tag left over (an unbalanced quote): it ends at the next `>`, or swallows the rest.
_LOOSE_TAG = re.compile(r"</?[A-Za-z][^>]*+(?:>|\Z)")


# Control characters other than whitespace. `html.unescape` drops a reference to one
# (`D&#1;ésabo` reads "Désabo") where HTML5 decoders keep the character: in a text with
# numeric references, every such invisible character is dropped.
_CONTROLS = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f]+")


def decode_references(text: str) -> str:
    """Character references decoded as in HTML text (what `html.unescape` does), in C."""
    if "&" not in text:
        return text
    body = LexborHTMLParser("<body>" + text.replace("<", "&lt;")).body
    decoded = "" if body is None else body.text()
    return _CONTROLS.sub("", decoded) if "&#" in text else decoded  # only `&#` makes one


def _replace_tags(text: str, dense: bool) -> str:
    """Each tag replaced by a break, a space or nothing (runs of adjacent tags at once when
    the text is dense with them)."""
    if dense:
        parts = _TAG_RUN.split(text)  # text, block?, inline?, other?, text...
        for slot, replacement in enumerate(_RUN_TEXT, start=1):
            parts[slot::4] = map(replacement.__getitem__, parts[slot::4])
    else:
        parts = _TAG.split(text)  # text, name, text, name...
        parts[1::2] = map(_TAG_TEXT.__getitem__, parts[1::2])
    return "".join(parts)


def _strip_markup(html: str) -> str:
    """Comments, declarations, script and style bodies dropped; tags become a break, a
    space or nothing."""
    text = html.replace(_BREAK, " ").replace("\x00", " ")
    if "<" not in text:
        return text
    if "<!--" in text:
        text = _COMMENT.sub("", text)
    dense = text.count("><") > len(text) // RUN_DENSITY
    # In markup this dense the script/style pass tries a match at very many `<`; it is only
    # run where one may start: `<` then `s`, `S` or `\u017f`, what IGNORECASE reads as `s`.
    # (In ordinary markup that check would cost more than the pass.)
    if not dense or "<s" in text or "<S" in text or "<\u017f" in text:
        text = _RAW_TEXT.sub(" ", text)
    if "<!" in text or "<?" in text:
        text = _DECLARATION.sub("", text)
    text = _replace_tags(text, dense)
    if "<" in text:
        text = _LOOSE_TAG.sub(" ", text)
    return text


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: one line per block, whitespace collapsed."""
    text = " ".join(decode_references(_strip_markup(html)).split())
    text = text.replace(" " + _BREAK, _BREAK).replace(_BREAK + " ", _BREAK)
    return "\n".join(filter(None, text.split(_BREAK)))


def visible_text(html: str) -> str:
    """The visible text on one line (blocks end in a space): what matching reads."""
    return " ".join(decode_references(_strip_markup(html).replace(_BREAK, " ")).split())
